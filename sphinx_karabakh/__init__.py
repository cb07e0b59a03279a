"""sphinx-karabakh: verified quotes, references to BibTeX, link check and an annotated handbook.

The stages (``sources``, ``refs``, ``linkcheck``) work without Sphinx; ``sphinx_karabakh.sphinx``
is the thin Sphinx layer. Add ``"sphinx_karabakh"`` to ``extensions`` in ``conf.py``.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def setup(app: Any) -> dict[str, Any]:
    """Sphinx entry point; see :mod:`sphinx_karabakh.sphinx`."""
    from sphinx_karabakh.sphinx import setup as _setup

    return _setup(app)
