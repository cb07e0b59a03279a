"""Issue 8: a misquote fails every build, for the whole life of a project.

Incremental builds, a kept doctree directory (as in CI), a rebuild in the same process (as
sphinx-autobuild does), sources in subdirectories, a ``touch``: the warnings for a wrong quote come
back on every build until the quote is fixed, and sources are compared by content, not mtime.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rebuild import build, copy_root, edit

MISQUOTE = """\
A page with a misquote
======================

.. karabakh:verify:: alpha

   Russia will deploy 2,000 soldiers along the contact line.
"""


@pytest.fixture
def project(sphinx_test_tempdir, rootdir, request):
    """The RST quotes project without its own deliberate mistakes, with a page "wrong" in the
    toctree: a clean build of it passes -W."""
    srcdir = copy_root(rootdir, sphinx_test_tempdir, "quotes-rst", f"lc-{request.node.name}")
    essay = srcdir / "essay.rst"
    text = essay.read_text(encoding="utf-8")
    for mistake in (
        ".. karabakh:verify:: alpha:p2\n\n   Russia will deploy 2,000 soldiers along the contact "
        "line.\n\n",
        ".. karabakh:quote:: alpha:p9\n\n",
    ):
        assert mistake in text
        text = text.replace(mistake, "")
    essay.write_text(text, encoding="utf-8")
    index = srcdir / "index.rst"
    index.write_text(
        index.read_text(encoding="utf-8").replace("   beta\n", "   beta\n   wrong\n"),
        encoding="utf-8",
    )
    (srcdir / "wrong.rst").write_text("Fine\n====\n\nNothing wrong yet.\n", encoding="utf-8")
    return srcdir


def misquote_lines(warnings: str) -> list[str]:
    return [line for line in warnings.splitlines() if "[karabakh.misquote]" in line]


def test_three_builds_in_a_row_all_warn(make_app, project):
    (project / "wrong.rst").write_text(MISQUOTE, encoding="utf-8")
    for n in range(3):
        _, read, warnings = build(make_app, project)
        lines = misquote_lines(warnings)
        assert any("wrong.rst:4:" in line and "2,000" in line for line in lines), (n, warnings)
        assert len([line for line in lines if "wrong.rst" in line]) == 1  # once per place
        if n:
            assert read == [] or read == ["wrong"]  # nothing else is read again
    edit(project / "wrong.rst", "2,000 soldiers", "1,960 soldiers")
    _, _, warnings = build(make_app, project)
    assert not [line for line in misquote_lines(warnings) if "wrong.rst" in line], warnings


def test_unknown_passage_and_usage_warnings_come_back(make_app, project):
    (project / "wrong.rst").write_text(
        "Wrong\n=====\n\n.. karabakh:quote:: alpha:p99\n\nSee :karabakh:passage:`alpha:p77`.\n"
        "\n.. karabakh:quote:: alpha:p2\n   :sentences: 9-12\n",
        encoding="utf-8",
    )
    for _ in range(2):
        _, _, warnings = build(make_app, project)
        assert "wrong.rst:4:" in warnings and "unknown passage 'alpha:p99'" in warnings
        assert "wrong.rst:6:" in warnings and "alpha:p77" in warnings
        assert ":sentences: 9-12 is out of range" in warnings


def sphinx_build(srcdir: Path, out: Path, doctrees: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "-q",
            "-b",
            "html",
            "-d",
            str(doctrees),
            str(srcdir),
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_a_kept_doctree_directory_still_fails(project, tmp_path):
    """CI keeps the doctrees between runs; each run is a fresh process."""
    (project / "wrong.rst").write_text(MISQUOTE, encoding="utf-8")
    doctrees = tmp_path / "doctrees"
    for _ in range(2):
        proc = sphinx_build(project, tmp_path / "html", doctrees)
        assert proc.returncode != 0, proc.stderr
        assert "wrong.rst:4" in proc.stderr and "misquote" in proc.stderr
    edit(project / "wrong.rst", "2,000 soldiers", "1,960 soldiers")
    proc = sphinx_build(project, tmp_path / "html", doctrees)
    assert proc.returncode == 0, proc.stderr


def test_a_source_in_a_subdirectory_changed_between_builds_in_one_process(make_app, project):
    texts = project / "texts"
    (texts / "sub").mkdir()
    shutil.move(texts / "beta.txt", texts / "sub" / "beta.txt")
    edit(texts / "sources.toml", 'file = "beta.txt"', 'file = "sub/beta.txt"')
    _, _, warnings = build(make_app, project)
    assert not any("2,000 troops" in line for line in misquote_lines(warnings)), warnings
    assert "beta" not in warnings  # the source was found in its subdirectory
    edit(texts / "sub" / "beta.txt", "about 2,000 troops", "about 3,000 troops")
    _, read, warnings = build(make_app, project)
    assert "essay" in read and "other" in read and "beta" in read
    # essay's typed quote "about 2,000 troops <beta>" is now a misquote
    assert any("essay.rst" in line and "2,000 troops" in line for line in misquote_lines(warnings))


def test_a_clean_project_passes(project, tmp_path):
    proc = sphinx_build(project, tmp_path / "html", tmp_path / "doctrees")
    assert proc.returncode == 0, proc.stderr


def test_touching_a_source_rereads_nothing(make_app, project):
    (project / "wrong.rst").write_text(MISQUOTE, encoding="utf-8")
    _, _, first = build(make_app, project)
    assert misquote_lines(first)
    _, read, _ = build(make_app, project)
    assert read == []
    for path in (project / "texts").iterdir():
        later = time.time() + 5
        os.utime(path, (later, later))
    _, read, warnings = build(make_app, project)
    assert read == [], read
    # the project's own deliberate misquotes are still reported, the same as the first time
    assert misquote_lines(warnings) == misquote_lines(first)


def test_one_changed_source_rereads_its_quoters_and_the_failing_pages(make_app, project):
    (project / "wrong.rst").write_text(MISQUOTE, encoding="utf-8")
    build(make_app, project)
    edit(project / "texts" / "beta.txt", "hoped for more.", "hoped for much more.")
    _, read, warnings = build(make_app, project)
    # beta is quoted by essay and other, shown by beta, counted in the table on index; wrong
    # holds a failing quote (of alpha), which a change to any source may fix
    assert read == ["beta", "essay", "index", "other", "wrong"], read
    assert any("wrong.rst:4:" in line for line in misquote_lines(warnings))


def test_parallel_builds_warn_every_time(make_app, project):
    (project / "wrong.rst").write_text(MISQUOTE, encoding="utf-8")
    for _ in range(2):
        _, _, warnings = build(make_app, project, parallel=2)
        assert [line for line in misquote_lines(warnings) if "wrong.rst:4:" in line], warnings


def test_link_and_reference_warnings_come_back_too(make_app, project):
    (project / "wrong.rst").write_text(
        "Links\n=====\n\nA `bad link <javascript:alert(1)>`_ here.\n", encoding="utf-8"
    )
    for _ in range(2):
        _, _, warnings = build(make_app, project)
        assert any(
            "wrong.rst:4:" in line and "javascript" in line
            for line in warnings.splitlines()
            if "[karabakh.link]" in line
        ), warnings


def test_bibliography_warnings_come_back(make_app, sphinx_test_tempdir, rootdir):
    srcdir = copy_root(rootdir, sphinx_test_tempdir, "bib-rst", "lc-bib-again")
    first = build(make_app, srcdir).warnings
    found = [
        x for x in first.splitlines() if "[karabakh.citation]" in x or "[karabakh.reference]" in x
    ]
    assert found, first
    again = build(make_app, srcdir)
    assert again.read == []
    assert [
        x
        for x in again.warnings.splitlines()
        if "[karabakh.citation]" in x or "[karabakh.reference]" in x
    ] == found
