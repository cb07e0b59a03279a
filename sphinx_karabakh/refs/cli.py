"""``sphinx-karabakh`` sub-commands of the refs stage (a fixed contract).

- ``refs parse FILE [-o OUT.bib] [--entries-only] [--json]``: BibTeX (or JSON) with exactly one
  entry per reference, in input order. FILE is a whole document (its reference section is found)
  or, with ``--entries-only``, references separated by blank lines (one per line without them).
- ``refs audit FILE [--json]``: each in-text citation with its line and the key it resolves to,
  then the keys never cited; ``--json`` prints ``{"citations": [{"text", "line", "key"}],
  "uncited": [keys]}`` with keys identical to ``refs parse`` on the same file.

Exit codes: 0 fine, 1 some citation is unresolved (audit), 2 unreadable file (not readable, a
directory, over the size cap -- /dev/zero stops there) or no references. What had to be replaced
to read the file (bytes that are not UTF-8, control characters) and every entry's problems are
printed to stderr as ``FILE:LINE: …``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sphinx_karabakh.refs.bibtex import BibEntry
from sphinx_karabakh.refs.pipeline import ParsedReferences


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``refs parse`` and ``refs audit``."""
    refs = subparsers.add_parser("refs", help="reference lists to BibTeX, and the citation audit")
    sub = refs.add_subparsers(dest="refs_command", metavar="ACTION", required=True)

    p = sub.add_parser("parse", help="turn a document's reference list into BibTeX")
    p.add_argument(
        "file",
        metavar="FILE",
        help="a document (plain text or Markdown), or with --entries-only a list of references",
    )
    p.add_argument("-o", "--output", metavar="OUT.bib", help="write here instead of stdout")
    p.add_argument(
        "--entries-only",
        action="store_true",
        help="FILE holds only references, separated by blank lines (or one per line)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="the entries as JSON (key, type, confidence, raw, line, fields, problems)",
    )
    p.set_defaults(func=cmd_parse)

    a = sub.add_parser("audit", help="resolve a document's in-text citations to its references")
    a.add_argument("file", metavar="FILE")
    a.add_argument(
        "--json",
        action="store_true",
        help='print {"citations": [{"text", "line", "key"}], "uncited": [keys]}',
    )
    a.set_defaults(func=cmd_audit)


def _usage_error(message: str) -> Exception:
    from sphinx_karabakh.cli import UsageError

    return UsageError(message)


def _load(path: str, entries_only: bool = False) -> tuple[str, ParsedReferences]:
    from sphinx_karabakh.refs.pipeline import (
        NoReferences,
        UnreadableDocument,
        load_document,
        references_from_entries,
        references_from_text,
    )

    try:
        doc = load_document(path)
    except UnreadableDocument as exc:
        raise _usage_error(f"{exc.path}: cannot read: {exc.reason}") from None
    for problem in doc.problems:
        print(f"{path}:{problem.line}: {problem.message}", file=sys.stderr)
    text = doc.text
    try:
        parsed = references_from_entries(text) if entries_only else references_from_text(text)
    except NoReferences as exc:
        raise _usage_error(f"{path}: {exc}") from None
    for line, message in parsed.notes():
        print(f"{path}:{line}: {message}", file=sys.stderr)
    return text, parsed


def entry_json(e: BibEntry, label: str = "") -> dict[str, Any]:
    """One entry as the ``--json`` output gives it."""
    ref = e.reference
    return {
        "key": e.key,
        "type": "misc" if e.degraded else str(ref.type),
        "bibtex_type": e.entry_type,
        "confidence": ref.confidence,
        "raw": ref.raw,
        "line": ref.line,
        "category": ref.category,
        "label": label,  # the list's own number ("3" for "[3]"), "" when unnumbered
        "fields": dict(e.fields),
        "authors": [asdict(p) for p in ref.authors],
        "editors": [asdict(p) for p in ref.editors],
        "problems": list(e.problems),
    }


def cmd_parse(args: argparse.Namespace) -> int:
    _, parsed = _load(args.file, args.entries_only)
    if args.json:
        out = (
            json.dumps(
                [entry_json(e, r.label) for e, r in zip(parsed.entries, parsed.raws, strict=True)],
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
    else:
        out = parsed.bibtex()
    for e in parsed.entries:
        if e.problems:
            problems = "; ".join(dict.fromkeys(e.problems))
            print(f"{args.file}:{e.reference.line}: {e.key}: {problems}", file=sys.stderr)
    if args.output:
        try:
            Path(args.output).write_text(out, encoding="utf-8")
        except OSError as exc:
            raise _usage_error(f"{args.output}: cannot write: {exc.strerror or exc}") from None
        print(f"{args.output}: {len(parsed.entries)} entries", file=sys.stderr)
    else:
        sys.stdout.write(out)
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from sphinx_karabakh.refs.pipeline import audit_text

    text, parsed = _load(args.file)
    result = audit_text(text, parsed)
    if args.json:
        doc = {
            "citations": [
                {"text": r.citation.text, "line": r.citation.line, "key": r.key}
                for r in result.citations
            ],
            "uncited": list(result.uncited),
        }
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    else:
        width = max((len(r.citation.text) for r in result.citations), default=10)
        width = min(width, 60)
        for r in result.citations:
            where = f"{args.file}:{r.citation.line}"
            target = r.key or "unresolved"
            note = (
                f"  ({r.reason})" if r.reason and (r.key is None or "ambiguous" in r.reason) else ""
            )
            print(f"{where}: {r.citation.text:<{width}}  {target}{note}")
        unresolved = len(result.unresolved)
        print(
            f"\n{len(result.citations)} citations, {unresolved} unresolved, "
            f"{len(result.uncited)} of {len(parsed.entries)} entries never cited"
        )
        by_key = {e.key: e for e in parsed.entries}
        for key in result.uncited:
            ref = by_key[key].reference
            print(f"  uncited: {key}  ({args.file}:{ref.line}) {ref.raw[:80]}")
    return 1 if result.unresolved else 0
