"""What a reader sees in each gold-set source: prose paragraphs and their sentences.

This is the gold set's own reading of the sources, written apart from ``sphinx_karabakh.sources``
on purpose: the expectations must not inherit the matcher's idea of a paragraph, a sentence or
Markdown.  Markdown is read with markdown-it-py (CommonMark, tables on), and only paragraphs are
kept (not headings, tables, fences, HTML blocks); the visible text drops emphasis and link markup
and keeps code spans, literal ``*``/``<`` and escapes as rendered.  Plain text is split at blank
lines and at list markers, lines are joined with a space, and a hyphen at a line end is resolved
by the table ``SOFT_HYPHENS`` (a word broken across lines) or kept (a real compound).

What flows: ``sources.toml -> [Doc] -> Doc.paras: [Para(text, sentences, kinds, breaks)]``.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

#: Line-end hyphens that break one word (the hyphen is not part of it).  Every other line-end
#: hyphen in the plain-text sources joins a compound and stays (read by hand: make_gold.py lists
#: them with ``--hyphens``).
SOFT_HYPHENS = {("wor", "king")}

ABBREVIATIONS = {
    "e.g.",
    "i.e.",
    "etc.",
    "vs.",
    "cf.",
    "u.s.",
    "d.c.",
    "inc.",
    "ltd.",
    "mr.",
    "dr.",
    "a.k.a.",
    "approx.",
    "al.",
    "fig.",
    "sec.",
    "v.",
    "st.",
    "jr.",
    "sr.",
    "resp.",
    "ca.",
    "incl.",
    "esp.",
}

_LIST_MARK = re.compile(
    r"[ \t]*(?:[-*+]|[a-z]{1,2}\.|[a-z]\)|\d{1,3}[.)]|\(\d{1,3}\)|\([a-z]\))[ \t]+(?=\S)"
)
#: a line that is a bracketed note of its own ("[bug introduced in coreutils-9.0]")
_NOTE = re.compile(r"[ \t]*\[[^\]]*\]?[ \t]*$|[ \t]*\[[^\]]*$")
_RULE = re.compile(r"[ \t]*([-=*_~#])\1{2,}[ \t]*$")


@dataclass
class Para:
    source: str
    index: int  # order among this source's prose paragraphs
    text: str  # what a reader sees: markup gone, lines joined, one space between words
    kinds: set[str] = field(default_factory=set)  # em, strong, link, code, star, lt, escape, ...
    #: words made of a line-end hyphenation: (word as read, word as in the file with "-\n")
    breaks: list[tuple[str, str]] = field(default_factory=list)
    raw: str = ""  # the raw text of the block (plain text sources)
    #: raw Markdown of each inline piece, to type a quote "with its markup"
    md_pieces: list[tuple[str, str]] = field(default_factory=list)  # (visible, raw)
    #: per character of ``text``: True where the file has markup (emphasis, link, code span)
    flags: list[bool] = field(default_factory=list)

    def marked(self, start: int, end: int) -> bool:
        return any(self.flags[start:end])

    @property
    def sentences(self) -> list[str]:
        return split_sentences(self.text)

    def sentence_offsets(self) -> list[int]:
        """Where each sentence starts in ``text`` (sentences are joined by one space)."""
        out, pos = [], 0
        for s in self.sentences:
            out.append(pos)
            pos += len(s) + 1
        return out


@dataclass
class Doc:
    id: str
    path: Path
    format: str
    raw: str
    paras: list[Para]


def load_docs(directory: Path) -> list[Doc]:
    meta = tomllib.loads((directory / "sources.toml").read_text(encoding="utf-8"))
    docs = []
    for table in meta["source"]:
        path = directory / table["file"]
        raw = path.read_text(encoding="utf-8")
        fmt = table.get("format", "text")
        paras = (
            read_markdown(table["id"], raw) if fmt == "markdown" else read_text(table["id"], raw)
        )
        docs.append(Doc(table["id"], path, fmt, raw, paras))
    return docs


# --- plain text ------------------------------------------------------------------------------


def _blocks(raw: str) -> list[list[str]]:
    """Runs of non-blank lines, split again where a line starts with a list marker."""
    out: list[list[str]] = []
    for chunk in re.split(r"\n[ \t]*\n", raw):
        lines = [ln for ln in chunk.split("\n") if ln.strip()]
        cur: list[str] = []
        for ln in lines:
            if _RULE.match(ln):
                if cur:
                    out.append(cur)
                cur = []
                continue
            if (_LIST_MARK.match(ln) or _NOTE.match(ln)) and cur:
                out.append(cur)
                cur = []
            cur.append(ln)
        if cur:
            out.append(cur)
    return out


def _looks_like_prose(text: str) -> bool:
    words = text.split()
    if len(words) < 6:
        return False
    alpha = sum(1 for w in words if re.fullmatch(r"[(\"'`]*[A-Za-z][A-Za-z'’-]*[.,;:)\"'!?]*", w))
    return alpha / len(words) >= 0.6


def read_text(sid: str, raw: str) -> list[Para]:
    paras: list[Para] = []
    for lines in _blocks(raw):
        first = _LIST_MARK.sub("", lines[0], count=1) if _LIST_MARK.match(lines[0]) else lines[0]
        parts = [first.strip()] + [ln.strip() for ln in lines[1:]]
        if any(re.search(r"\S {3,}\S", ln.strip()) for ln in lines):
            continue  # columns: a table, a centred title, an aligned listing
        text = ""
        breaks: list[tuple[str, str]] = []
        for part in parts:
            if not text:
                text = part
                continue
            m = re.search(r"([A-Za-z]+)-$", text)
            n = re.match(r"([a-z]+)", part)
            if m and n and not text.endswith("--"):
                head, tail = m.group(1), n.group(1)
                rest = part[len(tail) :]
                word = head + tail if (head.lower(), tail) in SOFT_HYPHENS else head + "-" + tail
                text = text[: m.start()] + word + rest
                breaks.append((word, f"{head}-\n{tail}"))
                continue
            text += " " + part
        text = re.sub(r"\s+", " ", text).strip()
        if not _looks_like_prose(text):
            continue
        paras.append(Para(sid, len(paras), text, {"text"}, breaks, raw="\n".join(lines)))
    return paras


# --- Markdown --------------------------------------------------------------------------------

_MD = MarkdownIt("commonmark").enable("table")


def read_markdown(sid: str, raw: str) -> list[Para]:
    tokens = _MD.parse(raw)
    paras: list[Para] = []
    for i, tok in enumerate(tokens):
        if tok.type != "inline" or i == 0 or tokens[i - 1].type != "paragraph_open":
            continue
        kinds: set[str] = {"md"}
        pieces: list[tuple[str, str]] = []
        chars: list[str] = []  # visible characters
        flags: list[bool] = []  # does the file have markup on this character?
        depth = 0  # inside emphasis, strong or a link
        skip = False
        hrefs: list[str] = []
        for child in tok.children or []:
            t = child.type
            if t in ("text", "code_inline", "softbreak", "hardbreak"):
                if t == "code_inline":
                    kinds.add("code")
                    vis, rawp, marked = child.content, f"`{child.content}`", True
                elif t == "text":
                    vis, rawp, marked = child.content, child.content, depth > 0
                    for ch, kind in (("*", "star"), ("<", "lt"), ("_", "underscore"), ("&", "amp")):
                        if ch in vis:
                            kinds.add(kind)
                else:
                    vis, rawp, marked = " ", " ", False
                pieces.append((vis, rawp))
                chars.extend(vis)
                flags.extend([marked] * len(vis))
            elif t in ("em_open", "em_close", "strong_open", "strong_close"):
                kinds.add(t.split("_")[0])
                depth += 1 if t.endswith("open") else -1
                pieces.append(("", "**" if t.startswith("strong") else "*"))
            elif t == "link_open":
                kinds.add("link")
                depth += 1
                hrefs.append(str(child.attrs.get("href", "")))
                pieces.append(("", "["))
            elif t == "link_close":
                depth -= 1
                pieces.append(("", f"]({hrefs.pop() if hrefs else ''})"))
            else:  # html_inline, image: a reader does not see plain text there
                skip = True
                break
        if skip:
            continue
        text, tflags = _collapse(chars, flags)
        if "\\" in tok.content:
            kinds.add("escape")
        if not _looks_like_prose(text):
            continue
        paras.append(
            Para(sid, len(paras), text, kinds, [], raw=tok.content, md_pieces=pieces, flags=tflags)
        )
    return paras


def _collapse(chars: list[str], flags: list[bool]) -> tuple[str, list[bool]]:
    """Whitespace runs to one space, ends stripped, the flags kept in step."""
    out: list[str] = []
    oflags: list[bool] = []
    for ch, fl in zip(chars, flags, strict=True):
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                oflags.append(False)
            continue
        out.append(ch)
        oflags.append(fl)
    while out and out[-1] == " ":
        out.pop()
        oflags.pop()
    return "".join(out), oflags


# --- sentences -------------------------------------------------------------------------------

_END = re.compile(r"[.!?][\"'’”)\]]*$")


def is_abbreviation(token: str) -> bool:
    core = token.strip("\"'’”“(),;:").lower()
    return core in ABBREVIATIONS or bool(re.fullmatch(r"(?:[a-z]\.){2,}", core))


def sentence_end(token: str, nxt: str | None) -> bool:
    """Does ``token`` end a sentence, ``nxt`` being the next token?"""
    if nxt is None:
        return True
    if not _END.search(token):
        return False
    if is_abbreviation(token) or re.fullmatch(r"[(\"']*[A-Z]\.", token):
        return False
    if token.lower() in ("no.", "nos.") and nxt[:1].isdigit():
        return False  # "Grant No. 0757627"
    if re.search(r"\d\.$", token) and not re.search(r"[A-Za-z]", token):
        return False  # "1." "section 10." may be a list number or a number: not a clear end
    head = nxt.lstrip("\"'“‘(*_`[")
    return bool(head) and (head[0].isupper() or head[0].isdigit())


def split_sentences(text: str) -> list[str]:
    tokens = text.split(" ")
    out: list[str] = []
    cur: list[str] = []
    for i, tok in enumerate(tokens):
        cur.append(tok)
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if sentence_end(tok, nxt):
            out.append(" ".join(cur))
            cur = []
    if cur:
        out.append(" ".join(cur))
    return out


def canon(text: str) -> str:
    """What two readers would call the same words: NFC, case, quote marks, dashes, spaces."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"[‘’‚‛′`´“”„‟″«»‹›\"]", "'", text)
    text = re.sub("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]", "-", text)
    text = text.replace("…", "...")
    text = re.sub(r"\s+", " ", text)
    return text.casefold().strip()
