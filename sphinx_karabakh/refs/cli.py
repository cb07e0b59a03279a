"""``sphinx-karabakh`` sub-commands of the refs stage."""

from __future__ import annotations

import argparse


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register this stage's sub-commands (filled in by the refs stage)."""
