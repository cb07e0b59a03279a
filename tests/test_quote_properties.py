"""Issue 8, property tests: a bracket holding a negation, a number or another name is never
verified, and no quote that starts or ends inside a number is.

Texts: the seeds and the small sources of the tests (plain text and Markdown).  Hypothesis
draws a place in a sentence, a span of source words for a bracket to stand for, and what the
bracket says.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sphinx_karabakh.sources import Verdict, load_sources

HERE = Path(__file__).resolve().parent
SOURCES = [load_sources(HERE.parent / "seeds"), load_sources(HERE / "data" / "sources")]
SENTENCES = [
    (ss, s.source, ss.normalized(s.id).text)
    for ss in SOURCES
    for src in ss.values()
    for s in src.passages
    if s.kind == "sentence"
    if 10 <= len(ss.normalized(s.id).text.split()) <= 60
]
WITH_NUMBER = [x for x in SENTENCES if re.search(r"\d[\d,.]*\d", x[2])]
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NEGATING = ["not", "never", "no", "cannot", "did not", "nothing", "without"]
_NEG = re.compile(
    r"\b(?:not|never|no|cannot|nothing|without|none|nor|neither|nobody|nowhere|hardly|barely"
    r"|scarcely)\b|n't\b",
    re.I,
)
_NUM = {
    **{
        w: str(i)
        for i, w in enumerate(
            ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
        )
    },
    **{w: str(i) for i, w in enumerate(["_", "first", "second", "third", "fourth", "fifth"]) if i},
    "twelve": "12",
    "twenty": "20",
    "once": "1",
    "twice": "2",
}


def negations(text: str) -> int:
    return len(_NEG.findall(text))


def numbers(text: str) -> set[str]:
    """The test's own idea of the numbers in a text (digits, a few number words)."""
    found = {m.replace(",", "") for m in re.findall(r"\d[\d,.]*", text)}
    return found | {_NUM[w] for w in re.findall(r"[a-z]+", text.lower()) if w in _NUM}


NUMBERS = ["2", "ten", "5,000", "1999", "3.5", "twenty", "12"]
NAMES = ["Zanzibar", "Obama", "Reykjavik", "Paraguay", "the Hanseatic League", "Nairobi"]
# names no source here mentions: no bracket may bring one in, whatever the pronoun before it
assert not any(
    n.split()[-1].lower() in src.text.lower()
    for ss in SOURCES
    for src in ss.values()
    for n in NAMES
)


@st.composite
def bracketed(draw, kind: str):
    ss, source, text = draw(st.sampled_from(SENTENCES))
    words = text.split(" ")
    i = draw(st.integers(min_value=1, max_value=len(words) - 2))
    n = draw(st.integers(min_value=0, max_value=min(3, len(words) - 1 - i)))
    replaced = " ".join(words[i : i + n])
    if kind == "negation":
        inserted = draw(st.sampled_from(NEGATING))
        if negations(inserted) == negations(replaced):
            inserted = f"{replaced} not".strip()
    elif kind == "number":
        inserted = draw(st.sampled_from(NUMBERS))
        if numbers(inserted) <= numbers(replaced):
            inserted = f"{inserted} 777"
    else:
        inserted = draw(st.sampled_from(NAMES))
    quote = " ".join([*words[max(0, i - 6) : i], f"[{inserted}]", *words[i + n : i + n + 6]])
    return ss, source, quote, replaced, inserted


def _assert_not_verified(ss, source, quote, what):
    r = ss.verify(quote, source=source)
    assert r.verdict is not Verdict.VERIFIED, (what, quote, r.passage)


@SETTINGS
@given(case=bracketed("negation"))
def test_a_bracket_that_adds_or_drops_a_negation_never_verifies(case):
    ss, source, quote, replaced, inserted = case
    _assert_not_verified(ss, source, quote, (replaced, inserted))


@SETTINGS
@given(case=bracketed("number"))
def test_a_bracket_that_brings_in_a_number_never_verifies(case):
    ss, source, quote, replaced, inserted = case
    _assert_not_verified(ss, source, quote, (replaced, inserted))


@SETTINGS
@given(case=bracketed("name"))
def test_a_bracket_with_a_name_the_source_does_not_have_never_verifies(case):
    ss, source, quote, replaced, inserted = case
    _assert_not_verified(ss, source, quote, (replaced, inserted))


@st.composite
def cut_inside_a_number(draw):
    ss, source, text = draw(st.sampled_from(WITH_NUMBER))
    m = draw(st.sampled_from(list(re.finditer(r"\d[\d,.]*\d", text))))
    cut = draw(st.integers(min_value=m.start() + 1, max_value=m.end() - 1))
    at_end = draw(st.booleans())
    if at_end:
        start = draw(st.integers(min_value=max(0, cut - 120), max_value=max(0, cut - 20)))
        start = text.rfind(" ", 0, start) + 1
        quote = text[start:cut]
    else:
        end = draw(
            st.integers(min_value=min(len(text), cut + 20), max_value=min(len(text), cut + 120))
        )
        end = text.find(" ", end)
        quote = text[cut : end if end > 0 else len(text)]
    return ss, source, quote


@SETTINGS
@given(case=cut_inside_a_number())
def test_any_quote_that_starts_or_ends_inside_a_number_is_not_verified(case):
    ss, source, quote = case
    if len(quote.split()) < 3:
        return
    _assert_not_verified(ss, source, quote, "cut inside a number")
