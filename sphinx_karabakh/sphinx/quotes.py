"""Sphinx feature module `quotes` (filled in by its stage)."""

from __future__ import annotations

from sphinx.application import Sphinx


def setup(app: Sphinx) -> None:
    """Register this feature's config values, nodes, directives, roles and events."""
