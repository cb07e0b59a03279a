"""Inline roles of the ``karabakh`` domain.

* ``:karabakh:q:`SRC:p4.s2``` — the passage's text, in quotes, linked to its anchor;
* ``:karabakh:verify:`typed words <SRC or SRC:p4>``` — a typed inline quote, verified (the
  target is optional: without it every source is searched);
* ``:karabakh:passage:`SRC:p4``` and ``:karabakh:source:`SRC``` — plain links, whose IDs are
  checked when the document is read (an unknown one is a ``karabakh.unknown-passage`` warning
  with suggestions, as for the directives).
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.nodes import Element, Node, system_message
from sphinx.roles import XRefRole
from sphinx.util.docutils import SphinxRole
from sphinx.util.nodes import split_explicit_title

from sphinx_karabakh.sources.model import Verdict
from sphinx_karabakh.sphinx.directives import KarabakhMixin, badge, error_inline
from sphinx_karabakh.sphinx.domain import passage_xref
from sphinx_karabakh.sphinx.passages import shown_paragraphs


def _quoted(text: str) -> str:
    return f"“{text}”"


class QuoteRole(KarabakhMixin, SphinxRole):
    """``:karabakh:q:`SRC:p4.s2``` -> “text” linked to the passage on its source page."""

    def run(self) -> tuple[list[Node], list[system_message]]:
        pid = self.text.strip()
        loaded = self.sources()
        found = self.lookup(loaded, pid) if loaded is not None else None
        if found is None:
            return [error_inline(f"[unknown passage {pid}]")], []
        source, passage = found
        anchor = self.serial_anchor("kq", passage.id)
        self.record_quote("q", anchor, source, passage)
        text = _quoted(" ".join(shown_paragraphs(source, passage)))
        outer = nodes.inline(classes=["karabakh-q"], ids=[anchor])
        outer += passage_xref(passage.id, nodes.inline(text, text, classes=["karabakh-q-text"]))
        return [outer], []


class VerifyRole(KarabakhMixin, SphinxRole):
    """``:karabakh:verify:`typed words <SRC>``` -> “typed words”, proved against the source."""

    def run(self) -> tuple[list[Node], list[system_message]]:
        has_target, typed, written = split_explicit_title(self.text)
        typed = " ".join(typed.split())
        target = written.strip() if has_target else None
        outer = nodes.inline(classes=["karabakh-q", "karabakh-verify"])
        shown = nodes.inline(_quoted(typed), _quoted(typed), classes=["karabakh-q-text"])
        loaded = self.sources()
        match = self.verify(loaded, typed, target)[0] if loaded is not None else None
        if loaded is None or match is None:
            outer += shown
            outer += badge("unchecked", "not checked")
            return [outer], []
        found = self.match_passage(loaded, match)
        anchor = self.serial_anchor("kv", match.passage or target or "quote")
        outer["ids"].append(anchor)
        if found is not None:
            source, passage = found
            self.record_quote("verify", anchor, source, passage, typed, match.verdict.value)
            outer += passage_xref(passage.id, shown)
        else:
            self.record_unmatched(anchor, typed, match, target or "")
            outer += shown
        if match.verdict is not Verdict.VERIFIED:
            outer["classes"].append("karabakh-misquote")
            label = "misquote" if match.verdict is Verdict.MISQUOTE else "not found"
            outer += nodes.Text(" ")
            outer += badge("misquote", label)
        return [outer], []


class CheckedXRefRole(KarabakhMixin, XRefRole):
    """``:karabakh:passage:`` / ``:karabakh:source:``: a link, its target checked on reading."""

    def __init__(self, what: str) -> None:
        super().__init__(innernodeclass=nodes.literal)
        self.what = what

    def result_nodes(
        self, document: nodes.document, env: Any, node: Element, is_ref: bool
    ) -> tuple[list[Node], list[system_message]]:
        target = node.get("reftarget", "")
        loaded = self.sources()
        if loaded is not None and target:
            self.check_target(loaded, target)
        return [node], []

    def check_target(self, loaded: Any, target: str) -> None:
        """Warn about an unknown target; depend only on whether it exists (a link shows no
        text of the source, so an edit elsewhere in it does not make this page outdated)."""
        sourceset = loaded.sourceset
        if self.what == "passage":
            try:
                sourceset.get_passage(target)
                exists = True
            except KeyError:
                exists = False
        else:
            exists = target in sourceset
        self.kdomain.note_use(self.env.docname, f"?{self.what}:{target}", "1" if exists else "")
        if not exists:
            self.warn(self.unknown_message(self.what, target, loaded), "unknown-passage")
