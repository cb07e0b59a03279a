"""Sources stage: text -> passages -> quote matching (exact, normalised, fuzzy) -> drift.

Knows nothing of Sphinx.  One typed quote flows as
``load_sources(dir) -> SourceSet.verify(text) -> QuoteMatch(verdict, passage, start, end, diff)``.
"""

from sphinx_karabakh.sources.loader import (
    Source,
    load_source_file,
    load_sources,
    parse_metadata,
    source_from_text,
)
from sphinx_karabakh.sources.lock import LockFile
from sphinx_karabakh.sources.match import match_in_text, parse_quote, word_diff
from sphinx_karabakh.sources.model import (
    Drift,
    DriftKind,
    LockEntry,
    Passage,
    PassageKind,
    QuoteMatch,
    SourceError,
    SourceMeta,
    Verdict,
)
from sphinx_karabakh.sources.normalize import Normalized, normalize
from sphinx_karabakh.sources.sourceset import SourceSet

__all__ = [
    "Drift",
    "DriftKind",
    "LockEntry",
    "LockFile",
    "Normalized",
    "Passage",
    "PassageKind",
    "QuoteMatch",
    "Source",
    "SourceError",
    "SourceMeta",
    "SourceSet",
    "Verdict",
    "load_source_file",
    "load_sources",
    "match_in_text",
    "normalize",
    "parse_metadata",
    "parse_quote",
    "source_from_text",
    "word_diff",
]
