"""Sphinx feature `bibliography`: a document's reference list as an anchored bibliography, its
BibTeX in the HTML output, and the audit of its in-text citations.

Directives (in the ``karabakh`` domain, one path argument, relative to the page or, with a
leading ``/``, to the source directory, as ``literalinclude`` takes it)::

    .. karabakh:bibliography:: ../seeds/004_cc326326a6865e0d.txt
    .. karabakh:citation-audit:: ../seeds/004_cc326326a6865e0d.txt

Flow: directive (read phase) -> ``refs.pipeline`` (section, parse, keys, BibTeX; audit) -> nodes
with placeholders (link status, download link, links to entries) + a ``BibRecord`` per
bibliography in ``env.karabakh_bibliographies`` (per document; cleared and merged for parallel
reads) -> ``FillBibPlaceholders`` post-transform (write phase: the latest link-check report, the
page that holds each entry) -> ``build-finished`` writes ``<outdir>/_bibtex/<name>.bib`` (main
process, from the merged env, so parallel builds write each file once).

Files: a document named by a directive or in ``karabakh_bibtex_files`` is read only when it is
a regular file inside the source directory, the configuration directory or the sources
directory (``karabakh_sources``), symlinks resolved, and at most ``MAX_DOCUMENT_BYTES``; a
``karabakh_bibtex_files`` output is written only inside the source or configuration directory.

Config: ``karabakh_linkcheck_report`` (path to the link checker's JSON or JSON lines report,
relative to the configuration directory; "" = none), ``karabakh_warn_unresolved_citations``
(bool, default True), ``karabakh_bibtex_files`` ({"out.bib": "document.txt"}, both relative to
the configuration directory, written at start-up, before sphinxcontrib-bibtex reads its
``bibtex_bibfiles``). Each has a validator next to its registration (``validate_*``: value ->
value, or ``ValueError``); ``config.validate`` reports every wrong one at its line of conf.py.

Warnings found while reading are kept with the page (``domain.keep_warning``), so every build
says them again, not only the build that reads the page.

Warnings: ``karabakh.reference`` (a reference parsed poorly, a URL with a space, a link with a
refused scheme, a reference cut to its first characters, an unreadable or refused document or
one without references, text that had to be replaced to be read), ``karabakh.citation`` (an
unresolved in-text citation).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.osutil import relative_uri

from sphinx_karabakh.files import FileRefused
from sphinx_karabakh.linkcheck.report import (
    MAX_REPORT_BYTES,
    find_result,
    index_report,
    read_report,
)
from sphinx_karabakh.refs.pipeline import (
    Document,
    NoReferences,
    ParsedReferences,
    UnreadableDocument,
    audit_text,
    is_inside,
    load_document,
    references_from_entries,
    references_from_text,
)
from sphinx_karabakh.sphinx import bib_render as br
from sphinx_karabakh.sphinx import config as kconfig
from sphinx_karabakh.sphinx.domain import keep_warning

logger = logging.getLogger(__name__)

ENV_ATTR = "karabakh_bibliographies"
BIB_DIR = "_bibtex"


@dataclass(frozen=True)
class BibRecord:
    """One bibliography rendered on one page: where its entries are anchored, and its BibTeX."""

    docname: str
    source: str  # absolute path of the document whose references these are
    anchors: tuple[tuple[str, str], ...]  # (key, HTML id) in entry order
    bibtex: str
    kind: str = "bibliography"  # or "audit" (an audit page: no anchors, no .bib)


def _records(env: BuildEnvironment) -> dict[str, list[BibRecord]]:
    if not hasattr(env, ENV_ATTR):
        setattr(env, ENV_ATTR, {})
    return getattr(env, ENV_ATTR)


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _records(env).pop(docname, None)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    mine, theirs = _records(env), _records(other)
    for docname in docnames:
        if docname in theirs:
            mine[docname] = theirs[docname]


def bib_names(env: BuildEnvironment) -> dict[str, str]:
    """source path -> ``.bib`` file name: the document's stem, with a short hash when two
    documents share a stem. Deterministic from the set of sources."""
    sources = sorted(
        {r.source for recs in _records(env).values() for r in recs if r.kind == "bibliography"}
    )
    stems: dict[str, list[str]] = {}
    for s in sources:
        stems.setdefault(_safe_stem(Path(s).stem), []).append(s)
    names = {}
    for stem, group in stems.items():
        for s in group:
            suffix = "" if len(group) == 1 else "-" + hashlib.sha1(s.encode()).hexdigest()[:6]
            names[s] = f"{stem}{suffix}.bib"
    return names


def _safe_stem(stem: str) -> str:
    """A file name part that is the same in a URL: "paper#1?x" -> "paper-1-x" (a "#" or "?"
    would cut the download link short)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "references"


# -- directives ----------------------------------------------------------------------------------


def document_roots(app: Sphinx) -> list[str]:
    """Where documents with references may be read from: the source and configuration
    directories, and the sources directory when one is configured."""
    roots = [str(app.srcdir), str(app.confdir)]
    sources = getattr(app.config, "karabakh_sources", None)
    if isinstance(sources, (str, os.PathLike)) and str(sources):
        roots.append(os.path.join(app.confdir, sources))
    return roots


def warn_document_problems(env: BuildEnvironment, doc: Document) -> None:
    """What had to be replaced to read ``doc`` (not UTF-8, control characters), at its line."""
    for problem in doc.problems:
        keep_warning(env, problem.message, "reference", where=f"{doc.path}:{problem.line}")


class _RefsDirective(SphinxDirective):
    required_arguments = 1
    optional_arguments = 0
    final_argument_whitespace = False
    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {"entries-only": directives.flag}

    def load(self) -> tuple[str, str, ParsedReferences] | None:
        """(absolute path, text, parsed references), or None after a warning."""
        rel, abs_path = self.env.relfn2path(self.arguments[0], self.env.docname)
        roots = document_roots(_app_of(self.env))
        if is_inside(abs_path, roots):  # (a missing file, once written, re-reads the page)
            self.env.note_dependency(rel)
        try:
            doc = load_document(abs_path, inside=roots)
        except UnreadableDocument as exc:
            keep_warning(
                self.env,
                f"cannot read {exc.path}: {exc.reason}",
                "reference",
                where=self.get_location(),
            )
            return None
        warn_document_problems(self.env, doc)
        text = doc.text
        try:
            parsed = (
                references_from_entries(text)
                if "entries-only" in self.options
                else references_from_text(text)
            )
        except NoReferences as exc:
            keep_warning(self.env, f"{abs_path}: {exc}", "reference", where=self.get_location())
            return None
        return abs_path, text, parsed


class BibliographyDirective(_RefsDirective):
    """``.. karabakh:bibliography:: path/to/document.txt`` — every reference, anchored."""

    option_spec: ClassVar[dict[str, Any]] = {
        "entries-only": directives.flag,
        "no-bibtex": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        loaded = self.load()
        if loaded is None:
            return []
        abs_path, _, parsed = loaded
        docname = self.env.docname
        taken = {k for r in _records(self.env).get(docname, []) for _, k in r.anchors}
        prefix = nodes.make_id(Path(abs_path).stem)
        root = nodes.container(classes=["karabakh-bibliography"])
        head = nodes.paragraph(classes=["karabakh-bib-summary"])
        head += nodes.Text(f"{len(parsed.entries)} references from {Path(abs_path).name}. ")
        head += br.karabakh_bib_download(source=abs_path)
        root += head
        anchors: list[tuple[str, str]] = []
        category = None
        for entry in parsed.entries:
            ref = entry.reference
            if ref.category != category:
                category = ref.category
                if category:
                    root += nodes.rubric(category, category, classes=["karabakh-bib-category"])
            anchor = (
                entry.key
                if entry.key not in taken and entry.key not in self.state.document.ids
                else f"{prefix}-{entry.key}"
            )
            taken.add(anchor)
            anchors.append((entry.key, anchor))
            root += br.entry_nodes(entry, anchor, show_bibtex="no-bibtex" not in self.options)
            if entry.problems:  # one warning per entry, every problem named
                keep_warning(
                    self.env,
                    f"reference {entry.key}: {'; '.join(dict.fromkeys(entry.problems))}",
                    "reference",
                    where=f"{abs_path}:{ref.line}",
                )
        for line, message in parsed.notes():
            keep_warning(self.env, message, "reference", where=f"{abs_path}:{line}")
        _records(self.env).setdefault(docname, []).append(
            BibRecord(docname, abs_path, tuple(anchors), parsed.bibtex())
        )
        return [root]


class CitationAuditDirective(_RefsDirective):
    """``.. karabakh:citation-audit:: path/to/document.txt`` — each citation and its entry."""

    def run(self) -> list[nodes.Node]:
        loaded = self.load()
        if loaded is None:
            return []
        abs_path, text, parsed = loaded
        result = audit_text(text, parsed)
        warn = self.config.karabakh_warn_unresolved_citations
        root = nodes.container(classes=["karabakh-citation-audit"])
        summary = nodes.paragraph(classes=["karabakh-audit-summary"])
        summary += nodes.Text(
            f"{len(result.citations)} in-text citations in {Path(abs_path).name}: "
            f"{len(result.citations) - len(result.unresolved)} resolved, {len(result.unresolved)} unresolved; "
            f"{len(result.uncited)} of {len(parsed.entries)} entries never cited."
        )
        root += summary
        by_key = {e.key: e for e in parsed.entries}
        table = _table(["Line", "Citation", "Entry"], [6, 34, 60])
        tbody = table[0][-1]
        for r in result.citations:
            row = nodes.row(classes=["karabakh-audit-unresolved"] if r.key is None else [])
            row += _cell(nodes.Text(str(r.citation.line)))
            row += _cell(nodes.Text(r.citation.text))
            if r.key is None:
                cell = nodes.strong("", "unresolved", classes=["karabakh-unresolved"])
                row += _cell(cell, nodes.Text(f" — {r.reason}" if r.reason else ""))
                if warn:
                    keep_warning(
                        self.env,
                        f"unresolved citation {r.citation.text!r}: {r.reason or 'no entry'}",
                        "citation",
                        where=f"{abs_path}:{r.citation.line}",
                    )
            else:
                link = br.karabakh_bib_ref(source=abs_path, key=r.key)
                link += nodes.literal("", r.key)
                extra = nodes.Text(
                    f" — {_short(by_key[r.key])}"
                    + (f" ({r.reason})" if "ambiguous" in r.reason else "")
                )
                row += _cell(link, extra)
            tbody += row
        root += table
        root += nodes.rubric("Never cited", "Never cited", classes=["karabakh-audit-uncited-title"])
        if result.uncited:
            lst = nodes.bullet_list(classes=["karabakh-audit-uncited"])
            for key in result.uncited:
                para = nodes.paragraph()
                link = br.karabakh_bib_ref(source=abs_path, key=key)
                link += nodes.literal("", key)
                para += link
                para += nodes.Text(f" — {_short(by_key[key])}")
                lst += nodes.list_item("", para)
            root += lst
        else:
            root += nodes.paragraph("", "Every entry is cited.")
        _records(self.env).setdefault(self.env.docname, []).append(
            BibRecord(self.env.docname, abs_path, (), "", kind="audit")
        )
        return [root]


def _short(entry: br.BibEntry) -> str:
    ref = entry.reference
    who = (
        br.people_text(ref.authors)
        if len(ref.authors) <= 2
        else br.people_text(ref.authors[:1]) + " et al."
    )
    return f"{who} ({ref.year or 'n.d.'}), {ref.title or ref.raw[:80]}".strip()


def _cell(*children: nodes.Node) -> nodes.entry:
    para = nodes.paragraph()
    for c in children:
        para += c
    return nodes.entry("", para)


def _table(headers: list[str], widths: list[int]) -> nodes.table:
    table = nodes.table(classes=["karabakh-audit-table"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for w in widths:
        group += nodes.colspec(colwidth=w)
    thead = nodes.thead()
    row = nodes.row()
    for h in headers:
        row += nodes.entry("", nodes.paragraph("", h))
    thead += row
    group += thead
    group += nodes.tbody()
    return table


# -- link-check report ---------------------------------------------------------------------------

_REPORTS: dict[tuple[str, float, int], dict[str, dict[str, Any]]] = {}

#: A link-check report larger than this is not read (a report of 100,000 URLs is some 30 MB).


def load_report(path: str) -> dict[str, dict[str, Any]]:
    """url -> result from the link checker's report, read once per file version.
    Absent: {} (everything "not checked"). Not a regular file, too large, not UTF-8 or not
    readable as a report (nested too deep, …): {} as well, with one warning per file version."""
    try:
        st = os.stat(path)
    except OSError:
        return {}
    cache_key = (path, st.st_mtime, st.st_size)
    if cache_key not in _REPORTS:
        report: dict[str, dict[str, Any]] = {}
        reason = ""
        try:
            report = index_report(read_report(path))
        except FileRefused as refused:
            reason = (
                "not a regular file"
                if refused.kind == "special"
                else f"larger than {MAX_REPORT_BYTES // (1024 * 1024)} MiB"
                if refused.kind == "large"
                else f"not readable as a report ({refused.detail or refused.kind})"
            )
        except (OSError, ValueError, RecursionError) as exc:  # UnicodeDecodeError is one
            reason = f"not readable as a report ({type(exc).__name__})"
        if reason:
            logger.warning(
                "karabakh_linkcheck_report: %s: %s; every link shows 'not checked'",
                path,
                reason,
                type="karabakh",
                subtype="reference",
            )
        _REPORTS[cache_key] = report
    return _REPORTS[cache_key]


def _status_badge(report: dict[str, dict[str, Any]], url: str, alt: str) -> nodes.inline:
    item = find_result(report, url, alt)
    if not item:
        return br.badge("unchecked", "not checked")
    verdict = str(item.get("verdict") or "unchecked")
    status = item.get("status")
    label = verdict.replace("-", " ") if verdict != "unchecked" else "not checked"
    if status not in (None, "", 0):
        label += f" ({status})"
    final = item.get("final_url")
    extra = f"→ {final}" if final and final != url and verdict.startswith("redirect") else ""
    return br.badge(verdict, label, extra)


# -- post-transform ------------------------------------------------------------------------------


def _app_of(env: BuildEnvironment) -> Sphinx:
    """The application (the transform's own ``app`` property is deprecated in Sphinx 9)."""
    return env._app


#: (source, entry key) -> [(docname, HTML id)]: where the entries of each document are anchored.
EntryAnchors = dict[tuple[str, str], list[tuple[str, str]]]


def _entry_anchors(env: BuildEnvironment) -> EntryAnchors:
    """(source, key) -> [(docname, HTML id)] of every bibliography that anchors the entry, in
    record order: built once per page, so that each link to an entry is a look-up, not a scan
    of every bibliography's anchors."""
    index: EntryAnchors = {}
    for recs in _records(env).values():
        for rec in recs:
            if rec.kind != "bibliography":
                continue
            for key, anchor in dict(rec.anchors).items():
                index.setdefault((rec.source, key), []).append((rec.docname, anchor))
    return index


class FillBibPlaceholders(SphinxPostTransform):
    """Link statuses, the download link and links to entries, once every document is read."""

    default_priority = 5

    def run(self, **kwargs: Any) -> None:
        nodes_ = list(self.document.findall(br.karabakh_bib_placeholder))
        if not nodes_:
            return
        app = _app_of(self.env)
        report_path = app.config.karabakh_linkcheck_report
        report = load_report(os.path.join(app.confdir, report_path)) if report_path else {}
        html = app.builder.format == "html"
        docname = self.env.docname
        names = bib_names(self.env)
        anchors: EntryAnchors | None = None
        for node in nodes_:
            if isinstance(node, br.karabakh_link_status):
                node.replace_self(_status_badge(report, node["url"], node.get("alt", "")))
            elif isinstance(node, br.karabakh_bib_download):
                name = names.get(node["source"])
                if html and name:
                    uri = relative_uri(app.builder.get_target_uri(docname), f"{BIB_DIR}/{name}")
                    ref = nodes.reference(
                        "", "Download BibTeX", refuri=uri, classes=["karabakh-bib-download"]
                    )
                    ref["download"] = name
                    node.replace_self(ref)
                else:
                    node.parent.remove(node)
            elif isinstance(node, br.karabakh_bib_ref):
                if anchors is None:
                    anchors = _entry_anchors(self.env)
                node.replace_self(self._entry_link(node, anchors, docname))

    def _entry_link(
        self,
        node: br.karabakh_bib_ref,
        anchors: EntryAnchors,
        docname: str,
    ) -> nodes.Node:
        key, source = node["key"], node["source"]
        hits = sorted(anchors.get((source, key), ()), key=lambda h: (h[0] != docname, h[0]))
        children = node.children[:] or [nodes.literal("", key)]
        if not hits:
            return nodes.inline("", "", *children, classes=["karabakh-bib-ref"])
        target_doc, anchor = hits[0]
        if target_doc == docname:
            ref = nodes.reference("", "", *children, refid=anchor, internal=True)
        else:
            try:
                page = _app_of(self.env).builder.get_relative_uri(docname, target_doc)
            except Exception:  # a builder without pages for documents
                return nodes.inline("", "", *children, classes=["karabakh-bib-ref"])
            if page.startswith("#") or not page:  # every document on one page (singlehtml)
                ref = nodes.reference("", "", *children, refid=anchor, internal=True)
            else:
                ref = nodes.reference("", "", *children, refuri=f"{page}#{anchor}", internal=True)
        ref["classes"].append("karabakh-bib-ref")
        return ref


# -- events --------------------------------------------------------------------------------------


def write_bib_outputs(app: Sphinx, exc: BaseException | None) -> None:
    """``<outdir>/_bibtex/<name>.bib`` for every bibliography of the project (main process)."""
    if exc is not None or app.builder.format != "html":
        return
    names = bib_names(app.env)
    written: set[str] = set()
    for recs in sorted(_records(app.env).items()):
        for rec in recs[1]:
            if rec.kind != "bibliography" or rec.source in written:
                continue
            written.add(rec.source)
            target = Path(app.outdir) / BIB_DIR / names[rec.source]
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists() or target.read_text(encoding="utf-8") != rec.bibtex:
                target.write_text(rec.bibtex, encoding="utf-8")


def write_configured_bibfiles(app: Sphinx, config: Any) -> None:
    """``karabakh_bibtex_files``: write each document's BibTeX where conf.py says, before
    sphinxcontrib-bibtex reads ``bibtex_bibfiles`` (only when the content changed). A document
    is read under the same rules as a directive's; an output is written only inside the source
    or configuration directory. Anything else is a warning at the value's line in conf.py."""
    mapping: dict[str, str] = config.karabakh_bibtex_files or {}
    location = (
        kconfig.conf_location(app, "karabakh_bibtex_files") or f"{Path(app.confdir) / 'conf.py'}:1"
    )

    def warn(message: str, *args: object) -> None:
        logger.warning(
            "karabakh_bibtex_files: " + message,
            *args,
            location=location,
            type="karabakh",
            subtype="reference",
        )

    for out, doc_name in mapping.items():
        out_path = Path(os.path.normpath(Path(app.confdir) / out))
        if not is_inside(out_path, [app.srcdir, app.confdir]):
            warn("%s: outside the project, not written (write inside %s)", out_path, app.confdir)
            continue
        try:
            doc = load_document(Path(app.confdir) / doc_name, inside=document_roots(app))
        except UnreadableDocument as exc:
            warn("%s: %s", exc.path, exc.reason)
            continue
        for problem in doc.problems:  # at start-up, every build: said directly
            logger.warning(
                "%s",
                problem.message,
                location=f"{doc.path}:{problem.line}",
                type="karabakh",
                subtype="reference",
            )
        try:
            bib = references_from_text(doc.text).bibtex()
        except NoReferences as exc:
            warn("%s: %s", doc.path, exc)
            continue
        try:
            if out_path.is_symlink() or out_path.exists():
                if not out_path.is_file():
                    warn("%s: not a regular file, not written", out_path)
                    continue
                if out_path.read_bytes() == bib.encode("utf-8"):
                    continue  # unchanged: keep its time stamp (sphinxcontrib-bibtex caches on it)
            out_path.parent.mkdir(parents=True, exist_ok=True)
            out_path.write_text(bib, encoding="utf-8")
        except OSError as exc:
            warn("%s: cannot write: %s", out_path, exc.strerror or exc)


# -- configuration -------------------------------------------------------------------------------
# Each validator takes the value conf.py gave and returns the value to use, or raises ValueError
# with a message that completes "karabakh_…: " (``config.validate`` reports it at conf.py:LINE).


def validate_linkcheck_report(value: object) -> str:
    """A path (str or os.PathLike), relative to the configuration directory; "" for none."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise ValueError(
            f"must be a path to the link-check report (str), '' for none; got {value!r}"
        )
    return value


def validate_warn_unresolved_citations(value: object) -> bool:
    """True or False (not 1, not "yes")."""
    if not isinstance(value, bool):
        raise ValueError(f"must be True or False; got {value!r}")
    return value


def validate_bibtex_files(value: object) -> dict[str, str]:
    """{"out.bib": "document.txt"}: relative ``.bib`` outputs -> documents (str -> str)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(
            "must be a dict {'out.bib': 'document.txt'} (outputs relative to the configuration "
            f"directory); got {type(value).__name__} {value!r}"
        )
    out: dict[str, str] = {}
    for key, doc in value.items():
        if isinstance(key, os.PathLike):
            key = os.fspath(key)
        if isinstance(doc, os.PathLike):
            doc = os.fspath(doc)
        if not isinstance(key, str) or not isinstance(doc, str):
            raise ValueError(
                f"maps output paths to document paths (str -> str); got {key!r}: {doc!r}"
            )
        if not key.strip() or not doc.strip():
            raise ValueError(f"an empty path in {key!r}: {doc!r}")
        if not key.endswith(".bib"):
            raise ValueError(f"an output must be a .bib file; got {key!r}")
        if os.path.isabs(key):
            raise ValueError(
                f"an output must be relative to the configuration directory; got {key!r}"
            )
        out[key] = doc
    return out


#: This feature's values, for the one configuration (``config.py``).
OPTIONS = (
    kconfig.Option(
        "karabakh_linkcheck_report",
        "",
        "html",
        kconfig.plain(validate_linkcheck_report),
        "the link checker's report whose verdicts the bibliography shows",
        (str,),
    ),
    kconfig.Option(
        "karabakh_warn_unresolved_citations",
        True,
        "env",
        kconfig.plain(validate_warn_unresolved_citations),
        "warn for each unresolved in-text citation",
        (bool,),
    ),
    kconfig.Option(
        "karabakh_bibtex_files",
        {},
        "env",
        kconfig.plain(validate_bibtex_files),
        "{'out.bib': 'document.txt'}: BibTeX written at start-up",
        (dict,),
    ),
)


def report_outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Re-read pages with a bibliography when the link-check report changed (badges)."""
    path = app.config.karabakh_linkcheck_report
    stamp = ""
    if path:
        try:
            st = os.stat(os.path.join(app.confdir, path))
            stamp = f"{st.st_mtime_ns}:{st.st_size}"
        except OSError:
            stamp = "missing"
    old = getattr(env, "karabakh_report_stamp", None)
    env.karabakh_report_stamp = stamp  # type: ignore[attr-defined]  # not declared by Sphinx
    if old is None or old == stamp:
        return []
    return sorted(
        d for d, recs in _records(env).items() if any(r.kind == "bibliography" for r in recs)
    )


def setup(app: Sphinx) -> None:
    """Register this feature's config values, nodes, directives and events."""
    kconfig.register(app, OPTIONS)
    app.add_node(br.karabakh_details, **br.DETAILS_VISITORS)
    for node in br.PLACEHOLDERS:
        app.add_node(node, **br.PLACEHOLDER_VISITORS)
    if "karabakh" not in app.registry.domains:
        from sphinx_karabakh.sphinx.domain import KarabakhDomain

        app.add_domain(KarabakhDomain)
    app.add_directive_to_domain("karabakh", "bibliography", BibliographyDirective)
    app.add_directive_to_domain("karabakh", "citation-audit", CitationAuditDirective)
    app.add_post_transform(FillBibPlaceholders)
    app.connect("config-inited", write_configured_bibfiles)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", report_outdated)
    app.connect("build-finished", write_bib_outputs)
