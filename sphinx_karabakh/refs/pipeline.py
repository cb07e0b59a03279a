"""The whole refs stage for one document, shared by the CLI and the Sphinx layer.

document text -> ``find_reference_section`` -> ``RawReference``s -> ``parse_reference`` each ->
``to_entries`` (keys, BibTeX entries) -> ``ParsedReferences``; with the body's citations
resolved against those entries -> ``Audit``. Results are cached by content hash, so a Sphinx
build that renders the bibliography and the audit of one document parses it once per process.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sphinx_karabakh.refs.bibtex import BibEntry, to_entries, write_bibtex
from sphinx_karabakh.refs.model import Audit, EntryType, RawReference, Reference
from sphinx_karabakh.refs.section import ReferenceSection, find_reference_section, split_entries

__all__ = [
    "NoReferences",
    "ParsedReferences",
    "audit_text",
    "parse_raw",
    "read_document",
    "references_from_entries",
    "references_from_text",
]


class NoReferences(ValueError):
    """The document has no reference section (or it holds no reference)."""


@dataclass
class ParsedReferences:
    """One document's references: the section they came from, and one entry per reference."""

    section: ReferenceSection | None  # None for an entries-only file
    raws: list[RawReference]
    entries: list[BibEntry] = field(default_factory=list)

    @property
    def references(self) -> list[Reference]:
        return [e.reference for e in self.entries]

    @property
    def keys(self) -> list[str]:
        return [e.key for e in self.entries]

    def bibtex(self) -> str:
        return write_bibtex(self.entries)


def read_document(path: str | Path) -> str:
    """Read a document as UTF-8 (BOM dropped; undecodable bytes replaced, never an exception
    other than OSError)."""
    data = Path(path).read_bytes()
    return data.decode("utf-8-sig", errors="replace")


def parse_raw(raw: RawReference) -> Reference:
    """One raw reference -> fields. Never raises: a parser failure gives a ``misc`` entry."""
    from sphinx_karabakh.refs.parse import parse_reference

    try:
        ref = parse_reference(raw.text, line=raw.line, category=raw.category)
    except Exception as exc:  # the contract: every reference gives an entry
        ref = Reference(
            raw=raw.text,
            type=EntryType.MISC,
            line=raw.line,
            category=raw.category,
            problems=[f"could not parse ({type(exc).__name__}: {exc})"],
        )
    if not ref.line:
        ref.line = raw.line
    if not ref.category:
        ref.category = raw.category
    return ref


def _build(section: ReferenceSection | None, raws: list[RawReference]) -> ParsedReferences:
    refs = [parse_raw(r) for r in raws]
    return ParsedReferences(section, list(raws), to_entries(refs))


_CACHE: dict[tuple[str, bool], ParsedReferences] = {}
_CACHE_SIZE = 32  # documents kept per process (a watch-mode build must not grow for ever)


def _remember(key: tuple[str, bool], parsed: ParsedReferences) -> None:
    while len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = parsed


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def references_from_text(text: str) -> ParsedReferences:
    """A whole document -> its references. Raises ``NoReferences`` when it has none."""
    key = (_digest(text), False)
    if key not in _CACHE:
        section = find_reference_section(text)
        if section is None:
            raise NoReferences(
                "no reference section found (a heading such as References or Bibliography)"
            )
        if not section.references:
            raise NoReferences(
                f"the reference section at line {section.heading.line} holds no references"
            )
        _remember(key, _build(section, list(section.references)))
    return _copy(_CACHE[key])


def references_from_entries(text: str) -> ParsedReferences:
    """A file of references only (blank-line separated, or one per line)."""
    key = (_digest(text), True)
    if key not in _CACHE:
        raws = split_entries(text)
        if not raws:
            raise NoReferences("no references in this file")
        _remember(key, _build(None, raws))
    return _copy(_CACHE[key])


def _copy(parsed: ParsedReferences) -> ParsedReferences:
    # entries hold mutable references; callers get their own list but may share the objects
    return ParsedReferences(parsed.section, list(parsed.raws), list(parsed.entries))


def audit_text(text: str, parsed: ParsedReferences | None = None) -> Audit:
    """The citation audit of a whole document: every in-text citation outside its reference
    section, resolved against its references, and the keys never cited."""
    from sphinx_karabakh.refs.citations import audit

    parsed = parsed or references_from_text(text)
    return audit(text, parsed)
