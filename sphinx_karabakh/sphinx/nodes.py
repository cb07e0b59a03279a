"""Placeholder nodes of the quotes feature.

Directives emit these where the final content depends on every document (who quotes a passage,
which annotations sit beside it, how often a source is quoted). ``transforms.FillPlaceholders``
replaces each of them with plain docutils nodes once all documents are read, so no builder ever
sees them and none needs a visitor.
"""

from __future__ import annotations

from docutils import nodes


class source_passages(nodes.General, nodes.Element):
    """First child of a rendered source (attribute ``source``).

    Its siblings with a ``passage`` attribute are the passages; each gets its "quoted in" list
    and the writers' annotations beside it. One marker per source rather than two placeholders
    per passage keeps a big source page's doctree small.
    """


class annotation_box(nodes.General, nodes.Element):
    """An annotation where it was written. Attributes ``passage``, ``source``; children = content.

    Kept as a small box, or dropped when the same page renders the annotated source (the note is
    then shown beside its passage instead).
    """


class times_quoted(nodes.General, nodes.Element):
    """A sources-table cell: becomes the number of quotes of source ``source``."""


PLACEHOLDERS: tuple[type[nodes.Element], ...] = (
    source_passages,
    annotation_box,
    times_quoted,
)


def _skip(self: nodes.NodeVisitor, node: nodes.Element) -> None:
    raise nodes.SkipNode


#: ``app.add_node`` keyword arguments: should a placeholder ever survive, writers skip it.
VISITORS = {name: (_skip, None) for name in ("html", "latex", "text", "man", "texinfo")}
