"""``sphinx-karabakh linkcheck``: collect URLs, check them, report; exit 1 on failing verdicts.

    sphinx-karabakh linkcheck [--bib FILE]... [--sources DIR] [--docs DIR] [--urls FILE]...
        [--json OUT] [--jsonl OUT] [--junit OUT] [--workers N] [--per-host N] [--timeout S]
        [--deadline S | --no-deadline] [--refresh] [--cache PATH] [--no-cache]
        [--allow-link-local] [--refuse-private] [--refuse-loopback] ...

Exit status: 0 nothing failing, 1 a failing verdict (broken, content-changed, anchor-missing,
malformed, refused, unchecked, and timeout unless ``--timeout-ok``), 2 bad usage or unreadable
input -- checked before anything is sent, report paths included -- or a report that could not be
written at the end (the others are still written), 130 interrupted (Ctrl-C; the reports are
written, every URL not checked yet marked ``unchecked``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx_karabakh.cli import UsageError
from sphinx_karabakh.linkcheck import report
from sphinx_karabakh.linkcheck.collect import (
    CollectError,
    LinkSet,
    collect_bib,
    collect_docs_dir,
    collect_sources_dir,
    collect_text,
    collect_url_list,
)
from sphinx_karabakh.linkcheck.config import (
    CheckConfig,
    is_failure,
    non_negative_seconds,
    positive_seconds,
    whole_number,
)
from sphinx_karabakh.linkcheck.model import CheckResult, Verdict
from sphinx_karabakh.linkcheck.report import Progress, summary, unwritable

if TYPE_CHECKING:
    from sphinx_karabakh.linkcheck.cache import Cache

DEFAULT_CACHE = Path(".karabakh-cache") / "linkcheck.sqlite"


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``linkcheck``."""
    d = CheckConfig()
    p = subparsers.add_parser(
        "linkcheck",
        help="check every cited URL (BibTeX, sources, docs, URL lists)",
        description="Collect URLs from BibTeX files, source texts, a Sphinx docs directory and URL "
        "lists; check them concurrently; print a summary; write JSON/JSON Lines/JUnit reports. "
        "Exit 1 when a verdict fails, 2 on bad usage.",
    )
    p.add_argument(
        "--bib",
        action="append",
        default=[],
        metavar="FILE",
        help="BibTeX file (url fields); repeatable",
    )
    p.add_argument(
        "--sources",
        action="append",
        default=[],
        metavar="DIR|FILE",
        help="source texts (.txt/.md): Markdown links, <autolinks>, bare URLs and domains",
    )
    p.add_argument(
        "--docs",
        action="append",
        default=[],
        metavar="DIR",
        help="Sphinx docs directory (.rst/.md external links)",
    )
    p.add_argument(
        "--urls", action="append", default=[], metavar="FILE", help="plain URL list, one per line"
    )
    p.add_argument("--json", metavar="OUT", help="write a JSON array report")
    p.add_argument("--jsonl", metavar="OUT", help="write a JSON Lines report (one object per URL)")
    p.add_argument("--junit", metavar="OUT", help="write a JUnit XML report")
    p.add_argument(
        "--workers", type=int, default=d.workers, help=f"global concurrency (default {d.workers})"
    )
    p.add_argument(
        "--per-host",
        type=int,
        default=d.per_host,
        help=f"concurrent requests per host (default {d.per_host})",
    )
    p.add_argument(
        "--processes",
        type=int,
        default=d.processes,
        metavar="N",
        help="worker processes, each checking its own hosts (default 0 = one per idle CPU when "
        "there are enough URLs and hosts; 1 = none)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=d.timeout,
        help=f"total time of one request (connect, headers and body), s (default {d.timeout:g})",
    )
    p.add_argument(
        "--connect-timeout", type=float, default=d.connect_timeout, help="connect timeout, s"
    )
    p.add_argument(
        "--deadline",
        type=float,
        default=d.deadline,
        help=f"the whole run ends after this many seconds (default {d.deadline:g})",
    )
    p.add_argument("--no-deadline", action="store_true", help="no limit on the whole run")
    p.add_argument(
        "--retry-after-max",
        type=float,
        default=d.retry_after_max,
        help=f"longest total Retry-After wait per URL, s (default {d.retry_after_max:g})",
    )
    p.add_argument("--max-redirects", type=int, default=d.max_redirects)
    p.add_argument(
        "--max-bytes", type=int, default=d.max_bytes, help="body bytes read at most per page"
    )
    p.add_argument(
        "--min-interval",
        type=float,
        default=d.min_interval,
        help="seconds between requests to one host",
    )
    p.add_argument(
        "--ignore", action="append", default=[], metavar="REGEX", help="URLs matching are skipped"
    )
    p.add_argument(
        "--allow-link-local",
        action="store_true",
        help="allow hosts in 169.254/16 and fe80::/10 (cloud-metadata addresses stay refused)",
    )
    p.add_argument(
        "--refuse-private",
        "--exclude-private",
        action="store_true",
        help="refuse hosts in private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7)",
    )
    p.add_argument(
        "--refuse-loopback",
        "--exclude-loopback",
        action="store_true",
        help="refuse hosts on loopback (127/8, ::1)",
    )
    p.add_argument("--timeout-ok", action="store_true", help="a timeout does not fail the run")
    p.add_argument(
        "--cache",
        metavar="PATH",
        default=str(DEFAULT_CACHE),
        help=f"SQLite cache (default {DEFAULT_CACHE})",
    )
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    p.add_argument(
        "--refresh",
        action="store_true",
        help="ignore cached verdicts (fresh ones are still stored)",
    )
    p.add_argument(
        "--ttl",
        type=float,
        metavar="S",
        help="cache TTL of ok/redirect verdicts, s (default 1 day)",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    p.set_defaults(func=run)


def collect(args: argparse.Namespace) -> LinkSet:
    links = LinkSet()
    try:
        for f in args.bib:
            path = Path(f)
            if not path.is_file():
                raise UsageError(f"{f}: no such BibTeX file")
            problems: list[str] = []
            collect_bib(links, path, problems)
            for msg in problems:
                print(f"sphinx-karabakh: warning: {msg}", file=sys.stderr)
        for d in args.sources:
            path = Path(d)
            if path.is_file():
                collect_text(links, path)
            elif path.is_dir():
                collect_sources_dir(links, path)
            else:
                raise UsageError(f"{d}: no such sources directory or file")
        for d in args.docs:
            if not Path(d).is_dir():
                raise UsageError(f"{d}: no such docs directory")
            collect_docs_dir(links, Path(d))
        for f in args.urls:
            if not Path(f).is_file():
                raise UsageError(f"{f}: no such URL list")
            collect_url_list(links, Path(f))
    except CollectError as exc:
        raise UsageError(str(exc)) from exc
    return links


def _value(flag: str, check: Callable[[object], float], value: object) -> float:
    try:
        return check(value)
    except ValueError as exc:
        raise UsageError(f"{flag} {value}: {exc}") from None


def config_from_args(args: argparse.Namespace) -> CheckConfig:
    """The run's ``CheckConfig``; every number checked (a bad one is a ``UsageError``)."""
    at_least_1, at_least_0 = whole_number(1), whole_number(0)
    workers = int(_value("--workers", at_least_1, args.workers))
    per_host = int(_value("--per-host", at_least_1, args.per_host))
    processes = int(_value("--processes", at_least_0, args.processes))
    timeout = _value("--timeout", positive_seconds, args.timeout)
    connect_timeout = _value("--connect-timeout", positive_seconds, args.connect_timeout)
    deadline = None if args.no_deadline else _value("--deadline", positive_seconds, args.deadline)
    retry_after_max = _value("--retry-after-max", non_negative_seconds, args.retry_after_max)
    max_redirects = int(_value("--max-redirects", at_least_0, args.max_redirects))
    max_bytes = int(_value("--max-bytes", at_least_1, args.max_bytes))
    min_interval = _value("--min-interval", non_negative_seconds, args.min_interval)
    if args.ttl is not None:
        _value("--ttl", non_negative_seconds, args.ttl)
    import re

    for rx in args.ignore:
        try:
            re.compile(rx)
        except re.error as exc:
            raise UsageError(f"--ignore {rx!r}: bad regular expression: {exc}") from exc
    return CheckConfig(
        workers=workers,
        per_host=per_host,
        timeout=timeout,
        connect_timeout=connect_timeout,
        deadline=deadline,
        retry_after_max=retry_after_max,
        max_redirects=max_redirects,
        max_bytes=max_bytes,
        min_interval=min_interval,
        allow_link_local=args.allow_link_local,
        refuse_private=args.refuse_private,
        refuse_loopback=args.refuse_loopback,
        ignore=tuple(args.ignore),
        timeout_fails=not args.timeout_ok,
        processes=processes,
    )


def _reports(args: argparse.Namespace) -> list[tuple[str, str]]:
    """``(kind, path)`` of every report asked for (the kind is also the flag's name)."""
    return [(k, getattr(args, k)) for k in ("jsonl", "json", "junit") if getattr(args, k)]


def check_reports(args: argparse.Namespace) -> None:
    """Every report path must be writable before anything is checked (no directory is made)."""
    for kind, path in _reports(args):
        why = unwritable(path)
        if why:
            raise UsageError(f"--{kind} {path}: {why}")


def write_reports(
    args: argparse.Namespace,
    results: list[CheckResult],
    failing: Callable[[Verdict], bool],
    elapsed: float,
) -> list[str]:
    """Write every report asked for (``report.write_reports``: one that fails does not stop
    the others).  Returns the problems, one line each."""
    failed = report.write_reports(results, _reports(args), failing=failing, elapsed=elapsed)
    return [f"--{kind} {path}: cannot write the report: {why}" for kind, path, why in failed]


def open_cache(args: argparse.Namespace) -> Cache | None:
    """The cache, or ``None`` (``--no-cache``, or a file that is not a usable cache: a warning)."""
    if args.no_cache:
        return None
    from sphinx_karabakh.linkcheck.cache import Cache, CacheError, merge_ttl

    try:
        return Cache(args.cache, merge_ttl(args.ttl), refresh=args.refresh)
    except CacheError as exc:
        print(f"sphinx-karabakh: warning: {exc}; checking without the cache", file=sys.stderr)
        return None


def run(args: argparse.Namespace) -> int:
    if not (args.bib or args.sources or args.docs or args.urls):
        raise UsageError("nothing to check: give --bib, --sources, --docs or --urls")
    config = config_from_args(args)
    check_reports(args)
    try:
        links = collect(args)
    except KeyboardInterrupt:
        print("sphinx-karabakh: interrupted before the check started", file=sys.stderr)
        return 130
    from sphinx_karabakh.linkcheck.checker import Checker  # imports requests: only when checking

    cache = open_cache(args)
    failing = lambda v: is_failure(v, config)  # noqa: E731
    progress = Progress(len(links), quiet=args.quiet, failing=failing)
    checker = Checker(config, cache)
    t0 = time.monotonic()
    try:
        results = checker.check(links.links(), on_result=progress)
    finally:
        progress.finish()
        checker.close()
    elapsed = time.monotonic() - t0
    hits = cache.hits if cache else 0
    if cache:
        cache.close()
        if cache.problem:
            print(f"sphinx-karabakh: warning: {cache.problem}", file=sys.stderr)
    problems = write_reports(args, results, failing, elapsed)
    if not args.quiet:
        print(summary(results, failing=failing, elapsed=elapsed, cache_hits=hits))
    for problem in problems:
        print(f"sphinx-karabakh: error: {problem}", file=sys.stderr)
    if checker.interrupted:  # reports are written (what was not checked says so); CI must not pass
        print("sphinx-karabakh: interrupted", file=sys.stderr)
        return 130
    if problems:
        return 2
    return 1 if any(failing(r.verdict) for r in results) else 0
