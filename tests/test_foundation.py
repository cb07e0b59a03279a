"""The package, its command and its seeds are in place."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from sphinx_karabakh import __version__
from sphinx_karabakh.cli import main


def test_cli_version(capsys):
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert __version__ in capsys.readouterr().out


def test_python_dash_m_runs_the_same_command():
    out = subprocess.run(
        [sys.executable, "-m", "sphinx_karabakh", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "sphinx-karabakh" in out.stdout


def test_seed_metadata_names_every_seed_file(seeds_dir):
    meta = tomllib.loads((seeds_dir / "sources.toml").read_text(encoding="utf-8"))
    files = {s["file"] for s in meta["source"]}
    assert files == {p.name for p in seeds_dir.glob("*.txt")}
    ids = [s["id"] for s in meta["source"]]
    assert len(ids) == len(set(ids)) == 5
