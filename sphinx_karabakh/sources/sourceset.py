"""A set of loaded sources: look up passages and ranges by ID, suggest IDs, verify quotes.

What flows: ``SourceSet.verify(text, source=?, passage=?) -> QuoteMatch``.  With a passage the
quote is checked against it; with a source against that source's paragraphs; with neither, a word
index over every paragraph picks a few candidates first (see ``index.py``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from threading import Lock
from typing import cast

from sphinx_karabakh.sources.ids import PassageId
from sphinx_karabakh.sources.index import WordIndex
from sphinx_karabakh.sources.loader import Source
from sphinx_karabakh.sources.match import (
    Target,
    TypedQuote,
    match_targets,
    parse_quote,
)
from sphinx_karabakh.sources.model import (
    Passage,
    PassageKind,
    QuoteMatch,
    SourceError,
    SourceWarning,
    Verdict,
)
from sphinx_karabakh.sources.normalize import Normalized, concat
from sphinx_karabakh.sources.passages import sentence_spans, short_hash

#: A source searched paragraph by paragraph up to this size; bigger ones go through the index.
SCAN_LIMIT = 400


class SourceSet(Mapping[str, Source]):
    """Sources by ID (``ss["legiec-2020"]``), in the order they were given.

    ``errors`` holds the sources a lenient load (``load_sources(..., strict=False)``) had to
    leave out, one SourceError (file and line) each.
    """

    def __init__(
        self,
        sources: Iterable[Source],
        directory: str | Path | None = None,
        errors: Iterable[SourceError] = (),
        warnings: Iterable[SourceWarning] = (),
    ):
        self._sources: dict[str, Source] = {}
        for s in sources:
            self._sources[s.id] = s
        self.directory = Path(directory) if directory is not None else None
        self.errors: tuple[SourceError, ...] = tuple(errors)
        self.warnings: tuple[SourceWarning, ...] = tuple(warnings)
        # derived, never invalidated (the set does not change): each source's paragraphs as
        # match targets, built on the first quote checked against that source
        self._targets_of: dict[str, tuple[Target, ...]] = {}
        self._index: WordIndex | None = None
        self._index_lock = Lock()

    def __getstate__(self) -> dict:
        """Picklable (Sphinx may pickle what it keeps): the lock and the index are rebuilt."""
        state = self.__dict__.copy()
        state["_index"] = None
        state["_targets_of"] = {}
        del state["_index_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._index_lock = Lock()

    # Mapping
    def __getitem__(self, key: str) -> Source:
        return self._sources[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    def __repr__(self) -> str:
        return f"SourceSet({list(self._sources)!r})"

    def find_source(self, id_or_filename: str) -> Source | None:
        """A source by ID, file name, or file stem."""
        if id_or_filename in self._sources:
            return self._sources[id_or_filename]
        name = Path(id_or_filename).name
        for s in self._sources.values():
            if s.meta.file == id_or_filename or Path(s.meta.file).name == name:
                return s
        for s in self._sources.values():
            if Path(s.meta.file).stem == name:
                return s
        return None

    # --- passages ----------------------------------------------------------------------------

    def get_passage(self, pid: str | PassageId) -> Passage:
        """A paragraph, sentence or range by ID; KeyError (with the reason) when unknown."""
        return self._resolve(pid)[0]

    def normalized(self, pid: str | PassageId) -> Normalized:
        """Normalised text of a passage or range (offsets into its source file)."""
        return self._resolve(pid)[1]

    def members(self, pid: str | PassageId) -> tuple[Passage, ...]:
        """The paragraphs or sentences of a range, in order (the passage itself otherwise)."""
        return self._resolve_members(PassageId.of(pid) if isinstance(pid, str) else pid)[1]

    def _resolve_members(self, pid: PassageId) -> tuple[Source, tuple[Passage, ...]]:
        src = self._sources.get(pid.source)
        if src is None:
            raise KeyError(f"unknown source {pid.source!r} in {str(pid)!r}")
        first = src.passage(str(pid.first))
        if first is None:
            raise KeyError(f"unknown passage {str(pid.first)!r}")
        if pid.end is None:
            return src, (first,)
        last = src.passage(str(pid.last))
        if last is None:
            raise KeyError(f"unknown passage {str(pid.last)!r} in range {str(pid)!r}")
        i, j = src.order(first.id), src.order(last.id)
        if first.kind is PassageKind.PARAGRAPH:
            return src, src.paragraphs[i : j + 1]
        return src, src.all_sentences[i : j + 1]

    def _resolve(self, pid: str | PassageId) -> tuple[Passage, Normalized, Source]:
        try:
            parsed = PassageId.of(pid)
        except ValueError as exc:
            raise KeyError(str(exc)) from None
        src, members = self._resolve_members(parsed)
        if len(members) == 1:
            return members[0], src.normalized(members[0].id), src
        norm = concat(src.normalized(x.id) for x in members)
        first, last = members[0], members[-1]
        passage = Passage(
            str(parsed),
            src.id,
            PassageKind.RANGE,
            first.start,
            last.end,
            src.text[first.start : last.end],
            short_hash(norm.text),
            first.line,
        )
        return passage, norm, src

    def sentence_range(self, paragraph_id: str, first: int, last: int) -> Passage:
        """Sentences ``first``..``last`` (1-based) of a paragraph: one sentence, or a range.

        KeyError (with the reason) when the paragraph is unknown or has fewer sentences.
        """
        passage, _, src = self._resolve(paragraph_id)
        count = len(src.sentences(passage.id)) if passage.kind is PassageKind.PARAGRAPH else 0
        if not 1 <= first <= last <= count:
            raise KeyError(f"{paragraph_id} has no sentences {first}-{last} (it has {count})")
        tail = f"-s{last}" if last != first else ""
        return self._resolve(f"{passage.id}.s{first}{tail}")[0]

    def matched_passage(self, match: QuoteMatch) -> Passage | None:
        """The passage a QuoteMatch points at, narrowed to the sentence holding the match."""
        return match.resolved

    def _narrow(self, match: QuoteMatch) -> QuoteMatch:
        """``match`` with ``resolved`` set: its passage, or the one sentence that holds it."""
        if not match.passage or match.resolved is not None:
            return match
        try:
            passage, _, src = self._resolve(match.passage)
        except KeyError:
            return match
        if (
            passage.kind is PassageKind.PARAGRAPH
            and match.start is not None
            and match.end is not None
        ):
            for sentence in src.sentences(passage.id):  # a quote inside one sentence links there
                if sentence.start <= match.start <= match.end <= sentence.end:
                    passage = sentence
                    break
        return replace(match, resolved=passage)

    def passage_ids(self, source: str | None = None) -> list[str]:
        srcs = [self._sources[source]] if source in self._sources else self._sources.values()
        return [p.id for s in srcs for p in s.passages]

    def suggest(self, pid: str, n: int = 3) -> list[str]:
        """The ``n`` existing passage IDs closest to ``pid`` (for an unknown-passage warning)."""
        src, _, rest = pid.partition(":")
        if src not in self._sources:
            close = difflib.get_close_matches(src, list(self._sources), 1, 0.4)
            if not close:
                return difflib.get_close_matches(pid, self.passage_ids(), n, 0.5)
            src = close[0]
        candidates = self.passage_ids(src)
        target = f"{src}:{rest}" if rest else f"{src}:p1"
        out = difflib.get_close_matches(target, candidates, n, 0.5)
        if not out and rest:
            # e.g. p40 in a source of 12 paragraphs: offer its last paragraphs
            out = [p.id for p in self._sources[src].paragraphs[-n:]]
        return out

    def suggest_source(self, name: str, n: int = 3) -> list[str]:
        """Suggestions for an unknown source ``name``: close source IDs, else passages."""
        close = self.suggest(name, n)
        close = [c for c in close if ":" not in c] or close
        return close or difflib.get_close_matches(name, list(self._sources), n=n, cutoff=0.3)

    # --- quotes ------------------------------------------------------------------------------

    def _targets(self, src: Source) -> tuple[Target, ...]:
        """Every paragraph of ``src`` as a match target (built once per source)."""
        targets = self._targets_of.get(src.id)
        if targets is None:
            out = []
            prev = ""
            for p in src.paragraphs:
                norm = src.normalized(p.id)
                out.append(Target(p.id, src.id, norm, prev))
                prev = norm.text
            targets = tuple(out)
            self._targets_of[src.id] = targets
        return targets

    def index(self) -> WordIndex:
        """The word index over every paragraph (built once, on first use)."""
        with self._index_lock:
            if self._index is None:
                idx = WordIndex()
                for src in self._sources.values():
                    for p in src.paragraphs:
                        idx.add((src.id, p.id), src.normalized(p.id).lower)
                self._index = idx
            return self._index

    def _indexed_targets(self, q: TypedQuote, source: Source | None = None) -> list[Target]:
        out = []
        limit = 8 if source is None else 40
        phrases = []
        for frag in q.fragments:
            ws = frag.lower().split(" ")
            phrases += [f"{a} {b}" for a, b in pairwise(ws)]
            phrases += [" ".join(ws[i : i + 3]) for i in range(len(ws) - 2)]
        found = self.index().candidates(q.tokens, phrases, limit=limit)
        for key in found:
            sid, pid = cast(tuple[str, str], key)
            if source is not None and sid != source.id:
                continue
            src = self._sources[sid]
            out.append(self._targets(src)[src.order(pid)])  # built once per source
        return out

    def _target(self, src: Source, passage: Passage, norm: Normalized) -> Target:
        """A passage (paragraph, sentence or range) as a match target, with the text before it:
        the previous paragraph, and for a sentence its paragraph up to where it starts."""
        first = passage if passage.kind is not PassageKind.RANGE else self.members(passage.id)[0]
        if first.kind is PassageKind.PARAGRAPH:
            before = self._targets(src)[src.order(first.id)].before
        else:
            para_id, ns, _ = src._sentence_spans[first.id]
            para = self._targets(src)[src.order(para_id)]
            before = f"{para.before} {para.norm.text[:ns]}"
        return Target(passage.id, src.id, norm, before)

    def verify(
        self, text: str, source: str | None = None, passage: str | None = None
    ) -> QuoteMatch:
        """Verdict on a typed quote; ``source``/``passage`` narrow where it must come from."""
        q = parse_quote(text)
        if passage:
            try:
                p, norm, src = self._resolve(passage)
            except KeyError as exc:
                return QuoteMatch(Verdict.NOT_FOUND, text, source, passage, reason=exc.args[0])
            result = self._with_splice_check(q, [self._target(src, p, norm)])
            if result.ok:
                return self._narrow(result)
            return self._narrow(self._found_elsewhere(q, result, p.id, src))
        if source:
            found_src = self.find_source(source)
            if found_src is None:
                return QuoteMatch(
                    Verdict.NOT_FOUND, text, source, reason=f"unknown source {source!r}"
                )
            src = found_src
            result = self._with_splice_check(q, self._source_targets(q, src))
            if result.ok:
                return self._narrow(result)
            return self._narrow(self._found_elsewhere(q, result, src.id, None))
        return self._narrow(
            self._with_splice_check(q, self._indexed_targets(q), self._indexed_targets)
        )

    def _found_elsewhere(
        self, q: TypedQuote, result: QuoteMatch, wanted: str, src: Source | None
    ) -> QuoteMatch:
        """A quote that fails where the writer said it is: is it verbatim somewhere else?

        Then it is still a misquote (the attribution is wrong), reported with where it is.
        """
        elsewhere = match_targets(q, self._source_targets(q, src)) if src is not None else None
        if elsewhere is None or not elsewhere.ok:
            elsewhere = match_targets(q, self._indexed_targets(q))
        if not elsewhere.ok:
            return result
        return QuoteMatch(
            Verdict.MISQUOTE,
            q.typed,
            elsewhere.source,
            elsewhere.passage,
            elsewhere.start,
            elsewhere.end,
            1.0,
            "",
            f"the quote is in {elsewhere.passage}, not in {wanted}",
        )

    def _source_targets(self, q: TypedQuote, src: Source) -> Sequence[Target]:
        if len(src.paragraphs) <= SCAN_LIMIT:
            return self._targets(src)
        return self._indexed_targets(q, src)

    def _with_splice_check(
        self,
        q: TypedQuote,
        targets: Sequence[Target],
        lookup: Callable[[TypedQuote], list[Target]] | None = None,
    ) -> QuoteMatch:
        result = match_targets(q, targets)
        if result.ok or not q.simple:
            return result
        # two or more sentences: each verbatim, but from different paragraphs?
        spans = sentence_spans(q.fragments[0])
        if len(spans) < 2:
            return result
        found: list[QuoteMatch] = []
        for s, e in spans:
            sub = parse_quote(q.fragments[0][s:e])
            part = match_targets(sub, lookup(sub) if lookup else targets)
            if part.ok:
                found.append(part)
        where = list(dict.fromkeys(str(f.passage) for f in found))
        complete = len(found) == len(spans)
        if not found or (not complete and (len(where) < 2 or len(found) < 0.6 * len(spans))):
            return result
        first = found[0]
        if len(where) > 1:
            reason = (
                "spliced: its sentences come from different passages (" + ", ".join(where) + ")"
            )
            if not complete:
                reason += f"; {len(spans) - len(found)} of {len(spans)} sentences match nowhere"
        else:
            reason = f"its sentences are in {where[0]} but not next to each other (mark an omission with [...])"
        return QuoteMatch(
            Verdict.MISQUOTE,
            q.typed,
            first.source,
            first.passage,
            first.start,
            first.end,
            max(result.score, 0.5),
            result.diff,
            reason,
        )

    def verify_many(self, quotes: Iterable[str | tuple[str, str | None]]) -> list[QuoteMatch]:
        """``verify`` for many quotes (text, or ``(text, source)`` pairs), in order."""
        out = []
        for item in quotes:
            if isinstance(item, str):
                out.append(self.verify(item))
            else:
                out.append(self.verify(item[0], source=item[1]))
        return out
