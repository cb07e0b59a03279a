"""The whole refs stage for one document, shared by the CLI and the Sphinx layer.

file -> ``load_document`` (a regular file, inside the allowed directories when they are given,
at most ``MAX_DOCUMENT_BYTES``; decoded as UTF-8 with what is not UTF-8 or is a control
character replaced by U+FFFD and reported with its line) -> document text ->
``find_reference_section`` -> ``RawReference``s -> ``parse_reference`` each -> ``to_entries``
(keys, BibTeX entries) -> ``ParsedReferences``; with the body's citations resolved against those
entries -> ``Audit``. Results are cached by content hash, so a Sphinx build that renders the
bibliography and the audit of one document parses it once per process.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sphinx_karabakh import files
from sphinx_karabakh.files import is_inside
from sphinx_karabakh.refs.bibtex import BibEntry, to_entries, write_bibtex
from sphinx_karabakh.refs.fields import CONTROL_CHARS
from sphinx_karabakh.refs.model import Audit, EntryType, RawReference, Reference
from sphinx_karabakh.refs.section import ReferenceSection, find_reference_section, split_entries

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "Document",
    "DocumentProblem",
    "NoReferences",
    "ParsedReferences",
    "UnreadableDocument",
    "audit_text",
    "decode_document",
    "is_inside",
    "load_document",
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

    def notes(self) -> list[tuple[int, str]]:
        """(line, message) for what of the document is not read: another reference section."""
        if self.section is None:
            return []
        read = self.section.heading.line
        return [
            (
                line,
                f"another reference section ({count} reference{'s' if count != 1 else ''}) is "
                f"not read: one bibliography per document, from the section at line {read}",
            )
            for line, count in self.section.unread
        ]


#: The largest document read (a paper's text is well under a megabyte; a 5 MB reference list
#: still fits). /dev/zero and a file that grows while read stop here.
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024


class UnreadableDocument(Exception):
    """A document that is not read: outside the allowed directories, not a regular file, too
    large, or an OSError. ``str(exc)`` is "PATH: REASON", one line."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class DocumentProblem:
    """Something in a document's text that was replaced to be read (1-based line)."""

    line: int
    message: str


@dataclass
class Document:
    path: str
    text: str
    problems: list[DocumentProblem] = field(default_factory=list)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def decode_document(data: bytes, path: str = "") -> Document:
    """Bytes -> text: UTF-8 (a BOM dropped); bytes that are not UTF-8 and control characters
    (NUL …) become U+FFFD, each kind reported once with the line of its first occurrence."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    problems: list[DocumentProblem] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="replace")
        bad = data.count(b"\n", 0, exc.start) + 1
        problems.append(
            DocumentProblem(bad, "bytes that are not UTF-8 replaced by U+FFFD (save it as UTF-8)")
        )
    first = CONTROL_CHARS.search(text)
    if first:
        count = len(CONTROL_CHARS.findall(text))
        text = CONTROL_CHARS.sub("\ufffd", text)
        problems.append(
            DocumentProblem(
                _line_of(text, first.start()),
                f"{count} control character{'s' if count > 1 else ''} (such as NUL) "
                "replaced by U+FFFD",
            )
        )
    problems.sort(key=lambda p: p.line)
    return Document(path, text, problems)


def load_document(
    path: str | Path,
    *,
    inside: Iterable[str | Path] | None = None,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> Document:
    """Read a document. With ``inside``, the file (symlinks resolved) must lie in one of those
    directories and be a regular file -- a FIFO is refused without being opened for long, a
    device without being read; without it (the command line, where the user names the file)
    anything readable is read. Either way at most ``max_bytes`` are read (``files.read_capped``).
    Raises ``UnreadableDocument``."""
    path = os.path.normpath(str(path))
    if inside is not None:
        roots = list(dict.fromkeys(os.path.normpath(str(r)) for r in inside))
        if not is_inside(path, roots):
            real = os.path.realpath(path)
            shown = f"{real} is" if real != path else "it is"
            where = ", ".join(roots)
            raise UnreadableDocument(path, f"outside the project ({shown} not in {where})")
        path = os.path.realpath(path)
    try:
        data = files.read_capped(path, max_bytes, regular_only=inside is not None)
    except files.FileRefused as refused:
        if refused.kind == "large":
            raise _too_large(path, max_bytes) from None
        if refused.kind == "special":
            raise UnreadableDocument(path, "not a regular file") from None
        detail = "No such file or directory" if refused.kind == "missing" else refused.detail
        raise UnreadableDocument(path, detail) from None
    return decode_document(data, path)


def _too_large(path: str, max_bytes: int) -> UnreadableDocument:
    return UnreadableDocument(path, f"larger than {max_bytes // (1024 * 1024)} MiB, not read")


def read_document(path: str | Path) -> str:
    """A document's text (see ``load_document``; its problems are dropped here)."""
    return load_document(path).text


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
