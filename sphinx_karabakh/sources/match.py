"""Match a typed quote against normalised passages: exact, with elisions/brackets, then fuzzy.

What flows: ``typed text -> TypedQuote (fragments, gaps, brackets) -> try each candidate Target
-> QuoteMatch``.  A *target* is one passage's normalised text (a paragraph, a sentence, a range,
or a whole web page for the link checker), the text before it (where a bracket's referent may be
named) and its map to the raw file.

A quote is VERIFIED when, after typography-only normalisation, its fragments appear in order
inside one target -- never starting or ending inside a number or a word -- every bracket keeps
what the source says there (``brackets.bracket_problem``) and no elision hides a negation that
shares a sentence with kept text (``brackets.elision_problem``).  Case may differ only on the
first letter of a fragment; a hyphen the source has at a line end may be typed or not.
Otherwise the closest span (rapidfuzz alignment) gives a MISQUOTE with a word diff when it is
similar enough -- the floor grows as quotes get shorter -- else NOT_FOUND.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from sphinx_karabakh.sources.brackets import (
    MAX_REPLACED_WORDS,
    bracket_problem,
    elision_problem,
    words,
)
from sphinx_karabakh.sources.model import QuoteMatch, Verdict
from sphinx_karabakh.sources.normalize import (
    Normalized,
    _lower_same_length,
    fold_quote_marks,
    normalize,
)
from sphinx_karabakh.sources.passages import sentence_spans
from sphinx_karabakh.sources.vocabulary import EDITORIAL_MARKS, NEGATION_RX, NEGATIONS

__all__ = [
    "NEGATIONS",
    "Gap",
    "Target",
    "TypedQuote",
    "match_in_text",
    "match_targets",
    "parse_quote",
    "word_diff",
]

_WORD = re.compile(r"\w+")
_ELISION = re.compile(r"\[ ?\.\.\.\.? ?\]|\( ?\.\.\.\.? ?\)|\.\.\.")
_BRACKET = re.compile(r"\[[^\[\]]{0,80}\]")
_ATTACHED_BRACKET = re.compile(r"\[([^\[\]\s]{1,3})\](?=\w)|(?<=\w)\[([^\[\]\s]{1,3})\]")
_EDGE_PUNCT = " .,;:'"
_INNER_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
#: The most source text a bracket between two fragments may stand for.
INSERTION_CHARS = 80
#: Placements of a quote tried in one passage (the first that breaks no rule wins).
MAX_HITS = 16
#: Passages aligned word by word for a misquote (after a fast first pass over all candidates).
FUZZY_CANDIDATES = 3
#: Characters that join the digits of one number (2,000  2.5  1992-1994  10:30  12/05).
_NUMBER_JOINERS = ",.-/:"


@dataclass(frozen=True)
class Target:
    """A passage to match against: its ID, source, normalised text, and what precedes it.

    ``before`` is the normalised text before the passage (the passage before it, and for a
    sentence the paragraph up to it): where a bracket's referent may be named.
    """

    passage: str | None
    source: str | None
    norm: Normalized
    before: str = ""

    @property
    def sentences(self) -> list[tuple[int, int]]:
        cached = self.__dict__.get("_sentences")
        if cached is None:
            cached = sentence_spans(self.norm.text)
            object.__setattr__(self, "_sentences", cached)
        return cached


@dataclass(frozen=True)
class Gap:
    """What lies between two fragments: an elision, or a bracket and its words."""

    kind: str  # "elide" | "insert"
    text: str = ""  # the bracket's words (an insertion)


@dataclass(frozen=True)
class TypedQuote:
    """A typed quote parsed into literal fragments and what lies between them."""

    typed: str
    fragments: tuple[str, ...]  # case kept, normalised
    gaps: tuple[Gap, ...]  # len == len(fragments) - 1
    words: int
    lead: str | None = None  # a bracket before the first fragment ("[Putin] said")
    tail: str | None = None  # a bracket after the last one
    _needles: tuple[str, ...] = field(default=(), repr=False, compare=False)
    _patterns: tuple[re.Pattern[str] | None, ...] = field(default=(), repr=False, compare=False)
    #: other readings of the same typed text, tried when this one does not verify: its brackets
    #: as text (a source may have "[online]" itself), its Markdown read (``*emphasis*`` typed)
    variants: tuple[TypedQuote, ...] = field(default=(), repr=False, compare=False)

    @property
    def simple(self) -> bool:
        return len(self.fragments) == 1 and self.lead is None and self.tail is None

    @property
    def joined(self) -> str:
        return " ".join(self.fragments)

    @property
    def needles(self) -> tuple[str, ...]:
        """The fragments as searched for (any case)."""
        return self._needles

    @property
    def tokens(self) -> list[str]:
        return _WORD.findall(self.joined.lower())


def _hyphen_pattern(needle: str) -> re.Pattern[str] | None:
    """``self-determination`` -> a pattern where each inner hyphen may be missing (a group
    each, so the matcher can check the source broke the word there)."""
    parts = _INNER_HYPHEN.split(needle)
    if len(parts) < 2:
        return None
    return re.compile("(-?)".join(re.escape(p) for p in parts))


def parse_quote(typed: str, brackets: bool = True, markdown: bool = False) -> TypedQuote:
    """Normalise a typed quote and split it at elisions and (unless not ``brackets``) brackets.

    The quote is read as plain text; when it verifies no other way, as Markdown too
    (``markdown``), and with its brackets as text (see ``TypedQuote.variants``).
    """
    typed_plain = EDITORIAL_MARKS.sub(" ", typed)  # [sic], [emphasis added]: no text
    text = normalize(typed_plain, markdown=markdown).text
    text = fold_quote_marks(text)
    text = _strip_enclosing_quotes(text)
    text = _ATTACHED_BRACKET.sub(lambda m: m.group(1) or m.group(2), text)
    marks = sorted(
        [(m.start(), m.end(), "elide", "") for m in _ELISION.finditer(text)]
        + [
            (m.start(), m.end(), "insert", m.group()[1:-1].strip())
            for m in _BRACKET.finditer(text)
            if brackets and not _ELISION.fullmatch(m.group())
        ]
    )
    pieces: list[str] = []
    seps: list[Gap] = []
    pos = last_end = 0
    for start, end, kind, inner in marks:
        if start < last_end:
            continue
        pieces.append(text[pos:start])
        seps.append(Gap(kind, inner))
        pos = last_end = end
    pieces.append(text[pos:])
    fragments: list[str] = []
    gaps: list[Gap] = []
    lead: str | None = None
    pending: Gap | None = None
    for i, piece in enumerate(pieces):
        if i:
            sep = seps[i - 1]
            if pending is None:
                pending = sep
            elif "elide" in (pending.kind, sep.kind):
                pending = Gap("elide")  # an elision next to a bracket: anything may go there
            else:
                pending = Gap("insert", f"{pending.text} {sep.text}".strip())
        frag = piece.strip(" ")
        if i == 0:
            frag = frag.lstrip(_EDGE_PUNCT)
        if i == len(pieces) - 1:
            frag = frag.rstrip(_EDGE_PUNCT)
        if not _WORD.search(frag):
            continue
        if fragments:
            gaps.append(pending or Gap("elide"))
        elif pending is not None and pending.kind == "insert":
            lead = pending.text
        fragments.append(frag)
        pending = None
    tail = pending.text if pending is not None and pending.kind == "insert" and fragments else None
    n_words = sum(len(_WORD.findall(f)) for f in fragments)
    needles = tuple(_lower_same_length(f) for f in fragments)
    variants: list[TypedQuote] = []
    if brackets and not markdown:
        if _MARKUP_CHARS.search(typed_plain):
            md = parse_quote(typed, markdown=True)
            if md.fragments != tuple(fragments) or md.gaps != tuple(gaps):
                variants.append(md)
                variants.extend(md.variants)
        has_brackets = lead is not None or tail is not None or any(g.kind == "insert" for g in gaps)
        if has_brackets:
            variants.append(parse_quote(typed, brackets=False))
    return TypedQuote(
        typed,
        tuple(fragments),
        tuple(gaps),
        n_words,
        lead,
        tail,
        needles,
        tuple(_hyphen_pattern(n) for n in needles),
        tuple(variants),
    )


#: Characters of Markdown a writer may type in a quote (``*emphasis*``, ````code````,
#: ``[text](url)``, ``\\*``); a quote with any of them is also read as Markdown.
_MARKUP_CHARS = re.compile(r"[*_`\\&<]|\]\(")


def _strip_enclosing_quotes(text: str) -> str:
    """Quote marks at either end are the writer's, not the source's: drop them."""
    return text.strip().strip("'").strip()


def min_score(words: int) -> float:
    """The similarity a misquote needs; shorter quotes need more (no anchoring on 3 words)."""
    if words >= 12:
        return 0.72
    return min(0.97, 0.72 + (12 - words) * 0.025)


# --- exact and elided search -----------------------------------------------------------------


def _is_word(c: str) -> bool:
    return bool(c) and (c.isalnum() or c == "_")


def cuts_number(low: str, i: int) -> bool:
    """Does a boundary at ``i`` (between ``low[i-1]`` and ``low[i]``) fall inside a number?

    ``2|000``, ``2,|000`` and ``2|,000`` do; ``2000|,`` and ``in| 2000`` do not.
    """
    if i <= 0 or i >= len(low):
        return False
    a, b = low[i - 1], low[i]
    if a.isdigit() and b.isdigit():
        return True
    if a in _NUMBER_JOINERS and b.isdigit() and i >= 2 and low[i - 2].isdigit():
        return True
    return a.isdigit() and b in _NUMBER_JOINERS and i + 1 < len(low) and low[i + 1].isdigit()


def _bounded(low: str, i: int, j: int, lead: bool, tail: bool) -> bool:
    """``low[i:j]`` begins and ends where a quote may: at word edges, never inside a number."""
    if lead and i and _is_word(low[i - 1]):
        return False
    if tail and j < len(low) and _is_word(low[j]):
        return False
    return not (cuts_number(low, i) or cuts_number(low, j))


def _occurrences(
    norm: Normalized, needle: str, pattern: re.Pattern[str] | None, limit: int = 10_000
) -> list[tuple[int, int]]:
    """``(start, end)`` of ``needle`` in the target at word and number boundaries; with
    ``pattern``, also where the source broke a hyphenated word at a line end."""
    low = norm.lower
    lead = _is_word(needle[:1]) if needle else False
    tail = _is_word(needle[-1:]) if needle else False
    out: list[tuple[int, int]] = []
    i = low.find(needle)
    while i >= 0 and len(out) < limit:
        j = i + len(needle)
        if _bounded(low, i, j, lead, tail):
            out.append((i, j))
        i = low.find(needle, i + 1)
    if pattern is not None and norm.soft:
        seen = {s for s, _ in out}
        for m in pattern.finditer(low):
            if m.start() in seen or len(out) >= limit:
                continue
            dropped = [m.start(g) for g in range(1, (pattern.groups or 0) + 1) if not m.group(g)]
            soft = dropped and all(norm.is_soft(p) for p in dropped)
            if soft and _bounded(low, m.start(), m.end(), lead, tail):
                out.append(m.span())
        out.sort()
    return out


@dataclass(frozen=True)
class _Hit:
    spans: tuple[tuple[int, int], ...]  # normalised spans of the fragments


def _may_hold(q: TypedQuote, low: str) -> bool:
    """A C-speed test that rules out most targets: every fragment's text (or, for a hyphenated
    one, each hyphen-free piece) is in the target."""
    for needle, pattern in zip(q.needles, q._patterns, strict=True):
        if needle in low:
            continue
        if pattern is None or not all(p in low for p in _INNER_HYPHEN.split(needle)):
            return False
    return True


def find_exact(q: TypedQuote, norm: Normalized) -> list[_Hit]:
    """Places where the quote's fragments appear in order (typography-normalised, any case).

    An elision lets any text of the target pass between two fragments; a bracket at most
    ``INSERTION_CHARS`` characters.  The search tries fragment starts left to right and
    remembers dead ends, so it is polynomial however many gaps a quote has.
    """
    low = norm.lower
    if not _may_hold(q, low):
        return []
    needles = q.needles
    occ = [_occurrences(norm, n, p) for n, p in zip(needles, q._patterns, strict=True)]
    if any(not o for o in occ):
        return []
    if len(needles) == 1:
        return [_Hit((s,)) for s in occ[0][:MAX_HITS]]
    starts = [[s for s, _ in o] for o in occ]
    dead: set[tuple[int, int]] = set()
    last = len(needles) - 1

    def place(k: int, idx: int) -> list[int] | None:
        """Occurrence indices of fragments k.. given fragment k is ``occ[k][idx]``."""
        if k == last:
            return [idx]
        if (k, idx) in dead:
            return None
        end = occ[k][idx][1]
        limit = end + INSERTION_CHARS if q.gaps[k].kind == "insert" else len(low)
        only_first = k + 1 == last or q.gaps[k + 1].kind == "elide"
        for nidx in range(bisect_left(starts[k + 1], end), len(starts[k + 1])):
            if starts[k + 1][nidx] > limit:
                break
            rest = place(k + 1, nidx)
            if rest is not None:
                return [idx, *rest]
            if only_first:
                break
        dead.add((k, idx))
        return None

    hits: list[_Hit] = []
    for first in range(len(occ[0])):
        found = place(0, first)
        if found is not None:
            hits.append(_Hit(tuple(occ[k][i] for k, i in enumerate(found))))
            if len(hits) >= MAX_HITS:
                break
    return hits


def _case_ok(q: TypedQuote, norm: Normalized, hit: _Hit) -> bool:
    for frag, (s, e) in zip(q.fragments, hit.spans, strict=True):
        src = norm.text[s:e]
        if src == frag:
            continue
        if len(src) != len(frag):  # a line-end hyphen typed or not: compare without hyphens
            src, frag = src.replace("-", ""), frag.replace("-", "")
            if src == frag:
                continue
        i = next((k for k, c in enumerate(frag) if c.isalpha()), 0)
        if src[:i] + src[i + 1 :] != frag[:i] + frag[i + 1 :]:
            return False
    return True


# --- the rules for one placement ---------------------------------------------------------------


def _sentence_at(t: Target, pos: int) -> tuple[int, int]:
    for s, e in t.sentences:
        if s <= pos < e or (pos == e == len(t.norm.text)):
            return s, e
    return 0, len(t.norm.text)


def _nearby(t: Target, g_start: int, g_end: int) -> str:
    """Where a bracket's referent may be named: before the bracket, in its own sentence and the
    sentence before it (which may end the previous passage).  A pronoun points back, and not
    far: what is named after it, or two sentences up, is not taken for its referent."""
    s_start, _ = _sentence_at(t, g_start)
    text = t.norm.text
    prev = [(a, b) for a, b in t.sentences if b <= s_start]
    if prev:
        before = text[prev[-1][0] : g_start]
    else:
        before_spans = sentence_spans(t.before) if t.before else []
        last = t.before[before_spans[-1][0] :] if before_spans else ""
        before = f"{last} {text[s_start:g_start]}"
    return before


def _edge_candidates(t: Target, pos: int, leading: bool) -> list[tuple[int, int]]:
    """What a bracket before (``leading``) or after the quote may stand for: the 0..4 source
    words next to it within its sentence and clause."""
    text = t.norm.text
    s_start, s_end = _sentence_at(t, max(pos - 1, 0) if not leading else pos)
    out: list[tuple[int, int]] = []
    if leading:
        region = text[s_start:pos]
        spans = [(s_start + m.start(), s_start + m.end()) for m in re.finditer(r"\S+", region)]
        if not region.strip():
            out.append((pos, pos))
        for k in range(1, MAX_REPLACED_WORDS + 1):
            if k > len(spans):
                break
            a = spans[-k][0]
            if _clause_break(text[a:pos].rstrip()):
                break
            out.append((a, pos))
    else:
        region = text[pos:s_end]
        spans = [(pos + m.start(), pos + m.end()) for m in re.finditer(r"\S+", region)]
        out.append((pos, pos))
        for k in range(1, MAX_REPLACED_WORDS + 1):
            if k > len(spans):
                break
            z = spans[k - 1][1]
            if _clause_break(text[pos:z].strip(" ").rstrip(".,;:!?")):
                break
            out.append((pos, z))
    return out


def _clause_break(s: str) -> bool:
    return bool(re.search(r"[,;:()\[\]!?\"]|\.\s| - ", s))


def _bracket_ok(t: Target, inserted: str, a: int, b: int, before_word: str) -> str | None:
    return bracket_problem(inserted, t.norm.text[a:b], _nearby(t, a, b), before_word)


def _last_word(s: str) -> str:
    ws = words(s)
    return ws[-1] if ws else ""


def judge_hit(q: TypedQuote, t: Target, hit: _Hit) -> str | None:
    """Why this placement of the quote is not faithful (None: it is)."""
    low = t.norm.lower
    for k, gap in enumerate(q.gaps):
        a, b = hit.spans[k][1], hit.spans[k + 1][0]
        if gap.kind == "insert":
            if len(_WORD.findall(low[a:b])) > MAX_REPLACED_WORDS:
                return f"[{gap.text}] stands for more than {MAX_REPLACED_WORDS} words"
            problem = _bracket_ok(t, gap.text, a, b, _last_word(q.fragments[k]))
        else:
            problem = elision_problem(t.norm.text, low, a, b, t.sentences)
        if problem:
            return problem
    if q.lead is not None:
        first = hit.spans[0][0]
        problems = [
            _bracket_ok(t, q.lead, a, b, "") for a, b in _edge_candidates(t, first, leading=True)
        ]
        if not problems or all(problems):
            return next((p for p in problems if p), f"[{q.lead}] stands for nothing here")
    if q.tail is not None:
        end = hit.spans[-1][1]
        problems = [
            _bracket_ok(t, q.tail, a, b, _last_word(q.fragments[-1]))
            for a, b in _edge_candidates(t, end, leading=False)
        ]
        if all(problems):
            return next(p for p in problems if p)
    if not _case_ok(q, t.norm, hit):
        return "letter case differs from the source"
    return None


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
    """Whole-word window around ``hay[s:e]`` aligned word by word with the needle."""
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
    needle = " ".join(q.needles)
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
    if len(q.fragments) > 1:
        # an elided quote: its fragments may span more source text than the needle's length
        first = fuzz.partial_ratio_alignment(q.needles[0], hay)
        last = fuzz.partial_ratio_alignment(q.needles[-1], hay)
        if first and last and first.dest_start <= last.dest_end:
            s, e = min(s, first.dest_start), max(e, last.dest_end)
    s, e, coverage = _tighten(hay, needle, s, e)
    window = hay[s:e]
    score = fuzz.ratio(needle, window) / 100.0
    a, b = [_word_key(w) for w in window.split()], [_word_key(w) for w in needle.split()]
    score = max(score, difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() * 0.98)
    score = max(score, coverage * 0.9)
    if len(needle) > len(hay):  # the quote is longer than the passage: penalise what is extra
        score = min(score, al.score / 100.0 * len(hay) / len(needle))
    if len(q.fragments) > 1:
        score = max(score, al.score / 100.0 * 0.97)
    return _Fuzzy(min(score, 0.99), s, e)


# --- the verdict -----------------------------------------------------------------------------


def match_targets(q: TypedQuote, targets: Sequence[Target]) -> QuoteMatch:
    """Verdict of a parsed quote against candidate targets (best first)."""
    if not q.fragments:
        return QuoteMatch(Verdict.NOT_FOUND, q.typed, reason="the quote is empty")
    misquote: QuoteMatch | None = None
    for t in targets:
        for variant in q.variants:  # another reading of the same text that is faithful
            for hit in find_exact(variant, t.norm):
                if judge_hit(variant, t, hit) is None:
                    start, end = t.norm.raw_span(hit.spans[0][0], hit.spans[-1][1])
                    return QuoteMatch(
                        Verdict.VERIFIED, q.typed, t.source, t.passage, start, end, 1.0
                    )
        for hit in find_exact(q, t.norm):
            start, end = t.norm.raw_span(hit.spans[0][0], hit.spans[-1][1])
            problem = judge_hit(q, t, hit)
            if problem is None:
                return QuoteMatch(Verdict.VERIFIED, q.typed, t.source, t.passage, start, end, 1.0)
            if misquote is None:  # found in place, but not faithfully: the first such hit
                src = t.norm.text[_edge(t, hit, q, True) : _edge(t, hit, q, False)]
                score = 0.99 if "case" in problem else 0.9
                misquote = QuoteMatch(
                    Verdict.MISQUOTE,
                    q.typed,
                    t.source,
                    t.passage,
                    start,
                    end,
                    score,
                    word_diff(src, _rejoin(q)),
                    problem,
                )
    if misquote:
        return misquote
    return fuzzy_verdict(q, targets)


def _edge(t: Target, hit: _Hit, q: TypedQuote, left: bool) -> int:
    """Where the diff's source text starts/ends: a leading/trailing bracket's words included."""
    text = t.norm.text
    if left:
        pos = hit.spans[0][0]
        if q.lead is not None:
            cands = _edge_candidates(t, pos, leading=True)
            pos = cands[1][0] if len(cands) > 1 else pos
        return pos
    pos = hit.spans[-1][1]
    if q.tail is not None:
        cands = _edge_candidates(t, pos, leading=False)
        pos = cands[1][1] if len(cands) > 1 else pos
    return min(pos, len(text))


def _rejoin(q: TypedQuote) -> str:
    out = [f"[{q.lead}]"] if q.lead is not None else []
    out.append(q.fragments[0])
    for gap, frag in zip(q.gaps, q.fragments[1:], strict=True):
        out.append("[...]" if gap.kind == "elide" else f"[{gap.text}]")
        out.append(frag)
    if q.tail is not None:
        out.append(f"[{q.tail}]")
    return " ".join(out)


def fuzzy_verdict(q: TypedQuote, targets: Iterable[Target]) -> QuoteMatch:
    """No exact match: MISQUOTE against the closest span if similar enough, else NOT_FOUND."""
    targets = list(targets)
    if len(targets) > FUZZY_CANDIDATES:
        needle = " ".join(q.needles)
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
        _describe(diff, src, q),
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


def _describe(diff: str, source: str = "", q: TypedQuote | None = None) -> str:
    removed = " ".join(re.findall(r"\[-(.*?)-\]", diff))
    added = " ".join(re.findall(r"\{\+(.*?)\+\}", diff))
    neg_r = set(NEGATION_RX.findall(removed.lower())) - set(NEGATION_RX.findall(added.lower()))
    neg_a = set(NEGATION_RX.findall(added.lower())) - set(NEGATION_RX.findall(removed.lower()))
    flip = _prefix_flip(removed.lower().split(), added.lower().split())
    if flip:
        return flip
    if neg_r:
        return f"the quote drops {', '.join(sorted(neg_r))!s}"
    if neg_a:
        return f"the quote adds {', '.join(sorted(neg_a))!s}"
    if re.search(r"\d", removed) or re.search(r"\d", added):
        return "a number differs from the source"
    if q is not None and source and _cut_number(source, q):
        return "the quote starts or ends inside a number"
    return "the quote differs from the source"


def _cut_number(source: str, q: TypedQuote) -> bool:
    low = source.lower()
    for needle in q.needles:
        i = low.find(needle)
        while i >= 0:
            if cuts_number(low, i) or cuts_number(low, i + len(needle)):
                return True
            i = low.find(needle, i + 1)
    return False


def match_in_text(text: str, quote: str, markdown: bool = False) -> QuoteMatch:
    """Verify ``quote`` against arbitrary ``text`` (e.g. a fetched web page's text).

    ``start``/``end`` of the result index ``text``; ``passage`` and ``source`` are None.
    """
    norm = normalize(text, markdown)
    return match_targets(parse_quote(quote), [Target(None, None, norm)])
