"""The sources as the Sphinx layer sees them: loaded once per content, plus display helpers.

``loaded_sources(app)`` gives a :class:`LoadedSources` (the stage's ``SourceSet``, the files every
quoting document depends on, and the load errors to report). It is cached by the content hash of
the sources directory, so a build reads and splits the sources once, and parallel readers (forked
from the main process) inherit it.

``display(meta, raw)`` turns a passage's raw text (Markdown or plain) into the text shown on a
page plus an offset map back into the raw text, so sentence spans can be cut at the right places.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from sphinx_karabakh.sources.model import Passage, SourceError, SourceMeta

#: How many differently-configured source sets to keep (tests build several projects).
_CACHE_SIZE = 8
_CACHE: dict[tuple[str, str], LoadedSources] = {}


@dataclass(frozen=True)
class LoadedSources:
    """One load of a sources directory: ``sourceset`` is None when nothing could be loaded."""

    directory: Path
    metadata: Path
    fingerprint: str
    sourceset: Any | None  # sphinx_karabakh.sources.SourceSet
    errors: tuple[SourceError, ...] = ()
    files: dict[str, Path] = field(default_factory=dict)  # source ID -> file path
    has_metadata: bool = False  # does the metadata file exist (a dependency of every quote)?

    def source_file(self, source_id: str) -> Path | None:
        return self.files.get(source_id)

    @property
    def ids(self) -> list[str]:
        return list(self.files)


def _fingerprint(directory: Path, metadata: Path) -> str:
    """Content hash of the metadata file and every regular file of the sources directory."""
    digest = hashlib.sha256()
    paths = {metadata} if metadata.is_file() else set()
    if directory.is_dir():
        paths.update(p for p in directory.iterdir() if p.is_file())
    for path in sorted(paths):
        digest.update(str(path).encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<unreadable>")
    return digest.hexdigest()


def _load(directory: Path, metadata: Path, fingerprint: str) -> LoadedSources:
    """Load leniently: every source that can be read is kept, each one that cannot is an error.

    A broken metadata file still stops everything (there is nothing to go on).
    """
    from sphinx_karabakh.sources import load_sources  # the stage; imported late on purpose

    try:
        sourceset = load_sources(directory, metadata=metadata, strict=False)
    except SourceError as exc:
        return LoadedSources(directory, metadata, fingerprint, None, (exc,))
    except (OSError, ValueError, UnicodeError) as exc:  # never crash the build on bad input
        err = SourceError(f"cannot load sources: {exc}", path=metadata)
        return LoadedSources(directory, metadata, fingerprint, None, (err,))
    files = {
        sid: src.path if src.path.is_absolute() else directory / src.path
        for sid, src in sourceset.items()
    }
    return LoadedSources(
        directory,
        metadata,
        fingerprint,
        sourceset,
        sourceset.errors,
        files,
        metadata.is_file(),
    )


@lru_cache(maxsize=32)
def sources_paths(confdir: str | Path, directory: str | Path, metadata: str) -> tuple[Path, Path]:
    """Absolute paths of the sources directory and its metadata file (resolved once)."""
    base = Path(confdir)
    src = (base / directory).resolve()
    meta = Path(metadata)
    meta = meta if meta.is_absolute() else src / meta
    return src, meta


def load_cached(directory: Path, metadata: Path, refresh: bool = False) -> LoadedSources:
    """The sources under ``directory``; re-read only when their content hash changed."""
    key = (str(directory), str(metadata))
    cached = _CACHE.get(key)
    if cached is not None and not refresh:
        return cached
    fingerprint = _fingerprint(directory, metadata)
    if cached is not None and cached.fingerprint == fingerprint:
        return cached
    loaded = _load(directory, metadata, fingerprint)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = loaded
    return loaded


# --- IDs and anchors ------------------------------------------------------------------------

_ANCHOR_JUNK = re.compile(r"[^A-Za-z0-9_-]+")


def anchor_id(passage_id: str) -> str:
    """``legiec-2020:p4.s2`` -> ``legiec-2020-p4-s2`` (the HTML id of a passage on its page)."""
    return _ANCHOR_JUNK.sub("-", passage_id).strip("-")


def source_anchor(source_id: str) -> str:
    return "source-" + anchor_id(source_id)


def source_of(passage_id: str) -> str:
    """The source part of a passage ID (everything before the last ``:``)."""
    return passage_id.rsplit(":", 1)[0] if ":" in passage_id else passage_id


def covered_paragraphs(paragraphs: list[Passage], passage: Passage) -> tuple[str, ...]:
    """IDs of the paragraphs a passage (paragraph, sentence or range) overlaps, in order."""
    return tuple(p.id for p in paragraphs if overlaps(p, passage))


def overlaps(a: Passage, b: Passage) -> bool:
    """Do two spans share a character (or are both the same empty span)?"""
    return (a.start < b.end and b.start < a.end) or (a.start, a.end) == (b.start, b.end)


# --- Showing Markdown and text passages ---------------------------------------------------------


@dataclass(frozen=True)
class Display:
    """A passage as shown: ``text`` with ``offsets[i]`` = raw index of ``text[i]``."""

    text: str
    offsets: tuple[int, ...]
    kind: str = "paragraph"  # "paragraph" | "heading" | "item"

    def cut(self, raw_start: int, raw_end: int) -> str:
        """The shown text of the raw span ``[raw_start, raw_end)`` (e.g. one sentence)."""
        # offsets only grow (markup is dropped, never reordered): two bisections find the span
        return self.text[bisect_left(self.offsets, raw_start) : bisect_left(self.offsets, raw_end)]


_MD_PATTERNS = (
    re.compile(r"!?\[(?P<keep>[^\]\n]*)\]\([^)\n]*\)"),  # links and images: keep the text
    re.compile(r"\*\*(?P<keep>[^*\n]+)\*\*"),  # bold
    re.compile(r"__(?P<keep>[^_\n]+)__"),
    re.compile(r"(?<![\w*])\*(?P<keep>[^*\s][^*\n]*?)\*(?![\w*])"),  # italic
    re.compile(r"(?<!\w)_(?P<keep>[^_\s][^_\n]*?)_(?!\w)"),
    re.compile(r"`(?P<keep>[^`\n]+)`"),  # code
)
_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+")
_MD_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+")
_MD_QUOTE = re.compile(r"^[ \t]*>[ \t]?")


def left_out(source: Any, passage_id: str) -> list[tuple[int, int]]:
    """Raw spans inside a passage that the stage leaves out (page furniture between its parts).

    A page header that split a paragraph in two stays inside the paragraph's raw span;
    ``Source.parts`` gives the spans around it; what lies between them is left out unless it is
    only the blank line that joins two blocks of one paragraph.
    """
    text = source.text
    return [
        (end, start)
        for (_, end), (start, _) in pairwise(source.parts(passage_id))
        if not text[end:start].isspace()
    ]


def display(
    meta: SourceMeta | None, raw: str, base: int = 0, leave_out: list[tuple[int, int]] = ()
) -> Display:
    """Shown text of ``raw`` (which starts at file offset ``base``).

    Plain text is shown as is (whitespace runs collapse in HTML anyway). For Markdown the markup
    is dropped and its text kept: ``[text](url)`` -> ``text``, ``**b**`` -> ``b``, a heading's
    ``#`` and a list item's marker at the start of a line (the passage kind says which it was).
    """
    drop = [False] * len(raw)
    for start, end in leave_out:  # furniture: keep one whitespace character in its place
        first = start - base + (1 if raw[start - base : start - base + 1].isspace() else 0)
        for i in range(max(first, 0), min(end - base, len(raw))):
            drop[i] = True
    if meta is None or meta.format != "markdown":
        if not leave_out:
            return Display(raw, tuple(range(base, base + len(raw))))
        text = "".join(c for c, d in zip(raw, drop, strict=True) if not d)
        return Display(text, tuple(base + i for i, d in enumerate(drop) if not d))
    kind = "paragraph"
    pos = 0
    for line in raw.splitlines(keepends=True):
        for pattern, line_kind in ((_MD_HEADING, "heading"), (_MD_ITEM, "item"), (_MD_QUOTE, "")):
            m = pattern.match(line)
            if m:
                for i in range(pos + m.start(), pos + m.end()):
                    drop[i] = True
                if pos == 0 and line_kind:
                    kind = line_kind
                break
        if kind == "heading" and pos == 0:
            stripped = line.rstrip()
            closing = re.search(r"[ \t]+#+$", stripped)
            if closing:
                for i in range(pos + closing.start(), pos + len(stripped)):
                    drop[i] = True
        pos += len(line)
    for pattern in _MD_PATTERNS:
        for m in pattern.finditer(raw):
            if drop[m.start()] or drop[m.end() - 1]:
                continue
            keep_start, keep_end = m.span("keep")
            for i in range(m.start(), keep_start):
                drop[i] = True
            for i in range(keep_end, m.end()):
                drop[i] = True
    text = "".join(c for c, d in zip(raw, drop, strict=True) if not d)
    offsets = tuple(base + i for i, d in enumerate(drop) if not d)
    return Display(text, offsets, kind)


def loaded_sources(config: Any, confdir: str | Path, refresh: bool = False) -> LoadedSources | None:
    """The sources configured by ``karabakh_sources`` (None when the feature is off)."""
    if not config.karabakh_sources:
        return None
    directory, metadata = sources_paths(
        confdir, config.karabakh_sources, config.karabakh_sources_metadata
    )
    return load_cached(directory, metadata, refresh=refresh)
