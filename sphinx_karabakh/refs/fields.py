"""Field normalisers shared by the rule parser and the CRF labeller: URLs, DOIs, dates, pages,
volume/issue, titles. Each takes text as found in a reference and returns the field's clean value."""

from __future__ import annotations

import re

MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            "january jan janvier janv januar enero gennaio",
            "february feb febr février févr februar febrero febbraio",
            "march mar mars märz marzo",
            "april apr avril abril aprile",
            "may mai mayo maggio",
            "june jun juin juni junio giugno",
            "july jul juil juli julio luglio",
            "august aug août agosto",
            "september sep sept septembre septiembre settembre",
            "october oct octobre oktober octubre ottobre",
            "november nov novembre noviembre",
            "december dec décembre dezember diciembre dicembre dez",
        ]
    )
    for m in names.split()
}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))

URL_RE = re.compile(r"(?:https?://|ftp://|www\.)[^\s<>\"\]\)]*[^\s<>\"\]\).,;:]", re.I)
DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.I)
ISBN_RE = re.compile(r"\bISBN(?:-1[03])?:?\s*((?:97[89][-\s]?)?(?:\d[-\s]?){9}[\dXx])", re.I)
YEAR_RE = re.compile(r"(?<![\d/.-])((?:1[5-9]|20)\d\d)([a-z])?(?![\d/])")

#: C0 control characters (tab, line feed, vertical tab, form feed and carriage return are white
#: space) and DEL: never in a reference, and \x01-\x04 mark italics and links in the parser's
#: working string. The parser reads each as U+FFFD and reports it (``Reference.raw`` keeps the
#: string as given); the BibTeX writer never writes one.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def unescape_url(url: str) -> str:
    """Remove Markdown escapes: 'a\\\\_b' and 'a\\_b' -> 'a_b'; trailing punctuation dropped."""
    url = re.sub(r"\\+([_*\[\]()#~&%.\-])", r"\1", url)
    url = url.strip().strip("<>")
    url = re.sub(r"[.,;:]+$", "", url)
    if url.endswith(")") and url.count("(") < url.count(")"):
        url = url[:-1]
    return url


def clean_doi(text: str) -> str:
    """'https://doi.org/10.1/x.' / 'doi:10.1/x' -> '10.1/x'."""
    m = DOI_RE.search(text.replace("\\_", "_"))
    if not m:
        return ""
    doi = m.group(1)
    doi = re.sub(r"[.,;:\]\)>]+$", "", doi)
    if doi.endswith(")") and doi.count("(") < doi.count(")"):
        doi = doi[:-1]
    return doi


def iso_date(text: str) -> str:
    """'15 September 2022', 'September 15, 2022', '2022-09-15', '2020 Jan 5' -> 'YYYY-MM-DD'.

    Returns '' when no complete date (year, month and day) is present."""
    t = text.strip().lower().replace(",", " ")
    m = re.search(r"(\d{4})-(\d{1,2})-(\d{1,2})", t)
    if m:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    m = re.search(r"(\d{1,2})[./](\d{1,2})[./](\d{4})", t)
    if m:  # European day.month.year
        d, mo = int(m.group(1)), int(m.group(2))
        if mo > 12 >= d:
            d, mo = mo, d
        return f"{int(m.group(3)):04d}-{mo:02d}-{d:02d}"
    mon = rf"({_MONTH_RE})\.?"
    for pat, order in (
        (rf"(\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?:of\s+)?{mon}\s+(\d{{4}})", "dmy"),
        (rf"{mon}\s+(\d{{1,2}})(?:st|nd|rd|th)?\s+(\d{{4}})", "mdy"),
        (rf"(\d{{4}})\s+{mon}\s+(\d{{1,2}})\b", "ymd"),
    ):
        m = re.search(pat, t)
        if m:
            g = m.groups()
            if order == "dmy":
                day, month, year = g[0], g[1], g[2]
            elif order == "mdy":
                month, day, year = g[0], g[1], g[2]
            else:
                year, month, day = g[0], g[1], g[2]
            return f"{int(year):04d}-{MONTHS[month]:02d}-{int(day):02d}"
    return ""


def clean_pages(text: str) -> str:
    """'pp. 72–92.' -> '72-92'; 'S. 12' -> '12'; page counts ('189 p.', '440 pp.') -> ''."""
    t = text.strip()
    if re.fullmatch(r"\(?\d+\s*(?:pp?|pages|S|Seiten|str)\.?\)?[.,]?", t, re.I):
        return ""
    t = re.sub(r"^\(?(?:pp?|pages?|pgs?|S|Seiten?|str|s|стр|с)\.?\s*", "", t, flags=re.I)
    t = t.strip(" .,;:()[]")
    t = re.sub(r"\s*[-–—‐‑−]+\s*", "-", t)
    t = re.sub(r"\s*(?:ff|f)\.?$", "", t)
    return t


def clean_title(text: str) -> str:
    """Strip markup, enclosing quotes, trailing punctuation (not '?' or '!')."""
    t = strip_markup(text).strip()
    t = re.sub(r"^(?:In\s*:\s*)", "", t)
    for _ in range(2):
        t = t.strip(" ,;:.")
        if not t:
            break
        if len(t) >= 2 and t[0] in "\"“”„«‘'" and t[-1] in "\"“”»’'":
            t = t[1:-1].strip()
        elif t[:1] in '"“„«' and t.count(t[0]) == 1 and not re.search(r"[\"“”»]", t[1:]):
            t = t[1:].strip()
        elif t[-1:] in '"”»' and not re.search(r"[\"“„«]", t[:-1]):
            t = t[:-1].strip()
    t = t.rstrip(" ,;:")
    if t.endswith(".") and not re.search(r"(?:\b[A-Z]|\.\.|\bet al|\betc)\.$", t):
        t = t[:-1]
    return re.sub(r"\s+", " ", t).strip()


def strip_markup(text: str) -> str:
    """Markdown emphasis, HTML-ish tags, LaTeX emphasis, sentinel marks."""
    t = re.sub(r"</?(?:italic|i|em|b|bold|strong|sup|sub|u)>", "", text, flags=re.I)
    t = re.sub(r"\\(?:emph|textit|textbf|textsc)\{([^}]{0,1000})\}", r"\1", t)  # bounded: linear
    t = t.replace("\\&", "&")
    t = re.sub(r"\*+|\x01|\x02", "", t)
    t = re.sub(r"(?<!\w)_([^_]+)_(?!\w)", r"\1", t)
    return t


def split_volume(text: str) -> tuple[str, str]:
    """'Vol. 3' -> ('3',''); '37(3)' -> ('37','3'); 'v. 36(6)' / 'Volume 91, numéro 340' -> ('91','340')."""
    t = strip_markup(text).strip(" ,.;:")
    t = re.sub(
        r"\b(?:vol(?:ume)?|vols?|bd|band|t|tome|tomo|v|jg|jahrgang|år)\b\.?\s*", "", t, flags=re.I
    )
    m = re.match(
        r"^([0-9A-Za-z][\w./-]*?)\s*(?:\(\s*([^)]+?)\s*\)|[,;]?\s*(?:numéro|number|issue|heft|cislo|num|iss|nr|no|n°|h|č|№)(?![a-zé])\.?\s*([\w/-]+))",
        t,
        re.I,
    )
    if m:
        return m.group(1), (m.group(2) or m.group(3) or "").strip()
    m = re.match(r"^(?:no|nr|n°|issue|number|num|heft|№)\.?\s*([\w/-]+)$", t, re.I)
    if m:
        return "", m.group(1)
    m = re.match(r"^([0-9]+[A-Za-z]?|[IVXLC]+)\b", t)
    if m:
        return m.group(1), ""
    return (t, "") if len(t) <= 12 else ("", "")
