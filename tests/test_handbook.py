"""The handbook in docs/ builds from seeds/ with warnings as errors, and its pages hold together.

One build, shared by every test in this module: ``docs/`` and ``seeds/`` are copied side by side
into a temporary directory (as in the repository, so ``karabakh_sources = "../seeds"`` resolves)
and built with ``sphinx-build -W`` in a subprocess, exactly as ``make handbook`` does. The tests
then read the HTML: passage anchors, quote links, "quoted in" links, the bibliography and the
citation audit.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from sphinx_karabakh.sources import load_sources
from sphinx_karabakh.sphinx.passages import anchor_id

REPO = Path(__file__).resolve().parent.parent
SOURCE_PAGES = {
    "legiec-2020": "sources/legiec-2020.html",
    "defence24-2020": "sources/defence24-2020.html",
    "valiyev-2021": "sources/valiyev-2021.html",
    "anggraeni-2022": "sources/anggraeni-2022.html",
    "kazimzada-2023": "sources/kazimzada-2023.html",
}
#: Site furniture named in seeds/sources.toml: none of it may reach a source page.
BOILERPLATE = (
    "PISM BULLETIN",
    "This post was published in Defence24",
    "Follow us everywhere and at any time",
    "Map of Azerbaijan and Environs",
    "PONARS Eurasia © 2019",
    "Contributed by Ziya Kazimzada",
    "Our website uses cookies",
)
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


@dataclass
class Link:
    href: str
    text: str = ""
    ancestors: tuple[str, ...] = ()  # classes of every enclosing element, innermost last


@dataclass
class Page:
    """What the tests need from one HTML page: its ids, links and text."""

    path: Path
    ids: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id -> classes of the element
    enclosing: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id -> ids around it
    notes: list[tuple[str, ...]] = field(default_factory=list)  # ids around each annotation
    links: list[Link] = field(default_factory=list)
    text: str = ""
    source_text: str = ""  # the text of rendered sources (karabakh-source), annotations excluded

    def links_within(self, cls: str) -> list[Link]:
        return [link for link in self.links if cls in link.ancestors]


class _PageParser(HTMLParser):
    def __init__(self, page: Page) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.stack: list[tuple[str, tuple[str, ...]]] = []
        self.id_stack: list[str | None] = []
        self.open_links: list[Link] = []
        self.chunks: list[str] = []
        self.source_chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        classes = tuple(attr.get("class", "").split())
        if "id" in attr:
            self.page.ids[attr["id"]] = classes
            self.page.enclosing[attr["id"]] = tuple(i for i in self.id_stack if i)
        if tag == "a" and "href" in attr:
            ancestors = tuple(c for _, cls in self.stack for c in cls) + classes
            link = Link(attr["href"], ancestors=ancestors)
            self.page.links.append(link)
            self.open_links.append(link)
        if "karabakh-annotation" in classes:
            self.page.notes.append(tuple(i for i in self.id_stack if i))
        if tag not in _VOID:
            self.stack.append((tag, classes))
            self.id_stack.append(attr.get("id"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.open_links:
            self.open_links.pop()
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                del self.id_stack[i:]
                break

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)
        classes = {c for _, cls in self.stack for c in cls}
        if "karabakh-source" in classes and "karabakh-annotations" not in classes:
            self.source_chunks.append(data)
        for link in self.open_links:
            link.text += data


def parse_page(path: Path) -> Page:
    page = Page(path)
    parser = _PageParser(page)
    parser.feed(path.read_text(encoding="utf-8"))
    page.text = " ".join("".join(parser.chunks).split())
    page.source_text = " ".join("".join(parser.source_chunks).split())
    return page


@dataclass
class Handbook:
    root: Path  # the temporary copy holding docs/ and seeds/
    out: Path
    log: str
    returncode: int
    _pages: dict[Path, Page] = field(default_factory=dict)

    def page(self, rel: str | Path) -> Page:
        path = (self.out / rel).resolve()
        if path not in self._pages:
            self._pages[path] = parse_page(path)
        return self._pages[path]

    def resolve(self, page: Page, href: str) -> tuple[Path, str]:
        """The file and fragment a relative link of ``page`` points to."""
        base = page.path.relative_to(self.out).as_posix()
        target = urlsplit(urljoin(base, href))
        file = self.out / unquote(target.path) if target.path else page.path
        return file.resolve(), unquote(target.fragment)


def build_handbook(root: Path) -> Handbook:
    """Copy docs/ and seeds/ under ``root`` and build the handbook as ``make handbook`` does."""
    shutil.copytree(REPO / "docs", root / "docs", ignore=shutil.ignore_patterns("_build"))
    shutil.copytree(REPO / "seeds", root / "seeds")
    out = root / "build" / "handbook"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            str(root / "docs"),
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=300,
    )
    return Handbook(root, out, proc.stdout + proc.stderr, proc.returncode)


def shared_handbook(tmp_path_factory) -> Handbook:
    """One build per test session, shared by pytest-xdist workers (and by test_browser.py).

    The first worker to get the lock builds into the session's common temporary directory; the
    others wait for it and read the same output (the tests only read it).
    """
    import fcntl
    import json

    basetemp = tmp_path_factory.getbasetemp()
    shared = basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp
    root = shared / "shared-handbook"
    with open(shared / "shared-handbook.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root / "result.json"
        if done.is_file():
            result = json.loads(done.read_text(encoding="utf-8"))
            return Handbook(root, root / "build" / "handbook", result["log"], result["returncode"])
        if root.exists():
            shutil.rmtree(root)
        root.mkdir()
        book = build_handbook(root)
        done.write_text(json.dumps({"log": book.log, "returncode": book.returncode}))
        return book


@pytest.fixture(scope="module")
def handbook(tmp_path_factory) -> Handbook:
    return shared_handbook(tmp_path_factory)


def test_builds_with_warnings_as_errors(handbook):
    assert handbook.returncode == 0, handbook.log
    assert "WARNING" not in handbook.log and "ERROR" not in handbook.log, handbook.log


def test_every_passage_is_anchored_on_its_source_page(handbook):
    sources = load_sources(handbook.root / "seeds")
    assert set(sources) == set(SOURCE_PAGES)
    for source_id, rel in SOURCE_PAGES.items():
        page = handbook.page(rel)
        source = sources[source_id]
        assert len(source.paragraphs) > 5
        for passage in source.passages:  # every paragraph and every sentence
            anchor = anchor_id(passage.id)
            assert anchor in page.ids, f"{rel}: no element with id {anchor!r} ({passage.id})"
        for para in source.paragraphs:
            assert "karabakh-passage" in page.ids[anchor_id(para.id)]
            permalink = [
                link
                for link in page.links_within("karabakh-permalink")
                if link.href == f"#{anchor_id(para.id)}"
            ] or [link for link in page.links if link.href == f"#{anchor_id(para.id)}"]
            assert permalink, f"{rel}: passage {para.id} has no permalink"
            assert para.id in permalink[0].text


def test_source_pages_leave_the_boilerplate_out(handbook):
    for rel in SOURCE_PAGES.values():
        text = handbook.page(rel).source_text
        assert len(text) > 5000, f"{rel}: the source is not rendered"
        for furniture in BOILERPLATE:
            assert furniture not in text, f"{rel} shows site furniture {furniture!r}"


_ANNOTATION = re.compile(r"(?:\.\. karabakh:annotation::|```\{karabakh:annotation\}) (\S+)")


def test_source_pages_show_annotations_beside_passages(handbook):
    """Every annotation written in docs/ sits inside the passage it annotates on its source page."""
    written: dict[str, list[str]] = {}
    for path in sorted((handbook.root / "docs").glob("**/*.*")):
        if path.suffix in {".rst", ".md"} and "guide" not in path.parts:
            for pid in _ANNOTATION.findall(path.read_text(encoding="utf-8")):
                written.setdefault(pid.split(":")[0], []).append(pid)
    for source_id, rel in SOURCE_PAGES.items():
        page = handbook.page(rel)
        assert len(page.notes) >= 3, f"{rel}: only {len(page.notes)} annotations shown"
        assert len(page.notes) == len(written.get(source_id, [])), rel
        beside = sorted(
            next(i for i in around if "karabakh-passage" in page.ids[i]) for around in page.notes
        )
        expected = sorted(anchor_id(pid.split(".")[0]) for pid in written[source_id])
        assert beside == expected, f"{rel}: annotations are not beside their passages"


def _commentary_pages(handbook: Handbook) -> list[Page]:
    pages = sorted((handbook.out / "commentary").glob("*.html"))
    assert len(pages) >= 4
    return [handbook.page(p) for p in pages]


def test_commentary_quotes_link_to_existing_passage_anchors(handbook):
    checked = 0
    for page in _commentary_pages(handbook):
        quote_links = [
            link
            for link in page.links
            if urljoin("commentary/x.html", link.href).startswith("sources/")
            and ({"karabakh-quote", "karabakh-q"} & set(link.ancestors))
        ]
        if page.path.name == "index.html":
            continue
        assert len(quote_links) >= 4, f"{page.path.name}: too few quote links"
        for link in quote_links:
            target, fragment = handbook.resolve(page, link.href)
            assert fragment, f"{page.path.name}: quote link {link.href} has no anchor"
            ids = handbook.page(target).ids
            assert fragment in ids, f"{page.path.name}: {link.href} points to a missing anchor"
            assert {"karabakh-passage", "karabakh-sentence"} & set(ids[fragment]), link.href
            checked += 1
    assert checked >= 40


def test_no_commentary_quote_is_a_misquote(handbook):
    for page in _commentary_pages(handbook):
        for anchor, classes in page.ids.items():
            assert "karabakh-misquote" not in classes, f"{page.path.name}#{anchor}"
        html = page.path.read_text(encoding="utf-8")
        assert "karabakh-badge-misquote" not in html, page.path.name
        assert "karabakh-badge-unchecked" not in html, page.path.name


def test_commentary_pages_are_written_in_rst_and_myst(handbook):
    sources = {p.suffix for p in (handbook.root / "docs" / "commentary").iterdir()}
    assert {".rst", ".md"} <= sources


def test_quoted_in_links_point_back_to_existing_ids(handbook):
    back = 0
    for rel in SOURCE_PAGES.values():
        page = handbook.page(rel)
        for link in page.links_within("karabakh-quoted-in"):
            target, fragment = handbook.resolve(page, link.href)
            assert target.is_file(), f"{rel}: quoted-in link {link.href} to a missing page"
            assert fragment in handbook.page(target).ids, f"{rel}: {link.href} missing anchor"
            back += 1
    assert back >= 40


def test_sources_table_counts_quotes(handbook):
    page = handbook.page("index.html")
    table = re.search(r"karabakh-sources-table.*?</table>", page.path.read_text(), re.S)
    assert table, "the home page has no sources table"
    for source_id, rel in SOURCE_PAGES.items():
        assert source_id in page.text
        assert any(
            handbook.resolve(page, link.href)[0] == (handbook.out / rel).resolve()
            for link in page.links_within("karabakh-sources-table")
        ), source_id


# --- references: the bibliography and the citation audit of seed 004 --------------------------

SEED_004 = "004_cc326326a6865e0d.txt"
#: Counted by hand in seed 004's reference list: 6 books, 4 journal articles, 19 online articles.
SEED_004_REFERENCES = 29


def refs_cli_json(*args: str) -> object:
    """Run ``sphinx-karabakh refs ... --json`` (the fixed CLI contract) and parse its output."""
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx_karabakh", "refs", *args, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    import json

    return json.loads(proc.stdout)


def test_bibliography_anchors_every_entry_and_offers_the_bib(handbook):
    import bibtexparser

    page = handbook.page("references/bibliography.html")
    entries = [i for i, cls in page.ids.items() if "karabakh-bib-entry" in cls]
    assert len(entries) == SEED_004_REFERENCES
    html = page.path.read_text(encoding="utf-8")
    assert html.count("karabakh-bibtex-source") >= SEED_004_REFERENCES  # BibTeX viewable per entry

    downloads = [link for link in page.links if link.href.endswith(".bib")]
    assert downloads, "no .bib download link"
    bib_path, _ = handbook.resolve(page, downloads[0].href)
    assert bib_path.is_file()
    library = bibtexparser.parse_string(bib_path.read_text(encoding="utf-8"))
    assert not library.failed_blocks
    keys = [entry.key for entry in library.entries]
    assert len(keys) == SEED_004_REFERENCES == len(set(keys))
    assert set(keys) == set(entries)  # each entry is anchored by its BibTeX key

    parsed = refs_cli_json("parse", str(handbook.root / "seeds" / SEED_004))
    assert [e["key"] for e in parsed] == keys  # the same entries, in order, as the CLI gives


def test_bibliography_shows_link_status_not_checked_without_a_report(handbook):
    page = handbook.page("references/bibliography.html")
    url_links = [link for link in page.links if "karabakh-bib-url" in link.ancestors]
    assert len(url_links) >= 15
    html = page.path.read_text(encoding="utf-8")
    assert html.count("karabakh-badge-unchecked") >= len(url_links)
    assert "not checked" in page.text


def test_citation_audit_lists_unresolved_and_uncited(handbook):
    page = handbook.page("references/audit.html")
    audit = refs_cli_json("audit", str(handbook.root / "seeds" / SEED_004))
    unresolved = [c["text"] for c in audit["citations"] if c["key"] is None]
    assert "Mandalis 2020" in unresolved  # read by hand: not in seed 004's reference list
    html = page.path.read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="karabakh-audit-unresolved[^"]*">(.*?)</tr>', html, re.S)
    assert len(rows) == len(unresolved)
    for text in unresolved:
        assert text in page.text
    for key in audit["uncited"]:
        assert key in page.text
    bibliography = handbook.page("references/bibliography.html")
    entry_links = [
        link
        for link in page.links
        if "karabakh-audit-table" in link.ancestors or "karabakh-audit-uncited" in link.ancestors
    ]
    assert len(entry_links) >= 30
    for link in entry_links:
        target, fragment = handbook.resolve(page, link.href)
        assert target == bibliography.path.resolve() and fragment in bibliography.ids, link.href


# --- the user guide documents what the extension registers ---------------------------------------


def test_guide_documents_every_config_value_directive_and_role(handbook, tmp_path):
    from sphinx.application import Sphinx

    guide = handbook.root / "docs" / "guide"
    text = "\n".join(p.read_text(encoding="utf-8") for p in guide.glob("*.*"))
    out = tmp_path / "introspect"
    app = Sphinx(
        str(handbook.root / "docs"),
        str(handbook.root / "docs"),
        str(out),
        str(out / ".doctrees"),
        "html",
        status=None,
        warning=None,
        freshenv=True,
    )
    values = sorted(v.name for v in app.config if v.name.startswith("karabakh_"))
    assert len(values) >= 5
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in values:
        assert f".. confval:: {name}" in text, f"config value {name} is not in the user guide"
        assert f"| `{name}` |" in readme, f"config value {name} is not in README's reference"
    domain = app.registry.domains["karabakh"]
    directives = app.registry.domain_directives.get("karabakh", {})
    roles = {**domain.roles, **app.registry.domain_roles.get("karabakh", {})}
    assert {"quote", "verify", "source", "annotation", "sources-table"} <= set(directives)
    for name in directives:
        assert f"karabakh:{name}" in text, f"directive karabakh:{name} is not in the user guide"
    for name in roles:
        assert f":karabakh:{name}:" in text, f"role :karabakh:{name}: is not in the user guide"


def test_guide_documents_every_cli_command(handbook):
    from sphinx_karabakh.cli import build_parser

    text = (handbook.root / "docs" / "guide" / "cli.rst").read_text(encoding="utf-8")
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # argparse keeps them here
    for name, sub in commands.items():
        actions = [a for a in sub._actions if getattr(a, "choices", None)]
        subcommands = list(actions[0].choices) if actions else []
        if subcommands:
            for action in subcommands:
                assert f"``{name} {action}``" in text, f"`{name} {action}` is not documented"
        else:
            assert f"``{name}``" in text, f"`{name}` is not documented"


def test_every_internal_link_reaches_an_existing_anchor(handbook):
    """No relative link of the handbook points to a missing page or a missing id."""
    checked = 0
    for path in sorted(handbook.out.glob("**/*.html")):
        if path.parent.name == "_static" or path.name in {"search.html", "genindex.html"}:
            continue
        page = handbook.page(path)
        for link in page.links:
            parts = urlsplit(link.href)
            if parts.scheme or parts.netloc or link.href.startswith(("mailto:", "javascript:")):
                continue
            target, fragment = handbook.resolve(page, link.href)
            if target.suffix != ".html":
                assert target.is_file(), f"{path.name}: {link.href} is missing"
                continue
            assert target.is_file(), f"{path.relative_to(handbook.out)}: {link.href} is missing"
            if fragment:
                assert fragment in handbook.page(target).ids, (
                    f"{path.relative_to(handbook.out)}: {link.href} points to a missing anchor"
                )
            checked += 1
    assert checked > 500
