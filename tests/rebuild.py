"""Helpers for tests that build one copy of a test root several times, as a writer does.

``copy_root`` copies ``tests/roots/test-<name>`` to a directory of the test's own;
``build`` builds it once with ``make_app`` and returns what was read and warned; ``edit``
replaces text in a file of it (failing when the text is not there).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any, NamedTuple


class Built(NamedTuple):
    app: Any
    read: list[str]  # docnames read by this build, sorted
    warnings: str


def copy_root(rootdir: Path, tempdir: Path, root: str, name: str) -> Path:
    srcdir = Path(tempdir) / name
    if srcdir.exists():
        shutil.rmtree(srcdir)
    shutil.copytree(Path(rootdir) / f"test-{root}", srcdir)
    return srcdir


def build(make_app: Any, srcdir: Path, **kwargs: Any) -> Built:
    app = make_app("html", srcdir=srcdir, **kwargs)
    read: list[str] = []
    app.connect("env-before-read-docs", lambda _app, _env, docnames: read.extend(docnames))
    app.build()
    return Built(app, sorted(read), app._warning.getvalue())


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (old, path)
    time.sleep(0.01)  # the new mtime is after the last read, even with a coarse clock
    path.write_text(text.replace(old, new), encoding="utf-8")


def warned(warnings: str, subtype: str) -> list[str]:
    """The warning lines of one ``karabakh.<subtype>``."""
    return [line for line in warnings.splitlines() if f"[karabakh.{subtype}]" in line]
