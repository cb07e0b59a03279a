"""``PassageId``: the one value type for a passage ID, parsed once, formatted and anchored here.

Forms (``SRC`` is a source ID: letters, digits, ``.``, ``_``, ``-``; no ``:``):

* ``SRC:p4`` -- paragraph 4;
* ``SRC:p4.s2`` -- sentence 2 of paragraph 4;
* ``SRC:p3-p5`` -- paragraphs 3 to 5;
* ``SRC:p4.s2-p4.s4`` -- sentences 2 to 4 of paragraph 4 (``SRC:p4.s2-s4`` for short);
  ``SRC:p4.s2-p5.s1`` across paragraphs.

``str(pid)`` gives the canonical spelling, ``pid.anchor`` the HTML id of its first member on
the source page (``SRC-p4-s2``), ``pid.first`` that member as a PassageId.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sphinx_karabakh.sources.model import PassageKind

SOURCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
_LOCAL = r"p(?P<{0}p>\d+)(?:\.s(?P<{0}s>\d+))?"
_PID = re.compile(
    r"(?P<src>"
    + SOURCE_ID.pattern.removesuffix(r"\Z")
    + "):"
    + _LOCAL.format("a")
    + r"(?:-(?:"
    + _LOCAL.format("b")
    + r"|s(?P<bs_only>\d+)))?\Z"
)
_ANCHOR_JUNK = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True, order=True)
class Local:
    """A paragraph (``sentence`` None) or a sentence inside a source."""

    paragraph: int
    sentence: int | None = None

    def __str__(self) -> str:
        return f"p{self.paragraph}" + (f".s{self.sentence}" if self.sentence is not None else "")

    @property
    def kind(self) -> PassageKind:
        return PassageKind.PARAGRAPH if self.sentence is None else PassageKind.SENTENCE


@dataclass(frozen=True, order=True)
class PassageId:
    """A parsed passage ID (see the module docstring)."""

    source: str
    start: Local
    end: Local | None = None  # a range's last member

    @classmethod
    def parse(cls, text: str) -> PassageId:
        """Parse ``text``; ValueError says what is wrong with it."""
        s = text.strip()
        m = _PID.match(s)
        if not m:
            raise ValueError(
                f"{text!r} is not a passage ID (expected SOURCE:pN, SOURCE:pN.sM or SOURCE:pA-pB)"
            )
        a = Local(int(m["ap"]), int(m["as"]) if m["as"] else None)
        b: Local | None = None
        if m["bs_only"]:
            if a.sentence is None:
                raise ValueError(f"range {s!r}: '-s{m['bs_only']}' needs a sentence before it")
            b = Local(a.paragraph, int(m["bs_only"]))
        elif m["bp"]:
            b = Local(int(m["bp"]), int(m["bs"]) if m["bs"] else None)
        if b is not None:
            if a.kind != b.kind:
                raise ValueError(f"range {s!r} mixes a paragraph and a sentence")
            if b < a:
                raise ValueError(f"range {s!r} ends before it starts")
            if b == a:
                b = None
        return cls(m["src"], a, b)

    @classmethod
    def of(cls, value: str | PassageId) -> PassageId:
        return value if isinstance(value, PassageId) else cls.parse(value)

    def __str__(self) -> str:
        head = f"{self.source}:{self.start}"
        return head if self.end is None else f"{head}-{self.end}"

    @property
    def kind(self) -> PassageKind:
        return PassageKind.RANGE if self.end is not None else self.start.kind

    @property
    def member_kind(self) -> PassageKind:
        """Paragraph or sentence: the kind of a range's members (of the passage itself else)."""
        return self.start.kind

    @property
    def first(self) -> PassageId:
        """The first member (itself, when not a range)."""
        return PassageId(self.source, self.start)

    @property
    def last(self) -> PassageId:
        return PassageId(self.source, self.end or self.start)

    @property
    def paragraph(self) -> PassageId:
        """The paragraph of the first member."""
        return PassageId(self.source, Local(self.start.paragraph))

    @property
    def anchor(self) -> str:
        """HTML id of the first member on the source page: ``legiec-2020-p4-s2``."""
        return anchor_of(str(self.first))


def anchor_of(text: str) -> str:
    """``legiec-2020:p4.s2`` -> ``legiec-2020-p4-s2``; any string made safe for an HTML id."""
    return _ANCHOR_JUNK.sub("-", text).strip("-")


def source_anchor(source_id: str) -> str:
    """HTML id of a source on its page."""
    return "source-" + anchor_of(source_id)


def first_paragraph_of(text: str) -> str:
    """The anchorable part of a passage ID: a range's first member (``S:p3-p5`` -> ``S:p3``);
    a sentence keeps its own (``S:p4.s2``).  A string that is no ID is cut the same way."""
    try:
        return str(PassageId.parse(text).first)
    except ValueError:
        source, _, local = text.rpartition(":")
        first = local.split("-", 1)[0]
        return f"{source}:{first}" if source else first


def source_of(text: str) -> str:
    """The source part of a passage ID string, parsed or not (everything before the ``:``)."""
    return text.split(":", 1)[0] if ":" in text else text
