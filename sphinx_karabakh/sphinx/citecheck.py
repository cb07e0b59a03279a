"""Sphinx builder ``citecheck``: every cited URL of the project checked, for CI.

``sphinx-build -b citecheck docs OUT`` collects the external ``refuri`` of every reference node
of every document (with docname and line), the ``url`` fields of ``karabakh_linkcheck_bibfiles``,
and -- when the quotes feature's ``karabakh_sources`` is set -- the links inside each source text
plus each source's own ``url`` with the passages the docs quote from it (content check).  The
``sphinx_karabakh.linkcheck`` checker does the rest; this module only translates: progress through
``status_iterator``, one warning per failing URL and place it is cited (``type="karabakh"``,
``subtype="link"``, ``location=docname:line``), ``app.statuscode = 1`` on failures, and
``output.json`` (array), ``output.jsonl`` (JSON Lines, see ``linkcheck.report``) and
``junit.xml`` written into the output directory.
"""

from __future__ import annotations

import os
import queue
import re
import threading
import time
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.util import logging
from sphinx.util.display import status_iterator
from sphinx.util.nodes import get_node_line

from sphinx_karabakh.linkcheck.cache import Cache, merge_ttl
from sphinx_karabakh.linkcheck.checker import CheckConfig, Checker, is_failure
from sphinx_karabakh.linkcheck.collect import CollectError, LinkSet, collect_bib, collect_text
from sphinx_karabakh.linkcheck.model import CheckResult, CitedAt, Hyperlink, Verdict
from sphinx_karabakh.linkcheck.report import summary, write_json, write_jsonl, write_junit
from sphinx_karabakh.sources.model import Verdict as QuoteVerdict
from sphinx_karabakh.sphinx.passages import loaded_sources

logger = logging.getLogger(__name__)

_D = CheckConfig()

#: name -> (default, rebuild, types, one-line meaning)
CONFIG_VALUES: dict[str, tuple[Any, str, tuple[type, ...]]] = {
    "karabakh_linkcheck_workers": (_D.workers, "", (int,)),  # global concurrency
    "karabakh_linkcheck_per_host": (_D.per_host, "", (int,)),  # concurrent requests per host
    "karabakh_linkcheck_timeout": (_D.timeout, "", (int, float)),  # read timeout per request, s
    "karabakh_linkcheck_deadline": (_D.deadline, "", (int, float, type(None))),  # whole run, s
    "karabakh_linkcheck_ignore": ([], "", (list, tuple)),  # regexes of URLs to skip
    "karabakh_linkcheck_allow_link_local": (False, "", (bool,)),  # allow 169.254/16, fe80::/10
    "karabakh_linkcheck_cache": (None, "", (str, os.PathLike, type(None))),  # SQLite path; "" = off
    "karabakh_linkcheck_ttl": ({}, "", (dict, int, float)),  # {"ok": s, "broken": s, ...}
    "karabakh_linkcheck_retry_after_max": (_D.retry_after_max, "", (int, float)),  # s per URL
    "karabakh_linkcheck_bibfiles": ([], "", (list, tuple)),  # .bib files, relative to confdir
    "karabakh_linkcheck_timeout_fails": (True, "", (bool,)),  # does a timeout fail the build?
    "karabakh_linkcheck_max_bytes": (_D.max_bytes, "", (int,)),  # body bytes read per page
    "karabakh_linkcheck_refresh": (False, "", (bool,)),  # ignore cached verdicts this run
    "karabakh_linkcheck_processes": (_D.processes, "", (int,)),  # worker processes; 0 auto, 1 none
}


class CiteCheckBuilder(Builder):
    """Checks every cited URL; writes output.json, output.jsonl and junit.xml."""

    name = "citecheck"
    epilog = "Link check finished; the reports are in %(outdir)s (output.jsonl, junit.xml)."
    allow_parallel = False  # collection happens in write_doc, in the main process

    def init(self) -> None:
        self.links = LinkSet()
        self.results: list[CheckResult] = []

    def get_outdated_docs(self) -> Any:
        return self.env.found_docs

    def get_target_uri(self, docname: str, typ: str | None = None) -> str:
        return ""

    def prepare_writing(self, docnames: set[str]) -> None:
        return

    def write_doc(self, docname: str, doctree: nodes.document) -> None:
        """Collect the external links of one document (the collector; nothing is checked yet)."""
        for node in doctree.findall(nodes.reference):
            uri = node.get("refuri")
            if uri is None and node.get("refid", None) == "":
                uri = "#"  # MyST's [text](#): a reference to nothing, a placeholder
            if uri is None or not _is_external(uri):
                continue
            line = get_node_line(node) or 0
            self.links.add(uri, CitedAt(file=docname, line=line, text=node.astext()[:200]))

    def finish(self) -> None:
        self._collect_project_files()
        config = self._check_config()
        failing = lambda v: is_failure(v, config)  # noqa: E731
        cache = self._open_cache()
        links = self.links.links()
        t0 = time.monotonic()
        self.results = list(self._check(links, config, cache))
        elapsed = time.monotonic() - t0
        if cache is not None:
            cache.close()
        outdir = Path(self.outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        write_json(self.results, outdir / "output.json")
        write_jsonl(self.results, outdir / "output.jsonl")
        write_junit(self.results, outdir / "junit.xml", failing=failing, elapsed=elapsed)
        (outdir / "summary.md").write_text(
            summary(self.results, failing=failing, elapsed=elapsed) + "\n", encoding="utf-8"
        )
        failed = False
        for r in self.results:
            if failing(r.verdict):
                failed = True
                self._warn(r)
            elif r.verdict in (Verdict.RATE_LIMITED, Verdict.TIMEOUT, Verdict.UNCHECKED):
                logger.info("%s %s: %s", r.verdict, r.url, r.reason)
        counts: dict[str, int] = {}
        for r in self.results:
            counts[str(r.verdict)] = counts.get(str(r.verdict), 0) + 1
        logger.info(
            "citecheck: %d URLs: %s",
            len(self.results),
            ", ".join(f"{n} {v}" for v, n in sorted(counts.items())) or "none",
        )
        if failed:
            _app(self).statuscode = 1

    # ------------------------------------------------------------------ helpers

    def _warn(self, r: CheckResult) -> None:
        status = f" [{r.status}]" if r.status else ""
        where = r.cited_at or (CitedAt(),)
        for c in where:
            location: Any = None
            if c.file and c.file in self.env.all_docs:
                location = (c.file, c.line or None)
            elif c.file:
                location = f"{c.file}:{c.line}" if c.line else c.file
            extra = f" (entry {c.key})" if c.key else ""
            logger.warning(
                "%s%s: %s%s -- %s",
                r.verdict,
                status,
                r.url,
                extra,
                r.reason,
                location=location,
                type="karabakh",
                subtype="link",
            )

    def _check_config(self) -> CheckConfig:
        cfg = self.config
        ignore = []
        for rx in cfg.karabakh_linkcheck_ignore:
            try:
                re.compile(rx)
                ignore.append(rx)
            except (re.error, TypeError) as exc:
                logger.warning(
                    "karabakh_linkcheck_ignore: %r is not a regular expression (%s); left out",
                    rx,
                    exc,
                    type="karabakh",
                    subtype="link",
                )
        return CheckConfig(
            workers=max(1, int(cfg.karabakh_linkcheck_workers)),
            per_host=max(1, int(cfg.karabakh_linkcheck_per_host)),
            timeout=float(cfg.karabakh_linkcheck_timeout),
            deadline=None
            if cfg.karabakh_linkcheck_deadline is None
            else float(cfg.karabakh_linkcheck_deadline),
            ignore=tuple(ignore),
            allow_link_local=bool(cfg.karabakh_linkcheck_allow_link_local),
            retry_after_max=float(cfg.karabakh_linkcheck_retry_after_max),
            timeout_fails=bool(cfg.karabakh_linkcheck_timeout_fails),
            max_bytes=int(cfg.karabakh_linkcheck_max_bytes),
            processes=max(0, int(cfg.karabakh_linkcheck_processes)),
        )

    def _open_cache(self) -> Cache | None:
        path = self.config.karabakh_linkcheck_cache
        if path == "":
            return None
        if path is None:
            path = Path(self.doctreedir) / "karabakh-linkcheck.sqlite"
        else:
            path = Path(self.confdir) / path
        try:
            ttl = merge_ttl(self.config.karabakh_linkcheck_ttl or None)
        except ValueError as exc:
            logger.warning(
                "karabakh_linkcheck_ttl: %s; defaults used", exc, type="karabakh", subtype="link"
            )
            ttl = merge_ttl(None)
        try:
            return Cache(path, ttl, refresh=bool(self.config.karabakh_linkcheck_refresh))
        except Exception as exc:
            logger.warning(
                "link-check cache %s unusable (%s); checking without it",
                path,
                exc,
                type="karabakh",
                subtype="link",
            )
            return None

    def _collect_project_files(self) -> None:
        confdir = Path(self.confdir)
        for name in self.config.karabakh_linkcheck_bibfiles:
            path = confdir / name
            problems: list[str] = []
            try:
                collect_bib(self.links, path, problems)
            except CollectError as exc:
                logger.warning("%s", exc, location=str(path), type="karabakh", subtype="link")
            for msg in problems:
                where, _, text = msg.rpartition(": ")
                logger.warning("%s", text, location=where, type="karabakh", subtype="link")
        self._collect_sources()

    def _collect_sources(self) -> None:
        """Links inside the sources and each source's own URL (with the passages quoted from it).

        The sources are the ones the quotes feature loaded while reading (cached by content);
        a source that could not be loaded was already reported there as ``karabakh.source``.
        """
        if "karabakh_sources" not in self.config:  # the builder loaded without the quotes feature
            return
        loaded = loaded_sources(self.config, self.confdir)
        if loaded is None or loaded.sourceset is None:
            return
        quoted = _quoted_passages(self.env)
        for sid, src in loaded.sourceset.items():
            try:
                collect_text(self.links, src.path, key=sid)
            except CollectError as exc:
                logger.warning("%s", exc, type="karabakh", subtype="link")
            url = (src.meta.url or "").strip()
            if url:
                where = CitedAt(file=str(loaded.metadata), key=sid)
                self.links.add(url, where, quoted.get(sid, []))

    def _check(self, links: list[Hyperlink], config: CheckConfig, cache: Cache | None):
        """Run the checker in a thread; yield results through Sphinx's status_iterator."""
        if not links:
            return
        q: queue.SimpleQueue = queue.SimpleQueue()
        results: list[CheckResult] = []
        error: list[BaseException] = []

        def run() -> None:
            checker = Checker(config, cache)
            try:
                results.extend(checker.check(links, on_result=q.put))
            except BaseException as exc:  # reported below, never lost
                error.append(exc)
            finally:
                checker.close()
                q.put(None)

        th = threading.Thread(target=run, name="citecheck", daemon=True)
        th.start()

        def stream():
            while True:
                r = q.get()
                if r is None:
                    return
                yield r

        for _ in status_iterator(
            stream(),
            "checking links... ",
            "darkgreen",
            len(links),
            self.config.verbosity,
            stringify_func=lambda r: f"{r.verdict} {r.url}",
        ):
            pass
        th.join()
        if error:
            raise error[0]
        yield from results


def _app(builder: Builder) -> Sphinx:
    """The application (``Builder.app`` is deprecated in Sphinx 9; ``_app`` is what it wraps)."""
    return builder._app if hasattr(builder, "_app") else builder.app


def _is_external(uri: str) -> bool:
    low = uri.strip().lower()
    return "://" in low or low.startswith(("mailto:", "javascript:")) or low in ("#", "")


def _quoted_passages(env: Any) -> dict[str, list[str]]:
    """Verified text quoted from each source, in document order, for the content check."""
    out: dict[str, list[str]] = {}
    if "karabakh" not in env.domains:  # the builder loaded without the quotes feature
        return out
    for rec in env.get_domain("karabakh").all_quotes():
        text = (rec.typed or rec.text).strip()
        if text and rec.source and rec.verdict == QuoteVerdict.VERIFIED:
            lst = out.setdefault(rec.source, [])
            if text not in lst:
                lst.append(text)
    return out


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``citecheck`` builder and its ``karabakh_linkcheck_*`` config values."""
    meta = {"parallel_read_safe": True, "parallel_write_safe": True}
    if "karabakh_linkcheck_workers" in app.config:  # loaded twice (package + this module)
        return meta
    app.add_builder(CiteCheckBuilder)
    for name, (default, rebuild, types) in CONFIG_VALUES.items():
        app.add_config_value(name, default, rebuild, types)
    return meta
