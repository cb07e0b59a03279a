"""Bench: quote fidelity on a gold set of typed quotes from texts this project did not write.

What it does: loads ``bench/fidelity/sources/`` with ``load_sources`` and checks every quote of
``bench/fidelity/gold.jsonl`` (made by ``bench/fidelity/make_gold.py``) with
``SourceSet.verify(text, source=...)``, then prints, per category and overall:

* **false accepts** (FA): expected misquote or not-found, got verified -- the errors that let a
  misquote be published, counted first;
* **false rejects** (FR): expected verified, got misquote or not-found;
* **confusions**: misquote and not-found mistaken for each other (no verdict is wrongly "ok");
* accuracy, and the worst items (every false accept first, then false rejects).

``--json OUT`` writes the figures and every item's verdict; ``--compare OLD.json`` then prints
what got better or worse item by item (in the manner of AnyStyle's ``rake delta``), worse first.

Run: ``.venv/bin/python bench/quote_fidelity.py [--json bench/out/fidelity.json] [--compare OLD]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sphinx_karabakh.sources import load_sources  # noqa: E402

GOLD = REPO / "bench" / "fidelity" / "gold.jsonl"
SOURCES = REPO / "bench" / "fidelity" / "sources"
VERDICTS = ("verified", "misquote", "not-found")


@dataclass(frozen=True)
class Outcome:
    """One gold quote and the verdict the checker gave it."""

    id: str
    category: str
    text: str
    source: str | None
    expect: str
    got: str  # a verdict, or "error"
    reason: str
    note: str
    checked: bool

    @property
    def false_accept(self) -> bool:
        return self.expect != "verified" and self.got == "verified"

    @property
    def false_reject(self) -> bool:
        return self.expect == "verified" and self.got != "verified"

    @property
    def confusion(self) -> bool:
        return self.expect != "verified" and self.got not in ("verified", self.expect)

    @property
    def ok(self) -> bool:
        return self.got == self.expect

    @property
    def kind(self) -> str:
        if self.ok:
            return "ok"
        if self.false_accept:
            return "FA"
        if self.false_reject:
            return "FR"
        return "confusion"


def load_gold(path: Path) -> list[dict]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{path}:{n}: not JSON: {exc.msg}") from None
        missing = {"id", "text", "source", "expect", "category"} - set(item)
        if missing or item["expect"] not in VERDICTS:
            raise SystemExit(
                f"{path}:{n}: needs id/text/source/expect/category, expect in {VERDICTS}"
            )
        items.append(item)
    return items


def run(gold: list[dict], sources: Path) -> tuple[list[Outcome], float, float]:
    t0 = time.perf_counter()
    ss = load_sources(sources)
    t_load = time.perf_counter() - t0
    out = []
    t1 = time.perf_counter()
    for item in gold:
        try:
            if item["source"] is None:
                m = ss.verify(item["text"])
            else:
                m = ss.verify(item["text"], source=item["source"])
            got, reason = str(m.verdict), m.reason
        except Exception as exc:  # a crash is a wrong verdict, not the end of the run
            got, reason = "error", f"{type(exc).__name__}: {exc}"
        out.append(
            Outcome(
                item["id"],
                item["category"],
                item["text"],
                item["source"],
                item["expect"],
                got,
                reason,
                item.get("note", ""),
                bool(item.get("checked")),
            )
        )
    return out, t_load, time.perf_counter() - t1


def figures(outcomes: list[Outcome]) -> dict:
    def block(rows: list[Outcome]) -> dict:
        expect = Counter(o.expect for o in rows)
        return {
            "n": len(rows),
            "expect": dict(expect),
            "correct": sum(o.ok for o in rows),
            "false_accepts": sum(o.false_accept for o in rows),
            "false_rejects": sum(o.false_reject for o in rows),
            "confusions": sum(o.confusion for o in rows),
            "errors": sum(o.got == "error" for o in rows),
            "accuracy": round(sum(o.ok for o in rows) / len(rows), 4) if rows else 0.0,
            # rates over the quotes that could go wrong that way
            "fa_rate": _rate(sum(o.false_accept for o in rows), len(rows) - expect["verified"]),
            "fr_rate": _rate(sum(o.false_reject for o in rows), expect["verified"]),
        }

    by_cat: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_cat[o.category].append(o)
    matrix = Counter(f"{o.expect}->{o.got}" for o in outcomes)
    checked = [o for o in outcomes if o.checked]
    return {
        "overall": block(outcomes),
        "checked_subset": block(checked),
        "categories": {c: block(rows) for c, rows in sorted(by_cat.items())},
        "matrix": dict(sorted(matrix.items())),
    }


def _rate(k: int, n: int) -> float:
    return round(k / n, 4) if n else 0.0


def _side(category_rows: dict) -> str:
    e = category_rows["expect"]
    return max(e, key=e.get) if e else "?"


def print_table(fig: dict, outcomes: list[Outcome], worst: int) -> None:
    head = f"{'category':28} {'expect':>10} {'n':>5} {'FA':>4} {'FR':>4} {'conf':>4} {'acc':>7}"
    print(head)
    print("-" * len(head))
    cats = fig["categories"]
    # the accept side, then the reject side, each by category name
    for side in ("verified", "misquote", "not-found"):
        for name, row in cats.items():
            if _side(row) != side:
                continue
            print(
                f"{name:28} {side:>10} {row['n']:5d} {row['false_accepts']:4d} "
                f"{row['false_rejects']:4d} {row['confusions']:4d} {row['accuracy']:7.1%}"
            )
    print("-" * len(head))
    for label, key in (("overall", "overall"), ("hand-checked subset", "checked_subset")):
        row = fig[key]
        print(
            f"{label:28} {'':>10} {row['n']:5d} {row['false_accepts']:4d} "
            f"{row['false_rejects']:4d} {row['confusions']:4d} {row['accuracy']:7.1%}"
        )
    o = fig["overall"]
    e = o["expect"]
    print()
    print(
        f"false accepts: {o['false_accepts']} of {o['n'] - e.get('verified', 0)} quotes that must "
        f"fail ({o['fa_rate']:.1%}); false rejects: {o['false_rejects']} of {e.get('verified', 0)} "
        f"faithful quotes ({o['fr_rate']:.1%}); confusions: {o['confusions']}; errors: {o['errors']}"
    )
    print("expected -> got: " + ", ".join(f"{k} {v}" for k, v in fig["matrix"].items()))
    if worst:
        bad = _spread([x for x in outcomes if x.false_accept])
        bad += _spread([x for x in outcomes if x.false_reject])
        bad += [x for x in outcomes if x.got == "error" and not x.false_reject]
        print(f"\nworst items (false accepts first; {min(worst, len(bad))} of {len(bad)}):")
        for x in bad[:worst]:
            print(f"  [{x.kind}] {x.id}  source={x.source}  expect={x.expect} got={x.got}")
            print(f"      quote: {_short(x.text)}")
            print(f"      gold:  {x.note}")
            if x.reason:
                print(f"      says:  {_short(x.reason)}")


def _spread(rows: list[Outcome]) -> list[Outcome]:
    """One item per category in turn (hand-checked first), so a long list is not one category."""
    by_cat: dict[str, list[Outcome]] = defaultdict(list)
    for x in sorted(rows, key=lambda x: not x.checked):
        by_cat[x.category].append(x)
    out: list[Outcome] = []
    while any(by_cat.values()):
        for cat in sorted(by_cat):
            if by_cat[cat]:
                out.append(by_cat[cat].pop(0))
    return out


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def compare(old_path: Path, outcomes: list[Outcome], fig: dict) -> None:
    try:
        old = json.loads(old_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SystemExit(f"--compare: cannot read {old_path}: {exc}") from None
    before = old.get("items", {})
    better, worse, moved = [], [], []
    for x in outcomes:
        prev = before.get(x.id)
        if prev is None or prev["got"] == x.got:
            continue
        was_ok = prev["got"] == x.expect
        if x.ok and not was_ok:
            better.append((x, prev))
        elif was_ok and not x.ok:
            worse.append((x, prev))
        else:
            moved.append((x, prev))
    print(f"\ncompared with {old_path} ({old.get('meta', {}).get('commit', '?')}):")
    oo, no = old["overall"], fig["overall"]
    for key in ("false_accepts", "false_rejects", "confusions", "errors"):
        print(f"  {key:14} {oo.get(key, 0):5d} -> {no[key]:5d}  ({no[key] - oo.get(key, 0):+d})")
    print(f"  {'accuracy':14} {oo['accuracy']:6.1%} -> {no['accuracy']:6.1%}")
    print("  per category (FA, FR) where they changed:")
    for cat, row in fig["categories"].items():
        prev = old.get("categories", {}).get(cat)
        if prev is None:
            print(f"    {cat:28} new: FA {row['false_accepts']}, FR {row['false_rejects']}")
            continue
        if (prev["false_accepts"], prev["false_rejects"]) != (
            row["false_accepts"],
            row["false_rejects"],
        ):
            print(
                f"    {cat:28} FA {prev['false_accepts']:3d} -> {row['false_accepts']:3d}   "
                f"FR {prev['false_rejects']:3d} -> {row['false_rejects']:3d}"
            )
    missing = set(before) - {x.id for x in outcomes}
    if missing:
        print(f"  {len(missing)} items of the old run are not in this gold set")
    for title, rows in (("worse", worse), ("better", better), ("changed, still wrong", moved)):
        print(f"\n  {title}: {len(rows)}")
        for x, prev in rows:
            print(f"    {x.id}  expect={x.expect}  {prev['got']} -> {x.got}")
            print(f"        {_short(x.text, 140)}")
            if title != "better" and x.reason:
                print(f"        says: {_short(x.reason, 140)}")


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # a usage error is one line and exit 2, no usage dump
        self.exit(2, f"{self.prog}: {message}\n")


def main(argv: list[str] | None = None) -> int:
    ap = _Parser(description=__doc__.split("\n")[0])
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--sources", type=Path, default=SOURCES)
    ap.add_argument("--json", type=Path, metavar="OUT", help="write figures and verdicts here")
    ap.add_argument("--compare", type=Path, metavar="OLD.json", help="item-by-item delta")
    ap.add_argument("--worst", type=int, default=30, help="how many wrong items to list")
    ap.add_argument("--category", action="append", help="only these categories (repeatable)")
    args = ap.parse_args(argv)
    if not args.gold.is_file():
        ap.error(f"gold set not found: {args.gold}")
    if args.compare is not None and not args.compare.is_file():
        ap.error(f"--compare: file not found: {args.compare}")
    gold = load_gold(args.gold)
    if args.category:
        gold = [g for g in gold if g["category"] in args.category]
    outcomes, t_load, t_verify = run(gold, args.sources)
    fig = figures(outcomes)
    print_table(fig, outcomes, args.worst)
    print(
        f"\n{len(outcomes)} quotes, {len(set(g['source'] for g in gold))} sources named; load "
        f"{t_load:.2f} s, verify {t_verify:.2f} s ({t_verify / max(len(outcomes), 1) * 1000:.1f} ms/quote)"
    )
    meta = {
        "commit": _commit(),
        "gold": str(args.gold.relative_to(REPO) if args.gold.is_relative_to(REPO) else args.gold),
        "n": len(outcomes),
        "load_s": round(t_load, 3),
        "verify_s": round(t_verify, 3),
    }
    if args.compare:
        compare(args.compare, outcomes, fig)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        items = {
            o.id: {"category": o.category, "expect": o.expect, "got": o.got, "reason": o.reason}
            for o in outcomes
        }
        args.json.write_text(
            json.dumps({"meta": meta, **fig, "items": items}, indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
