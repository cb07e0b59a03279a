"""Sphinx feature module ``links``: the URL policy on every link of the output.

Only http(s), mailto and relative links become links (``sphinx_karabakh.urls``).  A document's
own links (an RST ```x <javascript:…>`_``, a MyST ``[x](javascript:…)``) are checked when the
document is read: the link becomes its text and the warning (``karabakh.link``) is kept with the
page, so every build says it again.  Links made later, by post-transforms (sphinxcontrib-bibtex
rendering a user's ``url = {javascript:…}``), are checked once more just before writing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.nodes import get_node_line

from sphinx_karabakh.sphinx.domain import keep_warning
from sphinx_karabakh.urls import unsafe_scheme

logger = logging.getLogger(__name__)


def refuse_unsafe_links(doctree: nodes.Node, warn: Callable[[nodes.reference, str], None]) -> int:
    """Every ``reference`` whose ``refuri`` the policy refuses becomes its text; ``warn`` is
    told each one.  Returns how many."""
    count = 0
    for node in list(doctree.findall(nodes.reference)):
        uri = node.get("refuri")
        scheme = unsafe_scheme(uri) if uri else None
        if not scheme:
            continue
        shown = uri if len(uri) <= 80 else uri[:79] + "…"
        warn(
            node,
            f"link {shown!r} has the {scheme}: scheme: shown as text, not a link "
            "(only http(s), mailto and relative links become links)",
        )
        node.replace_self(nodes.inline("", node.astext(), classes=["karabakh-refused-link"]))
        count += 1
    return count


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    def warn(node: nodes.reference, message: str) -> None:
        keep_warning(app.env, message, "link", lineno=get_node_line(node))

    refuse_unsafe_links(doctree, warn)


class RefuseUnsafeHrefs(SphinxPostTransform):
    """The policy again on links made after reading (priority 900: after every other)."""

    default_priority = 900

    def run(self, **kwargs: Any) -> None:
        def warn(node: nodes.reference, message: str) -> None:
            logger.warning(message, location=node, type="karabakh", subtype="link")

        refuse_unsafe_links(self.document, warn)


def setup(app: Sphinx) -> None:
    app.connect("doctree-read", on_doctree_read)
    app.add_post_transform(RefuseUnsafeHrefs)
