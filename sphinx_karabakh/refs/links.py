"""Links found in references, under the project's one URL policy (``sphinx_karabakh.urls``).

A reference's link becomes its ``url`` (a BibTeX field, an ``href`` in the bibliography) only when
the policy allows it: http(s), mailto or relative. A link with any other scheme (``javascript:``,
``data:``, ``vbscript:``, ``file:``, ``ftp:``) is kept as text -- ``Reference.unlinked_url``,
written into the entry's ``note`` -- and reported as a problem that names the scheme, so the
Sphinx layer warns (``karabakh.reference``) at the reference's file and line. A DOI links to
its resolver (``doi_url``), percent-encoded. No Sphinx here.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import quote

from sphinx_karabakh.urls import unsafe_scheme

__all__ = [
    "ReferenceLinks",
    "apply_policy",
    "doi_url",
    "refused_scheme",
    "unlinked_note",
    "unlinked_problem",
]

_SPACE = re.compile(r"\s+")
_SHOWN = 80  # characters of a refused link quoted in a message


def refused_scheme(url: str) -> str | None:
    """The scheme that keeps ``url`` from being a link, or ``None`` when it may be one.

    The parser folds runs of white space into one space before it finds links, so a tab a browser
    would drop ("java\\tscript:") arrives here as a space: the URL is judged with white space
    removed as well as as it stands.
    """
    if not url.strip():
        return None
    return unsafe_scheme(url) or unsafe_scheme(_SPACE.sub("", url))


class ReferenceLinks(NamedTuple):
    """A reference's links once the policy has been applied."""

    url: str  # a link the policy allows ("" for none)
    unlinked: str  # a link with a refused scheme, kept as text ("" for none)
    problem: str  # what is reported of ``unlinked`` ("" for none)


def apply_policy(url: str, unlinked: str = "") -> ReferenceLinks:
    """``url`` stays the link when the policy allows it; else it is kept as text (as
    ``unlinked``, unless a refused link is there already) and ``problem`` names its scheme."""
    if url and refused_scheme(url):
        url, unlinked = "", unlinked or url
    return ReferenceLinks(url, unlinked, unlinked_problem(unlinked) if unlinked else "")


def _shown(url: str) -> str:
    url = url.strip()
    return url if len(url) <= _SHOWN else url[: _SHOWN - 1] + "…"


def unlinked_problem(url: str) -> str:
    """The problem recorded for a refused link (it names the scheme: "javascript:")."""
    scheme = refused_scheme(url) or "unknown"
    return (
        f"link {_shown(url)!r} has the {scheme}: scheme: kept as text, not a link "
        "(only http(s), mailto and relative links become links)"
    )


def unlinked_note(url: str) -> str:
    """What the BibTeX ``note`` says of a refused link (the link itself, as text)."""
    scheme = refused_scheme(url) or "unknown"
    return f"Link not kept as url ({scheme}: scheme): {url.strip()}"


def doi_url(doi: str) -> str:
    """The resolver link of a DOI, its characters percent-encoded where a URL needs it ("#", "?"
    and spaces would cut the DOI short)."""
    doi = doi.strip()
    if doi.lower().startswith(("https://doi.org/", "http://doi.org/", "https://dx.doi.org/")):
        doi = doi.split("doi.org/", 1)[1]
    return "https://doi.org/" + quote(doi, safe="/:;()._-~,")
