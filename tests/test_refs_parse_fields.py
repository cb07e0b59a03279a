"""Name splitting and field normalisers of the reference parser, case by case."""

from __future__ import annotations

import pytest

from sphinx_karabakh.refs.fields import (
    clean_doi,
    clean_pages,
    clean_title,
    iso_date,
    split_volume,
    unescape_url,
)
from sphinx_karabakh.refs.names import split_names
from sphinx_karabakh.refs.parse import parse_reference


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "Askerov, A., Brooks, S., & Tchantouridzé, L.,",
            [("Askerov", "A.", ""), ("Brooks", "S.", ""), ("Tchantouridzé", "L.", "")],
        ),
        ("Zartman, I. W. & Touval S. (eds.)", [("Zartman", "I. W.", ""), ("Touval", "S.", "")]),
        ("RYTÖVUORI-APUNEN, H.", [("Rytövuori-Apunen", "H.", "")]),
        (
            "Smith AB, Jones CD, van der Berg JH",
            [("Smith", "A. B.", ""), ("Jones", "C. D.", ""), ("Berg", "J. H.", "van der")],
        ),
        (
            "J. Smith, K. Lee, and M. Wong",
            [("Smith", "J.", ""), ("Lee", "K.", ""), ("Wong", "M.", "")],
        ),
        ("Smith, John, and Mary Jones", [("Smith", "John", ""), ("Jones", "Mary", "")]),
        (
            "Geller, Anne Ellen, Michele Eodice, and Meg Carroll",
            [("Geller", "Anne Ellen", ""), ("Eodice", "Michele", ""), ("Carroll", "Meg", "")],
        ),
        (
            "Marco Gadola, David Vetturi, and Luca Manzo",
            [("Gadola", "Marco", ""), ("Vetturi", "David", ""), ("Manzo", "Luca", "")],
        ),
        ("Ludwig van Beethoven", [("Beethoven", "Ludwig", "van")]),
        ("Beauvoir, Simone de", [("Beauvoir", "Simone", "de")]),
        ("Niebauer T.M., Hollander W.J.", [("Niebauer", "T.M.", ""), ("Hollander", "W.J.", "")]),
        (
            "Hodgkins R, Bryant R, Darlington E and Brandon M",
            [
                ("Hodgkins", "R.", ""),
                ("Bryant", "R.", ""),
                ("Darlington", "E.", ""),
                ("Brandon", "M.", ""),
            ],
        ),
        ("Smith J, Jones K, et al.", [("Smith", "J.", ""), ("Jones", "K.", "")]),
        ("Müller, H. und Schmidt, K.", [("Müller", "H.", ""), ("Schmidt", "K.", "")]),
        ("Dupont, J. et Martin, P.", [("Dupont", "J.", ""), ("Martin", "P.", "")]),
    ],
)
def test_split_names(text: str, want: list[tuple[str, str, str]]) -> None:
    got = [(p.family, p.given, p.particle) for p in split_names(text)]
    assert got == want


def test_suffix_and_corporate() -> None:
    (_a, b) = split_names("Accordino, M. P. & Guerney, Jr., B. G.")
    assert (b.family, b.given, b.suffix) == ("Guerney", "B. G.", "Jr.")
    for name in (
        "Center for Security Studies ETH Zurich",
        "RFE/RL",
        "President of Russia",
        "World Health Organization",
    ):
        (p,) = split_names(name)
        assert p.corporate and p.family == name
    assert not split_names("De Waal, T.")[0].corporate


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("15 September 2022", "2022-09-15"),
        ("September 15, 2022", "2022-09-15"),
        ("2022-09-15", "2022-09-15"),
        ("2020 Jan 5", "2020-01-05"),
        ("3rd of March 2019", "2019-03-03"),
        ("Jan. 5, 2024", "2024-01-05"),
        ("September 2022", ""),
        ("", ""),
    ],
)
def test_iso_date(text: str, want: str) -> None:
    assert iso_date(text) == want


@pytest.mark.parametrize(
    ("raw", "urldate"),
    [
        (
            "Doe, J. 2020. Page. Site. https://x.org/a (accessed on 15 September 2022).",
            "2022-09-15",
        ),
        ("Doe, J. 2020. Page. Site. https://x.org/a. Accessed: 2022-09-15.", "2022-09-15"),
        (
            "Doe J. Page [Internet]. 2020 [cited 2020 Jan 5]. Available from: https://x.org/a",
            "2020-01-05",
        ),
        ("Doe, J. (2020). Page. Retrieved March 3, 2019, from https://x.org/a", "2019-03-03"),
    ],
)
def test_urldate_phrases(raw: str, urldate: str) -> None:
    ref = parse_reference(raw)
    assert ref.urldate == urldate
    assert ref.url == "https://x.org/a"


def test_normalisers() -> None:
    assert clean_pages("pp. 72–92.") == "72-92"
    assert clean_pages("S. 12") == "12"
    assert clean_pages("189 p.") == ""
    assert clean_title('"The two sides of multilateral cooperation".') == (
        "The two sides of multilateral cooperation"
    )
    assert clean_title("*Soft Power*.") == "Soft Power"
    assert clean_title("Is it?") == "Is it?"
    assert unescape_url("https://a.org/x\\\\_y\\_z.") == "https://a.org/x_y_z"
    assert clean_doi("https://doi.org/10.1017/S0020818300027661.") == "10.1017/S0020818300027661"
    assert clean_doi("doi:10.1000/xyz123") == "10.1000/xyz123"
    assert split_volume("37(3)") == ("37", "3")
    assert split_volume("Vol. 3") == ("3", "")
    assert split_volume("v. 36(6)") == ("36", "6")
    assert split_volume("Volume 91, numéro 340") == ("91", "340")


def test_markdown_links_and_spaces_in_urls() -> None:
    ref = parse_reference(
        "Doe, J., 2020. Title, [online]. Retrieved from: [https://a.org/x\\\\_y- z](https://a.org/x_y- z)"
    )
    assert ref.url == "https://a.org/x_y-z"
    assert "URL contains a space" in ref.problems
    ref = parse_reference("Doe, J., 2020. Title. Available at <https://a.org/p?q=1&r=2>.")
    assert ref.url == "https://a.org/p?q=1&r=2"
    ref = parse_reference("Doe, J., 2020. Title. [the page](https://a.org/page).")
    assert ref.url == "https://a.org/page"
