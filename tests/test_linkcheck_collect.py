"""Collectors: URLs from Markdown/plain sources, reStructuredText/MyST docs, BibTeX and URL lists."""

from __future__ import annotations

import pytest

from sphinx_karabakh.linkcheck.classify import precheck
from sphinx_karabakh.linkcheck.collect import (
    CollectError,
    LinkSet,
    bib_failures,
    collect_bib,
    collect_docs_dir,
    collect_sources_dir,
    collect_text,
    collect_url_list,
    scan_markdown,
    scan_rst,
)
from sphinx_karabakh.linkcheck.model import Verdict


def test_markdown_links_autolinks_bare_urls_and_domains():
    text = (
        "See [the report](https://example.org/report.pdf) and <https://example.com/a>.\n"
        "Bare: https://example.net/x_(y), then (https://example.net/z).\n"
        "Also ponarseurasia.org/karabakh-after-the-war/ and www.example.eu, but not file.txt or e.g. a.b.\n"
        "![img](https://example.org/pic.png) and [empty](#)\n"
    )
    found = scan_markdown(text)
    urls = [f.url for f in found]
    assert urls == [
        "https://example.org/report.pdf",
        "https://example.com/a",
        "https://example.net/x_(y)",
        "https://example.net/z",
        "https://ponarseurasia.org/karabakh-after-the-war/",
        "https://www.example.eu",
        "#",
    ]
    assert [f.line for f in found] == [1, 1, 2, 2, 3, 3, 4]
    assert found[0].text == "the report"


def test_seed000_placeholders(seeds_dir):
    links = LinkSet()
    collect_text(links, seeds_dir / "000_dbf52d51c80cd500.txt", key="legiec-2020")
    ph = links.get("#")
    assert ph is not None and len(ph.cited_at) == 10  # every [text](#) kept with its line
    assert ph.cited_at[0].line == 11 and ph.cited_at[0].key == "legiec-2020"
    assert "Armenia and Azerbaijan" in ph.cited_at[0].text
    assert precheck("#")[0] is Verdict.PLACEHOLDER


def test_seed004_escapes_and_space_are_malformed_once_each(seeds_dir):
    links = LinkSet()
    collect_text(links, seeds_dir / "004_cc326326a6865e0d.txt")
    urls = [h.url for h in links]
    rg = [u for u in urls if "researchgate" in u]
    assert rg == [
        "https://www.researchgate.net/publication/339415817_The_Nagorno_Karabakh_Conflict- The_Beginning_of_the_Soviet_End"
    ]
    assert precheck(rg[0])[0] is Verdict.MALFORMED  # the space inside
    assert "https://www.bbc.com/news/world-europe-54903869" in urls
    assert "http://en.kremlin.ru/events/president/news/64384" in urls
    # the link text (a URL with \\_ escapes) is not collected as a second URL
    assert not any("\\" in u for u in urls)
    assert all(not u.endswith((")", ".", ",")) for u in urls)


def test_seed002_bare_domains(seeds_dir):
    links = LinkSet()
    collect_text(links, seeds_dir / "002_f8995cde5a985f0e.txt")
    urls = [h.url for h in links]
    assert (
        "https://ponarseurasia.org/karabakh-after-the-44-day-war-russian-peacekeepers-and-patterns/"
        in urls
    )
    assert (
        "https://ponarseurasia.org/permissions-citation-guidelines" in urls
    )  # trailing comma stripped


def test_markdown_escape_in_bare_url_is_malformed():
    found = scan_markdown("Retrieved from https://example.org/a\\_b\\_c today")
    assert found[0].url == "https://example.org/a\\_b\\_c"
    assert precheck(found[0].url) == (Verdict.MALFORMED, "Markdown escape '\\\\_' left in the URL")


def test_rst_links():
    text = (
        "Intro `Site <https://example.org/x>`_ and `anon <https://example.org/y>`__.\n\n"
        ".. _target: https://example.org/z\n\n"
        "Bare https://example.org/bare. Internal `doc <other.html>`_ and :doc:`x`.\n"
    )
    found = scan_rst(text)
    assert [(f.url, f.line) for f in found] == [
        ("https://example.org/x", 1),
        ("https://example.org/y", 1),
        ("https://example.org/z", 3),
        ("https://example.org/bare", 5),
    ]


def test_docs_dir_and_dedup(tmp_path):
    (tmp_path / "a.rst").write_text("`x <https://example.org/p>`_\n\nagain https://example.org/p\n")
    (tmp_path / "b.md").write_text("# B\n\n[y](https://example.org/p) [in](other.md) [z](#frag)\n")
    (tmp_path / "_build").mkdir()
    (tmp_path / "_build" / "c.rst").write_text("https://example.org/ignored-build\n")
    links = LinkSet()
    collect_docs_dir(links, tmp_path)
    assert [h.url for h in links] == ["https://example.org/p"]
    assert [
        (c.file.rsplit("/", 1)[1], c.line) for c in links.get("https://example.org/p").cited_at
    ] == [("a.rst", 1), ("a.rst", 3), ("b.md", 3)]


def test_sources_dir(tmp_path):
    (tmp_path / "s1.md").write_text("[a](https://example.org/1)\n")
    (tmp_path / "s2.txt").write_text("see example.com/page\n")
    (tmp_path / "skip.pdf").write_text("https://example.org/not-read\n")
    links = LinkSet()
    assert collect_sources_dir(links, tmp_path) == 2
    assert [h.url for h in links] == ["https://example.org/1", "https://example.com/page"]
    with pytest.raises(CollectError):
        collect_sources_dir(links, tmp_path / "missing")


def test_bib(tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@online{one2020,\n  title = {One},\n  url = {https://example.org/a\\_b?x=1\\&y=2},\n}\n\n"
        "@book{nourl, title = {No URL}}\n\n"
        '@misc{two, url = "https://example.org/two"}\n\n'
        "@misc{same, url = {https://example.org/two}}\n\n"
        "@article{broken, title = {oops\n"
    )
    links = LinkSet()
    assert collect_bib(links, bib) == 3
    a = links.get("https://example.org/a_b?x=1&y=2")
    assert a is not None and a.cited_at[0].key == "one2020" and a.cited_at[0].line == 3
    two = links.get("https://example.org/two")
    assert [c.key for c in two.cited_at] == ["two", "same"]
    assert str(two.cited_at[0]).endswith("refs.bib:8")
    msgs = bib_failures(bib)
    assert msgs and "refs.bib:" in msgs[0]


def test_url_list(tmp_path):
    f = tmp_path / "urls.txt"
    f.write_text(
        "# comment\nhttps://example.org/1\n\nhttps://example.org/1\nhttps://example.org/2\n"
    )
    links = LinkSet()
    collect_url_list(links, f)
    assert [(h.url, [c.line for c in h.cited_at]) for h in links] == [
        ("https://example.org/1", [2, 4]),
        ("https://example.org/2", [5]),
    ]


@pytest.mark.parametrize(
    ("url", "verdict"),
    [
        ("javascript:alert(1)", Verdict.REFUSED),
        ("#top", Verdict.PLACEHOLDER),
        ("https://", Verdict.MALFORMED),
        ("https://exa_mple..org/", Verdict.MALFORMED),
        ("http://example.org:0/", Verdict.MALFORMED),
        ("http://example.org:99999/", Verdict.MALFORMED),
        ("www.example.org/x", Verdict.MALFORMED),
        ("gopher://example.org/", Verdict.REFUSED),
        ("mailto:a@example.org,b@example.org?subject=x", Verdict.OK),
        ("mailto:", Verdict.MALFORMED),
        ("https://例え.jp/パス", None),
        ("http://[::1]:8080/x", None),
    ],
)
def test_precheck(url, verdict):
    got = precheck(url)
    assert (got[0] if got else None) is verdict


def test_seeds_dir_with_metadata(seeds_dir):
    links = LinkSet()
    collect_sources_dir(links, seeds_dir)
    url = "https://www.ponarseurasia.org/karabakh-after-the-44-day-war-russian-peacekeepers-and-patterns/"
    meta = links.get(url)
    assert meta is not None and meta.cited_at[0].key == "valiyev-2021"
    assert meta.cited_at[0].file.endswith("sources.toml") and meta.cited_at[0].line > 0
    assert links.get("#") is not None and len(links) > 20


def test_bad_sources_toml(tmp_path):
    (tmp_path / "sources.toml").write_text("[[source]\nid = 'x'\n")
    with pytest.raises(CollectError, match=r"sources\.toml: not TOML"):
        collect_sources_dir(LinkSet(), tmp_path)
