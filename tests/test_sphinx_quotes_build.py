"""The quotes feature across builds: parallel = serial, incremental re-reads, drift, bad sources.

Each test copies tests/roots/test-quotes-rst into its own directory and builds it with
``make_app`` (several apps on one project, as a writer rebuilds it).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from rebuild import build, copy_root, edit


@pytest.fixture
def project(sphinx_test_tempdir, rootdir, request):
    """A fresh copy of the RST quotes project, named after the test."""
    return copy_root(rootdir, sphinx_test_tempdir, "quotes-rst", f"qb-{request.node.name}")


def html_pages(app) -> dict[str, str]:
    out = Path(app.outdir)
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.html"))}


def test_parallel_build_gives_the_same_html_as_serial(make_app, sphinx_test_tempdir, rootdir):
    pages = []
    for name, parallel in (("qb-serial", 1), ("qb-parallel", 2)):
        srcdir = Path(sphinx_test_tempdir) / name
        if srcdir.exists():
            shutil.rmtree(srcdir)
        shutil.copytree(rootdir / "test-quotes-rst", srcdir)
        app, read, _ = build(make_app, srcdir, parallel=parallel)
        assert len(read) == 7
        pages.append(html_pages(app))
        lock = (srcdir / "karabakh.lock").read_text(encoding="utf-8")
        pages[-1]["karabakh.lock"] = lock
    serial, parallel_pages = pages
    assert set(serial) == set(parallel_pages)
    for name in (
        "alpha.html",
        "beta.html",
        "essay.html",
        "more.html",
        "index.html",
        "karabakh.lock",
    ):
        assert serial[name] == parallel_pages[name], f"{name} differs between -j1 and -j2"
    assert "Quoted in" in serial["alpha.html"]


def test_changing_a_source_rereads_exactly_the_documents_that_quote_it(make_app, project):
    _, first, _ = build(make_app, project)
    assert first == ["alpha", "beta", "essay", "index", "more", "other", "plain"]
    _, nothing, _ = build(make_app, project)
    assert nothing == []
    # beta is quoted by essay and other, shown by beta, counted by the table (index);
    # essay also has a typed quote without a source, which depends on every source.
    edit(project / "texts" / "beta.txt", "hoped for more.", "hoped for much more.")
    app, read, _ = build(make_app, project)
    assert read == ["beta", "essay", "index", "other"]
    assert "hoped for much more." in (Path(app.outdir) / "beta.html").read_text(encoding="utf-8")
    # a new quote in other.rst: beta's page is not re-read, but rewritten with its new link
    edit(project / "other.rst", "Only Beta here:", "Only Beta here: :karabakh:q:`beta:p3.s2`")
    app, read, _ = build(make_app, project)
    assert read == ["other"]
    beta = (Path(app.outdir) / "beta.html").read_text(encoding="utf-8")
    assert 'href="other.html#kq-beta-p3-s2-0"' in beta
    index = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    assert re.search(
        r"beta</span></code></a></p></td>(?:\s*<td><p>[^<]*</p></td>){5}\s*<td><p>4</p>", index
    )
    edit(project / "texts" / "alpha.md", "Talks will continue.", "Talks will go on.")
    app, read, warnings = build(make_app, project)
    assert read == ["alpha", "essay", "index", "more"]
    # more.rst quotes alpha:p5.s2, whose text changed: the pinned quote has drifted
    assert "more.rst:4: WARNING: quoted passage alpha:p5.s2 changed" in warnings


def test_drift_moved_and_changed_quotes_are_reported_until_accepted(make_app, project):
    _, _, warnings = build(make_app, project)
    assert "karabakh.drift" not in warnings
    lockfile = project / "karabakh.lock"
    lock = json.loads(lockfile.read_text(encoding="utf-8"))
    entries = lock["entries"]
    assert list(entries) == sorted(entries)
    assert entries["alpha:p2"]["docs"] == ["essay"]
    assert entries["alpha:p5.s2"]["docs"] == ["more"]
    assert entries["beta:p2.s1"]["docs"] == ["other"]
    typed = entries["typed: about 2,000 troops"]  # a typed quote is pinned under its text
    assert (typed["passage"], typed["docs"]) == ("beta:p2.s1", ["essay"])
    assert not any(key.startswith("alpha:p9") for key in entries)  # unknown: nothing pinned
    pinned_p2 = entries["alpha:p2"]

    # A new paragraph above p2 moves everything down; one sentence is also reworded.
    edit(
        project / "texts" / "alpha.md",
        "# The truce of November\n\n",
        "# The truce of November\n\nA new opening paragraph was added by the editors.\n\n",
    )
    edit(project / "texts" / "alpha.md", "Talks will continue.", "Talks will resume in spring.")
    _, _, warnings = build(make_app, project)
    drift = [line for line in warnings.splitlines() if "[karabakh.drift]" in line]
    assert any(
        "essay.rst:6:" in line and "alpha:p2 moved" in line and "now alpha:p3" in line
        for line in drift
    ), drift
    assert any(
        "essay.rst:8:" in line and "alpha:p2.s2 moved" in line and "now alpha:p3.s2" in line
        for line in drift
    ), drift
    changed = next(line for line in drift if "alpha:p5.s2 changed" in line)
    assert "more.rst:4:" in changed and "(now alpha:p6.s2)" in changed
    assert (
        "similarity 0." in changed
        and "{+resume in spring.+}" in changed
        and "[-continue.-]" in changed
    )
    assert not any("beta:" in line for line in drift)
    # typed quotes are proved again: "… does not settle …" (was alpha:p5.s1) still verifies
    assert not any("alpha:p5.s1" in line for line in drift)
    typed = json.loads(lockfile.read_text(encoding="utf-8"))["entries"]
    assert typed["typed: “The agreement does not settle the status of the region.”"]["passage"] == (
        "alpha:p6.s1"
    )
    # pinned entries stay as they were until the writer accepts the change
    again = json.loads(lockfile.read_text(encoding="utf-8"))["entries"]
    assert again["alpha:p2"] == pinned_p2
    _, _, warnings = build(make_app, project)
    assert "alpha:p2 moved" in warnings  # still reported on the next build

    # Accepting: -D karabakh_lock_update=1 re-pins, and later builds are quiet.
    _, _, warnings = build(make_app, project, confoverrides={"karabakh_lock_update": True})
    assert "karabakh.drift" not in warnings
    accepted = json.loads(lockfile.read_text(encoding="utf-8"))["entries"]
    assert accepted["alpha:p2"]["text"] == "A new opening paragraph was added by the editors."
    _, _, warnings = build(make_app, project)
    assert "karabakh.drift" not in warnings


def test_removed_quotes_leave_the_lock(make_app, project):
    build(make_app, project)
    assert '"alpha:p5.s2"' in (project / "karabakh.lock").read_text(encoding="utf-8")
    edit(project / "more.rst", ":karabakh:q:`alpha:p5.s2`", "none.")
    build(make_app, project)
    lock = (project / "karabakh.lock").read_text(encoding="utf-8")
    assert '"alpha:p5.s2"' not in lock and '"alpha:p2"' in lock


def test_broken_metadata_warns_with_file_and_line_and_builds(make_app, project):
    meta = project / "texts" / "sources.toml"
    meta.write_text(meta.read_text(encoding="utf-8").replace('format = "text"', "format = text"))
    app, read, warnings = build(make_app, project)
    assert len(read) == 7  # the build went on
    assert (
        "sources.toml:14: WARNING: malformed TOML" in warnings and "[karabakh.source]" in warnings
    )
    essay = (Path(app.outdir) / "essay.html").read_text(encoding="utf-8")
    assert "[no sources: cannot quote alpha:p2]" in essay
    # said once per page, not once per quote
    assert (
        sum("essay.rst" in line and "could not be loaded" in line for line in warnings.splitlines())
        == 1
    )


def test_one_unreadable_source_loses_only_that_source(make_app, project):
    (project / "texts" / "beta.txt").write_bytes(b"Beta Review\n\nBad byte \xff here.\n")
    app, _, warnings = build(make_app, project)
    assert "beta.txt:3: WARNING: not valid UTF-8" in warnings and "[karabakh.source]" in warnings
    assert "unknown source 'beta'" in warnings  # the pages quoting beta say so
    alpha = (Path(app.outdir) / "alpha.html").read_text(encoding="utf-8")
    assert 'id="alpha-p2"' in alpha  # alpha still renders


def test_broken_lock_file_is_reported_and_left_until_re_pinned(make_app, project):
    (project / "karabakh.lock").write_text("{ not json", encoding="utf-8")
    _, _, warnings = build(make_app, project)
    assert "karabakh.lock:1" in warnings and "malformed lock file" in warnings
    assert "[karabakh.lock]" in warnings
    assert (project / "karabakh.lock").read_text(encoding="utf-8") == "{ not json"
    build(make_app, project, confoverrides={"karabakh_lock_update": True})
    assert json.loads((project / "karabakh.lock").read_text(encoding="utf-8"))["entries"]


def test_unwritable_lock_file_is_a_warning(make_app, project):
    _, _, warnings = build(
        make_app, project, confoverrides={"karabakh_lockfile": "no-such-dir/karabakh.lock"}
    )
    assert "cannot write the lock file" in warnings and "[karabakh.config]" in warnings


def test_lock_file_can_be_switched_off(make_app, project):
    build(make_app, project, confoverrides={"karabakh_lockfile": None})
    assert not (project / "karabakh.lock").exists()


def test_source_page_sentences_are_escaped_spans_in_html_and_plain_text_elsewhere(
    make_app, project
):
    """A passage's sentences are marked by the HTML writer from offsets, its text escaped."""
    edit(
        project / "texts" / "beta.txt",
        "Ankara had hoped for more.",
        'Ankara had hoped for <b>more</b> & "better". Then a third one.',
    )
    app, _, _ = build(make_app, project)
    beta = (Path(app.outdir) / "beta.html").read_text(encoding="utf-8")
    assert (
        '<span class="karabakh-sentence" id="beta-p3-s2">Ankara had hoped for '
        "&lt;b&gt;more&lt;/b&gt; &amp; &quot;better&quot;. </span>"
        '<span class="karabakh-sentence" id="beta-p3-s3">Then a third one.</span></p>'
    ) in beta
    assert "<b>more" not in beta
    text_app = make_app("text", srcdir=project)  # other writers see a plain paragraph
    text_app.build()
    text = (Path(text_app.outdir) / "beta.txt").read_text(encoding="utf-8")
    assert "¶ beta:p3 Turkey" in " ".join(text.split())
    assert 'hoped for <b>more</b> & "better". Then a third one.' in " ".join(text.split())
