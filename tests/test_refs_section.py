"""Finding the reference section and splitting it into references (no Sphinx)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sphinx_karabakh.refs.section import find_reference_section, is_reference_heading, split_entries

DATA = Path(__file__).parent / "data" / "refdocs"
SEED_004 = Path(__file__).parent.parent / "seeds" / "004_cc326326a6865e0d.txt"

# Read off seed 004 by hand: (line, category, first words) of each of its 29 references.
# (6 books, 4 journal articles, 19 online articles; the last one sits on line 163, the file's
# last line, which has no final newline.)
SEED_004_REFERENCES = [
    (115, "Books", "Askerov, A., Brooks, S."),
    (116, "Books", "Baylis, J., & Smith"),
    (117, "Books", "Doran, C., 2010."),
    (118, "Books", "Goltz, T., 1998."),
    (119, "Books", "Markedonov, S, 2018."),
    (120, "Books", "Sterling-Folker, J., 2002."),
    (124, "Journal Articles", "Abushov, K., 2019."),
    (125, "Journal Articles", "Bekiarova, N., 2019."),
    (126, "Journal Articles", "Kropatcheva, E., 2012."),
    (127, "Journal Articles", "Rose, G., 1998."),
    (131, "Online Articles", "Akhundov, S., 2016."),
    (135, "Online Articles", "Askerov, A., 2020."),
    (137, "Online Articles", "Bechev, D., 2020."),
    (139, "Online Articles", "Center for Security Studies ETH Zurich, 2013."),
    (141, "Online Articles", "De Waal, T., 2021."),
    (143, "Online Articles", "Gabuev, A., 2020."),
    (145, "Online Articles", "Hovhannisyan, N., & Bagirova"),
    (147, "Online Articles", "Liakhov, P., 2016."),
    (149, "Online Articles", "Markedonov, S., 2018."),
    (151, "Online Articles", "McDougall, W., 2007."),
    (152, "Online Articles", "Mehdiyev, M., 2022."),
    (153, "Online Articles", "Minzarari, D., 2020."),
    (154, "Online Articles", "Ohanyan, A., 2020."),
    (155, "Online Articles", "President of Russia, 2020."),
    (156, "Online Articles", "Racz, A., 2021."),
    (157, "Online Articles", "RFE/RL, 2020."),
    (161, "Online Articles", "RYTÖVUORI-APUNEN, H., 2021."),
    (162, "Online Articles", "Stronski, P., 2020."),
    (163, "Online Articles", "Welt, C. & Bowen, A. S., 2021."),
]


def refs_of(path: Path) -> list:
    section = find_reference_section(path.read_text(encoding="utf-8"))
    assert section is not None, path
    return list(section.references)


def test_seed_004_every_reference_in_order_with_line_and_category() -> None:
    section = find_reference_section(SEED_004.read_text(encoding="utf-8"))
    assert section is not None
    assert (section.heading.line, section.heading.title) == (111, "References")
    refs = list(section.references)
    assert len(refs) == len(SEED_004_REFERENCES) == 29
    for ref, (line, category, start) in zip(refs, SEED_004_REFERENCES, strict=True):
        assert (ref.line, ref.category) == (line, category), ref
        assert ref.text.startswith(start), ref
        assert "\n" not in ref.text and "  " not in ref.text
        assert not ref.text.startswith(("-", "*", "Retrieved"))


def test_seed_004_retrieved_from_after_blank_line_joins_the_entry_above() -> None:
    refs = refs_of(SEED_004)
    akhundov = refs[10]
    assert akhundov.text.endswith("(accessed on 6 September 2022).")
    assert "Retrieved from: <https://www.opendemocracy.net/en/odr/azerbaidjanism/>" in akhundov.text
    assert not any(r.text.startswith("Retrieved") for r in refs)
    # the unbulleted entries separated by blank lines are each one reference
    assert refs[11].text.startswith("Askerov, A., 2020. The Nagorno Karabakh Conflict")
    assert refs[11].text.endswith("(accessed on 15 September 2022)")


def test_ieee_numbered_list_after_a_table_of_contents() -> None:
    refs = refs_of(DATA / "ieee.txt")
    assert [r.label for r in refs] == ["1", "2", "3", "4", "5"]
    assert [r.line for r in refs] == [17, 19, 21, 23, 25]
    assert refs[0].text == (
        'A. Smith, B. Jones, and C. Lee, "Learning to parse references," IEEE Trans. Pattern Anal. '
        "Mach. Intell., vol. 40, no. 3, pp. 101-115, 2018."
    )
    assert refs[4].text.endswith("Available: https://www.who.int/publications/ref-report-2020")


def test_apa_hanging_indents_end_at_appendix() -> None:
    refs = refs_of(DATA / "apa_hanging.md")
    assert [r.text.split(" (")[0] for r in refs] == [
        "Brown, T., & White, P.",
        "García, M.",
        "García, M.",
        "Smith, J., & Jones, K.",
        "Taylor, R., Patel, S., & O'Neil, D.",
    ]
    assert refs[1].text.endswith("*12*(3), 45–67. https://doi.org/10.1234/rde.2020.12")
    assert refs[4].text.endswith("(pp. 12–34). Routledge.")
    assert not any("appendix" in r.text for r in refs)


def test_markdown_numbered_items_with_bold_categories_end_at_about_the_author() -> None:
    refs = refs_of(DATA / "markdown_numbered.md")
    assert [(r.label, r.category, r.line) for r in refs] == [
        ("1", "Books", 7),
        ("2", "Books", 8),
        ("3", "Articles", 13),
    ]
    assert refs[1].text == "Le Guin, Ursula K. *The Dispossessed*. Harper & Row, 1974."
    assert refs[2].text.endswith("1992, pp. 21–39.")


def test_german_literatur_underlined_wrapped_paragraphs() -> None:
    refs = refs_of(DATA / "german.txt")
    assert [r.line for r in refs] == [11, 14, 17]
    assert (
        refs[0].text
        == "Müller, Hans (2003): Die Kunst des Zitierens. Eine kurze Geschichte. Berlin: Suhrkamp."
    )
    assert refs[1].text.endswith("für Philologie 45 (2), S. 100–120.")


def test_russian_and_bold_heading_vancouver() -> None:
    assert [r.label for r in refs_of(DATA / "russian.md")] == ["1", "2"]
    refs = refs_of(DATA / "bold_vancouver.txt")
    assert [r.label for r in refs] == ["1", "2", "3"]
    assert (
        refs[1].text
        == "Lee K, Park J, Kim S, et al. Cohort outcomes of a large trial. Lancet. 2019;393:1200-9."
    )
    assert not any("thank" in r.text for r in refs)


def test_no_reference_section() -> None:
    assert find_reference_section((DATA / "no_refs.txt").read_text(encoding="utf-8")) is None
    assert find_reference_section("") is None


@pytest.mark.parametrize(
    "title",
    [
        "References",
        "## 7. REFERENCES",
        "**Bibliography**",
        "Works Cited:",
        "Literature Cited",
        "Literaturverzeichnis",
        "Références",
        "Bibliografía",
        "Daftar Pustaka",
        "Список литературы",
        "VII. References",
        "Notes and References",
        "Reference List",
    ],
)
def test_reference_headings(title: str) -> None:
    assert is_reference_heading(title)


@pytest.mark.parametrize(
    "title", ["Literature Review", "Introduction", "Referenced works we liked", "Notes"]
)
def test_not_reference_headings(title: str) -> None:
    assert not is_reference_heading(title)


def test_flat_one_per_line_and_wrapped_paragraphs_and_first_line_indent() -> None:
    flat = (
        "Body.\n\nReferences\n\n"
        "Adams, D. (1979). The hitchhiker's guide. Pan Books.\n"
        "Baker, E. (2001). Second work. Journal of Things, 3(2), 1-9.\n"
        "Clark, F. (2012). Third work. https://example.org/third\n"
    )
    assert [r.line for r in find_reference_section(flat).references] == [5, 6, 7]
    wrapped = (
        "# References\n\n"
        "Adams, D. (1979). The hitchhiker's guide to the galaxy, a very long title that\n"
        "wraps onto a second line. Pan Books.\n\n"
        "Baker, E. (2001). Second work. Journal of Things,\n3(2), 1-9.\n"
    )
    refs = find_reference_section(wrapped).references
    assert (
        len(refs) == 2
        and refs[0].text.endswith("second line. Pan Books.")
        and refs[1].text.endswith("3(2), 1-9.")
    )
    first_indent = (
        "References\n\n"
        "    Adams, D. (1979). The hitchhiker's guide to the galaxy, a very long title\n"
        "that wraps. Pan Books.\n"
        "    Baker, E. (2001). Second work.\n"
    )
    refs = find_reference_section(first_indent).references
    assert [r.line for r in refs] == [3, 5]


def test_bullets_lazy_continuation_page_break_and_bare_url_line() -> None:
    text = (
        "## Bibliography\n\n"
        "* Adams, D. (1979). The hitchhiker's guide to the\n"
        "galaxy. Pan Books.\n"
        "• Baker, E. (2001). Second work, published by the University\n\n"
        "of Nowhere Press.\n\n"
        "https://example.org/baker\n\n"
        "(3) Clark, F. 2012. Third.\n\n"
        "## Notes\n\n1. A note, not a reference (2020).\n"
    )
    refs = find_reference_section(text).references
    assert [(r.line, r.label) for r in refs] == [(3, ""), (5, ""), (11, "3")]
    assert refs[0].text == "Adams, D. (1979). The hitchhiker's guide to the galaxy. Pan Books."
    assert refs[1].text == (
        "Baker, E. (2001). Second work, published by the University of Nowhere Press. https://example.org/baker"
    )


def test_split_entries_blank_lines_or_one_per_line() -> None:
    by_blank = "Adams, D. 1979. A\ntitle.\n\n\n[2] Baker, E. 2001. B.\n\nRetrieved from x\n"
    refs = split_entries(by_blank)
    assert [(r.text, r.line, r.label) for r in refs] == [
        ("Adams, D. 1979. A title.", 1, ""),
        ("Baker, E. 2001. B.", 5, "2"),
        ("Retrieved from x", 7, ""),  # the contract: one paragraph, one entry
    ]
    per_line = "\nAdams, D. 1979. A.\nBaker, E. 2001. B.\n- Clark, F. 2012. C.\n"
    assert [(r.text, r.line) for r in split_entries(per_line)] == [
        ("Adams, D. 1979. A.", 2),
        ("Baker, E. 2001. B.", 3),
        ("Clark, F. 2012. C.", 4),
    ]
    assert split_entries("\n \n") == []


def test_pdf_like_wrapped_lines_without_blank_lines() -> None:
    text = (
        "REFERENCES\n\n"
        "Skocpol, Theda. 1979. States and Social Revolutions: A Comparative Analysis of\n"
        "France, Russia, and China. Cambridge: Cambridge University Press.\n"
        "Wight, Colin. 2002. \u201cPhilosophy of Science and International Relations.\u201d In\n"
        "Walter Carlsnaes, Thomas Risse and Beth Simmons (eds.), Handbook of International\n"
        "Relations. London: Sage, 23-51.\n"
        "Hull, Matthew S. 2012. \u201cDocuments and Bureaucracy.\u201d Annual Review of\n"
        "Anthropology 41: 251-267.\n"
    )
    refs = find_reference_section(text).references
    assert [r.line for r in refs] == [3, 5, 8]
    assert refs[1].text.endswith("London: Sage, 23-51.")


def test_numbered_marker_wrapped_onto_a_line_is_not_a_new_item() -> None:
    text = (
        "## References\n\n"
        "1. Sandilands, R. J. 2004. The relation of government to monetary control\n"
        "   [1] March 29, 1935. Journal of Economic Studies 31(3/4): 270-279.\n"
        "2. Doe, K. 2002. Short.\n"
    )
    refs = find_reference_section(text).references
    assert [(r.label, r.line) for r in refs] == [("1", 3), ("2", 5)]
    assert "control [1] March 29" in refs[0].text


def test_crlf_form_feeds_page_numbers_and_unicode_line_separators() -> None:
    text = (
        "Intro (Smith 2020).\r\n\r\nReferences\r\n\r\n"
        "Smith, J. (2020). A title that goes on and\r\n\x0c12\r\n"
        "on. Journal.\r\nDoe, K. (2019). Another\u2028one. Press.\r\n"
    )
    refs = find_reference_section(text).references
    assert [(r.line, r.text) for r in refs] == [
        (5, "Smith, J. (2020). A title that goes on and on. Journal."),
        (8, "Doe, K. (2019). Another one. Press."),
    ]


def test_footer_after_the_list_and_heading_attributes() -> None:
    text = (
        "## References {#refs}\n\n"
        "- Adams, D. (1979). The hitchhiker's guide. Pan Books.\n"
        "- Baker, E. (2001). Second work. Journal of Things, 3(2), 1-9.\n\n"
        "© 2023 The Authors. This article is licensed under CC BY 4.0.\n"
    )
    section = find_reference_section(text)
    assert [r.line for r in section.references] == [3, 4]
    assert section.end_line == 5


def test_wikipedia_back_links_and_spaced_labels() -> None:
    text = "Text.\n\nReferences\n\n^ Smith, John (2020). Title.\n^ a b Doe, Jane (2019). Other.\n[ 3 ] Lee, K. 2018. Third.\n"
    refs = find_reference_section(text).references
    assert [(r.text, r.label) for r in refs] == [
        ("Smith, John (2020). Title.", ""),
        ("Doe, Jane (2019). Other.", ""),
        ("Lee, K. 2018. Third.", "3"),
    ]


def test_a_file_that_is_only_a_list_counts_as_its_own_section() -> None:
    text = "Smith, J. (2020). One. Press.\nDoe, K. (2019). Two. Journal 3, 1-2.\nLee, M. 2018. Three.\n"
    section = find_reference_section(text)
    assert section is not None and section.heading.line == 0
    assert [r.line for r in section.references] == [1, 2, 3]
    prose = (
        "We met in 2019. It rained.\n\nThen, in 2020, we met again. Smith, the host, was late.\n"
    )
    assert find_reference_section(prose) is None


def test_markdown_link_definitions_and_footnotes_are_not_references() -> None:
    text = (
        "Body [^1].\n\n## References\n\n"
        "1. Adams, D. (1979). The hitchhiker's guide. Pan Books.\n"
        "2. Baker, E. (2001). Second work. [Online][2]\n\n"
        '[2]: https://example.org/baker "Baker"\n\n'
        "[^1]: A footnote, not a reference (2020).\n"
    )
    refs = find_reference_section(text).references
    assert [(r.label, r.line) for r in refs] == [("1", 5), ("2", 6)]


def test_indented_dash_or_plus_and_a_number_alone_continue_a_hanging_entry() -> None:
    text = (
        "# References\n\n"
        "Durret, F., & Kaastra, J. S. (2008). Clusters of galaxies. SSRv, 134,\n"
        "    51\n"
        "Anonyme. (1934). Torpilles et armes sous-marines, 25 p.\n"
        "    + annexes, SHD Lorient\n"
        "Yanitski, M. (2013). Tabloids. Bulgarian Speech 19 (1). 20\n"
        "    – 24\n"
    )
    refs = find_reference_section(text).references
    assert [r.text for r in refs] == [
        "Durret, F., & Kaastra, J. S. (2008). Clusters of galaxies. SSRv, 134, 51",
        "Anonyme. (1934). Torpilles et armes sous-marines, 25 p. + annexes, SHD Lorient",
        "Yanitski, M. (2013). Tabloids. Bulgarian Speech 19 (1). 20 – 24",
    ]


def test_same_level_category_headings_and_a_numbered_chapter_after() -> None:
    text = (
        "## References\n\n## Primary Sources\n\n- Treaty of Kars, 1921. Moscow.\n\n"
        "## Secondary Literature\n\n- Smith, J. (2020). A book. Press.\n\n"
        "## Chapter 2: The War\n\nSmith, J. (2020) wrote much.\n"
    )
    refs = find_reference_section(text).references
    assert [(r.category, r.line) for r in refs] == [
        ("Primary Sources", 5),
        ("Secondary Literature", 9),
    ]


def test_bare_numbers_without_dots_from_pdf_text() -> None:
    text = (
        "References\n\n"
        "1 Smith J, Jones K. A long title of a trial that wraps onto the next line in the\n"
        "PDF text. Lancet 2019; 393: 1200-9.\n"
        "2 Lee K, Park J. Cohort outcomes. BMJ 2018; 360: k1.\n"
        "3 World Health Organization. Immunization agenda 2030. Geneva: WHO, 2020.\n"
    )
    refs = find_reference_section(text).references
    assert [(r.label, r.line) for r in refs] == [("1", 3), ("2", 5), ("3", 6)]
    assert refs[0].text.endswith("PDF text. Lancet 2019; 393: 1200-9.")
