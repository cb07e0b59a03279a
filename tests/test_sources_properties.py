"""Property-based: exact substrings, re-typeset, verify; one changed digit or a dropped "not" does not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sphinx_karabakh.sources import Verdict, load_sources

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

SS = load_sources(SEEDS)
PARAGRAPHS = [
    (p.id, SS[p.source].normalized(p.id).text)
    for s in SS.values()
    for p in s.paragraphs
    if len(SS[p.source].normalized(p.id).text.split()) >= 8
]
WITH_DIGIT = [(pid, t) for pid, t in PARAGRAPHS if re.search(r"\b\d[\d,]*\b", t)]
WITH_NOT = [(pid, t) for pid, t in PARAGRAPHS if re.search(r"\bnot\b", t)]

CURLY = {"'": ["'", "’", "‘"], '"': ['"', "“", "”"], "-": ["-", "–", "—"]}
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _retypeset(text: str, draw) -> str:
    out = []
    for ch in text:
        if ch in CURLY:
            out.append(draw(st.sampled_from(CURLY[ch])))
        elif ch == " ":
            out.append(draw(st.sampled_from([" ", "  ", "\n", " \n ", "\u00a0"])))
        else:
            out.append(ch)
    s = "".join(out)
    if draw(st.booleans()):
        s = s[:1].swapcase() + s[1:]
    return s


@st.composite
def substrings(draw, pool, min_words=4, must=None):
    pid, text = draw(st.sampled_from(pool))
    words = text.split(" ")
    if must is None:
        n = draw(st.integers(min_value=min_words, max_value=min(len(words), 40)))
        i = draw(st.integers(min_value=0, max_value=len(words) - n))
    else:
        hits = [k for k, w in enumerate(words) if must(w)]
        k = draw(st.sampled_from(hits))
        lo = draw(st.integers(min_value=max(0, k - 10), max_value=k))
        hi = draw(st.integers(min_value=k + 1, max_value=min(len(words), k + 12)))
        if hi - lo < min_words:
            hi = min(len(words), lo + min_words + 2)
            lo = max(0, hi - min_words - 2)
        i, n = lo, hi - lo
    return pid, " ".join(words[i : i + n]), draw


@SETTINGS
@given(data=st.data())
def test_any_exact_substring_retypeset_verifies(data):
    pid, quote, _ = data.draw(substrings(PARAGRAPHS))
    typed = _retypeset(quote, data.draw)
    source = pid.split(":")[0]
    r = SS.verify(typed, source=source)
    assert r.verdict is Verdict.VERIFIED, (pid, typed, r.reason, r.diff)
    # where else it verified, that passage holds the same words (quote marks and punctuation at
    # either end of a typed quote are the writer's, not the source's: see parse_quote)
    words = quote.lower().strip(" .,;:'")
    assert r.passage == pid or SS.normalized(r.passage).lower.find(words) >= 0


@SETTINGS
@given(data=st.data())
def test_changing_one_digit_is_not_verified(data):
    pid, quote, _ = data.draw(substrings(WITH_DIGIT, must=lambda w: bool(re.search(r"\d", w))))
    # digits in square brackets are footnote marks, which a quote may leave out or edit
    bracketed = {i for m in re.finditer(r"\[[^\]]*\]", quote) for i in range(m.start(), m.end())}
    positions = [i for i, c in enumerate(quote) if c.isdigit() and i not in bracketed]
    if not positions:
        return
    i = data.draw(st.sampled_from(positions))
    new = data.draw(st.sampled_from([d for d in "0123456789" if d != quote[i]]))
    typed = quote[:i] + new + quote[i + 1 :]
    # the changed quote may by chance occur elsewhere (e.g. "2020" -> "2021"): then it is fine
    low = typed.lower().strip(" .,;:")
    if any(low in t.lower() for _, t in PARAGRAPHS):
        return
    r = SS.verify(_retypeset(typed, data.draw), source=pid.split(":")[0])
    assert r.verdict is not Verdict.VERIFIED, (pid, typed)


@SETTINGS
@given(data=st.data())
def test_dropping_a_not_is_not_verified(data):
    pid, quote, _ = data.draw(substrings(WITH_NOT, must=lambda w: w == "not"))
    words = quote.split(" ")
    k = data.draw(st.sampled_from([i for i, w in enumerate(words) if w == "not"]))
    typed = " ".join(words[:k] + words[k + 1 :])
    low = typed.lower().strip(" .,;:")
    if len(typed.split()) < 3 or any(low in t.lower() for _, t in PARAGRAPHS):
        return
    r = SS.verify(_retypeset(typed, data.draw), source=pid.split(":")[0])
    assert r.verdict is not Verdict.VERIFIED, (pid, typed)
    if r.verdict is Verdict.MISQUOTE:
        assert "not" in r.diff


@pytest.mark.parametrize("pool", [WITH_DIGIT, WITH_NOT])
def test_pools_are_not_empty(pool):
    assert len(pool) >= 5


TYPO_TEXT = st.lists(
    st.sampled_from(
        [*list("ab Z9.,-'\"\n\t"), "“", "”", "’", "—", "–", "…", "\xa0", "**", "[x](u)", "\\_"]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(raw=TYPO_TEXT, markdown=st.booleans())
def test_normalized_offsets_are_monotonic_and_in_bounds(raw, markdown):
    from sphinx_karabakh.sources import normalize

    n = normalize(raw, markdown)
    last = 0
    for i, ch in enumerate(n.text):
        start, end = n.raw_span(i, i + 1)
        assert 0 <= start <= end <= len(raw)
        assert start >= last
        last = start
        if ch.isalnum():  # letters and digits are copied, never invented
            assert raw[start:end] == ch
    whole = n.raw_span(0, len(n.text))
    assert whole[1] <= len(raw)
    assert normalize(n.text).text == n.text or markdown  # idempotent on plain text
