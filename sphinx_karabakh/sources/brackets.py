"""The rules for what a bracket or an elision may do to a quote (pure functions, no search).

A bracket ``[X]`` stands for source words ``G`` (possibly none).  It may

* carry the same words (``[to cease]`` for "to cease"), adapt their grammar (``[to push]`` for
  "from pushing": every content word of X has a word of G with the same stem),
* shrink them to function words (``[it]`` for "the agreement"),
* or name the referent of a pronoun or short phrase (``[Putin] said`` for "He said",
  ``He [Putin] said``), where the referent is named nearby: in the same or an earlier sentence
  of the passage, or in the passage before it.

It may never add or drop a negation, bring in a number that G does not have, replace a name of
G by another, or turn a word into another (``[allows]`` for "prevents").  ``bracket_problem``
says which rule a bracket breaks, or ``None``.

An elision ``[...]`` may leave out anything but a negation that shares a sentence with kept text
(sentences as the source's own splitter sees them, so "D.C." and "U.S." do not end one).  A
negation inside a clause that is left out whole -- between commas, opened by a subordinator such
as "or if you cannot find …," -- does not negate what is kept.  ``elision_problem`` says what an
elision hides, or ``None``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

from sphinx_karabakh.sources.vocabulary import (
    DETERMINERS,
    FUNCTION_WORDS,
    NEGATION_RX,
    NUMBER_WORDS,
    PRONOUNS,
    RELATIVES,
    SUBORDINATORS,
)

#: The most source words a bracket may stand for.
MAX_REPLACED_WORDS = 4

# a number first: "2,000" is one token, not "2" and "000"
_WORD = re.compile(r"\d+(?:[.,:/\-]\d+)*(?![^\W\d_])|[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,:/\-]\d+)*")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def negations(text: str) -> int:
    return len(NEGATION_RX.findall(text.lower()))


def numbers(text: str) -> set[str]:
    """The numbers of a text, by value (``2,000`` and ``2000`` alike; ``five`` is ``5``)."""
    out: set[str] = set()
    for w in words(text):
        if _NUMBER.fullmatch(w):
            out.add(_number_value(w))
        else:
            value = NUMBER_WORDS.get(w.lower())
            if value is not None:
                out.add(_number_value(str(value)))
    return out


def _number_value(token: str) -> str:
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", token):
        token = token.replace(",", "")
    if re.fullmatch(r"\d+\.0+", token):
        token = token.split(".")[0]
    return token.lstrip("0") or "0"


_SUFFIXES = ("ings", "ing", "ied", "ies", "ed", "es", "s", "e")


def stems(word: str) -> set[str]:
    """Light stems: the word without one inflectional ending (push/pushing/pushed -> push,
    use/using -> us, allows -> allow, carries -> carry); a doubled consonant before -ing/-ed
    gives both readings (running -> runn, run; adding -> add, ad)."""
    w = word.lower().removesuffix("'s").removesuffix("’s")
    for suf in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 2:
            w = w[: -len(suf)]
            if suf in ("ied", "ies"):
                return {w + "y"}
            if suf in ("ing", "ings", "ed") and len(w) >= 3 and w[-1] == w[-2]:
                return {w, w[:-1]}
            return {w}
    return {w}


def stem_match(a: str, b: str) -> bool:
    """Forms of one word: a shared stem (push/pushing, allow/allows, use/using, add/adding), or
    a name and its adjective (Russia/Russian).  Licensee/Licensor are not."""
    a, b = a.lower(), b.lower()
    if a == b:
        return True
    if a + "n" == b or b + "n" == a:
        return True
    return any(len(x) >= 2 for x in stems(a) & stems(b))


def _is_name(word: str) -> bool:
    return word[:1].isupper() and word.lower() not in FUNCTION_WORDS


def _content(text: str) -> list[str]:
    """Words that carry content: not function words, not numbers (numbers have a rule of their own)."""
    return [
        w
        for w in words(text)
        if w.lower() not in FUNCTION_WORDS
        and w.lower() not in NUMBER_WORDS
        and not _NUMBER.fullmatch(w)
    ]


def referring(phrase: str) -> bool:
    """A pronoun or a short determiner phrase (``it``, ``which``, ``the country``)?"""
    ws = words(phrase)
    if not ws or len(ws) > MAX_REPLACED_WORDS or numbers(phrase) or negations(phrase):
        return False
    return any(w.lower() in PRONOUNS or w.lower() in DETERMINERS for w in ws)


def bracket_problem(inserted: str, replaced: str, nearby: str, before_word: str = "") -> str | None:
    """What is wrong with ``[inserted]`` standing for ``replaced`` (None: nothing).

    ``nearby`` is the source text where a referent may be named (the passage up to the end of
    the bracket's sentence, ``replaced`` left out, and the passage before);  ``before_word`` the
    quote's word just before the bracket (``He`` in ``He [Putin] said``).
    """
    x, g = inserted.strip(), replaced.strip()
    if _fold(x) == _fold(g):
        return None
    if len(words(g)) > MAX_REPLACED_WORDS:
        return f"[{x}] stands for more than {MAX_REPLACED_WORDS} words of the source ({g!r})"
    nx, ng = negations(x), negations(g)
    if nx > ng:
        return f"the bracket [{x}] adds a negation" + (f" (the source has {g!r})" if g else "")
    if nx < ng:
        return f"the bracket [{x}] drops the negation in {g!r}"
    extra = numbers(x) - numbers(g)
    if extra:
        shown = ", ".join(sorted(extra))
        return f"the bracket [{x}] brings in the number {shown}" + (
            f", which {g!r} does not have" if g else ""
        )
    gwords = words(g)
    g_names = {w.lower() for w in gwords if _is_name(w)}
    # a pure insertion may gloss the pronoun before it (He [Putin] said)
    ref = g if g else (before_word if before_word.lower() in PRONOUNS else "")
    may_refer = referring(ref)
    near = {w.lower() for w in words(nearby)}
    for w in _content(x):
        if any(stem_match(w, v) for v in gwords):
            continue
        if _is_name(w) and g_names:
            return f"the bracket [{x}] puts {w!r} in place of {g!r}"
        if may_refer and (w.lower() in near or any(stem_match(w, v) for v in near)):
            continue
        if not g:
            return f"the bracket [{x}] adds {w!r}, which the source does not say there"
        if may_refer:
            return f"the bracket [{x}] names {w!r}, which the source does not name nearby"
        return f"the bracket [{x}] puts {w!r} in place of {g!r}"
    return None


def _balanced(text: str) -> bool:
    depth = 0
    for i, c in enumerate(text):
        depth += c == "("
        depth -= c == ")"
        if depth == 0 and i < len(text) - 1:
            return False  # "(a) b (c)" is not one parenthesis
    return depth == 0


def _fold(text: str) -> str:
    return " ".join(w.lower() for w in words(text))


def elision_problem(
    text: str, low: str, a: int, b: int, sentences: Sequence[tuple[int, int]]
) -> str | None:
    """A negation the elision ``text[a:b]`` hides from the reader (None: nothing).

    ``sentences`` are the ``(start, end)`` spans of the target's sentences.
    """
    gap = low[a:b]
    if not NEGATION_RX.search(gap):
        return None
    starts = [s for s, _ in sentences]
    for m in NEGATION_RX.finditer(gap):
        p = a + m.start()
        k = bisect_right(starts, p) - 1
        s_start, s_end = sentences[k] if k >= 0 else (0, len(low))
        shares = s_start < a or s_end > b  # the sentence also holds kept text
        if shares and not _inside_elided_clause(low, a, b, p):
            return f"the elision leaves out {m.group()!r}"
    return None


def _inside_elided_clause(low: str, a: int, b: int, p: int) -> bool:
    """Is position ``p`` inside an aside wholly left out, which does not negate what is kept?

    Two kinds are: a parenthesis (``(not 3)``, ``(i.e., not inotify-based)``) that is all of the
    gap, and a clause between commas that offers an alternative or describes (``, or if you
    cannot find …,``  ``, which did not …,``).  A plain condition (``, if a handler is not
    provided,``) is not: leaving it out turns "only if" into "always".
    """
    gap = low[a:b].strip(" ,;")
    if gap.startswith("(") and gap.endswith(")") and _balanced(gap):
        return True
    lo = max(a - 1, 0)
    left = max(low.rfind(c, lo, p) for c in ",;(")
    right_cands = [i for i in (low.find(c, p, b + 1) for c in ",;)") if i >= 0]
    if left < lo or not right_cands:
        return False
    right = min(right_cands)
    clause = words(low[left + 1 : right])
    if not clause:
        return False
    alternative = clause[0] == "or" and len(clause) > 1 and clause[1] in SUBORDINATORS
    relative = clause[0] in RELATIVES
    if not (alternative or relative):
        return False
    # the clause is all that is elided around the negation: no other negation-bearing text
    # of the gap's kept sentence lies outside it
    rest = low[a:left] + " " + low[right + 1 : b]
    return not NEGATION_RX.search(rest)
