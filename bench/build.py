"""Bench (1): build time of a quoting handbook with sphinx-karabakh vs. plain Sphinx.

What it does (deterministic, seeded):

1. Generates 20 synthetic plain-text sources of 100 paragraphs each (2,000 passages, 2-4
   sentences per paragraph) with their ``sources.toml``.
2. Writes the same handbook twice under ``bench/out/build/``:
   * ``karabakh/``: 50 commentary pages holding 1,000 quotes (half by ID —
     ``karabakh:quote``/``karabakh:q`` — half typed and verified — ``karabakh:verify``, a tenth of
     those without a source, so the build finds it), 20 source pages (``karabakh:source``, every
     passage anchored, with "quoted in" lists) and an index with ``karabakh:sources-table``;
   * ``plain/``: the same pages in plain Sphinx: every quote a literal block quote with a
     hand-written attribution line, every source page its paragraphs as text, the index a table.
3. Builds both in this run (``sphinx-build -E``), each into a fresh output directory with the
   same ``-j``, and prints the wall-clock and CPU times and their ratios (goal: karabakh / plain
   <= 1.3). ``--repeat N`` (default 2) builds each N times, alternating, and keeps the fastest;
   on a shared machine the CPU ratio is the steadier figure. Writes ``bench/out/build.json``.

4. ``--incremental`` (issue 8): on the karabakh handbook, builds again and counts the documents
   read each time: nothing changed; every source touched (a new mtime, the same bytes: must read
   no document); one sentence of one source changed (must read exactly the pages that quote that
   source, its page, the sources table and the pages with a source-less typed quote -- counted
   from the generated pages and compared).  Times each build too.

Run: ``.venv/bin/python bench/build.py`` (``--jobs 2``, ``--repeat 3``, ``--quick`` for a small run).
Before/after in one run: ``mkdir /tmp/old && git archive REV sphinx_karabakh | tar -x -C /tmp/old``,
then ``--baseline /tmp/old`` also builds the karabakh pages with that older package, alternating.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
WORK = OUT / "build"

SYLLABLES = [
    "ka",
    "ra",
    "ba",
    "zan",
    "ter",
    "mo",
    "vi",
    "la",
    "no",
    "sta",
    "gor",
    "pol",
    "an",
    "il",
    "ev",
    "ru",
    "tsk",
    "ov",
    "ian",
    "ash",
    "del",
    "mir",
    "qu",
]


def make_vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3))))
    common = [
        "the",
        "of",
        "and",
        "to",
        "in",
        "a",
        "is",
        "that",
        "for",
        "on",
        "with",
        "as",
        "by",
        "at",
        "from",
        "not",
        "it",
        "was",
        "this",
    ]
    return common * 8 + sorted(words)


def sentence(rng: random.Random, vocab: list[str]) -> str:
    words = [rng.choice(vocab) for _ in range(rng.randint(8, 20))]
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), f"{rng.randint(2, 9)},{rng.randint(100, 999)}")
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def make_sources(root: Path, rng: random.Random, n_sources: int, n_paragraphs: int) -> dict:
    """Write the sources and return {source_id: [[sentence, ...] per paragraph]}."""
    vocab = make_vocabulary(rng)
    texts = root / "texts"
    texts.mkdir(parents=True)
    corpus: dict[str, list[list[str]]] = {}
    meta = []
    for i in range(n_sources):
        sid = f"src-{i:02d}"
        paragraphs = [
            [sentence(rng, vocab) for _ in range(rng.randint(2, 4))] for _ in range(n_paragraphs)
        ]
        corpus[sid] = paragraphs
        title = f"Synthetic commentary {i}"
        body = f"{title}\n\n" + "\n\n".join(" ".join(p) for p in paragraphs) + "\n"
        (texts / f"{sid}.txt").write_text(body, encoding="utf-8")
        meta.append(
            f'[[source]]\nid = "{sid}"\nfile = "{sid}.txt"\nformat = "text"\n'
            f'title = "{title}"\nauthors = ["Author {i}"]\ndate = "2021-01-{i % 28 + 1:02d}"\n'
            f'publisher = "Bench Press"\nurl = "https://example.org/{sid}"\n'
        )
    (texts / "sources.toml").write_text("\n".join(meta), encoding="utf-8")
    return corpus


def retypeset(rng: random.Random, text: str) -> str:
    """A typed version a writer might produce: verifies against the source."""
    words = text.rstrip(".").split()
    roll = rng.random()
    a, b = 3, len(words) - 3
    # an elision (never over a "not": eliding a negation is a misquote, rightly)
    if roll < 0.35 and len(words) > 8 and "not" not in words[a:b]:
        return " ".join(words[:a]) + " [...] " + " ".join(words[b:])
    if roll < 0.7:  # a substring, first letter lower-cased
        start = rng.randint(1, max(1, len(words) // 3))
        part = words[start : start + max(5, len(words) // 2)]
        return " ".join(part)
    return f"“{text}”"


def make_pages(
    kroot: Path, proot: Path, corpus: dict, rng: random.Random, n_pages: int, n_quotes: int
) -> dict:
    ids = sorted(corpus)
    per_page = n_quotes // n_pages
    counts = {"by_id": 0, "typed": 0, "typed_no_source": 0}
    for root in (kroot, proot):
        (root / "commentary").mkdir(parents=True)
        (root / "sources").mkdir(parents=True)
    for page in range(n_pages):
        title = f"Commentary {page}"
        k = [title, "=" * len(title), ""]
        p = [title, "=" * len(title), ""]
        for q in range(per_page):
            sid = rng.choice(ids)
            pn = rng.randrange(len(corpus[sid]))
            sentences = corpus[sid][pn]
            pid = f"{sid}:p{pn + 2}"  # p1 is the title line
            author = f"Author {int(sid[4:])}"
            attribution = f"-- {author}, *Synthetic commentary {int(sid[4:])}*, {pid}"
            lead = f"Point {q} of this page, in the words of the source:"
            k += [lead, ""]
            p += [lead, ""]
            if q % 2 == 0:
                counts["by_id"] += 1
                if q % 10 == 4:  # an inline quote of one sentence
                    sn = 0  # the first sentence: always a sentence for any splitter
                    k += [f"As they put it, :karabakh:q:`{pid}.s{sn + 1}`.", ""]
                    p += [f"As they put it, “{sentences[sn]}” ({pid}.s{sn + 1}).", ""]
                else:
                    k += [f".. karabakh:quote:: {pid}", ""]
                    p += ["   " + " ".join(sentences), "", "   " + attribution, ""]
            else:
                counts["typed"] += 1
                typed = retypeset(rng, rng.choice(sentences))
                target = "" if q % 20 == 1 else f" {sid}"
                counts["typed_no_source"] += not target
                k += [f".. karabakh:verify::{target}", "", f"   {typed}", ""]
                p += [f"   {typed}", "", "   " + attribution, ""]
        (kroot / "commentary" / f"page{page:02d}.rst").write_text("\n".join(k), encoding="utf-8")
        (proot / "commentary" / f"page{page:02d}.rst").write_text("\n".join(p), encoding="utf-8")
    for i, sid in enumerate(ids):
        title = f"Synthetic commentary {i}"
        head = [title, "=" * len(title), ""]
        (kroot / "sources" / f"{sid}.rst").write_text(
            "\n".join([*head, f".. karabakh:source:: {sid}", ""]), encoding="utf-8"
        )
        body = [*head, f":Authors: Author {i}", ":Publisher: Bench Press", ""]
        for pn, sentences in enumerate(corpus[sid]):
            body += [f".. _{sid}-p{pn + 2}:", "", f"**{sid}:p{pn + 2}** " + " ".join(sentences), ""]
        (proot / "sources" / f"{sid}.rst").write_text("\n".join(body), encoding="utf-8")
    toc = ["", ".. toctree::", "   :glob:", "", "   commentary/*", "   sources/*", ""]
    (kroot / "index.rst").write_text(
        "\n".join(["Bench handbook", "==============", *toc, ".. karabakh:sources-table::", ""]),
        encoding="utf-8",
    )
    table = [
        ".. list-table::",
        "   :header-rows: 1",
        "",
        "   * - ID",
        "     - Title",
        "     - Passages",
    ]
    for i, sid in enumerate(ids):
        table += [
            f"   * - {sid}",
            f"     - Synthetic commentary {i}",
            f"     - {len(corpus[sid]) + 1}",
        ]
    (proot / "index.rst").write_text(
        "\n".join(["Bench handbook", "==============", *toc, *table, ""]), encoding="utf-8"
    )
    conf = 'project = "bench"\nexclude_patterns = ["texts", "_build"]\n'
    (kroot / "conf.py").write_text(
        conf + 'extensions = ["sphinx_karabakh"]\nkarabakh_sources = "texts"\n', encoding="utf-8"
    )
    (proot / "conf.py").write_text(conf, encoding="utf-8")
    return counts


def sphinx_build(
    src: Path,
    out: Path,
    jobs: int,
    package_dir: Path | None = None,
    fresh: bool = True,
) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the build and its workers, stderr).

    ``package_dir``: import sphinx_karabakh from there (an older checkout) instead of this one.
    ``fresh=False``: an incremental build into the same output (stdout then holds Sphinx's
    "updating environment" line, returned instead of stderr).
    """
    if fresh and out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-j", str(jobs), str(src), str(out)]
    cmd[5:5] = ["-q", "-E"] if fresh else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    env = dict(os.environ)
    if package_dir is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(package_dir), env.get("PYTHONPATH")]))
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"sphinx-build failed for {src}:\n{proc.stderr[-3000:]}")
    return elapsed, cpu, proc.stderr if fresh else proc.stdout


def _changed(stdout: str) -> int:
    """Documents read by an incremental build ("updating environment: 0 added, N changed")."""
    import re

    m = re.search(r"(\d+) added, (\d+) changed, (\d+) removed", stdout)
    return int(m.group(1)) + int(m.group(2)) if m else -1


def incremental(kroot: Path, jobs: int) -> dict:
    """Build, then count the documents each kind of change makes Sphinx read again."""
    import re

    out = WORK / "html-incremental"
    sphinx_build(kroot, out, jobs)
    rows = {}
    t, _, log = sphinx_build(kroot, out, jobs, fresh=False)
    rows["nothing changed"] = (_changed(log), 0, t)
    later = time.time() + 10
    for p in (kroot / "texts").iterdir():
        os.utime(p, (later, later))
    t, _, log = sphinx_build(kroot, out, jobs, fresh=False)
    rows["every source touched"] = (_changed(log), 0, t)
    # change one sentence of src-03; expected: the pages that quote src-03 (by ID or typed with
    # it as target), its source page, the index (sources table) and every page with a typed quote
    # that names no source (it looked in every source)
    pages = sorted((kroot / "commentary").glob("*.rst"))
    expected = {"index", "sources/src-03"}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        if re.search(r"src-03[:>\s`]", text) or re.search(
            r"\.\. karabakh:verify::\s*$", text, re.M
        ):
            expected.add(f"commentary/{page.stem}")
    path = kroot / "texts" / "src-03.txt"
    text = path.read_text(encoding="utf-8")
    first = text.split("\n\n")[1].split(". ")[0]
    path.write_text(text.replace(first, first + " indeed", 1), encoding="utf-8")
    t, _, log = sphinx_build(kroot, out, jobs, fresh=False)
    rows["one sentence of one source changed"] = (_changed(log), len(expected), t)
    return {k: {"read": r, "expected": e, "seconds": round(s, 2)} for k, (r, e, s) in rows.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", "-j", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="200 passages, 100 quotes, 10 pages")
    ap.add_argument("--seed", type=int, default=2020)
    ap.add_argument(
        "--baseline",
        type=Path,
        metavar="DIR",
        help="also build the karabakh pages with the sphinx_karabakh package found in DIR (e.g. "
        "`git archive REV sphinx_karabakh | tar -x -C DIR`), alternating, for a before/after",
    )
    ap.add_argument(
        "--incremental", action="store_true", help="also count what each kind of change re-reads"
    )
    args = ap.parse_args(argv)
    if args.baseline and not (args.baseline / "sphinx_karabakh" / "__init__.py").is_file():
        raise SystemExit(f"--baseline {args.baseline}: no sphinx_karabakh package there")
    n_sources, n_paragraphs, n_pages, n_quotes = (20, 100, 50, 1000)
    if args.quick:
        n_sources, n_paragraphs, n_pages, n_quotes = (4, 50, 10, 100)
    if WORK.exists():
        shutil.rmtree(WORK)
    kroot, proot = WORK / "karabakh", WORK / "plain"
    rng = random.Random(args.seed)
    corpus = make_sources(kroot, rng, n_sources, n_paragraphs)
    counts = make_pages(kroot, proot, corpus, rng, n_pages, n_quotes)
    passages = sum(len(p) for p in corpus.values())
    print(
        f"synthetic handbook: {n_sources} sources, {passages} passages (+{n_sources} title lines), "
        f"{n_pages} pages, {counts['by_id']} quotes by ID, {counts['typed']} typed "
        f"({counts['typed_no_source']} without a source); -j {args.jobs}"
    )
    runs = [("plain", proot, None), ("karabakh", kroot, None)]
    if args.baseline:
        runs.append(("baseline", kroot, args.baseline.resolve()))
    times: dict[str, list[float]] = {name: [] for name, _, _ in runs}
    cpu: dict[str, list[float]] = {name: [] for name, _, _ in runs}
    warnings = ""
    for _ in range(args.repeat):
        for name, root, package in runs:
            elapsed, used, stderr = sphinx_build(root, WORK / f"html-{name}", args.jobs, package)
            times[name].append(elapsed)
            cpu[name].append(used)
            if name == "karabakh":
                warnings = stderr
            print(f"  {name:9s} {elapsed:6.2f} s wall, {used:6.2f} s CPU")
    best = {k: min(v) for k, v in times.items()}
    best_cpu = {k: min(v) for k, v in cpu.items()}
    ratio = best["karabakh"] / best["plain"]
    cpu_ratio = best_cpu["karabakh"] / best_cpu["plain"]
    n_warn = sum("WARNING" in line for line in warnings.splitlines())
    verdict = "OK" if ratio <= 1.3 else "over the 1.3 goal"
    print(
        f"best: karabakh {best['karabakh']:.2f} s, plain {best['plain']:.2f} s, ratio {ratio:.2f} ({verdict})"
    )
    print(
        f"CPU:  karabakh {best_cpu['karabakh']:.2f} s, plain {best_cpu['plain']:.2f} s, "
        f"ratio {cpu_ratio:.2f} (steadier than wall time on a shared machine)"
    )
    if args.baseline:
        print(
            f"baseline ({args.baseline}): {best['baseline']:.2f} s wall "
            f"(ratio {best['baseline'] / best['plain']:.2f}), {best_cpu['baseline']:.2f} s CPU "
            f"(ratio {best_cpu['baseline'] / best_cpu['plain']:.2f})"
        )
    print(f"warnings in the karabakh build: {n_warn} (expected 0: every generated quote verifies)")
    if n_warn:
        print("\n".join(warnings.splitlines()[:5]))
    inc = None
    if args.incremental:
        inc = incremental(kroot, args.jobs)
        print("incremental builds (documents read / expected, seconds):")
        for what, row in inc.items():
            ok = "OK" if row["read"] == row["expected"] else "NOT as expected"
            print(
                f"  {what:38s} {row['read']:4d} / {row['expected']:4d}  {row['seconds']:6.2f} s  {ok}"
            )
    OUT.mkdir(parents=True, exist_ok=True)
    result = {
        "bench": "build",
        "incremental": inc,
        "sources": n_sources,
        "passages": passages,
        "pages": n_pages,
        "quotes": counts,
        "jobs": args.jobs,
        "repeat": args.repeat,
        "seconds": times,
        "best": best,
        "ratio": round(ratio, 3),
        "cpu_seconds": cpu,
        "best_cpu": best_cpu,
        "cpu_ratio": round(cpu_ratio, 3),
        "goal": 1.3,
        "warnings": n_warn,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "baseline": str(args.baseline) if args.baseline else None,
    }
    (OUT / "build.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT / 'build.json'}")
    return 0 if n_warn == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
