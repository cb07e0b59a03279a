"""Run every benchmark in turn (``make bench``) and print where each wrote its figures.

Benches that need ``../shared`` (link farm, refdata) say so themselves when it is missing; this
driver only sequences them, so one missing input does not stop the others. Figures land in
``bench/out/*.json``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent

#: (script, extra arguments) in the order they are cheapest to most expensive.
BENCHES = (
    ("quote_fidelity.py", ()),
    ("quotes.py", ()),
    ("hostile.py", ()),
    ("hostile_refs.py", ()),
    ("build.py", ("--repeat", "3", "--incremental")),
    ("refs_eval.py", ()),
    ("refs_section_bibtex.py", ()),
    ("linkcheck.py", ()),
)


def main(argv: list[str]) -> int:
    only = set(argv)
    failed = []
    for script, args in BENCHES:
        if only and script.removesuffix(".py") not in only:
            continue
        print(f"\n=== bench/{script} {' '.join(args)}", flush=True)
        started = time.perf_counter()
        rc = subprocess.call([sys.executable, str(BENCH / script), *args])
        print(f"=== bench/{script}: exit {rc} in {time.perf_counter() - started:.1f} s", flush=True)
        if rc not in (0, 1):  # 1 = the checker under test found failures, as expected on the farm
            failed.append(script)
    if failed:
        print(f"\nbenches that did not run to the end: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
