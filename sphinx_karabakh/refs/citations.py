"""In-text citations: find them in a document's body, resolve them to entries, audit.

Flow: document text (reference section skipped) -> ``find_citations`` -> ``Citation`` per cited
work: parenthetical "(Welt and Bowen 2021; Rose 1998, p. 12)", narrative "Baylis et al. (2001)",
year-only "(2020a)" after a name, numeric "[3]", "[3–5]", "[1, 4]" -> ``resolve`` against the
document's entries by family names and year (tolerant of case, accents and small typos, of a
corporate author cited by part of its name, of a work cited by its title; numbers by the list's
own labels) -> ``ResolvedCitation`` -> ``Audit`` (every citation, and the keys never cited).
Knows nothing of Sphinx.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from sphinx_karabakh.refs.bibtex import BibEntry, ascii_fold
from sphinx_karabakh.refs.model import (
    Audit,
    Citation,
    CitationStyle,
    RawReference,
    ResolvedCitation,
)

if TYPE_CHECKING:
    from sphinx_karabakh.refs.pipeline import ParsedReferences

__all__ = ["audit", "find_citations", "resolve", "resolve_all"]

#: The lowest score at which a citation resolves to an entry.
MIN_SCORE = 0.8

_YEAR = r"(?:1[5-9]\d\d|20\d\d)[a-z]?"
_YEAR_AND_LETTERS = rf"(?:(?:1[5-9]\d\d|20\d\d)[a-z](?:\s*,\s*[a-z](?![\w.]))+|{_YEAR})"
_YEARS_RE = re.compile(
    rf"(?P<years>(?:{_YEAR_AND_LETTERS}|n\.\s?d\.?|in press|forthcoming)(?:\s*[,/]\s*{_YEAR_AND_LETTERS})*)"
    r"(?:\s*[,:]\s*(?P<loc>[^;]*?))?\s*$",
    re.IGNORECASE,
)
_AUTHOR_YEAR_RE = re.compile(
    rf"^(?P<names>[^\d;]*?[^\s,]|.{{10,160}}?[^\s,])\s*,?\s+(?=(?:{_YEAR}|n\.\s?d\.?|in press|forthcoming)(?!\w))",
    re.IGNORECASE,
)
_PREFIX_RE = re.compile(
    r"^(?:see(?:\s+also)?|e\.\s?g\.,?|cf\.|i\.\s?e\.,?|also|for example,?|for instance,?|"
    r"quoted in|as cited in|cited in|compare|and)\s+",
    re.IGNORECASE,
)
_NOT_NAMES = re.compile(
    r"^(?:january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|spring|summer|autumn|fall|winter|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|in|on|at|by|since|from|until|"
    r"till|before|after|during|around|about|circa|ca|c|early|late|mid|between|as of|of|the year|"
    r"year|years|fy|q[1-4]|ad|bc|bce|ce|approximately|approx|est|founded|born|died|d|b|up to)\b",
    re.IGNORECASE,
)
_PARTICLES = r"(?:van|von|de|der|den|del|della|di|da|du|la|le|ten|ter|al|el|bin|ibn)"
_UP = "A-Z\u00c0-\u00d6\u00d8-\u00de\u0100-\u017f\u0400-\u042f"
_CAPWORD = rf"(?:{_PARTICLES}\s+)?[{_UP}][\w'’\-/]*"
_NARRATIVE_RE = re.compile(
    rf"(?P<names>{_CAPWORD}(?:(?:\s+(?:and|&)\s+|,\s+|\s+){_CAPWORD}){{0,5}}(?:,?\s+et\s+al\.?)?)"
    r"(?:'s|’s)?\s*$"
)
_DETERMINERS = frozenset(
    {
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "its",
        "his",
        "her",
        "their",
        "our",
        "my",
        "your",
    }
)
_SENTENCE_WORDS = frozenset(
    {
        "in",
        "on",
        "at",
        "by",
        "as",
        "according",
        "the",
        "this",
        "that",
        "while",
        "when",
        "although",
        "however",
        "thus",
        "then",
        "also",
        "both",
        "see",
        "and",
        "but",
        "for",
        "from",
        "with",
        "since",
    }
)
_NUMERIC_RE = re.compile(
    r"(?<![!\w\]])\[(?P<body>\s*\d{1,3}(?:\s*[-–—]\s*\d{1,3})?(?:\s*[,;]\s*\d{1,3}(?:\s*[-–—]\s*\d{1,3})?)*\s*)\]"
    r"(?:\s*[-–—]\s*\[(?P<to>\d{1,3})\])?(?![(:\[])"  # not a link "[1](…)", "[1]: …", "[1][2]"
)
_PAREN_NUMERIC_RE = re.compile(
    r"(?<![\w(])\((?P<body>\d{1,3}(?:\s*[-–—]\s*\d{1,3})?(?:\s*,\s*\d{1,3}(?:\s*[-–—]\s*\d{1,3})?)*)\)"
)
_ET_AL_RE = re.compile(r",?\s+et\s+al\.?", re.IGNORECASE)
_NAME_SPLIT_RE = re.compile(r"\s*(?:,|;|\band\b|&|\bund\b|\bet\b|\by\b)\s*", re.IGNORECASE)
_STOP = frozenset(
    {"the", "of", "for", "and", "in", "on", "a", "an", "to", "at", "de", "la", "le", "der", "und"}
)


def norm(text: str) -> str:
    """Compare form of a name: ASCII-folded, lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]+", "", ascii_fold(text).lower())


def _words(text: str) -> list[str]:
    return [w for w in (norm(x) for x in re.split(r"[\s/\-–—:,.;]+", text)) if w]


# -- finding -------------------------------------------------------------------------------------


class _Lines:
    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def offset(self, line: int) -> int:
        return self.starts[min(max(line - 1, 0), len(self.starts) - 1)]


def _plausible_names(names: str) -> bool:
    names = names.strip()
    if not names or len(names) > 160 or len(names.split()) > 14:
        return False
    first = names[0]
    if not (first.isupper() or re.match(rf"{_PARTICLES}\s+[{_UP}]", names) or first in "\"“'‘"):
        return False
    if _NOT_NAMES.match(names):
        return False
    words = names.split()
    if re.search(r"\d", names) and len(words) < 3:
        return False
    if re.search(r"[=<>+*%$€£§]", names):
        return False  # "(N = 2020)", "(p < 2020)": not names
    return any(sum(ch.isalpha() for ch in w) >= 2 for w in words)


def _split_years(years: str) -> list[str]:
    """ "2019a, b, 2020" -> ["2019a", "2019b", "2020"]."""
    out: list[str] = []
    for y in (y.strip() for y in re.split(r"\s*[,/]\s*", years)):
        if re.fullmatch(r"[a-z]", y) and out and re.match(r"\d{4}[a-z]$", out[-1]):
            out.append(out[-1][:4] + y)
        elif y:
            out.append(y)
    return out


def find_citations(
    text: str,
    skip: tuple[int, int] | None = None,
    *,
    numeric_parens: bool = False,
    labels: Sequence[str] = (),
    keep_weak: bool = False,
) -> list[Citation]:
    """Every in-text citation of the text, in order. ``skip`` is a (first, last) line range
    (1-based, inclusive) not to scan, normally the reference section. ``numeric_parens`` also
    reads "(3)" as a citation (Vancouver); ``labels`` are a list's non-numeric labels ("[Smi20]")."""
    lines = _Lines(text)
    lo, hi = (
        (
            lines.offset(skip[0]),
            lines.offset(skip[1] + 1) if skip[1] < len(lines.starts) else len(text),
        )
        if skip
        else (-1, -1)
    )
    found: list[Citation] = []

    def skipped(pos: int) -> bool:
        return lo <= pos < hi

    # parenthetical and narrative author-year
    for m in re.finditer(r"[(\[](?P<body>[^()\[\]]{2,500})[)\]]", text):
        if skipped(m.start()):
            continue
        if m.group(0)[0] == "[" and not re.search(_YEAR, m.group("body")):
            continue  # a numeric citation or a link without a year: handled below
        # "[Smith, 2020](#ref)": a linked citation is read from its link text
        body = m.group("body")
        body_start = m.start("body")
        pos = 0
        for part in re.split(r";", body):
            part_start = body_start + pos + (len(part) - len(part.lstrip()))
            pos += len(part) + 1
            found.extend(_parse_part(text, part.strip(), part_start, m.start(), lines))
    # numeric
    for m in _NUMERIC_RE.finditer(text):
        if skipped(m.start()):
            continue
        for n in _expand_numbers(m.group("body"), m.group("to")):
            found.append(
                Citation(
                    f"[{n}]",
                    lines.line(m.start()),
                    CitationStyle.NUMERIC,
                    number=n,
                    start=m.start(),
                    end=m.end(),
                )
            )
    if numeric_parens:
        for m in _PAREN_NUMERIC_RE.finditer(text):
            if skipped(m.start()):
                continue
            for n in _expand_numbers(m.group("body"), None):
                found.append(
                    Citation(
                        f"({n})",
                        lines.line(m.start()),
                        CitationStyle.NUMERIC,
                        number=n,
                        start=m.start(),
                        end=m.end(),
                    )
                )
    for label in labels:
        if label.isdigit():
            continue
        for m in re.finditer(r"\[" + re.escape(label) + r"\]", text):
            if not skipped(m.start()):
                found.append(
                    Citation(
                        f"[{label}]",
                        lines.line(m.start()),
                        CitationStyle.NUMERIC,
                        names=(label,),
                        start=m.start(),
                        end=m.end(),
                    )
                )
    if not keep_weak:
        found = [c for c in found if not _weak(text, c)]
    found.sort(key=lambda c: (c.start, c.end))
    return found


def _weak(text: str, c: Citation) -> bool:
    """Counted only when it resolves to an entry: a narrative citation after "the"/"this", or
    "names" holding a number ("(Law No. 5 of 2020)", but "(The 2020 War 2021)" may be a title)."""
    if c.style is CitationStyle.NARRATIVE and _after_determiner(text, c.start):
        return True
    return c.style is not CitationStyle.NUMERIC and any(ch.isdigit() for n in c.names for ch in n)


def _expand_numbers(body: str, to: str | None) -> list[int]:
    out: list[int] = []
    for piece in re.split(r"\s*[,;]\s*", body.strip()):
        r = re.match(r"(\d+)\s*[-–—]\s*(\d+)$", piece)
        if r:
            a, b = int(r.group(1)), int(r.group(2))
            out.extend(range(a, b + 1) if 0 < b - a <= 50 else [a, b])
        elif piece.isdigit():
            out.append(int(piece))
    if to and out and 0 < int(to) - out[-1] <= 50:
        out.extend(range(out[-1] + 1, int(to) + 1))
    return out


def _parse_part(text: str, part: str, start: int, paren: int, lines: _Lines) -> list[Citation]:
    """One ';'-separated part of a bracket: "Welt and Bowen 2021", "2020a", "Rose 1998, p. 12"."""
    while True:
        m = _PREFIX_RE.match(part)
        if not m:
            break
        start += m.end()
        part = part[m.end() :]
    part = re.sub(r"(?<=\d)\.$", "", part.rstrip(" ,"))  # "(Rose 1998.)" but "(Kim n.d.)" kept
    ym = _YEARS_RE.match(part)
    if ym:  # only years: narrative ("Rose (1998)") or year-only ("(2020a)")
        years = _split_years(ym.group("years"))
        loc = (ym.group("loc") or "").strip()
        before = text[max(0, paren - 160) : paren]
        before = before.split("\n\n")[-1].replace("\n", " ")
        if text[paren : paren + 1] == "[" and before.rstrip().endswith("("):
            before = before.rstrip()[:-1]  # "Smith ([2020](#ref))"
        nm = _NARRATIVE_RE.search(before.rstrip())
        names = _narrative_names(before, nm) if nm else ""
        out = []
        for y in years:
            if names and nm:  # (names come from nm)
                written = f"{names} ({y}{', ' + loc if loc else ''})"
                out.append(
                    _make(
                        written,
                        names,
                        y,
                        loc,
                        CitationStyle.NARRATIVE,
                        paren - len(before) + nm.start("names"),
                        start + len(part),
                        lines,
                    )
                )
            elif re.search(r"[a-z]$", y) or loc:
                out.append(
                    _make(
                        part,
                        "",
                        y,
                        loc,
                        CitationStyle.PARENTHETICAL,
                        start,
                        start + len(part),
                        lines,
                    )
                )
        return out
    am = _AUTHOR_YEAR_RE.match(part)
    if not am:
        return []
    names = am.group("names").strip().rstrip(",").strip()
    rest = part[am.end() :]
    ym = _YEARS_RE.match(rest)
    if not ym or not _plausible_names(names):
        return []
    loc = (ym.group("loc") or "").strip()
    out = []
    if loc and re.match(rf"^[{_UP}][^\d]*\s{_YEAR}\b", loc):  # "Smith 2019, Jones 2020"
        sub_start = start + part.index(loc)
        out_more = _parse_part(text, loc, sub_start, paren, lines)
        loc = ""
    else:
        out_more = []
    for y in _split_years(ym.group("years")):
        written = (
            part if len(_split_years(ym.group("years"))) == 1 and not out_more else f"{names} {y}"
        )
        out.append(
            _make(
                written, names, y, loc, CitationStyle.PARENTHETICAL, start, start + len(part), lines
            )
        )
    return out + out_more


def _narrative_names(before: str, m: re.Match[str]) -> str:
    names = re.sub(r"['’]s$", "", m.group("names").strip())
    words = names.split()
    # drop sentence words that happen to be capitalised ("According", "In")
    while words and words[0].lower() in _SENTENCE_WORDS:
        words = words[1:]
    names = " ".join(words)
    if not names or not _plausible_names(names):
        return ""
    return names


def _after_determiner(text: str, start: int) -> bool:
    """ "the Bishkek Protocol (1994)": a name after "the" is more often a thing than an author."""
    words = text[max(0, start - 20) : start].split()
    return bool(words) and words[-1].lower() in _DETERMINERS


def _make(
    written: str,
    names: str,
    year: str,
    loc: str,
    style: CitationStyle,
    start: int,
    end: int,
    lines: _Lines,
) -> Citation:
    et_al = bool(_ET_AL_RE.search(names))
    bare = _ET_AL_RE.sub("", names).strip()
    parts = tuple(p for p in (x.strip() for x in _NAME_SPLIT_RE.split(bare)) if p) if bare else ()
    if et_al:
        parts = (*parts, "et al.")
    return Citation(
        written.strip(),
        lines.line(start),
        style,
        names=parts,
        year=year,
        locator=loc,
        start=start,
        end=end,
    )


# -- resolving -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    key: str
    year: str
    suffix: str
    families: tuple[str, ...]
    corporate: tuple[tuple[str, ...], ...]  # word lists of corporate authors
    title: str
    title_words: tuple[str, ...]
    n_people: int
    label: str
    position: int


def _targets(entries: Sequence[BibEntry], raws: Sequence[RawReference]) -> list[_Target]:
    out = []
    for i, e in enumerate(entries):
        ref = e.reference
        people = ref.authors or ref.editors
        # the parser's fields first; when it found no year or no names, read them off the raw
        # text, so that a badly parsed entry can still be cited
        m = re.search(r"\d{4}", ref.year or "") or re.search(
            r"(?<!\d)(?:1[5-9]\d\d|20\d\d)(?!\d)", ref.raw
        )
        year = m.group(0) if m else ""
        base_suffix = re.match(r".*?\d{4}([a-z]+)\d*$", e.key)
        suffix = (ref.year_suffix or (base_suffix.group(1) if base_suffix else "")).lower()
        label = raws[i].label if i < len(raws) else ""
        out.append(
            _Target(
                key=e.key,
                year=year,
                suffix=suffix,
                families=tuple(norm(p.last or p.family) for p in people if not p.corporate)
                or _raw_family(ref.raw),
                corporate=tuple(tuple(_words(p.family)) for p in people if p.corporate),
                title=norm(ref.title),
                title_words=tuple(_words(ref.title)),
                n_people=len(people),
                label=label,
                position=i + 1,
            )
        )
    return out


def _raw_family(raw: str) -> tuple[str, ...]:
    """ "Smith, J. …" -> ("smith",): the first name-like word of a reference the parser missed."""
    m = re.match(rf"^\W*({_CAPWORD})", raw)
    return (norm(m.group(1)),) if m else ()


def _sim(cited: str, family: str) -> float:
    if not cited or not family:
        return 0.0
    if cited == family:
        return 1.0
    best = fuzz.ratio(cited, family) / 100
    # a name cut short by a letter or two ("Rác" for "Rácz"), not a different name ("Kim", "Kimball")
    if len(cited) >= 3 and family.startswith(cited) and len(family) - len(cited) <= 2:
        best = max(best, 0.9)
    if len(family) >= 3 and cited.startswith(family) and len(cited) - len(family) <= 2:
        best = max(best, 0.85)
    return best if best >= 0.75 else best * 0.5


def _name_score(c: Citation, t: _Target) -> tuple[float, str]:
    et_al = "et al." in c.names
    names = [n for n in c.names if n != "et al."]
    whole = " ".join(names)
    scores: list[tuple[float, str]] = []
    # people: every cited name against the entry's family names
    if t.families and names:
        per = []
        for i, n in enumerate(names[:4]):
            tokens = [norm(n)] + ([norm(w) for w in n.split()] if len(n.split()) > 1 else [])
            best = max(_sim(tok, f) for tok in tokens for f in t.families)
            if i == 0 and t.families:
                best = max(best * 0.95, max(_sim(tok, t.families[0]) for tok in tokens))
            per.append(best)
        s = sum(per) / len(per)
        # how many people: "et al." wants 3+, "A and B" wants 2, one name wants 1
        if et_al:
            s += 0.03 if t.n_people >= 3 else (0.0 if t.n_people == 2 else -0.05)
        elif len(names) >= 2:
            s += 0.03 if t.n_people == len(names) else -0.05
        else:
            s += 0.03 if t.n_people == 1 else -0.02
        scores.append((s, "author"))
    # corporate authors: cited by the whole name, part of it or its initials
    cw = [w for w in _words(whole) if w not in _STOP]
    for corp in t.corporate:
        sig = [w for w in corp if w not in _STOP]
        if not cw or not sig:
            continue
        if norm(whole) == "".join(corp) or cw == sig:
            scores.append((1.0, "corporate author"))
        elif all(any(_sim(w, x) >= 0.9 for x in sig) for w in cw):
            scores.append((0.92, "part of the corporate author's name"))
        elif len(norm(whole)) >= 3 and "".join(w[0] for w in sig).startswith(norm(whole)):
            scores.append((0.9, "initials of the corporate author"))
    # works cited by their title
    if t.title and whole:
        nw = norm(whole)
        if nw == t.title:
            scores.append((1.0, "title"))
        elif len(cw) >= 2:
            r = fuzz.ratio(nw, t.title) / 100
            if r >= 0.9 or (len(nw) >= 12 and t.title.startswith(nw)):
                scores.append((max(r, 0.9), "title"))
    if not scores:
        return 0.0, ""
    return max(scores)


def resolve(c: Citation, targets: Sequence[_Target], text: str = "") -> ResolvedCitation:
    """One citation -> the key of the entry it cites, or None (with the reason)."""
    if c.style is CitationStyle.NUMERIC:
        if c.number is None:
            label = c.names[0] if c.names else ""
            hit = next((t for t in targets if t.label == label), None)
        else:
            hit = next((t for t in targets if t.label == str(c.number)), None)
            if hit is None and not any(t.label for t in targets) and 0 < c.number <= len(targets):
                hit = targets[c.number - 1]
        if hit is None:
            return ResolvedCitation(c, None, 0.0, "no entry with this number")
        return ResolvedCitation(c, hit.key, 1.0, "number")
    ym = re.match(r"(\d{4})([a-z]?)", c.year or "")
    year, suffix = (ym.group(1), ym.group(2)) if ym else ("", "")
    nd = not ym and bool(re.match(r"n\.?\s?d", c.year or "", re.I))
    pool = [t for t in targets if (t.year == year if year else nd and not t.year)]
    if suffix:
        exact = [t for t in pool if t.suffix == suffix]
        pool = exact or [t for t in pool if not t.suffix]
    if not c.names:  # "(2020a)": the only entry of that year, or the one named just before
        if len(pool) == 1:
            return ResolvedCitation(c, pool[0].key, 0.85, "the only entry of this year")
        context = set(_words(text[max(0, c.start - 200) : c.start])) if text else set()
        named = [t for t in pool if set(t.families) & context]
        if len(named) == 1:
            return ResolvedCitation(c, named[0].key, 0.85, "named just before")
        return ResolvedCitation(c, None, 0.0, "a year alone, and no single entry it can be")
    scored = sorted(((_name_score(c, t), t) for t in pool), key=lambda x: -x[0][0])
    if not scored or scored[0][0][0] < MIN_SCORE:
        near = _near_miss(c, targets)
        return ResolvedCitation(
            c,
            None,
            scored[0][0][0] if scored else 0.0,
            f"no entry for {' '.join(n for n in c.names)} {c.year}{near}".strip(),
        )
    (score, why), best = scored[0]
    reason = why
    if why == "author":
        c = _trim_narrative(c, best)
    rivals = [t.key for (s, _), t in scored[1:] if s >= score - 0.005]
    if rivals:
        reason += f"; ambiguous, also {', '.join(rivals)}"
    return ResolvedCitation(c, best.key, round(min(score, 1.0), 3), reason)


def _trim_narrative(c: Citation, t: _Target) -> Citation:
    """ "Wie Müller (2003)" -> "Müller (2003)": drop the capitalised words before the author."""
    if c.style is not CitationStyle.NARRATIVE or len(c.names) != 1 or len(c.names[0].split()) < 2:
        return c
    words = c.names[0].split()
    first = next(
        (i for i, w in enumerate(words) if any(_sim(norm(w), f) >= 0.8 for f in t.families)), 0
    )
    if first == 0:
        return c
    kept = " ".join(words[first:])
    cut = c.text.find(kept)
    if cut <= 0:
        return c
    return replace(c, text=c.text[cut:], names=(kept,), start=c.start + cut)


def _near_miss(c: Citation, targets: Sequence[_Target]) -> str:
    """A hint when the names match an entry of another year."""
    for t in targets:
        s, _ = _name_score(c, t)
        if s >= 0.95 and t.year:
            return f" (names match {t.key}, of {t.year})"
    return ""


def resolve_all(
    citations: Sequence[Citation],
    entries: Sequence[BibEntry],
    raws: Sequence[RawReference] = (),
    text: str = "",
) -> list[ResolvedCitation]:
    targets = _targets(entries, raws)
    return [resolve(c, targets, text) for c in citations]


def audit(text: str, parsed: ParsedReferences) -> Audit:
    """Find and resolve every citation of the document's body; list the entries never cited."""
    skip = parsed.section.span if parsed.section is not None else None
    labels = [r.label for r in parsed.raws if r.label]
    numbered = bool(labels) and all(lab.isdigit() for lab in labels)
    citations = find_citations(
        text,
        skip,
        numeric_parens=numbered and not _NUMERIC_RE.search(text),
        labels=[lab for lab in labels if not lab.isdigit()],
        keep_weak=True,
    )
    if not numbered and any(c.style is not CitationStyle.NUMERIC for c in citations):
        # an author-year paper with an unnumbered list: "[1]" in its body are footnote marks
        citations = [c for c in citations if c.style is not CitationStyle.NUMERIC or c.names]
    resolved = [
        r
        for r in resolve_all(citations, parsed.entries, parsed.raws, text)
        if r.key is not None or not _weak(text, r.citation)
    ]
    cited = {r.key for r in resolved if r.key}
    return Audit(resolved, [e.key for e in parsed.entries if e.key not in cited])
