"""Edited books: a leading editor list closed by "eds." / "ed." keeps its editors (not authors)."""

from __future__ import annotations

import pytest

from sphinx_karabakh.refs.parse import parse_reference


@pytest.mark.parametrize(
    ("raw", "families"),
    [
        (
            "Diamond, Irene, and Gloria Feman Orenstein, eds. Reweaving the World: The Emergence of "
            "Ecofeminism. San Francisco: Sierra Club, 1990.",
            ["Diamond", "Orenstein"],
        ),
        (
            "Scholz, Trebor, ed. Digital Labor: the Internet as Playground and Factory. "
            "New York: Routledge, 2013.",
            ["Scholz"],
        ),
    ],
)
def test_closing_eds_makes_editors(raw: str, families: list[str]) -> None:
    ref = parse_reference(raw)
    assert [p.family for p in ref.editors] == families
    assert not ref.authors
    assert ref.title.startswith(("Reweaving", "Digital Labor"))


def test_given_name_ed_stays_an_author() -> None:
    ref = parse_reference("Smith, Ed. 2019. A history of small things. London: Verso.")
    assert [p.family for p in ref.authors] == ["Smith"]
    assert not ref.editors
