"""Collectors: documents -> ``Hyperlink`` objects, every place each URL is cited kept.

No request is made here and nothing is judged: a URL that will turn out malformed (a space
inside, Markdown escapes left in) is still collected as written, so the checker can flag it with
the place it was cited.  ``LinkSet`` deduplicates by exact URL (the ``#fragment`` is kept: the
checker fetches a page once for all of its anchors).

Sources of URLs:

* ``.bib`` files (``url`` fields, read with bibtexparser 2.x; cited as the entry key + file:line),
* source texts (Markdown links ``[t](u)``, autolinks ``<u>``, bare ``http(s)://`` URLs and bare
  domains such as ``ponarseurasia.org/path`` -- only with a known TLD and a path or ``www.``),
* a docs directory (``.rst``: ``\\`t <u>\\`_`` and bare URLs; ``.md``: MyST ``[t](u)``, ``<u>``, bare),
* plain URL lists (one per line, ``#`` comments).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sphinx_karabakh.linkcheck.model import CitedAt, Hyperlink
from sphinx_karabakh.urls import link_target


class CollectError(Exception):
    """A file cannot be read or parsed at all; the message names the file (and line)."""


@dataclass(frozen=True)
class FoundLink:
    """One occurrence of a URL in a text: the URL as written, 1-based line, link text."""

    url: str
    line: int
    text: str = ""


class LinkSet:
    """Deduplicating collection of ``Hyperlink`` (insertion order kept)."""

    def __init__(self) -> None:
        self._links: dict[str, Hyperlink] = {}

    def add(self, url: str, where: CitedAt, passages: Iterable[str] = ()) -> Hyperlink:
        url = url.strip() if url.strip() != "" else url
        link = self._links.get(url)
        if link is None:
            link = self._links[url] = Hyperlink(url=url)
        if where not in link.cited_at:
            link.cited_at.append(where)
        for p in passages:
            if p and p not in link.expected_passages:
                link.expected_passages.append(p)
        return link

    def extend(self, links: Iterable[Hyperlink]) -> None:
        for h in links:
            if not h.cited_at:
                self.add(h.url, CitedAt(), h.expected_passages)
            for c in h.cited_at:
                self.add(h.url, c, h.expected_passages)

    def __iter__(self) -> Iterator[Hyperlink]:
        return iter(self._links.values())

    def __len__(self) -> int:
        return len(self._links)

    def __contains__(self, url: object) -> bool:
        return url in self._links

    def get(self, url: str) -> Hyperlink | None:
        return self._links.get(url)

    def links(self) -> list[Hyperlink]:
        return list(self._links.values())


# --------------------------------------------------------------------------- text scanning

# Conservative list of top-level domains accepted for *bare* domains (no scheme).
KNOWN_TLDS = frozenset(
    [
        "com",
        "org",
        "net",
        "edu",
        "gov",
        "mil",
        "int",
        "info",
        "biz",
        "io",
        "eu",
        "uk",
        "de",
        "fr",
        "ru",
        "am",
        "az",
        "ge",
        "tr",
        "ir",
        "us",
        "ca",
        "au",
        "nz",
        "it",
        "es",
        "pt",
        "nl",
        "be",
        "ch",
        "at",
        "se",
        "no",
        "fi",
        "dk",
        "pl",
        "cz",
        "sk",
        "hu",
        "ro",
        "bg",
        "gr",
        "ua",
        "by",
        "kz",
        "uz",
        "kg",
        "tj",
        "tm",
        "md",
        "lt",
        "lv",
        "ee",
        "il",
        "jp",
        "cn",
        "kr",
        "in",
        "br",
        "mx",
        "ar",
        "za",
        "ch",
        "int",
        "news",
        "online",
        "media",
        "today",
        "site",
    ]
)

_TRAIL = ".,;:!?'\"’”»)]}*_"
_MD_LINK = re.compile(
    r"(?<!!)\[(?P<text>(?:[^\[\]\\]|\\.|\[[^\[\]]*\])*)\]\((?P<url>[^()\n]*(?:\([^()\n]*\)[^()\n]*)*)\)"
)
_MD_IMAGE = re.compile(r"!\[(?:[^\[\]\\]|\\.)*\]\([^()\n]*\)")
_AUTOLINK = re.compile(r"<(?P<url>(?:[a-zA-Z][a-zA-Z0-9+.-]{1,31}):[^<>\s]+)>")
_RST_LINK = re.compile(r"`(?P<text>[^`<]*?)\s*<(?P<url>[^<>`]+)>`__?")
_BARE = re.compile(r"(?<![\w/@.-])(?P<url>(?:https?|ftp)://[^\s<>\"'`\]\[{}|^]+)", re.I)
_BARE_DOMAIN = re.compile(
    r"(?<![\w/@.:-])(?P<url>(?:www\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?P<tld>[a-z]{2,24})(?P<path>/[^\s<>\"'`\]\[{}|^]*)?)",
    re.I,
)


def _strip_trailing(url: str) -> str:
    """Drop sentence punctuation after a bare URL; keep a ``)`` that closes a ``(`` inside it."""
    while url and url[-1] in _TRAIL:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _blank(text: str, start: int, end: int) -> str:
    """Replace text[start:end] by spaces (newlines kept) so later scans skip it, lines intact."""
    return text[:start] + "".join("\n" if c == "\n" else " " for c in text[start:end]) + text[end:]


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _md_target(raw: str) -> str:
    """The destination of a Markdown link: ``<u>`` unwrapped, a quoted title dropped."""
    raw = raw.strip()
    if raw.startswith("<") and ">" in raw:
        return raw[1 : raw.index(">")]
    m = re.match(r'^(\S+)\s+(?:"[^"]*"|\'[^\']*\'|\([^)]*\))$', raw)
    if m:
        return m.group(1)
    return raw  # keep spaces: the checker flags the URL as malformed


def scan_markdown(text: str, *, bare_domains: bool = True) -> list[FoundLink]:
    """Links in Markdown (or plain text): ``[t](u)``, ``<u>``, bare URLs, bare domains.

    Each character of the text yields at most one link: a Markdown link's text and target are
    blanked before the autolink and bare scans, so ``[https://a/x\\_y](https://a/x_y)`` gives
    one URL (the target), not two.
    """
    found: list[tuple[int, FoundLink]] = []
    work = text
    for m in _MD_IMAGE.finditer(text):
        work = _blank(work, m.start(), m.end())
    for m in _MD_LINK.finditer(work):
        url = _md_target(m.group("url"))
        found.append(
            (m.start(), FoundLink(url, _line_of(text, m.start()), m.group("text").strip()))
        )
    for m in list(_MD_LINK.finditer(work)):
        work = _blank(work, m.start(), m.end())
    for m in _AUTOLINK.finditer(work):
        found.append((m.start(), FoundLink(m.group("url"), _line_of(text, m.start()))))
        work = _blank(work, m.start(), m.end())
    found += _scan_bare(text, work, bare_domains)
    found.sort(key=lambda x: x[0])
    return [f for _, f in found]


def _scan_bare(text: str, work: str, bare_domains: bool) -> list[tuple[int, FoundLink]]:
    found: list[tuple[int, FoundLink]] = []
    for m in _BARE.finditer(work):
        url = _strip_trailing(m.group("url"))
        if url:
            found.append((m.start(), FoundLink(url, _line_of(text, m.start()))))
            work = _blank(work, m.start(), m.end())
    if bare_domains:
        for m in _BARE_DOMAIN.finditer(work):
            tld = m.group("tld").lower()
            url = _strip_trailing(m.group("url"))
            has_www = url.lower().startswith("www.")
            if tld not in KNOWN_TLDS or not (has_www or m.group("path")):
                continue
            if "/" not in url and not has_www:  # the path was only trailing punctuation
                continue
            found.append((m.start(), FoundLink("https://" + url, _line_of(text, m.start()), url)))
    return found


def scan_rst(text: str) -> list[FoundLink]:
    """External links in reStructuredText: ```t <u>`_`` / ``__``, ``.. _name: u`` and bare URLs."""
    found: list[tuple[int, FoundLink]] = []
    work = text
    for m in _RST_LINK.finditer(text):
        url = m.group("url").strip()
        if link_target(url).scheme:  # any scheme: javascript: too, for the check to refuse it
            found.append((m.start(), FoundLink(url, _line_of(text, m.start()), m.group("text"))))
        work = _blank(work, m.start(), m.end())
    for m in re.finditer(r"^\s*\.\.\s+_[^:]+:\s+(\S+)\s*$", work, re.M):
        url = m.group(1)
        if link_target(url).scheme:
            found.append((m.start(1), FoundLink(url, _line_of(text, m.start(1)))))
            work = _blank(work, m.start(1), m.end(1))
    found += _scan_bare(text, work, bare_domains=False)
    found.sort(key=lambda x: x[0])
    return [f for _, f in found]


# --------------------------------------------------------------------------- collectors


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise CollectError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def collect_text(links: LinkSet, path: Path, *, key: str = "", display: str | None = None) -> int:
    """Add every link of a Markdown/plain source text; returns how many occurrences."""
    text = _read(path)
    name = display or str(path)
    n = 0
    for f in scan_markdown(text):
        links.add(f.url, CitedAt(file=name, line=f.line, key=key, text=f.text))
        n += 1
    return n


def collect_sources_metadata(links: LinkSet, path: Path) -> int:
    """The ``url`` of every ``[[source]]`` in a ``sources.toml`` (cited as the source ID, file:line)."""
    import tomllib

    text = _read(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CollectError(f"{path}: not TOML: {exc}") from exc
    lines = text.splitlines()
    n = 0
    for src in data.get("source", []) if isinstance(data.get("source"), list) else []:
        url = str(src.get("url", "") or "").strip() if isinstance(src, dict) else ""
        if not url:
            continue
        line = next(
            (i + 1 for i, ln in enumerate(lines) if re.match(r"\s*url\s*=", ln) and url in ln), 0
        )
        links.add(url, CitedAt(file=str(path), line=line, key=str(src.get("id", ""))))
        n += 1
    return n


def collect_sources_dir(links: LinkSet, directory: Path) -> int:
    """Every ``.txt``/``.md``/``.markdown`` file under a directory (sorted, recursive), and the
    source URLs of a ``sources.toml`` beside them."""
    if not directory.is_dir():
        raise CollectError(f"{directory}: not a directory")
    n = 0
    if (directory / "sources.toml").is_file():
        n += collect_sources_metadata(links, directory / "sources.toml")
    for p in sorted(directory.rglob("*")):
        if p.is_file() and p.suffix.lower() in {".txt", ".md", ".markdown"}:
            n += collect_text(links, p)
    return n


def collect_docs_dir(links: LinkSet, directory: Path) -> int:
    """External links of the ``.rst`` and ``.md`` files of a Sphinx docs directory."""
    if not directory.is_dir():
        raise CollectError(f"{directory}: not a directory")
    n = 0
    skip = {"_build", "build", ".git", "node_modules", "_static", "_templates"}
    for p in sorted(directory.rglob("*")):
        if any(part in skip for part in p.relative_to(directory).parts[:-1]) or not p.is_file():
            continue
        suffix = p.suffix.lower()
        if suffix == ".rst":
            found = scan_rst(_read(p))
        elif suffix == ".md":
            found = [f for f in scan_markdown(_read(p), bare_domains=False)]
        else:
            continue
        for f in found:
            if not link_target(f.url).scheme:
                continue  # internal document links are Sphinx's business (any scheme is ours)
            links.add(f.url, CitedAt(file=str(p), line=f.line, text=f.text))
            n += 1
    return n


def _parse_bib(text: str, path: Path):
    import logging

    import bibtexparser

    log = logging.getLogger("bibtexparser")
    level = log.level
    log.setLevel(logging.CRITICAL)  # its own messages lack the file name; ours say file:line
    try:
        return bibtexparser.parse_string(text)
    except Exception as exc:  # bibtexparser raises various errors on garbage
        raise CollectError(f"{path}: not BibTeX: {exc}") from exc
    finally:
        log.setLevel(level)


def collect_bib(links: LinkSet, path: Path, problems: list[str] | None = None) -> int:
    """``url`` fields of a BibTeX file; each cited as the entry key with file:line.

    LaTeX escapes in the URL (``\\_ \\% \\# \\&``) are undone.  Blocks bibtexparser cannot
    parse are skipped and described in ``problems`` (``file:line: ...``) when given.
    """
    library = _parse_bib(_read(path), path)
    if problems is not None:
        for block in library.failed_blocks:
            line = (getattr(block, "start_line", 0) or 0) + 1
            problems.append(f"{path}:{line}: unparsable BibTeX block skipped")
    n = 0
    for entry in library.entries:
        fields = {k.lower(): v for k, v in entry.fields_dict.items()}
        field = fields.get("url")
        if field is None:
            continue
        value = str(field.value).strip()
        if value.startswith("{") and value.endswith("}"):
            value = value[1:-1].strip()
        line = (getattr(field, "start_line", None) or entry.start_line or 0) + 1
        value = (
            value.replace("\\_", "_").replace("\\%", "%").replace("\\#", "#").replace("\\&", "&")
        )
        value = value.replace("\\~{}", "~")
        links.add(value, CitedAt(file=str(path), line=line, key=entry.key))
        n += 1
    return n


def bib_failures(path: Path) -> list[str]:
    """Messages for the blocks bibtexparser could not parse (file:line: ...)."""
    problems: list[str] = []
    collect_bib(LinkSet(), path, problems)
    return problems


def collect_url_list(links: LinkSet, path: Path) -> int:
    """A plain list: one URL per line; blank lines and ``#`` comment lines ignored."""
    n = 0
    for i, line in enumerate(_read(path).splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        links.add(s, CitedAt(file=str(path), line=i))
        n += 1
    return n
