"""Match a typed quote against normalised passages: exact, with elisions/insertions, then fuzzy.

What flows: ``typed text -> TypedQuote (fragments and gaps) -> try each candidate Target ->
QuoteMatch``.  A *target* is one passage's normalised text (a paragraph, a sentence, a range, or
a whole web page for the link checker) plus the raw text it maps to.

Rules (issue 2): a quote is VERIFIED when, after typography-only normalisation, its fragments
appear in order inside one target, each editorial insertion ``[word]`` standing for at most a few
source words, and no elision or insertion hides a negation.  Case may differ only on the first
letter of a fragment.  Otherwise the closest span (rapidfuzz alignment) gives a MISQUOTE with a
word diff when it is similar enough -- the floor grows as quotes get shorter -- else NOT_FOUND.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz import fuzz, process

from sphinx_karabakh.sources.model import QuoteMatch, Verdict
from sphinx_karabakh.sources.normalize import Normalized, fold_quote_marks, normalize

#: Words whose loss flips the meaning of a clause.
_NEGATIONS_WORDS = (
    "not no never without nor neither none nobody nothing nowhere cannot can't won't don't "
    "doesn't didn't isn't aren't wasn't weren't hasn't haven't hadn't shouldn't wouldn't "
    "couldn't mustn't n't hardly barely scarcely"
)
NEGATIONS = frozenset(_NEGATIONS_WORDS.split())
_NEG_RX = re.compile(
    r"(?<![\w'])(?:"
    + "|".join(sorted((re.escape(w) for w in NEGATIONS), key=len, reverse=True))
    + r")(?![\w'])|n't\b"
)
_WORD = re.compile(r"\w+")
_ELISION = re.compile(r"\[ ?\.\.\.\.? ?\]|\( ?\.\.\.\.? ?\)|\.\.\.")
_INSERTION = re.compile(r"\[[^\[\]]{0,80}\]")
_ATTACHED_BRACKET = re.compile(r"\[([^\[\]\s]{1,3})\](?=\w)|(?<=\w)\[([^\[\]\s]{1,3})\]")
_EDGE_PUNCT = " .,;:'"
_MD_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^()\s]*\)")
MAX_INSERTION_WORDS = 4
#: The most source text an editorial insertion ``[Russia]`` may stand for.
INSERTION_CHARS = 80
#: Placements of an elided quote tried in one passage (the first without a hidden negation wins).
MAX_HITS = 16
#: Passages aligned word by word for a misquote (after a fast first pass over all candidates).
FUZZY_CANDIDATES = 3


@dataclass(frozen=True)
class Target:
    """A passage to match against: its ID, source, normalised text and the raw file text."""

    passage: str | None
    source: str | None
    norm: Normalized


@dataclass(frozen=True)
class TypedQuote:
    """A typed quote parsed into literal fragments and the gaps between them."""

    typed: str
    fragments: tuple[str, ...]  # case kept, normalised
    gaps: tuple[str, ...]  # "elide" | "insert", len == len(fragments) - 1
    words: int

    @property
    def simple(self) -> bool:
        return len(self.fragments) == 1

    @property
    def joined(self) -> str:
        return " ".join(self.fragments)

    @property
    def needles(self) -> tuple[str, ...]:
        """The fragments as searched for (any case): computed once, tried on every target."""
        cached = self.__dict__.get("_needles")
        if cached is None:
            cached = tuple(f.lower() for f in self.fragments)
            object.__setattr__(self, "_needles", cached)
        return cached

    @property
    def tokens(self) -> list[str]:
        return _WORD.findall(self.joined.lower())


def parse_quote(typed: str) -> TypedQuote:
    """Normalise a typed quote and split it at elisions and bracketed insertions."""
    # Markdown a quote may carry when copied from a Markdown source: [text](url) and **bold**
    typed_plain = _MD_LINK.sub(r"\1", typed).replace("**", "")
    text = normalize(typed_plain).text
    text = fold_quote_marks(text)
    text = _strip_enclosing_quotes(text)
    text = _ATTACHED_BRACKET.sub(lambda m: m.group(1) or m.group(2), text)
    pieces: list[str] = []
    gaps: list[str] = []
    pos = 0
    marks = sorted(
        [(m.start(), m.end(), "elide") for m in _ELISION.finditer(text)]
        + [
            (m.start(), m.end(), "insert")
            for m in _INSERTION.finditer(text)
            if not _ELISION.fullmatch(m.group())
        ]
    )
    last_end = 0
    for start, end, kind in marks:
        if start < last_end:
            continue
        pieces.append(text[pos:start])
        gaps.append(kind)
        pos = last_end = end
    pieces.append(text[pos:])
    fragments: list[str] = []
    kinds: list[str] = []
    pending: str | None = None
    for i, piece in enumerate(pieces):
        if i:
            pending = "elide" if "elide" in (pending, gaps[i - 1]) else gaps[i - 1]
        frag = piece.strip(" ")
        if i == 0:
            frag = frag.lstrip(_EDGE_PUNCT)
        if i == len(pieces) - 1:
            frag = frag.rstrip(_EDGE_PUNCT)
        if not _WORD.search(frag):
            continue
        if fragments:
            kinds.append(pending or "elide")
        fragments.append(frag)
        pending = None
    words = sum(len(_WORD.findall(f)) for f in fragments)
    return TypedQuote(typed, tuple(fragments), tuple(kinds), words)


def _strip_enclosing_quotes(text: str) -> str:
    """Quote marks at either end are the writer's, not the source's: drop them.

    (Matching is by substring within word boundaries, so a mark the source does have at that
    place is not needed for the quote to verify.)
    """
    return text.strip().strip("'").strip()


def min_score(words: int) -> float:
    """The similarity a misquote needs; shorter quotes need more (no anchoring on 3 words)."""
    if words >= 12:
        return 0.72
    return min(0.97, 0.72 + (12 - words) * 0.025)


# --- exact and elided search -----------------------------------------------------------------


def _is_word(c: str) -> bool:
    return bool(c) and (c.isalnum() or c == "_")


@dataclass(frozen=True)
class _Hit:
    spans: tuple[tuple[int, int], ...]  # normalised spans of the fragments
    gap_texts: tuple[str, ...]


def _occurrences(low: str, needle: str, limit: int = 10_000) -> list[int]:
    """Start offsets of ``needle`` in ``low`` at word boundaries (where it begins/ends a word)."""
    lead = _is_word(needle[:1]) if needle else False
    tail = _is_word(needle[-1:]) if needle else False
    out: list[int] = []
    i = low.find(needle)
    while i >= 0 and len(out) < limit:
        j = i + len(needle)
        if not (lead and i and _is_word(low[i - 1])) and not (
            tail and j < len(low) and _is_word(low[j])
        ):
            out.append(i)
        i = low.find(needle, i + 1)
    return out


def find_exact(q: TypedQuote, norm: Normalized) -> list[_Hit]:
    """Places where the quote's fragments appear in order (typography-normalised, any case).

    An elision lets any text of the target pass between two fragments; an insertion at most
    ``INSERTION_CHARS`` characters.  The search tries fragment starts left to right and
    remembers dead ends, so it is polynomial however many elisions a quote has (a regular
    expression with one lazy gap per elision backtracks exponentially when it fails).
    """
    low = norm.lower
    needles = q.needles
    if any(n not in low for n in needles):  # most targets: one C-speed scan each, no hit
        return []
    if q.simple:
        return [_Hit(((i, i + len(needles[0])),), ()) for i in _occurrences(low, needles[0], 4)]
    occ = [_occurrences(low, n) for n in needles]
    if any(not o for o in occ):
        return []
    dead: set[tuple[int, int]] = set()
    last = len(needles) - 1

    def place(k: int, start: int) -> list[int] | None:
        """Starts of fragments k.. given fragment k starts at ``start`` (None: impossible)."""
        if k == last:
            return [start]
        if (k, start) in dead:
            return None
        end = start + len(needles[k])
        limit = end + INSERTION_CHARS if q.gaps[k] == "insert" else len(low)
        # when the next fragment is followed by an elision (or ends the quote), its leftmost
        # place is as good as any later one: only an insertion after it can need a later one
        only_first = k + 1 == last or q.gaps[k + 1] == "elide"
        for nxt in occ[k + 1][bisect_left(occ[k + 1], end) :]:
            if nxt > limit:
                break
            rest = place(k + 1, nxt)
            if rest is not None:
                return [start, *rest]
            if only_first:
                break
        dead.add((k, start))
        return None

    # every start of the first fragment, each with the closest fit of the rest: the caller
    # takes the first that hides no negation
    hits: list[_Hit] = []
    for first in occ[0]:
        starts = place(0, first)
        if starts is not None:
            spans = tuple((s0, s0 + len(n)) for s0, n in zip(starts, needles, strict=True))
            gaps = tuple(low[a[1] : b[0]] for a, b in pairwise(spans))
            hits.append(_Hit(spans, gaps))
            if len(hits) >= MAX_HITS:
                break
    return hits


def _case_ok(q: TypedQuote, norm: Normalized, hit: _Hit) -> bool:
    for frag, (s, e) in zip(q.fragments, hit.spans, strict=True):
        src = norm.text[s:e]
        if src == frag:
            continue
        i = next((k for k, c in enumerate(frag) if c.isalpha()), 0)
        if src[:i] + src[i + 1 :] != frag[:i] + frag[i + 1 :]:
            return False
    return True


def _negation_in_gap(kind: str, gap: str, left: str = "") -> str | None:
    """A negation the gap hides from the reader, if any.

    For an elision only the parts that share a sentence with kept text count: leaving out a whole
    sentence that contains "not" is fine; cutting "not" out of a kept sentence is not.
    ``left`` is the kept fragment before the gap.
    """
    if kind == "insert":
        m = _NEG_RX.search(gap)
        return m.group() if m else None
    chunks = _SENTENCE_END.split(gap)
    shared = []
    if not _CLOSED.search(left):
        shared.append(chunks[0])  # the rest of the left fragment's sentence
    if not _CLOSED.search(gap.rstrip()):
        shared.append(chunks[-1])  # the start of the right fragment's sentence
    for chunk in shared:
        m = _NEG_RX.search(chunk)
        if m:
            return m.group()
    return None


_SENTENCE_END = re.compile(r"(?<=[.!?;])['\")\]]* ")
_CLOSED = re.compile(r"[.!?;]['\")\]]*$")


# --- fuzzy -----------------------------------------------------------------------------------


_PUNCT = ".,;:!?'()"


def _word_key(word: str) -> str:
    return word.lower().strip(_PUNCT) or word


def word_diff(source: str, quote: str) -> str:
    """``[-source words-] {+quote words+}`` word diff of two normalised strings."""
    a, b = source.split(), quote.split()
    sm = difflib.SequenceMatcher(
        None, [_word_key(w) for w in a], [_word_key(w) for w in b], autojunk=False
    )
    out: list[str] = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            # a case change inside an otherwise equal run still shows
            for x, y in zip(a[i1:i2], b[j1:j2], strict=True):
                same = x.strip(_PUNCT) == y.strip(_PUNCT) or x[1:].strip(_PUNCT) == y[1:].strip(
                    _PUNCT
                )
                out.append(x if same else f"[-{x}-] {{+{y}+}}")
            continue
        if i2 > i1:
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out)


_TOKEN = re.compile(r"\S+")


def _tighten(hay: str, needle: str, s: int, e: int) -> tuple[int, int, float]:
    """Whole-word window around ``hay[s:e]`` aligned word by word with the needle.

    The character alignment can be off by a word at either end (a changed word of another
    length); a word-level alignment of a slightly wider window fixes the ends.
    """
    margin = max(20, len(needle) // 3)
    ws, we = _expand_to_words(hay, max(0, s - margin), min(len(hay), e + margin))
    spans = [m.span() for m in _TOKEN.finditer(hay, ws, we)]
    qwords = [_word_key(w) for w in needle.split()]
    hwords = [_word_key(hay[a:b]) for a, b in spans]
    if not spans or not qwords:
        return (*_expand_to_words(hay, s, e), 0.0)
    sm = difflib.SequenceMatcher(None, hwords, qwords, autojunk=False)
    blocks = [b for b in sm.get_matching_blocks() if b.size]
    if any(b.size >= 2 for b in blocks):
        blocks = [b for b in blocks if b.size >= 2]
    if not blocks:
        return (*_expand_to_words(hay, s, e), 0.0)
    first, last = blocks[0], blocks[-1]
    i = max(0, first.a - first.b)
    j = min(len(spans), last.a + last.size + (len(qwords) - last.b - last.size))
    coverage = sum(b.size for b in blocks if b.size >= 2) / len(qwords)
    return spans[i][0], spans[j - 1][1], coverage


def _expand_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return start, end


@dataclass(frozen=True)
class _Fuzzy:
    score: float
    nstart: int
    nend: int


def fuzzy_best(q: TypedQuote, norm: Normalized) -> _Fuzzy:
    """Closest span of ``norm`` to the quote (rapidfuzz alignment, widened to whole words)."""
    needle = " ".join(f.lower() for f in q.fragments)
    hay = norm.lower
    if not needle or not hay:
        return _Fuzzy(0.0, 0, 0)
    al = fuzz.partial_ratio_alignment(needle, hay)
    if al is None:
        return _Fuzzy(0.0, 0, 0)
    if len(needle) <= len(hay):
        s, e = al.dest_start, al.dest_end
    else:
        s, e = 0, len(hay)
    if not q.simple:
        # an elided quote: its fragments may span more source text than the needle's length
        first = fuzz.partial_ratio_alignment(q.fragments[0].lower(), hay)
        last = fuzz.partial_ratio_alignment(q.fragments[-1].lower(), hay)
        if first and last and first.dest_start <= last.dest_end:
            s, e = min(s, first.dest_start), max(e, last.dest_end)
    s, e, coverage = _tighten(hay, needle, s, e)
    window = hay[s:e]
    score = fuzz.ratio(needle, window) / 100.0
    # one wrong word in a short quote costs many characters: count words too
    a, b = [_word_key(w) for w in window.split()], [_word_key(w) for w in needle.split()]
    score = max(score, difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() * 0.98)
    # most of the quote's words found in order (in runs of two or more) in one passage
    score = max(score, coverage * 0.9)
    if len(needle) > len(hay):  # the quote is longer than the passage: penalise what is extra
        score = min(score, al.score / 100.0 * len(hay) / len(needle))
    if not q.simple:
        score = max(score, al.score / 100.0 * 0.97)
    return _Fuzzy(score, s, e)


# --- the verdict -----------------------------------------------------------------------------


def match_targets(q: TypedQuote, targets: Sequence[Target]) -> QuoteMatch:
    """Verdict of a parsed quote against candidate targets (best first)."""
    if not q.fragments:
        return QuoteMatch(Verdict.NOT_FOUND, q.typed, reason="the quote is empty")
    misquote: QuoteMatch | None = None
    for t in targets:
        for hit in find_exact(q, t.norm):
            start, end = t.norm.raw_span(hit.spans[0][0], hit.spans[-1][1])
            for kind, gap in zip(q.gaps, hit.gap_texts, strict=True):
                if kind == "insert" and len(_WORD.findall(gap)) > MAX_INSERTION_WORDS:
                    break
            else:
                neg = next(
                    (
                        n
                        for kind, gap, left in zip(q.gaps, hit.gap_texts, q.fragments, strict=False)
                        if (n := _negation_in_gap(kind, gap, left))
                    ),
                    None,
                )
                src = t.norm.text[hit.spans[0][0] : hit.spans[-1][1]]
                if neg:
                    reason, score = f"the elision leaves out {neg!r}", 0.9
                elif not _case_ok(q, t.norm, hit):
                    reason, score = "letter case differs from the source", 0.99
                else:
                    reason = ""
                if reason:  # found in place, but not faithfully: the first such hit is the answer
                    misquote = misquote or QuoteMatch(
                        Verdict.MISQUOTE,
                        q.typed,
                        t.source,
                        t.passage,
                        start,
                        end,
                        score,
                        word_diff(src, _rejoin(q)),
                        reason,
                    )
                    continue
                return QuoteMatch(Verdict.VERIFIED, q.typed, t.source, t.passage, start, end, 1.0)
    if misquote:
        return misquote
    return fuzzy_verdict(q, targets)


def _rejoin(q: TypedQuote) -> str:
    out = [q.fragments[0]]
    for kind, frag in zip(q.gaps, q.fragments[1:], strict=True):
        out.append("[...]" if kind == "elide" else "[…]")
        out.append(frag)
    return " ".join(out)


def fuzzy_verdict(q: TypedQuote, targets: Iterable[Target]) -> QuoteMatch:
    """No exact match: MISQUOTE against the closest span if similar enough, else NOT_FOUND."""
    targets = list(targets)
    if len(targets) > FUZZY_CANDIDATES:
        # a C-speed first pass picks the few passages worth an alignment
        needle = " ".join(f.lower() for f in q.fragments)
        picked = process.extract(
            needle,
            [t.norm.lower for t in targets],
            scorer=fuzz.partial_ratio,
            limit=FUZZY_CANDIDATES,
        )
        targets = [targets[i] for _, _, i in picked]
    best: tuple[_Fuzzy, Target] | None = None
    for t in targets:
        f = fuzzy_best(q, t.norm)
        if best is None or f.score > best[0].score:
            best = (f, t)
    floor = min_score(q.words)
    if best is None or best[0].score < floor or q.words < 2:
        closest = best[1].passage if best else None
        score = round(best[0].score, 3) if best else 0.0
        reason = "nothing in the sources is similar enough"
        if closest:
            reason += f" (closest: {closest}, score {score:.2f} < {floor:.2f})"
        return QuoteMatch(Verdict.NOT_FOUND, q.typed, score=score, reason=reason)
    f, t = best
    src = t.norm.text[f.nstart : f.nend]
    diff = word_diff(src, _rejoin(q))
    start, end = t.norm.raw_span(f.nstart, f.nend)
    return QuoteMatch(
        Verdict.MISQUOTE,
        q.typed,
        t.source,
        t.passage,
        start,
        end,
        round(f.score, 3),
        diff,
        _describe(diff),
    )


_NEG_PREFIXES = ("un", "non-", "non", "in", "im", "il", "ir", "dis")


def _prefix_flip(removed: list[str], added: list[str]) -> str:
    """'unwelcome' quoted as 'welcome' (or the reverse): the meaning is reversed."""
    for r in removed:
        r = r.strip(_PUNCT)
        for a in added:
            a = a.strip(_PUNCT)
            for pre in _NEG_PREFIXES:
                if r == pre + a:
                    return f"the quote drops the negating prefix {pre}- ({r!r} -> {a!r})"
                if a == pre + r:
                    return f"the quote adds the negating prefix {pre}- ({r!r} -> {a!r})"
    return ""


def _describe(diff: str) -> str:
    removed = " ".join(re.findall(r"\[-(.*?)-\]", diff))
    added = " ".join(re.findall(r"\{\+(.*?)\+\}", diff))
    neg_r = set(_NEG_RX.findall(removed.lower())) - set(_NEG_RX.findall(added.lower()))
    neg_a = set(_NEG_RX.findall(added.lower())) - set(_NEG_RX.findall(removed.lower()))
    flip = _prefix_flip(removed.lower().split(), added.lower().split())
    if flip:
        return flip
    if neg_r:
        return f"the quote drops {', '.join(sorted(neg_r))!s}"
    if neg_a:
        return f"the quote adds {', '.join(sorted(neg_a))!s}"
    if re.search(r"\d", removed) or re.search(r"\d", added):
        return "a number differs from the source"
    return "the quote differs from the source"


def match_in_text(text: str, quote: str, markdown: bool = False) -> QuoteMatch:
    """Verify ``quote`` against arbitrary ``text`` (e.g. a fetched web page's text).

    ``start``/``end`` of the result index ``text``; ``passage`` and ``source`` are None.
    """
    norm = normalize(text, markdown)
    return match_targets(parse_quote(quote), [Target(None, None, norm)])
