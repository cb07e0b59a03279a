"""``sphinx-karabakh`` sub-commands of the sources stage.

- ``passages --sources DIR [SOURCE] [--json] [--paragraphs-only]``: every passage, in order.
- ``quotes verify --sources DIR QUOTES.jsonl [--json]``: a verdict per input line, in order;
  exit 0 when all are verified, 1 when any is not, 2 for bad usage or unreadable input.
- ``lock check --sources DIR --lock FILE [--json] [--allow-missing]``: what drifted since the
  lock was written, by the same policy as the build (``sources.lock.check_lock``); exit 1 when
  anything moved, changed or is gone, 2 when the lock is missing (unless ``--allow-missing``),
  empty or unreadable.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sphinx_karabakh.sources.model import DriftKind, SourceError


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``passages``, ``quotes verify`` and ``lock check``."""
    p = subparsers.add_parser(
        "passages", help="list the passages of sources with their IDs and offsets"
    )
    _sources_option(p)
    p.add_argument("source", nargs="?", help="only this source (ID or file name)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--paragraphs-only", action="store_true", help="leave sentences out")
    p.set_defaults(func=cmd_passages)

    q = subparsers.add_parser("quotes", help="verify typed quotations against the sources")
    qsub = q.add_subparsers(dest="quotes_command", metavar="ACTION", required=True)
    v = qsub.add_parser("verify", help="verify quotes read from a JSON Lines file ('-' for stdin)")
    _sources_option(v)
    v.add_argument("quotes", metavar="QUOTES.jsonl")
    v.add_argument("--json", action="store_true", help="one JSON verdict per input line")
    v.set_defaults(func=cmd_verify)

    lk = subparsers.add_parser("lock", help="quote lock file (karabakh.lock)")
    lsub = lk.add_subparsers(dest="lock_command", metavar="ACTION", required=True)
    c = lsub.add_parser("check", help="report passages that moved, changed or are gone")
    _sources_option(c)
    c.add_argument("--lock", required=True, metavar="FILE")
    c.add_argument("--json", action="store_true")
    c.add_argument(
        "--allow-missing",
        action="store_true",
        help="a lock file that does not exist yet is fine (a first run): exit 0",
    )
    c.set_defaults(func=cmd_lock_check)


def _sources_option(parser: argparse.ArgumentParser) -> None:
    """``--sources DIR``, the same for every command."""
    parser.add_argument(
        "--sources",
        required=True,
        metavar="DIR",
        help="directory with sources.toml (or .txt/.md files)",
    )


def _usage_error(message: str) -> Exception:
    from sphinx_karabakh.cli import UsageError

    return UsageError(message)


def _load(directory: str):
    from sphinx_karabakh.sources.loader import load_sources

    try:
        return load_sources(directory)
    except SourceError as exc:
        raise _usage_error(str(exc)) from None


def cmd_passages(args: argparse.Namespace) -> int:
    sources = _load(args.sources)
    if args.source:
        src = sources.find_source(args.source)
        if src is None:
            known = ", ".join(sources)
            raise _usage_error(f"unknown source {args.source!r} (known: {known})")
        selected = [src]
    else:
        selected = list(sources.values())
    out = sys.stdout
    for src in selected:
        passages = src.paragraphs if args.paragraphs_only else src.passages
        if not args.json:
            out.write(f"# {src.id}  {src.meta.title}  ({src.path})\n")
        for p in passages:
            if args.json:
                record = {
                    "id": p.id,
                    "source": p.source,
                    "text": p.text,
                    "start": p.start,
                    "end": p.end,
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                indent = "    " if p.kind == "sentence" else ""
                text = " ".join(p.text.split())
                if len(text) > 100:
                    text = text[:97] + "..."
                out.write(f"{indent}{p.id}  [{p.start}:{p.end}] line {p.line}: {text}\n")
    return 0


def _read_quotes(path: str) -> list[tuple[str, str | None]]:
    try:
        if path == "-":
            lines = sys.stdin.read().splitlines()
        else:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise _usage_error(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _usage_error(f"{path}: cannot read: {exc}") from None
    quotes: list[tuple[str, str | None]] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _usage_error(
                f"{path}:{n}: not valid JSON: {exc.msg} (column {exc.colno})"
            ) from None
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise _usage_error(f'{path}:{n}: expected an object with a "text" string')
        source = obj.get("source")
        if source is not None and not isinstance(source, str):
            raise _usage_error(f'{path}:{n}: "source" must be a string or null')
        quotes.append((obj["text"], source or None))
    return quotes


def cmd_verify(args: argparse.Namespace) -> int:
    quotes = _read_quotes(args.quotes)
    sources = _load(args.sources)
    failed = 0
    out = sys.stdout
    for i, (text, source) in enumerate(quotes, start=1):
        r = sources.verify(text, source=source)
        failed += not r.ok
        if args.json:
            record = {
                "verdict": str(r.verdict),
                "passage": r.passage,
                "start": r.start,
                "end": r.end,
                "score": r.score,
                "diff": r.diff,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            short = " ".join(text.split())
            short = short if len(short) <= 70 else short[:67] + "..."
            out.write(f"{i}: {r.verdict} {r.passage or '-'} ({r.score:.2f}) {short!r}\n")
            if r.reason:
                out.write(f"    {r.reason}\n")
            if r.diff:
                out.write(f"    {r.diff}\n")
    if not args.json:
        out.write(f"{len(quotes) - failed} of {len(quotes)} quotes verified\n")
    return 1 if failed else 0


def cmd_lock_check(args: argparse.Namespace) -> int:
    from sphinx_karabakh.sources.lock import LockError, LockFile, check_lock

    path = Path(args.lock)
    if not path.exists() and args.allow_missing:
        if not args.json:
            sys.stdout.write(f"{path}: no lock file yet (--allow-missing): nothing to check\n")
        return 0
    try:
        lock = LockFile.load(path, missing_ok=False)
    except LockError as exc:
        raise _usage_error(str(exc)) from None
    if not lock.entries:
        raise _usage_error(f"{path}: the lock file pins nothing")
    sources = _load(args.sources)
    drifted = 0
    for d in check_lock(lock, sources):
        if d.kind is DriftKind.UNCHANGED:
            continue
        drifted += 1
        if args.json:
            sys.stdout.write(
                json.dumps(
                    {
                        "key": d.key,
                        "kind": str(d.kind),
                        "pin": str(d.pin),
                        "old": d.old_passage,
                        "new": d.new_passage,
                        "similarity": d.similarity,
                        "diff": d.diff,
                        "reason": d.reason,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
        else:
            line = f"{d.key}: {d.kind} {d.old_passage}"
            if d.new_passage and d.new_passage != d.old_passage:
                line += f" -> {d.new_passage}"
            if d.kind is DriftKind.CHANGED:
                why = f"; {d.reason}" if d.reason else ""
                line += f" (similarity {d.similarity:.2f}{why})\n    {d.diff}"
            sys.stdout.write(line + "\n")
    if not args.json:
        sys.stdout.write(
            f"{len(lock.entries) - drifted} of {len(lock.entries)} pinned quotes unchanged\n"
        )
    return 1 if drifted else 0
