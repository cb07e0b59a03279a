"""Hostile input to the bibliography feature in real Sphinx builds: links with other schemes
than http(s)/mailto/relative never become hrefs (ours, nor sphinxcontrib-bibtex's from our .bib),
odd file names give working download links, and every value reaches HTML and BibTeX escaped.

Project: tests/roots/test-bib-hostile (``paper#1%x.txt``: nine references with javascript:,
" JavaScript:", "java<TAB>script:", data:, vbscript:, file: links, a DOI with "#" and "?", BibTeX
specials, a mailto link; read by ``karabakh:bibliography`` and, through
``karabakh_bibtex_files``, by sphinxcontrib-bibtex, which also renders ``user.bib``, a .bib with
javascript: urls of its own; ``cited.rst`` has an RST link to javascript: as well).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import bibtexparser
import pytest
from pybtex.database import parse_string as pybtex_parse
from rebuild import copy_root

from sphinx_karabakh.urls import link_target

UNSAFE = ("javascript", "data", "vbscript", "file")


class Links(HTMLParser):
    """Every URL-valued attribute of a page, and its text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction", "xlink:href") and value is not None:
                self.urls.append((tag, name, value))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _pages(app) -> dict[str, str]:
    return {
        p.name: p.read_text(encoding="utf-8")
        for p in Path(app.outdir).glob("*.html")
        if p.name not in ("genindex.html", "search.html")
    }


@pytest.mark.sphinx("html", testroot="bib-hostile")
def test_no_href_with_another_scheme_anywhere(app, warning) -> None:
    app.build()
    pages = _pages(app)
    assert {"bib.html", "cited.html"} <= set(pages)
    for name, html in pages.items():
        for tag, attr, value in Links(html).urls:
            assert link_target(value).linkable, (name, tag, attr, value)
    bib = pages["bib.html"]
    text = " ".join(Links(bib).text)
    # the refused links are shown as text, escaped
    assert "javascript:alert(1)" in text and "vbscript:msgbox(1)" in text
    assert "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==" in text
    assert not re.search(r"<script[^>]*>[^<]*alert", bib)
    # the allowed ones stay links
    hrefs = [v for _, a, v in Links(bib).urls if a == "href"]
    assert "mailto:rose@example.org" in [unquote(h) for h in hrefs]  # docutils cloaks the "@"
    assert "https://example.org/a_(b)?q=1#top" in hrefs
    # a DOI with "#" and "?" is one DOI, not a DOI cut at a fragment
    assert "https://doi.org/10.1000/abc%23x%3Fy" in hrefs


@pytest.mark.sphinx("html", testroot="bib-hostile", srcdir="bib-hostile-warn")
def test_each_refused_link_is_a_located_typed_warning(app, warning) -> None:
    app.build()
    text = warning.getvalue()
    found = re.findall(
        r"paper#1%x\.txt:(\d+): WARNING: reference \w+: .*?link .*? has the (\w+): scheme: "
        r"kept as text, not a link.*?\[karabakh\.reference\]",
        text,
    )
    assert sorted(found) == sorted(
        [
            ("7", "javascript"),
            ("8", "javascript"),
            ("9", "data"),
            ("10", "vbscript"),
            ("11", "file"),
            ("15", "javascript"),
        ]
    ), text
    # links nobody parsed: a user's .bib rendered by sphinxcontrib-bibtex, an RST link in a page
    others = re.findall(
        r"cited\.rst:\d+: WARNING: link '([^']+)' has the javascript: scheme: shown as text"
        r".*\[karabakh\.link\]",
        text,
    )
    assert sorted(others) == ["JavaScript:alert(2)", "javascript:alert(1)", "javascript:alert(3)"]


@pytest.mark.sphinx("html", testroot="bib-hostile", srcdir="bib-hostile-bib")
def test_bib_outputs_read_back_and_hold_no_refused_url(app) -> None:
    app.build()
    bib_html = (Path(app.outdir) / "bib.html").read_text(encoding="utf-8")
    download = [v for t, a, v in Links(bib_html).urls if a == "href" and v.startswith("_bibtex/")]
    assert download == ["_bibtex/paper-1-x.bib"]
    written = Path(app.outdir) / "_bibtex" / "paper-1-x.bib"
    generated = Path(app.srcdir) / "_generated" / "hostile.bib"
    for path in (written, generated):
        text = path.read_text(encoding="utf-8")
        lib = bibtexparser.parse_string(text)
        assert not lib.failed_blocks and len(lib.entries) == 9, text
        db = pybtex_parse(text, "bibtex")
        assert len(db.entries) == 9
        for entry in lib.entries:
            url = entry.fields_dict.get("url")
            if url is not None:
                assert link_target(url.value).linkable, url.value
        notes = " ".join(
            e.fields_dict["note"].value for e in lib.entries if "note" in e.fields_dict
        )
        for scheme in UNSAFE:
            assert f"({scheme}: scheme)" in notes, notes


CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def test_control_characters_and_bytes_that_are_not_utf8(make_app, sphinx_test_tempdir, rootdir):
    """A NUL at the start of a reference line, a \\x01 (the parser's italic mark) inside one,
    and Latin-1 bytes: every reference kept, no control character in the HTML or the .bib, and a
    warning at the line of each."""
    src = copy_root(rootdir, sphinx_test_tempdir, "bib-rst", "bib-hostile-bytes")
    (src / "paper.txt").write_bytes(
        b"# Paper\n\nText.\n\n## References\n\n"
        b"- \x00Smith, J., 2020. *A NUL first*. London: Routledge.\n"
        b"- Jones, K., 2019. *An \x01italic mark*. Oxford: Blackwell.\n"
        b"- M\xfcller, H., 2018. *\xdcber Grenzen*. Berlin: Suhrkamp.\n"
    )
    app = make_app("html", srcdir=src)
    app.build()
    html = (Path(app.outdir) / "bib.html").read_text(encoding="utf-8")
    assert "smith2020" in html and "jones2019" in html
    assert html.count('class="karabakh-bib-entry') == 3
    assert not CONTROL.search(html)
    written = (Path(app.outdir) / "_bibtex" / "paper.bib").read_text(encoding="utf-8")
    assert not CONTROL.search(written)
    assert len(bibtexparser.parse_string(written).entries) == 3
    text = app._warning.getvalue()
    assert re.search(
        r"paper\.txt:9: WARNING: bytes that are not UTF-8 .*\[karabakh\.reference\]", text
    )
    assert re.search(
        r"paper\.txt:7: WARNING: 2 control characters .*\[karabakh\.reference\]", text
    ), text


def test_a_second_reference_section_is_a_located_warning(make_app, sphinx_test_tempdir, rootdir):
    src = copy_root(rootdir, sphinx_test_tempdir, "bib-rst", "bib-hostile-two-sections")
    (src / "paper.txt").write_text(
        "# Chapter 1\n\n## References\n\nAbbott, K. (2019). A first. Journal, 3(1), 1-9.\n\n"
        "# Chapter 2\n\n## References\n\nBrown, T. (2018). A second. Journal, 2(1), 5-6.\n"
        "Zhou, L. (2020). A third. Journal, 4(2), 10-19.\n",
        encoding="utf-8",
    )
    app = make_app("html", srcdir=src)
    app.build()
    assert re.search(
        r"paper\.txt:3: WARNING: another reference section \(1 reference\) is not read.*"
        r"\[karabakh\.reference\]",
        app._warning.getvalue(),
    )
