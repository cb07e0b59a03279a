"""Placeholder nodes of the quotes feature.

Directives emit these where the final content depends on every document (who quotes a passage,
which annotations sit beside it, how often a source is quoted). ``transforms.FillPlaceholders``
replaces each of them with plain docutils nodes once all documents are read, so no builder ever
sees them and none needs a visitor.
"""

from __future__ import annotations

import html
from typing import Any

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


class passage_text(nodes.paragraph):
    """A passage's shown text on its source page, sentences marked without a node each.

    Children: the permalink (a reference) and one Text of the shown text. Attribute
    ``sentences``: ``[(offset into that text, anchor), …]``, where each sentence starts. The HTML
    writer wraps each sentence in ``<span class="karabakh-sentence" id=anchor>``; other writers
    see a paragraph (Sphinx looks visitors up along the class's bases). A source page holds
    thousands of sentences: a node each would multiply every later pass over the doctree.
    """


def visit_passage_text_html(self: Any, node: passage_text) -> None:
    """``<p>`` permalink, lead text, one span per sentence ``</p>`` (the text escaped)."""
    if len(node) != 2 or not isinstance(node[1], nodes.Text):
        self.visit_paragraph(node)  # not the shape made by the directive: a paragraph
        return
    self.body.append(self.starttag(node, "p", ""))
    node[0].walkabout(self)
    text = node[1].astext()
    cuts = node.get("sentences", [])
    self.body.append(self.encode(text[: cuts[0][0] if cuts else len(text)]))
    for k, (start, anchor) in enumerate(cuts):
        end = cuts[k + 1][0] if k + 1 < len(cuts) else len(text)
        self.body.append(
            f'<span class="karabakh-sentence" id="{html.escape(anchor, quote=True)}">'
            f"{self.encode(text[start:end])}</span>"
        )
    self.body.append("</p>\n")
    raise nodes.SkipNode


def depart_passage_text_html(self: Any, node: passage_text) -> None:
    self.depart_paragraph(node)  # only reached after the fallback in the visitor


def _skip(self: nodes.NodeVisitor, node: nodes.Element) -> None:
    raise nodes.SkipNode


#: ``app.add_node`` keyword arguments: should a placeholder ever survive, writers skip it.
VISITORS = {name: (_skip, None) for name in ("html", "latex", "text", "man", "texinfo")}
