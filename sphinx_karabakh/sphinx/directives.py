"""Directives of the ``karabakh`` domain: quote, verify, source, annotation, sources-table.

Each one looks its passage up in the sources stage (``SourceSet``), notes the source file as a
dependency of the document, records the fact in the domain, and returns plain docutils nodes plus
placeholders for what only the whole project knows. Bad input never raises: it warns (type
``karabakh``) with the document and line and renders a visible error.

Arguments are single tokens (IDs), options scalars, typed quotes go in the body: MyST runs them
all the same way as reStructuredText.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar, cast

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from sphinx_karabakh.sources.display import display_paragraph
from sphinx_karabakh.sources.ids import PassageId
from sphinx_karabakh.sources.lock import read_lock_cached, review_lapse
from sphinx_karabakh.sources.model import (
    Passage,
    PassageKind,
    QuoteMatch,
    SourceError,
    SourceMeta,
    Verdict,
)
from sphinx_karabakh.sphinx.domain import (
    ALL_SOURCES,
    REVIEWED,
    UNKNOWN,
    AnnotationRecord,
    KarabakhDomain,
    QuoteRecord,
    keep_warning,
    passage_xref,
    source_xref,
)
from sphinx_karabakh.sphinx.nodes import (
    annotation_box,
    passage_text,
    source_passages,
    times_quoted,
)
from sphinx_karabakh.sphinx.passages import (
    LoadedSources,
    anchor_id,
    covered_paragraphs,
    loaded_sources,
    shown_paragraphs,
    source_anchor,
    source_of,
)
from sphinx_karabakh.urls import safe_href

logger = logging.getLogger(__name__)

#: Longest typed quote shown in a warning before it is shortened.
_SHOWN = 80


def shorten(text: str, limit: int = _SHOWN) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class KarabakhMixin:
    """What directives and roles share: sources, lookups, warnings, records.

    Needs ``self.env`` and ``self.lineno`` (both SphinxDirective and SphinxRole have them).
    Warnings are *findings* kept in the domain: the build says them again on every build, not
    only when this document happens to be read (see ``quotes.report_findings``).
    """

    env: Any
    lineno: int

    # --- plumbing -----------------------------------------------------------------------------

    @property
    def kdomain(self) -> KarabakhDomain:
        return cast(KarabakhDomain, self.env.get_domain("karabakh"))

    def warn(self, message: str, subtype: str) -> None:
        keep_warning(self.env, message, subtype, lineno=self.lineno)

    def warn_once(self, message: str, subtype: str) -> None:
        """Warn at the first place in this document only (not once per quote)."""
        warned = self.env.temp_data.setdefault("karabakh-warned", set())
        if (message, subtype) not in warned:
            warned.add((message, subtype))
            self.warn(message, subtype)

    def sources(self) -> LoadedSources | None:
        loaded = loaded_sources(self.env.config, self.env.srcdir)
        if loaded is None:
            self.warn_once("karabakh_sources is not set in conf.py: no sources to quote", "config")
            return None
        if loaded.sourceset is None:
            self.kdomain.note_use(self.env.docname, ALL_SOURCES, loaded.fingerprint)
            self.warn_once(
                f"the sources in {loaded.directory} could not be loaded (see the earlier "
                "karabakh.source warning)",
                "source",
            )
            return None
        return loaded

    def depend(self, loaded: LoadedSources, source_id: str | None) -> None:
        """Read this document again when the source (None: any source) changes -- by content."""
        if source_id and source_id in loaded.fingerprints:
            self.kdomain.note_use(self.env.docname, source_id, loaded.fingerprint_of(source_id))
        else:
            self.kdomain.note_use(self.env.docname, ALL_SOURCES, loaded.fingerprint)

    def serial_anchor(self, prefix: str, passage_id: str) -> str:
        serial = self.env.new_serialno("karabakh-" + prefix)
        return f"{prefix}-{anchor_id(passage_id)}-{serial}"

    def lookup(self, loaded: LoadedSources, passage_id: str) -> tuple[Any, Passage] | None:
        """The (Source, Passage) for an ID, or None after an ``unknown-passage`` warning."""
        sourceset = cast(Any, loaded.sourceset)
        source_id = source_of(passage_id)
        self.depend(loaded, source_id if source_id in loaded.files else None)
        try:
            pid = PassageId.parse(passage_id)
            passage = sourceset.get_passage(pid)
            return sourceset[passage.source], passage
        except (KeyError, ValueError):
            pass
        self.warn(self.unknown_message("passage", passage_id, loaded), "unknown-passage")
        # Remember where it was asked for: a drift report can then name this line.
        self.kdomain.note_quote(
            QuoteRecord(
                docname=self.env.docname,
                lineno=self.lineno,
                anchor="",
                passage=passage_id,
                paragraphs=(),
                source=source_id,
                kind=UNKNOWN,
                verdict=UNKNOWN,
            )
        )
        return None

    def lookup_source(self, loaded: LoadedSources, source_id: str) -> Any | None:
        self.depend(loaded, source_id if source_id in loaded.files else None)
        if source_id in loaded.files:
            return cast(Any, loaded.sourceset)[source_id]
        self.warn(self.unknown_message("source", source_id, loaded), "unknown-passage")
        return None

    def unknown_message(self, what: str, wanted: str, loaded: LoadedSources) -> str:
        sourceset = cast(Any, loaded.sourceset)
        try:
            close = (
                sourceset.suggest_source(wanted, n=3)
                if what == "source"
                else list(sourceset.suggest(wanted, n=3))
            )
        except (KeyError, ValueError, AttributeError):
            close = []
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        return f"unknown {what} {wanted!r}{hint}"

    def record_quote(
        self,
        kind: str,
        anchor: str,
        source: Any,
        passage: Passage,
        typed: str = "",
        verdict: str = Verdict.VERIFIED.value,
        target: str = "",
        note: str = "",
    ) -> None:
        members: tuple[str, ...] = ()
        if passage.kind is PassageKind.RANGE:
            sourceset = cast(Any, loaded_sources(self.env.config, self.env.srcdir)).sourceset
            members = tuple(m.hash for m in sourceset.members(passage.id))
        self.kdomain.note_quote(
            QuoteRecord(
                docname=self.env.docname,
                lineno=self.lineno,
                anchor=anchor,
                passage=passage.id,
                paragraphs=covered_paragraphs(source, passage),
                source=passage.source,
                kind=kind,
                typed=typed,
                verdict=verdict,
                hash=passage.hash,
                text=passage.text,
                target=target,
                members=members,
                note=note,
            )
        )

    def record_unmatched(self, anchor: str, typed: str, match: QuoteMatch, target: str) -> None:
        """A typed quote found nowhere: kept, so the lock keeps its old pin and the page is
        read again when the sources change."""
        self.kdomain.note_quote(
            QuoteRecord(
                docname=self.env.docname,
                lineno=self.lineno,
                anchor=anchor,
                passage="",
                paragraphs=(),
                source=source_of(target) if target else "",
                kind="verify",
                typed=typed,
                verdict=match.verdict.value,
                target=target,
            )
        )

    def match_passage(self, loaded: LoadedSources, match: QuoteMatch) -> tuple[Any, Passage] | None:
        """The source and passage a QuoteMatch points at (None when it points nowhere)."""
        passage = match.resolved
        return None if passage is None else (cast(Any, loaded.sourceset)[passage.source], passage)

    def verify(
        self, loaded: LoadedSources, typed: str, target: str | None, reviewed: str = ""
    ) -> tuple[QuoteMatch | None, bool]:
        """Verify a typed quote against ``target`` (passage ID, source ID or None: everywhere).

        With ``reviewed`` (the writer's :reviewed: note) a quote the rules reject is accepted
        while the passage it was accepted against keeps its text (the lock pins it).
        """
        source_id = passage_id = None
        if target:
            if ":" in target:
                found = self.lookup(loaded, target)
                if found is None:
                    return None, False
                passage_id, source_id = found[1].id, found[1].source
            else:
                if self.lookup_source(loaded, target) is None:
                    return None, False
                source_id = target
        else:
            self.depend(loaded, None)
        sourceset = cast(Any, loaded.sourceset)
        match: QuoteMatch = sourceset.verify(typed, source=source_id, passage=passage_id)
        if match.verdict is Verdict.VERIFIED:
            if reviewed:
                logger.info(
                    f"{self.env.docname}:{self.lineno}: :reviewed: is not needed, the quote "
                    "verifies",
                )
            return match, False
        where = f" (in {target})" if target else ""
        if reviewed:
            lapsed = review_lapsed(self.env.config, typed, match.resolved)
            if lapsed is None and match.resolved is not None:
                return match, True
            if lapsed is None:
                lapsed = "it is not found in the source, so there is nothing to accept it against"
            self.warn(
                f"the review of “{shorten(typed)}”{where} lapsed: {lapsed}; check the quote "
                "against the source again and re-pin it with -D karabakh_lock_update=1 "
                f"(the rules say: {match.reason}; diff: {match.diff})",
                "misquote",
            )
            return match, False
        if match.verdict is Verdict.MISQUOTE and match.passage:
            self.warn(
                f"misquote{where}: “{shorten(typed)}” does not match {match.passage} "
                f"({match.reason + ', ' if match.reason else ''}similarity "
                f"{match.score:.2f}); diff: {match.diff}",
                "misquote",
            )
        else:
            self.warn(
                f"misquote{where}: “{shorten(typed)}” was not found in {target or 'any source'}",
                "misquote",
            )
        return match, False


def review_lapsed(config: Any, typed: str, passage: Passage | None) -> str | None:
    """Why the review of ``typed`` no longer holds (``sources.lock.review_lapse``), with the
    lock the configuration names; with ``karabakh_lock_update`` every review is taken afresh."""
    path = config.karabakh_lockfile
    if not path or config.karabakh_lock_update:
        return None
    try:
        lock = read_lock_cached(Path(path))
    except SourceError:
        return None  # a broken lock is reported on its own, once
    return review_lapse(lock, typed, passage)


# --- rendering helpers ------------------------------------------------------------------------


def attribution(
    meta: SourceMeta, passage_id: str | None, found: bool = False, lead: str | None = None
) -> nodes.attribution:
    """“Authors, Title, legiec-2020:p4 · original”, linking the ID to the source page.

    ``found`` says the build found where a typed quote comes from; ``lead`` replaces the text
    before the ID (e.g. ", closest passage ").
    """
    attr = nodes.attribution(classes=["karabakh-attribution"])
    who = ", ".join(meta.authors) or meta.publisher
    if who:
        attr += nodes.Text(f"{who}, ")
    title = meta.title or meta.id
    attr += nodes.emphasis(title, title, classes=["karabakh-title"])
    if passage_id:
        attr += nodes.Text(lead or (", found in " if found else ", "))
        attr += passage_xref(passage_id)
    href = safe_href(meta.url) if meta.url else None
    if href:
        attr += nodes.Text(" · ")
        attr += nodes.reference("original", "original", refuri=href, classes=["karabakh-url"])
    elif meta.url:  # not a link (javascript: and the like): the address as text
        attr += nodes.Text(" · ")
        attr += nodes.literal(meta.url, meta.url, classes=["karabakh-url-text"])
    return attr


def badge(verdict: str, label: str | None = None) -> nodes.inline:
    label = label or verdict
    return nodes.inline(label, label, classes=["karabakh-badge", f"karabakh-badge-{verdict}"])


_DIFF_TOKEN = re.compile(r"\[-(?P<old>.*?)-\]|\{\+(?P<new>.*?)\+\}")


def diff_paragraph(diff: str) -> nodes.paragraph:
    """A word diff (``[-source-] {+quote+}``) with removals and additions marked up."""
    para = nodes.paragraph(classes=["karabakh-diff"])
    para += nodes.inline("Source vs quote: ", "Source vs quote: ", classes=["karabakh-diff-label"])
    pos = 0
    for m in _DIFF_TOKEN.finditer(diff):
        if m.start() > pos:
            para += nodes.Text(diff[pos : m.start()])
        if m.group("old") is not None:
            para += nodes.inline(m.group("old"), m.group("old"), classes=["karabakh-del"])
        else:
            para += nodes.inline(m.group("new"), m.group("new"), classes=["karabakh-ins"])
        pos = m.end()
    if pos < len(diff):
        para += nodes.Text(diff[pos:])
    return para


def error_inline(message: str) -> nodes.inline:
    return nodes.inline(message, message, classes=["karabakh-error"])


class KarabakhDirective(KarabakhMixin, SphinxDirective):
    """Base of the block directives (holds the shared option spec)."""

    option_spec: ClassVar[dict[str, Any]] = {"class": directives.class_option}

    def error_block(self, message: str) -> list[nodes.Node]:
        para = nodes.paragraph(classes=["karabakh-error-block"])
        para += error_inline(message)
        return [para]


class QuoteDirective(KarabakhDirective):
    """``.. karabakh:quote:: SRC:p4`` — block quote of a passage or range, with attribution.

    Option ``:sentences: 2-3`` keeps only those sentences of a paragraph.
    """

    required_arguments = 1
    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {
        **KarabakhDirective.option_spec,
        "sentences": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        pid = self.arguments[0]
        loaded = self.sources()
        if loaded is None:
            return self.error_block(f"[no sources: cannot quote {pid}]")
        found = self.lookup(loaded, pid)
        if found is None:
            return self.error_block(f"[unknown passage {pid}]")
        source, passage = found
        if "sentences" in self.options:
            picked = self.pick_sentences(loaded, source, passage, self.options["sentences"])
            if picked is None:
                return self.error_block(f"[bad :sentences: for {pid}]")
            passage = picked
        anchor = self.serial_anchor("kq", passage.id)
        self.record_quote("quote", anchor, source, passage)
        quote = nodes.block_quote(
            classes=["karabakh-quote", *self.options.get("class", [])],
            ids=[anchor],
            support_smartquotes=False,  # the source's own typography
        )
        for text in shown_paragraphs(source, passage):
            quote += nodes.paragraph(text, text)
        quote += attribution(source.meta, passage.id)
        self.set_source_info(quote)
        return [quote]

    def pick_sentences(
        self, loaded: LoadedSources, source: Any, passage: Passage, spec: str
    ) -> Passage | None:
        """Sentences ``a-b`` (or ``a``) of paragraph ``passage`` as one passage."""
        try:
            first, _, last = spec.strip().partition("-")
            a, b = int(first), int(last or first)
        except ValueError:
            self.warn(f":sentences: must be N or N-M, got {spec!r}", "usage")
            return None
        try:
            return cast(Any, loaded.sourceset).sentence_range(passage.id, a, b)
        except KeyError:
            count = len(source.sentences(passage.id))
            self.warn(
                f":sentences: {spec} is out of range: {passage.id} has {count} sentence(s)",
                "unknown-passage",
            )
            return None


class VerifyDirective(KarabakhDirective):
    """``.. karabakh:verify:: [SRC or SRC:p4]`` with the typed quote as body: proved or warned.

    ``:reviewed: NOTE`` accepts a quote the rules reject (a writer checked it by hand); the
    acceptance is pinned in the lock with the passage's text and lapses when that text changes.
    """

    required_arguments = 0
    optional_arguments = 1
    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {
        **KarabakhDirective.option_spec,
        "reviewed": directives.unchanged_required,
    }

    def run(self) -> list[nodes.Node]:
        target = self.arguments[0] if self.arguments else None
        typed = " ".join(line.strip() for line in self.content if line.strip())
        reviewed = " ".join(str(self.options.get("reviewed", "")).split())
        classes = ["karabakh-quote", "karabakh-verify", *self.options.get("class", [])]
        if not typed:
            self.warn("karabakh:verify needs the quote's text in its body", "usage")
            return self.error_block("[empty quote]")
        if "reviewed" in self.options and not reviewed:
            self.warn(
                ":reviewed: needs a note: who checked the quote, and why it is right", "usage"
            )
        quote = wrapper = nodes.block_quote(classes=classes)
        quote += nodes.paragraph(typed, typed)
        self.set_source_info(quote)
        loaded = self.sources()
        match, accepted = (
            self.verify(loaded, typed, target, reviewed) if loaded is not None else (None, False)
        )
        if loaded is None or match is None:
            quote[0].insert(0, nodes.Text(" "))
            quote[0].insert(0, badge("unchecked", "not checked"))
            wrapper["classes"].append("karabakh-unchecked")
            return [wrapper]
        found = self.match_passage(loaded, match)
        anchor = self.serial_anchor("kv", match.passage or target or "quote")
        wrapper["ids"].append(anchor)
        if (match.verdict is Verdict.VERIFIED or accepted) and found is not None:
            source, passage = found
            verdict = REVIEWED if accepted else Verdict.VERIFIED.value
            self.record_quote(
                "verify", anchor, source, passage, typed, verdict, target or "", reviewed
            )
            if accepted:
                wrapper["classes"].append("karabakh-reviewed")
                quote[0].insert(0, nodes.Text(" "))
                quote[0].insert(0, badge("reviewed", "reviewed"))
            found_in = target is None or ":" not in target
            quote += attribution(source.meta, passage.id, found=found_in)
            return [wrapper]
        wrapper["classes"].append("karabakh-misquote")
        label = "misquote" if match.verdict is Verdict.MISQUOTE else "not found"
        quote[0].insert(0, nodes.Text(" "))
        quote[0].insert(0, badge("misquote", label))
        if match.diff:
            quote += diff_paragraph(match.diff)
        if found is not None:
            source, passage = found
            self.record_quote(
                "verify", anchor, source, passage, typed, match.verdict.value, target or ""
            )
            quote += attribution(source.meta, passage.id, lead=", closest passage ")
        else:
            self.record_unmatched(anchor, typed, match, target or "")
        return [wrapper]


class SourceDirective(KarabakhDirective):
    """``.. karabakh:source:: SRC`` — the whole source, every passage anchored (``#SRC-p4``)."""

    required_arguments = 1
    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {
        **KarabakhDirective.option_spec,
        "no-header": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        source_id = self.arguments[0]
        loaded = self.sources()
        if loaded is None:
            return self.error_block(f"[no sources: cannot show {source_id}]")
        source = self.lookup_source(loaded, source_id)
        if source is None:
            return self.error_block(f"[unknown source {source_id}]")
        self.kdomain.note_render(self.env.docname, source_id)
        outer = nodes.container(
            classes=["karabakh-source", *self.options.get("class", [])],
            ids=[source_anchor(source_id)],
            support_smartquotes=False,  # the source's own typography, as it is
        )
        outer += source_passages(source=source_id)
        if "no-header" not in self.options:
            outer += self.header(source)
        for para in source.paragraphs:
            outer += self.passage(source, para)
        return [outer]

    def header(self, source: Any) -> nodes.Node:
        meta: SourceMeta = source.meta
        fields = nodes.field_list(classes=["karabakh-source-meta"])

        def add(name: str, body: nodes.Node | str, fields: nodes.Element = fields) -> None:
            if isinstance(body, str):
                if not body:
                    return
                body = nodes.Text(body)
            field = nodes.field()
            field += nodes.field_name(name, name)
            para = nodes.paragraph()
            para += body
            field += nodes.field_body("", para)
            fields += field

        add("Title", meta.title)
        add("Authors", ", ".join(meta.authors))
        add("Date", meta.date)
        add("Publisher", meta.publisher)
        if meta.url:
            href = safe_href(meta.url)
            add(
                "URL",
                nodes.reference(meta.url, meta.url, refuri=href)
                if href
                else nodes.literal(meta.url, meta.url),
            )
        add("Source ID", nodes.literal(meta.id, meta.id))
        add("Passages", str(len(source.paragraphs)))
        return fields

    def passage(self, source: Any, para: Passage) -> nodes.Node:
        shown = display_paragraph(source, para)
        anchor = anchor_id(para.id)
        box = nodes.container(
            classes=["karabakh-passage", f"karabakh-passage-{shown.kind}"],
            ids=[anchor],
            passage=para.id,
        )
        link = nodes.reference(
            "",
            "",
            refid=anchor,
            classes=["karabakh-permalink"],
            reftitle="Permalink to this passage",
        )
        link += nodes.Text(f"¶ {para.id}")
        text = passage_text(classes=["karabakh-passage-text"])
        text += link
        # Few nodes per passage (a handbook has thousands): the space after the permalink, any
        # text before the first sentence and every sentence (up to the next) are one Text, cut
        # only where a link of the source starts or ends; the HTML writer marks the sentences
        # from the offsets kept beside it.
        sentences = source.sentences(para.id)
        first = shown.index(sentences[0].start) if sentences else len(shown.text)
        lead = len(shown.text[:first]) - len(shown.text[:first].lstrip())
        ranges = [(lead, first)]
        for i, sentence in enumerate(sentences):
            end = shown.index(sentences[i + 1].start) if i + 1 < len(sentences) else len(shown.text)
            ranges.append((shown.index(sentence.start), max(end, shown.index(sentence.end))))
        pieces: list[tuple[int, int]] = []
        cuts = []
        size = 1  # the space after the permalink
        for k, (a, z) in enumerate(ranges):
            if k:
                cuts.append((size, anchor_id(sentences[k - 1].id)))
            pieces.append((a, z))
            size += max(z - a, 0)
        text += nodes.Text(" ")
        text.extend(_with_links(shown, pieces))
        text["sentences"] = cuts
        box += text
        return box


def _with_links(shown: Any, pieces: list[tuple[int, int]]) -> list[nodes.Node]:
    """``Display.runs`` as nodes: Text, and the source's links as references."""
    return [
        nodes.Text(text)
        if href is None
        else nodes.reference(text, text, refuri=href, classes=["karabakh-source-link"])
        for text, href in shown.runs(pieces)
    ]


class AnnotationDirective(KarabakhDirective):
    """``.. karabakh:annotation:: SRC:p4`` + body: a note shown beside the passage on its page."""

    required_arguments = 1
    has_content = True

    def run(self) -> list[nodes.Node]:
        pid = self.arguments[0]
        content = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, content)
        anchor = self.serial_anchor("ka", pid)
        box = annotation_box(passage=pid, source=source_of(pid), ids=[anchor])
        self.set_source_info(box)
        head = nodes.paragraph(classes=["karabakh-annotation-head"])
        head += nodes.Text("Note on ")
        head += passage_xref(pid)
        box += head
        loaded = self.sources()
        found = self.lookup(loaded, pid) if loaded is not None else None
        if found is None:
            head += nodes.Text(" ")
            head += error_inline("[unknown passage]")
        else:
            source, passage = found
            box["known"] = True
            copied = []
            for child in content.children:
                clone = child.deepcopy()
                for sub in clone.findall(nodes.Element):
                    sub["ids"] = []
                copied.append(clone)
            self.kdomain.note_annotation(
                AnnotationRecord(
                    docname=self.env.docname,
                    lineno=self.lineno,
                    anchor=anchor,
                    passage=passage.id,
                    paragraphs=covered_paragraphs(source, passage),
                    source=passage.source,
                    content=tuple(copied),
                )
            )
        box.extend(content.children)
        return [box]


class SourcesTableDirective(KarabakhDirective):
    """``.. karabakh:sources-table::`` — every source with its counts, IDs linking to its page."""

    has_content = False
    COLUMNS = ("ID", "Authors", "Title", "Date", "Site", "Passages", "Quoted")

    def run(self) -> list[nodes.Node]:
        loaded = self.sources()
        if loaded is None:
            return self.error_block("[no sources]")
        self.depend(loaded, None)
        self.kdomain.note_table(self.env.docname)
        table = nodes.table(classes=["karabakh-sources-table", *self.options.get("class", [])])
        group = nodes.tgroup(cols=len(self.COLUMNS))
        table += group
        for width in (14, 16, 30, 10, 16, 7, 7):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        group += head
        head += self.row([nodes.Text(c) for c in self.COLUMNS])
        body = nodes.tbody()
        group += body
        for source_id in loaded.ids:
            source = cast(Any, loaded.sourceset)[source_id]
            meta: SourceMeta = source.meta
            body += self.row(
                [
                    source_xref(source_id, nodes.literal(source_id, source_id)),
                    nodes.Text(", ".join(meta.authors)),
                    nodes.Text(meta.title),
                    nodes.Text(meta.date),
                    nodes.Text(meta.publisher),
                    nodes.Text(str(len(source.paragraphs))),
                    times_quoted(source=source_id),
                ]
            )
        self.set_source_info(table)
        return [table]

    @staticmethod
    def row(cells: list[nodes.Node]) -> nodes.row:
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            para = nodes.paragraph()
            para += cell
            entry += para
            row += entry
        return row
