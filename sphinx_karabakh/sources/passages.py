"""Split a source's text into paragraphs and sentences with stable IDs and raw offsets.

What flows: ``raw text + SourceMeta -> [Block] -> [ParagraphSpec] -> Passage`` objects.
A *block* is a run of non-blank lines of plain text (a heading or list item is a block of its
own), or one prose block of a Markdown document as a CommonMark parser sees it (``markdown.py``).
Boilerplate blocks and everything from the end marker on are left out; a paragraph broken by a
page break (a line of prose with no terminal punctuation, the next block starting lower-case)
becomes one paragraph made of several *parts*.  Sentences are found in the paragraph's
normalised text and mapped back to raw offsets.

Everything here is linear in the size of the text: no step re-reads what an earlier step read.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from dataclasses import dataclass

from sphinx_karabakh.sources.markdown import Link, markdown_blocks
from sphinx_karabakh.sources.model import Passage, PassageKind, SourceMeta
from sphinx_karabakh.sources.normalize import (
    Normalized,
    identity,
    join,
    normalize,
    normalize_extracted,
)

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r|$)")
_HEADING = re.compile(r"[ \t]{0,3}(?:#{1,6}[ \t]+\S|\*\*[^*\n]+\*\*[ \t]*$|__[^_\n]+__[ \t]*$)")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-+*]|\d{1,3}[.)])[ \t]+\S")
_RULE = re.compile(r"[ \t]*(?:[-*_=][ \t]*){3,}$")
_TERMINAL = set(".!?:;…")
_CLOSERS = "\"'”’»)]*_ \t"

#: A line this long is not hard-wrapped prose: text with one paragraph per line (no blank lines
#: between them) gets one paragraph per line.
LONG_LINE = 200
#: A page break is only taken to split a paragraph after a real line of prose this long.
PAGE_BREAK_MIN = 40
#: At most this many blocks are joined into one paragraph across page breaks.
MAX_PARTS = 8


@dataclass(frozen=True)
class Block:
    """A block of the source: raw span, kind, and (Markdown) the reader's text with its map."""

    start: int
    end: int
    kind: str = "paragraph"  # paragraph | heading | item | quote | footnote
    extracted: Normalized | None = None  # None: the raw span as it is (plain text)
    links: tuple[Link, ...] = ()

    @property
    def heading(self) -> bool:
        return self.kind == "heading"

    @property
    def list_item(self) -> bool:
        return self.kind == "item"

    def text(self, raw: str) -> Normalized:
        """The block's text mapped to raw offsets (before typography)."""
        return self.extracted if self.extracted is not None else identity(raw, self.start, self.end)


@dataclass(frozen=True)
class ParagraphSpec:
    """A paragraph before it becomes a Passage: its blocks (more than one after a page break)."""

    blocks: tuple[Block, ...]

    @property
    def parts(self) -> tuple[tuple[int, int], ...]:
        return tuple((b.start, b.end) for b in self.blocks)

    @property
    def heading(self) -> bool:
        return self.blocks[0].heading

    @property
    def kind(self) -> str:
        return self.blocks[0].kind

    @property
    def start(self) -> int:
        return self.blocks[0].start

    @property
    def end(self) -> int:
        return self.blocks[-1].end


@dataclass(frozen=True)
class SplitNote:
    """Something the splitter had to cap, with the raw offset it concerns (for a warning)."""

    offset: int
    message: str


def short_hash(normalized_text: str) -> str:
    """Content hash of normalised text (16 hex digits of sha256)."""
    return hashlib.sha256(normalized_text.encode("utf-8")).hexdigest()[:16]


def split_blocks(text: str, markdown: bool = False) -> list[Block]:
    """The source's blocks in order (see the module docstring)."""
    if markdown:
        return [Block(b.start, b.end, b.kind, b.text, b.links) for b in markdown_blocks(text)]
    return _text_blocks(text)


def _text_blocks(text: str) -> list[Block]:
    """Runs of non-blank lines; headings and list items start blocks of their own.

    A long line (``LONG_LINE``) ends its block.
    """
    blocks: list[Block] = []
    cur_start = cur_end = -1
    cur_kind = "paragraph"
    prev_long = False

    def flush() -> None:
        nonlocal cur_start, cur_end, cur_kind
        if cur_start >= 0:
            blocks.append(Block(cur_start, cur_end, cur_kind))
        cur_start = cur_end = -1
        cur_kind = "paragraph"

    for m in _LINE.finditer(text):
        line = m.group().rstrip("\r\n")
        if not line and m.end() == m.start():
            break
        stripped = line.strip()
        if not stripped:
            flush()
            prev_long = False
            continue
        lstart = m.start() + (len(line) - len(line.lstrip()))
        lend = m.start() + len(line.rstrip())
        heading = bool(_HEADING.match(line))
        rule = not heading and bool(_RULE.match(line))
        if rule:
            flush()
            continue
        list_item = not heading and bool(_LIST_ITEM.match(line))
        if heading or list_item or cur_kind == "heading" or prev_long:
            flush()
        prev_long = len(stripped) > LONG_LINE
        if cur_start < 0:
            cur_start = lstart
            cur_kind = "heading" if heading else "item" if list_item else "paragraph"
        cur_end = lend
        if heading:
            flush()
    flush()
    return blocks


_LEAD_MARKUP = "#>*_[ "


def _starts_with(head: str, prefix: str) -> bool:
    """Does a block (its normalised first words) start with a boilerplate prefix?

    Markup the plain-text block may start with (``# ``, ``> ``, ``**``) is looked past.
    """
    if not prefix:
        return False
    return head.startswith(prefix) or head.lstrip(_LEAD_MARKUP).startswith(
        prefix.lstrip(_LEAD_MARKUP)
    )


def paragraph_specs(
    text: str, meta: SourceMeta, notes: list[SplitNote] | None = None
) -> list[ParagraphSpec]:
    """Blocks minus boilerplate and end matter, page-broken paragraphs joined."""
    markdown = meta.format == "markdown"
    blocks = split_blocks(text, markdown)
    heads = [_head(text, b) for b in blocks] if meta.end_marker or meta.boilerplate else []
    if meta.end_marker:
        marker = normalize(meta.end_marker, markdown).text
        for i in range(len(blocks) - 1, -1, -1):
            if _starts_with(heads[i], marker):
                blocks, heads = blocks[:i], heads[:i]
                break
    if meta.boilerplate:
        prefixes = [normalize(p, markdown).text for p in meta.boilerplate if p]
        kept = [
            (b, h)
            for b, h in zip(blocks, heads, strict=True)
            if not any(_starts_with(h, p) for p in prefixes)
        ]
        blocks = [b for b, _ in kept]
        heads = [h for _, h in kept]
    groups: list[list[Block]] = []
    for i, b in enumerate(blocks):
        if groups and _continues(text, blocks[i - 1], b):
            if len(groups[-1]) < MAX_PARTS:
                groups[-1].append(b)
                continue
            if notes is not None:
                notes.append(
                    SplitNote(
                        b.start,
                        f"more than {MAX_PARTS} blocks would join into one paragraph across "
                        "page breaks; a new paragraph starts here",
                    )
                )
        groups.append([b])
    return [ParagraphSpec(tuple(g)) for g in groups]


_HEAD_CHARS = 400


def _head(text: str, block: Block) -> str:
    """The block's first words, normalised (what boilerplate and end markers are tested on)."""
    if block.extracted is not None:
        return normalize_extracted(block.extracted.slice(0, _HEAD_CHARS)).text
    return normalize(text[block.start : min(block.end, block.start + _HEAD_CHARS)]).text


def _continues(text: str, prev: Block, nxt: Block) -> bool:
    """Is ``nxt`` the rest of ``prev`` after a page break?"""
    if prev.kind != "paragraph" or nxt.kind != "paragraph":
        return False
    if prev.extracted is not None:
        tail = prev.extracted.text[-_HEAD_CHARS:].rstrip(_CLOSERS)
        head = nxt.extracted.text[:_HEAD_CHARS].lstrip("*_ \t") if nxt.extracted else ""
    else:
        tail = text[max(prev.start, prev.end - _HEAD_CHARS) : prev.end].rstrip(_CLOSERS)
        head = text[nxt.start : min(nxt.end, nxt.start + _HEAD_CHARS)].lstrip("*_ \t")
    if not tail or tail[-1] in _TERMINAL or prev.end - prev.start < PAGE_BREAK_MIN:
        return False
    return bool(head) and head[0].isalpha() and head[0].islower()


# --- sentences -------------------------------------------------------------------------------

_BOUNDARY = re.compile(r"(\.\.\.|[.!?]+)(['\")\]]*) (?=['(\[]*[^\W\d_])")
_ABBREVIATIONS_WORDS = (
    "mr mrs ms dr prof st jr sr vs cf al fig figs no nos vol vols pp p ed eds gen col lt sgt "
    "capt gov sen rep inc ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec approx "
    "ca mt ft rev hon pres dept univ assn bros est op art sec ch para resp viz"
)
ABBREVIATIONS = frozenset(_ABBREVIATIONS_WORDS.split())
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+\Z")
_GROUPED_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+\.\Z")
_LOOKBACK = 48  # the word before a full stop is looked for this far back, at most


def is_abbreviation(token: str) -> bool:
    """Does ``token`` (a word with its full stop: ``D.C.``, ``Dr.``, ``e.g.``) not end a sentence?"""
    token = token.lstrip("'([")
    return (
        token[:-1].lower() in ABBREVIATIONS
        or bool(_INITIALS.match(token))
        or bool(_GROUPED_NUMBER.search(token))
    )


def sentence_spans(norm: str) -> list[tuple[int, int]]:
    """``(start, end)`` spans of sentences in normalised paragraph text (linear time)."""
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(norm)
    for m in _BOUNDARY.finditer(norm):
        punct = m.group(1)
        k = m.end()
        while k < n and k < m.end() + 3 and norm[k] in "'([":
            k += 1
        if k >= n or not norm[k].isupper():
            continue
        if punct == "...":
            continue
        if punct == ".":
            p = m.end(1)
            lo = max(start, p - _LOOKBACK)
            space = norm.rfind(" ", lo, p)
            token = norm[(space + 1 if space >= 0 else lo) : p]
            if is_abbreviation(token):
                continue
        end = m.end(2)
        if end > start:
            spans.append((start, end))
        start = m.end()
    if start < n:
        spans.append((start, n))
    return spans


# --- passages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuiltParagraph:
    passage: Passage
    norm: Normalized
    sentences: tuple[Passage, ...]
    sentence_spans: tuple[tuple[int, int], ...]  # in the paragraph's normalised text
    parts: tuple[tuple[int, int], ...] = ()  # raw spans, page furniture between them left out
    kind: str = "paragraph"
    shown: Normalized | None = None  # Markdown: the reader's text (before typography)
    links: tuple[Link, ...] = ()  # Markdown links, in ``shown`` coordinates


def build_passages(
    text: str, meta: SourceMeta, notes: list[SplitNote] | None = None
) -> list[BuiltParagraph]:
    """All paragraphs of a source with their sentences, IDs ``p1..`` and ``p1.s1..``."""
    markdown = meta.format == "markdown"
    newlines = [m.start() for m in re.finditer("\n", text)]
    out: list[BuiltParagraph] = []
    for spec in paragraph_specs(text, meta, notes):
        parts = [b.text(text) for b in spec.blocks]
        ext = parts[0] if len(parts) == 1 else join(parts, " ")
        norm = normalize_extracted(ext)
        if not norm.text:
            continue
        pid = f"{meta.id}:p{len(out) + 1}"
        start, end = spec.start, spec.end
        para = Passage(
            pid,
            meta.id,
            PassageKind.PARAGRAPH,
            start,
            end,
            text[start:end],
            short_hash(norm.text),
            _line(newlines, start),
        )
        sents: list[Passage] = []
        spans = sentence_spans(norm.text)
        for j, (ns, ne) in enumerate(spans, start=1):
            rs, re_ = norm.raw_span(ns, ne)
            sents.append(
                Passage(
                    f"{pid}.s{j}",
                    meta.id,
                    PassageKind.SENTENCE,
                    rs,
                    re_,
                    text[rs:re_],
                    short_hash(norm.text[ns:ne]),
                    _line(newlines, rs),
                )
            )
        links: tuple[Link, ...] = ()
        if markdown:
            offset = 0
            found: list[Link] = []
            for b, part in zip(spec.blocks, parts, strict=True):
                found.extend(Link(x.start + offset, x.end + offset, x.href) for x in b.links)
                offset += len(part.text) + 1
            links = tuple(found)
        out.append(
            BuiltParagraph(
                para,
                norm,
                tuple(sents),
                tuple(spans),
                spec.parts,
                spec.kind,
                ext if markdown else None,
                links,
            )
        )
    return out


def _line(newlines: list[int], offset: int) -> int:
    return bisect_left(newlines, offset) + 1
