"""Parsed references -> BibTeX (written with bibtexparser 2.x).

Flow: ``Reference`` list -> ``assign_keys`` (deterministic unique keys ``familyYEAR`` with a/b/…
suffixes for collisions, in input order) -> ``to_entry`` (one ``BibEntry`` per reference: type
mapped to a BibTeX type, fields mapped by type, text escaped, names as "Family, Given") ->
``write_bibtex`` (bibtexparser ``Library`` -> string). Every reference gives exactly one entry,
in input order; one that was parsed badly becomes ``@misc`` with its raw text in ``note`` and a
problem recorded. Knows nothing of Sphinx.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import bibtexparser
import bibtexparser.middlewares
from bibtexparser.model import Entry, Field

from sphinx_karabakh.refs.fields import CONTROL_CHARS
from sphinx_karabakh.refs.links import apply_policy, unlinked_note
from sphinx_karabakh.refs.model import EntryType, Person, Reference

__all__ = [
    "MISC_BELOW",
    "BibEntry",
    "ascii_fold",
    "assign_keys",
    "bibtex_escape",
    "bibtex_unescape",
    "format_person",
    "key_base",
    "to_entries",
    "to_entry",
    "write_bibtex",
]

#: A reference parsed with less confidence than this is written as ``@misc`` with its raw text.
MISC_BELOW = 0.45

#: Reference type -> BibTeX entry type. ``report`` and ``thesis`` use the classic BibTeX types so
#: that pybtex's styles (and so sphinxcontrib-bibtex) can render them; ``online`` is biblatex's.
BIBTEX_TYPES: dict[EntryType, str] = {
    EntryType.ARTICLE: "article",
    EntryType.BOOK: "book",
    EntryType.INCOLLECTION: "incollection",
    EntryType.INPROCEEDINGS: "inproceedings",
    EntryType.REPORT: "techreport",
    EntryType.THESIS: "phdthesis",
    EntryType.ONLINE: "online",
    EntryType.MISC: "misc",
}

_TRANSLIT = {
    "ß": "ss",
    "æ": "ae",
    "Æ": "AE",
    "ø": "o",
    "Ø": "O",
    "œ": "oe",
    "Œ": "OE",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "þ": "th",
    "ı": "i",
    "ħ": "h",
    # Cyrillic (scientific-ish, ASCII only)
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
    "є": "ie",
    "і": "i",
    "ї": "i",
    "ґ": "g",
    # Greek
    "α": "a",
    "β": "b",
    "γ": "g",
    "δ": "d",
    "ε": "e",
    "ζ": "z",
    "η": "e",
    "θ": "th",
    "ι": "i",
    "κ": "k",
    "λ": "l",
    "μ": "m",
    "ν": "n",
    "ξ": "x",
    "ο": "o",
    "π": "p",
    "ρ": "r",
    "σ": "s",
    "ς": "s",
    "τ": "t",
    "υ": "y",
    "φ": "f",
    "χ": "ch",
    "ψ": "ps",
    "ω": "o",
}

_STOPWORDS = frozenset(
    {"the", "a", "an", "of", "for", "and", "on", "in", "de", "la", "le", "der", "die", "das"}
)
_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_UNESCAPE = [
    (r"\textbackslash{}", "\\"),
    (r"\textasciitilde{}", "~"),
    (r"\textasciicircum{}", "^"),
    (r"\textbraceleft{}", "{"),
    (r"\textbraceright{}", "}"),
    (r"\&", "&"),
    (r"\%", "%"),
    (r"\$", "$"),
    (r"\#", "#"),
    (r"\_", "_"),
    (r"\{", "{"),
    (r"\}", "}"),
]


@dataclass
class BibEntry:
    """One BibTeX entry written for one reference: what is written, and why it looks so."""

    key: str
    entry_type: str  # BibTeX type: "article", "online", "techreport", "misc" …
    fields: list[tuple[str, str]]  # (name, plain-text value) in writing order, before escaping
    reference: Reference
    problems: list[str] = field(default_factory=list)  # the parser's and the writer's

    @property
    def degraded(self) -> bool:
        """Written as ``@misc`` with the raw text because the parse was not good enough."""
        return any(p.startswith("written as @misc") for p in self.problems)

    def field(self, name: str) -> str:
        return next((v for k, v in self.fields if k == name), "")


# -- keys ----------------------------------------------------------------------------------------


def ascii_fold(text: str) -> str:
    """ "Rytövuori-Apunen" -> "Rytovuori-Apunen", "Иванов" -> "Ivanov": ASCII letters kept only."""
    out = []
    for ch in text:
        low = ch.lower()
        if low in _TRANSLIT:
            rep = _TRANSLIT[low]
            out.append(rep.capitalize() if ch != low and rep else rep)
        else:
            out.append(ch)
    text = unicodedata.normalize("NFKD", "".join(out))
    return (
        "".join(c for c in text if not unicodedata.combining(c)).encode("ascii", "ignore").decode()
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", ascii_fold(text).lower())


def _corporate_word(name: str) -> str:
    """ "RFE/RL" -> "rferl"; "Center for Security Studies ETH Zurich" -> "center"."""
    words = [w for w in re.split(r"\s+", name.strip()) if w]
    for w in words:
        if w.casefold() in _STOPWORDS:
            continue
        slug = _slug(w)
        if slug:
            return slug
    return _slug(name)


def key_base(ref: Reference) -> str:
    """``familyYEAR`` without a collision suffix: the first author's (or editor's) family name,
    lower-case ASCII, then the year ("nd" without one). No name: the title's first significant word."""
    people = ref.authors or ref.editors
    name = ""
    if people:
        first = people[0]
        name = (
            _corporate_word(first.family) if first.corporate else _slug(first.last or first.family)
        )
    if not name and ref.title:
        name = _corporate_word(ref.title)
    name = name.lstrip("0123456789") or "anon"  # a key starts with a letter
    year = re.sub(r"\D", "", ref.year)[:4] or "nd"
    return f"{name[:40]}{year}"


def _suffix(n: int) -> str:
    """0 -> a, 25 -> z, 26 -> aa."""
    s = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(97 + r) + s
    return s


def assign_keys(refs: Sequence[Reference]) -> list[str]:
    """Give every reference a unique key (sets ``ref.key``) and return the keys, in input order.

    References sharing ``familyYEAR`` all get a suffix a, b, c… in input order, except that a
    year suffix the reference itself carries ("2020b") is kept when it is unique in its group.
    The same list always gets the same keys.
    """
    groups: dict[str, list[int]] = {}
    for i, ref in enumerate(refs):
        groups.setdefault(key_base(ref), []).append(i)
    keys: list[str] = [""] * len(refs)
    used: set[str] = set()
    for base, members in groups.items():
        own = [(refs[i].year_suffix or "").lower() for i in members]
        if len(members) == 1:
            keys[members[0]] = base + (own[0] if own[0].isalpha() else "")
            continue
        taken = {s for s in own if s and s.isalpha() and own.count(s) == 1}
        n = 0
        for i, s in zip(members, own, strict=True):
            if s and s in taken:
                keys[i] = base + s
                continue
            while _suffix(n) in taken:
                n += 1
            keys[i] = base + _suffix(n)
            n += 1
    for i, key in enumerate(keys):  # a base that ends like another's suffixed key ("x2020a")
        k, n = key, 2
        while k in used:
            k, n = f"{key}{n}", n + 1
        used.add(k)
        keys[i] = k
        refs[i].key = k
    return keys


# -- fields --------------------------------------------------------------------------------------


_BRACE = re.compile(r"[{}]")
_ESCAPE_BALANCED = str.maketrans({**_SPECIAL, "{": r"\{", "}": r"\}"})
_ESCAPE_UNBALANCED = str.maketrans(
    {**_SPECIAL, "{": r"\textbraceleft{}", "}": r"\textbraceright{}"}
)


def bibtex_escape(text: str) -> str:
    """Escape BibTeX/LaTeX specials (``& % $ # _ { } ~ ^ \\``) in a text field; keep Unicode.
    Braces are escaped as ``\\{ \\}`` when they balance, else as ``\\textbraceleft{}``…"""
    text = " ".join(text.split())
    depth = 0
    for brace in _BRACE.findall(text):
        depth += 1 if brace == "{" else -1
        if depth < 0:
            break
    table = _ESCAPE_BALANCED if depth == 0 else _ESCAPE_UNBALANCED
    return text.translate(table)


def bibtex_unescape(text: str) -> str:
    """The inverse of ``bibtex_escape`` (for reading back what we wrote)."""
    out, i = [], 0
    while i < len(text):
        for esc, plain in _UNESCAPE:
            if text.startswith(esc, i):
                out.append(plain)
                i += len(esc)
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _escape_url(url: str) -> str:
    """URLs are written verbatim except for what would break BibTeX: spaces, braces, backslashes."""
    return (
        url.strip().replace(" ", "%20").replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")
    )


def format_person(p: Person) -> str:
    """BibTeX name: "von Last, Jr, First"; a corporate name braced whole ({RFE/RL})."""
    if p.corporate or (
        not p.given and not p.particle and (" " in p.family.strip() or "," in p.family)
    ):
        return "{" + bibtex_escape(p.family) + "}"
    last = bibtex_escape(p.family.strip())
    if " and " in f" {last.lower()} " or "," in last:
        last = "{" + last + "}"
    parts = [f"{p.particle} {last}".strip() if p.particle else last]
    given = bibtex_escape(p.given.strip())
    if "," in given or re.search(r"\band\b", given, re.IGNORECASE):
        given = "{" + given + "}"
    if p.suffix:
        parts.append(bibtex_escape(p.suffix))
    if given:
        parts.append(given)
    elif p.suffix:
        parts.append("")
    return ", ".join(parts)


def _plain_person(p: Person) -> str:
    if p.corporate:
        return p.family
    given = f", {p.given}" if p.given else ""
    return f"{p.last}{', ' + p.suffix if p.suffix else ''}{given}"


def _pages(pages: str) -> str:
    pages = re.sub(r"^(?:pp?\.|S\.|с\.)\s*", "", pages.strip())
    return re.sub(r"\s*[-‐‑‒–—]+\s*", "--", pages)


def _year(ref: Reference) -> str:
    m = re.search(r"\d{4}", ref.year)
    return m.group(0) if m else ""


def _badly_parsed(ref: Reference) -> str:
    """Why this reference is written as @misc with its raw text ("" when it is fine)."""
    if ref.confidence < MISC_BELOW:
        return f"low confidence ({ref.confidence:.2f})"
    if not ref.title and not ref.authors and not ref.editors:
        return "neither authors nor a title found"
    if not (
        ref.authors or ref.editors or re.search(r"\d{4}", ref.year or "") or ref.url or ref.doi
    ):
        return "neither authors nor a year (nor a link) found"
    return ""


_ISO_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


def to_entry(ref: Reference, key: str | None = None) -> BibEntry:
    """One reference -> one ``BibEntry`` (plain values; escaping happens when written)."""
    key = key or ref.key or key_base(ref)
    problems = list(ref.problems)
    why = _badly_parsed(ref)
    btype = "misc" if why else BIBTEX_TYPES.get(EntryType(ref.type), "misc")
    if btype == "phdthesis" and re.search(
        r"\b(master|m\.?a\.?|m\.?sc|msc|magister)\b", ref.raw, re.I
    ):
        btype = "mastersthesis"
    f: list[tuple[str, str]] = []

    def add(name: str, value: str) -> None:
        value = " ".join(CONTROL_CHARS.sub("\ufffd", value or "").split())  # no NUL… in BibTeX
        if value and not any(k == name for k, _ in f):
            f.append((name, value))

    if ref.authors:
        add("author", " and ".join(_plain_person(p) for p in ref.authors))
    add("title", ref.title)
    container = ref.container
    if not why:
        if btype == "article":
            add("journal", container)
        elif btype in ("incollection", "inproceedings"):
            add("booktitle", container)
        elif btype == "online":
            if ref.organization:
                add("organization", ref.organization)
                add("howpublished", container)
            else:
                add("organization", container)
        elif btype == "techreport":
            add("institution", ref.institution or ref.organization or ref.publisher or container)
        elif btype in ("phdthesis", "mastersthesis"):
            add("school", ref.institution or ref.organization or ref.publisher or container)
        elif btype == "book":
            add("series", container)
        else:
            add("howpublished", container)
    if ref.editors:
        add("editor", " and ".join(_plain_person(p) for p in ref.editors))
    add("year", _year(ref))
    if not why:
        add("edition", ref.edition)
        add("volume", ref.volume)
        add("number", ref.number)
        add("pages", _pages(ref.pages))
        add("publisher", ref.publisher)
        add("address", ref.address)
        add("organization", ref.organization)
        add("institution", ref.institution)
        add("isbn", ref.isbn)
    add("doi", ref.doi)
    # the URL policy holds whoever built the Reference: a refused scheme is never a url field
    url, unlinked, problem = apply_policy(ref.url, ref.unlinked_url)
    if problem and problem not in problems:
        problems.append(problem)
    add("url", url)
    if ref.urldate:
        if _ISO_DATE.match(ref.urldate):
            add("urldate", ref.urldate)
        else:
            add("note", f"Accessed {ref.urldate}")
    note = "; ".join(x for x in (ref.note, unlinked_note(unlinked) if unlinked else "") if x)
    if why:
        problems.append(f"written as @misc with the raw text in note: {why}")
        note = "; ".join(x for x in (ref.raw, note) if x)
    if note:
        existing = next((v for k, v in f if k == "note"), "")
        f = [(k, v) for k, v in f if k != "note"]
        add("note", "; ".join(x for x in (note, existing) if x))
    return BibEntry(key, btype, f, ref, problems)


def to_entries(refs: Sequence[Reference]) -> list[BibEntry]:
    """Key the references (in input order) and turn each into exactly one ``BibEntry``."""
    keys = assign_keys(refs)
    return [to_entry(ref, key) for ref, key in zip(refs, keys, strict=True)]


def _escape_field(name: str, value: str, ref: Reference) -> str:
    if name in ("url", "doi"):
        return _escape_url(value)
    if name in ("author", "editor"):
        people = ref.authors if name == "author" else ref.editors
        if people:
            return " and ".join(format_person(p) for p in people)
    return bibtex_escape(value)


def write_bibtex(entries: Iterable[BibEntry]) -> str:
    """BibTeX text for the entries, in order, written by bibtexparser."""
    library = bibtexparser.Library()
    for e in entries:
        fields = [Field(name, _escape_field(name, value, e.reference)) for name, value in e.fields]
        library.add(Entry(e.entry_type, e.key, fields))
    fmt = bibtexparser.BibtexFormat()
    fmt.indent = "  "
    fmt.block_separator = "\n"
    # the library is ours alone: let the writer's middlewares work in place (no deep copies)
    stack = bibtexparser.middlewares.default_unparse_stack(allow_inplace_modification=True)
    text = bibtexparser.write_string(library, unparse_stack=stack, bibtex_format=fmt)
    return text.strip() + "\n" if text.strip() else ""
