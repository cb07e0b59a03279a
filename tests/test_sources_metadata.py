"""Broken metadata and source files give a clear error naming the file and line."""

from __future__ import annotations

import pytest

from sphinx_karabakh.cli import main
from sphinx_karabakh.sources import SourceError, load_sources

GOOD = """\
[[source]]
id = "one"
file = "one.txt"
"""


def _setup(tmp_path, toml: str, files: dict[str, bytes] | None = None):
    (tmp_path / "sources.toml").write_text(toml, encoding="utf-8")
    for name, data in (files if files is not None else {"one.txt": b"Some text.\n"}).items():
        (tmp_path / name).write_bytes(data)
    return tmp_path


def _error(tmp_path) -> SourceError:
    with pytest.raises(SourceError) as exc:
        load_sources(tmp_path)
    return exc.value


def test_good_metadata_loads(tmp_path):
    ss = load_sources(_setup(tmp_path, GOOD + 'authors = "Solo Author"\nboilerplate = "Footer"\n'))
    assert ss["one"].meta.authors == ("Solo Author",)
    assert ss["one"].meta.boilerplate == ("Footer",)


@pytest.mark.parametrize(
    ("toml", "line", "words"),
    [
        ('[[source]]\nid = "one"\nfile = "one.txt\n', 3, "malformed TOML"),
        (GOOD + 'colour = "blue"\n', 4, "unknown key 'colour'"),
        (GOOD + '\n[[source]]\nid = "one"\nfile = "one.txt"\n', 6, "duplicate source id 'one'"),
        ('[[source]]\nid = "bad id:1"\nfile = "one.txt"\n', 2, "must be letters"),
        (GOOD + 'format = "pdf"\n', 4, "format 'pdf'"),
        (GOOD + "authors = [1, 2]\n", 4, "list of strings"),
        ('[[source]]\nfile = "one.txt"\n', 1, "has no 'id'"),
        ("[settings]\nx = 1\n", 1, "unknown key 'settings'"),
        (GOOD + '\n[[source]]\nid = "two"\nfile = "missing.txt"\n', 7, "'missing.txt' not found"),
    ],
)
def test_bad_metadata_names_file_and_line(tmp_path, toml, line, words):
    err = _error(_setup(tmp_path, toml))
    assert words in str(err)
    assert err.path and err.path.endswith("sources.toml")
    assert err.line == line, str(err)
    assert str(err).startswith(f"{tmp_path / 'sources.toml'}:{line}: ")


def test_bad_utf8_source_names_file_and_line(tmp_path):
    err = _error(_setup(tmp_path, GOOD, {"one.txt": b"Fine line.\n\nBroken \xff byte here.\n"}))
    assert err.path.endswith("one.txt") and err.line == 3 and "UTF-8" in str(err)


def test_missing_directory_and_explicit_missing_metadata(tmp_path):
    with pytest.raises(SourceError, match="not found"):
        load_sources(tmp_path / "nowhere")
    with pytest.raises(SourceError, match="metadata file not found"):
        load_sources(tmp_path, discover_missing=False)


def test_cli_reports_bad_metadata_with_exit_2(tmp_path, capsys):
    _setup(tmp_path, GOOD + 'colour = "blue"\n')
    assert main(["passages", "--sources", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sphinx-karabakh: error: ") and "sources.toml:4:" in err
    assert "Traceback" not in err


def test_metadata_by_another_name_must_exist(tmp_path):
    (tmp_path / "a.txt").write_text("Text.\n", encoding="utf-8")
    assert list(load_sources(tmp_path)) == ["a"]  # default name absent: every file is a source
    with pytest.raises(SourceError, match="metadata file not found"):
        load_sources(tmp_path, metadata="meta.toml")


def test_lenient_load_keeps_good_sources_and_returns_each_problem(tmp_path):
    toml = (
        GOOD
        + '\n[[source]]\nid = "bad"\nfile = "bad.txt"\n\n[[source]]\nid = "gone"\nfile = "gone.txt"\n'
    )
    _setup(tmp_path, toml, {"one.txt": b"Some text.\n", "bad.txt": b"Fine.\n\nBad \xff byte.\n"})
    with pytest.raises(SourceError):
        load_sources(tmp_path)  # strict by default: the first bad file stops the load
    ss = load_sources(tmp_path, strict=False)
    assert list(ss) == ["one"]
    bad, gone = ss.errors
    assert (bad.path, bad.line) == (str(tmp_path / "bad.txt"), 3)
    assert "not valid UTF-8" in bad.reason
    # a missing file is the metadata's fault: its line in sources.toml
    assert (gone.path, gone.line) == (str(tmp_path / "sources.toml"), 11)
    assert "'gone.txt' not found" in gone.reason


def test_lenient_load_still_stops_on_broken_metadata(tmp_path):
    _setup(tmp_path, GOOD + "oops\n")
    with pytest.raises(SourceError) as exc:
        load_sources(tmp_path, strict=False)
    assert exc.value.line == 4
