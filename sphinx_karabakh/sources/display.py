"""Passages as a reader sees them: Markdown markup and page furniture dropped, offsets kept.

What flows: ``(Source, Passage) -> shown_paragraphs(...) -> ["text of paragraph 1", …]`` for a
block quote, and ``display(meta, raw, base, leave_out) -> Display(text, offsets, kind)`` for a
source page, where ``Display.cut(start, end)`` gives the shown text of any raw span (a sentence).
Also the ID and span helpers every consumer needs (``source_of``, ``covered_paragraphs``).
No Sphinx here; the Sphinx layer turns the strings into nodes.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from sphinx_karabakh.sources.model import Passage, SourceMeta

if TYPE_CHECKING:
    from sphinx_karabakh.sources.loader import Source

# --- IDs and spans ------------------------------------------------------------------------------


def source_of(passage_id: str) -> str:
    """The source part of a passage ID (everything before the last ``:``)."""
    return passage_id.rsplit(":", 1)[0] if ":" in passage_id else passage_id


def first_paragraph_of(passage_id: str) -> str:
    """The anchorable part of a passage ID: a range's first member (``S:p3-p5`` -> ``S:p3``).

    Sentences keep their own anchor (``S:p4.s2``), so a link lands on the sentence.
    """
    source, _, local = passage_id.rpartition(":")
    first = local.split("-", 1)[0]
    return f"{source}:{first}" if source else first


def covered_paragraphs(paragraphs: Sequence[Passage] | Source, passage: Passage) -> tuple[str, ...]:
    """IDs of the paragraphs a passage (paragraph, sentence or range) overlaps, in order.

    Given the Source itself, its paragraphs are found by bisection instead of a scan.
    """
    if hasattr(paragraphs, "overlapping"):
        return tuple(p.id for p in paragraphs.overlapping(passage.start, passage.end))
    return tuple(p.id for p in paragraphs if overlaps(p, passage))


def overlaps(a: Passage, b: Passage) -> bool:
    """Do two spans share a character (or are both the same empty span)?"""
    return (a.start < b.end and b.start < a.end) or (a.start, a.end) == (b.start, b.end)


# --- Showing Markdown and text passages ---------------------------------------------------------


@dataclass(frozen=True)
class Display:
    """A passage as shown: ``text`` with ``offsets[i]`` = raw index of ``text[i]``.

    Plain text shown whole maps one-to-one: its offsets are a ``range`` (no list per paragraph).
    """

    text: str
    offsets: Sequence[int]
    kind: str = "paragraph"  # "paragraph" | "heading" | "item"

    def cut(self, raw_start: int, raw_end: int) -> str:
        """The shown text of the raw span ``[raw_start, raw_end)`` (e.g. one sentence)."""
        # offsets only grow (markup is dropped, never reordered): two bisections find the span
        return self.text[bisect_left(self.offsets, raw_start) : bisect_left(self.offsets, raw_end)]


_MD_PATTERNS = (
    re.compile(r"!?\[(?P<keep>[^\]\n]*)\]\([^)\n]*\)"),  # links and images: keep the text
    re.compile(r"\*\*(?P<keep>[^*\n]+)\*\*"),  # bold
    re.compile(r"__(?P<keep>[^_\n]+)__"),
    re.compile(r"(?<![\w*])\*(?P<keep>[^*\s][^*\n]*?)\*(?![\w*])"),  # italic
    re.compile(r"(?<!\w)_(?P<keep>[^_\s][^_\n]*?)_(?!\w)"),
    re.compile(r"`(?P<keep>[^`\n]+)`"),  # code
)
_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+")
_MD_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+")
_MD_QUOTE = re.compile(r"^[ \t]*>[ \t]?")


def left_out(source: Source, passage_id: str) -> list[tuple[int, int]]:
    """Raw spans inside a passage that the stage leaves out (page furniture between its parts).

    A page header that split a paragraph in two stays inside the paragraph's raw span;
    ``Source.parts`` gives the spans around it; what lies between them is left out unless it is
    only the blank line that joins two blocks of one paragraph.
    """
    text = source.text
    return [
        (end, start)
        for (_, end), (start, _) in pairwise(source.parts(passage_id))
        if not text[end:start].isspace()
    ]


def display(
    meta: SourceMeta | None, raw: str, base: int = 0, leave_out: list[tuple[int, int]] = ()
) -> Display:
    """Shown text of ``raw`` (which starts at file offset ``base``).

    Plain text is shown as is (whitespace runs collapse in HTML anyway). For Markdown the markup
    is dropped and its text kept: ``[text](url)`` -> ``text``, ``**b**`` -> ``b``, a heading's
    ``#`` and a list item's marker at the start of a line (the passage kind says which it was).
    """
    if not leave_out and (meta is None or meta.format != "markdown"):
        return Display(raw, range(base, base + len(raw)))
    drop = [False] * len(raw)
    for start, end in leave_out:  # furniture: keep one whitespace character in its place
        first = start - base + (1 if raw[start - base : start - base + 1].isspace() else 0)
        for i in range(max(first, 0), min(end - base, len(raw))):
            drop[i] = True
    if meta is None or meta.format != "markdown":
        text = "".join(c for c, d in zip(raw, drop, strict=True) if not d)
        return Display(text, tuple(base + i for i, d in enumerate(drop) if not d))
    kind = "paragraph"
    pos = 0
    for line in raw.splitlines(keepends=True):
        for pattern, line_kind in ((_MD_HEADING, "heading"), (_MD_ITEM, "item"), (_MD_QUOTE, "")):
            m = pattern.match(line)
            if m:
                for i in range(pos + m.start(), pos + m.end()):
                    drop[i] = True
                if pos == 0 and line_kind:
                    kind = line_kind
                break
        if kind == "heading" and pos == 0:
            stripped = line.rstrip()
            closing = re.search(r"[ \t]+#+$", stripped)
            if closing:
                for i in range(pos + closing.start(), pos + len(stripped)):
                    drop[i] = True
        pos += len(line)
    for pattern in _MD_PATTERNS:
        for m in pattern.finditer(raw):
            if drop[m.start()] or drop[m.end() - 1]:
                continue
            keep_start, keep_end = m.span("keep")
            for i in range(m.start(), keep_start):
                drop[i] = True
            for i in range(keep_end, m.end()):
                drop[i] = True
    text = "".join(c for c, d in zip(raw, drop, strict=True) if not d)
    offsets = tuple(base + i for i, d in enumerate(drop) if not d)
    return Display(text, offsets, kind)


def shown_paragraphs(source: Source, passage: Passage) -> list[str]:
    """The passage as shown, one string per paragraph it covers (markup and furniture dropped)."""
    meta = source.meta
    out = []
    for para in source.overlapping(passage.start, passage.end):
        shown = display(meta, para.text, base=para.start, leave_out=left_out(source, para.id))
        text = shown.cut(max(para.start, passage.start), min(para.end, passage.end)).strip()
        if text:
            out.append(" ".join(text.split()))
    if not out:  # a passage outside the paragraphs (should not happen): show its raw text
        out.append(" ".join(display(meta, passage.text, base=passage.start).text.split()))
    return out
