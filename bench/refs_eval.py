"""Reference-parser quality on ../shared/refdata: per-field precision/recall/F1, refs/second, and the
same figures for refextract (PyPI) on the same strings, in the same run.

    .venv/bin/python bench/refs_eval.py                 # everything (refextract on all records)
    .venv/bin/python bench/refs_eval.py --refextract-limit 2000 --save-baseline
    .venv/bin/python bench/refs_eval.py --mode rules    # rules only / crf only / combined (default)

A field counts as a true positive when predicted and gold are both present and equal after folding case
and diacritics and dropping punctuation (so "72–92" == "72--92"); authors and editors compare as lists
of family names, leading particles ignored. Predicted-but-wrong counts as a false positive and a false
negative. "Held-out" is the part the CRF was not trained on (md5 of the raw string, see
``bench/train_refs_crf.py``). ``--save-baseline`` stores this run as bench/out/refs_eval_prev.json; later
runs print what got worse against it (as AnyStyle's ``rake delta`` does).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "refdata" / "anystyle-refs.jsonl"
OUT = ROOT / "bench" / "out"
FIELDS = (
    "authors",
    "year",
    "title",
    "container",
    "volume",
    "number",
    "pages",
    "publisher",
    "address",
    "url",
    "doi",
    "editors",
)
PARTICLES = {
    "van",
    "von",
    "der",
    "den",
    "de",
    "del",
    "della",
    "di",
    "da",
    "du",
    "des",
    "le",
    "la",
    "ten",
    "ter",
    "zu",
    "dos",
    "das",
    "d",
    "l",
}


def heldout(raw: str) -> bool:
    """Deterministic 10 % split: the CRF never trains on these."""
    return int(hashlib.md5(raw.encode("utf-8")).hexdigest(), 16) % 10 == 0


def dev(raw: str) -> bool:
    """Another tenth, carved from the training part, for tuning (train with --dev to leave it out)."""
    return int(hashlib.md5(raw.encode("utf-8")).hexdigest(), 16) % 10 == 1


def fold(text: str) -> str:
    # JATS-style markup kept in some gold labels ("<italic>Journal</italic>") is not part of the value
    t = re.sub(r"</?(?:italic|bold|i|b|em|sup|sub|sc)>", " ", text)
    t = unicodedata.normalize("NFKD", t)
    t = "".join(c for c in t if not unicodedata.combining(c)).lower()
    t = re.sub(r"[^\w\s]|_", " ", t)
    return " ".join(t.split())


def fold_name(name: str) -> str:
    words = fold(name).split()
    while len(words) > 1 and words[0] in PARTICLES:
        words = words[1:]
    return " ".join(words)


def norm(field: str, value) -> str:
    if not value:
        return ""
    if field in ("authors", "editors"):
        names = [fold_name(v) for v in value]
        return "|".join(n for n in names if n)
    if field == "url":
        return fold(re.sub(r"^https?://", "", str(value).strip()).rstrip("/"))
    if field == "pages":
        return fold(re.sub(r"[-–—]+", "-", str(value)))
    return fold(str(value))


def ours(raw: str, mode: str) -> dict:
    from sphinx_karabakh.refs import parse

    ref = (
        parse.parse_reference_mode(raw, mode) if mode != "combined" else parse.parse_reference(raw)
    )
    return {
        "authors": [p.last for p in ref.authors],
        "editors": [p.last for p in ref.editors],
        "year": ref.year,
        "title": ref.title,
        "container": ref.container,
        "volume": ref.volume,
        "number": ref.number,
        "pages": ref.pages,
        "publisher": ref.publisher or ref.institution,
        "address": ref.address,
        "url": ref.url,
        "doi": ref.doi,
    }


def refextract_fields(raw: str) -> dict:
    """Map refextract's output for one string onto the same field names."""
    from refextract import extract_references_from_string

    from sphinx_karabakh.refs.names import split_names

    try:
        found = extract_references_from_string(raw, is_only_references=True)
    except Exception:
        found = []
    out: dict = {}
    merged: dict[str, list[str]] = defaultdict(list)
    for item in found:
        for k, v in item.items():
            merged[k].extend(v if isinstance(v, list) else [v])

    def first(*keys: str) -> str:
        for k in keys:
            if merged.get(k):
                return str(merged[k][0])
        return ""

    authors = []
    for a in merged.get("author", []):
        authors.extend(p.last for p in split_names(a))
    out["authors"] = authors
    out["editors"] = []
    out["year"] = first("year", "journal_year")
    out["title"] = first("title")
    out["container"] = first("journal_title")
    out["volume"] = first("journal_volume")
    out["number"] = first("journal_issue")
    out["pages"] = first("journal_page")
    out["publisher"] = first("publisher")
    out["address"] = ""
    out["url"] = first("url")
    out["doi"] = re.sub(r"^doi:", "", first("doi"), flags=re.I)
    return out


def score(records: list[dict], preds: list[dict]) -> dict:
    """Per-field TP/FP/FN -> P/R/F1 plus micro totals."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for rec, pred in zip(records, preds, strict=True):
        gold = rec["fields"]
        for f in FIELDS:
            g, p = norm(f, gold.get(f)), norm(f, pred.get(f))
            if g and p and g == p:
                tp[f] += 1
            else:
                if p:
                    fp[f] += 1
                if g:
                    fn[f] += 1
    table = {}
    for f in (*FIELDS, "ALL"):
        t = sum(tp.values()) if f == "ALL" else tp[f]
        p_ = sum(fp.values()) if f == "ALL" else fp[f]
        n = sum(fn.values()) if f == "ALL" else fn[f]
        prec = t / (t + p_) if t + p_ else 0.0
        rec = t / (t + n) if t + n else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        table[f] = {"p": round(prec, 4), "r": round(rec, 4), "f1": round(f1, 4), "n": t + n}
    return table


def print_table(title: str, tables: dict[str, dict]) -> None:
    names = list(tables)
    print(f"\n{title}")
    print(f"{'field':<10}" + "".join(f"{n[:22]:>24}" for n in names))
    print(f"{'':<10}" + "".join(f"{'P    R    F1':>24}" for _ in names))
    for f in (*FIELDS, "ALL"):
        row = f"{f:<10}"
        for n in names:
            c = tables[n][f]
            row += f"{c['p']:>10.3f}{c['r']:>7.3f}{c['f1']:>7.3f}"
        print(row)


def delta(records: list[dict], preds: list[dict], prev_path: Path, limit: int = 25) -> None:
    """Print fields that were right in the saved run and are wrong now (and the reverse count)."""
    if not prev_path.exists():
        print(
            f"\n(no baseline at {prev_path.relative_to(ROOT)}; run with --save-baseline to keep one)"
        )
        return
    prev = json.loads(prev_path.read_text(encoding="utf-8"))
    worse, better = [], 0
    by_field = Counter()
    for rec, pred in zip(records, preds, strict=True):
        key = hashlib.md5(rec["raw"].encode()).hexdigest()
        old = prev.get(key)
        if old is None:
            continue
        gold = rec["fields"]
        for f in FIELDS:
            g = norm(f, gold.get(f))
            now_ok = norm(f, pred.get(f)) == g
            was_ok = norm(f, old.get(f)) == g
            if was_ok and not now_ok:
                worse.append((f, rec["raw"], old.get(f), pred.get(f), gold.get(f)))
                by_field[f] += 1
            elif now_ok and not was_ok:
                better += 1
    print(
        f"\nWhat got worse vs {prev_path.name}: {len(worse)} field values (and {better} got better)"
    )
    if by_field:
        print("  by field: " + ", ".join(f"{f} {n}" for f, n in by_field.most_common()))
    for f, raw, old, new, gold in worse[:limit]:
        print(f"  - {f}: {raw[:110]}")
        print(f"      was {old!r} now {new!r} gold {gold!r}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--mode", choices=("combined", "rules", "crf"), default="combined")
    ap.add_argument(
        "--refextract-limit",
        type=int,
        default=-1,
        help="run refextract on the first N records only (-1: all, 0: skip)",
    )
    ap.add_argument("--limit", type=int, default=0, help="only the first N records (quick looks)")
    ap.add_argument(
        "--refextract-heldout",
        action="store_true",
        help="run refextract on the held-out tenth only (refextract does ~10 refs/s)",
    )
    ap.add_argument("--save-baseline", action="store_true")
    ap.add_argument("--errors", type=str, default="", help="print up to 30 errors for this field")
    ap.add_argument("--heldout-only", action="store_true", help="only the held-out tenth")
    ap.add_argument(
        "--dev-only",
        action="store_true",
        help="only the dev tenth (for a model trained with train_refs_crf.py --dev; "
        "pick it with SPHINX_KARABAKH_REFS_MODEL=path)",
    )
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(
            f"refs_eval: {args.data} is missing (the shared reference data is not present); "
            "nothing to measure, skipping."
        )
        return 0
    sys.path.insert(0, str(ROOT))
    records = [
        json.loads(x) for x in args.data.read_text(encoding="utf-8").splitlines() if x.strip()
    ]
    if args.heldout_only:
        records = [r for r in records if heldout(r["raw"])]
    if args.dev_only:
        records = [r for r in records if dev(r["raw"])]
    if args.limit:
        records = records[: args.limit]
    ours("warm up. 2020. Title.", args.mode)
    t0 = time.perf_counter()
    preds = [ours(r["raw"], args.mode) for r in records]
    ours_secs = time.perf_counter() - t0
    results = {"ours": {"all": score(records, preds)}}
    subsets: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        subsets[r["source"]].append(i)
        subsets["held-out" if heldout(r["raw"]) else "trained-on"].append(i)
    for name, idx in sorted(subsets.items()):
        results["ours"][name] = score([records[i] for i in idx], [preds[i] for i in idx])
    print(
        f"sphinx-karabakh ({args.mode}): {len(records)} references in {ours_secs:.2f} s = "
        f"{len(records) / ours_secs:,.0f} refs/s ({1000 * ours_secs / len(records):.2f} ms each)"
    )
    tables = {"ours all": results["ours"]["all"]}
    if "held-out" in results["ours"]:  # absent with --dev-only
        tables["ours held-out"] = results["ours"]["held-out"]
    rx_n = len(records) if args.refextract_limit < 0 else min(args.refextract_limit, len(records))
    if rx_n:
        try:
            import refextract  # noqa: F401
        except ImportError:
            print("refextract is not installed (pip install -e '.[bench]'); skipping its figures")
            rx_n = 0
    if rx_n:
        sub_idx = (
            [i for i, r in enumerate(records) if heldout(r["raw"])][:rx_n]
            if args.refextract_heldout
            else list(range(rx_n))
        )
        sub = [records[i] for i in sub_idx]
        rx_n = len(sub)
        label = "held-out" if args.refextract_heldout else f"first {rx_n}"
        refextract_fields("warm up. 2020. Title.")
        t0 = time.perf_counter()
        rx = [refextract_fields(r["raw"]) for r in sub]
        rx_secs = time.perf_counter() - t0
        print(f"refextract: {rx_n} references in {rx_secs:.2f} s = {rx_n / rx_secs:,.0f} refs/s")
        results["refextract"] = {"all": score(sub, rx)}
        tables[f"refextract {label}"] = results["refextract"]["all"]
        tables[f"ours on those {rx_n}"] = score(sub, [preds[i] for i in sub_idx])
    print_table("Per-field precision / recall / F1", tables)
    print_table(
        "Ours by source",
        {n: results["ours"][n] for n in sorted(subsets) if n.startswith("anystyle")},
    )
    OUT.mkdir(parents=True, exist_ok=True)
    snapshot = {
        hashlib.md5(r["raw"].encode()).hexdigest(): p for r, p in zip(records, preds, strict=True)
    }
    prev_path = OUT / "refs_eval_prev.json"
    delta(records, preds, prev_path)
    if args.errors:
        f = args.errors
        shown = 0
        for r, p in zip(records, preds, strict=True):
            if norm(f, r["fields"].get(f)) != norm(f, p.get(f)) and shown < 30:
                shown += 1
                print(f"\n{r['raw'][:200]}\n   gold {r['fields'].get(f)!r}\n   ours {p.get(f)!r}")
    (OUT / "refs_eval_last.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    if args.save_baseline:
        prev_path.write_text(json.dumps(snapshot), encoding="utf-8")
        print(f"saved baseline to {prev_path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
