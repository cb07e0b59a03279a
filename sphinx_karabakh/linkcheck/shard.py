"""Checking with several worker processes: hosts are shared out, results stream back.

What flows: ``Checker.check`` has already judged text-only cases and cache hits in this process
and grouped the rest into page tasks.  ``run_sharded`` gives each host (``host:port``) to exactly
one of N worker processes (so the per-host limit stays exact), balancing the number of pages; each
worker runs an ordinary single-process ``Checker`` (threads, per-host limits, redirects -- also
those that cross to another worker's host) on its share, with what is left of the deadline, and
sends ``(index, CheckResult)`` back over a pipe as each verdict is decided.  Only this (the main)
process writes the cache and calls ``emit`` (progress, reports).

Every URL gets a verdict: a worker that dies or raises leaves its unreported URLs ``unchecked``
(with the reason); past the deadline (plus a short grace for the pipes) the main process stops
waiting and gives the rest ``unchecked``; Ctrl-C stops every worker and gives the rest
``unchecked`` too.  Workers are always joined or terminated before ``run_sharded`` returns.

Why processes: the check is CPU-bound in requests/http.client (about 1 ms per request on one
core); threads share one interpreter lock, processes use every core.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import Connection, wait
from typing import Any, cast

from sphinx_karabakh.linkcheck.config import CheckConfig
from sphinx_karabakh.linkcheck.model import CheckResult, Hyperlink, Verdict

#: Fewest pages worth a worker process (starting one costs ~20-100 ms of CPU).
MIN_PAGES_PER_PROCESS = 60
#: Seconds past the deadline the main process still waits for workers' last messages.
GRACE = 5.0


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def plan_processes(config: CheckConfig, pages: int, hosts: int) -> int:
    """How many worker processes to use for ``pages`` pages on ``hosts`` hosts (1 = none).

    Auto (``processes=0``) uses them only where a worker can be forked from this process
    (POSIX fork, and this process runs one thread): other start methods re-import the main
    module, which a caller's script may not expect), and no more than the idle CPUs allow.  An
    explicit ``processes`` > 1 is obeyed."""
    if config.processes == 1 or hosts < 2:
        return 1
    if config.processes > 1:
        return max(1, min(config.processes, hosts))
    if not _can_fork():
        return 1
    return max(1, min(cpu_count(), hosts, pages // MIN_PAGES_PER_PROCESS, 1 + idle_cpus()))


def idle_cpus() -> int:
    """CPUs the 1-minute load average leaves idle: a second worker process only pays for itself
    on a core nobody else is using (measured: on a busy 2-core machine, 2 processes were slower)."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return cpu_count() - 1
    return max(0, int(cpu_count() - load))


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def assign_hosts(pages_per_host: dict[str, int], n: int) -> list[list[str]]:
    """Hosts into ``n`` shards, busiest host first to the least loaded shard (greedy balance)."""
    shards: list[list[str]] = [[] for _ in range(n)]
    load = [0] * n
    for host, count in sorted(pages_per_host.items(), key=lambda kv: (-kv[1], kv[0])):
        i = load.index(min(load))
        shards[i].append(host)
        load[i] += count
    return [s for s in shards if s]


def _context() -> (
    Any
):  # a fork/forkserver/spawn context (the stubs type BaseContext without Process)
    """fork when this process runs one thread (cheap, nothing to re-import), else forkserver
    (forking a multi-threaded process can copy a held lock), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    if _can_fork():
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


def _worker(conn: Connection, config: CheckConfig, links: list[Hyperlink]) -> None:
    """Worker process: check ``links`` with a single-process Checker; stream ``("r", i, result)``
    as verdicts are decided, then ``("done",)``, or ``("error", text)`` when something failed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    from sphinx_karabakh.linkcheck.checker import Checker

    index = {id(h): i for i, h in enumerate(links)}
    checker = Checker(config, None)
    try:
        checker.check(links, on_link=lambda h, r: conn.send(("r", index[id(h)], r)))
        conn.send(("done",))
    except Exception as exc:
        with contextlib.suppress(OSError):
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        checker.close()
        conn.close()


def run_sharded(
    config: CheckConfig,
    shards: list[list[Hyperlink]],
    deadline_at: float | None,
    emit: Callable[[Hyperlink, CheckResult], None],
) -> bool:
    """Check each shard of links in its own worker process; ``emit(link, result)`` exactly once
    per link, in this process, as results arrive (see the module docstring).  Returns True when
    Ctrl-C cut the run short (the caller decides how to end; every link has its verdict)."""
    interrupted = False
    ctx = _context()
    if ctx.get_start_method() == "fork":
        import requests  # noqa: F401  (imported once here, inherited by every forked worker)
    left = None if deadline_at is None else max(0.0, deadline_at - time.monotonic())
    wconfig = replace(config, processes=1, deadline=left)
    pending: dict[int, dict[int, Hyperlink]] = {}  # worker -> index -> link not reported yet
    conns: dict[int, Connection] = {}
    procs: list[multiprocessing.process.BaseProcess] = []
    problems: dict[int, str] = {}
    try:
        for w, links in enumerate(shards):
            recv, send = ctx.Pipe(duplex=False)
            p = ctx.Process(
                target=_worker,
                args=(send, wconfig, links),
                name=f"linkcheck-shard-{w}",
                daemon=True,
            )
            p.start()
            send.close()  # the worker holds the only writer: EOF when it exits
            procs.append(p)
            conns[w] = recv
            pending[w] = dict(enumerate(links))
        by_conn = {c: w for w, c in conns.items()}
        while by_conn:
            timeout = None if deadline_at is None else deadline_at + GRACE - time.monotonic()
            if timeout is not None and timeout <= 0:
                break
            ready = cast(list[Connection], wait(list(by_conn), timeout))
            if not ready:
                break
            for c in ready:
                w = by_conn[c]
                try:
                    msg: tuple[Any, ...] = c.recv()
                except (EOFError, OSError):
                    msg = ("error", "worker process ended without reporting")
                if msg[0] == "r":
                    h = pending[w].get(msg[1])
                    if h is not None:
                        emit(h, msg[2])
                        del pending[w][msg[1]]  # after emit: a Ctrl-C inside it leaves h pending
                    continue
                if msg[0] == "error":
                    problems[w] = msg[1]
                del by_conn[c]
                c.close()
    except KeyboardInterrupt:
        interrupted = True
        for w in pending:
            problems.setdefault(w, "interrupted (Ctrl-C)")
    finally:
        if not any(pending.values()):  # every result in: the workers are exiting by themselves
            for p in procs:
                p.join(timeout=0.5)
        for p in procs:  # otherwise (deadline, Ctrl-C, a failure here) they are stopped now
            if p.is_alive():
                p.terminate()
                p.join(timeout=2)
            if p.is_alive():  # pragma: no cover - a worker that ignores SIGTERM
                p.kill()
                p.join()
        for c in conns.values():
            c.close()
    for w, rest in pending.items():
        if not rest:
            continue
        why = problems.get(w)
        if why is None:
            why = (
                f"global deadline ({config.deadline:g} s) reached"
                if config.deadline is not None
                else "worker process stopped"
            )
        for h in rest.values():
            emit(
                h,
                CheckResult(
                    url=h.url,
                    verdict=Verdict.UNCHECKED,
                    reason=f"not checked: {why}",
                    cited_at=tuple(h.cited_at),
                ),
            )
    return interrupted
