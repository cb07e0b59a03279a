"""The ``sphinx-karabakh`` command line.

Each stage contributes its own sub-commands through an ``add_commands(subparsers)`` function in
its ``cli`` module; this module only assembles them and maps errors to exit codes:
0 success, 1 a finding (misquote, unresolved citation, broken link), 2 bad usage or unreadable input.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from sphinx_karabakh import __version__

#: Stage modules that define ``add_commands(subparsers)``.
COMMAND_MODULES = (
    "sphinx_karabakh.sources.cli",
    "sphinx_karabakh.refs.cli",
    "sphinx_karabakh.linkcheck.cli",
)

#: Which module defines a top-level command: ``sphinx-karabakh linkcheck …`` then imports only
#: that module (not every stage's parsers and their dependencies).  A command missing here still
#: works: an unknown first argument builds the full parser.
COMMAND_OWNERS = {
    "linkcheck": "sphinx_karabakh.linkcheck.cli",
}


class UsageError(Exception):
    """Bad usage or unreadable input: printed as ``sphinx-karabakh: error: …``, exit 2."""


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sphinx-karabakh",
        description="Verified quotes, references to BibTeX and link checks for Sphinx writers.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in modules:
        module = importlib.import_module(name)
        module.add_commands(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    owner = COMMAND_OWNERS.get(args_in[0]) if args_in else None
    parser = build_parser((owner,) if owner else COMMAND_MODULES)
    args = parser.parse_args(args_in)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"sphinx-karabakh: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `| head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
