"""``sphinx-karabakh linkcheck``: collect URLs, check them, report; exit 1 on failing verdicts.

    sphinx-karabakh linkcheck [--bib FILE]... [--sources DIR] [--docs DIR] [--urls FILE]...
        [--json OUT] [--jsonl OUT] [--junit OUT] [--workers N] [--per-host N] [--timeout S]
        [--deadline S] [--refresh] [--cache PATH] [--no-cache] [--allow-link-local] ...

Exit status: 0 nothing failing, 1 a failing verdict (broken, content-changed, anchor-missing,
malformed, and timeout unless ``--timeout-ok``), 2 bad usage or unreadable input.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sphinx_karabakh.cli import UsageError
from sphinx_karabakh.linkcheck.collect import (
    CollectError,
    LinkSet,
    collect_bib,
    collect_docs_dir,
    collect_sources_dir,
    collect_text,
    collect_url_list,
)
from sphinx_karabakh.linkcheck.config import CheckConfig, is_failure
from sphinx_karabakh.linkcheck.report import Progress, summary, write_json, write_jsonl, write_junit

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
        help=f"read timeout per request, s (default {d.timeout:g})",
    )
    p.add_argument(
        "--connect-timeout", type=float, default=d.connect_timeout, help="connect timeout, s"
    )
    p.add_argument(
        "--deadline",
        type=float,
        default=d.deadline,
        help=f"the whole run ends after this many seconds (default {d.deadline:g}; 0 = none)",
    )
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
        "--allow-link-local", action="store_true", help="allow hosts in 169.254/16 and fe80::/10"
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


def config_from_args(args: argparse.Namespace) -> CheckConfig:
    if args.workers < 1 or args.per_host < 1:
        raise UsageError("--workers and --per-host must be at least 1")
    if args.processes < 0:
        raise UsageError("--processes must be 0 (auto) or more")
    if args.timeout <= 0 or args.connect_timeout <= 0:
        raise UsageError("--timeout and --connect-timeout must be positive")
    import re

    for rx in args.ignore:
        try:
            re.compile(rx)
        except re.error as exc:
            raise UsageError(f"--ignore {rx!r}: bad regular expression: {exc}") from exc
    return CheckConfig(
        workers=args.workers,
        per_host=args.per_host,
        timeout=args.timeout,
        connect_timeout=args.connect_timeout,
        deadline=args.deadline or None,
        retry_after_max=args.retry_after_max,
        max_redirects=args.max_redirects,
        max_bytes=args.max_bytes,
        min_interval=args.min_interval,
        allow_link_local=args.allow_link_local,
        ignore=tuple(args.ignore),
        timeout_fails=not args.timeout_ok,
        processes=args.processes,
    )


def run(args: argparse.Namespace) -> int:
    if not (args.bib or args.sources or args.docs or args.urls):
        raise UsageError("nothing to check: give --bib, --sources, --docs or --urls")
    from sphinx_karabakh.linkcheck.cache import Cache, merge_ttl
    from sphinx_karabakh.linkcheck.checker import Checker  # imports requests: only when checking

    config = config_from_args(args)
    links = collect(args)
    cache = None
    if not args.no_cache:
        try:
            cache = Cache(args.cache, merge_ttl(args.ttl), refresh=args.refresh)
        except Exception as exc:  # a broken cache must not stop the check
            print(
                f"sphinx-karabakh: warning: {args.cache}: cache unusable ({exc}); checking without it",
                file=sys.stderr,
            )
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
    if args.jsonl:
        write_jsonl(results, args.jsonl)
    if args.json:
        write_json(results, args.json)
    if args.junit:
        write_junit(results, args.junit, failing=failing, elapsed=elapsed)
    if not args.quiet:
        print(summary(results, failing=failing, elapsed=elapsed, cache_hits=hits))
    if checker.interrupted:  # reports are written (what was not checked says so); CI must not pass
        print("sphinx-karabakh: interrupted", file=sys.stderr)
        return 130
    return 1 if any(failing(r.verdict) for r in results) else 0
