"""Split a source's text into paragraphs and sentences with stable IDs and raw offsets.

What flows: ``raw text + SourceMeta -> [Block] -> [ParagraphSpec] -> Passage`` objects.
A *block* is a run of non-blank lines (a Markdown heading or list item is a block of its own);
boilerplate blocks and everything from the end marker on are left out; a paragraph broken by a
page break (no terminal punctuation, next block starts lower-case) becomes one paragraph made of
several *parts*.  Sentences are found in the paragraph's normalised text and mapped back to raw
offsets.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from dataclasses import dataclass

from sphinx_karabakh.sources.model import Passage, PassageKind, SourceMeta
from sphinx_karabakh.sources.normalize import Normalized, normalize, normalize_parts

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r|$)")
_HEADING = re.compile(r"[ \t]{0,3}(?:#{1,6}[ \t]+\S|\*\*[^*\n]+\*\*[ \t]*$|__[^_\n]+__[ \t]*$)")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-+*]|\d{1,3}[.)])[ \t]+\S")
_RULE = re.compile(r"[ \t]*(?:[-*_=][ \t]*){3,}$")
_TERMINAL = set(".!?:;…")
_CLOSERS = "\"'”’»)]*_ \t"
_LEAD_MARKUP = re.compile(r"[\s#>*_\[(\"'“‘]*")


@dataclass(frozen=True)
class Block:
    start: int
    end: int
    heading: bool = False
    list_item: bool = False


@dataclass(frozen=True)
class ParagraphSpec:
    """A paragraph before it becomes a Passage: its raw parts (more than one after a page break)."""

    parts: tuple[tuple[int, int], ...]
    heading: bool = False

    @property
    def start(self) -> int:
        return self.parts[0][0]

    @property
    def end(self) -> int:
        return self.parts[-1][1]


def short_hash(normalized_text: str) -> str:
    """Content hash of normalised text (16 hex digits of sha256)."""
    return hashlib.sha256(normalized_text.encode("utf-8")).hexdigest()[:16]


#: A line this long is not hard-wrapped prose: text with one paragraph per line (no blank lines
#: between them) gets one paragraph per line.
LONG_LINE = 200
_FRONT_MATTER = re.compile(r"---[ \t]*\r?\n.*?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def split_blocks(text: str, markdown: bool = False) -> list[Block]:
    """Runs of non-blank lines; headings and list items start blocks of their own.

    A long line (``LONG_LINE``) ends its block, and Markdown front matter is skipped.
    """
    blocks: list[Block] = []
    cur_start = cur_end = -1
    cur_heading = cur_list = False
    prev_long = False
    skip_to = 0
    if markdown:
        fm = _FRONT_MATTER.match(text.lstrip("\ufeff"))
        if fm:
            skip_to = fm.end() + (len(text) - len(text.lstrip("\ufeff")))

    def flush() -> None:
        nonlocal cur_start, cur_end, cur_heading, cur_list
        if cur_start >= 0:
            blocks.append(Block(cur_start, cur_end, cur_heading, cur_list))
        cur_start = cur_end = -1
        cur_heading = cur_list = False

    for m in _LINE.finditer(text, skip_to):
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
        list_item = not heading and bool(_LIST_ITEM.match(line)) and not _RULE.match(line)
        if _RULE.match(line) and not heading:
            flush()
            continue
        if heading or list_item or cur_heading or prev_long:
            flush()
        prev_long = len(stripped) > LONG_LINE
        if cur_start < 0:
            cur_start, cur_heading, cur_list = lstart, heading, list_item
        cur_end = lend
        if heading:
            flush()
    flush()
    return blocks


def _starts_with(text: str, block: Block, prefix: str, markdown: bool) -> bool:
    raw = text[block.start : block.end]
    if raw.startswith(prefix):
        return True
    lead = _LEAD_MARKUP.match(raw)
    if lead and raw[lead.end() :].startswith(prefix.lstrip("#>*_ ")):
        return True
    return normalize(raw, markdown).text.startswith(normalize(prefix, markdown).text)


def paragraph_specs(text: str, meta: SourceMeta) -> list[ParagraphSpec]:
    """Blocks minus boilerplate and end matter, page-broken paragraphs joined."""
    markdown = meta.format == "markdown"
    blocks = split_blocks(text, markdown)
    if meta.end_marker:
        for i in range(len(blocks) - 1, -1, -1):
            if _starts_with(text, blocks[i], meta.end_marker, markdown):
                blocks = blocks[:i]
                break
    if meta.boilerplate:
        blocks = [
            b
            for b in blocks
            if not any(_starts_with(text, b, p, markdown) for p in meta.boilerplate if p)
        ]
    specs: list[ParagraphSpec] = []
    prev: Block | None = None
    for b in blocks:
        if specs and prev is not None and _continues(text, prev, b):
            last = specs[-1]
            specs[-1] = ParagraphSpec((*last.parts, (b.start, b.end)), last.heading)
        else:
            specs.append(ParagraphSpec(((b.start, b.end),), b.heading))
        prev = b
    return specs


def _continues(text: str, prev: Block, nxt: Block) -> bool:
    """Is ``nxt`` the rest of ``prev`` after a page break?"""
    if prev.heading or nxt.heading or nxt.list_item:
        return False
    tail = text[prev.start : prev.end].rstrip(_CLOSERS)
    if not tail or tail[-1] in _TERMINAL:
        return False
    head = text[nxt.start : nxt.end].lstrip("*_ \t")
    return bool(head) and head[0].isalpha() and head[0].islower()


# --- sentences -------------------------------------------------------------------------------

_BOUNDARY = re.compile(r"(\.\.\.|[.!?]+)(['\")\]]*) (?=['(\[]*[^\W\d_])")
_ABBREVIATIONS_WORDS = (
    "mr mrs ms dr prof st jr sr vs cf al fig figs no nos vol vols pp p ed eds gen col lt sgt "
    "capt gov sen rep inc ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec approx "
    "ca mt ft rev hon pres dept univ assn bros est op art sec ch para"
)
_ABBREVIATIONS = frozenset(_ABBREVIATIONS_WORDS.split())
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+$")
_GROUPED_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+\.$")


def sentence_spans(norm: str) -> list[tuple[int, int]]:
    """``(start, end)`` spans of sentences in normalised paragraph text."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(norm):
        punct = m.group(1)
        nxt = norm[m.end() :].lstrip("'([")
        if not nxt[:1].isupper():
            continue
        if punct == "...":
            continue
        if punct == ".":
            before = norm[start : m.end(1)]
            token = before.rsplit(" ", 1)[-1].lstrip("'([")
            word = token[:-1].lower()
            if word in _ABBREVIATIONS or _INITIALS.match(token) or _GROUPED_NUMBER.search(token):
                continue
        end = m.end(2)
        if end > start:
            spans.append((start, end))
        start = m.end()
    if start < len(norm):
        spans.append((start, len(norm)))
    return spans


# --- passages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuiltParagraph:
    passage: Passage
    norm: Normalized
    sentences: tuple[Passage, ...]
    sentence_spans: tuple[tuple[int, int], ...]  # in the paragraph's normalised text
    parts: tuple[tuple[int, int], ...] = ()  # raw spans, page furniture between them left out


def build_passages(text: str, meta: SourceMeta) -> list[BuiltParagraph]:
    """All paragraphs of a source with their sentences, IDs ``p1..`` and ``p1.s1..``."""
    markdown = meta.format == "markdown"
    newlines = [m.start() for m in re.finditer("\n", text)]
    out: list[BuiltParagraph] = []
    for spec in paragraph_specs(text, meta):
        norm = normalize_parts(text, spec.parts, markdown)
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
        out.append(BuiltParagraph(para, norm, tuple(sents), tuple(spans), spec.parts))
    return out


def _line(newlines: list[int], offset: int) -> int:
    return bisect_left(newlines, offset) + 1
