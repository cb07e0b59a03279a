"""Nothing is lost between a reference list and its entries: for generated reference lists, in the
layouts papers use, every reference string becomes exactly one entry (or a reported failure),
whatever its author is called -- including corporate authors whose names are also words that end
a reference section ("Copyright Office", "Notes Inc.", "Appendix Press").

The generator writes each reference as one string, lays the list out (one per line, blank lines
between, bullets, numbers, hanging indents, wrapped), puts it under a References heading with a
body before it and, sometimes, real page furniture or a real appendix after it, and checks:

* the section holds as many references as were written, and each entry's raw text is the
  reference as written (nothing dropped, nothing merged, nothing cut);
* the pipeline gives one entry per reference; entries with problems count as reported failures,
  so ``entries + failures-without-entry == references`` (the second term must be 0).
"""

from __future__ import annotations

import re
import textwrap

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sphinx_karabakh.refs.pipeline import references_from_text
from sphinx_karabakh.refs.section import find_reference_section

#: Corporate authors whose names start with words that also name page furniture or end headings.
HOSTILE_CORPORATE = [
    "Copyright Office",
    "U.S. Copyright Office",
    "Copyright Clearance Center",
    "Acknowledgements Committee",
    "Appendix Press",
    "Index Publishing",
    "Notes Inc.",
    "Funding Council of Wales",
    "Glossary Books",
    "Tables and Figures Group",
    "Disclaimer Society",
    "License Bureau",
    "Contributors Guild",
    "Biography Institute",
    "Correspondence Unit",
    "Supplementary Materials Lab",
    "Further Reading Trust",
    "How to Cite Foundation",
    "All Rights Reserved Records",
    "Licensed Under Collective",
    "Received Wisdom Ltd",
    "Abbreviations Council",
    "Declarations Office",
    "Annex Research",
    "Endnotes Quarterly",
    "Ethics Board",
]
PERSONS = [
    ("Smith", "J."),
    ("Jones", "K. L."),
    ("Okafor", "N."),
    ("García", "M."),
    ("Müller", "H."),
    ("Nguyen", "T."),
    ("de Waal", "T."),
    ("O'Brien", "S."),
    ("Ivanova", "E."),
    ("Kowalski", "P."),
]
TITLES = [
    "Copyright registration",
    "Index of protected works",
    "Notes on a truce",
    "Appendix to the annual report",
    "The politics of ceasefires",
    "Acknowledging the archive",
    "A history of licensing",
    "Tables, figures and the public record",
]
CONTAINERS = ["Journal of Peace Research", "Security Dialogue", "Law Review", "Annals of Data"]


@st.composite
def reference(draw: st.DrawFn) -> str:
    """One reference string in an APA- or Harvard-like style."""
    if draw(st.booleans()):
        author = draw(st.sampled_from(HOSTILE_CORPORATE))
        who = author if author.endswith(".") else author + "."
    else:
        people = draw(st.lists(st.sampled_from(PERSONS), min_size=1, max_size=3, unique=True))
        names = [f"{f}, {g}" for f, g in people]
        who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + ", & " + names[-1]
    year = draw(st.integers(1950, 2024))
    title = draw(st.sampled_from(TITLES))
    style = draw(st.sampled_from(["apa-web", "apa-article", "harvard-book"]))
    if style == "apa-web":
        path = draw(st.sampled_from(["registration", "works/index", "notes"]))
        return f"{who} ({year}). {title}. https://www.example.org/{path}"
    if style == "apa-article":
        container = draw(st.sampled_from(CONTAINERS))
        vol = draw(st.integers(1, 80))
        return f"{who} ({year}). {title}. {container}, {vol}(2), 10-25."
    return f"{who.rstrip('.')}, {year}. {title}. London: Routledge."


def layout(refs: list[str], style: str) -> str:
    if style == "lines":
        return "\n".join(refs)
    if style == "blank":
        return "\n\n".join(refs)
    if style == "bullets":
        return "\n".join(f"- {r}" for r in refs)
    if style == "numbered":
        return "\n".join(f"{i}. {r}" for i, r in enumerate(refs, 1))
    if style == "bracketed":
        return "\n".join(f"[{i}] {r}" for i, r in enumerate(refs, 1))
    if style == "hanging":
        return "\n".join(
            textwrap.fill(r, 60, initial_indent="", subsequent_indent="    ") for r in refs
        )
    if style == "wrapped-blank":
        return "\n\n".join(textwrap.fill(r, 50) for r in refs)
    raise AssertionError(style)


LAYOUTS = ["lines", "blank", "bullets", "numbered", "bracketed", "hanging", "wrapped-blank"]
AFTER = [
    "",
    "\n\n© 2021 The Authors. Published by Example Press.\n",
    "\n\nCopyright © 2021 by the authors. Licensee Example, Basel.\n",
    "\n\n## Appendix\n\nA table of ceasefires, 1994-2020.\n",
]


HEADINGS = ["## References", "References", "REFERENCES", "7. References", "References\n=========="]
#: A page footer inside the list (PDF text): skipped, never the end of the list.
PAGE_FOOTER = "© 2021 The Authors. Published by Example Press."


def document(refs: list[str], style: str, after: str, heading: str, footer_at: int) -> str:
    body = layout(refs, style)
    if 0 < footer_at < len(refs) and style in ("lines", "blank"):
        lines = body.split("\n\n" if style == "blank" else "\n")
        lines.insert(footer_at, f"\n{PAGE_FOOTER}\n")
        body = ("\n\n" if style == "blank" else "\n").join(lines)
    return (
        "# A paper\n\nCeasefires rarely hold, as the record shows.\n\n"
        + heading
        + "\n\n"
        + body
        + "\n"
        + after
    )


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(
    refs=st.lists(reference(), min_size=1, max_size=12),
    style=st.sampled_from(LAYOUTS),
    after=st.sampled_from(AFTER),
    heading=st.sampled_from(HEADINGS),
    footer_at=st.integers(0, 11),
)
def test_every_reference_string_becomes_one_entry(
    refs: list[str], style: str, after: str, heading: str, footer_at: int
) -> None:
    text = document(refs, style, after, heading, footer_at)
    section = find_reference_section(text)
    assert section is not None
    raws = [_norm(r.text) for r in section.references]
    assert raws == [_norm(r) for r in refs], text
    parsed = references_from_text(text)
    failures_without_entry = len(refs) - len(parsed.entries)
    assert len(parsed.entries) + failures_without_entry == len(refs)
    assert failures_without_entry == 0


def test_copyright_office_in_the_middle_keeps_the_references_after_it() -> None:
    """The case from the issue: a U.S. Copyright Office reference, then more references."""
    text = (
        "## References\n\n"
        "Abbott, K. (2019). A first work. Journal of Things, 3(1), 1-9.\n"
        "Copyright Office. (2021). Copyright registration. https://www.copyright.gov/registration/\n"
        "U.S. Copyright Office. (2021). Copyright registration. https://www.copyright.gov/\n"
        "Zhou, L. (2020). A last work. Journal of Things, 4(2), 10-19.\n"
    )
    parsed = references_from_text(text)
    assert [e.reference.raw.split(".")[0] for e in parsed.entries] == [
        "Abbott, K",
        "Copyright Office",
        "U",
        "Zhou, L",
    ]


def test_real_footer_still_ends_the_list() -> None:
    """Page furniture after the list is still no reference (the heuristic keeps its purpose)."""
    text = (
        "## References\n\n"
        "Abbott, K. (2019). A first work. Journal of Things, 3(1), 1-9.\n"
        "Zhou, L. (2020). A last work. Journal of Things, 4(2), 10-19.\n\n"
        "© 2021 The Authors. Published by Example Press. All rights reserved.\n"
        "Received: 3 March 2021; Accepted: 9 May 2021\n"
    )
    section = find_reference_section(text)
    assert section is not None and len(section.references) == 2


def test_a_wrapped_line_that_reads_like_a_notice_is_kept() -> None:
    """A line after an unfinished one is no page footer, whatever it starts with ("Copyright
    2021 …"): its text stays in the references (the splitter may make it an entry of its own in
    a one-per-line list), and the references after it are kept."""
    text = (
        "## References\n\n"
        "Abbott, K. (2019). A first work. Journal of Things, 3(1), 1-9.\n"
        "Brown, T. (2021). The handbook of\n"
        "Copyright 2021 edition. London: Routledge.\n"
        "Zhou, L. (2020). A last work. Journal of Things, 4(2), 10-19.\n"
        "Wu, C. (2018). Another handbook of\n"
        "© 2018 practice. Leiden: Brill.\n"
    )
    section = find_reference_section(text)
    assert section is not None
    joined = " ".join(r.text for r in section.references)
    assert "The handbook of Copyright 2021 edition. London: Routledge." in joined
    assert "Another handbook of © 2018 practice. Leiden: Brill." in joined
    assert joined.endswith("Leiden: Brill.") and "Zhou, L. (2020)" in joined
