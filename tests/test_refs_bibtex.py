"""BibTeX writing: keys, escaping, types and fields, read back by bibtexparser and pybtex."""

from __future__ import annotations

import io
import warnings
from contextlib import redirect_stderr
from pathlib import Path

import bibtexparser
import pybtex.errors
import pytest
from pybtex.database import parse_string

from sphinx_karabakh.refs.bibtex import (
    assign_keys,
    bibtex_escape,
    bibtex_unescape,
    key_base,
    to_entries,
    write_bibtex,
)
from sphinx_karabakh.refs.model import EntryType, Person, Reference
from sphinx_karabakh.refs.pipeline import references_from_text

SEED_004 = Path(__file__).parent.parent / "seeds" / "004_cc326326a6865e0d.txt"


def read_back(text: str):
    """Parse with bibtexparser and with pybtex in strict mode, failing on any warning."""
    lib = bibtexparser.parse_string(text)
    assert not lib.failed_blocks, [b.error for b in lib.failed_blocks]
    was_strict = pybtex.errors.strict
    pybtex.errors.set_strict_mode(True)  # any pybtex warning raises
    err = io.StringIO()
    try:
        with redirect_stderr(err), warnings.catch_warnings():
            warnings.simplefilter("error")
            db = parse_string(text, "bibtex")
    finally:
        pybtex.errors.set_strict_mode(was_strict)
    assert err.getvalue() == ""
    return lib, db


def ref(**kw) -> Reference:
    kw.setdefault("raw", "raw text")
    kw.setdefault("confidence", 0.9)
    return Reference(**kw)


def test_seed_004_keys_types_and_read_back() -> None:
    parsed = references_from_text(SEED_004.read_text(encoding="utf-8"))
    text = parsed.bibtex()
    lib, db = read_back(text)
    keys = parsed.keys
    assert [e.key for e in lib.entries] == keys == list(db.entries.keys())
    assert len(keys) == 29 == len(set(keys))
    assert keys[:5] == ["askerov2020a", "baylis2001", "doran2010", "goltz1998", "markedonov2018a"]
    for key in (
        "racz2021",
        "welt2021",
        "rferl2020",
        "center2013",
        "rytovuoriapunen2021",
        "askerov2020b",
        "markedonov2018b",
        "dewaal2021",
        "president2020",
    ):
        assert key in keys
    by_key = {e.key: e for e in lib.entries}
    assert by_key["abushov2019"].entry_type == "article"
    assert by_key["abushov2019"]["journal"] == "East European Politics"
    assert by_key["abushov2019"]["pages"] == "72--92"
    assert by_key["doran2010"].entry_type == "incollection"
    assert by_key["doran2010"]["booktitle"].startswith("International Cooperation")
    assert by_key["doran2010"]["editor"] == "Zartman, I. W. and Touval, S."
    assert by_key["rferl2020"]["author"] == "{RFE/RL}"
    assert by_key["center2013"]["author"] == "{Center for Security Studies ETH Zurich}"
    assert by_key["racz2021"].entry_type == "online"
    assert (
        by_key["racz2021"]["url"]
        == "https://www.iss.europa.eu/sites/default/files/EUISSFiles/Brief_8_2021.pdf"
    )
    assert by_key["racz2021"]["urldate"] == "2022-09-25"
    assert by_key["askerov2020a"]["author"] == "Askerov, A. and Brooks, S. and Tchantouridzé, L."
    # pybtex sees the people, corporate names as one last name
    assert [str(p) for p in db.entries["rferl2020"].persons["author"]] == ["{RFE/RL}"]
    assert len(db.entries["welt2021"].persons["author"]) == 2
    # written twice -> the same text
    assert references_from_text(SEED_004.read_text(encoding="utf-8")).bibtex() == text


def test_nasty_characters_escaped_and_unicode_kept() -> None:
    title = "Profits & losses: 50% of $5 #1 for A_B {NATO} ~ ^ \\ – Rácz, Иванов, 東京"
    r = ref(
        type=EntryType.ARTICLE,
        authors=(Person("Müller", "Jürgen"), Person("O'Brien & Sons", corporate=True)),
        year="2020",
        title=title,
        container="J. of {Brace} & Co",
        volume="3",
        pages="10–20",
        url="https://example.org/a_b%20c?x=1&y=2#frag~",
        doi="10.1000/a_b(1)",
    )
    text = write_bibtex(to_entries([r]))
    lib, db = read_back(text)
    e = lib.entries[0]
    assert (
        r"\&" in e["title"] and r"\%" in e["title"] and r"\$" in e["title"] and r"\_" in e["title"]
    )
    assert r"\{NATO\}" in e["title"] and r"\#1" in e["title"]
    assert bibtex_unescape(e["title"]) == title
    assert "Rácz, Иванов, 東京" in e["title"]
    assert e["url"] == "https://example.org/a_b%20c?x=1&y=2#frag~"  # urls are not escaped
    assert e["doi"] == "10.1000/a_b(1)"
    assert e["pages"] == "10--20"
    assert e["author"] == "Müller, Jürgen and {O'Brien \\& Sons}"
    assert db.entries[e.key].fields["journal"] == r"J. of \{Brace\} \& Co"


def test_unbalanced_braces_and_url_with_space() -> None:
    r = ref(
        type=EntryType.ONLINE,
        authors=(Person("Doe", "J."),),
        year="2021",
        title="Half { open",
        url="https://example.org/a b{c}",
        container="Site",
    )
    text = write_bibtex(to_entries([r]))
    lib, _ = read_back(text)
    assert bibtex_unescape(lib.entries[0]["title"]) == "Half { open"
    assert lib.entries[0]["url"] == "https://example.org/a%20b%7Bc%7D"
    assert lib.entries[0]["organization"] == "Site"


@pytest.mark.parametrize("text", ["a & b", "100%", "x_y", "{a}", "}{", "\\", "~^", "$#"])
def test_escape_roundtrip(text: str) -> None:
    assert bibtex_unescape(bibtex_escape(text)) == text


def test_keys_deterministic_and_collisions_in_input_order() -> None:
    def make():
        return [
            ref(authors=(Person("Smith", "J."),), year="2020", title="B"),
            ref(authors=(Person("Rácz", "A."),), year="2021", title="C"),
            ref(authors=(Person("Smith", "K."),), year="2020", title="A"),
            ref(authors=(Person("SMITH", "L."),), year="2020", title="D"),
            ref(authors=(Person("Waal", "T.", particle="de"),), year="2019", title="E"),
            ref(authors=(), year="", title="The Anonymous Pamphlet"),
            ref(authors=(Person("Lee", "A."),), year="2018", year_suffix="b", title="F"),
            ref(authors=(Person("Lee", "A."),), year="2018", year_suffix="a", title="G"),
            ref(authors=(Person("Иванов", "И."),), year="2015", title="H"),
        ]

    refs = make()
    keys = assign_keys(refs)
    assert keys == [
        "smith2020a",
        "racz2021",
        "smith2020b",
        "smith2020c",
        "dewaal2019",
        "anonymousnd",
        "lee2018b",
        "lee2018a",
        "ivanov2015",
    ]
    assert [r.key for r in refs] == keys
    assert assign_keys(make()) == keys
    assert key_base(ref(authors=(Person("RFE/RL", corporate=True),), year="2020")) == "rferl2020"


def test_every_reference_one_entry_badly_parsed_becomes_misc_with_raw_note() -> None:
    good = ref(
        type=EntryType.BOOK,
        authors=(Person("Goltz", "T."),),
        year="1998",
        title="Diary",
        publisher="R",
    )
    bad = Reference(raw="??? garbled & broken {reference", confidence=0.1, title="garbled")
    empty = Reference(raw="", confidence=0.0)
    entries = to_entries([good, bad, empty])
    assert [e.entry_type for e in entries] == ["book", "misc", "misc"]
    assert entries[1].degraded and any("written as @misc" in p for p in entries[1].problems)
    lib, _ = read_back(write_bibtex(entries))
    assert len(lib.entries) == 3
    assert bibtex_unescape(lib.entries[1]["note"]) == "??? garbled & broken {reference"


def test_types_map_to_bibtex_fields() -> None:
    refs = [
        ref(
            type=EntryType.REPORT,
            authors=(Person("Welt", "C."),),
            year="2021",
            title="R",
            institution="CRS",
            number="R46651",
        ),
        ref(
            type=EntryType.THESIS,
            authors=(Person("Ng", "A."),),
            year="2010",
            title="T",
            institution="MIT",
            raw="Ng, A. (2010). T. PhD thesis, MIT.",
        ),
        ref(
            type=EntryType.INPROCEEDINGS,
            authors=(Person("Doe", "J."),),
            year="2019",
            title="P",
            container="Proc. ICDAR",
            pages="1-8",
        ),
        ref(
            type=EntryType.ONLINE,
            authors=(Person("Bechev", "D."),),
            year="2020",
            title="O",
            container="Al Jazeera",
            url="https://x.org",
            urldate="2022-07-27",
        ),
    ]
    lib, _ = read_back(write_bibtex(to_entries(refs)))
    e = {x.key: x for x in lib.entries}
    assert e["welt2021"].entry_type == "techreport" and e["welt2021"]["institution"] == "CRS"
    assert e["ng2010"].entry_type == "phdthesis" and e["ng2010"]["school"] == "MIT"
    assert e["doe2019"]["booktitle"] == "Proc. ICDAR" and e["doe2019"]["pages"] == "1--8"
    assert (
        e["bechev2020"]["organization"] == "Al Jazeera"
        and e["bechev2020"]["urldate"] == "2022-07-27"
    )
