"""Bench (issue 9): hostile sizes, in seconds -- nothing may be quadratic.

Cases (each also at a tenth and a hundredth of its size, to show the growth):

* ``paragraphs``: 1,000,000 short paragraphs without end punctuation ("short line 17 without
  end", a blank line between): each stays a passage of its own (no page-break join), in time
  linear in their number;
* ``line``: one 50 MB line of sentences (one paragraph of ~2.4 million sentences);
* ``lock``: a lock file of 100,000 pins read (``LockFile.load``; it was quadratic in its lines).

One long reference string is ``bench/hostile_refs.py``'s (several shapes, through the CLI).

Each case runs in a fresh process (a peak RSS of its own) and prints seconds, ratio to the case
a tenth of its size (1x10 = linear), the number of passages or entries, and peak RSS.  Writes
``bench/out/hostile.json``.  ``--quick`` runs the tenth and hundredth sizes only.

Run: ``.venv/bin/python bench/hostile.py [--quick] [--case paragraphs|line|lock]``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"

SIZES = {
    "paragraphs": (10_000, 100_000, 1_000_000),  # paragraphs
    "line": (500_000, 5_000_000, 50_000_000),  # bytes
    "lock": (1_000, 10_000, 100_000),  # pins
}


def make(case: str, size: int) -> str:
    if case == "paragraphs":
        return "".join(f"short line {i} without end\n\n" for i in range(size))
    if case == "line":
        unit = "The ceasefire holds in Karabakh, says the 2,000-strong contingent. "
        return (unit * (size // len(unit) + 1))[:size]
    if case == "lock":
        entries = {
            f"typed: quote number {i}": {
                "docs": [f"page{i % 50}"],
                "hash": f"{i:016x}",
                "kind": "typed",
                "passage": f"src:p{i}",
                "quote": f"quote number {i}",
                "text": f"The source text of passage {i}, which the quote was matched to.",
            }
            for i in range(size)
        }
        return json.dumps({"entries": entries, "version": 2}, indent=2, sort_keys=True)
    raise ValueError(case)


def run_one(case: str, size: int) -> dict:
    """In this process: build the input, time the stage on it."""
    sys.path.insert(0, str(REPO))
    text = make(case, size)
    t0 = time.perf_counter()
    if case == "lock":
        import tempfile

        from sphinx_karabakh.sources.lock import LockFile

        with tempfile.NamedTemporaryFile("w", suffix=".lock", delete=False) as f:
            f.write(text)
        t0 = time.perf_counter()
        count = len(LockFile.load(f.name).entries)
        Path(f.name).unlink()
    else:
        from sphinx_karabakh.sources import SourceMeta, source_from_text

        src = source_from_text(text, SourceMeta(id="h", file="h.txt"))
        count = len(src.paragraphs) + len(src.all_sentences)
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "case": case,
        "size": size,
        "seconds": round(seconds, 3),
        "count": count,
        "rss_mb": round(rss),
    }


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="the two smaller sizes only")
    ap.add_argument("--case", action="append", choices=sorted(SIZES))
    ap.add_argument("--one", nargs=2, metavar=("CASE", "SIZE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]))))
        return 0
    rows = []
    for case in args.case or sorted(SIZES):
        sizes = SIZES[case][:2] if args.quick else SIZES[case]
        prev = None
        for size in sizes:
            proc = subprocess.run(
                [sys.executable, __file__, "--one", case, str(size)],
                capture_output=True,
                text=True,
            )
            if proc.returncode:
                print(f"{case} {size}: failed\n{proc.stderr[-2000:]}")
                return 1
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            row["ratio"] = (
                round(row["seconds"] / prev["seconds"], 1) if prev and prev["seconds"] else None
            )
            rows.append(row)
            prev = row
            print(
                f"{case:10} {size:>11,}  {row['seconds']:8.2f} s"
                f"  x{row['ratio'] if row['ratio'] is not None else '-':>5} (10x input)"
                f"  {row['count']:>9,} passages/entries  {row['rss_mb']:>5} MB",
                flush=True,
            )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "hostile.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
