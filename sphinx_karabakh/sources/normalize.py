"""Normalise text for comparison while keeping a map back to raw file offsets.

What flows: ``raw text -> Normalized(text, segments)``; every character of ``Normalized.text``
knows the raw span it came from, so a match found in normalised text is reported as a
``(start, end)`` in the file (the approach of the Hypothesis client's ``normalize.ts`` /
``match-quote.ts``).  Only typography is normalised: whitespace runs, quote marks and
apostrophes, dashes, ellipses, a few invisible characters and ligatures, and (for Markdown
sources) the markup itself.  Case is kept; ``Normalized.lower`` is a same-length lower-cased copy.

The map is stored as segments rather than one integer per character, so normalising a
50 MB corpus costs a regex pass, not a Python loop per character.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

_QUOTE_CHARS = '‘’‚‛′`´“”„‟″«»‹›"'
_DASH_CLASS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}

# Typography common to every format.  Order matters: the first alternative that matches at a
# position wins.
_COMMON = [
    # a word hyphenated at a line end (text from PDFs): "negoti-\nations" is "negotiations"
    ("hyph", r"(?<=[^\W\d_])-[ \t]*\r?\n[ \t]*(?=[^\W\d_A-Z])"),
    ("ws", r"\s{2,}|[^\S ]"),
    ("inv", f"[{_INVISIBLE}]+"),
    # a run of marks (nested "'…'" or a doubled '') counts as one
    ("quote", f"[{re.escape(_QUOTE_CHARS)}']{{2,}}|[{re.escape(_QUOTE_CHARS)}]"),
    (
        "dash",
        rf"\s+[-{_DASH_CLASS}](?:\s*[-{_DASH_CLASS}])*\s*"
        rf"|[-{_DASH_CLASS}](?:\s*[-{_DASH_CLASS}])+\s*|[{_DASH_CLASS}]\s*|-\s+",
    ),
    ("ell", r"(?:…|\.(?=\s*[.…]\s*[.…]|\s*…))(?:\s*[.…])*"),
    ("lig", "[" + "".join(_LIGATURES) + "]"),
]
# Markdown markup, tried before the common rules.
_MARKDOWN = [
    ("mdline", r"(?m:^)[ \t]{0,3}(?:#{1,6}[ \t]+|>[ \t]?|(?:[-+*]|\d{1,3}[.)])[ \t]+)"),
    ("mdlinkopen", r"!?\[(?=[^\]\n]*\]\([^)\n]*\))"),
    ("mdlinkclose", r"\]\([^)\n]*\)"),
    ("mdauto", r"<(?:https?|mailto|ftp):[^>\s]+>"),
    ("mdhtml", r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>\n]*)?/?>"),
    ("mdfoot", r"\[\^[^\]\s]{1,40}\]"),
    ("mdesc", r"\\[!-/:-@\[-`{-~]"),
    ("mdent", r"&(?:[A-Za-z][A-Za-z0-9]{1,30}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});"),
    ("mdcode", r"`+"),
    ("mdstar", r"\*+"),
    ("mdunder", r"(?<!\w)_{1,3}(?=\S)|(?<=\S)_{1,3}(?!\w)"),
]


def _compile(rules: list[tuple[str, str]], lead: str) -> re.Pattern[str]:
    """One alternation of ``rules``, behind a look-ahead for the characters a rule can start
    with: plain letters are then skipped at C speed (four times faster on prose)."""
    body = "|".join(f"(?P<{name}>{rx})" for name, rx in rules)
    return re.compile(f"(?={lead})(?:{body})")


_LEAD_TEXT = (
    r"[\s\-.'"
    + _INVISIBLE
    + re.escape(_QUOTE_CHARS)
    + _DASH_CLASS
    + "…"
    + "".join(_LIGATURES)
    + "]"
)
_LEAD_MARKDOWN = r"(?m:^)|[\[\]!<\\*_&`]|" + _LEAD_TEXT

_RX_TEXT = _compile(_COMMON, _LEAD_TEXT)
_RX_MARKDOWN = _compile(_MARKDOWN + _COMMON, _LEAD_MARKDOWN)


def _replacement(kind: str, s: str) -> str:
    if kind == "ws":
        return " "
    if kind in ("inv", "hyph"):
        return ""
    if kind == "quote":
        return "'"
    if kind == "dash":
        return "-"
    if kind == "ell":
        return "..."
    if kind == "lig":
        return _LIGATURES[s]
    if kind == "mdesc":
        return s[1]
    if kind == "mdent":
        char = html.unescape(s)
        return s if char == s else normalize(char).text or " "
    return ""  # markdown markup disappears


def _lower_same_length(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


@dataclass(frozen=True)
class Normalized:
    """Normalised text plus its map to raw offsets.

    ``segments`` are ``(nstart, rstart, rend, linear)``: a linear segment copies raw text from
    ``rstart`` one-to-one; a replacement segment maps all its characters to ``rstart..rend``.
    """

    text: str
    segments: tuple[tuple[int, int, int, bool], ...] = ()
    _nstarts: tuple[int, ...] = field(default=(), repr=False, compare=False)

    @property
    def lower(self) -> str:
        cached = self.__dict__.get("_lower")
        if cached is None:
            cached = _lower_same_length(self.text)
            object.__setattr__(self, "_lower", cached)
        return cached

    def _seg(self, n: int) -> tuple[int, int, int, bool]:
        k = bisect_right(self._nstarts, n) - 1
        return self.segments[max(k, 0)]

    def raw_start(self, n: int) -> int:
        """Raw offset of normalised character ``n``."""
        if not self.segments:
            return 0
        if n >= len(self.text):
            return self.segments[-1][2]
        nstart, rstart, _rend, linear = self._seg(n)
        return rstart + (n - nstart) if linear else rstart

    def raw_end(self, n_end: int) -> int:
        """Raw offset just after normalised character ``n_end - 1``."""
        if not self.segments:
            return 0
        if n_end <= 0:
            return self.segments[0][1]
        nstart, rstart, rend, linear = self._seg(n_end - 1)
        return rstart + (n_end - nstart) if linear else rend

    def raw_span(self, nstart: int, nend: int) -> tuple[int, int]:
        """The raw ``(start, end)`` that normalised ``text[nstart:nend]`` came from."""
        if nend <= nstart:
            p = self.raw_start(nstart)
            return p, p
        return self.raw_start(nstart), self.raw_end(nend)

    def slice(self, nstart: int, nend: int) -> Normalized:
        """The normalised sub-text ``text[nstart:nend]`` with its map."""
        segs: list[tuple[int, int, int, bool]] = []
        for ns, rs, re_, lin in self.segments:
            length = (re_ - rs) if lin else None
            seg_end = ns + length if lin else self._seg_end(ns)
            if seg_end <= nstart or ns >= nend:
                continue
            if lin:
                lo = max(ns, nstart)
                hi = min(seg_end, nend)
                segs.append((lo - nstart, rs + (lo - ns), rs + (hi - ns), True))
            else:
                segs.append((max(ns, nstart) - nstart, rs, re_, False))
        return _make(self.text[nstart:nend], segs)

    def _seg_end(self, ns: int) -> int:
        k = bisect_right(self._nstarts, ns)
        return self._nstarts[k] if k < len(self._nstarts) else len(self.text)


def _make(text: str, segs: list[tuple[int, int, int, bool]]) -> Normalized:
    return Normalized(text, tuple(segs), tuple(s[0] for s in segs))


class _Builder:
    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.segs: list[tuple[int, int, int, bool]] = []
        self.n = 0

    def copy(self, raw: str, rstart: int, rend: int) -> None:
        if rend <= rstart:
            return
        self.pieces.append(raw[rstart:rend])
        self.segs.append((self.n, rstart, rend, True))
        self.n += rend - rstart

    def put(self, s: str, rstart: int, rend: int) -> None:
        if not s:
            return
        self.pieces.append(s)
        self.segs.append((self.n, rstart, rend, False))
        self.n += len(s)

    def drop_last_char(self) -> None:
        """Take back the last normalised character (a space before a dash)."""
        self.pieces[-1] = self.pieces[-1][:-1]
        self.n -= 1
        ns, rs, re_, linear = self.segs[-1]
        if not self.pieces[-1]:
            self.pieces.pop()
            self.segs.pop()
        elif linear:
            self.segs[-1] = (ns, rs, re_ - 1, True)

    def last_char(self) -> str:
        return self.pieces[-1][-1] if self.pieces else ""

    def feed(self, raw: str, start: int, end: int, markdown: bool) -> None:
        rx = _RX_MARKDOWN if markdown else _RX_TEXT
        pos = start
        for m in rx.finditer(raw, start, end):
            kind = m.lastgroup or ""
            self.copy(raw, pos, m.start())
            if kind == "mdauto":  # <https://…> keeps the address itself
                self.copy(raw, m.start() + 1, m.end() - 1)
                pos = m.end()
                continue
            rep = _replacement(kind, m.group())
            if rep == " " and self.last_char() in ("", " ", "-"):
                rep = ""  # no doubled or leading space
            if rep == "-" and self.last_char() == " ":
                self.drop_last_char()
            self.put(rep, m.start(), m.end())
            pos = m.end()
        self.copy(raw, pos, end)

    def build(self) -> Normalized:
        text = "".join(self.pieces)
        segs = self.segs
        # trim outer spaces (markup removal may leave them)
        lead = len(text) - len(text.lstrip(" "))
        trail = len(text) - len(text.rstrip(" "))
        norm = _make(text, segs)
        if lead or trail:
            norm = norm.slice(lead, len(text) - trail)
        return _collapse_spaces(norm)


_DOUBLE_SPACE = re.compile(r" {2,}| (?=-)")


def _collapse_spaces(norm: Normalized) -> Normalized:
    """Markup removal can leave ``a  b`` or ``a -``: collapse them (rare, so done afterwards)."""
    if "  " not in norm.text and " -" not in norm.text:
        return norm
    b = _Builder()
    pos = 0
    for m in _DOUBLE_SPACE.finditer(norm.text):
        _copy_from(b, norm, pos, m.start())
        keep = m.group() if m.group() == " " else " "
        if keep == " " and m.group().startswith(" ") and norm.text[m.end() : m.end() + 1] == "-":
            keep = ""
        if keep:
            rs, re_ = norm.raw_span(m.start(), m.start() + 1)
            b.put(" ", rs, re_)
        pos = m.end()
    _copy_from(b, norm, pos, len(norm.text))
    return _make("".join(b.pieces), b.segs)


def _copy_from(b: _Builder, norm: Normalized, start: int, end: int) -> None:
    if end <= start:
        return
    sub = norm.slice(start, end)
    for ns, rs, re_, lin in sub.segments:
        b.segs.append((b.n + ns, rs, re_, lin))
    b.pieces.append(sub.text)
    b.n += len(sub.text)


def normalize(text: str, markdown: bool = False) -> Normalized:
    """Normalise ``text`` (typography; Markdown markup when ``markdown``) with an offset map."""
    b = _Builder()
    b.feed(text, 0, len(text), markdown)
    return b.build()


def normalize_parts(
    raw: str, parts: Iterable[tuple[int, int]], markdown: bool = False
) -> Normalized:
    """Normalise the raw spans ``parts`` of ``raw`` joined by one space; offsets index ``raw``.

    A paragraph split by a page break is two parts: the page furniture between them is left out.
    """
    b = _Builder()
    for i, (start, end) in enumerate(parts):
        if i and b.last_char() not in ("", " "):
            b.put(" ", start, start)
        b.feed(raw, start, end, markdown)
    return b.build()


def fold_quote_marks(text: str) -> str:
    """Map every quote mark and apostrophe to ``'`` (used for typed quotes)."""
    return re.sub(f"[{re.escape(_QUOTE_CHARS)}]", "'", text)


def concat(norms: Iterable[Normalized]) -> Normalized:
    """Join normalised texts with one space (a range of passages); maps stay absolute."""
    b = _Builder()
    for norm in norms:
        if not norm.text:
            continue
        if b.n:
            r = norm.raw_start(0)
            b.put(" ", r, r)
        for ns, rs, re_, lin in norm.segments:
            b.segs.append((b.n + ns, rs, re_, lin))
        b.pieces.append(norm.text)
        b.n += len(norm.text)
    return _make("".join(b.pieces), b.segs)
