"""The bibliography feature's configuration and the files it reads, in real Sphinx projects.

* Each ``karabakh_*`` value of the feature with a wrong type or shape is an error that names the
  value at its line of conf.py, and the build stops with status 2 (not a TypeError deep in a
  handler, not a crash report); each validator is a plain function.
* A ``karabakh:bibliography`` / ``karabakh:citation-audit`` file must be a regular file inside the
  source, configuration or sources directory (symlinks resolved), at most
  ``MAX_DOCUMENT_BYTES``: ``../../etc/passwd``, a symlink to it or to /dev/zero, a FIFO, a
  directory, an oversized file each give a located ``karabakh.reference`` warning, and the build
  goes on (a FIFO must not hang it).
* ``karabakh_bibtex_files`` reads and writes only inside the project, replaces an old output that
  is not UTF-8, and a link-check report that is no regular file or is garbage gives "not checked".

Projects are copies of tests/roots/test-bib-rst with conf.py or bib.rst changed per case.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import pytest
from rebuild import copy_root

from sphinx_karabakh.refs.pipeline import MAX_DOCUMENT_BYTES
from sphinx_karabakh.sphinx import bibliography as bib


def _project(sphinx_test_tempdir, rootdir, name: str, conf_extra: str = "") -> Path:
    src = copy_root(rootdir, sphinx_test_tempdir, "bib-rst", name)
    if conf_extra:
        with (src / "conf.py").open("a", encoding="utf-8") as fh:
            fh.write("\n" + conf_extra + "\n")
    return src


BAD_VALUES = [
    ("karabakh_linkcheck_report", "5"),
    ("karabakh_linkcheck_report", "['report.json']"),
    ("karabakh_warn_unresolved_citations", "'yes'"),
    ("karabakh_warn_unresolved_citations", "1"),
    ("karabakh_bibtex_files", "['out.bib']"),
    ("karabakh_bibtex_files", "{'out.bib': 5}"),
    ("karabakh_bibtex_files", "{5: 'paper.txt'}"),
    ("karabakh_bibtex_files", "{'conf.py': 'paper.txt'}"),
    ("karabakh_bibtex_files", "{'out.bib': ''}"),
    ("karabakh_bibtex_files", "{'/abs/out.bib': 'paper.txt'}"),
]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_a_wrong_value_is_a_config_error_naming_it(
    make_app, sphinx_test_tempdir, rootdir, name: str, value: str
) -> None:
    slug = re.sub(r"\W+", "-", f"{name}-{value}").strip("-")
    src = _project(sphinx_test_tempdir, rootdir, f"bib-conf-{slug}", f"{name} = {value}")
    warning = io.StringIO()
    with pytest.raises(SystemExit) as info:
        make_app("html", srcdir=src, warning=warning)
    assert info.value.code == 2
    line = len((src / "conf.py").read_text(encoding="utf-8").splitlines())
    assert f"conf.py:{line}: ERROR: sphinx-karabakh: {name} = " in warning.getvalue()


@pytest.mark.parametrize(
    ("name", "good"),
    [
        ("validate_linkcheck_report", "../build/report.json"),
        ("validate_warn_unresolved_citations", False),
        ("validate_bibtex_files", {"_generated/out.bib": "../seeds/paper.txt"}),
    ],
)
def test_validators_are_plain_functions(name: str, good: object) -> None:
    validator = getattr(bib, name)
    assert validator(good) == good
    with pytest.raises(ValueError):
        validator(object())


def _warnings(app) -> str:
    return app._warning.getvalue()


@pytest.mark.parametrize(
    "case", ["parent", "symlink-out", "dev-zero", "fifo", "directory", "too-large"]
)
def test_a_file_that_is_no_project_document_is_a_located_warning(
    make_app, sphinx_test_tempdir, rootdir, case: str
) -> None:
    src = _project(sphinx_test_tempdir, rootdir, f"bib-file-{case}")
    target = {
        "parent": "../../../../../../../../etc/passwd",
        "symlink-out": "link.txt",
        "dev-zero": "zero.txt",
        "fifo": "pipe.txt",
        "directory": "adir",
        "too-large": "big.txt",
    }[case]
    if case == "symlink-out":
        os.symlink("/etc/passwd", src / "link.txt")
    elif case == "dev-zero":
        os.symlink("/dev/zero", src / "zero.txt")
    elif case == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no named pipes here")
        os.mkfifo(src / "pipe.txt")
    elif case == "directory":
        (src / "adir").mkdir()
    elif case == "too-large":
        with (src / "big.txt").open("wb") as fh:
            fh.truncate(MAX_DOCUMENT_BYTES + 1)
    (src / "bib.rst").write_text(
        f"Refs\n====\n\n.. karabakh:bibliography:: {target}\n\n"
        f".. karabakh:citation-audit:: {target}\n",
        encoding="utf-8",
    )
    app = make_app("html", srcdir=src)
    app.build()
    text = _warnings(app)
    reason = {
        "parent": "outside the project",
        "symlink-out": "outside the project",
        "dev-zero": "outside the project",
        "fifo": "not a regular file",
        "directory": "(?:not a regular file|Is a directory)",
        "too-large": "larger than",
    }[case]
    for line in (4, 6):
        assert re.search(
            rf"bib\.rst:{line}: WARNING: cannot read .*{reason}.*\[karabakh\.reference\]", text
        ), text
    assert "root:x:" not in (Path(app.outdir) / "bib.html").read_text(encoding="utf-8")


def test_a_symlink_inside_the_project_is_read(make_app, sphinx_test_tempdir, rootdir) -> None:
    src = _project(sphinx_test_tempdir, rootdir, "bib-file-symlink-in")
    (src / "docs").mkdir()
    os.symlink(src / "paper.txt", src / "docs" / "same.txt")
    (src / "bib.rst").write_text(
        "Refs\n====\n\n.. karabakh:bibliography:: docs/same.txt\n", encoding="utf-8"
    )
    app = make_app("html", srcdir=src)
    app.build()
    assert "racz2021" in (Path(app.outdir) / "bib.html").read_text(encoding="utf-8")
    assert "cannot read" not in _warnings(app)


def test_bibtex_files_stay_inside_the_project(make_app, sphinx_test_tempdir, rootdir) -> None:
    outside = Path(sphinx_test_tempdir) / "outside-written.bib"
    outside.unlink(missing_ok=True)
    src = _project(
        sphinx_test_tempdir,
        rootdir,
        "bib-files-outside",
        "karabakh_bibtex_files = {"
        "'../outside-written.bib': 'paper.txt', "
        "'_generated/passwd.bib': '../../../../../../../../etc/passwd', "
        "'_generated/abs.bib': '/etc/passwd', "
        "'_generated/ok.bib': 'paper.txt'}",
    )
    app = make_app("html", srcdir=src)
    text = _warnings(app)
    assert not outside.exists()
    assert re.search(
        r"WARNING: karabakh_bibtex_files: .*outside-written\.bib.*outside the project"
        r".*\[karabakh\.reference\]",
        text,
    ), text
    assert re.search(
        r"WARNING: karabakh_bibtex_files: .*passwd.*outside the project.*\[karabakh\.reference\]",
        text,
    ), text
    assert len(re.findall(r"karabakh_bibtex_files: /etc/passwd: outside the project", text)) == 2
    assert not (src / "_generated" / "passwd.bib").exists()
    assert not (src / "_generated" / "abs.bib").exists()
    assert "racz2021" in (src / "_generated" / "ok.bib").read_text(encoding="utf-8")


def test_an_old_output_that_is_not_utf8_or_a_directory_does_not_crash(
    make_app, sphinx_test_tempdir, rootdir
) -> None:
    src = _project(
        sphinx_test_tempdir,
        rootdir,
        "bib-files-old",
        "karabakh_bibtex_files = {'_generated/old.bib': 'paper.txt', "
        "'_generated/adir.bib': 'paper.txt'}",
    )
    (src / "_generated").mkdir()
    (src / "_generated" / "old.bib").write_bytes(b"@misc{\xff\xfe garbage")
    (src / "_generated" / "adir.bib").mkdir()
    app = make_app("html", srcdir=src)
    assert "racz2021" in (src / "_generated" / "old.bib").read_text(encoding="utf-8")
    assert re.search(
        r"WARNING: karabakh_bibtex_files: .*adir\.bib.*\[karabakh\.reference\]", _warnings(app)
    )


@pytest.mark.parametrize("kind", ["dev-zero", "nested", "garbage"])
def test_a_report_that_cannot_be_read_gives_not_checked(
    make_app, sphinx_test_tempdir, rootdir, kind: str
) -> None:
    src = _project(sphinx_test_tempdir, rootdir, f"bib-report-{kind}")
    if kind == "dev-zero":
        os.symlink("/dev/zero", src / "report.json")
    elif kind == "nested":
        (src / "report.json").write_text("[" * 100_000, encoding="utf-8")
    else:
        (src / "report.json").write_bytes(b"\xff\xfe{not json")
    with (src / "conf.py").open("a", encoding="utf-8") as fh:
        fh.write("\nkarabakh_linkcheck_report = 'report.json'\n")
    app = make_app("html", srcdir=src)
    app.build()
    html = (Path(app.outdir) / "bib.html").read_text(encoding="utf-8")
    assert html.count("karabakh-badge-unchecked") == 3


def test_a_missing_document_once_written_is_read(make_app, sphinx_test_tempdir, rootdir) -> None:
    """A refused file inside the project is still a dependency of the page (not one outside)."""
    src = _project(sphinx_test_tempdir, rootdir, "bib-file-later")
    (src / "bib.rst").write_text(
        "Refs\n====\n\n.. karabakh:bibliography:: later.txt\n", encoding="utf-8"
    )
    app = make_app("html", srcdir=src)
    app.build()
    assert "cannot read" in _warnings(app)
    shutil.copy(src / "paper.txt", src / "later.txt")
    app = make_app("html", srcdir=src)
    app.build()
    assert "racz2021" in (Path(app.outdir) / "bib.html").read_text(encoding="utf-8")
