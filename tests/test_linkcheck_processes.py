"""The multi-process checker (``processes`` > 1) against several real local servers: the same
verdicts as one process, exact per-host limits, the deadline, a worker that dies, the CLI."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import threading
from pathlib import Path

import pytest
from linkserver import LinkServer, linkcheck_cmd

from sphinx_karabakh.linkcheck.checker import CheckConfig, Checker
from sphinx_karabakh.linkcheck.model import CitedAt, Hyperlink, Verdict
from sphinx_karabakh.linkcheck.shard import assign_hosts, plan_processes

FAST = dict(timeout=2.0, connect_timeout=1.0, deadline=30.0, retry_after_max=5.0, workers=32)
ADDRESSES = ("127.0.0.2", "127.0.0.3", "127.0.0.4")


@pytest.fixture(scope="module")
def servers():
    ss = [
        LinkServer(a, slow_s=3.0, delay_s=0.1, retry_after=1.0, huge_bytes=512 * 1024).start()
        for a in ADDRESSES
    ]
    yield ss
    for s in ss:
        s.stop()


def mixed_urls(servers) -> list[str]:
    """Every kind of answer on every host, and text-only cases."""
    urls = []
    for k, s in enumerate(servers):
        urls += [
            s.url(f"/page/p{k}"),
            s.url(f"/page/a{k}#passage"),
            s.url(f"/page/m{k}#nowhere"),
            s.url(f"/redirect/2/r{k}"),
            s.url(f"/redirect/1/x{k}") + "#sec-1",
            s.url(f"/loop/l{k}/0"),
            s.url(f"/status/404/s{k}"),
            s.url(f"/status/500/s{k}"),
            s.url(f"/status/410/s{k}"),
            s.url(f"/nohead/n{k}"),
            s.url(f"/headlies/h{k}"),
            s.url(f"/ratelimit/q{k}"),
            s.url(f"/huge/b{k}.bin"),
            s.url(f"/hugehtml/b{k}#top"),
        ]
        urls += [s.url(f"/delay/d{k}-{i}") for i in range(8)]
    return [*urls, "#", "https://exa mple.org/", "ftp://127.0.0.2/x"]


def run(servers, urls, **cfg):
    for s in servers:
        s.reset()
    links = [Hyperlink(u, [CitedAt("doc.rst", i + 1)]) for i, u in enumerate(urls)]
    seen: list = []
    checker = Checker(CheckConfig(**{**FAST, **cfg}))
    try:
        results = checker.check(links, on_result=seen.append)
    finally:
        checker.close()
    return results, checker, seen


def key(r):
    return (r.url, r.verdict, r.status, r.final_url)


def test_plan_and_host_assignment(servers):
    assert plan_processes(CheckConfig(processes=1), 10_000, 50) == 1
    assert plan_processes(CheckConfig(processes=4), 10, 3) == 3  # never more than the hosts
    assert plan_processes(CheckConfig(processes=0), 10_000, 1) == 1  # one host: nothing to share
    assert (
        plan_processes(CheckConfig(processes=0), 10, 20) == 1
    )  # too few pages to pay for a process
    # auto never forks a process that runs other threads (the test servers' threads here)
    assert threading.active_count() > 1
    assert plan_processes(CheckConfig(processes=0), 10_000, 20) == 1
    shards = assign_hosts({"a:80": 10, "b:80": 9, "c:80": 3, "d:80": 3, "e:80": 2}, 2)
    assert sorted(h for s in shards for h in s) == [
        "a:80",
        "b:80",
        "c:80",
        "d:80",
        "e:80",
    ]  # each once
    pages = {"a:80": 10, "b:80": 9, "c:80": 3, "d:80": 3, "e:80": 2}
    assert sorted(sum(pages[h] for h in s) for s in shards) == [13, 14]  # balanced by pages


def test_same_verdicts_as_one_process_and_exact_per_host_limit(servers):
    urls = mixed_urls(servers)
    one, c1, _ = run(servers, urls, processes=1, per_host=2)
    many, cn, seen = run(servers, urls, processes=3, per_host=2)
    assert c1.processes_used == 1 and cn.processes_used == 3
    assert [key(r) for r in many] == [key(r) for r in one]
    assert sorted(r.url for r in seen) == sorted(urls)  # on_result once per link, in this process
    got = {r.url: r.verdict for r in many}
    s0 = servers[0]
    assert got[s0.url("/page/p0")] is Verdict.OK
    assert got[s0.url("/page/m0#nowhere")] is Verdict.ANCHOR_MISSING
    assert got[s0.url("/redirect/2/r0")] in (
        Verdict.REDIRECTED_PERMANENT,
        Verdict.REDIRECTED_TEMPORARY,
    )
    assert got[s0.url("/loop/l0/0")] is Verdict.BROKEN
    assert got[s0.url("/ratelimit/q0")] is Verdict.OK
    assert got["#"] is Verdict.PLACEHOLDER
    assert all(r.cited_at and r.cited_at[0].file == "doc.rst" for r in many)


def test_per_host_limit_exact_across_processes(servers):
    urls = [s.url(f"/delay/e{k}-{i}") for k, s in enumerate(servers) for i in range(8)]
    results, checker, _ = run(servers, urls, processes=3, per_host=2)
    assert checker.processes_used == 3
    assert all(r.verdict is Verdict.OK for r in results)
    assert all(s.peak_inflight <= 2 for s in servers)  # the server never saw more than 2 at once
    assert max(s.peak_inflight for s in servers) == 2  # and the limit was used


def test_deadline_gives_every_url_a_verdict(servers):
    urls = [s.url(f"/slow/z{k}-{i}") for k, s in enumerate(servers) for i in range(3)]
    urls += [s.url(f"/page/f{k}") for k, s in enumerate(servers)]
    # the deadline must fall after the workers are up and before a slow answer (3 s) comes: 2 s
    # leaves a loaded 2-core machine time to start three processes (1 s sometimes did not)
    results, checker, _ = run(servers, urls, processes=3, per_host=1, deadline=2.0, timeout=5.0)
    assert checker.processes_used == 3
    assert len(results) == len(urls)
    by = {r.url: r for r in results}
    slow = [by[u] for u in urls if "/slow/" in u]
    assert all(r.verdict in (Verdict.TIMEOUT, Verdict.UNCHECKED) for r in slow)
    assert all("deadline" in r.reason for r in slow)
    assert any(r.verdict is Verdict.TIMEOUT for r in slow)


def test_a_worker_that_dies_leaves_its_urls_unchecked(servers):
    urls = [s.url(f"/delay/k{k}-{i}") for k, s in enumerate(servers) for i in range(6)]
    killed: list[int] = []

    def kill_one(_result) -> None:
        if not killed:
            kids = multiprocessing.active_children()
            if kids:
                killed.append(kids[0].pid)
                os.kill(kids[0].pid, signal.SIGKILL)

    for s in servers:
        s.reset()
    links = [Hyperlink(u) for u in urls]
    checker = Checker(CheckConfig(**{**FAST, "processes": 3, "per_host": 1}))
    results = checker.check(links, on_result=kill_one)
    assert killed and len(results) == len(urls)
    lost = [r for r in results if r.verdict is Verdict.UNCHECKED]
    assert lost and all("worker process" in r.reason for r in lost)
    assert all(r.verdict in (Verdict.OK, Verdict.UNCHECKED) for r in results)
    assert multiprocessing.active_children() == []  # every worker joined


def test_cli_processes_flag_same_report(servers, tmp_path: Path):
    """The CLI runs single-threaded before the check: workers are forked (the other start path)."""
    urls = [u for u in mixed_urls(servers) if u != "#"]  # '#' starts a comment in a URL list
    (tmp_path / "urls.txt").write_text("\n".join(urls) + "\n")
    reports = {}
    for n in ("1", "3"):
        for s in servers:
            s.reset()
        out = tmp_path / f"r{n}.jsonl"
        p = subprocess.run(
            linkcheck_cmd(
                "-q",
                "--no-cache",
                "--urls",
                str(tmp_path / "urls.txt"),
                "--per-host",
                "2",
                "--timeout",
                "2",
                "--processes",
                n,
                "--jsonl",
                str(out),
            ),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert p.returncode == 1, p.stderr  # broken links are in the list
        reports[n] = sorted(
            (d["url"], d["verdict"], d["status"])
            for d in map(json.loads, out.read_text().splitlines())
        )
    assert reports["3"] == reports["1"] and len(reports["1"]) == len(set(urls))
    bad = subprocess.run(
        linkcheck_cmd("--urls", str(tmp_path / "urls.txt"), "--processes", "-1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "--processes" in bad.stderr


def test_cli_ctrl_c_stops_workers_and_still_reports_every_url(servers, tmp_path: Path):
    urls = [s.url(f"/slow/i{k}-{i}") for k, s in enumerate(servers) for i in range(2)]
    urls += [s.url(f"/page/i{k}") for k, s in enumerate(servers)]
    (tmp_path / "urls.txt").write_text("\n".join(urls) + "\n")
    for s in servers:
        s.reset()
    out = tmp_path / "r.jsonl"
    p = subprocess.Popen(
        linkcheck_cmd(
            "-q",
            "--no-cache",
            "--timeout",
            "30",
            "--urls",
            str(tmp_path / "urls.txt"),
            "--processes",
            "3",
            "--jsonl",
            str(out),
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        while (
            sum(
                s.requests[f"HEAD {u.split(s.url(''), 1)[-1]}"]
                for s in servers
                for u in urls
                if "/slow/" in u
            )
            < 6
        ):
            assert p.poll() is None, p.stderr.read()
            threading.Event().wait(0.05)
        os.killpg(p.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
        _, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    assert p.returncode == 130 and "interrupted" in err, err  # never a passing exit code
    got = {d["url"]: d for d in map(json.loads, out.read_text().splitlines())}
    assert set(got) == set(urls)
    assert all(
        got[u]["verdict"] == "unchecked" and "interrupted" in got[u]["reason"]
        for u in urls
        if "/slow/" in u
    )
    # pages answered at once: ok, unless the interrupt came before their result was reported
    assert all(
        got[u]["verdict"] == "ok" or "interrupted" in got[u]["reason"]
        for u in urls
        if "/page/" in u
    )
