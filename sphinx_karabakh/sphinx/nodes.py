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

    Children: the permalink (a reference), then Text nodes and the source's own links
    (references), none of which crosses a sentence.  Attribute ``sentences``: ``[(offset, anchor),
    …]``, where each sentence starts in the text after the permalink.  The HTML writer wraps each
    sentence in ``<span class="karabakh-sentence" id=anchor>``; other writers see a paragraph
    (Sphinx looks visitors up along the class's bases).  A source page holds thousands of
    sentences: a node each would multiply every later pass over the doctree.
    """


def visit_passage_text_html(self: Any, node: passage_text) -> None:
    """``<p>`` permalink, lead text, one span per sentence ``</p>`` (text escaped, links kept)."""
    if not len(node) or not isinstance(node[0], nodes.reference):
        self.visit_paragraph(node)  # not the shape made by the directive: a paragraph
        return
    self.body.append(self.starttag(node, "p", ""))
    node[0].walkabout(self)
    cuts = list(node.get("sentences", []))
    k = 0
    pos = 0
    opened = False

    def open_span(anchor: str) -> None:
        nonlocal opened
        if opened:
            self.body.append("</span>")
        self.body.append(f'<span class="karabakh-sentence" id="{html.escape(anchor, quote=True)}">')
        opened = True

    for child in node.children[1:]:
        text = child.astext()
        if isinstance(child, nodes.Text):
            i = 0
            while i < len(text) or (k < len(cuts) and cuts[k][0] <= pos + i and not text):
                while k < len(cuts) and cuts[k][0] <= pos + i:
                    open_span(cuts[k][1])
                    k += 1
                end = len(text) if k >= len(cuts) else min(len(text), cuts[k][0] - pos)
                self.body.append(self.encode(text[i:end]))
                i = end
                if not text:
                    break
        else:
            while k < len(cuts) and cuts[k][0] <= pos:
                open_span(cuts[k][1])
                k += 1
            child.walkabout(self)
        pos += len(text)
    while k < len(cuts):  # sentences with no text left (should not happen): keep their anchors
        open_span(cuts[k][1])
        k += 1
    if opened:
        self.body.append("</span>")
    self.body.append("</p>\n")
    raise nodes.SkipNode


def depart_passage_text_html(self: Any, node: passage_text) -> None:
    self.depart_paragraph(node)  # only reached after the fallback in the visitor


def _skip(self: nodes.NodeVisitor, node: nodes.Element) -> None:
    raise nodes.SkipNode


#: ``app.add_node`` keyword arguments: should a placeholder ever survive, writers skip it.
VISITORS = {name: (_skip, None) for name in ("html", "latex", "text", "man", "texinfo")}
