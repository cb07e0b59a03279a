"""Read ``sources.toml`` and the source files it names into ``Source`` objects.

What flows: ``directory -> [SourceMeta] (validated, with file:line errors) -> Source`` (text,
sha256, paragraphs and sentences).  Parsed sources are cached by content hash and metadata, so
Sphinx's parallel readers and repeated builds do not split the same file twice.
"""

from __future__ import annotations

import datetime
import gc
import hashlib
import os
import re
import tomllib
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Any

from sphinx_karabakh import files
from sphinx_karabakh.files import is_inside
from sphinx_karabakh.sources.ids import SOURCE_ID
from sphinx_karabakh.sources.markdown import Link
from sphinx_karabakh.sources.model import (
    Passage,
    PassageKind,
    SourceError,
    SourceMeta,
    SourceWarning,
)
from sphinx_karabakh.sources.normalize import Normalized
from sphinx_karabakh.sources.passages import SplitNote, build_passages
from sphinx_karabakh.urls import unsafe_scheme

if TYPE_CHECKING:
    from sphinx_karabakh.sources.sourceset import SourceSet

SOURCE_KEYS = {
    "id",
    "file",
    "format",
    "title",
    "authors",
    "date",
    "publisher",
    "url",
    "boilerplate",
    "end_marker",
}
FORMATS = ("text", "markdown")
DEFAULT_METADATA = "sources.toml"
_EXT_FORMAT = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".text": "text"}


@dataclass(frozen=True, eq=False)
class Source:
    """One source document split into passages.

    ``text`` is the file as read (UTF-8, no newline translation), so every passage's
    ``start``/``end`` index it directly: ``source.text[p.start:p.end] == p.text``.
    """

    meta: SourceMeta
    path: Path
    text: str
    sha256: str
    paragraphs: tuple[Passage, ...]
    _sentences: dict[str, tuple[Passage, ...]] = field(repr=False)
    _norms: dict[str, Normalized] = field(repr=False)
    _by_id: dict[str, Passage] = field(repr=False)
    _sentence_spans: dict[str, tuple[str, int, int]] = field(repr=False, default_factory=dict)
    _parts: dict[str, tuple[tuple[int, int], ...]] = field(repr=False, default_factory=dict)
    _kinds: dict[str, str] = field(repr=False, default_factory=dict)  # paragraph -> block kind
    #: Markdown: each paragraph's text as a reader reads it, mapped to raw offsets, and its links
    _shown: dict[str, tuple[Normalized, tuple[Link, ...]]] = field(repr=False, default_factory=dict)
    notes: tuple[SourceWarning, ...] = ()  # what the split had to say (an empty file, a cap)

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def markdown(self) -> bool:
        return self.meta.format == "markdown"

    def sentences(self, paragraph_id: str) -> tuple[Passage, ...]:
        """The sentences of paragraph ``paragraph_id`` (full ID ``SRC:p4`` or ``p4``)."""
        pid = paragraph_id if ":" in paragraph_id else f"{self.id}:{paragraph_id}"
        return self._sentences.get(pid, ())

    @property
    def passages(self) -> tuple[Passage, ...]:
        """Every paragraph followed by its sentences, in document order."""
        cached = self.__dict__.get("_passages")
        if cached is None:
            out: list[Passage] = []
            for p in self.paragraphs:
                out.append(p)
                out.extend(self._sentences.get(p.id, ()))
            cached = tuple(out)
            object.__setattr__(self, "_passages", cached)
        return cached

    @property
    def all_sentences(self) -> tuple[Passage, ...]:
        """Every sentence, in document order."""
        cached = self.__dict__.get("_all_sentences")
        if cached is None:
            cached = tuple(s for p in self.paragraphs for s in self._sentences.get(p.id, ()))
            object.__setattr__(self, "_all_sentences", cached)
        return cached

    def parts(self, pid: str) -> tuple[tuple[int, int], ...]:
        """Raw ``(start, end)`` spans of a paragraph or sentence without left-out furniture.

        One span for most passages; a paragraph broken by a page header that the metadata
        leaves out (``Turkey,`` / ``PISM BULLETIN`` / ``in exchange…``) has two, and the text to
        show is ``" ".join(source.text[s:e] for s, e in source.parts(pid))``.
        """
        passage = self._by_id[pid]  # KeyError for an unknown ID
        para = pid if passage.kind is PassageKind.PARAGRAPH else self._sentence_spans[pid][0]
        spans = self._parts.get(para, ((passage.start, passage.end),))
        out = [(max(s, passage.start), min(e, passage.end)) for s, e in spans]
        return tuple((s, e) for s, e in out if s < e)

    def overlapping(self, start: int, end: int) -> tuple[Passage, ...]:
        """The paragraphs that share a character with the raw span ``[start, end)``, in order.

        An empty span matches only the paragraph with that very span. Two bisections on the
        paragraph starts, not a scan (a quote is looked up here once per build).
        """
        starts = self.__dict__.get("_starts")
        if starts is None:
            starts = [p.start for p in self.paragraphs]
            object.__setattr__(self, "_starts", starts)
        lo = max(bisect_left(starts, start) - 1, 0)  # a superset of the candidates, then the test
        hi = bisect_right(starts, end, lo)
        return tuple(
            p
            for p in self.paragraphs[lo:hi]
            if (p.start < end and start < p.end) or (p.start, p.end) == (start, end)
        )

    def order(self, pid: str) -> int:
        """Position of a paragraph among paragraphs, or of a sentence among sentences."""
        cached = self.__dict__.get("_order")
        if cached is None:
            cached = {}
            for kind in (PassageKind.PARAGRAPH, PassageKind.SENTENCE):
                cached.update(
                    (p.id, i) for i, p in enumerate(x for x in self.passages if x.kind == kind)
                )
            object.__setattr__(self, "_order", cached)
        return cached[pid]

    def passage(self, pid: str) -> Passage | None:
        """A paragraph or sentence of this source by full ID, or None."""
        return self._by_id.get(pid)

    def kind_of(self, pid: str) -> str:
        """The block kind of a paragraph: paragraph, heading, item, quote or footnote."""
        return self._kinds.get(pid, "paragraph")

    def shown(self, pid: str) -> tuple[Normalized, tuple[Link, ...]] | None:
        """A Markdown paragraph as a reader reads it (markup dropped), with its links."""
        return self._shown.get(pid)

    def normalized(self, pid: str) -> Normalized:
        """The normalised text of a paragraph or sentence (offsets map to ``self.text``)."""
        norm = self._norms.get(pid)
        if norm is None:
            para, ns, ne = self._sentence_spans[pid]  # KeyError for an unknown ID
            norm = self._norms[para].slice(ns, ne)
        return norm


# --- caching ---------------------------------------------------------------------------------

_CACHE: OrderedDict[tuple[str, SourceMeta], Source] = OrderedDict()
_CACHE_SIZE = 256
_CACHE_LOCK = Lock()


def _cached(key: tuple[str, SourceMeta]) -> Source | None:
    with _CACHE_LOCK:
        src = _CACHE.get(key)
        if src is not None:
            _CACHE.move_to_end(key)
        return src


def _store(key: tuple[str, SourceMeta], src: Source) -> None:
    with _CACHE_LOCK:
        _CACHE[key] = src
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)


#: The largest source file read (a bigger one is a located error, never a MemoryError).
MAX_SOURCE_BYTES = 64 * 1024 * 1024
#: The largest metadata file read.
MAX_METADATA_BYTES = 1024 * 1024


def resolve_source_path(directory: Path, file: str) -> Path:
    """The file a ``file =`` value names: relative, inside ``directory`` once symlinks are
    resolved.  SourceError (with the reason) otherwise; the caller adds the metadata line."""
    rel = Path(file)
    if rel.is_absolute() or file.startswith(("/", "\\")) or re.match(r"[A-Za-z]:[\\/]", file):
        raise SourceError(f"file {file!r} must be a path relative to the sources directory")
    try:
        base = directory.resolve()
        target = (base / rel).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise SourceError(f"file {file!r} cannot be resolved: {exc}") from None
    if not is_inside(target, [base]):
        raise SourceError(
            f"file {file!r} points outside the sources directory {base} (to {target})"
        )
    return target


def read_capped(path: Path, cap: int, what: str = "source file") -> bytes:
    """The bytes of a regular file of at most ``cap`` bytes (``files.read_capped``); SourceError,
    worded for ``what``, for anything else."""
    try:
        return files.read_capped(path, cap)
    except files.FileRefused as refused:
        raise SourceError(_refusal(refused, what), path) from None


def _refusal(refused: files.FileRefused, what: str) -> str:
    if refused.kind == "missing":
        return f"{what} not found"
    if refused.kind == "special":
        return f"{what} is not a regular file ({refused.detail})"
    if refused.kind == "large" and refused.detail == "grew":
        return f"{what} grew past the limit of {refused.cap:,} bytes while read"
    if refused.kind == "large":
        return f"{what} is {refused.size:,} bytes; the limit is {refused.cap:,}"
    return f"cannot read {what}: {refused.detail}"


def decode_utf8(data: bytes, path: Path | str, what: str = "source file") -> str:
    """UTF-8 text (no newline translation); SourceError names a bad byte's line."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start} of the {what})",
            path,
            line,
        ) from None


def read_source_text(path: Path, cap: int | None = None) -> str:
    """The file decoded as UTF-8; SourceError for a missing, special, huge or undecodable file."""
    return decode_utf8(read_capped(Path(path), MAX_SOURCE_BYTES if cap is None else cap), path)


def source_from_text(text: str, meta: SourceMeta, path: Path | str = "") -> Source:
    """Split ``text`` into passages (cached by content hash and metadata)."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    key = (digest, meta)
    src = _cached(key)
    if src is not None and src.path == Path(path):
        return src
    # Splitting makes millions of small objects and no reference cycles: the cyclic collector
    # would only walk them again and again (40% of the time for a million paragraphs).
    collecting = gc.isenabled()
    gc.disable()
    try:
        src = _split(text, meta, path, digest)
    finally:
        if collecting:
            gc.enable()
    _store(key, src)
    return src


def _split(text: str, meta: SourceMeta, path: Path | str, digest: str) -> Source:
    notes: list[SplitNote] = []
    built = build_passages(text, meta, notes)
    sentences: dict[str, tuple[Passage, ...]] = {}
    norms: dict[str, Normalized] = {}
    by_id: dict[str, Passage] = {}
    spans: dict[str, tuple[str, int, int]] = {}
    parts: dict[str, tuple[tuple[int, int], ...]] = {}
    kinds: dict[str, str] = {}
    shown: dict[str, tuple[Normalized, tuple[Link, ...]]] = {}
    for b in built:
        pid = b.passage.id
        if len(b.parts) > 1:
            parts[pid] = b.parts
        if b.kind != "paragraph":
            kinds[pid] = b.kind
        if b.shown is not None:
            shown[pid] = (b.shown, b.links)
        sentences[pid] = b.sentences
        norms[pid] = b.norm
        by_id[pid] = b.passage
        for s, (ns, ne) in zip(b.sentences, b.sentence_spans, strict=True):
            spans[s.id] = (pid, ns, ne)
            by_id[s.id] = s
    warnings = [SourceWarning(n.message, path or None, _line_of(text, n.offset)) for n in notes]
    if not built:
        warnings.append(
            SourceWarning(
                f"source {meta.id!r} has no passages"
                + (" (the file is empty)" if not text.strip() else " (everything is left out)"),
                path or None,
            )
        )
    src = Source(
        meta,
        Path(path),
        text,
        digest,
        tuple(b.passage for b in built),
        sentences,
        norms,
        by_id,
        spans,
        parts,
        kinds,
        shown,
        tuple(warnings),
    )
    return src


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def load_source_file(path: str | Path, meta: SourceMeta) -> Source:
    """Read and split one source file."""
    path = Path(path)
    return source_from_text(read_source_text(path), meta, path)


# --- metadata --------------------------------------------------------------------------------


def _key_line(lines: list[str], table_line: int, key: str | None) -> int:
    """Line (1-based) of ``key`` inside the ``[[source]]`` table starting at ``table_line``."""
    if key is None:
        return table_line
    rx = re.compile(rf"\s*{re.escape(key)}\s*=")
    for i in range(table_line, len(lines)):
        if lines[i].lstrip().startswith("["):
            break
        if rx.match(lines[i]):
            return i + 1
    return table_line


def _table_lines(lines: list[str]) -> list[int]:
    return [i + 1 for i, line in enumerate(lines) if re.match(r"\s*\[\[\s*source\s*\]\]", line)]


class _Invalid(Exception):
    """One ``[[source]]`` table is wrong (raised inside the loop, collected by it)."""

    def __init__(self, message: str, key: str | None) -> None:
        super().__init__(message)
        self.key = key


def _as_str(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"{key!r} must be a string, not {type(value).__name__}", key)
    return value


def _as_strs(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value else ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Invalid(f"{key!r} must be a list of strings", key)
    return tuple(value)


def _read_metadata(path: Path) -> str:
    return decode_utf8(read_capped(path, MAX_METADATA_BYTES, "metadata file"), path, "metadata")


@dataclass(frozen=True)
class Metadata:
    """``sources.toml`` read: the tables that are fine, and every error, each with its line."""

    sources: tuple[SourceMeta, ...]
    errors: tuple[SourceError, ...] = ()
    warnings: tuple[SourceWarning, ...] = ()
    file_lines: dict[str, int] = field(default_factory=dict)  # source ID -> line of its file =


def read_metadata(path: Path) -> Metadata:
    """Every ``[[source]]`` table of a metadata file, validated in one pass.

    A file that cannot be read or is not TOML raises SourceError (there is nothing to go on);
    otherwise each wrong table is one error (file and line) and the others are kept.
    """
    raw = _read_metadata(path)
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(m.group(1)) if m else None
        reason = re.sub(r" ?\(at line.*", "", msg)
        raise SourceError(f"malformed TOML: {reason}", path, line) from None
    lines = raw.splitlines()
    errors: list[SourceError] = []
    for key in data:
        if key != "source":
            line = next(
                (
                    i + 1
                    for i, ln in enumerate(lines)
                    if re.match(rf"\s*\[*\s*{re.escape(key)}\b", ln)
                ),
                None,
            )
            errors.append(
                SourceError(f"unknown key {key!r} (expected [[source]] tables)", path, line)
            )
    tables = data.get("source", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        errors.append(SourceError("'source' must be an array of tables ([[source]])", path))
        tables = []
    starts = _table_lines(lines)
    metas: list[SourceMeta] = []
    notes: list[SourceWarning] = []
    file_lines: dict[str, int] = {}
    seen: dict[str, int] = {}
    for n, table in enumerate(tables):
        tline = starts[n] if n < len(starts) else None
        try:
            meta = _table_meta(n, table, seen, lines, tline)
        except _Invalid as exc:
            line = _key_line(lines, tline, exc.key) if tline else None
            errors.append(SourceError(str(exc), path, line))
            continue
        seen[meta.id] = _key_line(lines, tline, "id") if tline else 0
        if tline:
            file_lines[meta.id] = _key_line(lines, tline, "file")
        metas.append(meta)
        scheme = unsafe_scheme(meta.url) if meta.url else None
        if scheme:
            line = _key_line(lines, tline, "url") if tline else None
            notes.append(
                SourceWarning(
                    f"source {meta.id!r}: url {meta.url!r} has the scheme {scheme!r}; only "
                    "http(s), mailto and relative links become links, so it is shown as text",
                    path,
                    line,
                )
            )
    warnings: list[SourceWarning] = list(notes)
    if not tables and not errors:
        warnings.append(SourceWarning("no [[source]] tables: there are no sources to quote", path))
    return Metadata(tuple(metas), tuple(errors), tuple(warnings), file_lines)


def _table_meta(
    n: int, table: dict[str, Any], seen: dict[str, int], lines: list[str], tline: int | None
) -> SourceMeta:
    unknown = sorted(set(table) - SOURCE_KEYS)
    if unknown:
        raise _Invalid(
            f"unknown key {unknown[0]!r} in [[source]] (known: {', '.join(sorted(SOURCE_KEYS))})",
            unknown[0],
        )
    for req in ("id", "file"):
        if not table.get(req):
            raise _Invalid(f"[[source]] #{n + 1} has no {req!r}", None)
    sid = _as_str(table["id"], "id")
    if not SOURCE_ID.match(sid):
        raise _Invalid(
            f"source id {sid!r} must be letters, digits, '.', '_' or '-' (no ':' or spaces)", "id"
        )
    if sid in seen:
        raise _Invalid(f"duplicate source id {sid!r} (first at line {seen[sid]})", "id")
    file = _as_str(table["file"], "file")
    fmt = table.get("format") or _EXT_FORMAT.get(Path(file).suffix.lower(), "text")
    if fmt not in FORMATS:
        raise _Invalid(f"format {fmt!r} must be one of {', '.join(FORMATS)}", "format")
    date = table.get("date", "")
    if not isinstance(date, str | datetime.date):
        raise _Invalid(f"'date' must be a string or a TOML date, not {type(date).__name__}", "date")
    url = _as_str(table.get("url", ""), "url").strip()
    return SourceMeta(
        id=sid,
        file=file,
        title=_as_str(table.get("title", ""), "title"),
        authors=_as_strs(table.get("authors", []), "authors"),
        date=str(date),
        publisher=_as_str(table.get("publisher", ""), "publisher"),
        url=url,
        format=fmt,
        boilerplate=_as_strs(table.get("boilerplate", []), "boilerplate"),
        end_marker=_as_str(table.get("end_marker", ""), "end_marker"),
    )


def parse_metadata(path: Path) -> list[SourceMeta]:
    """Validated ``[[source]]`` tables; the first error, if any, raised (strict callers)."""
    md = read_metadata(path)
    if md.errors:
        raise md.errors[0]
    return list(md.sources)


def discover(directory: Path) -> list[SourceMeta]:
    """Metadata for a folder without ``sources.toml``: every .txt/.md file, ID = file stem."""
    metas: list[SourceMeta] = []
    try:
        entries = sorted(directory.iterdir())
    except OSError as exc:
        raise SourceError(
            f"cannot list the sources directory: {exc.strerror or exc}", directory
        ) from None
    for p in entries:
        fmt = _EXT_FORMAT.get(p.suffix.lower())
        try:
            listed = p.is_file() or p.is_symlink()  # a symlink out of the directory is refused
        except OSError:  # when it is loaded, with a located error
            listed = False
        if fmt and listed:
            sid = re.sub(r"[^A-Za-z0-9_.-]+", "-", p.stem).strip("-.") or "source"
            metas.append(SourceMeta(id=sid, file=p.name, title=p.stem, format=fmt))
    return metas


def load_sources(
    directory: str | Path,
    metadata: str | Path = "sources.toml",
    discover_missing: bool = True,
    strict: bool = True,
) -> SourceSet:
    """All sources of ``directory`` as a SourceSet.

    Metadata comes from ``directory/metadata``; when that file is absent and
    ``discover_missing`` is true and it has the default name, every ``*.txt``/``*.md`` file
    is a source (ID = file stem).

    A missing or unreadable directory, or a metadata file that cannot be read or parsed, raises
    SourceError (there is nothing to go on).  Otherwise, when ``strict``, the first error raises;
    when not, every wrong ``[[source]]`` table and every source file that cannot be read is one
    SourceError (file and line) in ``SourceSet.errors`` and the other sources load.  What is
    kept but worth saying (an empty source, an empty metadata file) is in ``SourceSet.warnings``.
    """
    from sphinx_karabakh.sources.sourceset import SourceSet

    directory = Path(directory)
    try:
        is_dir = directory.is_dir()
    except OSError as exc:
        raise SourceError(f"cannot open the sources directory: {exc}", directory) from None
    if not is_dir:
        raise SourceError("sources directory not found", directory)
    if not os.access(directory, os.R_OK | os.X_OK):
        raise SourceError("the sources directory cannot be read (permission denied)", directory)
    meta_path = directory / metadata
    # a metadata file asked for by another name must exist; the default one may be absent
    errors: list[SourceError] = []
    warnings: list[SourceWarning] = []
    file_lines: dict[str, int] | None = None  # None: no metadata file (discovered sources)
    if _exists(meta_path) or not discover_missing or meta_path.name != DEFAULT_METADATA:
        md = read_metadata(meta_path)
        metas = list(md.sources)
        errors.extend(md.errors)
        warnings.extend(md.warnings)
        file_lines = md.file_lines
    else:
        metas = discover(directory)
    if errors and strict:
        raise errors[0]
    sources = []
    for meta in metas:
        try:
            path = resolve_source_path(directory, meta.file)
            source = load_source_file(path, meta)
        except SourceError as exc:
            error = _located(exc, meta, directory, meta_path, file_lines)
            if strict:
                raise error from None
            errors.append(error)
            continue
        sources.append(source)
        warnings.extend(source.notes)
    errors.sort(key=lambda e: (e.path or "", e.line or 0))
    return SourceSet(sources, directory=directory, errors=errors, warnings=warnings)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:
        return True  # there, but not readable: reading it says why


def _located(
    exc: SourceError,
    meta: SourceMeta,
    directory: Path,
    meta_path: Path,
    file_lines: dict[str, int] | None,
) -> SourceError:
    """A source file's problem, pointed at its ``file =`` line in the metadata when there is one.

    A problem with a line of its own (a bad byte) stays located in the source file.
    """
    if exc.path and exc.line:
        return SourceError(f"{exc.reason} (source {meta.id!r})", exc.path, exc.line)
    if file_lines is None:
        return exc
    reason = exc.reason
    if reason == "source file not found":
        reason = f"file {meta.file!r} not found in {directory}"
    return SourceError(f"source {meta.id!r}: {reason}", meta_path, file_lines.get(meta.id))
