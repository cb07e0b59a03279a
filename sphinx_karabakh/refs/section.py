"""Find a document's reference section and split it into one ``RawReference`` per reference.

Flow: document text -> heading candidates (``#`` headings, underlined, ``**bold**`` lines, plain
lines standing alone, numbered "7. References") -> the reference heading whose section yields the
most references -> that section's lines -> sub-headings become categories, everything else is
grouped into references (list markers, blank lines, hanging or first-line indents, "Retrieved
from …" and bare URL lines that belong to the reference above) -> ``ReferenceSection``.

``split_entries`` is the simple contract for a file that holds only references: paragraphs
separated by blank lines, or one reference per line when there are no blank lines.
Knows nothing of Sphinx.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

from sphinx_karabakh.refs.model import RawReference

__all__ = [
    "Heading",
    "ReferenceSection",
    "find_reference_section",
    "is_reference_heading",
    "split_entries",
    "split_section_lines",
]

#: Headings that open a reference section (compared case- and accent-insensitively).
REFERENCE_TITLES = frozenset(
    {
        "references",
        "reference",
        "reference list",
        "list of references",
        "references cited",
        "cited references",
        "bibliography",
        "bibliographies",
        "selected bibliography",
        "select bibliography",
        "works cited",
        "works consulted",
        "literature",
        "literature cited",
        "cited literature",
        "sources",
        "source list",
        "list of sources",
        "sources and literature",
        "bibliography and sources",
        "notes and references",
        "references and notes",
        "references and further reading",
        "bibliography and references",
        "sources cited",
        "notes and bibliography",
        "bibliography and notes",
        "references and sources",
        # other languages (accents are folded before comparing)
        "literatur",
        "literaturverzeichnis",
        "quellen",
        "quellenverzeichnis",
        "quellen und literatur",
        "bibliographie",
        "references bibliographiques",
        "bibliografia",
        "referencias",
        "referencias bibliograficas",
        "riferimenti",
        "riferimenti bibliografici",
        "daftar pustaka",
        "daftar referensi",
        "referensi",
        "pustaka",
        "literatuur",
        "literatuurlijst",
        "bibliografi",
        "kaynakca",
        "kaynaklar",
        "litteratur",
        "kirjallisuus",
        "lahteet",
        "piśmiennictwo",
        "список литературы",
        "литература",
        "список источников",
        "источники",
        "библиография",
        "использованная литература",
        "список использованной литературы",
    }
)

#: Headings that end a reference section even when they are deeper than its heading.
_END_TITLES = (
    r"appendix|appendices|annex(?:es)?|annexe|anhang|apendice|apéndice|lampiran|приложение"
    r"|notes?|endnotes|footnotes|anmerkungen|catatan|about the authors?|author biograph(?:y|ies)"
    r"|biograph(?:y|ies)|biographical notes?|notes on contributors|contributors|about us"
    r"|acknowledge?ments?|funding|conflicts? of interest|competing interests|declarations?"
    r"|supplementary(?: material| materials| information| data)?|supporting information"
    r"|tables?|figures?|figure captions|index|glossary|abbreviations|author contributions"
    r"|data availability(?: statement)?|ethics(?: statement)?|author information|correspondence"
    r"|further reading|recommended citation|how to cite|copyright|license|disclaimer"
)
_END_RE = re.compile(rf"^(?:{_END_TITLES})\b", re.IGNORECASE)
#: A guessed heading (a plain or bold line) ends the section only when it is such a title as a
#: whole -- "Notes", "Appendix B: Data", "Acknowledgements and funding" -- and not when a
#: reference merely starts with the word ("Notes Inc.", "Appendix Press", "Index Publishing").
_END_GUESSED_RE = re.compile(
    rf"^(?:{_END_TITLES})(?:\s+(?:and|&)\s+\w+(?:\s+\w+)?)?(?:\s+(?:[a-z]|\d+|[ivxlc]+))?"
    r"\s*(?:[:.–—-](?:\s.*)?)?$",
    re.IGNORECASE,
)

#: Words that make a short sub-heading a category of references ("Books", "Online Articles").
_CATEGORY_WORDS = frozenset(
    {
        "books",
        "book",
        "chapters",
        "chapter",
        "monographs",
        "articles",
        "article",
        "journal",
        "journals",
        "periodicals",
        "online",
        "internet",
        "web",
        "website",
        "websites",
        "electronic",
        "news",
        "newspapers",
        "newspaper",
        "magazines",
        "media",
        "reports",
        "report",
        "official",
        "government",
        "documents",
        "document",
        "legal",
        "laws",
        "legislation",
        "treaties",
        "cases",
        "primary",
        "secondary",
        "archival",
        "archives",
        "archive",
        "interviews",
        "speeches",
        "statements",
        "conference",
        "conferences",
        "proceedings",
        "papers",
        "theses",
        "thesis",
        "dissertations",
        "datasets",
        "data",
        "software",
        "other",
        "others",
        "miscellaneous",
        "unpublished",
        "sources",
        "literature",
        "press",
        "reviews",
        "encyclopedias",
        "dictionaries",
        "films",
        "audiovisual",
        "policy",
        "grey",
        "gray",
        "publications",
        "resources",
        "materials",
        "buku",
        "jurnal",
        "artikel",
        "situs",
        "bucher",
        "zeitschriften",
        "aufsatze",
        "monografien",
        "sekundarliteratur",
        "primarliteratur",
        "quellen",
        "ouvrages",
        "livres",
        "sites",
        "revistas",
        "libros",
        "articulos",
        "fuentes",
        "libri",
        "riviste",
        "книги",
        "статьи",
        "источники",
        "монографии",
        "интернет",
        "сайты",
    }
)

_ATX_RE = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_UNDERLINE_RE = re.compile(r"^ {0,3}([=\-~^\"'`#*+:.])\1{2,}\s*$")
_UNDERLINE_LEVEL = {"=": 1, "-": 2, "~": 3, "^": 4, '"': 5}
_EMPH_LINE_RE = re.compile(r"^\s*(\*\*|__|\*|_)(?!\s)(.+?)(?<!\s)\1\s*:?\s*$")
_NUMBERING_RE = re.compile(r"^(?:(\d{1,2}(?:\.\d{1,2})*)\.?|([IVXLC]{1,6})\.|([A-Z])\.)\s+(?=\S)")
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")

#: A list marker at the start of a reference: bullets, [1], (1), 1. or 1)
_MARKER_RE = re.compile(
    r"^(?:(?P<bullet>[-*+•●▪◦‣–]|\^(?:\s+[a-z](?=\s))*)\s+"  # "^ a b" is Wikipedia's back-link
    r"|\[\s?(?P<blabel>\d{1,4}|[A-Za-z][A-Za-z+]{0,7}\d{2,4}[a-z]?)\s?\]\s*"
    r"|\((?P<plabel>\d{1,3})\)\s+"
    r"|(?P<nlabel>\d{1,3})[.)]\s+)"
)

#: A line that continues the reference above even after a blank line.
_ATTACHED_RE = re.compile(
    r"^(?:retrieved\b|available\s+(?:at|from|online|on)\b|accessed\b|last\s+accessed\b|viewed\b"
    r"|online\s*:|url\s*:|doi\s*:|https?://|www\.|<\s*https?://|\[\s*https?://|\(\s*accessed\b"
    r"|\[\s*accessed\b|\[online\]|\(online\)|diakses\b|abgerufen\b|zugegriffen\b|consulté\b"
    r"|disponible\s+(?:en|sur)\b|dostupno\b|доступно\b|режим доступа\b|isbn\b|issn\b)",
    re.IGNORECASE,
)

_YEAR_RE = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_UP = "A-Z\u00c0-\u00d6\u00d8-\u00de\u0100-\u017f\u0400-\u042f"
_NAME = rf"[{_UP}][\w'’\-]+"
_START_RES = (
    # Surname, X.   De Waal, T.   Sterling-Folker, J.   Smith, John
    re.compile(
        rf"^[\"“]?(?:(?:van|von|de|der|den|del|della|di|da|du|la|le|al|el|ten|ter)\s+)?"
        rf"{_NAME}(?:\s+{_NAME}){{0,2}},\s*(?:[{_UP}]|\(|\d{{4}})"
    ),
    # Vancouver: Smith AB, Jones C.
    re.compile(rf"^{_NAME}\s+[{_UP}]{{1,3}}[,.]"),
    # upper-case names and acronyms: RFE/RL, 2020.  RYTÖVUORI-APUNEN, H.
    re.compile(rf"^[{_UP}][{_UP}/&\-]+[,.]\s"),
    # initials first: J. Smith, A.-B. Jones and
    re.compile(rf"^(?:[{_UP}]\.\s?-?){{1,3}}\s*{_NAME}"),
    # particle first in lower case: van Dijk, T.  de Waal, T.
    re.compile(
        rf"^(?:van|von|de|der|den|del|della|di|da|du|la|le|ten|ter)\s+{_NAME}(?:\s+{_NAME})?,"
    ),
)
_CONTINUATION_START_RE = re.compile(
    r"^(?:in\b|in:|pp?\.|vol\b|vol\.|no\.|&|and\b|eds?\.|\(eds?\.?\)|edited\b|\(|:|,|;)",
    re.IGNORECASE,
)
_PARTICLE_START_RE = re.compile(
    r"^(?:van|von|de|der|den|del|della|di|da|du|la|le|ten|ter|al|el|bin|ibn)\s+[A-Z]"
)
_URL_END_RE = re.compile(
    r"(?:https?://|www\.|doi\.org/|doi:)\S*+$", re.IGNORECASE
)  # possessive: linear


@dataclass(frozen=True)
class Heading:
    """A line that may be a heading. ``rank``: 1–6 for ``#``/underlined headings (their level),
    the depth for numbered plain headings, 7 for a bold or italic line, 8 for a plain line."""

    line: int  # 1-based line of the heading text
    last_line: int  # last line it occupies (its underline)
    title: str
    rank: int
    kind: str  # "atx" | "underline" | "emphasis" | "numbered" | "plain"

    @property
    def guessed(self) -> bool:
        """Taken for a heading by its look alone (a bold, numbered or plain line), not marked up
        as one (``#``, an underline)."""
        return self.kind not in ("atx", "underline")


@dataclass(frozen=True)
class ReferenceSection:
    """The reference section of a document: its heading, the lines it spans and its references."""

    heading: Heading
    start_line: int  # first line after the heading (1-based)
    end_line: int  # last line of the section (1-based, inclusive)
    references: tuple[RawReference, ...]
    #: other reference sections of the document that hold references but are not read (one
    #: bibliography per document): (heading line, number of references), to be reported
    unread: tuple[tuple[int, int], ...] = ()

    @property
    def span(self) -> tuple[int, int]:
        """Heading line to last line, both 1-based and inclusive: the part a citation scan skips."""
        return self.heading.line, self.end_line


def split_lines(text: str) -> list[str]:
    """Lines as editors count them: split on "\n" only (a form feed or U+2028 is not a new line),
    "\r" dropped (a form feed stays: it marks a PDF page break)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


def fold(text: str) -> str:
    """Case- and accent-insensitive form used to compare headings (Cyrillic letters kept)."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("ß", "ss")


_REFERENCE_KEYS = frozenset(fold(t) for t in REFERENCE_TITLES)


def _clean_title(text: str) -> str:
    text = re.sub(r"\s*\{[#.][^}]*\}\s*$", "", text)  # "## References {#refs}"
    text = re.sub(r"[*_`]+", "", text).strip()
    text = re.sub(r"\\([^\w\s])", r"\1", text)
    return text.strip().rstrip(":").strip()


def _unnumbered(title: str) -> str:
    """ "7. References" -> "References" (a cleaned title without its numbering)."""
    m = _NUMBERING_RE.match(title)
    return title[m.end() :] if m else title


def _title_key(text: str) -> str:
    """ "7. **REFERENCES**:" -> "references"."""
    text = fold(_unnumbered(_clean_title(text.strip().lstrip("#"))))
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def is_reference_heading(title: str) -> bool:
    """Is this heading text one that opens a reference section ("References", "7. Literatur")?"""
    key = _title_key(title)
    return key in _REFERENCE_KEYS


def _is_end_heading(title: str, *, guessed: bool = False) -> bool:
    """Does this heading end a reference section? ``guessed``: the line was taken for a heading
    by its look alone (``Heading.guessed``), so it must be an end title as a whole."""
    if is_reference_heading(title):
        return True
    if guessed:
        return bool(_END_GUESSED_RE.match(fold(_unnumbered(_clean_title(title))).strip()))
    return bool(_END_RE.match(_title_key(title)))


def _is_category_title(title: str) -> bool:
    key = _title_key(title)
    words = key.split()
    if not words or len(words) > 6 or _is_end_heading(title):
        return False
    if any(c.isdigit() for c in title) or ":" in title:
        return False  # "Chapter 2: The War" is a new part, not a kind of reference
    return any(w in _CATEGORY_WORDS for w in words)


def _expand(line: str) -> str:
    return line.expandtabs(4).rstrip("\r\n").rstrip()


def find_headings(lines: list[str]) -> list[Heading]:
    """Every line that may be a heading, in order (fenced code blocks skipped)."""
    out: list[Heading] = []
    fence = ""
    n = len(lines)
    skip_next = False
    for i, raw in enumerate(lines):
        if skip_next:
            skip_next = False
            continue
        line = _expand(raw)
        m = _FENCE_RE.match(line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = ""
            continue
        if m:
            fence = m.group(1)
            continue
        stripped = line.strip()
        if not stripped:
            continue
        m = _ATX_RE.match(line)
        if m:
            out.append(Heading(i + 1, i + 1, _clean_title(m.group(2)), len(m.group(1)), "atx"))
            continue
        nxt = _expand(lines[i + 1]) if i + 1 < n else ""
        mu = _UNDERLINE_RE.match(nxt)
        if (
            mu
            and not _UNDERLINE_RE.match(line)
            and not _MARKER_RE.match(stripped)
            and len(stripped) <= 120
        ):
            char = mu.group(1)
            out.append(
                Heading(
                    i + 1, i + 2, _clean_title(stripped), _UNDERLINE_LEVEL.get(char, 3), "underline"
                )
            )
            skip_next = True
            continue
        if _UNDERLINE_RE.match(line):
            continue
        if len(line) - len(line.lstrip()) > 3:
            continue  # an indented line is not a heading (tables of contents, hanging lines)
        prev_blank = (
            i == 0 or not lines[i - 1].strip() or _UNDERLINE_RE.match(_expand(lines[i - 1]))
        )
        next_blank = i + 1 >= n or not nxt.strip()
        me = _EMPH_LINE_RE.match(stripped)
        if me and len(me.group(2).split()) <= 12 and "](" not in stripped:
            out.append(Heading(i + 1, i + 1, _clean_title(me.group(2)), 7, "emphasis"))
            continue
        words = stripped.split()
        if (
            len(words) > 8
            or len(stripped) > 80
            or (stripped.endswith((".", ",", ";")) and not _NUMBERING_RE.match(stripped))
        ):
            continue
        if _YEAR_RE.search(stripped) or "://" in stripped or "," in stripped:
            continue
        mn = _NUMBERING_RE.match(stripped)
        if mn and mn.group(1):
            rest = stripped[mn.end() :]
            if rest[:1].isupper() and not rest.endswith("."):
                depth = mn.group(1).count(".") + 1
                out.append(Heading(i + 1, i + 1, _clean_title(rest), depth, "numbered"))
            continue
        if mn and (mn.group(2) or mn.group(3)):
            rest = stripped[mn.end() :]
            out.append(Heading(i + 1, i + 1, _clean_title(rest), 1, "numbered"))
            continue
        if (prev_blank or next_blank) and stripped[:1].isupper():
            out.append(Heading(i + 1, i + 1, _clean_title(stripped), 8, "plain"))
    return out


# -- the section ---------------------------------------------------------------------------------


def find_reference_section(text: str) -> ReferenceSection | None:
    """The document's reference section, or None when it has none.

    When several headings qualify (a table of contents also says "References"), the one whose
    section holds the most references wins; on a tie, the last one.
    """
    lines = split_lines(text)
    headings = find_headings(lines)
    best: ReferenceSection | None = None
    sections: list[ReferenceSection] = []
    for idx, h in enumerate(headings):
        if not is_reference_heading(h.title):
            continue
        section = _section_from(lines, headings, idx)
        sections.append(section)
        if best is None or len(section.references) >= len(best.references):
            best = section
    if best is not None and not best.references:
        return best if best.heading.kind != "plain" else None
    if best is not None:
        unread = tuple(
            (s.heading.line, len(s.references)) for s in sections if s is not best and s.references
        )
        return dataclasses.replace(best, unread=unread) if unread else best
    return _whole_document_list(lines)


def _whole_document_list(lines: list[str]) -> ReferenceSection | None:
    """No reference heading, but the document itself is a list of references (most entries start
    like one and hold a year): the whole document is the section, its heading empty (line 0)."""
    refs = split_section_lines(lines, 1, len(lines))
    if len(refs) < 2:
        return None
    looks = sum(
        1
        for r in refs
        if _YEAR_RE.search(r.text)
        and (r.label or _strong_start(r.text) or any(p.match(r.text) for p in _START_RES))
    )
    if looks < 0.7 * len(refs):
        return None
    return ReferenceSection(Heading(0, 0, "", 0, "none"), 1, len(lines), tuple(refs))


#: Page furniture: a copyright line or an article footer. Such a line ends a reference list when
#: no reference follows it, and is skipped when references do (a PDF page footer inside the list).
#: "Copyright" counts only with what a copyright notice has after it (©, (c), a year, "by", ":"),
#: so "Copyright Office. (2021). …" stays a reference; see ``_is_furniture`` for the rest.
_BOILERPLATE_RE = re.compile(
    r"^(?:[*_]*)(?:©|\(c\)\s+\d{4}|copyright\s*(?:©|\(c\)|\d{4}|by\b|:|$)|all rights reserved"
    r"|this (?:article|work|paper) is (?:licensed|distributed|an open access)|licensed under"
    r"|cite this (?:article|paper)|how to cite|corresponding author|received:|accepted:"
    r"|published online:|\[\^[^\]]+\]:)",
    re.IGNORECASE,
)

#: The start of an author-date reference: names (no digits), then "." or ",", then the year
#: ("Copyright Office. (2021).", "Smith, J., 2019.", "Notes Inc. (2020a):").
_AUTHOR_DATE_RE = re.compile(
    rf"^[{_UP}][^\d©()\[\]]{{1,120}}?[.,]\s*\(?(?:1[5-9]\d\d|20\d\d)[a-z]?\)?\s*[.,:;]"
)


def _reference_like(line: str) -> bool:
    """Does this line start a reference the way reference lists do (a name shape, an
    author-date start, or a list marker before one)?"""
    text = _MARKER_RE.sub("", line.strip(), count=1)
    return bool(_strong_start(text) or _AUTHOR_DATE_RE.match(text))


def _is_furniture(line: str) -> bool:
    """A footer or copyright line, not a reference that happens to start with such words."""
    stripped = line.strip()
    return bool(_BOILERPLATE_RE.match(stripped)) and not _reference_like(stripped)


def _section_from(lines: list[str], headings: list[Heading], idx: int) -> ReferenceSection:
    head = headings[idx]
    end = len(lines)  # last line, 1-based inclusive
    categories: dict[int, Heading] = {}
    for j in range(idx + 1, len(headings)):  # (a slice would copy them all: quadratic)
        h = headings[j]
        if _is_end_heading(h.title, guessed=h.guessed):
            end = h.line - 1
            break
        if h.kind == "numbered" and head.kind in ("plain", "numbered") and h.rank <= head.rank:
            end = h.line - 1  # "8. Appendix" after "7. References" in a plain-text paper
            break
        if h.rank > head.rank:
            if h.kind in ("plain", "numbered"):
                if _is_category_title(h.title) or (h.kind == "plain" and _plain_category(lines, h)):
                    categories[h.line] = h
                continue
            categories[h.line] = h
            continue
        if _is_category_title(h.title):
            categories[h.line] = h
            continue
        if h.kind in ("plain", "numbered"):
            continue  # a short plain or numbered line inside the list: part of a reference
        end = h.line - 1
        break
    furniture: set[int] = set()
    first, last = head.last_line + 1, end
    last_reference: int | None = None  # looked for at the first footer: most lists have none
    for no in range(first, last + 1):
        if not _is_furniture(lines[no - 1]):
            continue
        before = lines[no - 2] if no >= 2 else ""
        after_break = not before.strip() or "\f" in before + lines[no - 1]
        if not after_break and not _ends_terminal(before.strip()):
            continue  # a wrapped line of an unfinished reference ("… handbook of\nCopyright 2021 …")
        if last_reference is None:
            last_reference = next(
                (k for k in range(last, first - 1, -1) if _reference_like(lines[k - 1])), 0
            )
        if no > last_reference:
            end = no - 1  # a copyright line or an article footer after the list
            break
        furniture.add(no)  # a page footer with references after it: not a reference
    refs = split_section_lines(lines, first, end, categories, furniture)
    return ReferenceSection(head, first, end, tuple(refs))


def _plain_category(lines: list[str], h: Heading) -> bool:
    """A short plain line alone between blank lines, with no digits, and a reference after it."""
    t = h.title
    if any(c.isdigit() for c in t) or len(t.split()) > 5 or t.endswith((".", ",", ";")):
        return False
    i = h.line  # index of the next line (0-based == 1-based of heading)
    before_blank = h.line < 2 or not lines[h.line - 2].strip()
    while i < len(lines) and not lines[i].strip():
        i += 1
    if not before_blank or i >= len(lines):
        return False
    following = _MARKER_RE.sub("", lines[i].strip(), count=1)
    return _looks_like_start(following) or bool(_MARKER_RE.match(lines[i].strip()))


# -- splitting -----------------------------------------------------------------------------------


@dataclass
class _Entry:
    line: int
    parts: list[str]
    category: str
    label: str
    indent: int
    marked: bool


_BARE_NUMBER_RE = re.compile(rf"^(\d{{1,3}})\s+(?=[{_UP}\"“])")


def _bare_numbering(items: list[_Line]) -> set[int]:
    """Lines that start with a bare number continuing the sequence 1, 2, 3… (at least three)."""
    expected, found = 1, set()
    for item in items:
        m = _BARE_NUMBER_RE.match(item.text)
        if m and int(m.group(1)) == expected:
            found.add(item.no)
            expected += 1
    return found if len(found) >= 3 else set()


def _strip_marker(text: str) -> tuple[str, str, bool]:
    """(text without its list marker, the label if numbered, whether it had a marker)."""
    m = _MARKER_RE.match(text)
    if not m:
        return text, "", False
    rest = text[m.end() :]
    if m.group("blabel") is not None and not rest:
        return text, "", False
    label = m.group("blabel") or m.group("plabel") or m.group("nlabel") or ""
    if m.group("blabel") and m.group("blabel").casefold() in ("online", "internet", "pdf"):
        return text, "", False
    return rest.strip(), label, True


def _looks_like_start(text: str) -> bool:
    """Does this line look like the first line of a reference (an author or a year soon)?"""
    if not text or _CONTINUATION_START_RE.match(text):
        return False
    if any(r.match(text) for r in _START_RES):
        return True
    m = _YEAR_RE.search(text[:140])
    if m and text[:1].isupper():
        before = text[: m.start()]
        return len(before.split()) <= 12 and not before.rstrip().endswith(("pp.", "p.", "vol."))
    return False


#: Line ends that look final but are not: an initial ("J. M."), "et al.", "eds.", ',"'.
_NOT_FINAL_RE = re.compile(
    rf"(?:(?:^|[\s.(\-])[{_UP}]\.|\b(?:et al|[Ee]ds?|Hrsg|u|[Vv]ol|[Nn]o|trans|cf|Jr|Sr|Dr|Prof)\.|"
    r"(?<![\d\s])\s?pp?\.|,[\"”'’])$"
)


def _ends_terminal(text: str) -> bool:
    t = text.rstrip()
    if not t or (_NOT_FINAL_RE.search(t) and not _URL_END_RE.search(t)):
        return False
    return t[-1] in ".)]>”\"'»" or t[-1].isdigit() or bool(_URL_END_RE.search(t))


class _Tail:
    """What ``_join`` needs to know of the text joined so far: its last word's start, whether
    that word holds "://", and the last two characters (constant work per line joined)."""

    def __init__(self) -> None:
        self.head = ""  # first 6 characters of the last word
        self.url = False  # "://" in the last word
        self.end = ""  # last two characters of the text

    def add(self, piece: str, glued: bool) -> None:
        first, _, rest = piece.partition(" ")
        if glued:
            self.url = self.url or "://" in self.end + first[:3] or "://" in first
            self.head = (self.head + first)[:6] if len(self.head) < 6 else self.head
        if rest or not glued:
            word = rest.rsplit(" ", 1)[-1] if rest else first
            self.head, self.url = word[:6], "://" in word
        self.end = (self.end + piece)[-2:]

    @property
    def in_url(self) -> bool:
        return self.url or self.head.startswith(("www.", "doi:", "<http", "[http"))


def _join(parts: list[str]) -> str:
    """The lines of one reference as one string, in time linear in their length."""
    out: list[str] = []
    tail = _Tail()
    for part in parts:
        part = " ".join(part.split())
        if not part:
            continue
        if not out:
            out.append(part)
            tail.add(part, glued=False)
            continue
        if (
            tail.in_url
            and tail.end[-1] in "/-_.?=&#%"
            and not part.startswith(("(", "[", "Retrieved", "Accessed"))
        ):
            glued = True
        elif tail.end.endswith("-") and len(tail.end) > 1 and tail.end[-2].isalnum():
            glued = True  # hyphen kept: nothing is lost ("Post-\nSoviet" -> "Post-Soviet")
        else:
            glued = False
        out.append(part if glued else " " + part)
        tail.add(part, glued)
    return "".join(out)


#: Initials after the family name: a clear start even after a full line ("Smith, J. A.", "SMITH, J").
_STRONG_START_RE = re.compile(
    rf"^[\"“]?(?:(?:van|von|de|der|den|del|della|di|da|du|la|le|ten|ter)\s+)?{_NAME}(?:[\s-]{_NAME}){{0,2}},"
    rf"\s*(?:[{_UP}]\.\s?-?){{1,3}}(?:,|\s|\(|$)"
    rf"|^[{_UP}][{_UP}'’\-]+,\s"
    rf"|^{_NAME}\s+[{_UP}]{{1,3}},\s"
    rf"|^{_NAME}, {_NAME}(?:\s[{_UP}]\.)*[.,]\s"  # Wight, Colin. 2002.
    rf"|^(?:[{_UP}]\.\s?-?){{1,3}}\s*{_NAME},\s(?:[{_UP}]\.|and\b|&)"  # J. Smith, A. Jones
)


def _strong_start(text: str) -> bool:
    return bool(_STRONG_START_RE.match(text))


@dataclass(frozen=True)
class _Block:
    """How the lines of one block (a run of non-blank lines) are laid out."""

    kind: str  # "single" | "hanging" | "firstindent" | "lines" | "wrapped"
    indent: int = 0  # hanging: the indent entries start at; firstindent: the same
    width: int = 0  # wrapped: the wrap width (longest line)
    marked: float = 0.0  # share of lines with a list marker
    paragraph: bool = False  # one of a few lines between blank lines: most likely one reference


class _Line(NamedTuple):
    """One line of a reference section as the splitter sees it."""

    no: int  # 1-based line number
    text: str  # stripped text; "" for a blank line (or one that counts as blank)
    indent: int = 0
    category: str | None = None  # the sub-heading's title when this line is one
    soft: bool = False  # page furniture, or a blank line beside it: a break, but no new block


def split_section_lines(
    lines: list[str],
    first: int,
    last: int,
    categories: dict[int, Heading] | None = None,
    furniture: set[int] | None = None,
) -> list[RawReference]:
    """Split document lines ``first..last`` (1-based, inclusive) into references.

    ``categories`` maps a line number to the sub-heading there (its underline, if any, is skipped);
    ``furniture`` holds lines that are page furniture (a footer inside the list): read as blank.
    """
    categories = categories or {}
    skip: set[int] = set()
    for h in categories.values():
        skip.update(range(h.line, h.last_line + 1))
    items: list[_Line] = []
    for no in range(first, min(last, len(lines)) + 1):
        if no in categories:
            items.append(_Line(no, "", 0, categories[no].title))
            continue
        if no in skip:
            continue
        if furniture and no in furniture:
            # a page footer and the blank lines around it: the list goes on after it as before
            k = len(items) - 1
            while k >= 0 and not items[k].text and items[k].category is None and not items[k].soft:
                items[k] = items[k]._replace(soft=True)
                k -= 1
            items.append(_Line(no, "", soft=True))
            continue
        if not lines[no - 1].strip() and items and items[-1].soft:
            items.append(_Line(no, "", soft=True))
            continue
        line = _expand(lines[no - 1])
        if (
            _UNDERLINE_RE.match(line)
            and len(line.strip()) >= 3
            and set(line.strip()) <= set("-=*_~")
        ):
            items.append(_Line(no, ""))  # a rule between groups
            continue
        stripped = line.strip()
        if re.fullmatch(
            r"(?:page\s+)?\d{1,4}|[-–—]\s*\d{1,4}\s*[-–—]", stripped, re.IGNORECASE
        ) and (
            "\f" in lines[no - 1]
            or no == 1
            or not lines[no - 2].strip()
            or no >= len(lines)
            or not lines[no].strip()
            or "\f" in lines[no]
        ):
            items.append(_Line(no, ""))  # a page number left by PDF extraction
            continue
        if re.match(
            r"^\[[^\]^]{1,40}\]:\s*<?(?:https?://|www\.|#|/)\S*>?(?:\s+[\"'(].*)?$", stripped
        ):
            items.append(_Line(no, ""))  # a Markdown link definition "[1]: https://…"
            continue
        items.append(_Line(no, stripped, len(line) - len(line.lstrip()) if stripped else 0))
    bare_numbers = _bare_numbering(items)
    if bare_numbers:  # "1 Smith, J. …", "2 Doe, K. …": numbers without a dot, as PDF text has them
        items = [
            it._replace(text=_BARE_NUMBER_RE.sub(r"\1. ", it.text, count=1))
            if it.no in bare_numbers
            else it
            for it in items
        ]
    blocks = _block_styles(items)
    entries: list[_Entry] = []
    category = ""
    current: _Entry | None = None
    prev_blank = True
    prev_text = ""
    prev_len = 0
    for pos, (no, text, indent, heading, _) in enumerate(items):
        if heading is not None:
            category = heading
            current = None
            prev_blank = True
            continue
        if not text:
            prev_blank = True
            continue
        body, label, marked = _strip_marker(text)
        block = blocks.get(pos, _Block("single"))
        if (
            marked
            and current is not None
            and not prev_blank
            and (_out_of_sequence(current, label, prev_text) or indent > current.indent)
        ):
            # "[1]" wrapped onto a new line, or "- 24" / "+ annexes" on an indented continuation
            # line: reference lists do not nest, so not a new item
            marked, body, label = False, text, ""
        if current is not None and not marked and _ATTACHED_RE.match(body):
            new = False
        elif current is None or marked:
            new = True
        elif prev_blank:
            if current.marked and indent > current.indent:
                new = False  # an indented paragraph inside a list item
            elif (
                body[:1].islower()
                and not _ends_terminal(prev_text)
                and not _PARTICLE_START_RE.match(body)
            ):
                new = False  # a reference broken by a page break
            else:
                new = True
        elif current.marked and (
            indent > current.indent
            or block.marked >= 0.5
            or (block.marked >= 0.2 and block.kind != "lines")
        ):
            new = False  # indented or lazy continuation of a list item
        elif block.kind == "hanging":
            new = indent <= block.indent
        elif block.kind == "firstindent":
            new = indent >= block.indent
        elif block.kind == "lines":
            new = not _CONTINUATION_START_RE.match(body) and not (
                body[:1].islower() and not _PARTICLE_START_RE.match(body)
            )
        else:  # wrapped text: a new reference after a short finished line, or a clear start
            short = prev_len < block.width - max(12, block.width // 5)
            # an author-date start ("Copyright Office. (2021).") after a finished line is a
            # clear start too, even where a corporate name has no initials to show it
            strong = _strong_start(body) or (
                _ends_terminal(prev_text) and bool(_AUTHOR_DATE_RE.match(body))
            )
            if block.paragraph:
                new = short and strong
            else:
                new = (
                    (short and strong)
                    or (
                        _ends_terminal(prev_text)
                        and (
                            strong
                            or (
                                short
                                and (
                                    _looks_like_start(body)
                                    or body[:1].isupper()
                                    or body[:1] in "\"“'‘["
                                )
                            )
                        )
                    )
                    # "Surname, X. … 2007." after a line that does not stop mid-list ("," "and")
                    or (
                        strong
                        and bool(_YEAR_RE.search(body[:90]))
                        and not re.search(
                            r"(?:[,;:&]|\band|\bet|\bin)$", prev_text.rstrip(), re.IGNORECASE
                        )
                    )
                )
        if new:
            current = _Entry(no, [body], category, label, indent, marked)
            entries.append(current)
        else:
            assert current is not None
            current.parts.append(body)
        prev_blank = False
        prev_text = body
        prev_len = len(text) + indent
    joined = ((_join(e.parts), e) for e in entries)
    return [RawReference(text, e.line, e.category, e.label) for text, e in joined if text]


def _out_of_sequence(current: _Entry, label: str, prev_text: str) -> bool:
    """A numbered marker that does not follow the list's numbering, after an unfinished line."""
    if not (label.isdigit() and current.label.isdigit()):
        return False
    return int(label) != int(current.label) + 1 and not _ends_terminal(prev_text)


def _runs(items: list[_Line]) -> list[list[int]]:
    """The blocks of a section: positions of each run of non-blank lines (soft lines, page
    furniture, are passed over as if they were not there)."""
    runs: list[list[int]] = [[]]
    for pos, item in enumerate(items):
        if item.soft:
            continue
        if not item.text:  # a blank line, or a sub-heading (its text is in ``category``)
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(pos)
    return [r for r in runs if r]


def _block_styles(items: list[_Line]) -> dict[int, _Block]:
    """For each item position, the layout of the block (run of non-blank lines) it is in."""
    styles: dict[int, _Block] = {}
    runs = _runs(items)
    sizes = [len(r) for r in runs]
    # blank lines between most references: a block of a few lines is one wrapped reference
    paragraphs = len(runs) >= 2 and sum(sizes) / len(runs) <= 4 and any(n >= 2 for n in sizes)
    for block in runs:
        rows = [(items[p].text, items[p].indent) for p in block]
        stripped = [_strip_marker(t) for t, _ in rows]
        texts = [t for t, _, _ in stripped]
        marked = sum(1 for _, _, m in stripped if m) / len(rows)
        indents = [i for _, i in rows]
        style = _Block("single", marked=marked)
        if len(rows) >= 2 and len(set(indents)) > 1:
            low = min(indents)
            if indents[0] == low:
                style = _Block("hanging", low, marked=marked)
            else:
                high = indents[0]
                starts_high = sum(
                    1
                    for t, i in zip(texts, indents, strict=True)
                    if i >= high and _looks_like_start(t)
                )
                style = (
                    _Block("firstindent", high, marked=marked)
                    if starts_high >= 1
                    else _Block("hanging", low, marked=marked)
                )
        elif len(rows) >= 2:
            lengths = [len(t) + i for t, i in rows]
            width = max(lengths)
            inner = texts[:-1]
            ended = sum(1 for t in inner if _ends_terminal(t)) / len(inner)
            full = sum(1 for n in lengths[:-1] if n >= width - max(12, width // 5)) / len(inner)
            in_paragraph = paragraphs and marked < 0.5 and len(rows) <= 6
            if in_paragraph or ended <= 0.5 or (width <= 110 and full >= 0.5):
                kind = "wrapped"  # lines cut at one width: wrapped text, whatever they end with
            elif ended >= 0.75:
                kind = "lines"
            else:
                kind = "wrapped" if full >= 0.6 and width <= 130 else "lines"
            style = _Block(kind, width=width, marked=marked, paragraph=in_paragraph)
        for p in block:
            styles[p] = style
    return styles


def split_entries(text: str) -> list[RawReference]:
    """A file of references only: paragraphs separated by blank lines are references; with no
    blank line between references, every non-blank line is one. List markers are taken off."""
    lines = split_lines(text)
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    if not nonblank:
        return []
    has_gap = any(not lines[i].strip() for i in range(nonblank[0], nonblank[-1]))
    groups: list[list[int]] = []
    if has_gap:
        cur: list[int] = []
        for i in range(nonblank[0], nonblank[-1] + 1):
            if lines[i].strip():
                cur.append(i)
            elif cur:
                groups.append(cur)
                cur = []
        if cur:
            groups.append(cur)
    else:
        groups = [[i] for i in nonblank]
    out: list[RawReference] = []
    for g in groups:
        first, label, _ = _strip_marker(lines[g[0]].strip())
        parts = [first] + [lines[i].strip() for i in g[1:]]
        out.append(RawReference(_join(parts), g[0] + 1, "", label))
    return out
