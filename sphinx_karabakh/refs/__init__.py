"""Refs stage: document -> reference section -> reference strings -> fields -> BibTeX;
in-text citations -> entries (the citation audit). Knows nothing of Sphinx.

Public API (imported lazily, so ``import sphinx_karabakh.refs`` stays cheap)::

    find_reference_section(text) -> ReferenceSection | None     # refs.section
    split_entries(text) -> list[RawReference]                    # refs.section (entries-only files)
    parse_reference(raw, *, line=0, category="") -> Reference    # refs.parse
    assign_keys(refs), to_entries(refs), write_bibtex(entries)   # refs.bibtex
    find_citations(text, skip), resolve_all(...), audit(...)     # refs.citations
    references_from_text(text), references_from_entries(text), audit_text(text)  # refs.pipeline
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "find_reference_section": "sphinx_karabakh.refs.section",
    "split_entries": "sphinx_karabakh.refs.section",
    "ReferenceSection": "sphinx_karabakh.refs.section",
    "parse_reference": "sphinx_karabakh.refs.parse",
    "BibEntry": "sphinx_karabakh.refs.bibtex",
    "assign_keys": "sphinx_karabakh.refs.bibtex",
    "to_entries": "sphinx_karabakh.refs.bibtex",
    "write_bibtex": "sphinx_karabakh.refs.bibtex",
    "find_citations": "sphinx_karabakh.refs.citations",
    "resolve_all": "sphinx_karabakh.refs.citations",
    "audit": "sphinx_karabakh.refs.citations",
    "NoReferences": "sphinx_karabakh.refs.pipeline",
    "ParsedReferences": "sphinx_karabakh.refs.pipeline",
    "references_from_text": "sphinx_karabakh.refs.pipeline",
    "references_from_entries": "sphinx_karabakh.refs.pipeline",
    "audit_text": "sphinx_karabakh.refs.pipeline",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sphinx_karabakh.refs' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
