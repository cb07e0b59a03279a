"""The sources as the Sphinx layer sees them: loaded once per content, plus display helpers.

``loaded_sources(app)`` gives a :class:`LoadedSources` (the stage's ``SourceSet``, the files every
quoting document depends on, and the load errors to report). It is cached by the content hash of
the sources directory, so a build reads and splits the sources once, and parallel readers (forked
from the main process) inherit it.

How a passage is shown (Markdown dropped, page furniture left out, offsets kept) is the stage's
work (``sphinx_karabakh.sources.display``); its names are re-exported here for the directives.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sphinx_karabakh.sources.display import (  # re-exported: the stage does the work
    Display,
    covered_paragraphs,
    display,
    first_paragraph_of,
    left_out,
    overlaps,
    shown_paragraphs,
    source_of,
)
from sphinx_karabakh.sources.model import SourceError

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


def loaded_sources(config: Any, confdir: str | Path, refresh: bool = False) -> LoadedSources | None:
    """The sources configured by ``karabakh_sources`` (None when the feature is off)."""
    if not config.karabakh_sources:
        return None
    directory, metadata = sources_paths(
        confdir, config.karabakh_sources, config.karabakh_sources_metadata
    )
    return load_cached(directory, metadata, refresh=refresh)


__all__ = [
    "Display",
    "LoadedSources",
    "anchor_id",
    "covered_paragraphs",
    "display",
    "first_paragraph_of",
    "left_out",
    "loaded_sources",
    "overlaps",
    "shown_paragraphs",
    "source_anchor",
    "source_of",
]
