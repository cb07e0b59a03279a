"""Bench (2): verify 10,000 typed quotes against a 50 MB corpus; growth with quotes and corpus size.

What it does (deterministic, seeded):

1. Builds a synthetic corpus of plain-text sources, ~1 MB each, under ``bench/out/quotes-corpus/``:
   sentences drawn from a Zipf-like word distribution whose head is the seeds' own vocabulary
   (ranked by frequency in ``seeds/``) and whose tail is generated words, numbers and names — a
   real 50 MB corpus has a long tail of rare words, which is what makes an index selective.
   Typography is mixed in (curly apostrophes, em dashes, thousands separators, "not").
2. Draws typed quotes from it: exact, re-typeset (straight/curly quotes, dashes, line breaks,
   first-letter case), elided (``[...]``), misquoted (a digit changed, a "not" dropped, a word
   swapped) and absent (invented word salad).  Each quote knows its expected verdict.
3. Times ``load_sources`` (split + normalise), the word-index build, and
   ``SourceSet.verify`` without a source (the index picks candidates) for 1k/5k/10k quotes at
   50 MB, and for 10k quotes at 5/25/50 MB.  Prints a table, the verdict accuracy, and writes
   ``bench/out/quotes.json``.

Run: ``.venv/bin/python bench/quotes.py`` (``--quick`` for a 5 MB smoke run).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sphinx_karabakh.sources import load_sources  # noqa: E402
from sphinx_karabakh.sources.match import NEGATIONS  # noqa: E402

OUT = REPO / "bench" / "out"
SYLLABLES = "ka ra ba zan ter mo vi la no sta gor pol an il ev ru tsk ov ian ash del mir qu"
NAMES = [
    "Abramov",
    "Baku",
    "Ganja",
    "Hadrut",
    "Kelbajar",
    "Lachin",
    "Mardakert",
    "Nakhchivan",
    "Shusha",
    "Stepanakert",
    "Tovuz",
    "Zangezur",
]


def seed_vocabulary() -> list[str]:
    words: Counter[str] = Counter()
    for p in sorted((REPO / "seeds").glob("*.txt")):
        words.update(w for w in re.findall(r"[A-Za-z][a-z]+", p.read_text(encoding="utf-8")))
    return [w for w, _ in words.most_common()]


def vocabulary(rng: random.Random, size: int = 150_000) -> list[str]:
    head = seed_vocabulary()
    syl = SYLLABLES.split()
    seen = set(head)
    tail: list[str] = []
    while len(head) + len(tail) < size:
        w = "".join(rng.choice(syl) for _ in range(rng.randint(2, 4)))
        if rng.random() < 0.15:
            w = w.capitalize()
        if w not in seen:
            seen.add(w)
            tail.append(w)
    return head + tail


class Writer:
    """Sentences from a Zipf(1.05) law over the vocabulary, with typography sprinkled in."""

    def __init__(self, rng: random.Random, vocab: list[str]):
        self.rng = rng
        self.vocab = vocab
        weights = [1.0 / (r + 2.7) ** 1.05 for r in range(len(vocab))]
        acc, total = [], 0.0
        for w in weights:
            total += w
            acc.append(total)
        self.cum = acc

    def words(self, n: int) -> list[str]:
        return self.rng.choices(self.vocab, cum_weights=self.cum, k=n)

    def sentence(self) -> str:
        rng = self.rng
        ws = self.words(rng.randint(8, 28))
        for i in range(len(ws)):
            r = rng.random()
            if r < 0.02:
                ws[i] = f"{rng.randint(1, 99)},{rng.randint(0, 999):03d}"
            elif r < 0.035:
                ws[i] = str(rng.randint(1900, 2030))
            elif r < 0.05:
                ws[i] = rng.choice(NAMES)
            elif r < 0.06:
                ws[i] = "not"
            elif r < 0.07:
                ws[i] = ws[i] + "’s"
            elif r < 0.075:
                ws[i] = ws[i] + " —"
        if len(ws) > 10 and rng.random() < 0.5:
            k = rng.randint(3, len(ws) - 4)
            ws[k] = ws[k] + ","
        s = " ".join(ws)
        return s[0].upper() + s[1:] + rng.choice(".....?")

    def paragraph(self) -> str:
        sents = [self.sentence() for _ in range(self.rng.randint(2, 7))]
        text = " ".join(sents)
        # hard-wrap some paragraphs, as text exported from PDFs is
        if self.rng.random() < 0.3:
            text = re.sub(r"(.{60,90}?) ", r"\1\n", text)
        return text


def build_corpus(target_mb: int, rng: random.Random, vocab: list[str]) -> Path:
    d = OUT / "quotes-corpus"
    stamp = d / f".done-{target_mb}"
    if stamp.exists():
        return d
    d.mkdir(parents=True, exist_ok=True)
    for p in d.glob("*.txt"):
        p.unlink()
    w = Writer(rng, vocab)
    for i in range(target_mb):
        parts, size = [], 0
        while size < 1_000_000:
            para = w.paragraph()
            parts.append(para)
            size += len(para.encode("utf-8")) + 2
        (d / f"src{i:03d}.txt").write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    stamp.touch()
    return d


def subset(corpus: Path, mb: int) -> Path:
    """A directory holding the first ``mb`` files (hard links: a source file must be a regular
    file inside its sources directory, so a symlink out of it would be refused)."""
    d = OUT / f"quotes-corpus-{mb}mb"
    d.mkdir(parents=True, exist_ok=True)
    for i in range(mb):
        link = d / f"src{i:03d}.txt"
        if link.is_symlink():
            link.unlink()
        if not link.exists():
            try:
                os.link(corpus / f"src{i:03d}.txt", link)
            except OSError:
                shutil.copyfile(corpus / f"src{i:03d}.txt", link)
    return d


# --- quotes ------------------------------------------------------------------------------------

TYPO = {"'": "’", "’": "'", "-": "–", "—": "-"}


def retypeset(s: str, rng: random.Random) -> str:
    s = "".join(TYPO.get(c, c) if rng.random() < 0.7 else c for c in s)
    s = re.sub(" ", lambda m: rng.choice([" ", " ", " ", "\n", "  "]), s)
    return s[:1].swapcase() + s[1:] if rng.random() < 0.5 else s


def make_quotes(ss, n: int, rng: random.Random, writer: Writer) -> list[tuple[str, str]]:
    """``(typed text, expected verdict)`` pairs."""
    paras = []
    for sid in ss:
        src = ss[sid]
        picks = rng.sample(src.paragraphs, min(len(src.paragraphs), n // max(len(ss), 1) + 50))
        paras.extend((sid, p.id) for p in picks)
    out: list[tuple[str, str]] = []
    while len(out) < n:
        sid, pid = rng.choice(paras)
        text = ss[sid].normalized(pid).text
        words = text.split(" ")
        if len(words) < 14:
            continue
        k = rng.randint(8, min(25, len(words) - 2))
        i = rng.randint(0, len(words) - k)
        chunk = words[i : i + k]
        quote = " ".join(chunk)
        kind = rng.random()
        if kind < 0.35:
            out.append((quote, "verified"))
        elif kind < 0.55:
            out.append((retypeset(quote, rng), "verified"))
        elif kind < 0.67:
            a = rng.randint(3, k - 5)
            b = rng.randint(a + 1, k - 3)
            left, gap, right = chunk[:a], chunk[a:b], chunk[b:]
            if any(w.lower().strip(",.?") in NEGATIONS for w in gap) or not gap:
                continue
            out.append((" ".join(left) + " [...] " + " ".join(right), "verified"))
        elif kind < 0.9:
            digits = [j for j, w in enumerate(chunk) if re.search(r"\d", w)]
            nots = [j for j, w in enumerate(chunk) if w == "not"]
            if digits and rng.random() < 0.5:
                j = rng.choice(digits)
                w = chunk[j]
                pos = rng.choice([m.start() for m in re.finditer(r"\d", w)])
                new = rng.choice([d for d in "0123456789" if d != w[pos]])
                chunk = [*chunk[:j], w[:pos] + new + w[pos + 1 :], *chunk[j + 1 :]]
            elif nots:
                j = rng.choice(nots)
                chunk = chunk[:j] + chunk[j + 1 :]
            else:
                j = rng.randint(1, len(chunk) - 2)
                chunk = chunk[:j] + writer.words(1) + chunk[j + 1 :]
            typed = " ".join(chunk)
            if typed.lower() in text.lower():
                continue
            out.append((typed, "misquote"))
        else:
            out.append((" ".join(writer.words(rng.randint(8, 20))), "not-found"))
    return out


def timed(fn):
    """``(value, wall seconds, CPU seconds)``: CPU time is what to compare on a shared machine."""
    gc.collect()
    t, c = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - t, time.process_time() - c


def run_verify(ss, quotes):
    results = [ss.verify(q) for q, _ in quotes]
    return results


def accuracy(results, quotes) -> dict:
    confusion: Counter[str] = Counter()
    for r, (_, expected) in zip(results, quotes, strict=True):
        confusion[f"{expected}->{r.verdict}"] += 1
    right = sum(v for k, v in confusion.items() if k.split("->")[0] == k.split("->")[1])
    return {"accuracy": round(right / len(quotes), 4), "confusion": dict(sorted(confusion.items()))}


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="5 MB and 1k quotes only")
    ap.add_argument("--seed", type=int, default=20201110)
    args = ap.parse_args(argv)
    sizes = [5] if args.quick else [5, 25, 50]
    counts = [1000] if args.quick else [1000, 5000, 10000]
    rng = random.Random(args.seed)
    vocab = vocabulary(rng)
    writer = Writer(random.Random(args.seed + 1), vocab)
    t0 = time.perf_counter()
    corpus = build_corpus(max(sizes), random.Random(args.seed + 2), vocab)
    print(
        f"corpus: {max(sizes)} files of ~1 MB in {corpus} ({time.perf_counter() - t0:.1f} s to build or reuse)"
    )

    rows = []
    for mb in sizes:
        d = subset(corpus, mb)
        ss, t_load, c_load = timed(lambda d=d: load_sources(d))
        nparas = sum(len(s.paragraphs) for s in ss.values())
        npass = sum(len(s.passages) for s in ss.values())
        _, t_index, c_index = timed(ss.index)
        quotes = make_quotes(ss, max(counts), random.Random(args.seed + mb), writer)
        for n in counts if mb == max(sizes) else [max(counts)]:
            results, t_verify, c_verify = timed(
                lambda n=n, ss=ss, quotes=quotes: run_verify(ss, quotes[:n])
            )
            acc = accuracy(results, quotes[:n])
            row = {
                "corpus_mb": mb,
                "paragraphs": nparas,
                "passages": npass,
                "quotes": n,
                "load_s": round(t_load, 2),
                "index_s": round(t_index, 2),
                "verify_s": round(t_verify, 2),
                "load_cpu_s": round(c_load, 2),
                "index_cpu_s": round(c_index, 2),
                "verify_cpu_s": round(c_verify, 2),
                "per_quote_ms": round(1000 * c_verify / n, 3),
                **acc,
            }
            rows.append(row)
            print(
                f"{mb:>4} MB {nparas:>8} paras {n:>6} quotes: load {c_load:5.1f} s  "
                f"index {c_index:4.1f} s  verify {c_verify:6.2f} s CPU ({t_verify:.2f} s wall, "
                f"{row['per_quote_ms']:.2f} ms/quote)  accuracy {acc['accuracy']:.4f}",
                flush=True,
            )
        del ss
    print()
    print("CPU seconds (wall seconds in brackets; the machine may be shared):")
    print(
        "| corpus | paragraphs | quotes | load (split+normalise) | index | verify | ms/quote | accuracy |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['corpus_mb']} MB | {r['paragraphs']} | {r['quotes']} | {r['load_cpu_s']} ({r['load_s']}) | "
            f"{r['index_cpu_s']} ({r['index_s']}) | {r['verify_cpu_s']} ({r['verify_s']}) | "
            f"{r['per_quote_ms']} | {r['accuracy']} |"
        )
    print("\nconfusion (expected->got) at the largest run:", rows[-1]["confusion"] if rows else {})
    print(f"peak RSS {rss_mb():.0f} MB")
    OUT.mkdir(parents=True, exist_ok=True)
    result = {"bench": "quotes", "seed": args.seed, "rows": rows, "peak_rss_mb": round(rss_mb())}
    (OUT / "quotes.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT / 'quotes.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
