"""Fill the placeholders once every document is read.

``FillPlaceholders`` runs for every builder before references are resolved (priority 5 < 10), so
the links it makes are ``pending_xref`` nodes of type ``place`` that the domain resolves for the
builder at hand, and the annotation content it copies onto a source page gets its own references
resolved in that page's context.
"""

from __future__ import annotations

from typing import Any, cast

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.transforms.post_transforms import SphinxPostTransform

from sphinx_karabakh.sphinx.domain import AnnotationRecord, KarabakhDomain, QuoteRecord
from sphinx_karabakh.sphinx.nodes import (
    PLACEHOLDERS,
    annotation_box,
    source_passages,
    times_quoted,
)


def place_xref(docname: str, anchor: str, contnode: nodes.Node, title: str = "") -> pending_xref:
    """A link to ``anchor`` in ``docname``, resolved by the domain for the current builder."""
    ref = pending_xref(
        "",
        refdomain="karabakh",
        reftype="place",
        reftarget=f"{docname}#{anchor}",
        refexplicit=True,
        refwarn=False,
        reftitle=title,
    )
    ref += contnode
    return ref


def _is_placeholder(node: nodes.Node) -> bool:
    return isinstance(node, PLACEHOLDERS)


class FillPlaceholders(SphinxPostTransform):
    """source_passages / annotation_box / times_quoted -> plain docutils nodes."""

    default_priority = 5

    def run(self, **kwargs: Any) -> None:
        domain = cast(KarabakhDomain, self.env.get_domain("karabakh"))
        derived = domain.derived
        docname = self.env.docname
        rendered_here = set(domain.renders.get(docname, ()))
        for node in list(self.document.findall(_is_placeholder)):  # one walk of the tree
            if isinstance(node, source_passages):
                for box in node.parent.children:
                    pid = box.get("passage") if isinstance(box, nodes.Element) else None
                    if pid:
                        box.extend(self._quoted_in(domain, derived.quoted_in.get(pid, [])))
                        notes = derived.annotations.get(pid, [])
                        box.extend(self._annotations(domain, notes, docname))
                node.parent.remove(node)
            elif isinstance(node, annotation_box):
                if node["source"] in rendered_here and node.get("known"):
                    node.parent.remove(node)  # shown beside its passage on this very page
                    continue
                box = nodes.container(
                    classes=["karabakh-annotation", "karabakh-annotation-box"], ids=node["ids"]
                )
                box.extend(node.children)
                node.replace_self(box)
            elif isinstance(node, times_quoted):
                count = derived.times_quoted.get(node["source"], 0)
                node.replace_self(nodes.Text(str(count)))

    def _quoted_in(self, domain: KarabakhDomain, records: list[QuoteRecord]) -> list[nodes.Node]:
        if not records:
            return []
        para = nodes.paragraph(classes=["karabakh-quoted-in"])
        para += nodes.inline("Quoted in: ", "Quoted in: ", classes=["karabakh-quoted-in-label"])
        seen: dict[str, int] = {}
        for record in records:
            seen[record.docname] = seen.get(record.docname, 0) + 1
            nth = seen[record.docname]
            if len(seen) > 1 or nth > 1:
                para += nodes.Text(", " if nth == 1 else " ")
            label = domain._title(record.docname) if nth == 1 else f"({nth})"
            text: nodes.Node = nodes.Text(label)
            if record.verdict != "verified":
                label += " [misquote]"
                text = nodes.inline(label, label, classes=["karabakh-quoted-in-misquote"])
            para += place_xref(record.docname, record.anchor, text, f"line {record.lineno}")
        return [para]

    def _annotations(
        self, domain: KarabakhDomain, notes: list[AnnotationRecord], docname: str
    ) -> list[nodes.Node]:
        if not notes:
            return []
        aside = nodes.container(classes=["karabakh-annotations"])
        for note in notes:
            ids = [note.anchor] if note.docname == docname else []
            box = nodes.container(classes=["karabakh-annotation"], ids=ids)
            box.extend(child.deepcopy() for child in note.content)
            if note.docname != docname:
                footer = nodes.paragraph(classes=["karabakh-annotation-from"])
                footer += nodes.Text("— ")
                title = domain._title(note.docname)
                footer += place_xref(note.docname, note.anchor, nodes.inline(title, title))
                box += footer
            aside += box
        return [aside]
