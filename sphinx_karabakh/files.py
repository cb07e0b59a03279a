"""Reading files that other people name: one safe reader for every stage.

``sources.toml`` names source files, a page names a reference document, ``conf.py`` names a
link-check report.  Each is read with ``read_capped``: a regular file only (a FIFO cannot hang
the build, ``/dev/zero`` cannot fill memory), at most ``cap`` bytes, opened without blocking and
checked again once open, so what is read is what was checked.  ``is_inside`` says whether a
path, symlinks resolved, lies in one of some directories.  A refusal is a ``FileRefused`` that
says why in a structured way; each stage words its own message.  No Sphinx here.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path


class FileRefused(Exception):
    """Why a file is not read: ``kind`` is "missing", "special" (``detail``: "a named pipe"),
    "large" (``size`` in bytes, over ``cap``; ``detail`` "grew" when that was found while
    reading) or "error" (``detail``: the OS's reason)."""

    def __init__(self, kind: str, detail: str = "", size: int = 0, cap: int = 0) -> None:
        super().__init__(f"{kind}: {detail or size}")
        self.kind = kind
        self.detail = detail
        self.size = size
        self.cap = cap


def file_type(mode: int) -> str:
    """What a file that is not regular is ("a named pipe", "a directory", …)."""
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a file"


def is_inside(path: str | Path, roots: Iterable[str | Path]) -> bool:
    """Is ``path``, symlinks resolved, in one of ``roots`` (resolved too)?  The path need not
    exist (an output file)."""
    real = Path(os.path.realpath(path))
    return any(real.is_relative_to(os.path.realpath(r)) for r in roots)


def read_capped(path: str | Path, cap: int, regular_only: bool = True) -> bytes:
    """The bytes of the file at ``path``, at most ``cap`` of them; ``FileRefused`` otherwise.

    ``regular_only=False`` (a file the user names on the command line, perhaps ``<(…)``) reads
    any readable file, but still no more than ``cap`` bytes.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise FileRefused("missing") from None
    except OSError as exc:
        raise FileRefused("error", str(exc.strerror or exc)) from None
    if regular_only and not stat.S_ISREG(st.st_mode):
        raise FileRefused("special", file_type(st.st_mode))
    if stat.S_ISREG(st.st_mode) and st.st_size > cap:
        raise FileRefused("large", size=st.st_size, cap=cap)
    flags = os.O_RDONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    if regular_only:
        flags |= getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise FileRefused("error", str(exc.strerror or exc)) from None
    try:
        mode = os.fstat(fd).st_mode
        if regular_only and not stat.S_ISREG(mode):
            raise FileRefused("special", file_type(mode))
        chunks: list[bytes] = []
        size = 0
        while size <= cap:
            chunk = os.read(fd, min(1 << 20, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise FileRefused("error", str(exc.strerror or exc)) from None
    finally:
        os.close(fd)
    if size > cap:  # it grew since the stat, or it is no regular file (regular_only=False)
        raise FileRefused("large", "grew", size=size, cap=cap)
    return b"".join(chunks)
