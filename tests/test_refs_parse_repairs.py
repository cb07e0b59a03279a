"""Post-processing repairs of the CRF's spans that generalise across styles."""

from __future__ import annotations

from sphinx_karabakh.refs.parse import parse_reference


def test_page_locator_leaves_the_container() -> None:
    ref = parse_reference(
        "Boulding, Kenneth E. “The Economics of the Coming Spaceship Earth.” In Environmental Quality "
        "in a Growing Economy: Essays from the Sixth RFF Forum, (p.227) edited by Henry Jarrett. "
        "Baltimore: Johns Hopkins University Press, 1966."
    )
    assert (
        ref.container
        == "Environmental Quality in a Growing Economy: Essays from the Sixth RFF Forum"
    )
    assert ref.pages == "227"


def test_tech_rep_is_no_journal() -> None:
    ref = parse_reference(
        "[145] S. Groblacher, J. T. Hill, A. H. Safavi-Naeini, J. Chan, and O. Painter, “Highly efficient "
        "coupling from an optical fiber to a nanoscale silicon optomechanical cavity,” Tech. Rep. 18 (2013)."
    )
    assert ref.container == ""
    assert ref.title.startswith("Highly efficient coupling")
