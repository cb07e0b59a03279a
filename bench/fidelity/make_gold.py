"""Make the quote-fidelity gold set: ``bench/fidelity/gold.jsonl`` from ``bench/fidelity/sources/``.

Each line is one typed quote with the verdict a careful human editor would give it::

    {"id": "number-changed:1a2b3c4d", "text": "...", "source": "gpl-3" | null,
     "expect": "verified" | "misquote" | "not-found", "category": "...", "note": "...",
     "checked": true | false}

The quotes are made from the sources as ``reader.py`` reads them (its own reading, not the
package's), by small named generators, one per category: an ACCEPT category changes only what an
editor may change (typography, the first letter, a marked elision that keeps every negation of
the sentences it keeps, an editorial bracket that adds no new fact); a REJECT category changes
one thing that alters what the source says (a number, a negation, a name, a verb, a word, where it
is from).  Every generator checks its own output: a misquote must not be in the source (in any
typography), an accepted elision's gap must hold no negation or restricting word; and ``audit``
refuses to write the set if an accepted quote's words, marks aside, are not in order in one
paragraph of its source.  Categories that
need judgement (a pronoun replaced by its referent, an elided clause that holds its own negation)
are written by hand in ``handmade.py`` and were all read against the source.  ``checked.txt``
lists the IDs of generated items that were read one by one and judged by hand (``--sample`` prints
a stratified sample to read).

Deterministic: every category draws from ``random.Random(f"{SEED}:{category}")``, so changing one
generator does not reshuffle the others.

Run: ``.venv/bin/python bench/fidelity/make_gold.py`` (``--hyphens`` lists every line-end hyphen
of the plain-text sources; ``--sample N --seed S`` prints N items per category to check by hand).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import random
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from handmade import HANDMADE  # noqa: E402
from reader import Doc, Para, canon, is_abbreviation, load_docs, split_sentences  # noqa: E402

SEED = 8
SOURCES = HERE / "sources"
OUT = HERE / "gold.jsonl"
CHECKED = HERE / "checked.txt"

# --- vocabulary ------------------------------------------------------------------------------

NEGATIONS = set(
    [
        "not",
        "no",
        "never",
        "none",
        "nobody",
        "nothing",
        "nowhere",
        "neither",
        "nor",
        "cannot",
        "without",
        "hardly",
        "barely",
        "scarcely",
    ]
)
#: Words whose loss from an elided part changes what the kept words claim (conditions,
#: exceptions, quantifiers, contrasts): an accepted elision never drops one.
RESTRICTING = set(
    [
        "only",
        "except",
        "unless",
        "if",
        "provided",
        "but",
        "however",
        "although",
        "though",
        "until",
        "whether",
        "or",
        "either",
        "instead",
        "rather",
        "excluding",
        "solely",
        "just",
        "merely",
        "least",
        "most",
        "more",
        "less",
        "than",
        "all",
        "any",
        "every",
        "some",
        "each",
        "few",
        "many",
        "fail",
        "fails",
        "failed",
        "failure",
        "lack",
        "lacks",
        "prior",
        "before",
        "after",
        "when",
        "whenever",
        "while",
        "once",
        "must",
        "shall",
        "may",
        "might",
        "should",
        "would",
        "could",
        "can",
        "cannot",
        "otherwise",
        "limited",
        "limit",
        "limits",
        "restrict",
        "restricted",
        "unlike",
        "against",
    ]
)


def is_negation(token: str) -> bool:
    w = _bare(token).lower()
    return w in NEGATIONS or w.endswith("n't") or w.endswith("n’t")


def _bare(token: str) -> str:
    return token.strip("\"'‘’“”`()[]{}.,;:!?*_")


#: Every pair read by hand: the second is the first with a negating prefix.
PREFIX_PAIRS = [
    ("supported", "unsupported"),
    ("known", "unknown"),
    ("valid", "invalid"),
    ("correct", "incorrect"),
    ("correctly", "incorrectly"),
    ("necessary", "unnecessary"),
    ("able", "unable"),
    ("likely", "unlikely"),
    ("safe", "unsafe"),
    ("set", "unset"),
    ("compatible", "incompatible"),
    ("complete", "incomplete"),
    ("enabled", "disabled"),
    ("enable", "disable"),
    ("allowed", "disallowed"),
    ("modified", "unmodified"),
    ("sorted", "unsorted"),
    ("quoted", "unquoted"),
    ("recognized", "unrecognized"),
    ("expected", "unexpected"),
    ("limited", "unlimited"),
    ("signed", "unsigned"),
    ("consistent", "inconsistent"),
    ("accessible", "inaccessible"),
    ("portable", "nonportable"),
    ("standard", "nonstandard"),
    ("empty", "nonempty"),
    ("existent", "nonexistent"),
    ("regular", "irregular"),
    ("legal", "illegal"),
    ("possible", "impossible"),
    ("usual", "unusual"),
    ("official", "unofficial"),
    ("available", "unavailable"),
    ("used", "unused"),
    ("handled", "unhandled"),
    ("resolved", "unresolved"),
    ("trusted", "untrusted"),
    ("appropriate", "inappropriate"),
    ("responsive", "unresponsive"),
    ("exclusive", "nonexclusive"),
    ("permitted", "unpermitted"),
    ("documented", "undocumented"),
    ("defined", "undefined"),
    ("escaped", "unescaped"),
]

#: A word replaced by another that says something else (read by hand: none is a synonym).
SWAPS = {
    "security": "safety",
    "public": "private",
    "private": "public",
    "first": "last",
    "last": "first",
    "before": "after",
    "after": "before",
    "always": "usually",
    "larger": "smaller",
    "smaller": "larger",
    "faster": "slower",
    "slower": "faster",
    "new": "old",
    "earlier": "later",
    "later": "earlier",
    "minimum": "maximum",
    "maximum": "minimum",
    "increase": "decrease",
    "increases": "decreases",
    "true": "false",
    "false": "true",
    "accept": "reject",
    "accepts": "rejects",
    "add": "remove",
    "adds": "removes",
    "added": "removed",
    "removed": "added",
    "read": "write",
    "reads": "writes",
    "include": "exclude",
    "includes": "excludes",
    "client": "server",
    "server": "client",
    "input": "output",
    "output": "input",
    "source": "binary",
    "free": "paid",
    "local": "remote",
    "remote": "local",
    "upper": "lower",
    "lower": "upper",
    "start": "end",
    "beginning": "end",
    "high": "low",
    "low": "high",
    "better": "worse",
    "best": "worst",
    "same": "different",
    "different": "same",
    "older": "newer",
    "newer": "older",
    "default": "optional",
    "required": "optional",
    "directly": "indirectly",
    "automatically": "manually",
    "immediately": "eventually",
    "often": "rarely",
    "rarely": "often",
    "large": "small",
    "small": "large",
    "long": "short",
    "short": "long",
    "full": "partial",
    "entire": "partial",
    "major": "minor",
    "minor": "major",
    "more": "fewer",
    "fewer": "more",
    "allow": "forbid",
    "allows": "forbids",
    "permits": "forbids",
    "grant": "deny",
    "grants": "denies",
    "enable": "disable",
    "enables": "disables",
    "supports": "drops",
    "inside": "outside",
    "above": "below",
    "below": "above",
    "internal": "external",
    "external": "internal",
    "written": "spoken",
    "patent": "trademark",
    "copyright": "trademark",
    "commercial": "academic",
    "users": "developers",
    "developers": "users",
    "team": "committee",
}

#: Verbs and modals replaced by another verb inside a bracket: "[allows]" for "prevents".
VERB_SWAPS = {
    "prevents": "allows",
    "prevent": "allow",
    "allows": "prevents",
    "allow": "prevent",
    "requires": "forbids",
    "require": "forbid",
    "permits": "prohibits",
    "permit": "prohibit",
    "grants": "revokes",
    "grant": "revoke",
    "includes": "omits",
    "include": "omit",
    "accepts": "rejects",
    "accept": "reject",
    "supports": "ignores",
    "support": "ignore",
    "adds": "removes",
    "add": "remove",
    "removes": "adds",
    "remove": "add",
    "creates": "deletes",
    "create": "delete",
    "enables": "disables",
    "disables": "enables",
    "fails": "succeeds",
    "succeeds": "fails",
    "may": "must",
    "must": "may",
    "shall": "may",
    "should": "must",
    "will": "might",
    "can": "must",
    "increases": "reduces",
    "reduces": "increases",
    "uses": "avoids",
    "use": "avoid",
    "ignores": "honors",
    "rejects": "accepts",
    "reports": "hides",
    "report": "hide",
    "warns": "errs",
    "keeps": "drops",
    "preserves": "discards",
}

#: Names replaced by another name (brand, platform, language): "[Turkish]" for "Russian".
NAME_SWAPS = {
    "Linux": "Windows",
    "Windows": "Linux",
    "macOS": "Windows",
    "Solaris": "AIX",
    "Node.js": "Deno",
    "Python": "Ruby",
    "npm": "Yarn",
    "GitHub": "GitLab",
    "Google": "Microsoft",
    "Git": "Mercurial",
    "git": "hg",
    "Apache": "Mozilla",
    "Mozilla": "Apache",
    "JSON": "YAML",
    "HTTP": "FTP",
    "HTTPS": "SSH",
    "POSIX": "Win32",
    "GNU": "BSD",
    "Bash": "Zsh",
    "bash": "zsh",
    "OpenJS": "Linux",
    "TSC": "board",
    "Licensor": "Licensee",
    "Contributor": "Licensor",
    "Free Software Foundation": "Open Source Initiative",
    "V8": "SpiderMonkey",
    "Emacs": "Vim",
    "emacs": "vi",
    "readline": "libedit",
    "SELinux": "AppArmor",
    "APFS": "NTFS",
    "UTF-8": "Latin-1",
    "numpy": "pandas",
    "dataclass": "namedtuple",
    "Electron": "NW.js",
    "Visual Studio": "Xcode",
    "Xcode": "Visual Studio",
    "Sphinx": "MkDocs",
    "HackerOne": "Bugcrowd",
}

SMALL_NUMBERS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
]
#: Tense adaptations inside a bracket: the same verb, another tense.
TENSES = {"is": "was", "are": "were", "has": "had", "does": "did", "was": "is", "were": "are"}
#: Auxiliaries after which "not" can be inserted.
AUXILIARIES = set(
    [
        "is",
        "are",
        "was",
        "were",
        "may",
        "must",
        "can",
        "will",
        "shall",
        "should",
        "would",
        "could",
        "does",
        "do",
        "did",
        "has",
        "have",
    ]
)
ADDED_WORDS = ["only", "always", "also", "usually", "all", "new", "very", "often"]
ELISION_MARKS = ["[...]", "[…]", "…", "..."]
#: Subordinators that open a non-restrictive aside, which may be elided whole.
ASIDE_OPENERS = {
    "which",
    "who",
    "whose",
    "for",  # "for example", "for instance"
    "e.g.",
    "e.g.,",
    "i.e.",
    "i.e.,",
    "such",  # "such as"
    "including",
    "like",
    "also",
    "in",  # "in particular", "in practice"
    "as",  # "as well as", "as of"
    "respectively",
    "typically",
    "usually",
    "currently",
    "by",
    "with",
}


# --- items -----------------------------------------------------------------------------------


@dataclass
class Item:
    text: str
    source: str | None
    expect: str
    category: str
    note: str = ""
    checked: bool = False

    @property
    def id(self) -> str:
        h = hashlib.sha1(f"{self.source}\0{self.text}".encode()).hexdigest()[:8]
        return f"{self.category}:{h}"

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "text": self.text,
            "source": self.source,
            "expect": self.expect,
            "category": self.category,
            "note": self.note,
            "checked": self.checked,
        }


@dataclass
class Sent:
    doc: Doc
    para: Para
    index: int  # sentence index in its paragraph
    text: str
    offset: int  # where it starts in ``para.text``

    @property
    def tokens(self) -> list[str]:
        return self.text.split(" ")

    def char_span(self, i: int, j: int) -> tuple[int, int]:
        """Offsets in ``para.text`` of words i..j of this sentence."""
        toks = self.tokens
        start = self.offset + sum(len(t) + 1 for t in toks[:i])
        end = start + len(" ".join(toks[i:j]))
        return start, end


class Corpus:
    """The docs, their sentences, and the look-ups the generators need."""

    def __init__(self, docs: list[Doc]):
        self.docs = docs
        self.by_id = {d.id: d for d in docs}
        self.sents: list[Sent] = []
        self.para_sents: dict[tuple[str, int], list[Sent]] = {}
        for d in docs:
            for p in d.paras:
                ss = [
                    Sent(d, p, i, s, off)
                    for i, (s, off) in enumerate(
                        zip(p.sentences, p.sentence_offsets(), strict=True)
                    )
                ]
                self.para_sents[(d.id, p.index)] = ss
                self.sents.extend(ss)
        # everything a reader could see, per source, in canonical form (for "is it there?")
        self._canon: dict[str, str] = {}
        for d in docs:
            visible = " \n ".join(p.text for p in d.paras)
            rough = re.sub(r"[*_`]", "", d.raw)
            self._canon[d.id] = canon(visible) + "\n" + canon(rough) + "\n" + canon(d.raw)
        self.all_canon = "\n".join(self._canon.values())
        words: set[str] = set()
        for s in self.sents:
            words.update(_bare(t).lower() for t in s.tokens)
        self.vocab = words

    def in_source(self, text: str, sid: str | None) -> bool:
        c = canon(text)
        hay = self._canon[sid] if sid else self.all_canon
        return c in hay

    def clean(self, sent: Sent, min_tokens: int = 6) -> bool:
        """A sentence a generator may cut spans from without meeting source-side oddities."""
        toks = sent.tokens
        if len(toks) < min_tokens:
            return False
        bad = re.compile(r"[\[\]{}|]|\.\.\.|…|https?:|@|\\|^[-*+#>]+$|^:-")
        if any(bad.search(t) for t in toks):
            return False
        hyph = [w for w, _ in sent.para.breaks]
        if any(w in t for w in hyph for t in toks):
            return False
        if sent.doc.id.startswith("xz-thanks"):
            return False
        return not any(ord(c) > 0x2FFF for c in sent.text)  # emoji, CJK


#: Words a quote does not end on (nobody quotes "... next steps that the").
WEAK_ENDS = set(
    [
        "the",
        "a",
        "an",
        "of",
        "to",
        "and",
        "or",
        "that",
        "with",
        "for",
        "in",
        "on",
        "by",
        "as",
        "at",
        "from",
        "which",
        "what",
        "whose",
        "its",
        "their",
    ]
)


def end_ok(token: str) -> bool:
    return edge_ok(token) and token.lower() not in WEAK_ENDS


def edge_ok(token: str) -> bool:
    t = token.rstrip(".,;:")
    return bool(re.fullmatch(r"[A-Za-z0-9][\w'’.+/#-]*[A-Za-z0-9)]|[A-Za-z0-9]", t)) and (
        t.count("(") == t.count(")")
    )


def join(tokens: Iterable[str], last: bool = True) -> str:
    text = " ".join(tokens)
    return text.rstrip(",;:") if last else text


def spans(
    sent: Sent, rng: random.Random, lo: int, hi: int, tries: int = 12
) -> Iterator[tuple[int, int]]:
    """Random ``[i, j)`` word spans of ``sent`` with clean edges, ``lo..hi`` words long."""
    toks = sent.tokens
    n = len(toks)
    for _ in range(tries):
        length = rng.randint(lo, min(hi, n))
        if length > n:
            continue
        i = rng.randint(0, n - length)
        j = i + length
        if edge_ok(toks[i]) and end_ok(toks[j - 1]):
            yield i, j


def round_robin(cands: list[Item], n: int, rng: random.Random) -> list[Item]:
    """``n`` items spread over sources (shuffled within each), no duplicate texts."""
    by_src: dict[str | None, list[Item]] = defaultdict(list)
    seen: set[tuple[str | None, str]] = set()
    for it in cands:
        key = (it.source, it.text)
        if key not in seen:
            seen.add(key)
            by_src[it.source].append(it)
    for lst in by_src.values():
        rng.shuffle(lst)
    keys = sorted(by_src, key=lambda k: k or "")
    rng.shuffle(keys)
    out: list[Item] = []
    while len(out) < n and any(by_src.values()):
        for k in keys:
            if by_src[k] and len(out) < n:
                out.append(by_src[k].pop())
    return out


GENERATORS: list[tuple[str, int, Callable[[Corpus, random.Random], list[Item]]]] = []


def generator(category: str, count: int):
    def deco(fn):
        GENERATORS.append((category, count, fn))
        return fn

    return deco


def _sents(
    c: Corpus, rng: random.Random, fmt: str | None = None, min_tokens: int = 6
) -> list[Sent]:
    out = [s for s in c.sents if c.clean(s, min_tokens) and (fmt is None or s.doc.format == fmt)]
    rng.shuffle(out)
    return out


# --- ACCEPT: verbatim and re-typeset -----------------------------------------------------------


def _markup_free(sent: Sent, i: int, j: int) -> bool:
    return "md" not in sent.para.kinds or not _covers_markup(sent, i, j)


def _covers_markup(sent: Sent, i: int, j: int) -> bool:
    """Do words i..j of a Markdown sentence carry emphasis, a link or code in the file?"""
    return sent.para.marked(*sent.char_span(i, j))


@generator("exact-text", 90)
def gen_exact_text(c, rng):
    out = []
    for s in _sents(c, rng, "text"):
        for i, j in spans(s, rng, 5, 25, 2):
            out.append(
                Item(
                    join(s.tokens[i:j]),
                    s.doc.id,
                    "verified",
                    "exact-text",
                    "verbatim words of one sentence",
                )
            )
    return out


@generator("exact-md", 80)
def gen_exact_md(c, rng):
    out = []
    for s in _sents(c, rng, "markdown"):
        for i, j in spans(s, rng, 5, 25, 2):
            if _markup_free(s, i, j):
                out.append(
                    Item(
                        join(s.tokens[i:j]),
                        s.doc.id,
                        "verified",
                        "exact-md",
                        "verbatim words of one sentence, no markup inside",
                    )
                )
    return out


@generator("sentence", 50)
def gen_sentence(c, rng):
    out = []
    for s in _sents(c, rng, None, 8):
        if len(s.tokens) <= 60 and edge_ok(s.tokens[0]) and _markup_free(s, 0, len(s.tokens)):
            out.append(Item(s.text, s.doc.id, "verified", "sentence", "one whole sentence"))
    return out


@generator("two-sentences", 30)
def gen_two(c, rng):
    out = []
    for ss in c.para_sents.values():
        for a, b in itertools.pairwise(ss):
            if (
                c.clean(a, 5)
                and c.clean(b, 5)
                and len(a.tokens) + len(b.tokens) <= 70
                and _markup_free(a, 0, len(a.tokens))
                and _markup_free(b, 0, len(b.tokens))
            ):
                out.append(
                    Item(
                        a.text + " " + b.text,
                        a.doc.id,
                        "verified",
                        "two-sentences",
                        "two consecutive sentences",
                    )
                )
    return out


def _smart_quotes(text: str) -> str:
    out = []
    for k, ch in enumerate(text):
        prev = text[k - 1] if k else " "
        if ch == '"':
            out.append("“" if prev in " ([" else "”")
        elif ch == "'" or ch == "`":
            out.append("‘" if prev in " ([" else "’")
        else:
            out.append(ch)
    return "".join(out)


@generator("retypeset-quotes", 50)
def gen_quotes(c, rng):
    out = []
    for s in _sents(c, rng):
        for i, j in spans(s, rng, 4, 25, 6):
            text = join(s.tokens[i:j])
            if not re.search("[\"'`]", text) or not _markup_free(s, i, j):
                continue
            if rng.random() < 0.7:
                typed, note = _smart_quotes(text), "straight quotes and apostrophes typed curly"
            else:
                typed, note = (
                    text.replace("'", "’").replace('"', "”"),
                    "apostrophes and quotes as ’ ”",
                )
            if typed != text:
                if rng.random() < 0.3:
                    typed, note = f"“{typed}”", note + ", the whole quote in “…”"
                out.append(Item(typed, s.doc.id, "verified", "retypeset-quotes", note))
    # curly in the source, straight typed
    for s in _sents(c, rng):
        if re.search("[‘’“”]", s.text) and _markup_free(s, 0, len(s.tokens)):
            typed = re.sub("[‘’]", "'", re.sub("[“”]", '"', s.text))
            out.append(
                Item(
                    typed,
                    s.doc.id,
                    "verified",
                    "retypeset-quotes",
                    "curly quotes of the source typed straight",
                )
            )
    return out


@generator("retypeset-dashes", 40)
def gen_dashes(c, rng):
    out = []
    for s in _sents(c, rng):
        if not _markup_free(s, 0, len(s.tokens)):
            continue
        t = s.text
        if re.search(r"(?<![\w-])[A-Za-z]{2,}--[A-Za-z]{2,}(?![\w-])", t):  # prose: "program--to"
            out.append(
                Item(
                    re.sub(r"(?<![\w-])([A-Za-z]{2,})--([A-Za-z]{2,})(?![\w-])", "\\1—\\2", t),
                    s.doc.id,
                    "verified",
                    "retypeset-dashes",
                    "'--' typed as an em dash",
                )
            )
        if " -- " in t:
            sub = rng.choice(["—", " — ", " – "])
            out.append(
                Item(
                    t.replace(" -- ", sub),
                    s.doc.id,
                    "verified",
                    "retypeset-dashes",
                    f"' -- ' typed as {sub.strip()!r}",
                )
            )
        if " - " in t:
            out.append(
                Item(
                    t.replace(" - ", " — "),
                    s.doc.id,
                    "verified",
                    "retypeset-dashes",
                    "a spaced hyphen typed as an em dash",
                )
            )
        ranges = [
            k
            for k, tok in enumerate(s.tokens)
            if (m := re.fullmatch(r"\(?(\d{1,4})-(\d{1,4})[a-z%]{0,2}\)?[.,;:]?", tok))
            and int(m.group(1)) < int(m.group(2))
            and not re.fullmatch(r"[A-Z]{2,}", s.tokens[k - 1] if k else "")
        ]
        if ranges:
            toks = list(s.tokens)
            for k in ranges:
                toks[k] = toks[k].replace("-", "–")
            out.append(
                Item(
                    " ".join(toks),
                    s.doc.id,
                    "verified",
                    "retypeset-dashes",
                    "a number range typed with an en dash",
                )
            )
        compounds = [
            k for k, tok in enumerate(s.tokens) if re.fullmatch(r"[a-z]{3,}-[a-z]{3,}[.,;:]?", tok)
        ]
        if compounds and rng.random() < 0.5:
            k = rng.choice(compounds)
            toks = list(s.tokens)
            dash = rng.choice(["\u2010", "\u2011"])
            toks[k] = toks[k].replace("-", dash)
            name = "a Unicode hyphen" if dash == "\u2010" else "a non-breaking hyphen"
            out.append(
                Item(
                    " ".join(toks),
                    s.doc.id,
                    "verified",
                    "retypeset-dashes",
                    f"the hyphen of {s.tokens[k]!r} typed as {name}",
                )
            )
        if "—" in t or "–" in t:
            out.append(
                Item(
                    t.replace("—", "--").replace("–", "-"),
                    s.doc.id,
                    "verified",
                    "retypeset-dashes",
                    "the source's dash typed as hyphens",
                )
            )
    return out


@generator("retypeset-whitespace", 40)
def gen_ws(c, rng):
    out = []
    for s in _sents(c, rng, None, 8):
        for i, j in spans(s, rng, 8, 30, 1):
            if not _markup_free(s, i, j):
                continue
            toks = s.tokens[i:j]
            k = rng.randint(1, len(toks) - 1)
            style = rng.choice(["newline", "double", "nbsp", "indent"])
            if style == "newline":
                typed = " ".join(toks[:k]) + "\n" + " ".join(toks[k:])
            elif style == "double":
                typed = " ".join(toks[:k]) + "  " + " ".join(toks[k:])
            elif style == "nbsp":
                typed = " ".join(toks[:k]) + "\u00a0" + " ".join(toks[k:])
            else:
                typed = " ".join(toks[:k]) + "\n    " + " ".join(toks[k:])
            out.append(
                Item(
                    join([typed]),
                    s.doc.id,
                    "verified",
                    "retypeset-whitespace",
                    f"words as in the source, {style} between two of them",
                )
            )
    # the raw lines of a hard-wrapped paragraph, copied with their line breaks and indent
    for d in c.docs:
        if d.format != "text":
            continue
        for p in d.paras:
            lines = p.raw.split("\n")
            if (
                len(lines) >= 3
                and not p.breaks
                and all(edge_ok(x.split()[0]) for x in lines[1:3] if x.split())
            ):
                typed = "\n".join(lines[1:3])
                if not re.search(r"[\[\]]|\.\.\.|https?:", typed) and len(typed.split()) >= 6:
                    out.append(
                        Item(
                            typed.strip(),
                            d.id,
                            "verified",
                            "retypeset-whitespace",
                            "two source lines copied with their line break and indent",
                        )
                    )
    return out


@generator("case-bracket", 40)
def gen_case_bracket(c, rng):
    out = []
    for s in _sents(c, rng, None, 8):
        toks = s.tokens
        if not _markup_free(s, 0, len(toks)):
            continue
        # a quote that starts mid-sentence: "[T]he ..."
        starts = [k for k in range(1, len(toks) - 5) if re.fullmatch(r"[a-z]{3,}", toks[k])]
        if starts:
            k = rng.choice(starts)
            j = min(len(toks), k + rng.randint(5, 20))
            if edge_ok(toks[j - 1]):
                w = toks[k]
                typed = f"[{w[0].upper()}]{w[1:]} " + join(toks[k + 1 : j])
                out.append(
                    Item(
                        typed,
                        s.doc.id,
                        "verified",
                        "case-bracket",
                        f"first letter capitalised in brackets ({w!r})",
                    )
                )
        # a sentence start lower-cased: "[t]he ..."
        w = toks[0]
        if re.fullmatch(r"[A-Z][a-z]+", w) and len(toks) >= 6:
            j = min(len(toks), rng.randint(6, 20))
            if edge_ok(toks[j - 1]):
                typed = f"[{w[0].lower()}]{w[1:]} " + join(toks[1:j])
                out.append(
                    Item(
                        typed,
                        s.doc.id,
                        "verified",
                        "case-bracket",
                        f"first letter lower-cased in brackets ({w!r})",
                    )
                )
    return out


@generator("case-first-letter", 20)
def gen_case_silent(c, rng):
    out = []
    for s in _sents(c, rng, None, 8):
        toks = s.tokens
        if not _markup_free(s, 0, len(toks)):
            continue
        starts = [k for k in range(1, len(toks) - 5) if re.fullmatch(r"[a-z]{4,}", toks[k])]
        if starts:
            k = rng.choice(starts)
            j = min(len(toks), k + rng.randint(5, 20))
            if edge_ok(toks[j - 1]):
                w = toks[k]
                typed = w[0].upper() + w[1:] + " " + join(toks[k + 1 : j])
                out.append(
                    Item(
                        typed,
                        s.doc.id,
                        "verified",
                        "case-first-letter",
                        "first letter capitalised without brackets (allowed: only the first letter)",
                    )
                )
    return out


# --- ACCEPT: elisions ------------------------------------------------------------------------


NEGATED_PREFIXED = {b for _, b in PREFIX_PAIRS}


def _gap_ok(tokens: list[str]) -> bool:
    """May these words be left out of a kept sentence?  No negation, nothing restricting."""
    for t in tokens:
        w = _bare(t).lower()
        if is_negation(t) or w in RESTRICTING or w in NEGATED_PREFIXED:
            return False
    return True


#: Every word of the sources (lower case), filled by ``build``.
c_vocab_plain: set[str] = set()


def _asides(toks: list[str]) -> Iterator[tuple[int, int]]:
    """``(i, j)``: toks[i:j] is an aside set off by commas or parentheses."""
    n = len(toks)
    for i in range(2, n - 3):
        t = toks[i]
        if t.startswith("("):
            for j in range(i, min(n - 2, i + 14)):
                if toks[j].endswith(")") or toks[j].endswith("),"):
                    if toks[j].count(")") == 1 and all("(" not in x for x in toks[i + 1 : j + 1]):
                        yield i, j + 1
                    break
        elif toks[i - 1].endswith(",") and _bare(t).lower() in ASIDE_OPENERS:
            for j in range(i, min(n - 2, i + 14)):
                if toks[j].endswith(","):
                    yield i, j + 1
                    break
                if re.search(r"[.;:!?)]$", toks[j]):
                    break


@generator("elision-aside", 80)
def gen_elision_aside(c, rng):
    out = []
    for s in _sents(c, rng, None, 10):
        toks = s.tokens
        if not _markup_free(s, 0, len(toks)):
            continue
        for i, j in _asides(toks):
            a = max(0, i - rng.randint(3, 12))
            b = min(len(toks), j + rng.randint(3, 12))
            if not edge_ok(toks[a]) or not end_ok(toks[b - 1]) or j - i < 2 or b - j < 3:
                continue
            if not re.match(r"[a-z]{2,}", toks[j]):  # the words after the aside start a phrase
                continue
            gap = toks[i:j]
            if not _gap_ok(gap):
                continue
            left = join(toks[a:i], last=False)
            # the comma before a comma-aside stays with the left part or goes: both are usual
            if not toks[i].startswith("(") and rng.random() < 0.5:
                left = left.rstrip(",")
            mark = rng.choice(ELISION_MARKS)
            typed = f"{left} {mark} {join(toks[j:b])}"
            out.append(
                Item(
                    typed,
                    s.doc.id,
                    "verified",
                    "elision-aside",
                    f"elides the aside {' '.join(gap)!r}",
                )
            )
    return out


def _clean_boundary(prev: Sent, nxt: Sent) -> bool:
    last = prev.tokens[-1]
    first = nxt.tokens[0]
    return (
        bool(re.fullmatch(r"[a-z][a-z]{2,}[.!?]", last) or re.fullmatch(r"[a-z]{3,}\)?[.!?]", last))
        and not is_abbreviation(last)
        and bool(re.fullmatch(r"[A-Z][a-z]+,?", first))
    )


def _sentence_elisions(c: Corpus, rng: random.Random, with_negation: bool) -> list[Item]:
    out = []
    cat = "elision-sentence-negation" if with_negation else "elision-sentence"
    for ss in c.para_sents.values():
        for k in range(len(ss) - 2):
            a, mid, b = ss[k], ss[k + 1], ss[k + 2]
            if not (c.clean(a, 5) and c.clean(b, 5)) or len(mid.tokens) < 4:
                continue
            if not (_clean_boundary(a, mid) and _clean_boundary(mid, b)):
                continue
            if not (_markup_free(a, 0, len(a.tokens)) and _markup_free(b, 0, len(b.tokens))):
                continue
            neg = [t for t in mid.tokens if is_negation(t)]
            if bool(neg) != with_negation:
                continue
            mark = rng.choice(ELISION_MARKS)
            typed = f"{a.text} {mark} {b.text}"
            note = "elides the whole sentence between" + (
                f" (it holds {_bare(neg[0])!r})" if neg else ""
            )
            out.append(Item(typed, a.doc.id, "verified", cat, note))
    return out


@generator("elision-sentence", 40)
def gen_elision_sentence(c, rng):
    return _sentence_elisions(c, rng, False)


@generator("elision-sentence-negation", 40)
def gen_elision_sentence_neg(c, rng):
    return _sentence_elisions(c, rng, True)


# --- ACCEPT: brackets ------------------------------------------------------------------------

#: Misspellings in the sources themselves, for "[sic]".
TYPOS = [
    "capabilties",
    "parellel",
    "stricly",
    "forgot",
    "acounts",
    "seperate",
    "occured",
    "recieve",
    "wich",
    "thier",
]


@generator("bracket-sic", 20)
def gen_sic(c, rng):
    out = []
    for s in _sents(c, rng):
        toks = s.tokens
        for k, t in enumerate(toks):
            if _bare(t).lower() in TYPOS and k > 0:
                a = max(0, k - rng.randint(3, 8))
                b = min(len(toks), k + 1 + rng.randint(2, 8))
                if edge_ok(toks[a]) and edge_ok(toks[b - 1]) and _markup_free(s, a, b):
                    typed = join(toks[a : k + 1], last=False) + " [sic] " + join(toks[k + 1 : b])
                    out.append(
                        Item(
                            typed,
                            s.doc.id,
                            "verified",
                            "bracket-sic",
                            f"[sic] after the source's own spelling {t!r}",
                        )
                    )
    for s in _sents(c, rng, None, 8)[:200]:
        for i, j in spans(s, rng, 6, 18, 1):
            if not _markup_free(s, i, j):
                continue
            k = rng.randint(i + 1, j - 2)
            if re.fullmatch(r"[a-z]{4,}", s.tokens[k]):
                typed = (
                    join(s.tokens[i : k + 1], last=False) + " [sic] " + join(s.tokens[k + 1 : j])
                )
                out.append(
                    Item(
                        typed,
                        s.doc.id,
                        "verified",
                        "bracket-sic",
                        "[sic] after a word (it adds no words)",
                    )
                )
    return out


@generator("bracket-emphasis", 15)
def gen_emphasis(c, rng):
    out = []
    for s in _sents(c, rng, None, 8)[:300]:
        for i, j in spans(s, rng, 6, 20, 1):
            if not _markup_free(s, i, j):
                continue
            base = join(s.tokens[i:j])
            style = rng.choice(["end", "end-paren", "stars"])
            if style == "end":
                typed = base + " [emphasis added]"
            elif style == "end-paren":
                typed = base + " [emphasis mine]"
            else:
                toks = s.tokens[i:j]
                k = rng.randint(1, len(toks) - 2)
                if not re.fullmatch(r"[A-Za-z]+", toks[k]):
                    continue
                toks = [*toks[:k], f"*{toks[k]}*", *toks[k + 1 :]]
                typed = join(toks) + " [emphasis added]"
            out.append(
                Item(
                    typed, s.doc.id, "verified", "bracket-emphasis", f"an editorial mark ({style})"
                )
            )
    return out


def _stem(word: str) -> str | None:
    """'pushing' -> 'push', 'making' -> 'make', 'running' -> 'run' (checked against the vocabulary)."""
    if not word.endswith("ing") or len(word) < 6:
        return None
    base = word[:-3]
    cands = [base, base + "e"]
    if len(base) >= 2 and base[-1] == base[-2]:
        cands.insert(0, base[:-1])
    for cand in cands:
        if cand in c_vocab_plain and len(cand) >= 3:
            return cand
    return None


@generator("bracket-grammar", 30)
def gen_grammar(c, rng):
    out = []
    for s in _sents(c, rng, None, 8):
        toks = s.tokens
        if not _markup_free(s, 0, len(toks)):
            continue
        for k in range(2, len(toks) - 2):
            w = toks[k]
            core = _bare(w)
            stem = _stem(core) if core == w and core.islower() else None
            if stem and toks[k - 1].lower() in (
                "from",
                "for",
                "of",
                "by",
                "about",
                "avoid",
                "when",
                "while",
                "in",
            ):
                # the writer's sentence supplies the grammar: "... wanted [to publish] results"
                b = min(len(toks), k + 1 + rng.randint(3, 9))
                if b - k >= 3 and end_ok(toks[b - 1]):
                    typed = f"[to {stem}] " + join(toks[k + 1 : b])
                    out.append(
                        Item(
                            typed,
                            s.doc.id,
                            "verified",
                            "bracket-grammar",
                            f"[to {stem}] for {core!r}: the same verb, another form",
                        )
                    )
            if w in TENSES and k >= 2:
                a = max(0, k - rng.randint(2, 6))
                b = min(len(toks), k + 1 + rng.randint(3, 8))
                if edge_ok(toks[a]) and edge_ok(toks[b - 1]):
                    typed = join(toks[a:k], last=False) + f" [{TENSES[w]}] " + join(toks[k + 1 : b])
                    out.append(
                        Item(
                            typed,
                            s.doc.id,
                            "verified",
                            "bracket-grammar",
                            f"[{TENSES[w]}] for {w!r}: the same verb, another tense",
                        )
                    )
    return out


# --- ACCEPT: line-end hyphens, Unicode, Markdown ------------------------------------------------


@generator("hyphen-linebreak-joined", 100)
def gen_hyphen_joined(c, rng):
    return gen_hyphen(c, rng)


@generator("hyphen-linebreak", 100)
def gen_hyphen(c, rng):
    out = []
    for d in c.docs:
        for p in d.paras:
            toks = p.text.split(" ")
            for word, rawform in p.breaks:
                for k, t in enumerate(toks):
                    if word not in _bare(t):
                        continue
                    a, b = max(0, k - 4), min(len(toks), k + 5)
                    while a < k and not edge_ok(toks[a]):
                        a += 1
                    while b > k + 1 and not end_ok(toks[b - 1]):
                        b -= 1
                    left, right = join(toks[a:k], last=False), join(toks[k + 1 : b])
                    head, tail = rawform.split("-\n")
                    soft = "-" not in word
                    out.append(
                        Item(
                            f"{left} {t} {right}".strip(),
                            d.id,
                            "verified",
                            "hyphen-linebreak",
                            f"the word as read ({word!r}, broken at a line end in the file)",
                        )
                    )
                    if not soft:
                        joined = t.replace(word, head + tail)
                        out.append(
                            Item(
                                f"{left} {joined} {right}".strip(),
                                d.id,
                                "verified",
                                "hyphen-linebreak-joined",
                                f"the line-end hyphen of the compound {word!r} left out: a reader of the file cannot tell, so issue 8 accepts both spellings",
                            )
                        )
                    break
    return out


def _nfd_words(text: str) -> bool:
    return unicodedata.normalize("NFD", text) != text


@generator("unicode-nfc-nfd", 40)
def gen_unicode(c, rng):
    out = []
    for d in c.docs:
        lines = [ln.strip() for ln in d.raw.split("\n")]
        for ln in lines:
            ln_nfc = unicodedata.normalize("NFC", ln)
            if not _nfd_words(ln_nfc) or len(ln_nfc) > 200:
                continue
            name = re.sub(r"^[-*]\s+", "", ln_nfc)
            name = re.sub(r"\s*<[^>]*>.*$", "", name)  # e-mail and what follows
            name = re.sub(r"^\[[^\]]*\]\([^)]*\)\s*-\s*", "", name)  # node README: [handle](url) -
            name = name.replace("**", "").strip()
            name = re.sub(r"\s*\(.*$", "", name)
            if (
                not name
                or len(name.split()) < 2
                or not _nfd_words(name)
                or re.search(r"[\[\]()<>*`|]", name)
            ):
                continue
            visible = unicodedata.normalize("NFC", " ".join(p.text for p in d.paras))
            if d.format == "markdown" and name not in visible:
                continue  # a code block or a table: not prose a reader quotes (issue 8)
            if d.raw.find(unicodedata.normalize("NFD", name)) >= 0:
                out.append(
                    Item(
                        name,
                        d.id,
                        "verified",
                        "unicode-nfc-nfd",
                        "NFC typed, the source file is NFD",
                    )
                )
            elif d.raw.find(name) >= 0:
                out.append(
                    Item(
                        unicodedata.normalize("NFD", name),
                        d.id,
                        "verified",
                        "unicode-nfc-nfd",
                        "NFD typed, the source file is NFC",
                    )
                )
    return out


@generator("md-markup-removed", 100)
def gen_md_stripped(c, rng):
    out = []
    for s in _sents(c, rng, "markdown"):
        for i, j in spans(s, rng, 4, 25, 8):
            if _covers_markup(s, i, j):
                kinds = sorted(s.para.kinds & {"em", "strong", "link", "code"})
                out.append(
                    Item(
                        join(s.tokens[i:j]),
                        s.doc.id,
                        "verified",
                        "md-markup-removed",
                        "typed as rendered; the file has markup inside (" + ", ".join(kinds) + ")",
                    )
                )
                break
    return out


@generator("md-literal", 40)
def gen_md_literal(c, rng):
    out = []
    for s in c.sents:
        if s.doc.format != "markdown" or not ({"star", "lt", "underscore", "amp"} & s.para.kinds):
            continue
        toks = s.tokens
        for k, t in enumerate(toks):
            if re.search(r"[*<>&]|\w_\w", t) and not re.search(r"https?:|@|[\[\]]|\\", t):
                a = max(0, k - rng.randint(2, 6))
                b = min(len(toks), k + 1 + rng.randint(2, 6))
                while a < k and not edge_ok(toks[a]):
                    a += 1
                while b > k + 1 and not end_ok(toks[b - 1]):
                    b -= 1
                typed = join(toks[a:b])
                if len(typed.split()) >= 3:
                    out.append(
                        Item(
                            typed,
                            s.doc.id,
                            "verified",
                            "md-literal",
                            f"keeps the literal characters of {t!r} as rendered",
                        )
                    )
    return out


@generator("md-typed-markup", 20)
def gen_md_typed(c, rng):
    out = []
    for d in c.docs:
        if d.format != "markdown":
            continue
        for p in d.paras:
            if not ({"em", "strong", "link", "code"} & p.kinds) or len(p.text.split()) > 40:
                continue
            if len(split_sentences(p.text)) != 1 or re.search(
                r"[*_`\[\]<>\\]", "".join(v for v, r in p.md_pieces if v == r)
            ):
                continue
            typed = re.sub(r"\s+", " ", "".join(r for _, r in p.md_pieces)).strip()
            if typed != p.text and len(typed) < 400:
                out.append(
                    Item(
                        typed,
                        d.id,
                        "verified",
                        "md-typed-markup",
                        "typed with the Markdown markup of the file (emphasis, links, code)",
                    )
                )
    return out


@generator("exact-nosource", 40)
def gen_nosource(c, rng):
    out = []
    for s in _sents(c, rng, None, 8):
        for i, j in spans(s, rng, 7, 25, 1):
            if _markup_free(s, i, j):
                out.append(
                    Item(
                        join(s.tokens[i:j]),
                        None,
                        "verified",
                        "exact-nosource",
                        f"verbatim, no source given (it is in {s.doc.id})",
                    )
                )
    return out


# --- REJECT: numbers -------------------------------------------------------------------------


def _misquote(c: Corpus, it: Item, sid: str | None) -> Item | None:
    """Keep a generated misquote only if no reading of the source has these words."""
    return None if c.in_source(it.text, sid) else it


def _span_around(
    toks: list[str], k: int, rng: random.Random, before=(2, 8), after=(2, 8)
) -> tuple[int, int] | None:
    a = max(0, k - rng.randint(*before))
    b = min(len(toks), k + 1 + rng.randint(*after))
    while a < k and not edge_ok(toks[a]):
        a += 1
    while b > k + 1 and not end_ok(toks[b - 1]):
        b -= 1
    if b - a < 4:
        return None
    return a, b


@generator("number-changed", 70)
def gen_number_changed(c, rng):
    out = []
    for s in _sents(c, rng, None, 5):
        toks = s.tokens
        for k, t in enumerate(toks):
            digits = [m.start() for m in re.finditer(r"\d", t)]
            if not digits or re.search(r"[a-f0-9]{7,}", t):  # hashes
                continue
            span = _span_around(toks, k, rng)
            if not span or not _markup_free(s, *span):
                continue
            pos = rng.choice(digits)
            new_digit = rng.choice([d for d in "0123456789" if d != t[pos]])
            t2 = t[:pos] + new_digit + t[pos + 1 :]
            typed = join([*toks[span[0] : k], t2, *toks[k + 1 : span[1]]])
            it = _misquote(
                c,
                Item(
                    typed,
                    s.doc.id,
                    "misquote",
                    "number-changed",
                    f"{_bare(t)!r} typed as {_bare(t2)!r}",
                ),
                s.doc.id,
            )
            if it:
                out.append(it)
            break
    # spelled-out numbers
    for s in _sents(c, rng, None, 5):
        toks = s.tokens
        for k, t in enumerate(toks):
            w = _bare(t).lower()
            if w in SMALL_NUMBERS[2:] and _markup_free(s, 0, len(toks)):
                span = _span_around(toks, k, rng)
                if not span:
                    continue
                n = SMALL_NUMBERS.index(w)
                other = SMALL_NUMBERS[n + 1 if n + 1 < len(SMALL_NUMBERS) else n - 1]
                t2 = t.replace(w, other).replace(w.capitalize(), other.capitalize())
                typed = join([*toks[span[0] : k], t2, *toks[k + 1 : span[1]]])
                it = _misquote(
                    c,
                    Item(
                        typed, s.doc.id, "misquote", "number-changed", f"{w!r} typed as {other!r}"
                    ),
                    s.doc.id,
                )
                if it:
                    out.append(it)
                break
    return out


_GROUPED = re.compile(r"(?<![\w.,])(\d+)([.,])(\d+)")


@generator("number-cut", 70)
def gen_number_cut(c, rng):
    out = []
    for s in _sents(c, rng, None, 5):
        toks = s.tokens
        for k, t in enumerate(toks):
            m = _GROUPED.search(t)
            if not m or re.search(r"[a-f0-9]{7,}", t):
                continue
            if not _markup_free(s, max(0, k - 8), min(len(toks), k + 8)):
                continue
            if rng.random() < 0.6 and k >= 3:
                # the quote ends inside the number: "about 2" for "about 2,000"
                a = max(0, k - rng.randint(3, 9))
                while a < k and not edge_ok(toks[a]):
                    a += 1
                cut = t[: m.start(2)]
                if k - a < 2 or not re.search(r"\d$", cut):
                    continue
                typed = join(toks[a:k], last=False) + " " + cut
                note = f"ends inside {_bare(t)!r}"
            elif k + 3 < len(toks):
                # it starts inside the number: "000 soldiers" for "2,000 soldiers"
                b = min(len(toks), k + 1 + rng.randint(3, 9))
                while b > k + 1 and not end_ok(toks[b - 1]):
                    b -= 1
                rest = t[m.end(2) :]
                if b - k < 3 or not re.match(r"\d", rest):
                    continue
                typed = rest + " " + join(toks[k + 1 : b])
                note = f"starts inside {_bare(t)!r}"
            else:
                continue
            out.append(Item(typed, s.doc.id, "misquote", "number-cut", note))
            break
    return out


# --- REJECT: negation --------------------------------------------------------------------------

_CONTRACTIONS = {
    "don't": "do",
    "doesn't": "does",
    "didn't": "did",
    "isn't": "is",
    "aren't": "are",
    "wasn't": "was",
    "weren't": "were",
    "won't": "will",
    "can't": "can",
    "cannot": "can",
    "shouldn't": "should",
    "wouldn't": "would",
    "couldn't": "could",
    "hasn't": "has",
    "haven't": "have",
    "mustn't": "must",
}


@generator("negation-dropped", 70)
def gen_neg_dropped(c, rng):
    out = []
    for s in _sents(c, rng, None, 6):
        toks = s.tokens
        for k, t in enumerate(toks):
            w = _bare(t).lower()
            if (
                not (w in ("not", "never", "no") or w in _CONTRACTIONS)
                or k < 2
                or k > len(toks) - 3
            ):
                continue
            span = _span_around(toks, k, rng, (2, 8), (2, 8))
            if not span or not _markup_free(s, *span) or span[1] <= k + 2:
                continue
            a, b = span
            drop = 1
            if w in _CONTRACTIONS:
                pos = _CONTRACTIONS[w]
                repl = [t.replace(_bare(t), pos if _bare(t)[0].islower() else pos.capitalize())]
                note = f"{_bare(t)!r} typed as {pos!r}"
            elif w == "no" and _bare(toks[k + 1]).lower() == "longer":
                repl, drop, note = [], 2, "'no longer' dropped"
            else:
                repl, note = [], f"{w!r} dropped"
            typed = join(toks[a:k] + repl + toks[k + drop : b])
            it = _misquote(c, Item(typed, s.doc.id, "misquote", "negation-dropped", note), s.doc.id)
            if it:
                out.append(it)
            break
    return out


@generator("negation-added", 50)
def gen_neg_added(c, rng):
    out = []
    for s in _sents(c, rng, None, 6):
        toks = s.tokens
        for k, t in enumerate(toks[:-2]):
            if (
                t not in AUXILIARIES
                or k < 1
                or is_negation(toks[k + 1])
                or _bare(toks[k + 1]).lower() in ("no", "not", "never")
            ):
                continue
            span = _span_around(toks, k, rng, (1, 7), (2, 8))
            if not span or not _markup_free(s, *span):
                continue
            a, b = span
            if t == "can" and rng.random() < 0.5:
                new, note = ["cannot"], "'can' typed as 'cannot'"
            else:
                new, note = [t, "not"], f"'not' added after {t!r}"
            typed = join(toks[a:k] + new + toks[k + 1 : b])
            it = _misquote(c, Item(typed, s.doc.id, "misquote", "negation-added", note), s.doc.id)
            if it:
                out.append(it)
            break
    return out


@generator("negation-prefix", 30)
def gen_prefix(c, rng):
    pairs = {a: b for a, b in PREFIX_PAIRS}
    pairs.update({b: a for a, b in PREFIX_PAIRS})
    out = []
    for s in _sents(c, rng, None, 5):
        toks = s.tokens
        for k, t in enumerate(toks):
            w = _bare(t)
            if w not in pairs:
                continue
            span = _span_around(toks, k, rng)
            if not span or not _markup_free(s, *span):
                continue
            t2 = t.replace(w, pairs[w])
            typed = join([*toks[span[0] : k], t2, *toks[k + 1 : span[1]]])
            it = _misquote(
                c,
                Item(
                    typed, s.doc.id, "misquote", "negation-prefix", f"{w!r} typed as {pairs[w]!r}"
                ),
                s.doc.id,
            )
            if it:
                out.append(it)
            break
    return out


# --- REJECT: brackets ------------------------------------------------------------------------


@generator("bracket-negation", 40)
def gen_bracket_neg(c, rng):
    out = []
    for s in _sents(c, rng, None, 6):
        toks = s.tokens
        for k, t in enumerate(toks[:-2]):
            if t not in AUXILIARIES or k < 1 or is_negation(toks[k + 1]):
                continue
            span = _span_around(toks, k, rng, (1, 7), (2, 8))
            if not span or not _markup_free(s, *span):
                continue
            a, b = span
            style = rng.choice(["insert-not", "insert-never", "replace"])
            if style == "insert-not":
                new, note = [t, "[not]"], f"'[not]' inserted after {t!r}"
            elif style == "insert-never":
                new, note = [t, "[never]"], f"'[never]' inserted after {t!r}"
            else:
                neg = {
                    "can": "cannot",
                    "will": "will not",
                    "may": "may not",
                    "must": "must not",
                }.get(t, f"{t} not")
                new, note = [f"[{neg}]"], f"[{neg}] for {t!r}"
            typed = join(toks[a:k] + new + toks[k + 1 : b])
            out.append(Item(typed, s.doc.id, "misquote", "bracket-negation", note))
            break
    return out


def _spell(n: int) -> str:
    if 0 <= n < len(SMALL_NUMBERS):
        return SMALL_NUMBERS[n]
    return f"{n:,}" if n >= 10_000 else str(n)


@generator("bracket-number", 40)
def gen_bracket_number(c, rng):
    out = []
    for s in _sents(c, rng, None, 6):
        toks = s.tokens
        for k, t in enumerate(toks):
            m = re.fullmatch(r"(\d{1,3}(?:,\d{3})+|\d{1,5})([.,;:]?)", t)
            if not m or k < 2:
                continue
            span = _span_around(toks, k, rng)
            if not span or not _markup_free(s, *span):
                continue
            n = int(m.group(1).replace(",", ""))
            grouped = "," in m.group(1)
            choices = [_spell(n * 10) if not grouped else f"{n * 10:,}", _spell(n + 1)]
            if n > 1:
                choices.append(_spell(n - 1))
            if n != 10:
                choices.append("ten")
            new = rng.choice(choices)
            typed = join([*toks[span[0] : k], f"[{new}]{m.group(2)}", *toks[k + 1 : span[1]]])
            out.append(
                Item(typed, s.doc.id, "misquote", "bracket-number", f"[{new}] for {m.group(1)!r}")
            )
            break
    return out


@generator("bracket-name", 40)
def gen_bracket_name(c, rng):
    out = []
    names = sorted(NAME_SWAPS, key=len, reverse=True)
    for s in _sents(c, rng, None, 6):
        if not _markup_free(s, 0, len(s.tokens)):
            continue
        for name in names:
            m = re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", s.text)
            if not m:
                continue
            other = NAME_SWAPS[name]
            if other.lower() in s.para.text.lower():
                continue  # the other name is named nearby: not the test here
            start = max(0, s.text.rfind(" ", 0, max(0, m.start() - rng.randint(15, 60))) + 1)
            end = s.text.find(" ", min(len(s.text), m.end() + rng.randint(15, 60)))
            end = len(s.text) if end < 0 else end
            typed = s.text[start : m.start()] + f"[{other}]" + s.text[m.end() : end]
            typed = typed.strip().rstrip(",;:")
            words = typed.split()
            if (
                len(words) >= 4
                and (edge_ok(words[0]) or words[0].startswith("["))
                and (edge_ok(words[-1]) or words[-1].startswith("["))
            ):
                out.append(
                    Item(typed, s.doc.id, "misquote", "bracket-name", f"[{other}] for {name!r}")
                )
            break
    return out


@generator("bracket-verb", 40)
def gen_bracket_verb(c, rng):
    out = []
    for s in _sents(c, rng, None, 6):
        toks = s.tokens
        for k, t in enumerate(toks):
            if t not in VERB_SWAPS or k < 1:
                continue
            span = _span_around(toks, k, rng, (1, 7), (2, 8))
            if not span or not _markup_free(s, *span):
                continue
            new = VERB_SWAPS[t]
            typed = join([*toks[span[0] : k], f"[{new}]", *toks[k + 1 : span[1]]])
            out.append(Item(typed, s.doc.id, "misquote", "bracket-verb", f"[{new}] for {t!r}"))
            break
    return out


# --- REJECT: elisions that hide a negation ------------------------------------------------------


@generator("elision-hides-negation", 60)
def gen_elision_neg(c, rng):
    out = []
    for s in _sents(c, rng, None, 8):
        toks = s.tokens
        for k, t in enumerate(toks):
            if not is_negation(t) or k < 3 or k > len(toks) - 3:
                continue
            g0 = max(1, k - rng.choice([0, 0, 1, 2]))
            g1 = min(len(toks) - 2, k + 1 + rng.choice([0, 0, 1, 2]))
            if (
                _bare(toks[k]).lower() == "no"
                and g1 < len(toks)
                and _bare(toks[g1]).lower() == "longer"
            ):
                g1 += 1
            a = max(0, g0 - rng.randint(2, 8))
            b = min(len(toks), g1 + rng.randint(2, 8))
            while a < g0 - 1 and not edge_ok(toks[a]):
                a += 1
            while b > g1 + 1 and not end_ok(toks[b - 1]):
                b -= 1
            if g0 - a < 1 or b - g1 < 1 or not edge_ok(toks[a]) or not _markup_free(s, a, b):
                continue
            mark = rng.choice(ELISION_MARKS)
            typed = f"{join(toks[a:g0], last=False)} {mark} {join(toks[g1:b])}"
            out.append(
                Item(
                    typed,
                    s.doc.id,
                    "misquote",
                    "elision-hides-negation",
                    f"the elided words {' '.join(toks[g0:g1])!r} hold the sentence's negation",
                )
            )
            break
    return out


@generator("elision-abbreviation", 60)
def gen_elision_abbrev(c, rng):
    out = []
    for s in c.sents:
        toks = s.tokens
        if "http" in s.text or not _markup_free(s, 0, len(toks)) or s.doc.id.startswith("xz"):
            continue
        abbr = [i for i, t in enumerate(toks) if is_abbreviation(t)]
        negs = [i for i, t in enumerate(toks) if is_negation(t)]
        for p in abbr:
            for q in negs:
                lo, hi = min(p, q), max(p, q)
                if lo < 2 or hi > len(toks) - 2:
                    continue
                a = max(0, lo - rng.randint(2, 6))
                b = min(len(toks), hi + 1 + rng.randint(2, 6))
                while a < lo - 1 and not edge_ok(toks[a]):
                    a += 1
                while b > hi + 2 and not end_ok(toks[b - 1]):
                    b -= 1
                if not edge_ok(toks[a]) or not edge_ok(toks[b - 1]):
                    continue
                mark = rng.choice(ELISION_MARKS)
                typed = f"{join(toks[a:lo], last=False)} {mark} {join(toks[hi + 1 : b])}"
                out.append(
                    Item(
                        typed,
                        s.doc.id,
                        "misquote",
                        "elision-abbreviation",
                        f"the gap {' '.join(toks[lo : hi + 1])!r} holds an abbreviation and the sentence's negation",
                    )
                )
    return out


# --- REJECT: words ----------------------------------------------------------------------------


def _replace_word(c, rng, cat, fn, count_note):
    out = []
    for s in _sents(c, rng, None, 6):
        toks = s.tokens
        order = list(range(1, len(toks) - 1))
        rng.shuffle(order)
        for k in order:
            res = fn(toks, k)
            if res is None:
                continue
            new_toks, note = res
            span = _span_around(toks, k, rng)
            if not span or not _markup_free(s, *span):
                continue
            a, b = span
            shift = len(new_toks) - len(toks)
            typed = join(new_toks[a : b + shift])
            it = _misquote(c, Item(typed, s.doc.id, "misquote", cat, note), s.doc.id)
            if it:
                out.append(it)
            break
    return out


@generator("word-substituted", 70)
def gen_word_sub(c, rng):
    def fn(toks, k):
        w = _bare(toks[k])
        if w.lower() not in SWAPS or w != toks[k].rstrip(".,;:"):
            return None
        new = SWAPS[w.lower()]
        new = new.capitalize() if w[0].isupper() else new
        return [*toks[:k], toks[k].replace(w, new), *toks[k + 1 :]], f"{w!r} typed as {new!r}"

    return _replace_word(c, rng, "word-substituted", fn, "")


@generator("word-transposed", 30)
def gen_transposed(c, rng):
    def fn(toks, k):
        if k + 1 >= len(toks) - 1:
            return None
        x, y = toks[k], toks[k + 1]
        if not (re.fullmatch(r"[a-z]{3,}", x) and re.fullmatch(r"[a-z]{3,}", y)) or x == y:
            return None
        return [*toks[:k], y, x, *toks[k + 2 :]], f"{x!r} and {y!r} swapped"

    return _replace_word(c, rng, "word-transposed", fn, "")


@generator("word-dropped", 30)
def gen_dropped(c, rng):
    def fn(toks, k):
        x = toks[k]
        if not re.fullmatch(r"[a-z]{4,}", x) or x in (
            "that",
            "this",
            "with",
            "from",
            "have",
            "been",
            "were",
            "they",
            "them",
            "then",
            "than",
        ):
            return None
        return toks[:k] + toks[k + 1 :], f"{x!r} left out without an elision mark"

    out = []
    for s in _sents(c, rng, None, 8):
        toks = s.tokens
        ks = [k for k in range(3, len(toks) - 3) if fn(toks, k)]
        if not ks:
            continue
        k = rng.choice(ks)
        a, b = max(0, k - rng.randint(3, 8)), min(len(toks), k + 1 + rng.randint(3, 8))
        while a < k and not edge_ok(toks[a]):
            a += 1
        while b > k + 1 and not end_ok(toks[b - 1]):
            b -= 1
        if b - a < 5 or not _markup_free(s, a, b):
            continue
        new, note = fn(toks, k)
        typed = join(new[a : b - 1])
        it = _misquote(c, Item(typed, s.doc.id, "misquote", "word-dropped", note), s.doc.id)
        if it:
            out.append(it)
    return out


@generator("word-added", 30)
def gen_added(c, rng):
    out = []
    for s in _sents(c, rng, None, 8):
        toks = s.tokens
        ks = [k for k in range(3, len(toks) - 3) if re.fullmatch(r"[a-z]{4,}", toks[k])]
        if not ks:
            continue
        k = rng.choice(ks)
        a, b = max(0, k - rng.randint(3, 8)), min(len(toks), k + rng.randint(3, 8))
        while a < k and not edge_ok(toks[a]):
            a += 1
        while b > k + 1 and not end_ok(toks[b - 1]):
            b -= 1
        if b - a < 5 or not _markup_free(s, a, b):
            continue
        w = rng.choice(ADDED_WORDS)
        if w in (_bare(toks[k - 1]).lower(), _bare(toks[k]).lower()):
            continue
        typed = join([*toks[a:k], w, *toks[k:b]])
        it = _misquote(
            c,
            Item(typed, s.doc.id, "misquote", "word-added", f"{w!r} added before {toks[k]!r}"),
            s.doc.id,
        )
        if it:
            out.append(it)
    return out


@generator("case-changed", 25)
def gen_case_internal(c, rng):
    def fn(toks, k):
        x = toks[k]
        if (
            re.fullmatch(r"[A-Z][a-z]{3,}[.,;:]?", x)
            and k > 0
            and not toks[k - 1].endswith((".", ":"))
        ):
            return [
                *toks[:k],
                x.lower(),
                *toks[k + 1 :],
            ], f"{_bare(x)!r} typed lower-case inside the quote"
        return None

    return _replace_word(c, rng, "case-changed", fn, "")


# --- REJECT: where it comes from ----------------------------------------------------------------


TWINS = {"xz-thanks": "xz-thanks-nfd", "xz-thanks-nfd": "xz-thanks"}


@generator("wrong-source", 50)
def gen_wrong_source(c, rng):
    out = []
    ids = [d.id for d in c.docs]
    for s in _sents(c, rng, None, 8):
        if len(s.tokens) > 50 or not _markup_free(s, 0, len(s.tokens)):
            continue
        other = rng.choice([i for i in ids if i != s.doc.id and i != TWINS.get(s.doc.id)])
        if c.in_source(s.text, other):
            continue
        out.append(
            Item(
                s.text,
                other,
                "misquote",
                "wrong-source",
                f"the sentence is in {s.doc.id}, not in {other}",
            )
        )
    return out


@generator("spliced", 60)
def gen_spliced(c, rng):
    out = []
    for d in c.docs:
        sents = [
            s
            for s in c.sents
            if s.doc is d
            and c.clean(s, 6)
            and len(s.tokens) <= 30
            and _markup_free(s, 0, len(s.tokens))
        ]
        rng.shuffle(sents)
        for a, b in zip(sents[::2], sents[1::2], strict=False):
            if abs(a.para.index - b.para.index) < 2:
                continue
            out.append(
                Item(
                    a.text + " " + b.text,
                    d.id,
                    "misquote",
                    "spliced",
                    f"two sentences from paragraphs {a.para.index + 1} and {b.para.index + 1}, joined with no mark",
                )
            )
    for ss in c.para_sents.values():
        for a, b in zip(ss, ss[2:], strict=False):
            if (
                c.clean(a, 5)
                and c.clean(b, 5)
                and _markup_free(a, 0, len(a.tokens))
                and _markup_free(b, 0, len(b.tokens))
            ):
                out.append(
                    Item(
                        a.text + " " + b.text,
                        a.doc.id,
                        "misquote",
                        "spliced",
                        "sentences 1 and 3 of a run, the one between left out with no mark",
                    )
                )
    return out


@generator("md-damaged", 30)
def gen_md_damaged(c, rng):
    out = []
    for it in gen_md_literal(c, random.Random(f"{SEED}:md-literal")):
        t = it.text
        if "*" in t:
            bad = re.sub(r"\s*\*\s*", " ", t).replace("( ", "(")
            note = "the literal '*' lost, as a Markdown reader that treats it as emphasis would"
        elif "<" in t:
            bad = re.sub(r"<[^ ]*", "", t).replace("  ", " ").strip()
            note = "the literal '<...' lost, as if it were an HTML tag"
        else:
            continue
        bad = re.sub(r"\s+", " ", bad).strip()
        if bad and bad != t and not c.in_source(bad, it.source):
            out.append(Item(bad, it.source, "misquote", "md-damaged", note))
    return out


@generator("nosource-misquote", 20)
def gen_nosource_misquote(c, rng):
    out = []
    for it in gen_number_changed(c, rng):
        if not c.in_source(it.text, None):
            out.append(
                Item(
                    it.text,
                    None,
                    "misquote",
                    "nosource-misquote",
                    it.note + f" (no source given; it is from {it.source})",
                )
            )
    return out


# --- NOT FOUND ------------------------------------------------------------------------------

SUBJECTS = [
    "The security team",
    "Every Contributor",
    "The Licensee",
    "The maintainers",
    "The release manager",
    "Each collaborator",
    "The build system",
    "The parser",
    "This library",
    "The steering committee",
    "The reviewer",
    "The installer",
]
VERBS = [
    "will publish a full report",
    "must sign the contributor agreement",
    "guarantees backward compatibility",
    "rotates the signing keys",
    "may revoke commit access",
    "keeps a public archive of every advisory",
    "pays a bounty for each valid report",
    "translates the documentation",
    "schedules a vote",
    "ships a graphical configuration tool",
    "encrypts every message",
    "sends a weekly newsletter",
]
TAILS = [
    "within 48 hours of the first contact",
    "before the end of each quarter",
    "on the first Monday of every month",
    "for at least seven years",
    "unless the board objects in writing",
    "after a two-week comment period",
    "in every supported language",
    "at no cost to the reporter",
    "through the mailing list only",
    "whenever a mirror goes offline",
]


@generator("invented", 80)
def gen_invented(c, rng):
    out = []
    ids = [d.id for d in c.docs]
    for _ in range(400):
        text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(TAILS)}"
        if rng.random() < 0.5:
            text += "."
        if not c.in_source(text, None):
            out.append(
                Item(
                    text,
                    rng.choice(ids),
                    "not-found",
                    "invented",
                    "invented sentence in the style of the sources",
                )
            )
    return out


@generator("invented-nosource", 40)
def gen_invented_nosource(c, rng):
    return [
        Item(it.text, None, "not-found", "invented-nosource", "invented, no source given")
        for it in gen_invented(c, rng)
    ]


OTHER_DOCS = [
    Path("/usr/share/common-licenses/GFDL-1.3"),
    Path("/usr/share/common-licenses/Artistic"),
    Path("/usr/share/common-licenses/CC0-1.0"),
]
OTHER_CACHE = HERE / "other-docs.txt"


def _other_sentences() -> list[str]:
    """Sentences of licences that are not in the set (cached in other-docs.txt for machines without them)."""
    if OTHER_CACHE.is_file():
        return [ln for ln in OTHER_CACHE.read_text(encoding="utf-8").split("\n") if ln]
    from reader import read_text

    out = []
    for p in OTHER_DOCS:
        if p.is_file():
            for para in read_text(p.name, p.read_text(encoding="utf-8")):
                out.extend(s for s in split_sentences(para.text) if 8 <= len(s.split()) <= 40)
    OTHER_CACHE.write_text("\n".join(out) + "\n", encoding="utf-8")
    return out


@generator("other-document", 40)
def gen_other_doc(c, rng):
    out = []
    licences = ["gpl-3", "apache-2.0", "mpl-2.0"]
    for s in _other_sentences():
        toks = s.split()
        # no run of six words in common with any source: not a misquote of one, just absent
        grams = {" ".join(toks[i : i + 6]) for i in range(len(toks) - 5)}
        if any(c.in_source(g, None) for g in grams):
            continue
        out.append(
            Item(
                s,
                rng.choice(licences),
                "not-found",
                "other-document",
                "a sentence of another licence (GFDL, Artistic, CC0), not in the set",
            )
        )
    return out


# --- assembly -------------------------------------------------------------------------------


def build(c: Corpus) -> list[Item]:
    c_vocab_plain.clear()
    c_vocab_plain.update(c.vocab)
    items: list[Item] = []
    for cat, count, fn in GENERATORS:
        rng = random.Random(f"{SEED}:{cat}")
        cands = [it for it in fn(c, rng) if it.category == cat]
        picked = round_robin(cands, count, random.Random(f"{SEED}:{cat}:pick"))
        items.extend(picked)
    for h in HANDMADE:
        if h["source"] is not None and h["source"] not in c.by_id:
            raise SystemExit(
                f"handmade item names unknown source {h['source']!r}: {h['text'][:60]}"
            )
        for frag in re.split(r"\[[^\]]*\]|\.\.\.|…", h["text"]):
            frag = frag.strip(" ,;:.")
            if re.search(r"\w", frag) and not c.in_source(frag, h["source"]):
                raise SystemExit(f"handmade item: {frag!r} is not in {h['source']}")
        items.append(
            Item(h["text"], h["source"], h["expect"], h["category"], h.get("note", ""), True)
        )
    checked = _checked_ids()
    for it in items:
        if it.id in checked:
            it.checked = True
    # one item per (source, text): the first category wins (a text can be made twice)
    seen: set[tuple[str | None, str]] = set()
    out = []
    for it in items:
        key = (it.source, it.text)
        if key not in seen:
            seen.add(key)
            out.append(it)
    return out


#: Accepted categories whose typed text, marks aside, is the source's own words in order.
_AUDITED = {
    "exact-text",
    "exact-md",
    "sentence",
    "two-sentences",
    "exact-nosource",
    "retypeset-quotes",
    "retypeset-dashes",
    "retypeset-whitespace",
    "case-bracket",
    "case-first-letter",
    "elision-aside",
    "elision-sentence",
    "elision-sentence-negation",
    "bracket-sic",
    "bracket-emphasis",
    "hyphen-linebreak",
    "md-markup-removed",
    "md-literal",
    "unicode-nfc-nfd",
    "elision-negated-aside",
}
_MARKS = re.compile(r"\[(?:\.\.\.|…)\]|…|\.\.\.")


def audit(c: Corpus, items: list[Item]) -> list[str]:
    """Accepted items whose words are not, in order, in one paragraph of their source."""
    problems = []
    for it in items:
        if it.category not in _AUDITED or it.expect != "verified":
            continue
        text = re.sub(r"\s*\[(?:sic|emphasis added|emphasis mine)\]", "", it.text)
        text = re.sub(r"\[([A-Za-z])\]", r"\1", text).replace(
            "*", "" if "emphasis" in it.text else "*"
        )
        frags = [canon(f).strip(" ,;:.\"'") for f in _MARKS.split(text)]
        frags = [f for f in frags if f]
        docs = [c.by_id[it.source]] if it.source else c.docs
        ok = False
        for d in docs:
            paras = [canon(p.text) for p in d.paras] + [canon(d.raw)]
            for hay in paras:
                pos = 0
                for f in frags:
                    pos = hay.find(f, pos)
                    if pos < 0:
                        break
                    pos += len(f)
                else:
                    ok = True
                    break
            if ok:
                break
        if not ok:
            problems.append(f"{it.id}: {it.text[:80]!r}")
    return problems


def _checked_ids() -> set[str]:
    if not CHECKED.is_file():
        return set()
    return {
        ln.split()[0]
        for ln in CHECKED.read_text(encoding="utf-8").splitlines()
        if ln.strip() and not ln.startswith("#")
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument(
        "--hyphens", action="store_true", help="list the line-end hyphens of the text sources"
    )
    ap.add_argument(
        "--sample", type=int, default=0, help="print N items per category to check by hand"
    )
    ap.add_argument("--seed", default="check")
    args = ap.parse_args(argv)
    docs = load_docs(SOURCES)
    c = Corpus(docs)
    if args.hyphens:
        for d in docs:
            for p in d.paras:
                for word, rawform in p.breaks:
                    print(f"{d.id}: {rawform!r} read as {word!r}")
        return 0
    items = build(c)
    problems = audit(c, items)
    if problems:
        print(f"{len(problems)} accepted items are not their source's words:", file=sys.stderr)
        for p in problems[:20]:
            print("  " + p, file=sys.stderr)
        return 1
    if args.sample:
        rng = random.Random(args.seed)
        by_cat: dict[str, list[Item]] = defaultdict(list)
        for it in items:
            if not it.checked:
                by_cat[it.category].append(it)
        for _cat, lst in by_cat.items():
            for it in rng.sample(lst, min(args.sample, len(lst))):
                print(json.dumps(it.as_json(), ensure_ascii=False))
        return 0
    with args.out.open("w", encoding="utf-8") as f:
        for it in items:
            f.write(json.dumps(it.as_json(), ensure_ascii=False) + "\n")
    counts: dict[str, int] = defaultdict(int)
    for it in items:
        counts[it.expect] += 1
    print(
        f"{len(items)} quotes -> {args.out.relative_to(HERE.parent.parent) if args.out.is_relative_to(HERE.parent.parent) else args.out}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
