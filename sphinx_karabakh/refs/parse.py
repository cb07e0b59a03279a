"""One reference string -> one ``Reference`` with typed fields.

Flow: raw string -> ``_prepare`` (bullets, numbers, Markdown links, URLs, DOIs, access dates and ISBNs
taken out; italics marked) -> rule segmentation (authors, year, title, then the rest split into
journal / volume(issue): pages / place: publisher parts) -> ``Reference``. When the rules are not sure of
the segmentation (a quoted or italic title after a clean author list, the rest fully explained), a CRF
sequence labeller trained on AnyStyle's reference data (``refs/crf.py``) labels the tokens instead and the
same normalisers (``refs/fields.py``, ``refs/names.py``) turn its spans into fields, with repairs for the
CRF's common slips. Never raises. Quality is measured by ``bench/refs_eval.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sphinx_karabakh.refs.fields import (
    CONTROL_CHARS,
    DOI_RE,
    ISBN_RE,
    URL_RE,
    YEAR_RE,
    clean_doi,
    clean_pages,
    clean_title,
    iso_date,
    split_volume,
    strip_markup,
    unescape_url,
)
from sphinx_karabakh.refs.links import apply_policy, refused_scheme
from sphinx_karabakh.refs.model import EntryType, Reference
from sphinx_karabakh.refs.names import looks_corporate, split_names

__all__ = ["MAX_PARSED_CHARS", "parse_reference"]

#: A reference longer than this is parsed on its first MAX_PARSED_CHARS characters (cut at a
#: space) and says so in its problems; its raw text is kept whole. No real reference comes near it
#: (the longest of the 10,616 in the gold data has 778 characters, a 3,000-author physics paper
#: some 60,000): a longer string is several references run together, or no reference at all.
MAX_PARSED_CHARS = 10_000

IT_OPEN, IT_CLOSE = "\x01", "\x02"  # italic span marks inside the working string

_BULLET = re.compile(
    r"^\s*(?:[-*•·‣▪–—]\s+|\[\s*\d{1,4}\s*\]\s*|\(\s*\d{1,4}\s*\)\s*|\d{1,4}[.)]\s+(?!\d)(?=\D)|\d{1,4}\s+(?=[A-Z]))"
)
_ACCESSED = re.compile(
    r"[\(\[]?\s*(?:last\s+)?(?:accessed|retrieved|viewed|consulted|visited|cited|abgerufen(?:\s+am)?|"
    r"zugegriffen(?:\s+am)?|consulté\s+le|date\s+accessed)\s*(?:on|at|:)?\s*:?\s*"
    r"(?P<date>(?:\d{1,2}(?:st|nd|rd|th)?\.?\s+(?:of\s+)?[A-Za-zéû]+\.?,?\s+\d{4}|[A-Za-zéû]+\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|"
    r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{4}|\d{4}\s+[A-Za-z]{3,9}\.?\s+\d{1,2}|"
    r"\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]+\.?|[A-Za-z]+\.?\s+\d{1,2}|[A-Za-z]+\.?\s+\d{4}|\d{4}))"
    r"\s*[\)\]]?",
    re.I,
)
_RETRIEVED_FROM = re.compile(
    r"(?:,?\s*(?:retrieved|available|accessible|downloaded)\s*(?:online)?\s*(?:from|at|on|via)?\s*:?"
    r"|\bURL\s*:|\bonline\s*:|\bin\s*:\s*(?=\x03)|\bverfügbar\s+unter\s*:?|\bdisponible\s+(?:en|sur)\s*:?)\s*(?=\x03|$)",
    re.I,
)
_ONLINE = re.compile(
    r",?\s*[\[\(]\s*(?:online|internet|electronic|web|en\s+ligne)[^\]\)]{0,20}[\]\)]", re.I
)
_ABBREV = frozenset(
    [
        "ed",
        "eds",
        "vol",
        "vols",
        "no",
        "nos",
        "nr",
        "pp",
        "p",
        "ed.",
        "trans",
        "al",
        "jr",
        "sr",
        "dr",
        "st",
        "mr",
        "mrs",
        "ms",
        "prof",
        "inc",
        "ltd",
        "co",
        "corp",
        "univ",
        "dept",
        "repr",
        "rev",
        "hrsg",
        "hg",
        "bd",
        "jg",
        "vgl",
        "ch",
        "chap",
        "sect",
        "fig",
        "n",
        "s",
        "ibid",
        "cf",
        "e.g",
        "i.e",
        "etc",
    ]
)
_PUB_WORDS = re.compile(
    r"\b(?:press|publish\w*|verlag|books|editions?|éditions|edizioni|editorial|editora|university|"
    r"universit\w+|routledge|springer|wiley|elsevier|sage|palgrave|macmillan|penguin|harper\w*|"
    r"random\s+house|blackwell|pearson|norton|academic|institute|library|oup|cup|lexington|brill|"
    r"taylor\s*&\s*francis|gruyter|kluwer|suhrkamp|gallimard|cambridge|oxford|mit)\b",
    re.I,
)
_PROC = re.compile(
    r"\b(?:proc\.?|proceedings|conference|conf\.|symposium|workshop|congress|meeting|colloqui\w+|"
    r"tagung|kongress|actes|atti)\b",
    re.I,
)
_THESIS = re.compile(
    r"\b(?:thesis|dissertation|diss\.|ph\.?\s?d|doctoral|master'?s|msc|m\.a\.|habilitation|"
    r"doktorarbeit|thèse|tesi|tesis|mémoire)\b",
    re.I,
)
_REPORT = re.compile(
    r"\b(?:report|working\s+paper|technical\s+note|tech\.\s*rep\.?|white\s+paper|policy\s+brief|"
    r"discussion\s+paper|occasional\s+paper|briefing|memorandum|bericht|rapport)\b",
    re.I,
)
_EDITORS_CUE = re.compile(
    r"\((?:eds?|editors?|hrsg|hg|dir|coord|comp)s?\.?\)|\b(?:eds?|hrsg|hg)\.(?=[\s,:)])|"
    r"\bedited\s+by\b|\bed\.\s+by\b|\bhrsg\.\s*v\.",
    re.I,
)
_PAGES = re.compile(
    r"^(?:pp?\.?|pages?|S\.|s\.|pgs?\.?)?\s*[A-Za-z]?\d+[A-Za-z]?\s*(?:[-–—‐−]+\s*[A-Za-z]?\d+[A-Za-z]?)?(?:\s*ff?\.?)?$"
)
_VOLNUM = re.compile(
    r"^(?:\x01?\s*)?(?:vol(?:ume)?\.?\s*)?(?P<vol>\d+[A-Za-z]?)\s*\x02?\s*(?:\(\s*(?P<num>[\w/–-]+)\s*\))?"
    r"(?:\s*[:,]\s*(?:pp?\.?\s*)?(?P<pages>[A-Za-z]?\d+[A-Za-z]?(?:\s*[-–—‐−]+\s*[A-Za-z]?\d+[A-Za-z]?)?))?$",
    re.I,
)
_EDITION = re.compile(
    r"^(?:(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|revised|rev\.|new|\d+\.?)"
    r"(?:\s+\w+)?\s+(?:ed(?:ition|n)?|aufl(?:age)?|éd(?:ition)?)\.?)$",
    re.I,
)
_MONTHISH = re.compile(
    r"^(?:\d{1,2}(?:st|nd|rd|th)?\.?\s+)?(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?|spring|summer|autumn|fall|winter)"
    r"(?:[\s/–-]+(?:\w+\.?))*$",
    re.I,
)


@dataclass
class _Work:
    """The working string with what has been taken out of it."""

    text: str
    url: str = ""
    unlinked: str = ""  # the first link with a refused scheme (javascript:…), as text
    urldate: str = ""
    doi: str = ""
    isbn: str = ""
    online: bool = False
    problems: list[str] = field(default_factory=list)


def parse_reference(raw: str, *, line: int = 0, category: str = "") -> Reference:
    """Parse one reference string into a ``Reference``. Never raises: a failure gives a ``misc``
    entry that keeps the raw text and names the problem."""
    raw = raw if isinstance(raw, str) else str(raw)
    notes: list[str] = []
    text, controls = CONTROL_CHARS.subn("\ufffd", raw)
    if controls:
        notes.append(
            f"{controls} control character{'s' if controls > 1 else ''} (such as NUL) "
            "replaced by U+FFFD"
        )
    if len(text) > MAX_PARSED_CHARS:
        text = _first_chars(text, MAX_PARSED_CHARS)
        notes.append(
            f"this reference is {len(raw):,} characters long: only its first {len(text):,} "
            "were parsed (several references run together?)"
        )
    try:
        ref = _parse_combined(text, line, category)
    except Exception as exc:  # the contract: every input gives exactly one entry
        ref = Reference(
            raw=text,
            line=line,
            category=category,
            type=EntryType.MISC,
            title=strip_markup(text).strip()[:300],
            confidence=0.0,
            problems=[f"could not parse this reference ({type(exc).__name__}: {exc})"],
        )
    ref.raw = raw
    ref.problems[:0] = notes
    return _keep_links_safe(ref)


def _first_chars(text: str, limit: int) -> str:
    """The first ``limit`` characters of ``text``, cut at its last space there when that keeps
    at least half of them (a word is not cut in two)."""
    head = text[:limit]
    space = head.rfind(" ")
    return head[:space] if space >= limit // 2 else head


def _keep_links_safe(ref: Reference) -> Reference:
    """The URL policy on the parsed reference, whichever parser found its link: a refused scheme
    is no ``url``; it is kept as text (``unlinked_url``) and reported."""
    ref.url, ref.unlinked_url, problem = apply_policy(ref.url, ref.unlinked_url)
    if problem and problem not in ref.problems:
        ref.problems.append(problem)
    return ref


# -- preparation ---------------------------------------------------------------------------------


def _prepare(raw: str) -> _Work:
    text = raw.replace("\u00a0", " ").replace("\u200b", "")
    text = re.sub(r"\s+", " ", text).strip()
    for _ in range(2):
        text = _BULLET.sub("", text, count=1)
    w = _Work(text=text)
    urls: list[str] = []

    def add_url(u: str) -> str:
        if "\x03" not in u:
            urls.append(u)
        return " \x03 "

    # [text](url): the url (or the text when it is itself a url) is the link.
    def md_link(m: re.Match[str]) -> str:
        label, target = m.group(1), m.group(2)
        target_clean = unescape_url(target)
        if " " in target_clean.strip():
            joined = re.sub(r"\s+", "", target_clean)
            if URL_RE.fullmatch(joined) or URL_RE.match(joined):
                w.problems.append("URL contains a space")
                target_clean = joined
        if URL_RE.match(label.strip()) or not label.strip():
            return add_url(target_clean)
        add_url(target_clean)
        return label

    # [label](target): the label holds no brackets and the target balanced parentheses
    # ("…/Foo_(bar)"); both are bounded, so a run of unclosed "[" or "(" costs linear time
    text = re.sub(
        r"\[([^\[\]]{0,500})\]\(\s*((?:[^()\s]|\([^()]{0,500}\))(?:[^()]|\([^()]{0,500}\)){0,2000}?)\s*\)",
        md_link,
        text,
    )

    def angle(m: re.Match[str]) -> str:
        u = unescape_url(m.group(1))
        if " " in u:
            w.problems.append("URL contains a space")
            u = re.sub(r"\s+", "", u)
        return add_url(u)

    # (every span below is bounded, so an unclosed "<http", "\url{", "<i>" or "\emph{" repeated
    # costs linear time, not a scan to the end of the text from each one)
    text = re.sub(r"<\s*((?:https?|ftp)://[^>]{1,2000}|www\.[^>]{1,2000})>", angle, text)
    text = re.sub(r"\\url\{([^}]{0,2000})\}", lambda m: add_url(unescape_url(m.group(1))), text)
    # DOIs (before bare URLs, so that https://doi.org/... becomes a DOI)
    m = re.search(
        r"(?:\bdoi\s*:?\s*|(https?://(?:dx\.)?doi\.org/)|\bdoi\.org/)\s*(10\.\d{4,9}/\S+)",
        text,
        re.I,
    )
    if m:
        w.doi = clean_doi(m.group(2))
        if m.group(1) and w.doi:  # written as a link: it is the entry's URL as well
            urls.append(m.group(1) + w.doi)
        text = text[: m.start()] + " \x04 " + text[m.end() :]

    # bare URLs, with Markdown escapes
    def bare(m: re.Match[str]) -> str:
        return add_url(unescape_url(m.group(0)))

    text = re.sub(r"(?:https?://|ftp://|www\.)(?:[^\s<>\"\]\)]|\\_|\)(?=\S))+", bare, text)
    safe = [u for u in urls if not refused_scheme(u)]
    refused = [u for u in urls if refused_scheme(u)]
    if safe:
        w.url = safe[0]
    if refused:
        w.unlinked = refused[0]
    if not w.doi:
        m = DOI_RE.search(text)
        if m:
            w.doi = clean_doi(m.group(1))
            text = text[: m.start()] + " \x04 " + text[m.end() :]
    if not w.doi and w.url:
        w.doi = clean_doi(w.url) if "doi" in w.url.lower() else ""
    m = ISBN_RE.search(text)
    if m:
        w.isbn = re.sub(r"[\s]", "", m.group(1))
        text = text[: m.start()] + text[m.end() :]
    text = _RETRIEVED_FROM.sub(" ", text)
    # access dates
    for m in list(_ACCESSED.finditer(text)):
        date = m.group("date") or ""
        iso = iso_date(date)
        if iso and not w.urldate:
            w.urldate = iso
        elif date and not iso and not w.urldate:
            w.problems.append(f"incomplete access date: {date.strip()!r}")
        text = text.replace(m.group(0), " ", 1)
    if _ONLINE.search(text):
        w.online = True
        text = _ONLINE.sub("", text)
    text = _RETRIEVED_FROM.sub(" ", text)
    text = re.sub(r",?\s*\b(?:from|at)\s*:?\s*(?=\x03)", " ", text, flags=re.I)
    text = re.sub(r"\s*(?:\x03|\x04)\s*", " ", text)
    text = re.sub(r"\b(?:doi|DOI)\s*:?\s*$", "", text.strip())
    # italics: Markdown *x* / _x_, <italic>, \emph{}; bold **35** is just text
    text = re.sub(r"\*\*([^*]+)\*\*", r"\1", text)
    text = re.sub(r"(?<![\w*])\*([^*]+?)\*(?![\w*])", IT_OPEN + r"\1" + IT_CLOSE, text)
    text = re.sub(r"(?<!\w)_([^_]+?)_(?!\w)", IT_OPEN + r"\1" + IT_CLOSE, text)
    text = re.sub(
        r"<(?:italic|i|em)>(.{0,1000}?)</(?:italic|i|em)>",
        IT_OPEN + r"\1" + IT_CLOSE,
        text,
        flags=re.I,
    )
    text = re.sub(r"\\(?:emph|textit)\{([^}]{0,1000})\}", IT_OPEN + r"\1" + IT_CLOSE, text)
    text = strip_tags(text)
    text = re.sub(r"\s+([,.;:])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;])+", r"\1", text)
    text = re.sub(r"\s+", " ", text).strip(" ,;")
    w.text = text
    return w


def strip_tags(text: str) -> str:
    return re.sub(r"</?[a-z][a-z-]*>", "", text)


# -- segmentation helpers ------------------------------------------------------------------------


#: A sentence-end candidate with the word before it, matched from the word's first character
#: (the look-behind) and without giving characters back (possessive): linear in the text.
_END_MARK = re.compile(r"(?<![\w'’-])([\w'’-]*+)([.?!])(?=[\s\x01\x02\"”’]|$)")
_NEXT_INITIAL = re.compile(r"\s*[A-ZÀ-Þ]\.")


def _sentence_ends(text: str) -> list[int]:
    """Indexes just after a '.', '?' or '!' that ends a sentence (not an initial or abbreviation)."""
    out = []
    for m in _END_MARK.finditer(text):
        i = m.start(2)
        if m.group(2) == ".":
            word = m.group(1)
            if re.fullmatch(r"[A-ZÀ-Þ]", word) or (word.lower() in _ABBREV and not word.isupper()):
                continue
            if re.fullmatch(r"[A-ZÀ-Þ][a-z]?", word) and _NEXT_INITIAL.match(text, i + 1):
                continue
        out.append(i + 1)
    return out


#: An author list is at most 400 characters once its markup is stripped; prefixes longer than
#: _HEAD_SCAN raw characters are not tried as one (that would need 3,600 characters of markup),
#: which keeps the loops that try growing prefixes linear.
_NAMES_MAX = 400
_HEAD_SCAN = 4000


def _namelike(text: str) -> bool:
    """Could this prefix be an author list?"""
    if len(text) > _HEAD_SCAN:
        return False
    t = strip_markup(text).strip(" ,.;:")
    if not t or len(t) > _NAMES_MAX or re.search(r"[\"“”«»?!]|\d", t):
        return False
    persons = split_names(t)
    if not persons:
        return False
    for p in persons:
        if p.corporate:
            if len(p.family.split()) > 8:
                return False
            continue
        if len(p.family.split()) > 3 or len(p.given.split()) > 4:
            return False
        if p.family[:1].islower() and not p.particle:
            return False
    return True


def _find_quoted(text: str) -> tuple[int, int] | None:
    """Span (start, end) of the first quoted title including the quotes."""
    m = re.search(r"[\"“„«]([^\"“”„«»]{3,}?)[\"”“»]", text)
    if m:
        return m.start(), m.end()
    m = re.search(r"(?:^|(?<=[\s(]))[‘']([^‘’']{3,}?[^\s])[’'](?=[\s,.;:)]|$)", text)
    if m:
        return m.start(), m.end()
    return None


_LEAD_YEAR = re.compile(
    r"^\s*[,.]?\s*[\(\[]?\s*(?P<year>(?:1[5-9]|20)\d\d)(?P<suf>[a-z])?(?:\s*[-–/]\s*\d{2,4})?"
    r"(?:,?\s*[A-Za-zé]+\.?(?:\s*\d{1,2})?)?\s*[\)\]]?\s*[.,:;]?\s*|"
    r"^\s*[,.]?\s*\(?\s*(?P<nd>n\.\s?d\.|o\.\s?J\.|s\.\s?d\.|in press|forthcoming)\s*\)?\s*[.,:]?\s*",
    re.I,
)


@dataclass
class _Segments:
    authors: str = ""
    year: str = ""
    year_suffix: str = ""
    title: str = ""
    title_quoted: bool = False
    title_italic: bool = False
    rest: str = ""
    author_date: bool = False


def _segment(text: str) -> _Segments:
    s = _Segments()
    # 1. author-date: "<authors> (2019)." / "<authors>, 2019." / "<authors>. 2019."
    for m in re.finditer(
        r"[\s(,.\[]\(?((?:1[5-9]|20)\d\d)([a-z])?(?=[\s).,:;\]]|$)|\((n\.\s?d\.)\)", text
    ):
        prefix = text[: m.start() + 1].rstrip(" ([")
        if m.start() == 0 or not _namelike(prefix):
            break
        lead = _LEAD_YEAR.match(text[len(prefix) :])
        if not lead:
            break
        s.authors = prefix
        s.year = lead.group("year") or ""
        s.year_suffix = lead.group("suf") or ""
        s.author_date = True
        rest = text[len(prefix) + lead.end() :]
        return _title_and_rest(s, rest)
    # 2. a quoted title: the authors are what stands before it
    q = _find_quoted(text)
    if q and q[0] > 0 and _namelike(text[: q[0]]):
        s.authors = text[: q[0]]
        return _title_and_rest(s, text[q[0] :])
    if q and q[0] == 0:
        return _title_and_rest(s, text)
    # 3. an italic title: the authors are before it
    it = text.find(IT_OPEN)
    if it > 0 and _namelike(text[:it]):
        s.authors = text[:it]
        return _title_and_rest(s, text[it:])
    # 4. first sentence is the author list (MLA, Chicago, Vancouver)
    ends = _sentence_ends(text)
    if ends and _namelike(text[: ends[0]]) and ends[0] < len(text) - 1:
        s.authors = text[: ends[0]]
        rest = text[ends[0] :]
        lead = _LEAD_YEAR.match(rest)
        if lead and (lead.group("year") or lead.group("nd")):
            s.year = lead.group("year") or ""
            s.year_suffix = lead.group("suf") or ""
            s.author_date = True
            rest = rest[lead.end() :]
        return _title_and_rest(s, rest)
    # 5. IEEE without quotes: "J. Smith, K. Lee, Title of book, ..." -- consume name pieces
    pieces = text.split(",")
    k = 0
    while k < len(pieces) and re.fullmatch(
        r"\s*(?:and\s+|&\s*)?(?:[A-ZÀ-Þ][a-z]?\.\s?-?)+\s*[A-ZÀ-Þ][\w'’-]+(?:\s[A-ZÀ-Þ][\w'’-]+)?\s*",
        pieces[k],
    ):
        k += 1
    if k:
        s.authors = ",".join(pieces[:k])
        return _title_and_rest(s, ",".join(pieces[k:]))
    return _title_and_rest(s, text)


def _title_and_rest(s: _Segments, rest: str) -> _Segments:
    rest = rest.strip(" ,.;:")
    q = _find_quoted(rest)
    if q and q[0] <= 1:
        s.title = rest[q[0] : q[1]]
        s.title_quoted = True
        s.rest = rest[q[1] :]
    elif rest.startswith(IT_OPEN) and IT_CLOSE in rest:
        end = rest.index(IT_CLOSE) + 1
        s.title = rest[:end]
        s.title_italic = True
        s.rest = rest[end:]
    else:
        ends = [e for e in _sentence_ends(rest) if e > 3]
        if ends:
            # "Title: subtitle. Journal" -- the first sentence end is the title's end
            s.title, s.rest = rest[: ends[0]], rest[ends[0] :]
        else:
            # "Title, Journal, 12(3), 45-67" / "Title, [online]"
            m = re.search(r",\s+(?=[^,]*\d)", rest)
            if m and not s.title:
                s.title, s.rest = rest[: m.start()], rest[m.end() :]
            else:
                s.title, s.rest = rest, ""
    if not s.year:
        ymatch = _LEAD_YEAR.match(s.rest)
        if ymatch and ymatch.group("year"):
            s.year, s.year_suffix = ymatch.group("year"), ymatch.group("suf") or ""
            s.rest = s.rest[ymatch.end() :]
    return s


# -- the rest: container, volume, pages, publisher -----------------------------------------------


@dataclass
class _Rest:
    container: str = ""
    container_italic: bool = False
    editors: str = ""
    volume: str = ""
    number: str = ""
    pages: str = ""
    publisher: str = ""
    address: str = ""
    edition: str = ""
    year: str = ""
    year_suffix: str = ""
    note: list[str] = field(default_factory=list)
    incollection: bool = False
    thesis: bool = False
    report: bool = False
    unparsed: list[str] = field(default_factory=list)


def _parse_rest(rest: str) -> _Rest:
    r = _Rest()
    t = rest.strip(" ,.;:")
    # "In: Editors (eds.), Booktitle" / "In Booktitle, edited by ..."
    m = re.match(r"^(?:in|dans|en)\s*:?\s+", t, re.I)
    if m:
        r.incollection = True
        t = t[m.end() :]
        ed = _EDITORS_CUE.search(t)
        if ed and ed.start() < 200 and not re.match(r"edited|ed\. by", ed.group(0), re.I):
            names = t[: ed.start()]
            if _namelike(names):
                r.editors = names
                t = t[ed.end() :].lstrip(" ,.:")
        elif IT_OPEN in t[:3]:
            pass
    # Vancouver: "Journal. 2019;12(3):45-67" / "Journal 2019; 12: 45-67"
    vm = re.search(
        r"(?:^|[.,]\s*|\s)(?P<year>(?:1[5-9]|20)\d\d)(?:\s+[A-Za-z]{3}(?:\s+\d{1,2})?)?\s*;\s*(?P<vol>\w+)\s*(?:\((?P<num>[^)]+)\))?\s*(?::\s*(?P<pages>[\w–-]+))?",
        t,
    )
    if vm:
        r.container = t[: vm.start()].strip(" .,")
        r.year = vm.group("year")
        r.volume, r.number = vm.group("vol"), vm.group("num") or ""
        r.pages = clean_pages(vm.group("pages") or "")
        t = t[vm.end() :]
        if not r.container:
            return r
        _classify_parts(t, r)
        return r
    _classify_parts(t, r)
    return r


def _split_parts(t: str) -> list[str]:
    """Split on commas and sentence ends, keeping italic spans and parentheses whole."""
    parts: list[str] = []
    buf: list[str] = []  # characters of the part being read (a list: appending is O(1))
    depth = 0
    italic = False
    i = 0
    while i < len(t):
        c = t[i]
        if c == IT_OPEN:
            italic = True
        elif c == IT_CLOSE:
            italic = False
            if t[i + 1 : i + 2] == " " and (
                (buf and buf[-1] in ".?!") or re.match(r" \d", t[i + 1 : i + 3])
            ):
                parts.append("".join(buf) + c)
                buf = []
                i += 1
                continue
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth = max(0, depth - 1)
        if (
            not italic
            and depth == 0
            and c in ",;"
            and not (i and t[i - 1].isdigit() and re.match(r"\d{3}\b", t[i + 1 : i + 5]))
        ):
            parts.append("".join(buf))
            buf = []
        elif not italic and depth == 0 and c == "." and (i + 1 == len(t) or t[i + 1] == " "):
            k = len(buf)  # the word before the full stop: [\w'-]+ read backwards
            while k and (buf[k - 1].isalnum() or buf[k - 1] in "_'-"):
                k -= 1
            word = "".join(buf[k:])
            if (
                re.fullmatch(r"[A-ZÀ-Þ]", word)
                or (word.lower() in _ABBREV and not word.isupper())
                or _journal_abbrev(word, t, i + 1)
            ):
                buf.append(c)
            else:
                parts.append("".join(buf) + c)
                buf = []
        else:
            buf.append(c)
        i += 1
    parts.append("".join(buf))
    return [p.strip() for p in parts if p.strip(" .,;:")]


_ABBREV_NEXT = re.compile(r"\s[A-Z][a-z]{0,7}\.?(?:\s|,|$)")
_ABBREV_NOT = re.compile(r"\s[A-Z][a-z]*\s*:")


def _journal_abbrev(word: str, text: str, pos: int = 0) -> bool:
    """'Trans.' in 'IEEE Trans. Pattern Anal.': a short capitalised word followed by another
    (``text`` from ``pos`` is what follows the word's full stop)."""
    return (
        2 <= len(word) <= 6
        and word[0].isupper()
        and word.lower() not in {"press", "books", "house", "group", "media", "verlag", "inc"}
        and bool(_ABBREV_NEXT.match(text, pos))
        and not _ABBREV_NOT.match(text, pos)
    )


def _classify_parts(t: str, r: _Rest) -> None:
    parts = _split_parts(t)
    for idx, part in enumerate(parts):
        p = part.strip(" ,;")
        plain = strip_markup(p).strip(" .,;:")
        plain.lower()
        if not plain:
            continue
        if p.startswith(IT_OPEN) and not r.container and not _VOLNUM.match(plain):
            r.container, r.container_italic = plain, True
            continue
        m = _VOLNUM.match(plain)
        if (
            m
            and (m.group("num") or m.group("pages") or re.match(r"vol", plain, re.I))
            and r.container
        ):
            r.volume = r.volume or m.group("vol")
            r.number = r.number or (m.group("num") or "")
            r.pages = r.pages or clean_pages(m.group("pages") or "")
            continue
        m = re.match(r"^(?:vol(?:ume)?|bd|band|tome|t)\.?\s*(\w+)$", plain, re.I)
        if m:
            r.volume = m.group(1)
            continue
        m = re.match(r"^(?:no|nr|n°|num|issue|iss|number|heft|h)\.?\s*([\w/–-]+)$", plain, re.I)
        if m:
            r.number = m.group(1)
            continue
        # Chicago: "Journal 12, no. 3 (2019): 45-67" / "Journal 12 (3): 45-67"
        m = re.match(
            r"^(?P<cont>.*?\D)\s+(?P<vol>\d+[A-Za-z]?)\s*(?:\((?P<num>[^)]+)\))?(?:\s*[:,]\s*(?P<pages>\d+(?:\s*[-–]\s*\d+)?))?$",
            plain,
        )
        if (
            m
            and not r.container
            and (m.group("num") or m.group("pages") or idx + 1 < len(parts))
            and not _PUB_WORDS.search(m.group("cont"))
            and not re.search(r"\b(?:pp?|ed|no|vol)\.?$", m.group("cont"), re.I)
        ):
            r.container = m.group("cont").strip(" ,")
            r.volume, r.number = m.group("vol"), m.group("num") or ""
            r.pages = clean_pages(m.group("pages") or "")
            continue
        m = re.match(
            r"^(?P<num>no\.?\s*\w+)?\s*\(?(?P<year>(?:1[5-9]|20)\d\d)(?P<suf>[a-z])?\)?(?:\s*:\s*(?P<pages>[\w–-]+))?$",
            plain,
            re.I,
        )
        if m or re.match(
            r"^\(?(?:(?:[A-Za-z]{3,9}\.?|\d{1,2})\s+){1,2}\(?((?:1[5-9]|20)\d\d)\)?$", plain
        ):
            ym = YEAR_RE.search(plain)
            if ym and not r.year:
                r.year, r.year_suffix = ym.group(1), ym.group(2) or ""
            if m and m.group("num"):
                r.number = r.number or re.sub(r"^no\.?\s*", "", m.group("num"), flags=re.I)
            if m and m.group("pages"):
                r.pages = clean_pages(m.group("pages"))
            continue
        if _PAGES.match(plain) and (
            r.container
            or r.publisher
            or re.match(r"^(?:pp?|S)\.", plain)
            or "-" in plain
            or "–" in plain
        ):
            if re.match(r"^\d+\s*(?:pp?|S)\.?$", plain):
                continue
            r.pages = r.pages or clean_pages(plain)
            continue
        if re.fullmatch(r"\(?(?:pp?\.\s*)?\d+\s*[-–]\s*\d+\)?", plain):
            r.pages = r.pages or clean_pages(plain)
            continue
        if _EDITION.match(plain):
            r.edition = re.sub(
                r"\s+(?:ed(?:ition|n)?|aufl(?:age)?|éd(?:ition)?)\.?$", "", plain, flags=re.I
            )
            continue
        if _MONTHISH.match(plain):
            continue
        if _THESIS.search(plain) and len(plain) < 80:
            r.thesis = True
            r.note.append(plain)
            continue
        if _REPORT.search(plain) and len(plain) < 80 and not r.container:
            r.report = True
            r.note.append(plain)
            continue
        if _EDITORS_CUE.search(plain) and not r.editors:
            names = _EDITORS_CUE.sub(" ", plain).strip(" ,.:")
            names = re.sub(r"^(?:edited|ed\.?)\s+by\s+", "", names, flags=re.I)
            if _namelike(names):
                r.editors = names
                r.incollection = r.incollection or bool(r.container)
                continue
        m = re.match(r"^(?P<place>[^:]{2,60}?)\s*:\s*(?P<pub>.+)$", plain)
        if m and not r.publisher and not re.search(r"\d", m.group("place")):
            r.address, r.publisher = m.group("place").strip(), m.group("pub").strip(" .")
            continue
        if (
            not r.container
            and not r.publisher
            and (
                r.incollection
                or (idx + 1 < len(parts) and _looks_like_volume_part(parts[idx + 1 :]))
            )
        ):
            r.container = plain
            continue
        if not r.publisher and (_PUB_WORDS.search(plain) or r.container or r.incollection):
            r.publisher = plain
            # "Publisher, Place" (MLA/Chicago variants)
            continue
        if (
            r.publisher
            and not r.address
            and re.fullmatch(r"[A-ZÀ-Þ][\w .'-]{1,40}", plain)
            and len(plain.split()) <= 3
        ):
            r.address = plain
            continue
        if not r.container:
            r.container = plain
            continue
        r.unparsed.append(plain)


def _looks_like_volume_part(parts: list[str]) -> bool:
    p = strip_markup(parts[0]).strip(" .,;:")
    return bool(
        _VOLNUM.match(p)
        or re.match(r"^(?:vol|no|nr|issue|pp?\.)", p, re.I)
        or _PAGES.match(p)
        or re.match(r"^\(?\d{4}\)?", p)
    )


# -- assembly ------------------------------------------------------------------------------------


def _parse(raw: str, line: int, category: str) -> Reference:
    return _parse_rules(raw, line, category)[0]


def _parse_rules(
    raw: str, line: int, category: str, w: _Work | None = None
) -> tuple[Reference, bool, _Segments | None]:
    """The rule parser; the flag says whether its segmentation is trustworthy (a quoted or italic
    title after a clean author list, and nothing left over)."""
    w = w or _prepare(raw)
    ref = Reference(raw=raw, line=line, category=category)
    ref.url, ref.urldate, ref.doi, ref.isbn = w.url, w.urldate, w.doi, w.isbn
    ref.unlinked_url = w.unlinked
    ref.problems.extend(w.problems)
    text = w.text
    if not text.strip(" .,"):
        ref.type = EntryType.ONLINE if ref.url else EntryType.MISC
        ref.confidence = 0.1
        ref.problems.append("no text besides a link")
        return ref, False, None
    seg = _segment(text)
    rest = _parse_rest(seg.rest)
    ref.authors = split_names(seg.authors) if seg.authors else ()
    ref.year = seg.year or rest.year
    ref.year_suffix = seg.year_suffix or (rest.year_suffix if not seg.year else "")
    if not ref.year:
        ym = YEAR_RE.search(strip_markup(text))
        if ym:
            ref.year = ym.group(1)
    ref.title = clean_title(seg.title)
    ref.container = clean_title(rest.container)
    ref.editors = split_names(rest.editors) if rest.editors else ()
    ref.volume, ref.number, ref.pages = rest.volume, rest.number, rest.pages
    ref.publisher, ref.address, ref.edition = rest.publisher.strip(" ."), rest.address, rest.edition
    if rest.note:
        ref.note = "; ".join(rest.note)
    ref.type = _entry_type(ref, w, seg, rest, category)
    if ref.type in (EntryType.THESIS, EntryType.REPORT) and ref.publisher:
        ref.institution = ref.publisher
    ref.confidence = _confidence(ref, seg, rest)
    if ref.confidence < 0.35:
        ref.problems.append("parsed with low confidence; check this entry")
    if ref.confidence < 0.2:
        ref.type = EntryType.MISC
    trusted = (
        ref.confidence >= 0.9
        and bool(ref.authors)
        and (seg.title_quoted or seg.title_italic)
        and not rest.unparsed
        and (
            rest.container_italic
            or (seg.title_italic and not rest.container)
            or (w.online and not ref.volume and not ref.pages)
        )
    )
    return ref, trusted, seg


def _parse_combined(raw: str, line: int, category: str) -> Reference:
    """Rules when they are sure of the segmentation, else the CRF (rules again without a model)."""
    w = _prepare(raw)
    ref, trusted, seg = _parse_rules(raw, line, category, w)
    if trusted:
        return ref
    crf_ref = _parse_crf(raw, line, category, w)
    if crf_ref is None:
        return ref
    if (
        not crf_ref.authors
        and not crf_ref.editors
        and ref.authors
        and seg is not None
        and seg.author_date
        and fold_text(crf_ref.title) == fold_text(seg.authors)
        and looks_corporate(seg.authors, by_length=False)
        and fold_text(ref.title)
        not in fold_text(
            f"{crf_ref.address} {crf_ref.publisher} {crf_ref.container} {crf_ref.note}"
        )
    ):
        # "Organisation for Economic Co-operation and Development. (2019). Title." -- the CRF took
        # the corporate author for a title; the rules saw the author-date shape.
        crf_ref.authors, crf_ref.title = ref.authors, ref.title
    return crf_ref


def fold_text(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def _entry_type(ref: Reference, w: _Work, seg: _Segments, rest: _Rest, category: str) -> EntryType:
    cat = category.lower()
    if rest.thesis or _THESIS.search(ref.note):
        return EntryType.THESIS
    if (rest.incollection or rest.editors) and ref.container:
        return EntryType.INPROCEEDINGS if _PROC.search(ref.container) else EntryType.INCOLLECTION
    if ref.container and _PROC.search(ref.container) and not ref.volume:
        return EntryType.INPROCEEDINGS
    if rest.report or _REPORT.search(ref.title[:0]):
        return EntryType.REPORT
    if ref.container and (ref.volume or ref.number or (ref.pages and not ref.publisher)):
        return EntryType.ARTICLE
    if "online" in cat or "web" in cat or "internet" in cat or w.online:
        return EntryType.ONLINE
    if "journal" in cat or ("article" in cat and "online" not in cat):
        return EntryType.ARTICLE if ref.container else EntryType.MISC
    if "book" in cat:
        return EntryType.BOOK
    if "report" in cat or "paper" in cat:
        return EntryType.REPORT
    if "thes" in cat or "dissert" in cat:
        return EntryType.THESIS
    if ref.publisher and not ref.container:
        return EntryType.BOOK
    if ref.url and (not ref.publisher):
        return EntryType.ONLINE
    if ref.container and ref.publisher and not ref.pages:
        return EntryType.BOOK
    if ref.title and ref.authors and ref.year and not ref.container:
        return EntryType.BOOK if seg.title_italic else EntryType.MISC
    return EntryType.MISC


def _confidence(ref: Reference, seg: _Segments, rest: _Rest) -> float:
    score = 0.0
    score += 0.25 if ref.authors else 0.0
    score += 0.2 if ref.year else 0.0
    score += 0.25 if ref.title and len(ref.title) < 300 else 0.0
    score += 0.15 if (ref.container or ref.publisher or ref.url) else 0.0
    score += 0.15 if not rest.unparsed else 0.0
    if seg.title_quoted or seg.title_italic:
        score += 0.05
    return round(min(score, 1.0), 2)


def _parse_crf(raw: str, line: int, category: str, w: _Work | None = None) -> Reference | None:
    """Label the prepared string's tokens with the CRF and normalise the labelled spans.

    Returns None when the model is not available."""
    from sphinx_karabakh.refs import crf

    w = w or _prepare(raw)
    text = w.text.replace(IT_OPEN, "").replace(IT_CLOSE, "")
    labelled, certainty = crf.label_with_confidence(text)
    if not labelled:
        return None
    first: dict[str, str] = {}
    spans = _mend_cut_title(crf.spans(labelled))
    seen_editor = False
    for lab, span in spans:
        if lab == "editor":
            seen_editor = True
        # "Title. In: Editors (eds.), Book title." -- the second title is the book's
        if (
            lab == "title"
            and "title" in first
            and "container-title" not in first
            and (seen_editor or re.match(r"\s*(?:in|dans|en|im)\b", span, re.I))
        ):
            first["container-title"] = span
            continue
        first.setdefault(lab, span)
    ref = Reference(raw=raw, line=line, category=category)
    ref.url, ref.urldate, ref.doi, ref.isbn = w.url, w.urldate, w.doi, w.isbn
    ref.unlinked_url = w.unlinked
    ref.problems.extend(w.problems)
    if not ref.url and "url" in first:
        ref.url = unescape_url(re.sub(r"\s+", "", first["url"]))
    if not ref.doi and "doi" in first:
        ref.doi = clean_doi(first["doi"])
    date = first.get("date", "")
    if date and "volume" not in first and "pages" not in first:
        # "2010, 10, 1979." / "2010;29:1611-1621." -- volume and pages inside the date span
        m = re.search(
            r"(?:1[5-9]|20)\d\d[a-z]?\s*[,;]\s*(\d+[A-Za-z]?)\s*(?:\(([\w/–-]+)\))?\s*[,:]\s*(\d+(?:\s*[-–]\s*\d+)?)\.?$",
            date,
        )
        if m:
            first["volume"] = m.group(1) + (f"({m.group(2)})" if m.group(2) else "")
            first["pages"] = m.group(3)
    _repair_spans(first)
    _repair_title_journal(first)
    if "author" in first:
        ref.authors = split_names(first["author"])
    if "editor" in first:
        ed = first["editor"]
        ends = [e for e in _sentence_ends(ed) if e < len(ed.rstrip()) - 1]
        if ends and _namelike(
            ed[: ends[0]]
        ):  # "Edited by G. Baum and E. Reuss. Fifty-nine volumes"
            ed = ed[: ends[0]]
        ref.editors = split_names(ed)
    date = first.get("date", "")
    ym = YEAR_RE.search(date) or YEAR_RE.search(text)
    if ym:
        ref.year, ref.year_suffix = ym.group(1), ym.group(2) or ""
    ref.title = clean_title(first.get("title", ""))
    container = first.get("journal") or first.get("container-title") or ""
    ref.container = clean_title(re.sub(r"^\s*(?:in|dans|en|im)\s*:?\s+", "", container, flags=re.I))
    m = re.match(r"^(.*?)\s*\((?:vol\.?|volume|bd\.?)\s*(\w+)\)\.?\s*(.*)$", ref.container, re.I)
    if m and m.group(1):  # "Advances in NIPS (Vol. 30). Curran Associates"
        ref.container = m.group(1).strip(" ,.")
        first.setdefault("volume", m.group(2))
        if m.group(3) and "publisher" not in first:
            first["publisher"] = m.group(3)
    ref.container = re.sub(
        r",\s*(?:vol(?:ume)?\.?\s*\w+|\d+(?:st|nd|rd|th)\s+edn?\.?|\d+\s+vols\.?)$",
        "",
        ref.container,
        flags=re.I,
    )
    if re.fullmatch(
        r"(?:tech(?:nical)?\.?\s*rep(?:ort)?\.?|report|working\s+paper)", ref.container, re.I
    ):
        first["note"] = f"{first.get('note', '')} {ref.container}".strip()  # a genre, not a journal
        ref.container = ""
    m = re.search(r"[,\s]*\((?:pp?\.|pages?)\s*(\d+(?:\s*[-–]\s*\d+)?)\)$", ref.container)
    if m:  # "Book Title, (p.227)" / "Handbook (pp. 665-691)" -- a page locator, not the title
        ref.container = ref.container[: m.start()]
        first.setdefault("pages", m.group(1))
    if "volume" in first:
        vol, num, pages, year = _volume_span(first["volume"])
        ref.volume, ref.number = vol, num
        if pages and "pages" not in first:
            ref.pages = pages
        if year and not ref.year:
            ref.year = year
    if "pages" in first:
        ref.pages = clean_pages(first["pages"])
    ref.publisher = _clean_place(first.get("publisher", ""))
    ref.publisher, place = _split_publisher(ref.publisher)
    if place and not first.get("location"):
        first["location"] = place
    m = re.search(
        r",\s*((?:\d+(?:st|nd|rd|th)|first|second|third|revised)\s+(?:ed(?:ition|n)?)\.?)$",
        ref.publisher,
        re.I,
    )
    if m:
        ref.publisher = ref.publisher[: m.start()]
        first.setdefault("edition", m.group(1))
    ref.address = _clean_place(first.get("location", ""))
    m = re.match(r"^(\([^)]{2,15}\))[,\s]+(.+)$", ref.address)
    if m and ref.container:  # "(OSDI), Savannah, GA" -- the abbreviation belongs to the proceedings
        ref.container, ref.address = f"{ref.container} {m.group(1)}", m.group(2)
    ref.edition = re.sub(
        r"\s*\b(?:ed|edn|edition|éd|aufl|auflage|ausg)\.?$",
        "",
        strip_markup(first.get("edition", "")).strip(" .,;:()"),
        flags=re.I,
    )
    notes = " ".join(v for k, v in first.items() if k in ("note", "genre"))
    ref.note = strip_markup(notes).strip(" .,;:()")
    ref.type = _crf_type(ref, first, w, category)
    if ref.type in (EntryType.THESIS, EntryType.REPORT) and ref.publisher:
        ref.institution = ref.publisher
    score = 0.25 * bool(ref.authors) + 0.2 * bool(ref.year) + 0.3 * bool(ref.title)
    score += 0.25 * bool(ref.container or ref.publisher or ref.url)
    ref.confidence = round(0.5 * score + 0.5 * certainty, 2)
    if score < 0.5 or certainty < 0.5 or ref.confidence < 0.5:
        ref.problems.append("parsed with low confidence; check this entry")
    if score < 0.45 or ref.confidence < 0.35:
        ref.type = EntryType.MISC
    return ref


def _mend_cut_title(spans: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """'How to cite a | web page. Style Blog.' -- a title cut mid-sentence (no closing punctuation,
    the next span goes on in lower case) takes back the words up to the sentence end."""
    out = list(spans)
    for i in range(len(out) - 1):
        lab, text = out[i]
        nlab, ntext = out[i + 1]
        if (
            lab == "title"
            and not re.search(r"[.?!,;:\"”’)\]]$", text)
            and ntext[:1].islower()
            and nlab in ("note", "publisher", "journal", "container-title", "location")
        ):
            ends = _sentence_ends(ntext)
            if ends and ends[0] < len(ntext.rstrip()):
                head, tail = ntext[: ends[0]], ntext[ends[0] :].strip()
                out[i] = (lab, f"{text} {head}")
                out[i + 1] = (nlab, tail)
    return [(lab, text) for lab, text in out if text]


def _split_publisher(pub: str) -> tuple[str, str]:
    """'Harvard University Press. Trostle, J' -> 'Harvard University Press'; 'Wageningen Academic
    Publishers, The Netherlands' -> (publisher, place); 'Honolulu, University of Hawai'i Press' too."""
    from sphinx_karabakh.refs import crf

    for m in re.finditer(r"(\w+)\.\s+(?=\S)", pub):
        word = m.group(1)
        if word.lower() in {"press", "books", "verlag", "media", "group", "house"} or (
            len(word) >= 6 and word[-1].islower()
        ):
            pub = pub[: m.start(1) + len(word)]
            break
    parts = [p.strip() for p in pub.split(",")]
    if len(parts) == 2:
        head, tail = parts

        def placeish(x: str) -> bool:
            words = [w.lower().strip(".") for w in x.split()]
            return (
                bool(words)
                and len(words) <= 3
                and (
                    all(
                        w in crf.PLACES
                        or w in {"the", "netherlands", "germany", "france", "usa", "uk"}
                        for w in words
                    )
                    or bool(re.fullmatch(r"[A-Z]{2}", x))
                )
            )

        if placeish(tail) and not placeish(head):
            return head, tail
        if placeish(head) and not placeish(tail):
            return tail, head
    return pub, ""


def _clean_place(text: str) -> str:
    """Publisher or place as labelled: no markup, no unbalanced brackets, no 'from'."""
    t = strip_markup(text).strip(" .,;:")
    t = re.sub(r"^(?:from|at|by)\s+", "", t, flags=re.I)
    if t.count("(") != t.count(")"):
        t = t.replace("(", "").replace(")", "")
    if t.count("[") != t.count("]"):
        t = t.replace("[", "").replace("]", "")
    return t.strip(" .,;:")


def _volume_span(text: str) -> tuple[str, str, str, str]:
    """A CRF 'volume' span -> (volume, number, pages, year): '2002;347(4):284-7.', 'vol. 38, no. 2,',
    '37(3)', '12(3):45-67', 'Bd. 3'."""
    t = strip_markup(text).strip(" ,.;:")
    year = ""
    m = re.match(r"^((?:1[5-9]|20)\d\d)\s*(?:[A-Za-z]{3,9}\.?\s*\d{0,2})?\s*;\s*", t)
    if m:
        year, t = m.group(1), t[m.end() :]
    m = _VOLNUM.match(t)
    if m:
        return m.group("vol"), m.group("num") or "", clean_pages(m.group("pages") or ""), year
    m = re.match(
        r"^(?:vol(?:ume)?|bd|band|t|tome|jg)?\.?\s*(\w+)[,;]?\s*(?:no|nr|n°|num|issue|iss|number|heft|h)\.?\s*([\w/–-]+)"
        r"(?:[,:]\s*(?:pp?\.?\s*)?(\d+(?:\s*[-–]\s*\d+)?))?$",
        t,
        re.I,
    )
    if m:
        return m.group(1), m.group(2), clean_pages(m.group(3) or ""), year
    vol, num = split_volume(t)
    return vol, num, "", year


_ETAL_AT = re.compile(r"\s*et\s+al\b", re.I)
_AUTHOR_STOP = re.compile(r"[.?!]\s+(?=[A-ZÀ-Þ\"“'‘\d])")
_NAME_GOES_ON = re.compile(r"[A-ZÀ-Þ]\.|[A-ZÀ-Þ][a-zà-ÿ'’-]+,|(?:and|&)\b")


def _words_from(pieces: list[str]) -> list[int]:
    """``[len(",".join(pieces[k:]).split()) for k in ...]`` in one pass from the right: the comma
    joining two pieces glues the word before it, itself and the word after it into one word."""
    n = len(pieces)
    words = [0] * (n + 1)
    starts_word = [False] * (n + 1)  # ",".join(pieces[k:]) starts with a non-space character
    for k in range(n - 1, -1, -1):
        piece = pieces[k]
        w = len(piece.split())
        if k == n - 1:
            words[k], starts_word[k] = w, bool(piece) and not piece[0].isspace()
            continue
        ends_word = bool(piece) and not piece[-1].isspace()
        words[k] = w + words[k + 1] + 1 - ends_word - starts_word[k + 1]
        starts_word[k] = not piece[0].isspace() if piece else True
    return words


def _repair_spans(first: dict[str, str]) -> None:
    """Fix the CRF's commonest slips: a title swallowed by the author span ("Kennan, George F.
    American Diplomacy."), an author list labelled as editors."""
    if (
        "author" in first
        and "editor" not in first
        and re.search(
            r"(?:\(\s*(?:eds?|hrsg|hg|dir|coord)\.?\s*\)|,\s*(?:eds?|editors?)\.?)\s*[.,:]?\s*$",
            first["author"],
            re.I,
        )
    ):
        first["editor"] = first.pop("author")
    if (
        "author" not in first
        and "editor" in first
        and not _EDITORS_CUE.search(first["editor"])
        # "Bird, Jon, and Lisa Tickner, eds." -- the cue closes the span (lower case: "Smith, Ed." is a name)
        and not re.search(r"[,\s](?:eds?|editors?|hrsg|hg)\.?\s*[.,:]?\s*$", first["editor"])
        and not (re.match(r"\s*(?:in|dans|en|im)\b", first["editor"], re.I))
    ):
        first["author"] = first.pop("editor")
    if (
        "title" not in first
        and "journal" in first
        and not ({"volume", "pages", "container-title"} & first.keys())
    ):
        first["title"] = first.pop("journal")
    # "World Health | Organization. Global report": a corporate author cut one word short
    if "author" in first and "title" in first and "," not in first["author"]:
        m = re.match(r"^([A-ZÀ-Þ][\w&-]*(?:\s[A-ZÀ-Þ][\w&-]*)?\.)\s+(\S.*)$", first["title"])
        if m and looks_corporate(first["author"] + " " + m.group(1)):
            first["author"] = first["author"] + " " + m.group(1)
            first["title"] = m.group(2)
    if "author" in first and "title" not in first:
        a = first["author"]
        for m in _AUTHOR_STOP.finditer(a):
            if m.start() >= _HEAD_SCAN:
                break  # no longer prefix is a name list (see _namelike)
            if _NAME_GOES_ON.match(a, m.end()):
                continue
            head = a[: m.start() + 1]
            if _namelike(head) and not _ETAL_AT.match(a, m.end()):
                first["author"], first["title"] = head, a[m.end() :]
                break
    if "author" in first and "title" not in first and "," in first["author"]:
        # "Alena Ledeneva, How Russia Really Works: ..." -- a comma piece that is no name
        pieces = first["author"].split(",")
        words_from = _words_from(pieces)
        head = pieces[0]
        for k in range(1, len(pieces)):
            if k > 1:
                head += "," + pieces[k - 1]
            if len(head) > _HEAD_SCAN:
                break  # no longer prefix is a name list (see _namelike)
            if words_from[k] >= 4 and not _namelike(pieces[k]) and _namelike(head):
                first["author"], first["title"] = head, ",".join(pieces[k:]).strip()
                break
    if "title" not in first and "container-title" in first and "journal" not in first:
        # an edited book: "Bird, Jon, ..., eds. Mapping the Futures. London: Routledge."
        first["title"] = first.pop("container-title")
    if "title" in first:
        t = first["title"].strip()
        # '"Metaphor." Oxford English Dictionary' -- the quoted part is the title
        m = re.match(r"^[\"“„«]([^\"“”„«»]{2,})[\"”»]\s*[.,]?\s+(\S.{2,})$", t)
        if m:
            first["title"] = m.group(1)
            if not ({"journal", "container-title"} & first.keys()):
                first["journal"] = m.group(2)
        first["title"] = re.sub(r"[.,]\s+(?:in|In|IN)\s*:?$", "", first["title"])


_TAIL_WORDS = {"of", "and", "with", "for", "the", "in", "on", "&", "de", "der", "für", "et"}


def _repair_title_journal(first: dict[str, str]) -> None:
    """'A survey from 1995 to 2005. Expert Systems with | Applications,' -- a title that swallowed the
    head of the journal name (or all of it) gives it back."""
    title = first.get("title", "")
    if not title:
        return
    journal = first.get("journal", "")
    if journal and len(journal.split()) > 2:
        return
    if not journal and not (
        {"volume", "pages"} <= first.keys()
        or "volume" in first
        # "Title. Current Drug Delivery. 2011. 290-298" -- pages, and nothing a book would have
        or (
            "pages" in first
            and not ({"container-title", "editor", "publisher", "location", "url"} & first.keys())
        )
    ):
        return
    ends = [e for e in _sentence_ends(title) if e < len(title.rstrip(" .,")) - 1]
    if not ends:
        return
    head, tail = title[: ends[-1]], title[ends[-1] :].strip()
    words = tail.rstrip(" .,").split()
    if not words or len(words) > 6 or len(head) < 15:
        return
    if words[0][:1].isupper() and (
        all(w[:1].isupper() or w.lower() in _TAIL_WORDS for w in words)
        or (not journal and len(words) <= 4 and not any(c.isdigit() for c in tail))
    ):
        first["title"] = head
        first["journal"] = (tail + " " + journal).strip()


def _crf_type(ref: Reference, first: dict[str, str], w: _Work, category: str) -> EntryType:
    cat = category.lower()
    blob = " ".join((ref.note, first.get("title", "")[-60:], ref.publisher))
    if _THESIS.search(ref.note) or (_THESIS.search(blob) and not ref.container):
        return EntryType.THESIS
    if "container-title" in first or ref.editors:
        if _PROC.search(ref.container):
            return EntryType.INPROCEEDINGS
        if ref.container:
            return EntryType.INCOLLECTION
    if "journal" in first:
        if _PROC.search(ref.container) and not ref.volume:
            return EntryType.INPROCEEDINGS
        if ref.volume or ref.number or ref.pages or not (w.online or "online" in cat):
            return EntryType.ARTICLE
    if _REPORT.search(blob) and not ref.container:
        return EntryType.REPORT
    if "online" in cat or "web" in cat or w.online:
        return EntryType.ONLINE
    if "book" in cat:
        return EntryType.BOOK
    if "journal" in cat or "article" in cat:
        return EntryType.ARTICLE if ref.container else EntryType.MISC
    if ref.publisher:
        return EntryType.BOOK
    if ref.url:
        return EntryType.ONLINE
    return EntryType.MISC


def parse_reference_mode(raw: str, mode: str = "combined") -> Reference:
    """``parse_reference`` with the strategy chosen: "rules", "crf" or "combined" (for the bench)."""
    try:
        if mode == "rules":
            return _parse(raw, 0, "")
        if mode == "crf":
            return _parse_crf(raw, 0, "") or _parse(raw, 0, "")
    except Exception:
        pass
    return parse_reference(raw)
