"""The ``citecheck`` Sphinx builder on a small project whose links point at a local server."""

from __future__ import annotations

import json
import shutil
from xml.etree import ElementTree as ET

import pytest
from linkserver import LinkServer

from sphinx_karabakh.linkcheck.report import read_report


@pytest.fixture(scope="module")
def server():
    with LinkServer("127.0.0.1") as s:
        yield s


def project(tmp_path, rootdir, server, name="citecheck-basic"):
    """A copy of the test root with SERVER replaced by the local server's address."""
    src = tmp_path / "src"
    shutil.copytree(rootdir / f"test-{name}", src)
    base = server.url("")
    for p in src.iterdir():
        if p.suffix in (".rst", ".md", ".bib"):
            p.write_text(p.read_text().replace("SERVER", base))
    return src


def test_builder_checks_doc_and_bib_links(make_app, tmp_path, rootdir, server):
    src = project(tmp_path, rootdir, server)
    app = make_app("citecheck", srcdir=src, freshenv=True)
    app.build()
    out = app.outdir
    rows = {r["url"]: r for r in read_report(out / "output.jsonl")}
    assert rows == {r["url"]: r for r in json.loads((out / "output.json").read_text())}
    u = server.url
    assert rows[u("/page/good")]["verdict"] == "ok"
    gone = rows[u("/status/404/gone")]
    assert gone["verdict"] == "broken" and gone["status"] == 404
    assert [c["line"] for c in gone["cited_at"]] == [6, 8]  # both places kept, with lines
    assert rows[u("/page/good#no-such-anchor")]["verdict"] == "anchor-missing"
    assert rows[u("/page/good#sec-1")]["verdict"] == "ok"
    moved = rows[u("/redirect/2/moved")]
    assert moved["verdict"].startswith("redirected-") and moved["final_url"] == u("/page/moved")
    assert rows["mailto:editor@example.org"]["verdict"] == "ok"
    assert rows[u("/page/ignored")]["verdict"] == "skipped"
    assert rows[u("/page/myst")]["verdict"] == "ok"
    assert rows[u("/page/myst")]["cited_at"][0]["file"] == "other"
    assert rows["#"]["verdict"] == "placeholder"
    assert rows[u("/page/bibgood")]["cited_at"][0]["key"] == "good2020"
    assert rows[u("/status/410/bibdead")]["verdict"] == "broken"
    assert app.statuscode == 1
    warnings = app._warning.getvalue()
    assert "index.rst:6: WARNING: broken [404]" in warnings
    assert "index.rst:8: WARNING: broken [404]" in warnings
    assert "anchor-missing" in warnings and "[karabakh.link]" in warnings
    assert "dead2021" in warnings
    assert "refs.bib:11: WARNING: unparsable BibTeX block skipped" in warnings
    suite = ET.parse(out / "junit.xml").getroot().find("testsuite")
    assert int(suite.get("tests")) == len(rows) and int(suite.get("failures")) == 3
    assert len(suite.findall("testcase/failure")) == 3
    # a second build answers from the cache (in the doctree dir): no request sent
    n = server.total
    app2 = make_app("citecheck", srcdir=src, freshenv=True)
    app2.build()
    assert server.total == n
    assert all(
        r["cached"]
        for r in read_report(app2.outdir / "output.jsonl")
        if r["verdict"] in ("ok", "broken") and r["url"].startswith("http")
    )


def test_builder_clean_project_passes_and_warning_is_suppressible(
    make_app, tmp_path, rootdir, server
):
    src = project(tmp_path, rootdir, server)
    clean, bad = server.url("/page/clean"), server.url("/status/500/x")
    (src / "index.rst").write_text(
        f"Clean\n=====\n\n`fine <{clean}>`_\n\n.. toctree::\n\n   other\n"
    )
    (src / "other.md").write_text(f"# Other\n\n[x]({bad})\n")
    app = make_app(
        "citecheck",
        srcdir=src,
        freshenv=True,
        confoverrides={
            "karabakh_linkcheck_bibfiles": [],
            "karabakh_linkcheck_cache": "",
            "suppress_warnings": ["karabakh.link"],
        },
    )
    app.build()
    assert "WARNING" not in app._warning.getvalue()
    assert app.statuscode == 1  # suppressing the warning does not hide the failure from CI
    app3 = make_app(
        "citecheck",
        srcdir=src,
        freshenv=True,
        confoverrides={
            "karabakh_linkcheck_bibfiles": [],
            "karabakh_linkcheck_cache": "",
            "karabakh_linkcheck_ignore": ["/status/", "(unclosed"],
        },
    )
    app3.build()
    assert app3.statuscode == 0
    assert "'(unclosed' is not a regular expression" in app3._warning.getvalue()


def test_builder_content_check_of_quoted_sources(make_app, tmp_path, rootdir, server):
    from linkserver import passage

    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-citecheck-sources", src)
    for p in [*src.iterdir(), *(src / "texts").iterdir()]:
        if p.is_file():
            p.write_text(
                p.read_text()
                .replace("SERVER", server.url(""))
                .replace("PASSAGE_LIVE", passage("live"))
                .replace("PASSAGE_GONE", passage("gone"))
            )
    app = make_app("citecheck", srcdir=src, freshenv=True)
    app.build()
    rows = {r["url"]: r for r in read_report(app.outdir / "output.jsonl")}
    live, gone = rows[server.url("/page/live")], rows[server.url("/changed/gone")]
    assert live["verdict"] == "ok" and "live" in [c["key"] for c in live["cited_at"]]
    assert gone["verdict"] == "content-changed" and "Passage gone" in gone["reason"]
    inner = rows[server.url("/status/404/in-source")]
    assert inner["verdict"] == "broken" and inner["cited_at"][0]["key"] == "live"
    assert inner["cited_at"][0]["line"] == 5
    assert rows["#"]["verdict"] == "placeholder"
    assert app.statuscode == 1
    assert "content-changed" in app._warning.getvalue()


def test_builder_with_parallel_read(make_app, tmp_path, rootdir, server):
    src = project(tmp_path, rootdir, server)
    app = make_app(
        "citecheck",
        srcdir=src,
        freshenv=True,
        parallel=2,
        confoverrides={"karabakh_linkcheck_cache": ""},
    )
    app.build()
    rows = {r["url"]: r for r in read_report(app.outdir / "output.jsonl")}
    assert rows[server.url("/page/myst")]["verdict"] == "ok"
    assert [c["line"] for c in rows[server.url("/status/404/gone")]["cited_at"]] == [6, 8]
    assert "not safe for parallel" not in app._warning.getvalue()
