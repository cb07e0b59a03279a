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
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from sphinx_karabakh.sources.ids import anchor_of, source_anchor
from sphinx_karabakh.sources.model import SourceError, SourceWarning

if TYPE_CHECKING:
    from sphinx_karabakh.sources.loader import Source
    from sphinx_karabakh.sources.sourceset import SourceSet

#: How many differently-configured source sets to keep (tests build several projects).
_CACHE_SIZE = 8
_CACHE: dict[tuple[str, str], LoadedSources] = {}


@dataclass(frozen=True)
class LoadedSources:
    """One load of a sources directory: ``sourceset`` is None when nothing could be loaded.

    ``fingerprints`` are per source (its metadata and the sha256 of its text), ``fingerprint``
    the whole set's: a document that quoted a source is read again only when its fingerprint
    changed -- the content decides, never a file's mtime.
    """

    directory: Path
    metadata: Path
    fingerprint: str
    sourceset: SourceSet | None
    errors: tuple[SourceError, ...] = ()
    files: dict[str, Path] = field(default_factory=dict)  # source ID -> file path
    has_metadata: bool = False  # does the metadata file exist?
    fingerprints: dict[str, str] = field(default_factory=dict)  # source ID -> fingerprint
    warnings: tuple[SourceWarning, ...] = ()

    @property
    def ids(self) -> list[str]:
        return list(self.files)

    def fingerprint_of(self, source_id: str) -> str:
        """A source's fingerprint ("" for one that is not loaded)."""
        return self.fingerprints.get(source_id, "")


def _source_fingerprint(src: Source) -> str:
    return hashlib.sha256(f"{src.meta!r}\0{src.sha256}".encode()).hexdigest()[:20]


def _set_fingerprint(
    fingerprints: dict[str, str], errors: tuple[SourceError, ...], warnings: tuple[Any, ...]
) -> str:
    digest = hashlib.sha256()
    for sid, fp in fingerprints.items():
        digest.update(f"{sid}={fp};".encode())
    for e in (*errors, *warnings):
        digest.update(f"!{type(e).__name__}:{e};".encode())
    return digest.hexdigest()[:20]


def _load(directory: Path, metadata: Path) -> LoadedSources:
    """Load leniently: every source that can be read is kept, each one that cannot is an error.

    A metadata file that cannot be read or parsed still stops everything (nothing to go on).
    """
    from sphinx_karabakh.sources import load_sources  # the stage; imported late on purpose

    try:
        sourceset = load_sources(directory, metadata=metadata, strict=False)
    except SourceError as exc:
        return LoadedSources(directory, metadata, f"error:{exc}", None, (exc,))
    except (OSError, ValueError, UnicodeError, RecursionError) as exc:  # never crash the build
        err = SourceError(f"cannot load sources: {exc}", path=metadata)
        return LoadedSources(directory, metadata, f"error:{err}", None, (err,))
    files = {
        sid: src.path if src.path.is_absolute() else directory / src.path
        for sid, src in sourceset.items()
    }
    fps = {sid: _source_fingerprint(src) for sid, src in sourceset.items()}
    return LoadedSources(
        directory,
        metadata,
        _set_fingerprint(fps, sourceset.errors, sourceset.warnings),
        sourceset,
        sourceset.errors,
        files,
        metadata.is_file(),
        fps,
        sourceset.warnings,
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
    """The sources under ``directory``; with ``refresh``, read again and compared by content.

    Reading again is cheap (a split source is cached by its content hash); the cached
    LoadedSources -- with its word index -- is kept when nothing changed.
    """
    key = (str(directory), str(metadata))
    cached = _CACHE.get(key)
    if cached is not None and not refresh:
        return cached
    loaded = _load(directory, metadata)
    if cached is not None and cached.fingerprint == loaded.fingerprint:
        return cached
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = loaded
    return loaded


# --- IDs and anchors ------------------------------------------------------------------------


#: ``legiec-2020:p4.s2`` -> ``legiec-2020-p4-s2`` (the HTML id of a passage on its page)
anchor_id = anchor_of


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
