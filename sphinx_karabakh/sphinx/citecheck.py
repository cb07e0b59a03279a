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

Every ``karabakh_linkcheck_*`` value is checked at ``config-inited`` by its validator in
``VALIDATORS`` (plain functions ``value -> value``, raising ``ValueError``): a wrong one stops the
build with a configuration error that names it, never a traceback.  Ctrl-C during the check
writes the reports (every URL not checked yet is ``unchecked``, "interrupted") and ends the build
with exit status 130.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Generator, Iterator
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any, Literal

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.util import logging
from sphinx.util.display import status_iterator
from sphinx.util.nodes import get_node_line

from sphinx_karabakh.linkcheck.cache import Cache, CacheError, merge_ttl
from sphinx_karabakh.linkcheck.checker import CheckConfig, Checker, is_failure
from sphinx_karabakh.linkcheck.collect import CollectError, LinkSet, collect_bib, collect_text
from sphinx_karabakh.linkcheck.config import non_negative_seconds, positive_seconds, whole_number
from sphinx_karabakh.linkcheck.model import CheckResult, CitedAt, Hyperlink, Verdict
from sphinx_karabakh.linkcheck.report import write_reports
from sphinx_karabakh.sources.model import Verdict as QuoteVerdict
from sphinx_karabakh.sphinx import config as kconfig
from sphinx_karabakh.sphinx.passages import loaded_sources
from sphinx_karabakh.urls import link_target

logger = logging.getLogger(__name__)

_D = CheckConfig()

#: name -> (default, rebuild, types)
CONFIG_VALUES: dict[str, tuple[Any, Literal[""], tuple[type, ...]]] = {
    "karabakh_linkcheck_workers": (_D.workers, "", (int,)),  # global concurrency
    "karabakh_linkcheck_per_host": (_D.per_host, "", (int,)),  # concurrent requests per host
    "karabakh_linkcheck_timeout": (_D.timeout, "", (int, float)),  # total time per request, s
    "karabakh_linkcheck_deadline": (_D.deadline, "", (int, float, type(None))),  # whole run, s
    "karabakh_linkcheck_ignore": ([], "", (list, tuple)),  # regexes of URLs to skip
    "karabakh_linkcheck_allow_link_local": (False, "", (bool,)),  # allow 169.254/16, fe80::/10
    "karabakh_linkcheck_refuse_private": (False, "", (bool,)),  # refuse 10/8, 192.168/16, ...
    "karabakh_linkcheck_refuse_loopback": (False, "", (bool,)),  # refuse 127/8, ::1
    "karabakh_linkcheck_cache": (None, "", (str, os.PathLike, type(None))),  # SQLite path; "" = off
    "karabakh_linkcheck_ttl": ({}, "", (dict, int, float)),  # {"ok": s, "broken": s, ...}
    "karabakh_linkcheck_retry_after_max": (_D.retry_after_max, "", (int, float)),  # s per URL
    "karabakh_linkcheck_bibfiles": ([], "", (list, tuple)),  # .bib files, relative to confdir
    "karabakh_linkcheck_timeout_fails": (True, "", (bool,)),  # does a timeout fail the build?
    "karabakh_linkcheck_max_bytes": (_D.max_bytes, "", (int,)),  # body bytes read per page
    "karabakh_linkcheck_refresh": (False, "", (bool,)),  # ignore cached verdicts this run
    "karabakh_linkcheck_processes": (_D.processes, "", (int,)),  # worker processes; 0 auto, 1 none
}


# --------------------------------------------------------------------------- validators
# One per value: ``value -> value`` (possibly converted, e.g. "4" from ``-D`` -> 4), or
# ``ValueError(message)``; ``check_config`` puts the name and the value in front of the message.


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be True or False")
    return value


def _optional_seconds(value: Any) -> float | None:
    return None if value is None else positive_seconds(value)


def _regexes(value: Any) -> list[str]:
    """A list of strings (a string that is not a regular expression is warned about and left
    out when the check starts, as before)."""
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a list of regular expressions (strings)")
    return list(value)


def _paths(value: Any) -> list[str | os.PathLike[str]]:
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, str | os.PathLike) for v in value
    ):
        raise ValueError("must be a list of file paths (strings)")
    return list(value)


def _cache_path(value: Any) -> str | os.PathLike[str] | None:
    if value is not None and not isinstance(value, str | os.PathLike):
        raise ValueError("must be a file path (a string), '' for no cache, or None for the default")
    return value


def _ttl(value: Any) -> dict[str, float] | float:
    """Seconds for ok/redirects, or ``{"ok": 86400, "broken": 3600, ...}`` per verdict."""
    if isinstance(value, dict):
        out: dict[str, float] = {}
        for name, seconds in value.items():
            try:
                out[str(name)] = non_negative_seconds(seconds)
            except ValueError as exc:
                raise ValueError(f"{name!r}: {exc}") from None
        merge_ttl(out)  # unknown or never-cached verdict names: ValueError
        return out
    return non_negative_seconds(value)


VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "karabakh_linkcheck_workers": whole_number(1),
    "karabakh_linkcheck_per_host": whole_number(1),
    "karabakh_linkcheck_timeout": positive_seconds,
    "karabakh_linkcheck_deadline": _optional_seconds,
    "karabakh_linkcheck_ignore": _regexes,
    "karabakh_linkcheck_allow_link_local": _flag,
    "karabakh_linkcheck_refuse_private": _flag,
    "karabakh_linkcheck_refuse_loopback": _flag,
    "karabakh_linkcheck_cache": _cache_path,
    "karabakh_linkcheck_ttl": _ttl,
    "karabakh_linkcheck_retry_after_max": non_negative_seconds,
    "karabakh_linkcheck_bibfiles": _paths,
    "karabakh_linkcheck_timeout_fails": _flag,
    "karabakh_linkcheck_max_bytes": whole_number(1),
    "karabakh_linkcheck_refresh": _flag,
    "karabakh_linkcheck_processes": whole_number(0),
}


#: The link checker's values, for the one configuration (``config.py``).
OPTIONS = tuple(
    kconfig.Option(name, default, rebuild, kconfig.plain(VALIDATORS[name]), "", types)
    for name, (default, rebuild, types) in CONFIG_VALUES.items()
)


#: The reports the builder writes into its output directory: (``report`` kind, file name).
REPORTS = (
    ("json", "output.json"),
    ("jsonl", "output.jsonl"),
    ("junit", "junit.xml"),
    ("summary", "summary.md"),
)


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

    def prepare_writing(self, docnames: AbstractSet[str]) -> None:
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
        self.results, interrupted = self._check(links, config, cache)
        elapsed = time.monotonic() - t0
        if cache is not None:
            cache.close()
            if cache.problem:
                logger.warning("%s", cache.problem, type="karabakh", subtype="link")
        self._write_reports(failing, elapsed)
        failed = False
        for r in self.results:
            if failing(r.verdict):
                failed = True
                self._warn(r)
            elif r.verdict in (Verdict.RATE_LIMITED, Verdict.TIMEOUT):
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
        if interrupted:
            left = sum(1 for r in self.results if r.verdict is Verdict.UNCHECKED)
            logger.info(
                "citecheck: interrupted (Ctrl-C); %d URLs not checked; the reports are in %s",
                left,
                self.outdir,
            )
            _app(self).statuscode = 130
            raise SystemExit(130)  # past Sphinx's own Ctrl-C handling, which would exit 2

    def _write_reports(self, failing: Callable[[Verdict], bool], elapsed: float) -> None:
        """output.json, output.jsonl, junit.xml, summary.md; one that cannot be written is a
        warning and does not keep the others from being written (``report.write_reports``)."""
        outdir = Path(self.outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        failed = write_reports(
            self.results,
            [(kind, outdir / name) for kind, name in REPORTS],
            failing=failing,
            elapsed=elapsed,
        )
        for _, path, why in failed:
            logger.warning(
                "cannot write the report %s: %s", path, why, type="karabakh", subtype="link"
            )

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
        """The run's ``CheckConfig`` from the values ``check_config`` validated."""
        cfg = self.config
        ignore = []
        for rx in cfg.karabakh_linkcheck_ignore:
            try:
                re.compile(rx)
                ignore.append(rx)
            except re.error as exc:
                logger.warning(
                    "karabakh_linkcheck_ignore: %r is not a regular expression (%s); left out",
                    rx,
                    exc,
                    type="karabakh",
                    subtype="link",
                )
        return CheckConfig(
            workers=cfg.karabakh_linkcheck_workers,
            per_host=cfg.karabakh_linkcheck_per_host,
            timeout=float(cfg.karabakh_linkcheck_timeout),
            deadline=cfg.karabakh_linkcheck_deadline,
            ignore=tuple(ignore),
            allow_link_local=cfg.karabakh_linkcheck_allow_link_local,
            refuse_private=cfg.karabakh_linkcheck_refuse_private,
            refuse_loopback=cfg.karabakh_linkcheck_refuse_loopback,
            retry_after_max=float(cfg.karabakh_linkcheck_retry_after_max),
            timeout_fails=cfg.karabakh_linkcheck_timeout_fails,
            max_bytes=cfg.karabakh_linkcheck_max_bytes,
            processes=cfg.karabakh_linkcheck_processes,
        )

    def _open_cache(self) -> Cache | None:
        """The verdict cache, or ``None`` ("" configured, or a file that is not a usable cache:
        a ``karabakh.link`` warning, and the check goes on without it)."""
        path = self.config.karabakh_linkcheck_cache
        if path == "":
            return None
        if path is None:
            path = Path(self.doctreedir) / "karabakh-linkcheck.sqlite"
        else:
            path = Path(self.confdir) / path
        ttl = merge_ttl(self.config.karabakh_linkcheck_ttl or None)  # validated at config-inited
        try:
            return Cache(path, ttl, refresh=bool(self.config.karabakh_linkcheck_refresh))
        except CacheError as exc:
            logger.warning(
                "link-check cache unusable: %s; checking without it",
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

    def _check(
        self, links: list[Hyperlink], config: CheckConfig, cache: Cache | None
    ) -> tuple[list[CheckResult], bool]:
        """Check in this (the main) thread, so Ctrl-C reaches the checker, which then gives every
        URL not checked yet its verdict; progress through Sphinx's ``status_iterator``.  Returns
        the results and whether the run was interrupted."""
        if not links:
            return [], False
        box: list[CheckResult] = []  # on_result puts one result here, then pulls it through

        def pull() -> Iterator[CheckResult]:
            while True:
                yield box.pop()

        progress: Generator[CheckResult, None, None] = status_iterator(  # type: ignore[assignment]
            pull(),
            "checking links... ",
            "darkgreen",
            len(links),
            self.config.verbosity,
            stringify_func=lambda r: f"{r.verdict} {r.url}",
        )

        def on_result(r: CheckResult) -> None:
            box.append(r)
            next(progress)

        checker = Checker(config, cache)
        try:
            results = checker.check(links, on_result=on_result)
        finally:
            checker.close()
            progress.close()
            logger.info("")
        return results, checker.interrupted


def _app(builder: Builder) -> Sphinx:
    """The application (``Builder.app`` is deprecated in Sphinx 9; ``_app`` is what it wraps)."""
    return builder._app if hasattr(builder, "_app") else builder.app


def _is_external(uri: str) -> bool:
    """Any URL with a scheme (``javascript:`` too, for the check to refuse it), and empty or
    ``#`` targets (placeholders); relative links are Sphinx's business."""
    return bool(link_target(uri).scheme) or uri.strip() in ("#", "")


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
    kconfig.register(app, OPTIONS)
    return meta
