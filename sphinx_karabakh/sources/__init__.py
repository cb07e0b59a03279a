"""Sources stage: text -> passages -> quote matching (exact, normalised, fuzzy) -> drift.

Knows nothing of Sphinx.
"""

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

__all__ = [
    "Drift",
    "DriftKind",
    "LockEntry",
    "Passage",
    "PassageKind",
    "QuoteMatch",
    "SourceError",
    "SourceMeta",
    "Verdict",
]
