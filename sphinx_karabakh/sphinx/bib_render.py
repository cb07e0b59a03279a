"""docutils nodes for the bibliography and the citation audit (no Sphinx state here).

An entry renders as: authors (year). *title*. container, volume(number), pages. address:
publisher. link [status badge] (accessed …) — then its BibTeX in a ``<details>`` block.
Everything from the document goes into text nodes, so it is escaped by the writers; a link
becomes an ``href`` only through ``sphinx_karabakh.urls.safe_href`` (http(s), mailto, relative),
anything else is shown as text.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes

from sphinx_karabakh.refs.bibtex import BibEntry, write_bibtex
from sphinx_karabakh.refs.links import doi_url
from sphinx_karabakh.refs.model import Person
from sphinx_karabakh.urls import safe_href


class karabakh_details(nodes.General, nodes.Element):
    """A collapsible block: ``<details><summary>{summary}</summary>…children…</details>`` in HTML,
    its children only elsewhere."""


class karabakh_bib_placeholder(nodes.General, nodes.Inline, nodes.Element):
    """The base of the placeholders below: the post-transform, which runs on every document,
    finds them all in one walk of the tree (docutils' fast walk for a single class)."""


class karabakh_link_status(karabakh_bib_placeholder):
    """Placeholder: the link-check status badge of ``url`` (filled by a post-transform)."""


class karabakh_bib_download(karabakh_bib_placeholder):
    """Placeholder: "Download BibTeX" link to the generated ``.bib`` of ``source``."""


class karabakh_bib_ref(karabakh_bib_placeholder):
    """Placeholder: a link to entry ``key`` of the bibliography of ``source``, wherever it is."""


PLACEHOLDERS = (karabakh_link_status, karabakh_bib_download, karabakh_bib_ref)


def _visit_details_html(self: nodes.NodeVisitor, node: karabakh_details) -> None:
    import html

    self.body.append(self.starttag(node, "details", CLASS="karabakh-bibtex"))
    self.body.append(f"<summary>{html.escape(node.get('summary', 'BibTeX'))}</summary>\n")


def _depart_details_html(self: nodes.NodeVisitor, node: karabakh_details) -> None:
    self.body.append("</details>\n")


def _pass(self: nodes.NodeVisitor, node: nodes.Node) -> None:
    pass


def _skip(self: nodes.NodeVisitor, node: nodes.Node) -> None:
    raise nodes.SkipNode


# (typed Any: add_node's **kwargs share a signature with its ``override: bool``)
DETAILS_VISITORS: dict[str, Any] = {
    "html": (_visit_details_html, _depart_details_html),
    **{name: (_pass, _pass) for name in ("latex", "text", "man", "texinfo")},
}
PLACEHOLDER_VISITORS: dict[str, Any] = {
    name: (_skip, None) for name in ("html", "latex", "text", "man", "texinfo")
}


def person_text(p: Person) -> str:
    if p.corporate:
        return p.family
    name = p.last
    if p.suffix:
        name += f", {p.suffix}"
    return f"{name}, {p.given}" if p.given else name


def people_text(people: tuple[Person, ...]) -> str:
    names = [person_text(p) for p in people]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " & " + names[-1]


def _stop(para: nodes.Element) -> str:
    """ "." unless the text so far already ends a sentence ("S." + "." -> "S.")."""
    return "" if para.astext().rstrip().endswith((".", "?", "!")) else "."


def entry_nodes(entry: BibEntry, anchor: str, *, show_bibtex: bool = True) -> nodes.container:
    """One bibliography entry, anchored at ``anchor``."""
    ref = entry.reference
    box = nodes.container(ids=[anchor], classes=["karabakh-bib-entry"])
    box["classes"].append(f"karabakh-bib-{entry.entry_type}")
    para = nodes.paragraph(classes=["karabakh-bib-citation"])
    label = nodes.inline("", f"[{entry.key}]", classes=["karabakh-bib-key"])
    para += label
    para += nodes.Text(" ")
    if ref.authors:
        para += nodes.inline("", people_text(ref.authors), classes=["karabakh-bib-authors"])
    elif ref.editors:
        eds = "ed." if len(ref.editors) == 1 else "eds."
        para += nodes.inline(
            "", f"{people_text(ref.editors)} ({eds})", classes=["karabakh-bib-authors"]
        )
    year = ref.year + (ref.year_suffix or "") if ref.year else "n.d."
    para += nodes.Text(f" ({year}). ")
    if entry.degraded or not ref.title:
        para += nodes.inline("", ref.raw, classes=["karabakh-bib-raw"])
        para += nodes.Text(" ")
    else:
        title = ref.title.rstrip(".")
        if (
            entry.entry_type in ("article", "incollection", "inproceedings", "online")
            and ref.container
        ):
            para += nodes.Text(f"“{title}.” ")
            para += nodes.emphasis("", ref.container)
        else:
            para += nodes.emphasis("", title)
            if ref.container:
                para += nodes.Text(f"{_stop(para)} {ref.container}")
        if entry.entry_type in ("incollection", "inproceedings") and ref.editors and ref.authors:
            para += nodes.Text(f", ed. {people_text(ref.editors)}")
        bits = []
        if ref.volume:
            bits.append(ref.volume + (f"({ref.number})" if ref.number else ""))
        elif ref.number:
            bits.append(f"no. {ref.number}")
        if ref.pages:
            bits.append(
                ("pp. " if "-" in ref.pages or "–" in ref.pages else "p. ")
                + ref.pages.replace("--", "–")
            )
        if bits:
            para += nodes.Text(", " + ", ".join(bits))
        pub = ": ".join(x for x in (ref.address, ref.publisher) if x)
        inst = ref.institution or (ref.organization if ref.organization != ref.container else "")
        for extra in (pub, inst):
            if extra:
                para += nodes.Text(f"{_stop(para)} {extra}")
        para += nodes.Text(f"{_stop(para)} ")
    if ref.doi:
        para += link_or_text(f"doi:{ref.doi}", doi_url(ref.doi), "karabakh-bib-doi")
        para += nodes.Text(" ")
    url = entry.field("url")  # what the BibTeX holds: the URL policy has been applied
    if url:
        link = link_or_text(ref.url or url, url.replace(" ", "%20"), "karabakh-bib-url")
        para += link
        para += nodes.Text(" ")
        if isinstance(link, nodes.reference):
            para += karabakh_link_status(url=ref.url or url, alt=url)
        if ref.urldate:
            para += nodes.Text(f" (accessed {ref.urldate})")
    if ref.unlinked_url:  # a javascript:, data: … link: text only (its warning names it)
        para += nodes.inline("", ref.unlinked_url, classes=["karabakh-bib-unlinked-url"])
    box += para
    if entry.problems:
        notes = nodes.paragraph(classes=["karabakh-bib-problems"])
        notes += nodes.inline(
            "", "Parsing notes: " + "; ".join(entry.problems), classes=["karabakh-bib-problem"]
        )
        box += notes
    if show_bibtex:
        details = karabakh_details(summary="BibTeX")
        text = write_bibtex([entry])
        block = nodes.literal_block(
            text, text, language="bibtex", classes=["karabakh-bibtex-source"]
        )
        details += block
        box += details
    return box


def link_or_text(text: str, url: str, css: str) -> nodes.Element:
    """A link to ``url`` when the URL policy allows one, else ``text`` as text (same class)."""
    href = safe_href(url)
    if href is None:
        return nodes.inline("", text, classes=[css, "karabakh-bib-not-a-link"])
    return nodes.reference("", text, refuri=href, classes=[css])


def badge(verdict: str, label: str, extra: str = "") -> nodes.inline:
    """The status badge: ``<span class="karabakh-badge karabakh-badge-VERDICT">label</span>``."""
    node = nodes.inline(
        "",
        label,
        classes=["karabakh-badge", f"karabakh-badge-{nodes.make_id(verdict) or 'unknown'}"],
    )
    if extra:
        node["classes"].append("karabakh-badge-detail")
        node += nodes.Text(f" {extra}")
    return node
