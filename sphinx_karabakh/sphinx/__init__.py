"""The thin Sphinx layer: translates between the stages and docutils nodes, the env and warnings.

Each feature module has its own ``setup(app)``; this one only composes them.
Warnings use ``type="karabakh"`` with a subtype (see the user guide for the list).
"""

from __future__ import annotations

import importlib
from typing import Any

from sphinx_karabakh import __version__

#: Feature modules, each with ``setup(app)``.
FEATURES = (
    "sphinx_karabakh.sphinx.quotes",  # sources, passages, quote directives/roles, lock file
    "sphinx_karabakh.sphinx.bibliography",  # references -> bibliography and citation audit
    "sphinx_karabakh.sphinx.citecheck",  # link-check builder
    "sphinx_karabakh.sphinx.links",  # the URL policy on every link of the output
)

#: Bump when the shape of anything stored in the environment changes.
ENV_VERSION = 4  # 4: source passages carry their Markdown links


def setup(app: Any) -> dict[str, Any]:
    for name in FEATURES:
        importlib.import_module(name).setup(app)
    return {
        "version": __version__,
        "env_version": ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
