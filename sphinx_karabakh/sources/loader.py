"""Read ``sources.toml`` and the source files it names into ``Source`` objects.

What flows: ``directory -> [SourceMeta] (validated, with file:line errors) -> Source`` (text,
sha256, paragraphs and sentences).  Parsed sources are cached by content hash and metadata, so
Sphinx's parallel readers and repeated builds do not split the same file twice.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock
from typing import Any

from sphinx_karabakh.sources.model import Passage, PassageKind, SourceError, SourceMeta
from sphinx_karabakh.sources.normalize import Normalized
from sphinx_karabakh.sources.passages import build_passages

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
_ID_RX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
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


def read_source_text(path: Path) -> str:
    """The file decoded as UTF-8 (no newline translation); SourceError names a bad byte's line."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError("source file not found", path) from None
    except OSError as exc:
        raise SourceError(f"cannot read source file: {exc.strerror or exc}", path) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})", path, line
        ) from None


def source_from_text(text: str, meta: SourceMeta, path: Path | str = "") -> Source:
    """Split ``text`` into passages (cached by content hash and metadata)."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    key = (digest, meta)
    src = _cached(key)
    if src is not None and src.path == Path(path):
        return src
    built = build_passages(text, meta)
    sentences: dict[str, tuple[Passage, ...]] = {}
    norms: dict[str, Normalized] = {}
    by_id: dict[str, Passage] = {}
    spans: dict[str, tuple[str, int, int]] = {}
    parts: dict[str, tuple[tuple[int, int], ...]] = {}
    for b in built:
        if len(b.parts) > 1:
            parts[b.passage.id] = b.parts
        sentences[b.passage.id] = b.sentences
        norms[b.passage.id] = b.norm
        by_id[b.passage.id] = b.passage
        for s, (ns, ne) in zip(b.sentences, b.sentence_spans, strict=True):
            spans[s.id] = (b.passage.id, ns, ne)
            by_id[s.id] = s
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
    )
    _store(key, src)
    return src


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


def _as_str(value: Any, key: str, fail) -> str:
    if not isinstance(value, str):
        fail(f"{key!r} must be a string, not {type(value).__name__}", key)
    return value


def _as_strs(value: Any, key: str, fail) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value else ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fail(f"{key!r} must be a list of strings", key)
    return tuple(value)


def parse_metadata(path: Path) -> list[SourceMeta]:
    """Validated ``[[source]]`` tables of a metadata file; SourceError names file and line."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError("metadata file not found", path) from None
    except UnicodeDecodeError as exc:
        raise SourceError(f"metadata is not valid UTF-8: {exc.reason}", path) from None
    except OSError as exc:
        raise SourceError(f"cannot read metadata: {exc.strerror or exc}", path) from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(m.group(1)) if m else None
        reason = re.sub(r" ?\(at line.*", "", msg)
        raise SourceError(f"malformed TOML: {reason}", path, line) from None
    lines = raw.splitlines()
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
            raise SourceError(f"unknown key {key!r} (expected [[source]] tables)", path, line)
    tables = data.get("source", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise SourceError("'source' must be an array of tables ([[source]])", path)
    starts = _table_lines(lines)
    metas: list[SourceMeta] = []
    seen: dict[str, int] = {}
    for n, table in enumerate(tables):
        tline = starts[n] if n < len(starts) else None

        def fail(msg: str, key: str | None = None, _t: int | None = tline) -> None:
            line = _key_line(lines, _t, key) if _t else None
            raise SourceError(msg, path, line)

        unknown = sorted(set(table) - SOURCE_KEYS)
        if unknown:
            fail(
                f"unknown key {unknown[0]!r} in [[source]] (known: {', '.join(sorted(SOURCE_KEYS))})",
                unknown[0],
            )
        for req in ("id", "file"):
            if not table.get(req):
                fail(f"[[source]] #{n + 1} has no {req!r}")
        sid = _as_str(table["id"], "id", fail)
        if not _ID_RX.match(sid):
            fail(
                f"source id {sid!r} must be letters, digits, '.', '_' or '-' (no ':' or spaces)",
                "id",
            )
        if sid in seen:
            fail(f"duplicate source id {sid!r} (first at line {seen[sid]})", "id")
        seen[sid] = _key_line(lines, tline, "id") if tline else 0
        file = _as_str(table["file"], "file", fail)
        fmt = table.get("format") or _EXT_FORMAT.get(Path(file).suffix.lower(), "text")
        if fmt not in FORMATS:
            fail(f"format {fmt!r} must be one of {', '.join(FORMATS)}", "format")
        metas.append(
            SourceMeta(
                id=sid,
                file=file,
                title=_as_str(table.get("title", ""), "title", fail),
                authors=_as_strs(table.get("authors", []), "authors", fail),
                date=str(table.get("date", "")),
                publisher=_as_str(table.get("publisher", ""), "publisher", fail),
                url=_as_str(table.get("url", ""), "url", fail),
                format=fmt,
                boilerplate=_as_strs(table.get("boilerplate", []), "boilerplate", fail),
                end_marker=_as_str(table.get("end_marker", ""), "end_marker", fail),
            )
        )
    return metas


def discover(directory: Path) -> list[SourceMeta]:
    """Metadata for a folder without ``sources.toml``: every .txt/.md file, ID = file stem."""
    metas: list[SourceMeta] = []
    for p in sorted(directory.iterdir()):
        fmt = _EXT_FORMAT.get(p.suffix.lower())
        if fmt and p.is_file():
            sid = re.sub(r"[^A-Za-z0-9_.-]+", "-", p.stem).strip("-.") or "source"
            metas.append(SourceMeta(id=sid, file=p.name, title=p.stem, format=fmt))
    return metas


def load_sources(
    directory: str | Path,
    metadata: str | Path = "sources.toml",
    discover_missing: bool = True,
    strict: bool = True,
):
    """All sources of ``directory`` as a SourceSet.

    Metadata comes from ``directory/metadata``; when that file is absent and
    ``discover_missing`` is true and it has the default name, every ``*.txt``/``*.md`` file
    is a source (ID = file stem).

    A missing directory or a broken metadata file raises SourceError (there is nothing to go
    on). A source file that cannot be read raises too when ``strict``; otherwise that source is
    left out and its SourceError (file and line) is kept in ``SourceSet.errors``.
    """
    from sphinx_karabakh.sources.sourceset import SourceSet

    directory = Path(directory)
    if not directory.is_dir():
        raise SourceError("sources directory not found", directory)
    meta_path = directory / metadata
    # a metadata file asked for by another name must exist; the default one may be absent
    if meta_path.is_file() or not discover_missing or meta_path.name != DEFAULT_METADATA:
        metas = parse_metadata(meta_path)
    else:
        metas = discover(directory)
    sources, errors = [], []
    for meta in metas:
        try:
            sources.append(load_source_file(directory / meta.file, meta))
        except SourceError as exc:
            error = _missing_file_error(exc, meta, directory, meta_path)
            if strict:
                raise error from None
            errors.append(error)
    return SourceSet(sources, directory=directory, errors=errors)


def _missing_file_error(
    exc: SourceError, meta: SourceMeta, directory: Path, meta_path: Path
) -> SourceError:
    """A source file that is not there is the metadata's fault: point at its ``file =`` line."""
    if exc.reason != "source file not found" or not meta_path.is_file():
        return exc
    lines = meta_path.read_text(encoding="utf-8").splitlines()
    line = next(
        (i + 1 for i, ln in enumerate(lines) if re.match(r"\s*file\s*=", ln) and meta.file in ln),
        None,
    )
    return SourceError(
        f"source {meta.id!r}: file {meta.file!r} not found in {directory}", meta_path, line
    )
