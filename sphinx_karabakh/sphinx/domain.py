"""The ``karabakh`` domain: per-document facts about quotes, rendered sources and annotations.

Per document (cleared by ``clear_doc``, merged from parallel readers by ``merge_domaindata``):

* ``quotes[docname]``: every :class:`QuoteRecord` (which passage, where, what was typed, verdict);
* ``renders[docname]``: the source IDs a ``karabakh:source`` directive renders there;
* ``annotations[docname]``: every :class:`AnnotationRecord` (passage, place, content nodes);
* ``tables[docname]``: present when a ``karabakh:sources-table`` is there.

Across documents (recomputed in ``env-updated`` by :meth:`KarabakhDomain.derive`, main process):
which page shows each source, who quotes each paragraph, which notes sit beside it, how often
each source is quoted. ``resolve_xref`` links ``passage`` and ``source`` references to the page
that renders the source.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Set
from dataclasses import dataclass, field
from typing import Any, ClassVar

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.builders import Builder
from sphinx.domains import Domain
from sphinx.environment import BuildEnvironment
from sphinx.util.nodes import make_refnode

from sphinx_karabakh.sphinx.passages import (
    anchor_id,
    first_paragraph_of,
    source_anchor,
    source_of,
)

#: ``QuoteRecord.kind``/``verdict`` of a quote whose passage ID is unknown (kept for locations).
UNKNOWN = "unknown"
#: ``QuoteRecord.verdict`` of a quote the rules reject but a writer accepted (``:reviewed:``).
REVIEWED = "reviewed"
#: ``uses`` key of a document that looked in every source (a typed quote without a target).
ALL_SOURCES = "*"


@dataclass(frozen=True)
class Finding:
    """A warning found while reading a document, kept so that every build says it again.

    Reading happens only for new or changed documents; the findings of the others come from
    the environment, so a wrong quote fails every build (incremental, cached or parallel) until
    it is fixed.
    """

    docname: str
    lineno: int | None
    subtype: str
    message: str
    where: str | None = None  # "file:line" elsewhere (a reference document), when not the page


def keep_warning(
    env: Any, message: str, subtype: str, where: str | None = None, lineno: int | None = None
) -> None:
    """A warning found while reading the current document, said again on every build."""
    domain = env.get_domain("karabakh")
    domain.note_finding(Finding(env.docname, lineno, subtype, message, where))


@dataclass(frozen=True)
class QuoteRecord:
    """One quote in one document: by ID (``quote``, ``q``) or typed (``verify``)."""

    docname: str
    lineno: int
    anchor: str  # HTML id of the quote where it is written
    passage: str  # the passage quoted (or, for a typed quote, matched)
    paragraphs: tuple[str, ...]  # paragraph IDs the passage covers
    source: str
    kind: str  # "quote" | "q" | "verify" | "unknown"
    typed: str = ""  # the writer's text, for typed quotes
    verdict: str = "verified"  # sources.model.Verdict value, or REVIEWED
    hash: str = ""  # the passage's content hash when read
    text: str = ""  # the passage's text when read
    target: str = ""  # what the writer named: a passage, a source, or "" (every source)
    members: tuple[str, ...] = ()  # a range's member hashes (the lock finds a moved range by them)
    note: str = ""  # the :reviewed: note of an accepted quote

    @property
    def failing(self) -> bool:
        return self.verdict not in ("verified", REVIEWED)


@dataclass(frozen=True)
class AnnotationRecord:
    """A writer's note on a passage; ``content`` are the parsed body nodes (ids removed)."""

    docname: str
    lineno: int
    anchor: str
    passage: str
    paragraphs: tuple[str, ...]
    source: str
    content: tuple[nodes.Node, ...] = field(default=(), compare=False)


@dataclass
class Derived:
    """Cross-document results, recomputed after every read phase."""

    source_docs: dict[str, str] = field(default_factory=dict)  # source ID -> docname
    quoted_in: dict[str, list[QuoteRecord]] = field(default_factory=dict)  # paragraph -> quotes
    annotations: dict[str, list[AnnotationRecord]] = field(default_factory=dict)  # paragraph ->
    times_quoted: dict[str, int] = field(default_factory=dict)  # source ID -> count
    fingerprints: dict[str, str] = field(default_factory=dict)  # docname -> derived-data hash


#: Keys of ``data`` that hold per-document facts (cleared and merged by document).
_PER_DOC = ("quotes", "renders", "annotations", "tables", "findings", "uses")


class KarabakhDomain(Domain):
    """State of the quotes feature (see the module docstring)."""

    name = "karabakh"
    label = "sphinx-karabakh"
    object_types: ClassVar[dict[str, Any]] = {}
    roles: ClassVar[dict[str, Any]] = {}  # passage, source: added by quotes.setup (checked)
    data_version = 3
    initial_data: ClassVar[dict[str, Any]] = {
        "quotes": {},
        "renders": {},
        "annotations": {},
        "tables": {},
        "findings": {},  # docname -> [Finding]
        "uses": {},  # docname -> {source ID or ALL_SOURCES: fingerprint when read}
        "derived": None,
        "sources_fingerprint": "",  # of the whole source set, at the last read
    }

    # --- per-document facts -------------------------------------------------------------------

    @property
    def quotes(self) -> dict[str, list[QuoteRecord]]:
        return self.data["quotes"]

    @property
    def renders(self) -> dict[str, list[str]]:
        return self.data["renders"]

    @property
    def annotations(self) -> dict[str, list[AnnotationRecord]]:
        return self.data["annotations"]

    def note_quote(self, record: QuoteRecord) -> None:
        self.quotes.setdefault(record.docname, []).append(record)

    @property
    def findings(self) -> dict[str, list[Finding]]:
        return self.data.setdefault("findings", {})

    def note_finding(self, finding: Finding) -> bool:
        """Keep a warning for this document (once per place and text); False if already kept."""
        found = self.findings.setdefault(finding.docname, [])
        if finding in found:
            return False
        found.append(finding)
        return True

    def all_findings(self) -> list[Finding]:
        return [
            f
            for doc in sorted(self.findings)
            for f in sorted(self.findings[doc], key=lambda f: (f.lineno or 0, f.subtype))
        ]

    @property
    def uses(self) -> dict[str, dict[str, str]]:
        return self.data.setdefault("uses", {})

    def note_use(self, docname: str, source_id: str, fingerprint: str) -> None:
        """This document read ``source_id`` (or ALL_SOURCES) as it was at ``fingerprint``."""
        self.uses.setdefault(docname, {})[source_id] = fingerprint

    def failing_docs(self) -> set[str]:
        """Documents that hold a quote that is wrong or points nowhere."""
        out = {doc for doc, recs in self.quotes.items() if any(r.failing for r in recs)}
        out.update(
            doc
            for doc, found in self.findings.items()
            if any(f.subtype in ("misquote", "unknown-passage", "source") for f in found)
        )
        return out

    def note_render(self, docname: str, source_id: str) -> None:
        self.renders.setdefault(docname, []).append(source_id)

    def note_annotation(self, record: AnnotationRecord) -> None:
        self.annotations.setdefault(record.docname, []).append(record)

    def clear_doc(self, docname: str) -> None:
        for key in _PER_DOC:
            self.data[key].pop(docname, None)

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        for key in _PER_DOC:
            for docname, items in otherdata[key].items():
                if docname in docnames:
                    self.data[key][docname] = items

    def all_quotes(self) -> list[QuoteRecord]:
        return [q for doc in sorted(self.quotes) for q in self.quotes[doc]]

    # --- cross-document results ---------------------------------------------------------------

    @property
    def derived(self) -> Derived:
        derived = self.data.get("derived")
        if derived is None:
            derived = self.derive({})
        return derived

    def derive(self, configured: dict[str, str]) -> Derived:
        """Recompute the cross-document results; ``configured`` = karabakh_source_docs resolved."""
        derived = Derived()
        for docname in sorted(self.renders):
            for source_id in self.renders[docname]:
                derived.source_docs.setdefault(source_id, docname)
        for source_id, docname in configured.items():
            if docname in self.env.all_docs:
                derived.source_docs[source_id] = docname
        for record in self.all_quotes():
            if record.kind == UNKNOWN or not record.passage:
                continue
            derived.times_quoted[record.source] = derived.times_quoted.get(record.source, 0) + 1
            for pid in record.paragraphs:
                derived.quoted_in.setdefault(pid, []).append(record)
        for docname in sorted(self.annotations):
            for note in self.annotations[docname]:
                for pid in note.paragraphs[:1]:  # shown beside the first paragraph it covers
                    derived.annotations.setdefault(pid, []).append(note)
        for records in derived.quoted_in.values():
            records.sort(key=lambda r: (r.docname, r.lineno, r.anchor))
        for notes in derived.annotations.values():
            notes.sort(key=lambda n: (n.docname, n.lineno, n.anchor))
        derived.fingerprints = self._fingerprints(derived)
        self.data["derived"] = derived
        return derived

    def _fingerprints(self, derived: Derived) -> dict[str, str]:
        """Per document, a hash of the cross-document data its placeholders show."""
        shown: dict[str, list[Any]] = {}
        all_sources = sorted(derived.source_docs.items())
        for docname, source_ids in self.renders.items():
            items: list[Any] = []
            for source_id in source_ids:
                prefix = f"{source_id}:"
                items.append(
                    [
                        (pid, [(r.docname, r.anchor, self._title(r.docname)) for r in recs])
                        for pid, recs in sorted(derived.quoted_in.items())
                        if pid.startswith(prefix)
                    ]
                )
                items.append(
                    [
                        (pid, [(n.docname, n.anchor, n.lineno) for n in notes])
                        for pid, notes in sorted(derived.annotations.items())
                        if pid.startswith(prefix)
                    ]
                )
            shown[docname] = items
        for docname in self.quotes:
            shown.setdefault(docname, []).append(all_sources)
        for docname in self.annotations:
            shown.setdefault(docname, []).append(all_sources)
        counts = sorted(derived.times_quoted.items())
        for docname in self.env.all_docs:
            if docname in self._table_docs():
                shown.setdefault(docname, []).append([counts, all_sources])
        return {
            doc: hashlib.sha256(json.dumps(value, default=str).encode()).hexdigest()
            for doc, value in shown.items()
        }

    def _title(self, docname: str) -> str:
        title = self.env.titles.get(docname)
        return title.astext() if title is not None else docname

    def _table_docs(self) -> set[str]:
        return set(self.data["tables"])

    def note_table(self, docname: str) -> None:
        self.data["tables"][docname] = True

    def docs_to_rewrite(self, before: dict[str, str]) -> list[str]:
        """Documents whose shown cross-document data changed since ``before`` (fingerprints)."""
        after = self.derived.fingerprints
        return sorted(
            doc
            for doc in set(before) | set(after)
            if before.get(doc) != after.get(doc) and doc in self.env.all_docs
        )

    # --- cross-references ---------------------------------------------------------------------

    def resolve_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        typ: str,
        target: str,
        node: pending_xref,
        contnode: nodes.Element,
    ) -> nodes.reference | None:
        if typ == "place":  # docname#anchor, made by the post-transform
            todocname, _, anchor = target.partition("#")
            title: str | None = node.get("reftitle") or None
            return make_refnode(builder, fromdocname, todocname, anchor, contnode, title)
        source_id = source_of(target) if typ == "passage" else target
        page = self.derived.source_docs.get(source_id)
        if page is None:
            return None
        todocname = page
        anchor = (
            anchor_id(first_paragraph_of(target)) if typ == "passage" else source_anchor(target)
        )
        return make_refnode(builder, fromdocname, todocname, anchor, contnode, target)

    def resolve_any_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Builder,
        target: str,
        node: pending_xref,
        contnode: nodes.Element,
    ) -> list[tuple[str, nodes.reference]]:
        typ = "passage" if ":" in target else "source"
        ref = self.resolve_xref(env, fromdocname, builder, typ, target, node, contnode)
        return [(f"karabakh:{typ}", ref)] if ref is not None else []

    def get_objects(self) -> Iterable[tuple[str, str, str, str, str, int]]:
        return []


def passage_xref(passage_id: str, contnode: nodes.Node | None = None) -> pending_xref:
    """A link to a passage on its source page (plain text when the source has no page)."""
    ref = pending_xref(
        "",
        refdomain="karabakh",
        reftype="passage",
        reftarget=passage_id,
        refexplicit=True,
        refwarn=False,
    )
    if contnode is None:
        contnode = nodes.Text(passage_id)  # styled by its container's CSS (karabakh.css)
    ref += contnode
    return ref


def source_xref(source_id: str, contnode: nodes.Node) -> pending_xref:
    ref = pending_xref(
        "",
        refdomain="karabakh",
        reftype="source",
        reftarget=source_id,
        refexplicit=True,
        refwarn=False,
    )
    ref += contnode
    return ref
