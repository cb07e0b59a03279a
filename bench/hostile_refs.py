"""Hostile reference strings through ``sphinx-karabakh refs parse``: seconds for ONE reference
of 200 KB, 1 MB and 5 MB in several shapes, to show how the time grows with the length.

Each case is a document "## References" + one reference line of the given size, parsed by the
CLI in a fresh process (``python -m sphinx_karabakh refs parse DOC -o OUT.bib``), with a time
limit per case (``--limit``, default 300 s; a case over it prints "> limit"). Printed: seconds,
the entries written and the problem the CLI reported for the reference (a long reference is
parsed on its first ``parse.MAX_PARSED_CHARS`` characters and says so).

Shapes: ``apa`` (a real reference, repeated), ``periods`` ("Word. " repeated: many sentence
ends), ``initials`` ("A. "), ``authors`` ("A. Smith, ": 100,000 authors per MB), ``digits`` (one
token of digits), ``brackets`` ("[" repeated, never closed), ``links`` ("[a](b " repeated).

    .venv/bin/python bench/hostile_refs.py                   # every shape, 200 KB, 1 MB, 5 MB
    .venv/bin/python bench/hostile_refs.py --sizes 200000 --shapes periods,digits

No figures are asserted anywhere; ``tests/test_refs_hostile.py`` only checks that a 200 KB
reference still gives an entry with a located problem.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"

SHAPES = {
    "apa": "Smith, J., & Jones, K. (2020). The war of words. Journal of Things, 12(3), 45-67. ",
    "periods": "Word. ",
    "initials": "A. ",
    "authors": "A. Smith, ",
    "digits": "1234567890",
    "brackets": "[",
    "links": "[a](b ",
}
SIZES = (200_000, 1_000_000, 5_000_000)


def _document(shape: str, size: int) -> str:
    unit = SHAPES[shape]
    line = (unit * (size // len(unit) + 1))[:size]
    return "# A paper\n\nText.\n\n## References\n\n" + line + "\n"


def run_case(shape: str, size: int, limit: float, workdir: Path) -> dict[str, object]:
    doc = workdir / f"{shape}-{size}.txt"
    out = workdir / f"{shape}-{size}.bib"
    doc.write_text(_document(shape, size), encoding="utf-8")
    cmd = [sys.executable, "-m", "sphinx_karabakh", "refs", "parse", str(doc), "-o", str(out)]
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"shape": shape, "size": size, "seconds": None, "entries": None, "problem": ""}
    seconds = time.perf_counter() - started
    entries = out.read_text(encoding="utf-8").count("\n@") + 1 if out.exists() else 0
    problem = next(
        (ln for ln in proc.stderr.splitlines() if ": " in ln and "entries" not in ln), ""
    )
    return {
        "shape": shape,
        "size": size,
        "seconds": round(seconds, 2),
        "entries": entries if proc.returncode == 0 else f"exit {proc.returncode}",
        "problem": problem.split(": ", 2)[-1][:90],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--limit", type=float, default=300.0, help="seconds allowed per case")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    shapes = [s for s in args.shapes.split(",") if s]
    unknown = set(shapes) - set(SHAPES)
    if unknown:
        ap.error(f"unknown shapes: {', '.join(sorted(unknown))} (known: {', '.join(SHAPES)})")
    rows = []
    print("| shape | size | seconds | entries | reported |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for shape in shapes:
            for size in sizes:
                row = run_case(shape, size, args.limit, Path(tmp))
                rows.append(row)
                secs = f"> {args.limit:.0f}" if row["seconds"] is None else f"{row['seconds']:.2f}"
                print(
                    f"| {shape} | {size:,} | {secs} | {row['entries']} | {row['problem']} |",
                    flush=True,
                )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "hostile_refs.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
