"""Passages: IDs, offsets, exclusions, page-break joins and sentence splitting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sphinx_karabakh.sources import (
    PassageKind,
    SourceMeta,
    load_source_file,
    load_sources,
    normalize,
    source_from_text,
)

DATA = Path(__file__).parent / "data" / "sources"


@pytest.fixture(scope="module")
def seeds(seeds_dir):
    return load_sources(seeds_dir)


@pytest.fixture(scope="module")
def fixtures():
    return load_sources(DATA)


def test_seed_passages_keep_their_invariants(seeds):
    assert list(seeds) == [
        "legiec-2020",
        "defence24-2020",
        "valiyev-2021",
        "kazimzada-2023",
        "anggraeni-2022",
    ]
    for src in seeds.values():
        assert src.paragraphs, src.id
        newlines = [m.start() for m in re.finditer("\n", src.text)]
        last_end = -1
        for n, para in enumerate(src.paragraphs, start=1):
            assert para.id == f"{src.id}:p{n}"
            assert para.kind is PassageKind.PARAGRAPH
            assert src.text[para.start : para.end] == para.text
            assert para.start > last_end  # document order, no overlap
            last_end = para.end
            assert para.line == sum(1 for x in newlines if x < para.start) + 1
            assert re.fullmatch(r"[0-9a-f]{16}", para.hash)
            sents = src.sentences(para.id)
            assert sents
            for m, sent in enumerate(sents, start=1):
                assert sent.id == f"{para.id}.s{m}"
                assert src.text[sent.start : sent.end] == sent.text
                assert para.start <= sent.start < sent.end <= para.end
        # passages lists each paragraph, then its sentences
        kinds = [p.kind for p in src.passages]
        assert kinds[0] is PassageKind.PARAGRAPH
        assert len(src.passages) == len(src.paragraphs) + sum(
            len(src.sentences(p.id)) for p in src.paragraphs
        )


def test_ids_are_deterministic(seeds_dir, seeds):
    again = load_sources(seeds_dir)
    for sid in seeds:
        assert [(p.id, p.start, p.end, p.hash) for p in seeds[sid].passages] == [
            (p.id, p.start, p.end, p.hash) for p in again[sid].passages
        ]


def test_boilerplate_and_end_marker_are_left_out(seeds):
    texts = {sid: " ".join(p.text for p in s.paragraphs) for sid, s in seeds.items()}
    assert "This post was published in Defence24" not in texts["defence24-2020"]
    assert "Follow us everywhere" not in texts["defence24-2020"]
    assert "Subscribe to Google News" not in texts["defence24-2020"]
    assert "cookies" not in texts["kazimzada-2023"]
    assert "Contributed by Ziya Kazimzada" not in texts["kazimzada-2023"]
    # valiyev's end marker is its title: only the LAST paragraph starting with it cuts
    val = seeds["valiyev-2021"]
    assert val.paragraphs[0].text.startswith("Karabakh After the 44-Day War")
    assert "All rights reserved" not in texts["valiyev-2021"]
    assert "Map of Azerbaijan and Environs" not in texts["valiyev-2021"]
    assert val.paragraphs[-1].text.startswith("A situation that probably haunts")


def test_page_break_joins_one_paragraph(seeds):
    legiec = seeds["legiec-2020"]
    joined = [p for p in legiec.paragraphs if "in exchange for its involvement" in p.text]
    assert len(joined) == 1
    p = joined[0]
    assert "Turkey,\n\nPISM BULLETIN\n\nin exchange" in p.text  # text is the raw slice
    norm = legiec.normalized(p.id).text
    assert "Turkey, in exchange for its involvement" in norm
    assert "PISM" not in norm
    # the running header is not a paragraph of its own
    assert not any(q.text.startswith("PISM BULLETIN") for q in legiec.paragraphs)

    ang = seeds["anggraeni-2022"]
    both = [p for p in ang.paragraphs if "a huge escalation" in p.text]
    assert len(both) == 1 and "of violence broke out" in both[0].text
    sent = [s for s in ang.sentences(both[0].id) if "a huge escalation" in s.text]
    assert len(sent) == 1 and "of violence broke out" in sent[0].text


def test_sentences_do_not_split_at_abbreviations_or_numbers(seeds, fixtures):
    d24 = seeds["defence24-2020"]
    sentences = [s.text for s in d24.passages if s.kind is PassageKind.SENTENCE]
    assert any(
        s.startswith("Although the details are unknown, it is known that 2,000. Russian")
        for s in sentences
    )
    assert any("i.e. the southern road connecting Stepanakert" in s for s in sentences)
    fn = fixtures["field-notes"]
    texts = [s.text for s in fn.passages if s.kind is PassageKind.SENTENCE]
    assert any(
        t.startswith("Dr. Smith, of the U.S. delegation") and "e.g. the OSCE observers." in t
        for t in texts
    )
    assert 'A. S. Jones called this "a serious \\_flaw\\_".' in texts
    assert (
        "Nobody expects a settlement soon... Yet both governments say they are not opposed to talks."
        in texts
    )
    assert "The ceasefire was signed on 9 November." in texts


def test_markdown_headings_and_list_items_are_paragraphs(fixtures):
    fn = fixtures["field-notes"]
    texts = [p.text for p in fn.paragraphs]
    assert texts[0] == "# Field Notes on a Ceasefire"
    assert "## Background" in texts
    assert "**Outlook**" in texts
    assert "- First, the parties exchange prisoners." in texts
    assert "- Second, refugees return under the supervision of the UNHCR." in texts
    assert "2. Elections are not planned before 2025..." in texts
    assert fn.normalized("field-notes:p1").text == "Field Notes on a Ceasefire"
    assert not any("Share this article" in t or "Cookie" in t for t in texts)
    # the boilerplate between two halves of a paragraph is dropped and the halves are joined
    joined = next(p for p in fn.paragraphs if "without an escort" in p.text)
    assert "of the peacekeeping contingent" in joined.text
    assert "BULLETIN" not in fn.normalized(joined.id).text


def test_plain_text_keeps_what_markdown_would_strip():
    meta = SourceMeta(id="t", file="t.txt")
    src = source_from_text("Stars *are* kept in plain text.\n\nSecond paragraph.\n", meta)
    assert src.normalized("t:p1").text == "Stars *are* kept in plain text."
    md = source_from_text(
        "Stars *are* dropped in Markdown.\n", SourceMeta(id="m", file="m.md", format="markdown")
    )
    assert md.normalized("m:p1").text == "Stars are dropped in Markdown."


def test_crlf_and_bom_offsets_index_the_file_as_read(tmp_path):
    path = tmp_path / "w.txt"
    path.write_bytes(
        "\ufeffFirst line of one\r\nparagraph here.\r\n\r\nSecond “para”.\r\n".encode()
    )
    src = load_source_file(path, SourceMeta(id="w", file="w.txt"))
    assert [p.text for p in src.paragraphs] == [
        "\ufeffFirst line of one\r\nparagraph here.",
        "Second “para”.",
    ]
    for p in src.passages:
        assert src.text[p.start : p.end] == p.text
    assert src.paragraphs[1].line == 4
    assert src.normalized("w:p1").text == "First line of one paragraph here."


def test_normalize_maps_back_to_raw_offsets():
    raw = "He said  “no”\n— twice… [the text](http://x.y/z) and **bold**"
    n = normalize(raw, markdown=True)
    assert n.text == "He said 'no'-twice... the text and bold"
    i = n.text.index("the text")
    start, end = n.raw_span(i, i + len("the text"))
    assert raw[start:end] == "the text"
    j = n.text.index("bold")
    assert raw[slice(*n.raw_span(j, j + 4))] == "bold"
    k = n.text.index("'no'")
    assert raw[slice(*n.raw_span(k, k + 4))] == "“no”"
    assert n.lower == n.text.lower()


def test_cache_returns_the_same_parsed_source(seeds_dir):
    a = load_sources(seeds_dir)["legiec-2020"]
    b = load_sources(seeds_dir)["legiec-2020"]
    assert a is b


def test_markdown_entities_footnotes_and_code_are_markup():
    raw = "Tom &amp; Jerry&rsquo;s `deal`[^2] &bogus; stays [^9]\n\n[^2]: The note.\n"
    n = normalize(raw, markdown=True)
    # a footnote reference is markup; one with no definition is text, as CommonMark reads it
    assert n.text == "Tom & Jerry's deal &bogus; stays [^9] The note."
    i = n.text.index("&")
    assert n.raw_span(i, i + 1) == (4, 9)  # the whole entity
    assert normalize("Tom &amp; Jerry").text == "Tom &amp; Jerry"  # plain text is left alone


def test_one_paragraph_per_line_and_front_matter():
    long1 = "The first paragraph is a long line of prose " * 6
    long2 = "The second paragraph follows on the next line " * 6
    src = source_from_text(
        f"{long1.strip()}\n{long2.strip()}\nShort wrapped\nline.\n",
        SourceMeta(id="l", file="l.txt"),
    )
    assert [p.text for p in src.paragraphs] == [
        long1.strip(),
        long2.strip(),
        "Short wrapped\nline.",
    ]
    md = source_from_text(
        "---\ntitle: X\ndate: 2020\n---\n\n# Heading\n\nBody text.\n",
        SourceMeta(id="m", file="m.md", format="markdown"),
    )
    assert [p.text for p in md.paragraphs] == ["# Heading", "Body text."]


def test_parts_leave_the_page_furniture_out(seeds):
    legiec = seeds["legiec-2020"]
    p = next(p for p in legiec.paragraphs if "in exchange for its involvement" in p.text)
    parts = legiec.parts(p.id)
    assert len(parts) == 2 and parts[0][0] == p.start and parts[-1][1] == p.end
    shown = " ".join(legiec.text[s:e] for s, e in parts)
    assert "PISM" not in shown and "Turkey, in exchange for its involvement" in shown
    sent = next(
        s for s in legiec.sentences(p.id) if "Turkey," in s.text and "in exchange" in s.text
    )
    assert len(legiec.parts(sent.id)) == 2
    assert legiec.parts("legiec-2020:p3") == (
        (legiec.paragraphs[2].start, legiec.paragraphs[2].end),
    )


def test_line_end_hyphenation_is_undone():
    src = source_from_text(
        "The negoti-\nations over Nagorno-\nKarabakh failed in 1992-\n1994.\n",
        SourceMeta(id="h", file="h.txt"),
    )
    assert (
        src.normalized("h:p1").text == "The negotiations over Nagorno-Karabakh failed in 1992-1994."
    )
