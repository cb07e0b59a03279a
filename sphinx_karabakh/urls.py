"""Which URLs may become links: one policy for every output and for the link check.

Text that other people wrote (a reference list, ``sources.toml``, a source document) carries
URLs, and a URL becomes an ``href`` in the handbook and a ``url`` field in BibTeX.  Only three
kinds may: ``http(s)``, ``mailto`` and relative references (``../page.html``, ``#anchor``,
``//host/path``).  Anything else (``javascript:``, ``data:``, ``vbscript:``, ``file:``, …) is shown
as text with a typed warning, and the link check gives it a failing verdict.

The scheme is read the way a browser reads it (WHATWG URL standard): leading and trailing C0
control characters and spaces are stripped and ASCII tab and newline removed anywhere, so
``" JavaScript:…"`` and ``"java\\tscript:…"`` are the ``javascript`` scheme.  No Sphinx here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Schemes that become links anywhere in the output.
LINK_SCHEMES = frozenset({"http", "https", "mailto"})

_STRIP = "".join(chr(c) for c in range(0x21))  # C0 controls and space
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


@dataclass(frozen=True)
class LinkTarget:
    """A URL as a browser would read it: ``url`` cleaned, ``scheme`` lower-cased ("" = relative)."""

    url: str
    scheme: str

    @property
    def linkable(self) -> bool:
        """May this become an ``href`` (or a BibTeX ``url``)?"""
        return self.scheme == "" or self.scheme in LINK_SCHEMES


def link_target(url: str) -> LinkTarget:
    """Parse ``url``'s scheme as a browser does (see the module docstring)."""
    cleaned = _TAB_NEWLINE.sub("", url.strip(_STRIP))
    m = _SCHEME.match(cleaned)
    return LinkTarget(cleaned, m.group(1).lower() if m else "")


def safe_href(url: str) -> str | None:
    """The URL to link to, or ``None`` when it must be shown as text (an unsafe scheme)."""
    target = link_target(url)
    if not target.url:
        return None
    return target.url if target.linkable else None


def unsafe_scheme(url: str) -> str | None:
    """The scheme that keeps ``url`` from being a link (``"javascript"``), or ``None``."""
    target = link_target(url)
    return None if target.linkable else target.scheme
