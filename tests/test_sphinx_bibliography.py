"""The bibliography and citation-audit directives in real Sphinx builds (RST and MyST), the
generated .bib in the output, link-status badges, and sphinxcontrib-bibtex fed our BibTeX.

Projects: tests/roots/test-bib-rst (bibliography and audit on two pages, bib and zaudit, which
-j 2 reads in different processes, thanks to four filler pages), test-bib-myst (both on one MyST page, a link-check report),
test-bib-cite (sphinxcontrib-bibtex with ``karabakh_bibtex_files``). All use the same small
paper, ``paper.txt``: four resolved citations, one unresolved, six references (one with a space in
its URL, one garbled).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import bibtexparser
import pytest
from rebuild import copy_root

KEYS = ["racz2021", "rferl2020", "center2013", "smith2019", "brown2010"]


class Page(HTMLParser):
    """Ids, links (href, classes of the <a> and its ancestors) and classed spans of a page."""

    def __init__(self, path: Path):
        super().__init__()
        self.html = path.read_text(encoding="utf-8")
        self.ids: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.stack: list[tuple[str, str]] = []
        self.spans: list[tuple[str, str]] = []  # (class, text)
        self._span: list[str] | None = None
        self._span_class = ""
        self.feed(self.html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        classes = " ".join(c for _, c in self.stack) + " " + (a.get("class") or "")
        if tag == "a" and "href" in a:
            self.links.append((a["href"], classes))
        if tag == "span" and "karabakh-badge" in (a.get("class") or ""):
            self._span, self._span_class = [], a["class"]
        if tag not in ("br", "img", "meta", "link", "input", "hr"):
            self.stack.append((tag, a.get("class") or ""))

    def handle_data(self, data):
        if self._span is not None:
            self._span.append(data)

    def handle_endtag(self, tag):
        if tag == "span" and self._span is not None:
            self.spans.append((self._span_class, "".join(self._span).strip()))
            self._span = None
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break


def page(app, name: str) -> Page:
    return Page(Path(app.outdir) / f"{name}.html")


@pytest.mark.sphinx("html", testroot="bib-rst", srcdir="bib-rst-render")
def test_bibliography_anchors_bibtex_badges_and_download(app, warning):
    app.build()
    bib = page(app, "bib")
    for key in KEYS:
        assert key in bib.ids
    assert (
        "karabakh-bib-category" in bib.html
        and ">Online Articles<" in bib.html
        and ">Books<" in bib.html
    )
    assert bib.html.count('<details class="karabakh-bibtex"') == 6
    assert "<summary>BibTeX</summary>" in bib.html
    # no report configured: every URL "not checked"
    assert bib.spans and all(
        cls == "karabakh-badge karabakh-badge-unchecked" and text == "not checked"
        for cls, text in bib.spans
    )
    assert len(bib.spans) == 3
    # the garbled reference is shown raw, escaped, never as markup
    assert "<script>alert" not in bib.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in bib.html
    # "Download BibTeX" points at the .bib written into the output
    download = [h for h, cls in bib.links if "karabakh-bib-download" in cls]
    assert download == ["_bibtex/paper.bib"]
    bib_file = Path(app.outdir) / "_bibtex" / "paper.bib"
    lib = bibtexparser.parse_string(bib_file.read_text(encoding="utf-8"))
    assert (
        [e.key for e in lib.entries][:5] == KEYS and len(lib.entries) == 6 and not lib.failed_blocks
    )
    # warnings name the document file and line, type karabakh, subtype reference / citation
    text = warning.getvalue()
    assert re.search(
        r"paper\.txt:13: WARNING: reference center2013: URL contains a space \[karabakh\.reference\]",
        text,
    )
    assert re.search(
        r"paper\.txt:19: WARNING: reference \w+: .*written as @misc.*\[karabakh\.reference\]", text
    )
    assert text.count("paper.txt:19: WARNING") == 1  # one warning per entry, naming every problem
    assert re.search(
        r"paper\.txt:4: WARNING: unresolved citation 'Nobody 1999'.*\[karabakh\.citation\]", text
    )


@pytest.mark.sphinx("html", testroot="bib-rst", srcdir="bib-rst-audit")
def test_audit_table_links_to_bibliography_anchors(app):
    app.build()
    audit = page(app, "zaudit")
    bib = page(app, "bib")
    links = [h for h, cls in audit.links if "karabakh-bib-ref" in cls]
    # four resolved citations, then the two never-cited entries
    assert links[:4] == [
        "bib.html#racz2021",
        "bib.html#center2013",
        "bib.html#smith2019",
        "bib.html#rferl2020",
    ]
    assert len(links) == 6
    for href in links:
        assert href.split("#")[1] in bib.ids
    assert audit.html.count('class="karabakh-unresolved"') == 1
    assert "Nobody 1999" in audit.html
    assert (
        "5 in-text citations in paper.txt: 4 resolved, 1 unresolved; 2 of 6 entries never cited."
        in audit.html
    )
    assert "Never cited" in audit.html


@pytest.mark.sphinx("html", testroot="bib-myst")
def test_myst_page_with_report_badges_and_no_citation_warnings(app, warning):
    app.build()
    index = page(app, "index")
    for key in KEYS:
        assert key in index.ids
    badges = dict((text.split()[0], cls) for cls, text in index.spans)
    assert sorted(text for _, text in index.spans) == ["broken (404)", "not checked", "ok (200)"]
    assert badges["ok"] == "karabakh-badge karabakh-badge-ok"
    assert badges["broken"] == "karabakh-badge karabakh-badge-broken"
    # the audit on the same page links within the page
    links = [h for h, cls in index.links if "karabakh-bib-ref" in cls]
    assert links[0] == "#racz2021"
    text = warning.getvalue()
    assert "karabakh.citation" not in text  # karabakh_warn_unresolved_citations = False
    assert "karabakh.reference" in text
    assert (Path(app.outdir) / "_bibtex" / "paper.bib").exists()


@pytest.mark.sphinx("html", testroot="bib-cite")
def test_sphinxcontrib_bibtex_renders_the_generated_bib(app, warning):
    app.build()
    generated = Path(app.srcdir) / "_generated" / "paper.bib"
    assert generated.exists()
    html = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    assert "WARNING" not in warning.getvalue(), warning.getvalue()
    # :cite:p: renders as a link to the bibliography entry that sphinxcontrib-bibtex made
    cites = re.findall(r'<a class="reference internal" href="#(id\d+)" title="([^"]*)">', html)
    assert len(cites) == 2 and "Racz" in cites[0][1] and "RFE/RL" in cites[1][1]
    # the two cited entries are in the bibliography list, where the citations point
    for anchor, _ in cites:
        assert f'id="{anchor}" role="doc-biblioentry"' in html
    assert "Brief_8_2021.pdf" in html and "Peacekeepers &amp; 100% of the deploy" in html


@pytest.mark.sphinx("html", testroot="bib-rst", srcdir="bib-rst-missing")
def test_missing_document_warns_and_build_continues(app, warning):
    (Path(app.srcdir) / "bib.rst").write_text(
        "Missing\n=======\n\n.. karabakh:bibliography:: nowhere.txt\n\n.. karabakh:citation-audit:: p1.rst\n",
        encoding="utf-8",
    )
    app.build()
    text = warning.getvalue()
    assert re.search(
        r"bib\.rst:4: WARNING: cannot read .*nowhere\.txt.*\[karabakh\.reference\]", text
    )
    assert re.search(
        r"bib\.rst:6: WARNING: .*p1\.rst: no reference section found.*\[karabakh\.reference\]", text
    )
    assert (Path(app.outdir) / "bib.html").exists()


def _build(make_app, src: Path, parallel: int):
    app = make_app("html", srcdir=src, parallel=parallel)
    app.build()
    return app


def test_parallel_build_same_html_and_bib_as_serial(make_app, sphinx_test_tempdir, rootdir):
    outputs = []
    for name, parallel in (("bib-serial", 1), ("bib-parallel", 2)):
        src = copy_root(rootdir, sphinx_test_tempdir, "bib-rst", name)
        app = _build(make_app, src, parallel)
        out = Path(app.outdir)
        outputs.append(
            {
                p: (out / p).read_text(encoding="utf-8")
                for p in ("bib.html", "zaudit.html", "_bibtex/paper.bib")
            }
        )
    assert outputs[0] == outputs[1]


def test_changed_report_rewrites_badges(make_app, sphinx_test_tempdir, rootdir):
    src = copy_root(rootdir, sphinx_test_tempdir, "bib-myst", "bib-report")
    app = _build(make_app, src, 1)
    assert "karabakh-badge-broken" in (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    (src / "report.jsonl").write_text(
        '{"url": "https://www.rferl.org/a/30940268.html", "verdict": "redirected-permanent", "status": 301, '
        '"final_url": "https://www.rferl.org/a/new.html"}\n',
        encoding="utf-8",
    )
    app = _build(make_app, src, 1)
    html = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    assert "karabakh-badge-broken" not in html
    assert (
        "karabakh-badge-redirected-permanent" in html and "https://www.rferl.org/a/new.html" in html
    )
    assert html.count("karabakh-badge-unchecked") == 2


@pytest.mark.sphinx("singlehtml", testroot="bib-rst", srcdir="bib-rst-single")
def test_singlehtml_links_within_the_one_page(app):
    app.build()
    html = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    assert 'href="#racz2021"' in html and 'id="racz2021"' in html
    assert "#document-bib#" not in html


@pytest.mark.sphinx("text", testroot="bib-rst", srcdir="bib-rst-text")
def test_text_builder_renders_without_html_only_parts(app):
    app.build()
    bib = (Path(app.outdir) / "bib.txt").read_text(encoding="utf-8")
    audit = (Path(app.outdir) / "zaudit.txt").read_text(encoding="utf-8")
    assert "@online{racz2021," in bib and "Download BibTeX" not in bib
    assert "not checked" in bib
    assert "Racz 2021" in audit and "unresolved" in audit
    assert not (Path(app.outdir) / "_bibtex").exists()


def test_changed_document_is_read_again(make_app, sphinx_test_tempdir, rootdir):
    src = copy_root(rootdir, sphinx_test_tempdir, "bib-rst", "bib-incremental")
    _build(make_app, src, 1)
    paper = src / "paper.txt"
    paper.write_text(
        paper.read_text(encoding="utf-8").replace("Brown, T., 2010.", "Brown, T., 2011."),
        encoding="utf-8",
    )
    app = _build(make_app, src, 1)
    bib = page(app, "bib")
    assert "brown2011" in bib.ids and "brown2010" not in bib.ids
    assert "brown2011" in (Path(app.outdir) / "_bibtex" / "paper.bib").read_text(encoding="utf-8")


@pytest.mark.sphinx("html", testroot="bib-rst", srcdir="bib-rst-entries")
def test_entries_only_list_and_no_bibtex_option(app):
    (Path(app.srcdir) / "list.txt").write_text(
        "Smith, J. (2020). One & only. Press.\n\nDoe, K. (2019). Two. Journal, 3(1), 1-2.\n",
        encoding="utf-8",
    )
    (Path(app.srcdir) / "bib.rst").write_text(
        "List\n====\n\n.. karabakh:bibliography:: list.txt\n   :entries-only:\n   :no-bibtex:\n",
        encoding="utf-8",
    )
    app.build()
    bib = page(app, "bib")
    assert "smith2020" in bib.ids and "doe2019" in bib.ids
    assert "karabakh-bibtex" not in bib.html
    assert "One &amp; only" in bib.html
    assert (Path(app.outdir) / "_bibtex" / "list.bib").exists()
