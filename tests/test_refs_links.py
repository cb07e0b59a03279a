"""Links from a reference list: only http(s), mailto and relative links become ``url`` fields
(and, in the Sphinx layer, hrefs); any other scheme is kept as text in ``note`` with a problem
that names the scheme. Everything from a reference is escaped in BibTeX so that bibtexparser and
pybtex read back exactly one entry per reference, with the values written (no Sphinx here)."""

from __future__ import annotations

import re

import bibtexparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pybtex.database import parse_string as pybtex_parse

from sphinx_karabakh.refs.bibtex import bibtex_unescape, to_entries, write_bibtex
from sphinx_karabakh.refs.links import refused_scheme
from sphinx_karabakh.refs.model import EntryType, Person, Reference
from sphinx_karabakh.refs.parse import parse_reference
from sphinx_karabakh.refs.pipeline import references_from_entries
from sphinx_karabakh.urls import link_target

HOSTILE_TARGETS = [
    ("javascript:alert(1)", "javascript"),
    (" JavaScript:alert(document.cookie)", "javascript"),
    ("java\tscript:alert(1)", "javascript"),
    ("JAVASCRIPT:alert(1)", "javascript"),
    ("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "data"),
    ("vbscript:msgbox(1)", "vbscript"),
    ("file:///etc/passwd", "file"),
]

#: How a link gets into a reference: a Markdown link, a LaTeX \url, a "Retrieved from" tail.
SHAPES = [
    "Smith, J. (2020). A title. Journal of Things, 3(1), 1-9. [Full text]({url})",
    "Smith, J. (2020). A title. [{url}]({url})",
    "Smith, J. (2020). A title. Press. \\url{{{url}}}",
    "Smith, J. (2020). A title. Retrieved from {url}",
    "Smith, J. (2020). A title. Available at: {url} (accessed 3 May 2021).",
]


def _linkable(url: str) -> bool:
    return link_target(url).linkable


@pytest.mark.parametrize(("target", "scheme"), HOSTILE_TARGETS)
@pytest.mark.parametrize("shape", SHAPES)
def test_unsafe_scheme_is_never_a_url_field(target: str, scheme: str, shape: str) -> None:
    raw = shape.format(url=target)
    ref = parse_reference(raw, line=7)
    assert not ref.url or _linkable(ref.url), ref.url
    [entry] = to_entries([ref])
    url = entry.field("url")
    assert not url or _linkable(url), url
    bib = write_bibtex([entry])
    for value in re.findall(r"^\s*url = \{(.*)\},?$", bib, re.M):
        assert _linkable(value), bib
    # only the shapes that make the text a link at all must report it; then the link is kept as
    # text in the note, and the problem names the scheme
    if ref.unlinked_url:  # (the CRF may take "Available at: data:…" whole for the link)
        refused = refused_scheme(ref.unlinked_url)
        assert refused and any(f"{refused}:" in p for p in entry.problems), entry.problems
        assert scheme in re.sub(r"\s+", "", entry.field("note").lower())


@pytest.mark.parametrize(("target", "scheme"), HOSTILE_TARGETS)
def test_markdown_link_with_unsafe_scheme_is_reported(target: str, scheme: str) -> None:
    ref = parse_reference(f"Smith, J. (2020). A title. Press. [Full text]({target})")
    assert ref.url == ""
    assert refused_scheme(ref.unlinked_url) == scheme
    assert any(f"{scheme}:" in p and "not a link" in p for p in ref.problems), ref.problems


def test_safe_links_stay_urls() -> None:
    for target in ("https://example.org/a_(b)", "http://example.org/x", "mailto:a@example.org"):
        ref = parse_reference(f"Smith, J. (2020). A title. Press. [Full text]({target})")
        assert ref.url == target and not ref.unlinked_url


def test_a_reference_given_to_the_writer_with_an_unsafe_url_is_not_written_as_url() -> None:
    """The writer keeps the policy whoever built the Reference (not only the parser)."""
    ref = Reference(
        raw="x",
        type=EntryType.ONLINE,
        authors=(Person("Smith", "J."),),
        year="2020",
        title="T",
        url=" JavaScript:alert(1)",
        confidence=0.9,
    )
    [entry] = to_entries([ref])
    assert entry.field("url") == ""
    assert "javascript:alert(1)" in entry.field("note").lower()
    assert any("javascript:" in p for p in entry.problems)


# -- escaping: what bibtexparser and pybtex read back ------------------------------------------

SPECIALS = "{}@\\%#&$_~^\"'`,=()[]<>|!?*+-/:;. éø—"
text_strategy = st.text(
    alphabet=st.sampled_from(list(SPECIALS) + list("abcXYZ019 ")), min_size=1, max_size=40
).filter(lambda t: t.strip(" ,;:."))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=text_strategy,
    container=text_strategy,
    publisher=text_strategy,
    family=text_strategy,
    given_name=text_strategy,
    note=text_strategy,
)
def test_every_value_reads_back_from_bibtexparser_and_pybtex(
    title: str, container: str, publisher: str, family: str, given_name: str, note: str
) -> None:
    ref = Reference(
        raw=f"{family}, {given_name}. {title}. {container}. {publisher}.",
        type=EntryType.ARTICLE,
        authors=(Person(family, given_name), Person("Other", "A.")),
        year="2020",
        title=title,
        container=container,
        volume="3",
        publisher=publisher,
        note=note,
        url="https://example.org/a%20b#frag?x={y}&z=\\w",
        confidence=0.9,
    )
    other = Reference(raw="Doe, K. (2019). Two.", authors=(Person("Doe", "K."),), year="2019")
    entries = to_entries([ref, other])
    text = write_bibtex(entries)
    lib = bibtexparser.parse_string(text, parse_stack=[])  # values as written, braces and all
    assert not lib.failed_blocks, text
    assert [e.key for e in lib.entries] == [e.key for e in entries]
    got = {f.key: f.value for f in lib.entries[0].fields}
    for name in ("title", "journal", "publisher", "note"):
        want = re.sub(r"\s+", " ", entries[0].field(name)).strip()
        value = got[name]
        assert value.startswith("{") and value.endswith("}"), (name, text)
        assert bibtex_unescape(value[1:-1]) == want, (name, text)
    db = pybtex_parse(text, "bibtex")
    assert list(db.entries) == [e.key for e in entries]
    assert len(db.entries[entries[0].key].persons["author"]) == 2, text


def test_hostile_reference_strings_read_back_one_entry_each() -> None:
    hostile = [
        "Smith, J. (2020). At @home: {braces} }unbalanced{ \\ back % pct # hash. J, 1(2), 3-4.",
        'Doe, K. (2019). "Title with @misc{evil, title={x}} inside". Press.',
        "O'Brien, @. (2018). Title } only. Publisher @ {Place}.",
        "Lee, A. (2017). \\end{document} and \\input{/etc/passwd}. Journal, 3, 1-2.",
        "Ng, B. (2016). Title%comment}. Journal, 4, 5. https://example.org/%7B?a=}{",
        "Wu, C. (2015). Title. [Full text](javascript:alert(1))",
        "}}}}{{{{ @@@ \\\\\\ %%% ###",
    ]
    parsed = references_from_entries("\n\n".join(hostile))
    text = parsed.bibtex()
    lib = bibtexparser.parse_string(text)
    assert not lib.failed_blocks and [e.key for e in lib.entries] == parsed.keys
    db = pybtex_parse(text, "bibtex")
    assert list(db.entries) == parsed.keys
