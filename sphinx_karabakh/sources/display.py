"""Passages as a reader sees them: Markdown markup and page furniture dropped, offsets kept.

What flows: ``(Source, Passage) -> shown_paragraphs(...) -> ["text of paragraph 1", …]`` for a
block quote, and ``display(meta, raw, base, leave_out) -> Display(text, offsets, kind)`` for a
source page, where ``Display.cut(start, end)`` gives the shown text of any raw span (a sentence).
Also the span helpers every consumer needs (``covered_paragraphs``); the ID helpers
(``source_of``, ``first_paragraph_of``) are ``ids.py``'s, re-exported.
No Sphinx here; the Sphinx layer turns the strings into nodes.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from sphinx_karabakh.sources.ids import first_paragraph_of as first_paragraph_of
from sphinx_karabakh.sources.ids import source_of as source_of
from sphinx_karabakh.sources.model import Passage, SourceMeta
from sphinx_karabakh.urls import safe_href

if TYPE_CHECKING:
    from sphinx_karabakh.sources.loader import Source

# --- IDs and spans ------------------------------------------------------------------------------


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
    ``links`` are ``(start, end, href)`` spans of ``text`` (Markdown links whose href may be a
    link: http(s), mailto or relative, never a placeholder such as ``#``).
    """

    text: str
    offsets: Sequence[int]
    kind: str = "paragraph"  # "paragraph" | "heading" | "item" | "quote" | "footnote"
    links: tuple[tuple[int, int, str], ...] = ()

    def index(self, raw: int) -> int:
        """The shown position of raw offset ``raw`` (the first shown character at or after it)."""
        return bisect_left(self.offsets, raw)

    def cut(self, raw_start: int, raw_end: int) -> str:
        """The shown text of the raw span ``[raw_start, raw_end)`` (e.g. one sentence)."""
        # offsets only grow (markup is dropped, never reordered): two bisections find the span
        return self.text[self.index(raw_start) : self.index(raw_end)]

    def runs(self, pieces: Sequence[tuple[int, int]]) -> list[tuple[str, str | None]]:
        """The shown text of ``pieces`` (shown-text spans, in order) as ``(text, href)`` runs:
        plain text joined across pieces, a link cut where a piece ends (so no run crosses a
        sentence when the pieces are sentences)."""
        out: list[tuple[str, str | None]] = []
        buf: list[str] = []
        for a, z in pieces:
            pos = a
            for ls, le, href in self.links:
                lo, hi = max(ls, a), min(le, z)
                if lo >= hi or lo < pos:
                    continue
                buf.append(self.text[pos:lo])
                if "".join(buf):
                    out.append(("".join(buf), None))
                buf = []
                out.append((self.text[lo:hi], href))
                pos = hi
            buf.append(self.text[pos:z] if z > pos else "")
        if "".join(buf):
            out.append(("".join(buf), None))
        return out


def _linkable(href: str) -> str | None:
    target = safe_href(href)
    if target is None or target.strip() in ("", "#", "#!"):
        return None
    return target


def display_paragraph(source: Source, para: Passage) -> Display:
    """How a paragraph of ``source`` is shown: a Markdown paragraph as the parser read it (markup
    dropped, escapes decoded, links kept), plain text as it is with page furniture left out."""
    md = source.shown(para.id)
    if md is None:
        return display(source.meta, para.text, base=para.start, leave_out=left_out(source, para.id))
    ext, links = md
    offsets = [ext.raw_start(i) for i in range(len(ext.text))]
    for i in range(1, len(offsets)):  # a joined part's separator maps back: keep it in order
        if offsets[i] < offsets[i - 1]:
            offsets[i] = offsets[i - 1]
    kept = tuple(
        (lk.start, lk.end, href) for lk in links if (href := _linkable(lk.href)) is not None
    )
    return Display(ext.text, offsets, source.kind_of(para.id), kept)


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
    meta: SourceMeta | None, raw: str, base: int = 0, leave_out: Sequence[tuple[int, int]] = ()
) -> Display:
    """Shown text of plain ``raw`` (which starts at file offset ``base``), page furniture
    (``leave_out``, raw spans) dropped; whitespace runs collapse in HTML anyway.

    Markdown is shown from the parser's reading instead (``display_paragraph``); a Markdown
    snippet given here is read by the parser too.
    """
    if meta is not None and meta.format == "markdown":
        from sphinx_karabakh.sources.markdown import markdown_text

        ext = markdown_text(raw)
        offsets = [base + ext.raw_start(i) for i in range(len(ext.text))]
        return Display(ext.text, offsets)
    if not leave_out:
        return Display(raw, range(base, base + len(raw)))
    drop = [False] * len(raw)
    for start, end in leave_out:  # furniture: keep one whitespace character in its place
        first = start - base + (1 if raw[start - base : start - base + 1].isspace() else 0)
        for i in range(max(first, 0), min(end - base, len(raw))):
            drop[i] = True
    text = "".join(c for c, d in zip(raw, drop, strict=True) if not d)
    return Display(text, tuple(base + i for i, d in enumerate(drop) if not d))


def shown_paragraphs(source: Source, passage: Passage) -> list[str]:
    """The passage as shown, one string per paragraph it covers (markup and furniture dropped)."""
    meta = source.meta
    out = []
    for para in source.overlapping(passage.start, passage.end):
        shown = display_paragraph(source, para)
        text = shown.cut(max(para.start, passage.start), min(para.end, passage.end)).strip()
        if text:
            out.append(" ".join(text.split()))
    if not out:  # a passage outside the paragraphs (should not happen): show its raw text
        out.append(" ".join(display(meta, passage.text, base=passage.start).text.split()))
    return out
