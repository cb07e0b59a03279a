"""Bench for the refs stage around the parser: splitting reference sections, and BibTeX validity.

1. Splitting: reference strings from ../shared/refdata are laid out as documents in eight styles
   (one per line, blank-line separated, wrapped paragraphs, hanging indents, bullets, [n] numbers,
   Markdown "1." with lazy continuation, wrapped lines without blank lines) under "## References";
   the splitter must give back each reference exactly. Prints the share of references recovered
   exactly, per layout.
2. BibTeX: every refdata string is parsed and written; the output must read back with bibtexparser
   (no failed block) and with pybtex in strict mode (no warning), with unique keys. Prints
   entries written per second.

Usage: ``.venv/bin/python bench/refs_section_bibtex.py [--docs N] [--seed S]``. Needs
../shared/refdata/anystyle-refs.jsonl (it says so and exits 2 when it is missing).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import re
import sys
import textwrap
import time
from pathlib import Path

REFDATA = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "refdata" / "anystyle-refs.jsonl"
)


def layouts(chunk: list[str]):
    yield "one-per-line", "\n".join(chunk)
    yield "blank-separated", "\n\n".join(chunk)
    yield "wrapped+blank", "\n\n".join(textwrap.fill(r, 78) for r in chunk)
    yield "hanging", "\n".join(textwrap.fill(r, 78, subsequent_indent="    ") for r in chunk)
    yield (
        "bullets-wrapped",
        "\n".join(textwrap.fill(r, 78, initial_indent="- ", subsequent_indent="  ") for r in chunk),
    )
    yield (
        "[n]-numbered",
        "\n".join(
            textwrap.fill(r, 78, initial_indent=f"[{i + 1}] ", subsequent_indent="    ")
            for i, r in enumerate(chunk)
        ),
    )
    yield (
        "md-1.-lazy",
        "\n".join(textwrap.fill(r, 78, initial_indent=f"{i + 1}. ") for i, r in enumerate(chunk)),
    )
    yield "wrapped-no-blank", "\n".join(textwrap.fill(r, 78) for r in chunk)


def bench_split(raws: list[str], docs: int, seed: int) -> None:
    from sphinx_karabakh.refs.section import find_reference_section

    # strings as they would stand in a list: their own list markers taken off
    pool = [
        re.sub(r"^\s*(?:\[\d+\]|\d{1,3}[.)]|[•*-])\s+", "", r)
        for r in raws
        if "\n" not in r and len(r) > 30
    ]
    pool = [r for r in pool if r[:1].isupper() or r[:1] in '"“‘«']
    rng = random.Random(seed)
    totals: dict[str, list[int]] = {}
    t0 = time.perf_counter()
    for _ in range(docs):
        chunk = rng.sample(pool, rng.randint(3, 25))
        for name, body in layouts(chunk):
            doc = (
                "# Paper\n\nSome text (Smith 2020).\n\n## References\n\n"
                + body
                + "\n\n## Appendix\n\nMore.\n"
            )
            section = find_reference_section(doc)
            got = {r.text for r in section.references} if section else set()
            want = [" ".join(c.split()) for c in chunk]
            t = totals.setdefault(name, [0, 0, 0])
            t[0] += sum(1 for w in want if w in got)
            t[1] += len(want)
            t[2] += int(section is not None and len(section.references) == len(chunk))
    elapsed = time.perf_counter() - t0
    print(f"\n## Splitting ({docs} documents per layout, seed {seed}, {elapsed:.1f} s)\n")
    print("| layout | references recovered exactly | documents with the right count |")
    print("|---|---|---|")
    for name, (ok, n, docs_ok) in totals.items():
        print(f"| {name} | {ok / n:.3f} ({ok}/{n}) | {docs_ok}/{docs} |")


def bench_bibtex(raws: list[str]) -> int:
    import bibtexparser
    import pybtex.errors
    from pybtex.database import parse_string

    from sphinx_karabakh.refs.bibtex import to_entries, write_bibtex
    from sphinx_karabakh.refs.parse import parse_reference

    refs = [parse_reference(r) for r in raws]
    t0 = time.perf_counter()
    entries = to_entries(refs)
    text = write_bibtex(entries)
    write_s = time.perf_counter() - t0
    lib = bibtexparser.parse_string(text)
    pybtex.errors.set_strict_mode(True)
    err = io.StringIO()
    pybtex_ok = True
    try:
        with contextlib.redirect_stderr(err):
            db = parse_string(text, "bibtex")
            for e in db.entries.values():
                for people in e.persons.values():
                    [str(p) for p in people]
    except Exception as exc:  # report, don't hide
        pybtex_ok = False
        print(f"pybtex: {type(exc).__name__}: {exc}")
    keys = [e.key for e in entries]
    misc = sum(1 for e in entries if e.degraded)
    print("\n## BibTeX\n")
    print(
        f"- {len(raws)} references -> {len(entries)} entries, in order: {[e.key for e in lib.entries] == keys}"
    )
    print(f"- bibtexparser: {len(lib.entries)} entries, {len(lib.failed_blocks)} failed blocks")
    print(
        f"- pybtex (strict): {'no error or warning' if pybtex_ok and not err.getvalue() else 'PROBLEMS'}"
    )
    print(
        f"- unique keys: {len(set(keys)) == len(keys)}; written as @misc (low confidence): {misc}"
    )
    print(f"- keying + writing: {write_s:.2f} s = {len(entries) / write_s:,.0f} entries/s")
    ok = (
        pybtex_ok
        and not lib.failed_blocks
        and len(set(keys)) == len(keys)
        and len(lib.entries) == len(raws)
    )
    return 0 if ok else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if not REFDATA.exists():
        print(
            f"refs_section_bibtex: {REFDATA} is missing (../shared/refdata); nothing to measure.",
            file=sys.stderr,
        )
        return 2
    raws = [
        json.loads(line)["raw"]
        for line in REFDATA.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    bench_split(raws, args.docs, args.seed)
    return bench_bibtex(raws)


if __name__ == "__main__":
    raise SystemExit(main())
