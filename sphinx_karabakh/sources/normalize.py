"""Normalise text for comparison while keeping a map back to raw file offsets.

What flows: ``raw text -> Normalized(text, segments)``; every character of ``Normalized.text``
knows the raw span it came from, so a match found in normalised text is reported as a
``(start, end)`` in the file (the approach of the Hypothesis client's ``normalize.ts`` /
``match-quote.ts``).  Only typography is normalised: whitespace runs, quote marks and
apostrophes, dashes, ellipses, a few invisible characters and ligatures, Unicode composition
(text compares in NFC), and -- for Markdown sources -- the markup itself, which a real CommonMark
parser removes first (``markdown.py``).  Case is kept; ``Normalized.lower`` is a same-length
lower-cased copy.

A word hyphenated at a line end (``self-\\ndetermination``, ``negoti-\\nations``) is joined
without its hyphen, and the place is kept in ``Normalized.soft``: a hyphen there may be the
source's own, so the matcher accepts both spellings.

Each step (Markdown text, NFC, typography) is a ``Normalized`` over the previous step's text;
``compose`` chains the maps, so the result always maps to the raw file.  The map is stored as
segments rather than one integer per character, so normalising a 50 MB corpus costs a regex
pass, not a Python loop per character.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

_QUOTE_CHARS = '‘’‚‛′`´“”„‟″«»‹›"'
_DASH_CLASS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}

# Typography.  Order matters: the first alternative that matches at a position wins.
_RULES = [
    # a word hyphenated at a line end: "negoti-\nations" is joined, the place remembered
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

_LEAD = (
    r"[\s\-.'"
    + _INVISIBLE
    + re.escape(_QUOTE_CHARS)
    + _DASH_CLASS
    + "…"
    + "".join(_LIGATURES)
    + "]"
)
# One alternation behind a look-ahead for the characters a rule can start with: plain letters
# are then skipped at C speed (four times faster on prose).
_RX = re.compile(f"(?={_LEAD})(?:" + "|".join(f"(?P<{n}>{rx})" for n, rx in _RULES) + ")")


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
    raise AssertionError(kind)


def _lower_same_length(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


Segment = tuple[int, int, int, bool]


@dataclass(frozen=True)
class Normalized:
    """Normalised text plus its map to raw offsets.

    ``segments`` are ``(nstart, rstart, rend, linear)``: a linear segment copies raw text from
    ``rstart`` one-to-one; a replacement segment maps all its characters to ``rstart..rend``.
    ``soft`` are the normalised offsets where a line-end hyphen was taken out.
    """

    text: str
    segments: tuple[Segment, ...] = ()
    _nstarts: tuple[int, ...] = field(default=(), repr=False, compare=False)
    soft: tuple[int, ...] = ()

    @property
    def lower(self) -> str:
        cached = self.__dict__.get("_lower")
        if cached is None:
            cached = _lower_same_length(self.text)
            object.__setattr__(self, "_lower", cached)
        return cached

    def is_soft(self, n: int) -> bool:
        """Was a line-end hyphen taken out just before normalised character ``n``?"""
        i = bisect_left(self.soft, n)
        return i < len(self.soft) and self.soft[i] == n

    def _seg(self, n: int) -> Segment:
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
        segs: list[Segment] = []
        k = max(bisect_right(self._nstarts, nstart) - 1, 0)
        for idx in range(k, len(self.segments)):
            ns, rs, re_, lin = self.segments[idx]
            if ns >= nend:
                break
            seg_end = ns + (re_ - rs) if lin else self._seg_end(idx)
            if seg_end <= nstart:
                continue
            if lin:
                lo = max(ns, nstart)
                hi = min(seg_end, nend)
                segs.append((lo - nstart, rs + (lo - ns), rs + (hi - ns), True))
            else:
                segs.append((max(ns, nstart) - nstart, rs, re_, False))
        soft = tuple(p - nstart for p in self.soft if nstart < p < nend)
        return _make(self.text[nstart:nend], segs, soft)

    def _seg_end(self, idx: int) -> int:
        return self.segments[idx + 1][0] if idx + 1 < len(self.segments) else len(self.text)


def _make(text: str, segs: list[Segment], soft: Iterable[int] = ()) -> Normalized:
    return Normalized(text, tuple(segs), tuple([s[0] for s in segs]), tuple(soft))


def identity(raw: str, start: int = 0, end: int | None = None) -> Normalized:
    """``raw[start:end]`` as it is, mapped to its own offsets (the first step of a pipeline)."""
    end = len(raw) if end is None else end
    if end <= start:
        return _make("", [])
    return _make(raw[start:end], [(0, start, end, True)])


class _Builder:
    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.segs: list[Segment] = []
        self.soft: list[int] = []
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

    def feed(self, raw: str, start: int, end: int) -> None:
        pos = start
        for m in _RX.finditer(raw, start, end):
            kind = m.lastgroup or ""
            self.copy(raw, pos, m.start())
            rep = _replacement(kind, m.group())
            if kind == "hyph":
                self.soft.append(self.n)
            if rep == " " and self.last_char() in ("", " ", "-"):
                rep = ""  # no doubled or leading space
            if rep == "-" and self.last_char() == " ":
                self.drop_last_char()
            self.put(rep, m.start(), m.end())
            pos = m.end()
        self.copy(raw, pos, end)

    def build(self) -> Normalized:
        text = "".join(self.pieces)
        norm = _make(text, self.segs, self.soft)
        # trim outer spaces (markup removal may leave them)
        lead = len(text) - len(text.lstrip(" "))
        trail = len(text) - len(text.rstrip(" "))
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
    shift: list[tuple[int, int]] = []  # (old offset, characters removed before it)
    removed = 0
    for m in _DOUBLE_SPACE.finditer(norm.text):
        _copy_from(b, norm, pos, m.start())
        keep = m.group() if m.group() == " " else " "
        if keep == " " and m.group().startswith(" ") and norm.text[m.end() : m.end() + 1] == "-":
            keep = ""
        if keep:
            rs, re_ = norm.raw_span(m.start(), m.start() + 1)
            b.put(" ", rs, re_)
        removed += len(m.group()) - len(keep)
        shift.append((m.end(), removed))
        pos = m.end()
    _copy_from(b, norm, pos, len(norm.text))
    soft = []
    for p in norm.soft:
        k = bisect_right([s for s, _ in shift], p) - 1
        soft.append(p - (shift[k][1] if k >= 0 else 0))
    return _make("".join(b.pieces), b.segs, soft)


def _copy_from(b: _Builder, norm: Normalized, start: int, end: int) -> None:
    if end <= start:
        return
    sub = norm.slice(start, end)
    for ns, rs, re_, lin in sub.segments:
        b.segs.append((b.n + ns, rs, re_, lin))
    b.pieces.append(sub.text)
    b.n += len(sub.text)


# --- composition of steps ---------------------------------------------------------------------


def compose(outer: Normalized, inner: Normalized) -> Normalized:
    """``outer`` normalises ``inner.text``; the result maps ``outer.text`` to ``inner``'s raw."""
    if len(inner.segments) == 1 and inner.segments[0][3] and inner.segments[0][0] == 0:
        base = inner.segments[0][1]  # inner is a plain slice of raw: shift
        shifted = [(ns, rs + base, re_ + base, lin) for ns, rs, re_, lin in outer.segments]
        return _make(outer.text, shifted, outer.soft)
    segs: list[Segment] = []
    for ns, rs, re_, lin in outer.segments:
        if not lin:
            a, b = inner.raw_span(rs, re_) if re_ > rs else (inner.raw_start(rs),) * 2
            segs.append((ns, a, b, False))
            continue
        sub = inner.slice(rs, re_)
        for sns, srs, sre, slin in sub.segments:
            segs.append((ns + sns, srs, sre, slin))
    return _make(outer.text, segs, outer.soft)


def _typography(text: str) -> Normalized:
    b = _Builder()
    b.feed(text, 0, len(text))
    return b.build()


@lru_cache(maxsize=1)
def _nfc_rx() -> re.Pattern[str]:
    """Characters NFC may change: combining marks (and Hangul vowels/finals, which compose with
    what precedes them) and the singletons that NFC replaces (U+212B ANGSTROM SIGN -> Å).

    Built once, on the first text that is not already NFC (a scan of the code space, ~0.5 s).
    """
    attach: list[str] = []
    alone: list[str] = []
    for cp in range(0x80, 0x30000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        if unicodedata.combining(c) or 0x1161 <= cp <= 0x11C2:
            attach.append(c)
        elif unicodedata.normalize("NFC", c) != c:
            alone.append(c)
    cls = "".join(re.escape(c) for c in attach)
    single = "".join(re.escape(c) for c in alone)
    return re.compile(f"[^{cls}]?[{cls}]+|[{single}]")


def nfc(text: str) -> Normalized:
    """``text`` composed to NFC, each changed run mapped to the raw characters it came from."""
    b = _Builder()
    pos = 0
    for m in _nfc_rx().finditer(text):
        run = m.group()
        composed = unicodedata.normalize("NFC", run)
        if composed == run:
            continue
        b.copy(text, pos, m.start())
        b.put(composed, m.start(), m.end())
        pos = m.end()
    b.copy(text, pos, len(text))
    return _make("".join(b.pieces), b.segs)


def typography(text: str) -> Normalized:
    """Typography-only normalisation of plain text (NFC first when the text needs it)."""
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return _typography(text)
    pre = nfc(text)
    return compose(_typography(pre.text), pre)


def normalize(text: str, markdown: bool = False) -> Normalized:
    """Normalise ``text`` (typography; Markdown markup when ``markdown``) with an offset map."""
    if markdown:
        from sphinx_karabakh.sources.markdown import markdown_text

        ext = markdown_text(text)
        return compose(typography(ext.text), ext)
    return typography(text)


def normalize_extracted(ext: Normalized) -> Normalized:
    """Typography over text already extracted from a source (``ext`` maps it to raw offsets)."""
    return compose(typography(ext.text), ext)


def fold_quote_marks(text: str) -> str:
    """Map every quote mark and apostrophe to ``'`` (used for typed quotes)."""
    return re.sub(f"[{re.escape(_QUOTE_CHARS)}]", "'", text)


def join(parts: Iterable[Normalized], sep: str = " ") -> Normalized:
    """Join steps' texts with ``sep`` (mapped to an empty span where the next part starts)."""
    b = _Builder()
    soft: list[int] = []
    for part in parts:
        if not part.text:
            continue
        if b.n and sep:
            r = part.raw_start(0)
            b.put(sep, r, r)
        soft.extend(b.n + p for p in part.soft)
        for ns, rs, re_, lin in part.segments:
            b.segs.append((b.n + ns, rs, re_, lin))
        b.pieces.append(part.text)
        b.n += len(part.text)
    return _make("".join(b.pieces), b.segs, soft)


def concat(norms: Iterable[Normalized]) -> Normalized:
    """Join normalised texts with one space (a range of passages); maps stay absolute."""
    return join(norms, " ")
