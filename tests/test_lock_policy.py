"""Issue 8: the lock is never wrong silently, and the build and ``lock check`` agree.

One drift policy (``sources.lock``) serves ``sphinx-build`` and ``sphinx-karabakh lock check``:
the same sources and lock give the same set of drifted quotes.  The lock pins only quotes that
are right, keeps the old pins of failing ones, is written atomically, and a broken lock is an
error that changes nothing until the writer re-pins.  A reviewed quote is pinned and lapses.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import rebuild
from rebuild import copy_root, edit, warned

from sphinx_karabakh.cli import main
from sphinx_karabakh.sources import load_sources
from sphinx_karabakh.sources.lock import LockFile


@pytest.fixture
def project(sphinx_test_tempdir, rootdir, request):
    return copy_root(rootdir, sphinx_test_tempdir, "quotes-rst", f"lp-{request.node.name}")


def build(make_app, srcdir: Path, **kwargs):
    built = rebuild.build(make_app, srcdir, **kwargs)
    return built.app, built.warnings


def lock_check(project: Path, capsys, *extra: str) -> tuple[int, list[dict]]:
    capsys.readouterr()
    code = main(
        [
            "lock",
            "check",
            "--sources",
            str(project / "texts"),
            "--lock",
            str(project / "karabakh.lock"),
            "--json",
            *extra,
        ]
    )
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    return code, rows


def test_lock_check_and_the_build_report_the_same_drift(make_app, project, capsys):
    build(make_app, project)
    texts = project / "texts"
    edit(texts / "alpha.md", "# The truce of November\n\n", "# The truce of November\n\nNew.\n\n")
    edit(texts / "alpha.md", "Talks will continue.", "Talks will resume in spring.")
    edit(texts / "beta.txt", "about 2,000 troops", "about 2,500 troops")
    _, warnings = build(make_app, project)
    code, rows = lock_check(project, capsys)
    assert code == 1
    cli_keys = {r["key"] for r in rows}
    # the build: drift where a quote by ID drifted, a misquote where a typed quote fails now
    drift_ids = {re.search(r"quoted passage (\S+) ", line)[1] for line in warned(warnings, "drift")}
    typed_failing = {
        key
        for key in cli_keys
        if key.startswith("typed: ")
        and any(key[len("typed: ") :] in line for line in warned(warnings, "misquote"))
    }
    assert cli_keys == drift_ids | typed_failing, (cli_keys, drift_ids, typed_failing)
    assert "typed: about 2,000 troops" in cli_keys
    assert {"alpha:p2", "alpha:p5.s2"} <= cli_keys
    # a typed quote that still verifies is not drift, wherever it matches now
    assert "typed: “The agreement does not settle the status of the region.”" not in cli_keys


def test_a_range_that_only_moved_is_moved_with_its_new_range(make_app, project, capsys):
    build(make_app, project)
    edit(
        project / "texts" / "alpha.md",
        "# The truce of November\n\n",
        "# The truce of November\n\nA new first paragraph.\n\n",
    )
    code, rows = lock_check(project, capsys)
    by_key = {r["key"]: r for r in rows}
    assert code == 1
    assert by_key["alpha:p3-p4"]["kind"] == "moved", by_key["alpha:p3-p4"]
    assert by_key["alpha:p3-p4"]["new"] == "alpha:p4-p5"
    _, warnings = build(make_app, project)
    line = next(x for x in warned(warnings, "drift") if "alpha:p3-p4" in x)
    assert "moved" in line and "alpha:p4-p5" in line and "[-" not in line


def test_a_failing_build_keeps_the_pins_of_failing_quotes(make_app, project):
    build(make_app, project)
    before = json.loads((project / "karabakh.lock").read_text(encoding="utf-8"))["entries"]
    pinned = before["typed: about 2,000 troops"]
    edit(project / "texts" / "beta.txt", "about 2,000 troops", "about 3,000 troops")
    _, warnings = build(make_app, project)
    assert any("2,000 troops" in line for line in warned(warnings, "misquote"))
    after = json.loads((project / "karabakh.lock").read_text(encoding="utf-8"))["entries"]
    assert after["typed: about 2,000 troops"] == pinned  # kept, not dropped, not re-pinned
    # the writer fixes the quote: the old key goes, the new text is pinned
    edit(project / "essay.rst", "about 2,000 troops <beta>", "about 3,000 troops <beta>")
    build(make_app, project)
    fixed = json.loads((project / "karabakh.lock").read_text(encoding="utf-8"))["entries"]
    assert "typed: about 2,000 troops" not in fixed and "typed: about 3,000 troops" in fixed


def test_a_broken_lock_is_an_error_and_is_left_alone(make_app, project):
    build(make_app, project)
    lock = project / "karabakh.lock"
    good = lock.read_text(encoding="utf-8")
    # what an in-place write killed half-way leaves behind
    lock.write_text(good[: len(good) // 2], encoding="utf-8")
    broken = lock.read_text(encoding="utf-8")
    edit(project / "texts" / "alpha.md", "1,960 soldiers", "4,000 soldiers")
    _, warnings = build(make_app, project)
    errors = warned(warnings, "lock")
    assert errors and "karabakh.lock" in errors[0] and "malformed lock file" in errors[0]
    assert lock.read_text(encoding="utf-8") == broken  # nothing is rewritten silently
    _, warnings = build(make_app, project)
    assert warned(warnings, "lock")  # and it says so on every build
    # re-pinning is the writer's decision
    _, warnings = build(make_app, project, confoverrides={"karabakh_lock_update": True})
    assert not warned(warnings, "lock")
    entries = json.loads(lock.read_text(encoding="utf-8"))["entries"]
    assert "4,000 soldiers" in entries["alpha:p2"]["text"]


def test_the_lock_is_written_atomically(tmp_path, seeds_dir, monkeypatch):
    ss = load_sources(seeds_dir)
    path = tmp_path / "karabakh.lock"
    lock = LockFile()
    lock.pin("legiec-2020:p3", ss.get_passage("legiec-2020:p3"))
    lock.save(path)
    before = path.read_text(encoding="utf-8")
    lock.pin("legiec-2020:p4", ss.get_passage("legiec-2020:p4"))

    def killed(src, dst):
        raise KeyboardInterrupt  # the process dies between writing and renaming

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        lock.save(path)
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == before  # the old lock, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["karabakh.lock"]  # no temp left


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "no lock file"),
        ("", "empty"),
        ('{"version": 2, "entries": {}}', "pins nothing"),
        ('{"entries": {"a:p1": {"passage": "a:p1", "hash": "x", "docs": 5}}}', "'docs'"),
        (b"\xff\xfe{}", "UTF-8"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"version": 99, "entries": {}}', "version 99"),
        ("{ not json", "malformed lock file"),
    ],
)
def test_lock_check_exits_2_for_a_lock_it_cannot_use(tmp_path, capsys, seeds_dir, content, says):
    path = tmp_path / "karabakh.lock"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    code = main(["lock", "check", "--sources", str(seeds_dir), "--lock", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert says in err and "Traceback" not in err


def test_lock_check_allow_missing(tmp_path, capsys, seeds_dir):
    missing = tmp_path / "typo.lock"
    code = main(
        ["lock", "check", "--sources", str(seeds_dir), "--lock", str(missing), "--allow-missing"]
    )
    assert code == 0


@pytest.mark.parametrize(
    "content", ['{"entries": {"a": {"passage": "a:p1", "hash": "x", "docs": 5}}}', "[[[[" * 30_000]
)
def test_a_malformed_lock_never_crashes_the_build(make_app, project, content):
    (project / "karabakh.lock").write_text(content, encoding="utf-8")
    app, warnings = build(make_app, project)
    assert warned(warnings, "lock")
    assert (Path(app.outdir) / "essay.html").exists()


def test_drift_diffs_show_the_source_text_and_only_what_changed(make_app, project):
    edit(
        project / "texts" / "alpha.md",
        "The agreement does **not** settle the status of the region. Talks will continue.",
        "The agreement does **not** settle the status of the region. Talks will continue. "
        "Observers called it “a pause”. The parties meet in May. Nobody expects a quick deal. "
        "The mediators stay in Moscow.",
    )
    (project / "more.rst").write_text(
        "More\n====\n\n.. karabakh:quote:: alpha:p5\n", encoding="utf-8"
    )
    build(make_app, project)
    edit(project / "texts" / "alpha.md", "The parties meet in May.", "The parties meet in June.")
    edit(project / "texts" / "alpha.md", "it “a pause”", "it “a long pause”")
    _, warnings = build(make_app, project)
    lines = [x for x in warned(warnings, "drift") if "alpha:p5 changed" in x]
    assert len(lines) == 1, lines  # one warning per quote and place
    line = lines[0]
    assert "[-May.-] {+June.+}" in line
    assert "“a {+long+} pause”." in line  # the source's own typography, not normalised text
    assert "Nobody expects" not in line and "Talks will continue" not in line  # unchanged: …
    assert "…" in line
    assert "similarity 1.00" not in line and re.search(r"similarity 0\.\d\d", line)


REVIEWED = """\
Reviewed
========

.. karabakh:verify:: beta
   :reviewed: checked by hand: the monitoring centre is the only presence

   Turkey's role remains limited [...] Ankara had hoped for more.
"""


def test_a_reviewed_quote_is_pinned_and_lapses_when_the_source_changes(make_app, project):
    (project / "reviewed.rst").write_text(
        REVIEWED.replace("remains limited [...]", "remains [not] limited [...]"), encoding="utf-8"
    )
    _, warnings = build(make_app, project)
    # without :reviewed: this is a misquote; the writer accepted it
    assert not any("reviewed.rst" in line for line in warned(warnings, "misquote")), warnings
    entries = json.loads((project / "karabakh.lock").read_text(encoding="utf-8"))["entries"]
    pin = entries["typed: Turkey's role remains [not] limited [...] Ankara had hoped for more."]
    assert pin["kind"] == "reviewed" and pin["passage"].startswith("beta:p3")
    assert "checked by hand" in pin["note"]
    html = (Path(make_app("html", srcdir=project).outdir) / "reviewed.html").read_text(
        encoding="utf-8"
    )
    assert "karabakh-badge-reviewed" in html
    _, warnings = build(make_app, project)
    assert not any("reviewed.rst" in line for line in warned(warnings, "misquote"))
    # the source changes under the accepted quote: the review lapses, with a warning
    edit(project / "texts" / "beta.txt", "Ankara had hoped for more.", "Ankara hoped for more.")
    _, warnings = build(make_app, project)
    lapsed = [line for line in warned(warnings, "misquote") if "reviewed.rst" in line]
    assert lapsed and "review" in lapsed[0] and "lapsed" in lapsed[0], warnings
    _, warnings = build(make_app, project)
    assert any("reviewed.rst" in line for line in warned(warnings, "misquote"))  # every build


def test_reviewed_needs_a_note(make_app, project):
    (project / "reviewed.rst").write_text(
        REVIEWED.replace(
            ":reviewed: checked by hand: the monitoring centre is the only presence", ":reviewed:"
        ),
        encoding="utf-8",
    )
    _, warnings = build(make_app, project)
    assert any("reviewed.rst" in line for line in warnings.splitlines())
