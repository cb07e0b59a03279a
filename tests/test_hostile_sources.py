"""Issue 9: a sources directory written by someone else stays inside its bounds.

``file =`` may name only a regular file inside the sources directory (symlinks resolved) and
under a size cap; every mistake of ``sources.toml`` is reported in one pass, with its line, and
the entries that are fine still load; a ``javascript:`` url is never a link; empty sources and an
empty ``sources.toml`` are warnings; an unreadable directory is a located error, not a traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from sphinx_karabakh.sources import SourceError, load_sources
from sphinx_karabakh.sources import loader as source_loader

GOOD = "A good source.\n\nIt has two paragraphs.\n"


def write(d: Path, toml: str, files: dict[str, str | bytes] | None = None) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "sources.toml").write_text(toml, encoding="utf-8")
    for name, content in (files or {}).items():
        p = d / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    return d


def entry(sid: str, file: str, extra: str = "") -> str:
    return f'[[source]]\nid = "{sid}"\nfile = "{file}"\n{extra}\n'


def lenient(d: Path):
    return load_sources(d, strict=False)


@pytest.mark.parametrize(
    ("file", "says"),
    [
        ("../../etc/passwd", "outside the sources directory"),
        ("/etc/passwd", "relative"),
        ("sub/../../outside.txt", "outside the sources directory"),
    ],
)
def test_file_must_stay_inside_the_sources_directory(tmp_path, file, says):
    (tmp_path / "outside.txt").write_text("secret outside text\n", encoding="utf-8")
    d = write(tmp_path / "src", entry("ok", "ok.txt") + entry("bad", file), {"ok.txt": GOOD})
    ss = lenient(d)
    assert list(ss) == ["ok"]
    (err,) = ss.errors
    assert says in err.reason and "bad" in err.reason
    assert err.path == str(d / "sources.toml") and err.line == 7  # the bad entry's file line
    with pytest.raises(SourceError):
        load_sources(d)  # strict: the first error raises


def test_a_symlink_out_of_the_directory_is_refused_and_one_inside_is_fine(tmp_path):
    (tmp_path / "outside.txt").write_text("secret outside text\n", encoding="utf-8")
    d = write(tmp_path / "src", entry("out", "link-out.txt") + entry("in", "link-in.txt"))
    (d / "real.txt").write_text(GOOD, encoding="utf-8")
    os.symlink(tmp_path / "outside.txt", d / "link-out.txt")
    os.symlink(d / "real.txt", d / "link-in.txt")
    ss = lenient(d)
    assert list(ss) == ["in"]
    assert "outside the sources directory" in ss.errors[0].reason


def test_special_files_are_refused_without_reading_them(tmp_path):
    d = write(
        tmp_path / "src",
        entry("pipe", "pipe.txt") + entry("dir", "adir") + entry("ok", "ok.txt"),
        {"ok.txt": GOOD},
    )
    os.mkfifo(d / "pipe.txt")
    (d / "adir").mkdir()
    done = threading.Event()
    result = {}

    def run():
        result["ss"] = lenient(d)
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(20), "reading a named pipe hung"
    ss = result["ss"]
    assert list(ss) == ["ok"]
    reasons = " | ".join(e.reason for e in ss.errors)
    assert "named pipe" in reasons and "a directory" in reasons


def test_dev_zero_through_a_symlink_is_refused(tmp_path):
    d = write(tmp_path / "src", entry("zero", "zero.txt") + entry("ok", "ok.txt"), {"ok.txt": GOOD})
    os.symlink("/dev/zero", d / "zero.txt")
    ss = lenient(d)
    assert list(ss) == ["ok"] and "outside the sources directory" in ss.errors[0].reason


def test_a_source_over_the_size_cap_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(source_loader, "MAX_SOURCE_BYTES", 1000)
    d = write(
        tmp_path / "src",
        entry("big", "big.txt") + entry("ok", "ok.txt"),
        {"big.txt": "x" * 1001, "ok.txt": GOOD},
    )
    ss = lenient(d)
    assert list(ss) == ["ok"] and "the limit is 1,000" in ss.errors[0].reason


SIX_MISTAKES = """\
[[source]]
id = "ok-one"
file = "ok.txt"

[[source]]
id = "no file"
file = "ok.txt"

[[source]]
file = "ok.txt"

[[source]]
id = "ok-one"
file = "ok.txt"

[[source]]
id = "fmt"
file = "ok.txt"
format = "pdf2"

[[source]]
id = "typo"
file = "ok.txt"
titel = "A typo"

[[source]]
id = "authors"
file = "ok.txt"
authors = 5

[[source]]
id = "ok-two"
file = "ok.txt"
"""


def test_every_mistake_of_sources_toml_in_one_pass_and_the_good_entries_load(tmp_path):
    d = write(tmp_path / "src", SIX_MISTAKES, {"ok.txt": GOOD})
    ss = lenient(d)
    assert list(ss) == ["ok-one", "ok-two"]
    lines = sorted(e.line for e in ss.errors)
    assert len(ss.errors) == 6, [str(e) for e in ss.errors]
    assert lines == [6, 9, 13, 19, 24, 29], [str(e) for e in ss.errors]
    assert all(e.path == str(d / "sources.toml") for e in ss.errors)


def test_a_javascript_url_is_kept_as_text_with_a_warning(tmp_path):
    d = write(
        tmp_path / "src",
        entry("js", "ok.txt", 'url = " JavaScript:alert(document.cookie)"'),
        {"ok.txt": GOOD},
    )
    ss = lenient(d)
    assert list(ss) == ["js"] and not ss.errors
    (w,) = ss.warnings
    assert "javascript" in w.reason and w.line == 4


def test_empty_sources_and_an_empty_metadata_file_are_warnings(tmp_path):
    d = write(tmp_path / "src", entry("empty", "empty.txt"), {"empty.txt": "\n\n  \n"})
    ss = lenient(d)
    assert list(ss) == ["empty"]
    assert any("no passages" in w.reason and "empty" in w.reason for w in ss.warnings)
    d2 = write(tmp_path / "src2", "# nothing here yet\n")
    ss2 = lenient(d2)
    assert len(ss2) == 0 and any("no [[source]] tables" in w.reason for w in ss2.warnings)


def test_an_unreadable_sources_directory_is_a_located_error(tmp_path):
    base = Path(tempfile.mkdtemp(prefix="karabakh-perm-"))
    try:
        os.chmod(base, 0o755)
        d = write(base / "src", entry("ok", "ok.txt"), {"ok.txt": GOOD})
        os.chmod(d, 0o000)
        cmd = [sys.executable, "-m", "sphinx_karabakh", "passages", "--sources", str(d)]
        if os.geteuid() == 0:  # root reads everything: run as nobody
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, proc.stderr
        assert "permission denied" in proc.stderr.lower() and str(d) in proc.stderr
        assert "Traceback" not in proc.stderr
    finally:
        os.chmod(base / "src", 0o755)
        shutil.rmtree(base)


# --- in a Sphinx build -------------------------------------------------------------------------


def test_hostile_sources_in_a_build_are_located_warnings(make_app, tmp_path):
    srcdir = tmp_path / "proj"
    srcdir.mkdir()
    (srcdir / "conf.py").write_text(
        'extensions = ["myst_parser", "sphinx_karabakh"]\nkarabakh_sources = "texts"\n',
        encoding="utf-8",
    )
    (srcdir / "index.rst").write_text(
        "Index\n=====\n\n.. karabakh:quote:: ok:p1\n\nSee :karabakh:source:`nosuch` and "
        ":karabakh:passage:`ok:p9`.\n\n.. karabakh:source:: js\n",
        encoding="utf-8",
    )
    texts = write(
        srcdir / "texts",
        entry("ok", "ok.md")
        + entry("js", "ok.md", 'url = "javascript:alert(1)"')
        + entry("bad", "../../etc/passwd"),
        {"ok.md": "# A source in Markdown\n\nWith a paragraph.\n"},
    )
    app = make_app("html", srcdir=srcdir)
    app.build()
    warnings = app._warning.getvalue()
    assert f"{texts / 'sources.toml'}:11: WARNING: source 'bad'" in warnings
    assert "outside the sources directory" in warnings and "[karabakh.source]" in warnings
    assert "unknown source 'nosuch'" in warnings and "index.rst:6" in warnings
    assert "unknown passage 'ok:p9'" in warnings
    # the sources directory is not read as documents (texts/ok.md is not a page)
    assert "texts/ok" not in app.env.found_docs
    html = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    assert 'href="javascript:' not in html and "javascript:alert(1)" in html


# --- nothing quadratic: structure (the times are in bench/hostile.py) ---------------------------


def test_short_lines_without_end_punctuation_stay_paragraphs_of_their_own():
    from sphinx_karabakh.sources import SourceMeta, source_from_text

    text = "".join(f"short line {i} without end\n\n" for i in range(10_000))
    src = source_from_text(text, SourceMeta(id="s", file="s.txt"))
    assert len(src.paragraphs) == 10_000
    assert not src.notes


def test_page_break_joins_are_capped_with_a_located_warning():
    from sphinx_karabakh.sources import SourceMeta, source_from_text
    from sphinx_karabakh.sources.passages import MAX_PARTS

    block = "a long line of prose that runs on past the end of the page and"
    text = "\n\n".join(f"{block} {i}" for i in range(MAX_PARTS + 3)) + ".\n"
    src = source_from_text(text, SourceMeta(id="s", file="s.txt"), path="s.txt")
    assert len(src.paragraphs) == 2
    assert len(src.parts("s:p1")) == MAX_PARTS
    (note,) = src.notes
    assert "page breaks" in note.reason and note.line == 2 * MAX_PARTS + 1
