"""The quotes feature in real Sphinx builds: RST and MyST projects, warnings, -W, suppression.

Projects: tests/roots/test-quotes-rst and test-quotes-myst (two tiny hand-made sources in
``texts/``, one Markdown, one plain text). Every build gets its own copy (``srcdir=``), because
the build writes ``karabakh.lock`` next to ``conf.py``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest


class Page(HTMLParser):
    """Ids, links and text of one built HTML page (enough for our assertions)."""

    def __init__(self, path: Path):
        super().__init__()
        self.html = path.read_text(encoding="utf-8")
        self.ids: list[str] = []
        self.links: list[tuple[str, tuple[str, ...]]] = []  # (href, classes of enclosing <p>)
        self.ancestors: list[tuple[str, str, str]] = []  # (tag, id, class)
        self.id_context: dict[str, list[str]] = {}  # id -> ids of its ancestors
        self.feed(self.html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
            self.id_context[a["id"]] = [i for _t, i, _c in self.ancestors if i]
        if tag == "a" and "href" in a:
            classes = tuple(c for _t, _i, cls in self.ancestors for c in cls.split())
            self.links.append((a["href"], classes))
        if tag not in ("br", "img", "meta", "link", "input", "hr"):
            self.ancestors.append((tag, a.get("id", ""), a.get("class", "")))

    def handle_endtag(self, tag):
        for i in range(len(self.ancestors) - 1, -1, -1):
            if self.ancestors[i][0] == tag:
                del self.ancestors[i:]
                break

    def links_in(self, css_class: str) -> list[str]:
        return [href for href, classes in self.links if css_class in classes]


def page(app, name: str) -> Page:
    return Page(Path(app.outdir) / f"{name}.html")


def body(app, name: str) -> str:
    html = (Path(app.outdir) / f"{name}.html").read_text(encoding="utf-8")
    start = html.index('<div class="body"')
    return html[start : html.index('<div class="sphinxsidebar"', start)]


def assert_links_resolve(app, name: str, css_class: str) -> list[str]:
    """Every link inside elements of ``css_class`` points at an id that exists."""
    hrefs = [h for h in page(app, name).links_in(css_class) if "://" not in h]
    for href in hrefs:
        target, _, anchor = href.partition("#")
        target_page = page(app, target[:-5]) if target else page(app, name)
        assert anchor in target_page.ids, f"{name}: {href} points nowhere"
    return hrefs


# --- the RST project ----------------------------------------------------------------------------


@pytest.mark.sphinx("html", testroot="quotes-rst", srcdir="quotes-rst-html")
def test_rst_source_page_anchors_every_passage_and_sentence(app):
    app.build()
    alpha = page(app, "alpha")
    for n in range(1, 6):
        assert f"alpha-p{n}" in alpha.ids
    assert {"alpha-p2-s1", "alpha-p2-s2", "alpha-p2-s3"} <= set(alpha.ids)
    assert 'href="#alpha-p2"' in alpha.html and "¶ alpha:p2</a>" in alpha.html
    # Markdown: the markup goes, a link stays a link; headings/items get a kind.
    assert (
        'signed a <a class="karabakh-source-link reference external" '
        'href="https://example.org/statement">trilateral statement</a> ending the war'
    ) in alpha.html
    assert "**" not in body(app, "alpha")
    assert "karabakh-passage-heading" in alpha.html and "karabakh-passage-item" in alpha.html
    # metadata header
    assert "Ana Alpha, Bo Alpha" in alpha.html and "2020-11-12" in alpha.html
    assert 'href="https://example.org/alpha"' in alpha.html
    # boilerplate left out by the stage; metadata escaped
    beta = page(app, "beta")
    assert "Copyright" not in body(app, "beta")
    # a page header that split beta:p2 in two is left out of the joined paragraph's text
    assert "BETA REVIEW PAGE" not in body(app, "beta")
    assert re.search(r'id="beta-p2-s2">Their mandate may be\s+extended automatically', beta.html)
    assert "Beta &lt;Review&gt; &amp; Notes" in beta.html
    assert "Beta <Review>" not in beta.html


@pytest.mark.sphinx("html", testroot="quotes-rst", srcdir="quotes-rst-quotes")
def test_rst_quotes_render_with_attribution_and_links(app):
    app.build()
    essay = page(app, "essay")
    html = essay.html
    # block quote of a paragraph: text with Markdown dropped, attribution, link to the anchor
    assert "Armenia and Azerbaijan signed a trilateral statement ending the war." in html
    assert '—Ana Alpha, Bo Alpha, <em class="karabakh-title">The Truce of November</em>' in html
    assert 'href="alpha.html#alpha-p2"' in html
    assert 'href="https://example.org/alpha">original</a>' in html
    # inline role: the sentence, in quotes, linked to the sentence anchor
    assert re.search(
        r'href="alpha\.html#alpha-p2-s2"[^>]*><span class="karabakh-q-text">'
        r"“Russia will deploy 1,960 soldiers along the contact line\.”",
        html,
    )
    # a range shows both paragraphs; :sentences: keeps only sentences 2-3
    assert "The Lachin corridor stays open under Russian control." in html
    assert 'href="alpha.html#alpha-p3"' in html
    assert 'title="alpha:p2.s2-p2.s3"' in html
    # typed quotes: verified ones say where the build found them (sentence-precise)
    assert "their mandate may be extended automatically for another five years" in html
    assert re.search(r'found in <a class="reference internal" href="beta\.html#beta-p2-s2"', html)
    assert re.search(r'found in <a class="reference internal" href="alpha\.html#alpha-p5-s1"', html)
    # the misquote is rendered anyway, marked, with the closest passage and the word diff
    assert "karabakh-misquote" in html
    assert '<span class="karabakh-badge karabakh-badge-misquote">misquote</span>' in html
    assert "Russia will deploy 2,000 soldiers along the contact line." in html
    assert '<span class="karabakh-del">1,960</span> <span class="karabakh-ins">2,000</span>' in html
    # an unknown passage is a visible error, not a crash
    assert '<span class="karabakh-error">[unknown passage alpha:p9]</span>' in html
    # every link the feature made resolves to an id that exists
    for css in ("karabakh-attribution", "karabakh-q", "karabakh-annotation-head"):
        assert assert_links_resolve(app, "essay", css)


@pytest.mark.sphinx("html", testroot="quotes-rst", srcdir="quotes-rst-quotedin")
def test_quoted_in_and_annotations_on_source_pages(app):
    app.build()
    alpha = page(app, "alpha")
    quoted = assert_links_resolve(app, "alpha", "karabakh-quoted-in")
    # p2 is quoted by the block quote, the role, the :sentences: quote and the misquote
    p2_links = [h for h in quoted if h.startswith("essay.html#") and "p2" in h]
    assert len(p2_links) == 4
    assert "more.html#kq-alpha-p5-s2-0" in quoted
    # each quoted-in link sits inside the passage it is about
    essay = page(app, "essay")
    for href in quoted:
        anchor = href.partition("#")[2]
        assert anchor in essay.ids or anchor in page(app, "more").ids
    assert "[misquote]" in alpha.html
    # p1 (heading) is quoted nowhere: no list under it
    start = alpha.html.index('id="alpha-p1"')
    assert "Quoted in" not in alpha.html[start : alpha.html.index('id="alpha-p2"')]
    # an annotation written on the source page itself sits beside p2 (and only there)
    assert alpha.id_context["ka-alpha-p2-0"][-1] == "alpha-p2"
    assert alpha.html.count("other sources round it up") == 1
    assert "karabakh-annotation-box" not in alpha.html
    # one written in more.rst sits beside alpha:p4, linking back; more.rst shows it as a box
    p4 = alpha.html[alpha.html.index('id="alpha-p4"') : alpha.html.index('id="alpha-p5"')]
    assert "Compare with beta" in p4 and 'href="more.html#ka-alpha-p4-0"' in p4
    more = page(app, "more")
    assert "ka-alpha-p4-0" in more.ids and "karabakh-annotation-box" in more.html
    beta = page(app, "beta")
    p3 = beta.html[beta.html.index('id="beta-p3"') :]
    assert "Agdam is the <em>only</em> Turkish presence." in p3
    assert 'href="essay.html#ka-beta-p3-0"' in p3


@pytest.mark.sphinx("html", testroot="quotes-rst", srcdir="quotes-rst-xref")
def test_passage_and_source_link_roles(app):
    app.build()
    plain = page(app, "plain")
    assert 'href="alpha.html#alpha-p3"' in plain.html
    assert 'href="beta.html#source-beta"' in plain.html
    assert "Quoted in" not in plain.html


@pytest.mark.sphinx("html", testroot="quotes-rst", srcdir="quotes-rst-table")
def test_sources_table_counts_and_links(app):
    app.build()
    index = page(app, "index")
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", index.html, re.S)
    cells = [re.sub(r"<[^>]+>", "", r).split("\n") for r in rows]
    text = ["|".join(c.strip() for c in row if c.strip()) for row in cells]
    domain = app.env.get_domain("karabakh")
    quotes = [q for q in domain.all_quotes() if q.kind != "unknown"]
    alpha_quotes = sum(1 for q in quotes if q.source == "alpha")
    beta_quotes = sum(1 for q in quotes if q.source == "beta")
    assert alpha_quotes == 8 and beta_quotes == 3  # by reading essay.rst, other.rst, more.rst
    assert (
        f"alpha|Ana Alpha, Bo Alpha|The Truce of November|2020-11-12|Alpha Monitor|5|{alpha_quotes}"
        in text
    )
    assert f"beta|Beta &lt;Review&gt; &amp; Notes|Beta Review|3|{beta_quotes}" in text
    hrefs = assert_links_resolve(app, "index", "karabakh-sources-table")
    assert set(hrefs) == {"alpha.html#source-alpha", "beta.html#source-beta"}


@pytest.mark.sphinx("html", testroot="quotes-rst", srcdir="quotes-rst-warnings")
def test_warnings_name_document_line_and_subtype(app, warning):
    app.build()
    out = warning.getvalue()
    misquote = next(line for line in out.splitlines() if "karabakh.misquote" in line)
    assert "essay.rst:26:" in misquote
    assert "alpha:p2" in misquote and "[-1,960-] {+2,000+}" in misquote
    unknown = next(line for line in out.splitlines() if "karabakh.unknown-passage" in line)
    assert "essay.rst:30:" in unknown and "'alpha:p9'" in unknown
    assert "did you mean alpha:p5" in unknown
    assert out.count("karabakh.") == 2  # nothing else is wrong with this project


@pytest.mark.sphinx(
    "html",
    testroot="quotes-rst",
    srcdir="quotes-rst-suppress",
    confoverrides={"suppress_warnings": ["karabakh.misquote"]},
)
def test_suppress_warnings_silences_one_subtype(app, warning):
    app.build()
    out = warning.getvalue()
    assert "misquote" not in out
    assert "karabakh.unknown-passage" in out
    assert "karabakh-badge-misquote" in page(app, "essay").html  # still marked on the page


@pytest.mark.sphinx("html", testroot="quotes-rst", srcdir="quotes-rst-werror", warningiserror=True)
def test_warnings_as_errors_fail_the_build(app):
    app.build()
    assert app.statuscode == 1


# --- the MyST project ---------------------------------------------------------------------------


@pytest.mark.sphinx("html", testroot="quotes-myst", srcdir="quotes-myst-html")
def test_myst_pages_use_every_directive_and_role(app, warning):
    app.build()
    essay = page(app, "essay")
    html = essay.html
    assert 'href="alpha.html#alpha-p2"' in html and "karabakh-attribution" in html
    assert "“Russia will deploy 1,960 soldiers along the contact line.”" in html
    assert 'title="alpha:p2.s2-p2.s3"' in html
    assert re.search(r'found in <a class="reference internal" href="beta\.html#beta-p2-s2"', html)
    assert re.search(
        r'href="beta\.html#beta-p2-s1"[^>]*><span class="karabakh-q-text">“about 2,000 troops”',
        html,
    )
    assert "karabakh-badge-misquote" in html
    assert "[unknown passage alpha:p9]" in html
    assert "ka-alpha-p2-0" in essay.ids
    alpha = page(app, "alpha")
    assert "ka-alpha-p2-0" not in alpha.ids  # written elsewhere: linked from beside p2
    p2 = alpha.html[alpha.html.index('id="alpha-p2"') : alpha.html.index('id="alpha-p3"')]
    assert "other sources round it up" in p2 and 'href="essay.html#ka-alpha-p2-0"' in p2
    assert assert_links_resolve(app, "alpha", "karabakh-quoted-in")
    assert assert_links_resolve(app, "index", "karabakh-sources-table")
    out = warning.getvalue()
    assert re.search(r"essay\.md:24: WARNING: misquote .*\[karabakh\.misquote\]", out)
    assert re.search(
        r"essay\.md:28: WARNING: unknown passage 'alpha:p9'.*\[karabakh\.unknown-passage\]", out
    )


# --- configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"karabakh_sources": "no-such-dir"}, "is not a directory"),
        ({"karabakh_source_docs": "sources/page"}, "must contain '{id}'"),
        ({"karabakh_lock_update": 5}, "True or False"),
        ({"karabakh_source_docs": {"alpha": 3}}, "maps source IDs to docnames"),
    ],
)
def test_bad_config_fails_fast(make_app, sphinx_test_tempdir, rootdir, overrides, message):
    import io
    import shutil

    srcdir = sphinx_test_tempdir / "quotes-rst-badconf"
    if not srcdir.exists():
        shutil.copytree(rootdir / "test-quotes-rst", srcdir)
    warning = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        make_app("html", srcdir=srcdir, confoverrides=overrides, warning=warning)
    assert exc.value.code == 2
    name = next(iter(overrides))
    assert f"ERROR: sphinx-karabakh: {name} = " in warning.getvalue()
    assert message in warning.getvalue() and "Traceback" not in warning.getvalue()


@pytest.mark.sphinx(
    "html",
    testroot="quotes-rst",
    srcdir="quotes-rst-docmap",
    confoverrides={"karabakh_source_docs": {"alpha": "plain"}},
)
def test_source_docs_mapping_overrides_detection(app):
    app.build()
    assert 'href="plain.html#alpha-p2"' in page(app, "essay").html
    assert 'href="beta.html#beta-p2-s2"' in page(app, "essay").html  # detected


@pytest.mark.sphinx(
    "html",
    testroot="quotes-rst",
    srcdir="quotes-rst-docpattern",
    confoverrides={"karabakh_source_docs": "{id}"},
)
def test_source_docs_pattern(app):
    app.build()
    assert 'href="alpha.html#alpha-p2"' in page(app, "essay").html


def test_markdown_display_keeps_text_and_maps_offsets():
    from sphinx_karabakh.sources import source_from_text
    from sphinx_karabakh.sources.display import display_paragraph
    from sphinx_karabakh.sources.model import SourceMeta
    from sphinx_karabakh.sphinx.passages import display

    md = SourceMeta(id="m", file="m.md", format="markdown")
    raw = "## A *big* [link](http://x.org/a_b) and **bold** `code`"
    shown = display(md, raw, base=100)
    assert shown.text == "A big link and bold code"
    assert shown.cut(100 + raw.index("[link"), 100 + raw.index(" and")) == "link"
    src = source_from_text(
        raw
        + "\n\n- one item with snake_case_name and 2*3=6, 2 * 3 * 4\n\n[x](javascript:alert(1)) and"
        " [y](#) and [z](mailto:a@b.org)\n",
        md,
    )
    heading, item, links = (display_paragraph(src, p) for p in src.paragraphs)
    assert (heading.text, heading.kind) == ("A big link and bold code", "heading")
    assert heading.links == ((6, 10, "http://x.org/a_b"),)
    assert (item.text, item.kind) == ("one item with snake_case_name and 2*3=6, 2 * 3 * 4", "item")
    # only links that may be links: javascript: is not one (the parser leaves it as text), a
    # placeholder is shown as text
    assert links.text == "[x](javascript:alert(1)) and y and z"
    z = links.text.index("z")
    assert links.links == ((z, z + 1, "mailto:a@b.org"),)
    text = SourceMeta(id="t", file="t.txt", format="text")
    assert display(text, "**kept** as [is](x)").text == "**kept** as [is](x)"


@pytest.mark.sphinx(
    "html", testroot="quotes-rst", srcdir="quotes-rst-off", confoverrides={"karabakh_sources": None}
)
def test_feature_off_warns_and_renders(app, warning):
    app.build()
    assert "karabakh_sources is not set" in warning.getvalue()
    assert "[karabakh.config]" in warning.getvalue()
    assert "karabakh-error" in page(app, "essay").html
