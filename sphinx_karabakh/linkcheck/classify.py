"""Judge a URL without sending anything: placeholder, malformed, refused scheme, mailto.

``precheck(url)`` returns a ``(Verdict, reason)`` pair when the URL needs no request (or must not
get one), and ``None`` when it should be checked over HTTP(S).

Schemes follow the project's one URL policy (``sphinx_karabakh.urls``, read as a browser reads
them: ``" JavaScript:…"`` and ``"java\tscript:…"`` are ``javascript``): only http(s) and mailto
become links in the output, so any other scheme -- ``javascript:``, ``vbscript:``, ``data:``,
``file:``, ``ftp:``, ``about:`` … -- is ``refused``, a failing verdict: the writer meant a link and
the reader gets text.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from sphinx_karabakh.linkcheck.model import Verdict
from sphinx_karabakh.urls import link_target, unsafe_scheme

CHECKED_SCHEMES = frozenset({"http", "https"})
_MD_ESCAPE = re.compile(r"\\[_*\[\]()#+\-.!`{}<>|~\\]")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HOST_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")


def precheck(url: str) -> tuple[Verdict, str] | None:
    """Verdict for URLs judged from their text alone; ``None`` when a request is needed."""
    s = url.strip()
    if s == "" or s == "#" or s.lower() in {"#!", "none"}:
        return Verdict.PLACEHOLDER, f"placeholder link target {url!r}"
    if s.startswith("#"):
        return Verdict.PLACEHOLDER, f"same-page anchor {url!r} is not an external link"
    refused = unsafe_scheme(url)
    if refused is not None:
        return (
            Verdict.REFUSED,
            f"{refused}: URLs are not links (only http, https and mailto are; the output shows "
            "this one as text) -- not fetched",
        )
    if _SPACE_OR_CONTROL.search(s) or _CONTROL.search(url):
        return Verdict.MALFORMED, "whitespace or control character inside the URL"
    m = _MD_ESCAPE.search(s)
    if m:
        return Verdict.MALFORMED, f"Markdown escape {m.group(0)!r} left in the URL"
    scheme = link_target(s).scheme  # (s has no space or control character left to clean)
    if not scheme:
        return Verdict.MALFORMED, "no scheme (expected http:// or https://)"
    if scheme == "mailto":
        addr = s[len("mailto:") :].split("?", 1)[0]
        addrs = [a.strip() for a in addr.split(",") if a.strip()]
        if addrs and all(_EMAIL.match(a) for a in addrs):
            return Verdict.OK, "mailto: syntax checked (no request)"
        return Verdict.MALFORMED, f"invalid e-mail address in {url!r}"
    # Reached by a URL behind Unicode white space ("\u00a0ftp://..."): str.strip removes it, a
    # browser (urls.link_target) does not, so the check above saw no scheme.
    if scheme not in CHECKED_SCHEMES:
        return Verdict.REFUSED, f"unsupported scheme {scheme}: (not fetched)"
    try:
        parts = urlsplit(s)
        port = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        return Verdict.MALFORMED, f"cannot parse URL: {exc}"
    host = parts.hostname or ""
    if not parts.netloc or not host:
        return Verdict.MALFORMED, "no host in URL"
    if port == 0:
        return Verdict.MALFORMED, "port 0"
    if not _valid_host(host):
        return Verdict.MALFORMED, f"invalid host name {host!r}"
    return None


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.rstrip(".").split(".")
    return all(_HOST_LABEL.match(label) for label in labels) and bool(labels)
