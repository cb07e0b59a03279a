"""How passages are shown and addressed (the stage's part of rendering; no Sphinx here)."""

from __future__ import annotations

import pytest

from sphinx_karabakh.sources import QuoteMatch, SourceMeta, Verdict, load_sources, source_from_text
from sphinx_karabakh.sources.display import (
    covered_paragraphs,
    display,
    left_out,
    shown_paragraphs,
    source_of,
)
from sphinx_karabakh.sources.sourceset import SourceSet


@pytest.fixture(scope="module")
def seeds(seeds_dir):
    return load_sources(seeds_dir)


def test_source_of_and_covered_paragraphs(seeds):
    assert source_of("legiec-2020:p4.s2") == "legiec-2020"
    assert source_of("legiec-2020:p3-p5") == "legiec-2020"
    assert source_of("legiec-2020") == "legiec-2020"
    legiec = seeds["legiec-2020"]
    rng = seeds.get_passage("legiec-2020:p3-p5")
    assert covered_paragraphs(legiec.paragraphs, rng) == tuple(
        f"legiec-2020:p{i}" for i in (3, 4, 5)
    )
    sent = seeds.get_passage("legiec-2020:p4.s1")
    assert covered_paragraphs(legiec.paragraphs, sent) == ("legiec-2020:p4",)


def test_shown_paragraphs_drop_markup_and_page_furniture(seeds):
    legiec = seeds["legiec-2020"]
    p = next(p for p in legiec.paragraphs if "in exchange for its involvement" in p.text)
    assert left_out(legiec, p.id) and "PISM" in legiec.text[slice(*left_out(legiec, p.id)[0])]
    (shown,) = shown_paragraphs(legiec, p)
    assert "PISM" not in shown and "Turkey, in exchange for its involvement" in shown
    # a Markdown paragraph is shown without its link syntax
    p4 = seeds.get_passage("legiec-2020:p4")
    assert "](#)" in p4.text
    assert all("](" not in text for text in shown_paragraphs(legiec, p4))
    # a range gives one string per paragraph
    assert len(shown_paragraphs(legiec, seeds.get_passage("legiec-2020:p3-p5"))) == 3


def test_display_cut_gives_the_shown_text_of_a_raw_span():
    md = SourceMeta(id="m", file="m.md", format="markdown")
    src = source_from_text("One **bold** claim. Then [a link](http://x.org) here.\n", md)
    para = src.paragraphs[0]
    shown = display(md, para.text, base=para.start)
    s1, s2 = src.sentences(para.id)
    assert shown.cut(s1.start, s1.end).strip() == "One bold claim."
    assert shown.cut(s2.start, s2.end).strip() == "Then a link here."


def test_sentence_range_and_matched_passage():
    meta = SourceMeta(id="t", file="t.txt")
    src = source_from_text("First one. Second one. Third one.\n\nOther paragraph here.\n", meta)
    ss = SourceSet([src])
    assert ss.sentence_range("t:p1", 2, 2).id == "t:p1.s2"
    rng = ss.sentence_range("t:p1", 1, 2)
    assert rng.text == "First one. Second one."
    with pytest.raises(KeyError, match="has no sentences 2-4"):
        ss.sentence_range("t:p1", 2, 4)
    with pytest.raises(KeyError):
        ss.sentence_range("t:p1.s1", 1, 1)  # a sentence has no sentences
    match = ss.verify("Second one.")
    assert match.verdict is Verdict.VERIFIED and ss.matched_passage(match).id == "t:p1.s2"
    spanning = ss.verify("one. Second")
    assert ss.matched_passage(spanning).id == "t:p1"  # across sentences: the paragraph
    assert ss.matched_passage(QuoteMatch(Verdict.NOT_FOUND, "x")) is None


def test_overlapping_paragraphs_equal_a_scan(seeds):
    """Bisection finds exactly what a scan over every paragraph finds, for any span."""
    from sphinx_karabakh.sources.display import overlaps
    from sphinx_karabakh.sources.model import Passage, PassageKind

    for src in seeds.values():
        n = len(src.text)
        marks = sorted({0, n, *(p.start for p in src.paragraphs), *(p.end for p in src.paragraphs)})
        probes = [*marks, *(m + 1 for m in marks), *(m - 1 for m in marks if m)]
        for a in probes[::3]:
            for b in (a, a + 1, a + 40, a + 900, n):
                span = Passage("x", src.id, PassageKind.RANGE, a, b, "", "", 1)
                scan = tuple(p.id for p in src.paragraphs if overlaps(p, span))
                assert covered_paragraphs(src, span) == scan, (src.id, a, b)
                assert covered_paragraphs(list(src.paragraphs), span) == scan


def test_first_paragraph_of_and_source_suggestions(seeds):
    from sphinx_karabakh.sources.display import first_paragraph_of

    assert first_paragraph_of("legiec-2020:p3-p5") == "legiec-2020:p3"
    assert first_paragraph_of("legiec-2020:p4.s2-s3") == "legiec-2020:p4.s2"
    assert first_paragraph_of("legiec-2020:p4.s2") == "legiec-2020:p4.s2"
    # a misspelt source: its passages are offered (no ID without ':' is that close)
    assert seeds.suggest_source("legiec-2002")[0].startswith("legiec-2020:")
    assert seeds.suggest_source("valiyev") and all(
        s.startswith("valiyev-2021") for s in seeds.suggest_source("valiyev")
    )
    assert seeds.suggest_source("zzzzzz-9999") == []
