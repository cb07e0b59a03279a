"""What flows through the sources stage: a source's metadata, its passages, a quote's verdict.

One typed quote can be followed from the writer to the verdict by these names:
``SourceSet.verify(text) -> QuoteMatch(verdict=Verdict.MISQUOTE, passage="legiec-2020:p4", …)``.
Offsets are Python string indices into the source file as read (UTF-8).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class SourceError(Exception):
    """A source or its metadata cannot be read: the message names the file (and line)."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        where = ""
        if self.path:
            where = f"{self.path}:{line}: " if line else f"{self.path}: "
        super().__init__(f"{where}{message}")
        self.reason = message


class SourceWarning(SourceError):
    """Something about a source that is kept but worth saying (an empty file, a capped split)."""


@dataclass(frozen=True)
class SourceMeta:
    """One ``[[source]]`` table of ``sources.toml``."""

    id: str
    file: str
    title: str = ""
    authors: tuple[str, ...] = ()
    date: str = ""
    publisher: str = ""
    url: str = ""
    format: str = "text"  # "text" | "markdown"
    boilerplate: tuple[str, ...] = ()
    end_marker: str = ""


class PassageKind(StrEnum):
    PARAGRAPH = "paragraph"
    SENTENCE = "sentence"
    RANGE = "range"


@dataclass(frozen=True)
class Passage:
    """A paragraph (``SRC:p4``), a sentence (``SRC:p4.s2``) or a range (``SRC:p3-p5``).

    ``text`` is ``source_text[start:end]`` exactly as in the file; ``hash`` is a content hash of
    the *normalised* text, so typography-only edits do not count as drift.
    """

    id: str
    source: str
    kind: PassageKind
    start: int
    end: int
    text: str
    hash: str
    line: int = 0  # 1-based line of ``start`` in the file


class Verdict(StrEnum):
    VERIFIED = "verified"
    MISQUOTE = "misquote"
    NOT_FOUND = "not-found"


@dataclass(frozen=True)
class QuoteMatch:
    """The verdict on one typed quote.

    ``passage`` is the ID of the passage the quote was matched to (for a misquote, the closest
    passage); ``start``/``end`` the matched span in the source file; ``score`` 0..1 similarity;
    ``diff`` a word-level diff (``[-removed-]``/``{+added+}``) of the source against the quote, empty
    when verified.
    """

    verdict: Verdict
    quote: str
    source: str | None = None
    passage: str | None = None
    start: int | None = None
    end: int | None = None
    score: float = 0.0
    diff: str = ""
    reason: str = ""
    #: the passage the match lies in, narrowed to the sentence that holds it (resolved once, by
    #: the stage: no later step parses ``passage`` again)
    resolved: Passage | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.VERIFIED


class DriftKind(StrEnum):
    UNCHANGED = "unchanged"
    MOVED = "moved"  # same text, new passage ID
    CHANGED = "changed"  # text changed, similarity and diff given
    GONE = "gone"  # nothing similar enough remains


class PinKind(StrEnum):
    """What a lock entry pins."""

    PASSAGE = "passage"  # a quote by ID (quote directive, q role): the text under that ID
    TYPED = "typed"  # a typed quote that verified: proved again on every build
    REVIEWED = "reviewed"  # a typed quote the rules reject, accepted by a writer for this text


@dataclass(frozen=True)
class Drift:
    """What happened to one locked quote since the lock file was written."""

    kind: DriftKind
    key: str  # the lock entry's key
    old_passage: str
    new_passage: str | None = None
    similarity: float = 0.0
    diff: str = ""  # the source's own words: ``[-old-] {+new+}``, unchanged sentences elided
    pin: PinKind = PinKind.PASSAGE
    reason: str = ""

    @property
    def drifted(self) -> bool:
        return self.kind is not DriftKind.UNCHANGED


@dataclass
class LockEntry:
    """One quote as pinned in ``karabakh.lock``.

    ``text`` is the passage's own text as it was (for diffs); ``hash`` its normalised content
    hash; ``members`` the hashes of a range's paragraphs or sentences (to find it again when it
    moves).  A typed or reviewed pin also keeps the writer's ``quote`` and its ``target``.
    """

    passage: str
    hash: str
    text: str
    docs: list[str] = field(default_factory=list)
    kind: PinKind = PinKind.PASSAGE
    quote: str = ""
    target: str = ""
    members: list[str] = field(default_factory=list)
    note: str = ""  # a reviewed pin: the writer's :reviewed: note
