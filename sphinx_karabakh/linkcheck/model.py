"""What flows through the link check: documents -> ``Hyperlink`` (with every place it is cited)
-> ``CheckResult`` with a ``Verdict``."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Verdict(StrEnum):
    OK = "ok"
    REDIRECTED_PERMANENT = "redirected-permanent"
    REDIRECTED_TEMPORARY = "redirected-temporary"
    BROKEN = "broken"
    TIMEOUT = "timeout"
    RATE_LIMITED = "rate-limited"
    ANCHOR_MISSING = "anchor-missing"
    CONTENT_CHANGED = "content-changed"
    PLACEHOLDER = "placeholder"
    MALFORMED = "malformed"
    REFUSED = "refused"  # not fetched: a refused address, or a scheme that cannot be a link
    SKIPPED = "skipped"  # ignored by configuration
    UNCHECKED = "unchecked"  # not reached: the global deadline, Ctrl-C, a lost worker

    @property
    def failed(self) -> bool:
        """Does this verdict make CI fail (exit 1)?"""
        return self in _FAILING


_FAILING = frozenset(
    {
        Verdict.BROKEN,
        Verdict.CONTENT_CHANGED,
        Verdict.ANCHOR_MISSING,
        Verdict.TIMEOUT,
        Verdict.MALFORMED,
        Verdict.REFUSED,
        Verdict.UNCHECKED,  # a URL nobody checked is no evidence that it works
    }
)


@dataclass(frozen=True)
class CitedAt:
    """One place a URL is cited: a file and line, or a BibTeX entry key."""

    file: str = ""
    line: int = 0
    key: str = ""  # BibTeX entry key, or source ID for links inside sources
    text: str = ""  # the link text, when there is one

    def __str__(self) -> str:
        if self.key and not self.file:
            return self.key
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class Hyperlink:
    """One distinct URL and every place it is cited, plus passages expected on the page."""

    url: str
    cited_at: list[CitedAt] = field(default_factory=list)
    expected_passages: list[str] = field(default_factory=list)  # for the content check


@dataclass(frozen=True)
class CheckResult:
    url: str
    verdict: Verdict
    status: int | None = None
    final_url: str | None = None
    reason: str = ""
    elapsed: float = 0.0
    cited_at: tuple[CitedAt, ...] = ()
    cached: bool = False
