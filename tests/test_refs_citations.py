"""In-text citations: finding, resolving, auditing (no Sphinx)."""

from __future__ import annotations

from pathlib import Path

from sphinx_karabakh.refs.bibtex import to_entries
from sphinx_karabakh.refs.citations import find_citations, resolve_all
from sphinx_karabakh.refs.model import CitationStyle, EntryType, Person, RawReference, Reference
from sphinx_karabakh.refs.pipeline import audit_text, read_document, references_from_text

DATA = Path(__file__).parent / "data" / "refdocs"
SEED_004 = Path(__file__).parent.parent / "seeds" / "004_cc326326a6865e0d.txt"

# Every citation in seed 004's body, read by hand (grep "([^()]*[12][0-9]{3}[^()]*)" over lines
# 1-110 gives 44 brackets: 41 parenthetical ones, one holding two works, and the years of three
# narrative citations), with the entry each one means. None = the reference list has no such work.
SEED_004_CITATIONS = [
    (23, "Welt and Bowen 2021", "welt2021"),
    (
        25,
        "Zurich 2013",
        "center2013",
    ),  # Center for Security Studies ETH Zurich, by part of its name
    (29, "Askerov et al. 2020", "askerov2020a"),  # the book with three authors
    (29, "Akhundov 2016", "akhundov2016"),
    (29, "Liakhov 2016", "liakhov2016"),
    (31, "Hovhannisyan & Bagirova 2020", "hovhannisyan2020"),
    (35, "Mandalis 2020", None),  # not in the list
    (35, "Ahmad Zainal Mustofa (2021)", None),  # narrative, full name; not in the list
    (39, "Rose (1998)", "rose1998"),
    (39, "Baylis et al. (2001)", "baylis2001"),
    (39, "Sterling-Folker 2002", "sterlingfolker2002"),
    (39, "Doran 2010", "doran2010"),
    (39, "Kropatcheva 2012", "kropatcheva2012"),
    (45, "Bekiarova 2019", "bekiarova2019"),
    (47, "Kanchev 2008", None),  # not in the list
    (47, "McDougall 2007", "mcdougall2007"),
    (47, "Bekiarova 2019", "bekiarova2019"),
    (51, "Abushov 2019", "abushov2019"),
    (55, "Welt and Bowen 2021", "welt2021"),
    (57, "Goltz 1998", "goltz1998"),
    (57, "Askerov 2020", "askerov2020b"),  # one author: the online article, not the book
    (61, "Markedonov 2018", "markedonov2018a"),  # two Markedonov 2018 entries: the first one
    (63, "Welt and Bowen 2021", "welt2021"),
    (67, "Askerov 2020", "askerov2020b"),
    (73, "President of Russia 2020", "president2020"),
    (75, "Stronski 2020", "stronski2020"),
    (75, "RÁCZ 2021", "racz2021"),
    (79, "Rácz 2021", "racz2021"),
    (81, "Rácz 2021", "racz2021"),
    (83, "Rácz 2021", "racz2021"),
    (83, "Ohanyan 2020", "ohanyan2020"),
    (85, "Rác 2021", "racz2021"),  # a typo
    (85, "The Nagorno-Karabakh Conflict In Its Fourth Decade 2021", "dewaal2021"),  # by title
    (89, "Minzarari 2020", "minzarari2020"),
    (89, "Bechev 2020", "bechev2020"),
    (91, "Minzarari 2020", "minzarari2020"),
    (93, "Rytovuori-Apunen 2021", "rytovuoriapunen2021"),  # listed as RYTÖVUORI-APUNEN
    (95, "Mehdiyev 2022", "mehdiyev2022"),
    (95, "Gabuev 2020", "gabuev2020"),
    (95, "Bechev 2020", "bechev2020"),
    (97, "Rytovuori-Apunen 2021", "rytovuoriapunen2021"),
    (101, "RÁCZ 2021", "racz2021"),
    (103, "RFE/RL 2020", "rferl2020"),
    (103, "Rytovuori-Apunen 2021", "rytovuoriapunen2021"),
    (109, "Gabuev 2020", "gabuev2020"),
]


def test_seed_004_audit_matches_a_reading_of_the_paper() -> None:
    result = audit_text(read_document(SEED_004))
    got = [(r.citation.line, r.citation.text, r.key) for r in result.citations]
    assert got == SEED_004_CITATIONS
    assert {r.citation.text for r in result.unresolved} == {
        "Mandalis 2020",
        "Ahmad Zainal Mustofa (2021)",
        "Kanchev 2008",
    }
    # every entry is cited except the second Markedonov 2018 (the citation picks the first one)
    assert result.uncited == ["markedonov2018b"]
    markedonov = next(r for r in result.citations if r.citation.text == "Markedonov 2018")
    assert "ambiguous" in markedonov.reason and "markedonov2018b" in markedonov.reason


def test_years_in_prose_are_not_citations() -> None:
    text = (
        "In 1994, a truce (April 2016) held; the Bishkek Protocol (1994) and (from 1991 to 1994) "
        "and (CIS) and (see Figure 3). On April 5th it broke.\n"
        "A [2020 report](http://x.org/a_2020) and [link][1]. Around 2,000 troops (about 2,000 in 2020). "
        "The war (2020) ended in September of 2020 (Moscow time).\n"
        "(N = 2020) (p < 2020) (Q3 2020) (Oct. 2020) (12 October 2020) (Law No. 5 of 2020) [3]: http://x.org/ref and [3](http://y).\n"
    )
    assert [c.text for c in find_citations(text)] == []


def test_citation_forms() -> None:
    text = (
        "First (Smith 2019, 2020; see also Doe, 2018: 12). Rose's (1998) view; Baylis, Smith and "
        "Owens (2001) say so (e.g., Lee et al. 2015, pp. 3-5) (Kim n.d.).\n"
        "García (2020a, p. 7) and later (2020b). Numbers [3], [3–5], [1, 4] and [2]-[4].\n"
    )
    cs = find_citations(text)
    got = [
        (c.line, c.text, c.names, c.year, c.locator, c.style.value)
        for c in cs
        if c.style is not CitationStyle.NUMERIC
    ]
    assert got == [
        (1, "Smith 2019", ("Smith",), "2019", "", "parenthetical"),
        (1, "Smith 2020", ("Smith",), "2020", "", "parenthetical"),
        (1, "Doe, 2018: 12", ("Doe",), "2018", "12", "parenthetical"),
        (1, "Rose (1998)", ("Rose",), "1998", "", "narrative"),
        (
            1,
            "Baylis, Smith and Owens (2001)",
            ("Baylis", "Smith", "Owens"),
            "2001",
            "",
            "narrative",
        ),
        (1, "Lee et al. 2015, pp. 3-5", ("Lee", "et al."), "2015", "pp. 3-5", "parenthetical"),
        (1, "Kim n.d.", ("Kim",), "n.d.", "", "parenthetical"),
        (2, "García (2020a, p. 7)", ("García",), "2020a", "p. 7", "narrative"),
        (2, "2020b", (), "2020b", "", "parenthetical"),
    ]
    numbers = [c.number for c in cs if c.style is CitationStyle.NUMERIC]
    assert numbers == [3, 3, 4, 5, 1, 4, 2, 3, 4]


def _entries(*refs: Reference):
    return to_entries(list(refs))


def test_resolution_tolerates_case_accents_typos_corporate_and_title() -> None:
    entries = _entries(
        Reference(
            raw="r",
            type=EntryType.ONLINE,
            authors=(Person("Rácz", "A."),),
            year="2021",
            title="In Russia's hands",
            confidence=1,
        ),
        Reference(
            raw="r",
            authors=(Person("Center for Security Studies ETH Zurich", corporate=True),),
            year="2013",
            title="Obstacles",
            confidence=1,
        ),
        Reference(
            raw="r",
            authors=(Person("De Waal", "T."),),
            year="2021",
            title="The conflict in its fourth decade",
            confidence=1,
        ),
        Reference(
            raw="r",
            authors=(Person("Rytövuori-Apunen", "H."),),
            year="2021",
            title="Puzzle",
            confidence=1,
        ),
        Reference(raw="r", authors=(Person("Smith", "J."),), year="2020", title="A", confidence=1),
        Reference(
            raw="r",
            authors=(Person("Smith", "J."), Person("Jones", "K."), Person("Lee", "M.")),
            year="2020",
            title="B",
            confidence=1,
        ),
    )
    text = (
        "(RÁCZ 2021) (Racz 2021) (Rác 2021) (Zurich 2013) (ETH Zurich 2013) (CSS 2013) "
        "(The Conflict in Its Fourth Decade 2021) (Rytovuori-Apunen 2021) (Smith 2020) (Smith et al. 2020) "
        "(Smith 2021) (Racz 2020) (Jonson 2020)"
    )
    keys = [r.key for r in resolve_all(find_citations(text), entries)]
    assert keys == [
        "racz2021",
        "racz2021",
        "racz2021",
        "center2013",
        "center2013",
        "center2013",
        "dewaal2021",
        "rytovuoriapunen2021",
        "smith2020a",
        "smith2020b",
        None,
        None,
        None,
    ]


def test_numeric_by_label_and_by_position() -> None:
    refs = [
        Reference(
            raw=f"r{i}", authors=(Person(f"A{i}x", "B."),), year="2000", title="T", confidence=1
        )
        for i in range(3)
    ]
    entries = to_entries(refs)
    labelled = [
        RawReference("r0", 1, "", "7"),
        RawReference("r1", 2, "", "8"),
        RawReference("r2", 3, "", "9"),
    ]
    cs = find_citations("see [8] and [2] and [7-9]")
    assert [r.key for r in resolve_all(cs, entries, labelled)] == [
        entries[1].key,
        None,
        entries[0].key,
        entries[1].key,
        entries[2].key,
    ]
    assert [r.key for r in resolve_all(find_citations("see [2]"), entries)] == [entries[1].key]


def test_fixture_documents() -> None:
    apa = audit_text(read_document(DATA / "apa_hanging.md"))
    assert [(r.citation.text, r.key) for r in apa.citations] == [
        ("Smith & Jones, 2019", "smith2019"),
        ("García (2020a)", "garcia2020a"),
        ("García (2020b)", "garcia2020b"),
        ("Smith & Jones, 2019", "smith2019"),
        ("Taylor et al., 2017, p. 4", "taylor2017"),
        ("Ngata, 2011", None),
    ]
    assert apa.uncited == ["brown2010"]
    ieee = audit_text(read_document(DATA / "ieee.txt"))
    assert all(r.key for r in ieee.citations) and ieee.uncited == []
    assert [r.citation.number for r in ieee.citations][:6] == [1, 3, 2, 3, 4, 5]
    vancouver = audit_text(read_document(DATA / "bold_vancouver.txt"))
    assert [r.citation.number for r in vancouver.citations] == [
        1,
        2,
        3,
    ]  # "(1)" read as numeric: the list is numbered
    assert vancouver.uncited == []
    german = audit_text(read_document(DATA / "german.txt"))
    assert [r.key for r in german.citations] == ["muller2003", "schmidt1999"]
    assert german.citations[1].citation.locator == "S. 12"
    md = references_from_text(read_document(DATA / "markdown_numbered.md"))
    assert [
        r.key for r in audit_text(read_document(DATA / "markdown_numbered.md"), md).citations
    ] == [
        md.keys[0],
        md.keys[1],
        None,
    ]  # "(Example 2019)" sits in "About the author", outside the list


def test_weak_narrative_counts_only_when_it_resolves_and_footnote_marks_are_ignored() -> None:
    text = (
        "Intro.\n\nAs the World Health Organization (2020) says, and the Bishkek Protocol (1994) set out,"
        " vaccines work[1] (Smith 2019a, b). Wie Smith (2019a) zeigt.\n\n"
        "## References\n\n"
        "World Health Organization. (2020). Immunization agenda 2030. Geneva: WHO.\n"
        "Smith, J. (2019a). First. Journal, 1(1), 1-2.\n"
        "Smith, J. (2019b). Second. Journal, 1(2), 3-4.\n"
    )
    result = audit_text(text)
    assert [(r.citation.text, r.key) for r in result.citations] == [
        ("World Health Organization (2020)", "world2020"),
        ("Smith 2019a", "smith2019a"),
        ("Smith 2019b", "smith2019b"),
        ("Smith (2019a)", "smith2019a"),  # "Wie" dropped once "Smith" is found
    ]
    assert result.uncited == []


def test_citations_written_as_markdown_links() -> None:
    text = (
        "As shown ([Smith, 2020](#ref-1); [Doe and Lee 2019](#r2)) and Rose ([1998](#r3)), "
        "unlike a [2020 report](http://x.org) or a [link](http://x.org/2020)."
    )
    got = [(c.text, c.style.value, c.year) for c in find_citations(text)]
    assert got == [
        ("Smith, 2020", "parenthetical", "2020"),
        ("Doe and Lee 2019", "parenthetical", "2019"),
        ("Rose (1998)", "narrative", "1998"),
    ]


def test_badly_parsed_entry_can_still_be_cited_by_raw_name_and_year() -> None:
    entries = to_entries([Reference(raw="Garbled, X. blah 2015 something", confidence=0.1)])
    keys = [r.key for r in resolve_all(find_citations("as said (Garbled 2015)"), entries)]
    assert keys == [entries[0].key]


def test_a_short_name_is_not_a_prefix_of_a_longer_one() -> None:
    entries = to_entries(
        [
            Reference(
                raw="r", authors=(Person("Kimball", "A."),), year="2020", title="T", confidence=1
            )
        ]
    )
    assert [r.key for r in resolve_all(find_citations("(Kim 2020) (Kimbal 2020)"), entries)] == [
        None,
        "kimball2020",
    ]
