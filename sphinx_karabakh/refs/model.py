"""What flows through the refs stage.

document text -> ``ReferenceSection`` -> raw reference strings -> ``Reference`` (typed fields)
-> BibTeX entry (``key``); in-text ``Citation`` -> resolved ``key`` or ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class EntryType(StrEnum):
    ARTICLE = "article"
    BOOK = "book"
    INCOLLECTION = "incollection"
    INPROCEEDINGS = "inproceedings"
    REPORT = "report"
    THESIS = "thesis"
    ONLINE = "online"
    MISC = "misc"


@dataclass(frozen=True)
class Person:
    """One author or editor. A corporate author ("RFE/RL") has ``corporate=True`` and only ``family``."""

    family: str
    given: str = ""
    particle: str = ""  # "van der", "de"
    suffix: str = ""  # "Jr."
    corporate: bool = False

    @property
    def last(self) -> str:
        """von + last, as BibTeX and the gold data compare names."""
        return f"{self.particle} {self.family}".strip()


@dataclass(frozen=True)
class RawReference:
    """One reference string as split from a reference section, with where it came from."""

    text: str
    line: int = 0  # 1-based line in the document where the reference starts
    category: str = ""  # sub-heading it stood under ("Books", "Online Articles")
    label: str = (
        ""  # its own number or label when the list is numbered ("3" for "[3]", "3." or "(3)")
    )


@dataclass
class Reference:
    """The parsed fields of one reference. Empty string / empty tuple means "not found"."""

    raw: str
    type: EntryType = EntryType.MISC
    authors: tuple[Person, ...] = ()
    editors: tuple[Person, ...] = ()
    year: str = ""
    year_suffix: str = ""  # "a" in 2020a
    title: str = ""
    container: str = ""  # journal / booktitle / site, mapped by type when written to BibTeX
    volume: str = ""
    number: str = ""
    pages: str = ""
    edition: str = ""
    publisher: str = ""
    address: str = ""
    organization: str = ""
    institution: str = ""
    url: str = ""  # only a link the URL policy allows (http(s), mailto, relative)
    unlinked_url: str = ""  # a link with another scheme (javascript:, data:…): kept as text only
    urldate: str = ""  # ISO date from "accessed on …"
    doi: str = ""
    isbn: str = ""
    note: str = ""
    line: int = 0
    category: str = ""
    confidence: float = 0.0  # 0..1
    problems: list[str] = field(default_factory=list)  # human-readable, e.g. "URL contains a space"
    key: str = ""  # BibTeX key, assigned when a list of references is keyed


class CitationStyle(StrEnum):
    PARENTHETICAL = "parenthetical"  # (Rose 1998)
    NARRATIVE = "narrative"  # Rose (1998)
    NUMERIC = "numeric"  # [3]


@dataclass(frozen=True)
class Citation:
    """One in-text citation of one work (a bracket citing three works gives three)."""

    text: str  # the cited part as written: "Welt and Bowen 2021"
    line: int
    style: CitationStyle
    names: tuple[str, ...] = ()
    year: str = ""
    locator: str = ""  # "p. 12"
    number: int | None = None  # numeric styles
    start: int = 0  # offsets into the document text
    end: int = 0


@dataclass(frozen=True)
class ResolvedCitation:
    citation: Citation
    key: str | None  # None: resolves to nothing
    score: float = 0.0
    reason: str = ""


@dataclass
class Audit:
    citations: list[ResolvedCitation]
    uncited: list[str]  # keys of entries never cited

    @property
    def unresolved(self) -> list[ResolvedCitation]:
        return [c for c in self.citations if c.key is None]
