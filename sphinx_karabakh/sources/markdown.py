"""Markdown sources through a real CommonMark parser, with every character mapped to the file.

What flows: ``raw Markdown -> markdown_blocks(raw) -> [MdBlock(kind, start, end, text, links)]``.
markdown-it-py (myst-parser's own parser, CommonMark plus footnotes) finds the blocks: paragraphs,
headings, list items and block quotes become prose blocks; fenced and indented code, HTML blocks
(comments included) and thematic breaks do not.  Inside a block, the parser's inline tokens are
walked beside the raw text, so the block's text is what a reader reads -- emphasis markers and
link syntax dropped, escapes and entities decoded, code spans and literal ``*`` or ``<`` kept --
and every character of it maps back to the raw offsets it came from (a ``Normalized``).  Links are
kept as ``Link(start, end, href)`` spans of that text, for source pages to show them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sphinx_karabakh.sources.normalize import Normalized, _Builder, _make, compose, join

_NEWLINE = re.compile(r"\r\n|\r|\n")
_FRONT_MATTER = re.compile(r"---[ \t]*\r?\n.*?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class Link:
    """A link inside a block's text: ``text[start:end]`` links to ``href`` (as written)."""

    start: int
    end: int
    href: str


@dataclass(frozen=True)
class MdBlock:
    """One prose block: ``kind`` paragraph | heading | item | quote | footnote.

    ``start``/``end`` is its raw span (markers such as ``#`` or ``-`` included, as written);
    ``text`` is the reader's text with its map to raw offsets.
    """

    kind: str
    start: int
    end: int
    text: Normalized
    links: tuple[Link, ...] = ()


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark").use(footnote_plugin)
    md.disable("text_join")  # keep escapes and entities as tokens of their own (with markup)
    return md


def _lines(raw: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every line, newline excluded, split as markdown-it splits them."""
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _NEWLINE.finditer(raw):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(raw)))
    return out


def _blank_front_matter(raw: str) -> str:
    """Front matter (``---`` … ``---`` at the very start) blanked out, offsets kept."""
    bom = len(raw) - len(raw.lstrip("\ufeff"))
    m = _FRONT_MATTER.match(raw, bom)
    if not m:
        return raw
    blank = re.sub(r"[^\r\n]", " ", m.group())
    return raw[: m.start()] + blank + raw[m.end() :]


def markdown_blocks(raw: str) -> list[MdBlock]:
    """The prose blocks of a Markdown document, in document order."""
    text = _blank_front_matter(raw).replace("\x00", "\ufffd")  # markdown-it's own NUL rule
    lines = _lines(text)
    tokens = _parser().parse(text)
    blocks: list[MdBlock] = []
    stack: list[str] = []
    kind = ""
    for tok in tokens:
        t = tok.type
        if t in ("list_item_open", "blockquote_open", "footnote_open"):
            stack.append({"list_item_open": "item", "blockquote_open": "quote"}.get(t, "footnote"))
        elif t in ("list_item_close", "blockquote_close", "footnote_close"):
            if stack:
                stack.pop()
        elif t == "heading_open":
            kind = "heading"
        elif t == "paragraph_open":
            kind = stack[-1] if stack else "paragraph"
        elif t == "inline" and kind and tok.map:
            block = _block(raw, lines, tok, kind)
            if block is not None:
                blocks.append(block)
            kind = ""
    blocks.sort(key=lambda b: b.start)  # footnote definitions come last in the token stream
    return blocks


def markdown_text(raw: str) -> Normalized:
    """The reader's text of a whole Markdown snippet (its blocks joined by one space)."""
    return join((b.text for b in markdown_blocks(raw)), " ")


# --- one block ------------------------------------------------------------------------------


def _content_map(
    raw: str, lines: list[tuple[int, int]], first_line: int, last_line: int, content: str
) -> Normalized:
    """Map the inline token's ``content`` (its lines, markers and indentation stripped) to raw.

    Each content line is the end of a raw line of the block (lines ``first_line`` up to
    ``last_line``); lines that are all white space (stripped by the parser) are stepped over.
    """
    b = _Builder()
    j = first_line
    prev_end: int | None = None
    for i, cline in enumerate(content.split("\n")):
        while j < last_line and j + 1 < len(lines) and cline and cline not in raw[slice(*lines[j])]:
            j += 1
        ls, le = lines[min(j, len(lines) - 1)]
        if i:
            b.put("\n", prev_end if prev_end is not None else ls, ls)
        line = raw[ls:le]
        k = len(line) - len(cline) if line.endswith(cline) else line.rfind(cline)
        if cline and k >= 0 and line[k : k + len(cline)] == cline:
            b.copy(raw, ls + k, ls + k + len(cline))
        else:  # tabs expanded or the like: the whole line stands for it
            b.put(cline, ls, le)
        prev_end = le
        j += 1
    return _make("".join(b.pieces), b.segs)


def _block(raw: str, lines: list[tuple[int, int]], tok: Any, kind: str) -> MdBlock | None:
    content: str = tok.content
    if not content.strip():
        return None
    first, last_line = tok.map
    cmap = _content_map(raw, lines, first, last_line, content)
    ext, links = _walk(content, tok.children or [])
    text = compose(ext, cmap)
    if not text.text.strip():
        return None
    start = text.raw_start(0)
    ls = _line_start(lines, start)
    start = ls + (len(raw[ls:start]) - len(raw[ls:start].lstrip()))  # markers included
    last_char = text.raw_end(len(text.text))
    end = _line_end(raw, lines, max(last_char - 1, start))
    return MdBlock(kind, start, max(end, start), text, tuple(links))


def _line_start(lines: list[tuple[int, int]], offset: int) -> int:
    from bisect import bisect_right

    k = bisect_right([s for s, _ in lines], offset) - 1
    return lines[max(k, 0)][0]


def _line_end(raw: str, lines: list[tuple[int, int]], offset: int) -> int:
    """End of the line holding ``offset``, trailing white space left out (a closing ``#`` of a
    heading stays out only when the text ends before it)."""
    from bisect import bisect_right

    k = max(bisect_right([s for s, _ in lines], offset) - 1, 0)
    ls, le = lines[k]
    return ls + len(raw[ls:le].rstrip())


def _walk(content: str, children: list[Any]) -> tuple[Normalized, list[Link]]:
    """The reader's text of an inline token, mapped to offsets in ``content``."""
    b = _Builder()
    links: list[Link] = []
    open_links: list[tuple[int, str, bool]] = []
    cur = 0

    def at(s: str) -> int:
        i = content.find(s, cur)
        return cur if i < 0 else i

    for tok in children:
        t = tok.type
        if t == "text":
            i = at(tok.content)
            if content.startswith(tok.content, i):
                b.copy(content, i, i + len(tok.content))
            else:
                b.put(tok.content, i, i)
            cur = i + len(tok.content)
        elif t == "text_special":  # an escape (\*) or an entity (&amp;): decoded
            i = at(tok.markup)
            b.put(tok.content, i, i + len(tok.markup))
            cur = i + len(tok.markup)
        elif t in ("softbreak", "hardbreak"):
            i = at("\n")
            b.put("\n", i, i + 1)
            cur = i + 1
        elif t == "code_inline":
            cur = _code_span(content, at(tok.markup), tok.markup, b)
        elif (t.endswith("_open") and t[:-5] in ("em", "strong", "s")) or (
            t.endswith("_close") and t[:-6] in ("em", "strong", "s")
        ):
            cur = at(tok.markup) + len(tok.markup)
        elif t == "link_open":
            auto = tok.markup == "autolink"
            cur = at("<" if auto else "[") + 1
            open_links.append((b.n, str(tok.attrs.get("href", "")), auto))
        elif t == "link_close":
            start, href, auto = open_links.pop() if open_links else (b.n, "", False)
            cur = at(">") + 1 if auto else _after_link_tail(content, at("]") + 1)
            if b.n > start:
                links.append(Link(start, b.n, href))
        elif t == "image":
            i = at("![")
            cur = _after_link_tail(content, _matching_bracket(content, i + 1) + 1)
        elif t == "footnote_ref":
            i = at("[^")
            cur = content.find("]", i) + 1 or len(content)
        elif t == "html_inline":
            i = at(tok.content)
            if not is_markup_tag(tok.content):
                b.copy(content, i, i + len(tok.content))  # `<b and c>` is text, not a tag
            cur = i + len(tok.content)
        else:  # anything else this parser may add: its text, where it is
            if tok.content:
                i = at(tok.content)
                b.copy(content, i, i + len(tok.content))
                cur = i + len(tok.content)
    return _make("".join(b.pieces), b.segs), links


def _code_span(content: str, i: int, ticks: str, b: _Builder) -> int:
    """Copy a code span's text (backticks dropped, one padding space each side stripped)."""
    j = i + len(ticks)
    k = j
    while True:
        k = content.find(ticks, k)
        if k < 0:
            k = len(content)
            break
        if content[k + len(ticks) : k + len(ticks) + 1] != "`" and (
            k == j or content[k - 1] != "`"
        ):
            break
        k += 1
    a, z = j, k
    inner = content[a:z]
    if len(inner) >= 2 and inner[0] in " \n" and inner[-1] in " \n" and inner.strip(" \n"):
        a, z = a + 1, z - 1
    b.copy(content, a, z)
    return min(k + len(ticks), len(content))


def _matching_bracket(content: str, i: int) -> int:
    """Offset of the ``]`` closing the ``[`` at ``i`` (escapes and nesting respected)."""
    depth = 0
    k = i
    while k < len(content):
        c = content[k]
        if c == "\\":
            k += 2
            continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return k
        k += 1
    return len(content) - 1


def _after_link_tail(content: str, pos: int) -> int:
    """Skip ``(destination "title")`` or ``[label]`` after a link's closing bracket."""
    from markdown_it.helpers import parseLinkDestination, parseLinkTitle

    n = len(content)
    if content[pos : pos + 1] == "(":
        p = _skip_space(content, pos + 1)
        res = parseLinkDestination(content, p, n)
        if res.ok:
            p = _skip_space(content, res.pos)
            title = parseLinkTitle(content, p, n)
            if title.ok:
                p = _skip_space(content, title.pos)
        if content[p : p + 1] == ")":
            return p + 1
        close = content.find(")", pos)
        return close + 1 if close >= 0 else pos
    if content[pos : pos + 1] == "[":
        close = content.find("]", pos)
        return close + 1 if close >= 0 else pos
    return pos


def _skip_space(s: str, p: int) -> int:
    while p < len(s) and s[p] in " \t\n":
        p += 1
    return p


# --- inline HTML: a real tag, or text that looks like one -------------------------------------

_ELEMENTS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "big",
        "br",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "img",
        "ins",
        "kbd",
        "mark",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
        "wbr",
    ]
)
_BOOLEAN_ATTRS = frozenset(
    ["hidden", "disabled", "checked", "selected", "open", "reversed", "itemscope"]
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*)?)\s*(/?)>\Z", re.DOTALL)
_ATTR = re.compile(
    r"\s*([A-Za-z_:][-A-Za-z0-9_.:]*)(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?",
)


def is_markup_tag(html: str) -> bool:
    """Is this inline HTML a real tag (dropped from the text) rather than text in angle brackets?

    Comments and processing instructions are markup.  A tag is markup when it names an inline
    HTML element and every attribute has a value or is a known boolean one: ``<sup>``,
    ``<span class="x">``, ``</em>`` are tags; ``<b and c>`` is text.
    """
    if html.startswith(("<!--", "<?", "<![CDATA[")):
        return True
    m = _TAG.match(html)
    if not m or m.group(2).lower() not in _ELEMENTS:
        return False
    attrs = m.group(3)
    if m.group(1):  # a closing tag has no attributes
        return not attrs.strip()
    pos = 0
    for am in _iter_attrs(attrs):
        name, has_value, end = am
        if not has_value and name.lower() not in _BOOLEAN_ATTRS:
            return False
        pos = end
    return not attrs[pos:].strip()


def _iter_attrs(attrs: str) -> Iterator[tuple[str, bool, int]]:
    pos = 0
    while pos < len(attrs):
        m = _ATTR.match(attrs, pos)
        if not m or m.end() == pos:
            return
        yield m.group(1), "=" in m.group(), m.end()
        pos = m.end()
