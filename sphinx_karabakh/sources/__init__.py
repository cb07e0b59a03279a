"""Sources stage: text -> passages -> quote matching (exact, normalised, fuzzy) -> drift.

Knows nothing of Sphinx.  One typed quote flows as
``load_sources(dir) -> SourceSet.verify(text) -> QuoteMatch(verdict, passage, start, end, diff)``.

The names below are imported on first use (PEP 562), so ``import sphinx_karabakh.sources.model``
costs only the model and the normaliser, and rapidfuzz is loaded only by the code that matches.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Eager (and light: the standard library only): the function ``normalize`` shares its name with
# its module, and importing the module later would rebind the package attribute to the module.
from sphinx_karabakh.sources.normalize import Normalized, normalize

if TYPE_CHECKING:
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
    from sphinx_karabakh.sources.sourceset import SourceSet

#: public name -> the module that defines it
_MODULES = {
    "Source": "loader",
    "load_source_file": "loader",
    "load_sources": "loader",
    "parse_metadata": "loader",
    "source_from_text": "loader",
    "LockFile": "lock",
    "match_in_text": "match",
    "parse_quote": "match",
    "word_diff": "match",
    "Drift": "model",
    "DriftKind": "model",
    "LockEntry": "model",
    "Passage": "model",
    "PassageKind": "model",
    "QuoteMatch": "model",
    "SourceError": "model",
    "SourceMeta": "model",
    "Verdict": "model",
    "SourceSet": "sourceset",
}

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


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # next time a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULES))
