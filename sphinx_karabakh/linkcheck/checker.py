"""The checker: ``Hyperlink`` -> ``CheckResult``, concurrently, politely, always finishing.

What flows: ``Checker.check(links)`` judges text-only cases first (``classify.precheck``,
``ignore`` regexes), then answers what the cache holds, then groups the rest by page (URL without
``#fragment``) so one fetch serves every anchor and quoted passage of a page.  Page tasks go to a
pool of daemon worker threads (global limit ``workers``); every request passes through the
``Host`` object of its host (per-host semaphore ``per_host``, minimum interval between request
starts, a back-off after 429/503 that resets on success, in-flight de-duplication of page
fetches).  Results stream back to the caller (``on_result``) as they are decided; when the global
``deadline`` passes, whatever is still queued gets ``unchecked`` and what is in flight
``timeout``, and ``check`` returns -- the run always ends.

Per page: HEAD when no body is needed, GET (streamed, at most ``max_bytes`` read) when an anchor
or a passage must be looked for, or when HEAD is refused (405/403/501) or fails where GET may not.
Redirects are followed by hand (``allow_redirects=False``) up to ``max_redirects`` hops, loops
detected, each hop classified permanent (301/308) or temporary (302/303/307).  429 and 503 with
``Retry-After`` (seconds or HTTP date) are retried after the wait when it fits in
``retry_after_max`` (429 without the header: exponential back-off); when it does not, the verdict
is ``rate-limited``.

Where requests go (``address.py``, ``transport.py``): every host name is looked up once per run and
every address of the answer judged by the address policy (link-local, cloud-metadata, unspecified
and the like refused; loopback and private allowed unless configured otherwise); a refused URL
gets ``refused`` without a connection, and the connection of an allowed one is made to an address
of that same answer (never to a second DNS answer), for every redirect hop alike.  Concurrency is
limited per host name and per resolved address (``host aliases`` share one limit).  Every request
has a total time bound, ``timeout`` (connect, headers and body together), kept by a watchdog.
"""

from __future__ import annotations

import codecs
import functools
import heapq
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from sphinx_karabakh.linkcheck.address import AddressPolicy, Resolver
from sphinx_karabakh.linkcheck.classify import precheck
from sphinx_karabakh.linkcheck.config import CheckConfig, is_failure  # noqa: F401  (re-exported)
from sphinx_karabakh.linkcheck.model import CheckResult, Hyperlink, Verdict

if TYPE_CHECKING:
    import requests

    from sphinx_karabakh.linkcheck.cache import Cache
    from sphinx_karabakh.linkcheck.transport import Watch, Watchdog
else:
    requests: Any = None  # imported on first use: a run answered from the cache never loads it


def _load_requests() -> None:
    global requests
    if requests is None:
        import requests as _requests

        requests = _requests


PERMANENT = frozenset({301, 308})
TEMPORARY = frozenset({302, 303, 307})
# HEAD refused (400, 403, 405, 406, 501) or answered in a way servers get wrong for HEAD only
# (404, 500, 502): the same URL is asked again with GET, whose answer is the verdict.
HEAD_REFUSED = frozenset({400, 403, 404, 405, 406, 500, 501, 502})
RETRYABLE = frozenset({429, 503})
HTML_TYPES = ("text/html", "application/xhtml+xml")


class DeadlineReached(Exception):
    """The global deadline passed before a request could start."""


#: The reason of every URL left without a verdict by Ctrl-C.
INTERRUPTED = "not checked: interrupted (Ctrl-C)"


# --------------------------------------------------------------------------- per-host limiter


class Limit:
    """At most ``limit`` requests at once, counted (``active``, ``peak``, ``requests``)."""

    def __init__(self, name: str, limit: int) -> None:
        self.name = name
        self.limit = max(1, limit)
        self._sem = threading.BoundedSemaphore(self.limit)
        self._count_lock = threading.Lock()
        self.active = 0
        self.peak = 0  # most requests in flight at once (for tests and stats)
        self.requests = 0

    def acquire(self, deadline: float | None) -> None:
        """Take a slot, then wait until the request may start (``_admit``); ``DeadlineReached``
        when either would last past ``deadline``."""
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        if not self._sem.acquire(timeout=timeout):
            raise DeadlineReached
        try:
            self._admit(deadline)
        except BaseException:
            self._sem.release()
            raise
        with self._count_lock:
            self.active += 1
            self.requests += 1
            self.peak = max(self.peak, self.active)

    def _admit(self, deadline: float | None) -> None:
        """Wait, holding a slot, until the request may start (at once here)."""

    def release(self) -> None:
        with self._count_lock:
            self.active -= 1
        self._sem.release()


class Host(Limit):
    """One object per host (``host:port``): concurrency, pacing, back-off, in-flight de-dup.
    (Requests to several names of one server also share an ``Endpoint`` limit.)"""

    def __init__(self, name: str, limit: int, min_interval: float = 0.0) -> None:
        super().__init__(name, limit)
        self.min_interval = min_interval
        self._lock = threading.Lock()
        self._cond = threading.Condition(threading.Lock())
        self._next_start = 0.0
        self.backoff = 0.0  # extra seconds between starts after 429/503; 0 after a success
        self.pages: dict[str, _Flow] = {}  # page (URL without fragment) -> the flow fetching it

    def _admit(self, deadline: float | None) -> None:
        """This host's pacing: the minimum interval between starts, plus the back-off."""
        with self._cond:
            while True:
                now = time.monotonic()
                if now >= self._next_start:
                    self._next_start = now + self.min_interval + self.backoff
                    return
                if deadline is not None and self._next_start > deadline:
                    raise DeadlineReached
                self._cond.wait(self._next_start - now)

    def claim(self, key: str, flow: _Flow) -> _Flow:
        """In-flight de-duplication: the flow that fetches page ``key`` (``flow`` if it is the first)."""
        with self._lock:
            return self.pages.setdefault(key, flow)

    def penalize(self) -> None:
        """429/503 seen: admit new requests at most one per back-off (doubling from 0.25 s to 4 s)."""
        with self._cond:
            self.backoff = min(max(self.backoff * 2, 0.25), 4.0)
            self._next_start = max(self._next_start, time.monotonic() + self.backoff)

    def succeeded(self) -> None:
        """A success resets the back-off and wakes requests waiting on it."""
        with self._cond:
            if self.backoff:
                self.backoff = 0.0
                self._next_start = min(self._next_start, time.monotonic() + self.min_interval)
                self._cond.notify_all()


class Endpoint(Limit):
    """The concurrency limit of one resolved address and port: requests to several names of one
    server (host aliases) share it, on top of each name's ``Host`` limit."""


# --------------------------------------------------------------------------- page parsing


class _PageScanner(HTMLParser):
    """Collects ``id=`` / ``<a name=>`` values and (when asked) visible text, incrementally."""

    def __init__(self, want_text: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.want_text = want_text
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            if v is not None and (k == "id" or (k == "name" and tag in ("a", "anchor"))):
                self.ids.add(v)
        if tag in ("script", "style", "noscript", "template"):
            self._skip += 1
        elif self.want_text and tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            if v is not None and (k == "id" or (k == "name" and tag == "a")):
                self.ids.add(v)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript", "template"):
            self._skip = max(0, self._skip - 1)
        elif self.want_text and tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.want_text and not self._skip:
            self.parts.append(data)

    def text(self) -> str:
        return re.sub(r"[ \t\r\f\v]+", " ", "".join(self.parts))


_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "td",
        "th",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "blockquote",
        "pre",
    ]
)


def html_to_text(html: str) -> str:
    """Visible text of an HTML document (script/style skipped), paragraphs on their own lines."""
    s = _PageScanner(want_text=True)
    s.feed(html)
    s.close()
    return s.text()


# --------------------------------------------------------------------------- fetch result


@dataclass
class PageFetch:
    """What one page fetch learned (shared by every link to that page)."""

    status: int | None = None
    final_url: str | None = None
    hops: list[tuple[int, str]] = field(default_factory=list)
    error: str = (
        ""  # "", "timeout", "connection", "rate-limited", "refused", "deadline", "redirects"
    )
    reason: str = ""
    content_type: str = ""
    ids: set[str] | None = None  # anchors seen (None = body not parsed)
    text: str | None = None  # visible text (when passages are wanted)
    truncated: bool = False  # stopped at max_bytes before the end
    bytes_read: int = 0
    method: str = ""
    elapsed: float = 0.0


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def page_key(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


@functools.lru_cache(maxsize=4096)
def _netloc_key(scheme: str, netloc: str) -> str:
    p = urlsplit(f"{scheme}://{netloc}/")
    return f"{(p.hostname or '').lower()}:{p.port or (443 if p.scheme == 'https' else 80)}"


def _host_key(url: str) -> str:
    """``host:port`` of a URL (cached per scheme + authority: called for every request)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        p = urlsplit(url)
        return _netloc_key(p.scheme, p.netloc)
    return _netloc_key(scheme.lower(), rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0])


# --------------------------------------------------------------------------- the checker


@dataclass
class _PageTask:
    key: str
    url: str  # the first link's URL without fragment
    links: list[Hyperlink]
    need_body: bool
    anchors: set[str]
    want_text: bool
    state: str = "queued"  # queued | done (by a worker) | reported (by the main thread)
    started: float = 0.0  # when its first request was sent (0: not yet)


@dataclass
class _Flow:
    """One page's chain of requests (redirect hops, GET fallback, retries) as a resumable state."""

    task: _PageTask
    method: str
    current: str
    out: PageFetch
    visited: set[str]
    waited: float = 0.0
    retries: int = 0
    conn_retries: int = 0
    head_status: int | None = None
    first: bool = True
    not_before: float = 0.0
    finished: bool = False
    parked_on: _Flow | None = None  # the flow fetching the page this one was redirected to
    waiters: list[_Flow] = field(default_factory=list)  # flows parked on this one


class _Scheduler:
    """Ready flows by priority -- retries whose Retry-After wait is over, then flows that have
    sent nothing yet, then other continuations (redirect hops, GET fallback) -- and waiting flows
    by due time."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._ready: list[tuple[int, int, _Flow]] = []
        self._waiting: list[tuple[float, int, _Flow]] = []
        self._seq = 0

    def push(self, flow: _Flow) -> None:
        with self._cond:
            self._seq += 1
            if flow.not_before > time.monotonic():
                heapq.heappush(self._waiting, (flow.not_before, self._seq, flow))
            else:
                heapq.heappush(self._ready, (0 if flow.first else 1, self._seq, flow))
            self._cond.notify()

    def pop(self, stop: threading.Event) -> _Flow | None:
        with self._cond:
            while not stop.is_set():
                now = time.monotonic()
                while self._waiting and self._waiting[0][0] <= now:
                    _, seq, f = heapq.heappop(self._waiting)
                    heapq.heappush(self._ready, (-1, seq, f))  # waited already: goes first
                if self._ready:
                    return heapq.heappop(self._ready)[2]
                timeout = self._waiting[0][0] - now if self._waiting else None
                self._cond.wait(timeout)
            return None

    def wake_all(self) -> None:
        with self._cond:
            self._cond.notify_all()


class Checker:
    """Checks links concurrently; see the module docstring for the flow."""

    def __init__(self, config: CheckConfig | None = None, cache: Cache | None = None) -> None:
        self.config = config or CheckConfig()
        self.cache = cache
        self._hosts: dict[str, Host] = {}
        self._endpoints: dict[str, Endpoint] = {}  # address:port -> its limit (host aliases)
        self._hosts_lock = threading.Lock()
        self._stop = threading.Event()
        self._ignore = [re.compile(p) for p in self.config.ignore]
        self._deadline_at: float | None = None
        self._session: requests.Session | None = None
        self._headers: dict[str, str] = {}
        self._claim_lock = threading.Lock()  # page claims and parked flows (in-flight de-dup)
        c = self.config
        self.resolver = Resolver(
            AddressPolicy(c.allow_link_local, c.refuse_private, c.refuse_loopback)
        )
        self._watchdog: Watchdog | None = None
        self._proxy_cache: dict[tuple[str, str], str | None] = {}
        self.processes_used = 1  # worker processes of the last ``check`` (1: this process only)
        self.interrupted = False  # Ctrl-C cut the last ``check`` short (every URL has a verdict)

    def _make_session(self) -> requests.Session:
        _load_requests()
        import os
        import urllib.request

        from sphinx_karabakh.linkcheck.transport import PinnedAdapter, Watchdog

        s = requests.Session()
        # Without proxy variables in the environment, skip the per-request proxy look-up (a large
        # share of requests' CPU time per request).  A CA bundle named in the environment is used,
        # as requests itself would.
        s.trust_env = bool(urllib.request.getproxies())
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            s.verify = bundle
        c = self.config
        adapter = PinnedAdapter(
            self.resolver,
            pool_connections=1024,  # host pools kept (an evicted pool loses its connections)
            pool_maxsize=max(1, min(c.per_host, c.workers)),  # connections per host pool
            pool_block=False,
            max_retries=0,
        )
        s.mount("http://", adapter)
        s.mount("https://", adapter)
        s.headers.update(
            {
                "User-Agent": c.user_agent,
                "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                "Accept-Encoding": "gzip, deflate",
            }
        )
        self._watchdog = Watchdog()
        return s

    @property
    def session(self) -> requests.Session:
        """The pooled session, made on first use (so cache-only runs never import requests)."""
        if self._session is None:
            self._session = self._make_session()
            self._headers = {k: str(v) for k, v in self._session.headers.items()}
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
        if self._watchdog is not None:
            self._watchdog.close()

    def host(self, url: str) -> Host:
        key = _host_key(url)
        with self._hosts_lock:
            h = self._hosts.get(key)
            if h is None:
                h = self._hosts[key] = Host(key, self.config.per_host, self.config.min_interval)
            return h

    def endpoint(self, address: str, port: int) -> Endpoint:
        """The limit of one resolved address and port (shared by every name of that server)."""
        key = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
        e = self._endpoints.get(key)
        if e is None:
            with self._hosts_lock:
                e = self._endpoints.setdefault(key, Endpoint(key, self.config.per_host))
        return e

    @property
    def hosts(self) -> dict[str, Host]:
        return dict(self._hosts)

    @property
    def endpoints(self) -> dict[str, Endpoint]:
        return dict(self._endpoints)

    # ------------------------------------------------------------------ public entry point

    def check(
        self,
        links: Iterable[Hyperlink],
        on_result: Callable[[CheckResult], None] | None = None,
        on_link: Callable[[Hyperlink, CheckResult], None] | None = None,
    ) -> list[CheckResult]:
        """Judge every link; return one ``CheckResult`` per link, in the input order.

        ``on_result(result)`` (and ``on_link(link, result)``) are called once per distinct link
        object, in this thread, as verdicts are decided.  With ``config.processes`` other than 1
        and enough pages on several hosts, the network checks run in worker processes
        (``linkcheck.shard``); prechecks, the cache, the callbacks stay in this process.

        Ctrl-C (``KeyboardInterrupt`` in this thread) ends the check at once: every link without a
        verdict yet gets ``unchecked`` ("interrupted"), ``self.interrupted`` is set, and the
        results are returned as usual -- the caller writes its reports and decides how to end."""
        links = list(links)
        t_start = time.monotonic()
        c = self.config
        self._deadline_at = None if c.deadline is None else t_start + c.deadline
        self._stop.clear()
        self.processes_used = 1
        self.interrupted = False
        results: dict[int, CheckResult] = {}
        index: dict[int, list[int]] = {}
        for i, h in enumerate(links):
            index.setdefault(id(h), []).append(i)
        seen: set[int] = set()

        def emit(h: Hyperlink, r: CheckResult) -> None:
            for i in index[id(h)]:
                results[i] = r
            if on_result is not None:
                on_result(r)
            if on_link is not None:
                on_link(h, r)

        try:
            tasks: dict[str, _PageTask] = {}
            for h in links:
                if id(h) in seen:  # the same object twice: one check, one result for both places
                    continue
                seen.add(id(h))
                pre = self._precheck(h.url)
                if pre is not None:
                    emit(h, self._result(h, pre[0], reason=pre[1]))
                    continue
                if self.cache is not None:
                    hit = self.cache.get(h.url, h.expected_passages)
                    if hit is not None:
                        emit(
                            h,
                            self._result(
                                h, hit.verdict, hit.status, hit.final_url, hit.reason, cached=True
                            ),
                        )
                        continue
                key = page_key(h.url)
                t = tasks.get(key)
                if t is None:
                    t = tasks[key] = _PageTask(key, key, [], False, set(), False)
                t.links.append(h)
                frag = _fragment(h.url)
                if frag is not None:
                    t.anchors.add(frag)
                if h.expected_passages:
                    t.want_text = True
                t.need_body = bool(t.anchors) or t.want_text

            if tasks:
                by_host: dict[str, list[_PageTask]] = {}
                for t in tasks.values():
                    by_host.setdefault(_host_key(t.url), []).append(t)
                from sphinx_karabakh.linkcheck.shard import plan_processes

                n = plan_processes(c, len(tasks), len(by_host))
                if n > 1:
                    self._run_sharded(by_host, n, emit)
                else:
                    self._run_tasks(_round_robin(list(tasks.values())), emit)
        except KeyboardInterrupt:
            self.interrupted = True
            self._stop.set()
        if self.interrupted:
            for h in links:  # (emit fills every place of h: a second one is then in results)
                if index[id(h)][0] not in results:
                    emit(h, self._result(h, Verdict.UNCHECKED, reason=INTERRUPTED))
        return [results[i] for i in range(len(links))]

    # ------------------------------------------------------------------ pool

    def _run_tasks(self, tasks: list[_PageTask], emit) -> None:
        """Run page flows on ``workers`` daemon threads; first requests before continuations.

        A flow is one page's chain of requests.  Workers take the ready flow with the best
        priority -- a flow that has sent nothing yet beats a redirect hop, GET fallback or retry --
        so every URL gets its first answer early and Retry-After waits overlap with the rest.
        A flow waiting for Retry-After holds no thread and no host slot.
        """
        sched = _Scheduler()
        _ = self.session  # made here, before the workers share it
        for t in tasks:
            flow = _Flow(
                task=t,
                method="GET" if t.need_body else "HEAD",
                current=t.url,
                out=PageFetch(method="GET" if t.need_body else "HEAD"),
                visited={t.url},
            )
            self.host(t.url).claim(t.key, flow)
            sched.push(flow)
        done: SimpleQueue = SimpleQueue()

        def worker() -> None:
            while not self._stop.is_set():
                flow = sched.pop(self._stop)
                if flow is None:
                    return
                try:
                    finished = self._step(flow)
                except Exception as exc:  # never lose a URL to a bug in one page
                    flow.out.error, flow.out.reason = "connection", f"checker error: {exc!r}"
                    finished = True
                if finished:
                    self._finish(flow, done)
                elif finished is not None:  # None: parked on the flow fetching its target page
                    sched.push(flow)

        # No more threads than host slots: a thread beyond them would only wait on a host's limit
        # (and every thread adds to the interpreter-lock convoy while requests are sent).
        slots = self.config.per_host * len({_host_key(t.url) for t in tasks})
        n = max(1, min(self.config.workers, len(tasks), slots))
        threads = [
            threading.Thread(target=worker, name=f"linkcheck-{i}", daemon=True) for i in range(n)
        ]
        for th in threads:
            th.start()
        remaining = len(tasks)
        try:
            while remaining:
                timeout = None
                if self._deadline_at is not None:
                    timeout = self._deadline_at - time.monotonic()
                    if timeout <= 0:
                        break
                try:
                    flow = done.get(timeout=timeout)
                except Empty:
                    break
                remaining -= 1
                task = flow.task
                task.state = "reported"
                elapsed = time.monotonic() - task.started if task.started else 0.0
                flow.out.elapsed = elapsed
                for h in task.links:
                    r = self._judge(h, flow.out, elapsed)
                    if self.cache is not None:
                        self.cache.put(r, h.expected_passages)
                    emit(h, r)
        finally:  # also on Ctrl-C: the workers stop taking flows (the caller reports the rest)
            self._stop.set()
            sched.wake_all()
        if remaining:  # global deadline reached: every URL still gets a verdict
            now = time.monotonic()
            while True:  # flows finished in the meantime are reported as they are
                try:
                    flow = done.get_nowait()
                except Empty:
                    break
                flow.task.state = "reported"
                for h in flow.task.links:
                    emit(h, self._judge(h, flow.out, now - flow.task.started))
            for t in tasks:  # not reported by the main thread (a late finisher is cut off too)
                if t.state == "reported":
                    continue
                if t.started:
                    verdict, elapsed, when = Verdict.TIMEOUT, now - t.started, "while checking"
                else:
                    verdict, elapsed, when = Verdict.UNCHECKED, 0.0, "before the check started"
                reason = f"global deadline ({self.config.deadline:g} s) reached {when}"
                for h in t.links:
                    emit(h, self._result(h, verdict, elapsed=elapsed, reason=reason))

    def _run_sharded(self, by_host: dict[str, list[_PageTask]], n: int, emit) -> None:
        """Pages of each host to one of ``n`` worker processes; results cached and emitted here."""
        from sphinx_karabakh.linkcheck.shard import assign_hosts, run_sharded

        shards = [
            [h for host in hosts for t in by_host[host] for h in t.links]
            for hosts in assign_hosts({k: len(v) for k, v in by_host.items()}, n)
        ]
        self.processes_used = len(shards)

        def emit_fresh(h: Hyperlink, r: CheckResult) -> None:
            if self.cache is not None:
                self.cache.put(r, h.expected_passages)
            emit(h, r)

        self.interrupted = run_sharded(self.config, shards, self._deadline_at, emit_fresh)

    def _finish(self, flow: _Flow, done: SimpleQueue) -> None:
        """Report a finished flow and every flow parked on it (they share its page fetch)."""
        with self._claim_lock:
            flow.finished = True
            waiters, flow.waiters = flow.waiters, []
            for w in waiters:
                _merge(w, flow)
        flow.task.state = "done"
        done.put(flow)
        for w in waiters:
            self._finish(w, done)

    def _park(self, flow: _Flow, nxt: str) -> bool | None:
        """In-flight de-duplication of redirect targets: when ``nxt`` is a page another flow
        fetches (a cited page), share that fetch instead of requesting it again.

        Returns None when parked (finished later with the owner), True when the owner had
        already finished (merged now), False when there is no usable owner.
        """
        owner = self.host(nxt).pages.get(page_key(nxt))
        if owner is None or owner is flow or not _can_serve(owner.task, flow.task):
            return False
        with self._claim_lock:
            x: _Flow | None = owner
            while x is not None:  # two cited URLs redirecting to each other
                if x is flow:
                    flow.out.error = "redirects"
                    flow.out.reason = (
                        f"redirect loop: {flow.current} -> {nxt} (after {len(flow.out.hops)} hops)"
                    )
                    return True
                x = x.parked_on
            if owner.finished:
                _merge(flow, owner)
                return True
            flow.parked_on = owner
            owner.waiters.append(flow)
            return None

    # ------------------------------------------------------------------ one page

    def _precheck(self, url: str) -> tuple[Verdict, str] | None:
        for rx in self._ignore:
            if rx.search(url):
                return Verdict.SKIPPED, f"ignored by pattern {rx.pattern!r}"
        return precheck(url)

    def _result(
        self,
        h: Hyperlink,
        verdict: Verdict,
        status: int | None = None,
        final_url: str | None = None,
        reason: str = "",
        elapsed: float = 0.0,
        cached: bool = False,
    ) -> CheckResult:
        return CheckResult(
            url=h.url,
            verdict=verdict,
            status=status,
            final_url=final_url,
            reason=reason,
            elapsed=round(elapsed, 4),
            cited_at=tuple(h.cited_at),
            cached=cached,
        )

    def _judge(self, h: Hyperlink, f: PageFetch, elapsed: float) -> CheckResult:
        def res(v: Verdict, reason: str) -> CheckResult:
            return self._result(h, v, f.status, f.final_url, reason, elapsed)

        if f.error == "timeout":
            return res(Verdict.TIMEOUT, f.reason)
        if f.error == "rate-limited":
            return res(Verdict.RATE_LIMITED, f.reason)
        if f.error == "refused":
            return res(Verdict.REFUSED, f.reason)
        if f.error == "deadline":
            return res(Verdict.UNCHECKED, f.reason)
        if f.error:  # connection, body (cut off, undecodable), redirects (loop / too many)
            return res(Verdict.BROKEN, f.reason)
        if f.status is None or f.status >= 400:
            return res(Verdict.BROKEN, f.reason or f"HTTP {f.status}")
        if f.status < 200:
            return res(
                Verdict.BROKEN,
                f"HTTP {f.status}: an informational (1xx) status is not a final answer",
            )
        if 300 <= f.status < 400:
            return res(Verdict.BROKEN, f.reason or f"HTTP {f.status} without a usable Location")
        frag = _fragment(h.url)
        if frag is not None and f.ids is not None:
            if not _is_html(f.content_type):
                pass  # anchors of PDFs and other types are not checkable
            elif frag not in f.ids:
                where = f" (only the first {f.bytes_read} bytes read)" if f.truncated else ""
                return res(Verdict.ANCHOR_MISSING, f"anchor '{frag}' not found{where}")
        if h.expected_passages:
            if f.text is None:
                return res(
                    Verdict.CONTENT_CHANGED,
                    f"cannot read the text of a {f.content_type or 'page'} for the content check",
                )
            for passage in h.expected_passages:
                if not passage_found(f.text, passage):
                    return res(
                        Verdict.CONTENT_CHANGED,
                        f"quoted passage no longer on the page: {_clip(passage)!r}"
                        + (f" (only the first {f.bytes_read} bytes read)" if f.truncated else ""),
                    )
        if f.hops:
            chain = " -> ".join(str(code) for code, _ in f.hops) + f" -> {f.status}"
            if all(code in PERMANENT for code, _ in f.hops):
                return res(
                    Verdict.REDIRECTED_PERMANENT, f"permanent redirect {chain} to {f.final_url}"
                )
            return res(Verdict.REDIRECTED_TEMPORARY, f"temporary redirect {chain} to {f.final_url}")
        note = ""
        if frag is not None and f.ids is not None and not _is_html(f.content_type):
            note = f" (anchor not checked in {f.content_type or 'non-HTML'})"
        return res(Verdict.OK, f"HTTP {f.status} ({f.method}){note}")

    # ------------------------------------------------------------------ HTTP

    def _prepare(self, method: str, url: str) -> requests.PreparedRequest:
        """A prepared request with the session's headers (and cookies, when it holds any);
        cheaper than ``Session.request``'s full merge for thousands of small requests."""
        p = requests.PreparedRequest()
        jar = self.session.cookies
        p.prepare(method=method, url=url, headers=self._headers, cookies=jar if len(jar) else None)
        return p

    def _send(
        self, method: str, url: str, timeout: tuple[float, float], proxy: str | None
    ) -> requests.Response:
        """One request, no redirect following, body streamed: the session's adapter (its
        connection pools) directly.  ``Session.send`` would also prepare the next redirect request
        and parse cookies on every answer -- about a tenth of the CPU per request; here cookies
        are stored only when the answer sets one, and redirects are followed by ``_step``."""
        s = self.session
        req = self._prepare(method, url)
        proxies = {urlsplit(url).scheme: proxy} if proxy else {}
        resp = s.get_adapter(url).send(
            req,
            stream=True,
            timeout=timeout,
            verify=s.verify if s.verify is not None else True,
            cert=s.cert,
            proxies=proxies,
        )
        if "set-cookie" in resp.headers:
            from requests.cookies import extract_cookies_to_jar

            extract_cookies_to_jar(s.cookies, req, resp.raw)
        return resp

    def _proxy_for(self, url: str) -> str | None:
        """The proxy the environment names for ``url`` (``None``: a direct connection)."""
        if not self.session.trust_env:
            return None
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        if key not in self._proxy_cache:
            from requests.utils import get_environ_proxies, select_proxy

            self._proxy_cache[key] = select_proxy(url, get_environ_proxies(url, None)) or None
        return self._proxy_cache[key]

    def _remaining(self) -> float | None:
        return None if self._deadline_at is None else self._deadline_at - time.monotonic()

    def _step(self, flow: _Flow) -> bool | None:
        """Send the next request of a page flow; True when the flow is finished, False when it
        needs another step, None when it is parked on another flow (in-flight de-dup)."""
        c = self.config
        out = flow.out
        task = flow.task
        if self._stop.is_set():
            out.error, out.reason = "deadline", "global deadline reached"
            return True
        host = self.host(flow.current)
        proxy = self._proxy_for(flow.current)
        res = self.resolver.resolve(urlsplit(flow.current).hostname or "")  # cached per name
        if res.refusal:  # decided from the DNS answer: no connection at all
            out.error, out.reason = "refused", res.refusal
            return True
        if res.error and proxy is None:  # no address: no request (and no second DNS wait per URL)
            out.error, out.reason = "connection", res.error
            return True
        left = self._remaining()
        if left is not None and left <= 0:
            out.error, out.reason = "deadline", f"global deadline ({c.deadline:g} s) reached"
            return True
        budget = c.timeout if left is None else max(0.05, min(c.timeout, left))
        endpoint = self.endpoint(res.addresses[0], _port(flow.current)) if res.addresses else None
        try:
            host.acquire(self._deadline_at)
        except DeadlineReached:
            out.error, out.reason = "deadline", f"global deadline ({c.deadline:g} s) reached"
            return True
        try:
            if endpoint is not None:
                endpoint.acquire(self._deadline_at)
        except DeadlineReached:
            host.release()
            out.error, out.reason = "deadline", f"global deadline ({c.deadline:g} s) reached"
            return True
        if not task.started:
            task.started = time.monotonic()
        flow.first = False
        watchdog = self._watchdog
        assert watchdog is not None  # made with the session
        watch = watchdog.start(budget)
        try:
            return self._exchange(flow, host, proxy, budget, watch)
        finally:
            watchdog.finish(watch)
            if endpoint is not None:
                endpoint.release()
            host.release()

    def _exchange(
        self, flow: _Flow, host: Host, proxy: str | None, budget: float, watch: Watch
    ) -> bool | None:
        """One request and what its answer means for the flow (see ``_step``), within ``budget``
        seconds in total: past it the watchdog shuts the connection and the verdict is timeout."""
        c = self.config
        out, task = flow.out, flow.task
        method, current = flow.method, flow.current
        try:
            resp = self._send(method, current, (min(c.connect_timeout, budget), budget), proxy)
        except requests.exceptions.RequestException as exc:
            if watch.expired or isinstance(exc, requests.exceptions.Timeout):
                out.error = "timeout"
                if (
                    isinstance(exc, requests.exceptions.ConnectTimeout)
                    and budget > c.connect_timeout
                ):
                    out.reason = (
                        f"connect timeout after {c.connect_timeout:g} s ({method} {current})"
                    )
                else:
                    out.reason = self._timeout_reason(budget, f"{method} {current}")
                return True
            refused = _find_exc(exc, "AddressRefused")
            if refused is not None:
                out.error, out.reason = "refused", str(getattr(refused, "reason", refused))
                return True
            if flow.conn_retries < 1 and isinstance(exc, requests.exceptions.ConnectionError):
                flow.conn_retries += 1  # a stale keep-alive connection, a reset: once more
                return False
            out.error = "connection"
            out.reason = _exc_reason(exc)
            return True
        status = resp.status_code
        out.status = status
        out.final_url = current
        if status in RETRYABLE:
            header = resp.headers.get("Retry-After")
            ra = parse_retry_after(header)
            _discard(resp)
            host.penalize()
            if status == 503 and ra is None:
                why = (
                    f"Retry-After {header!r} is neither seconds nor an HTTP date"
                    if header
                    else "no Retry-After"
                )
                out.reason = f"HTTP 503 Service Unavailable ({why})"
                return True
            wait = ra if ra is not None else min(2.0**flow.retries, 8.0)
            left = self._remaining()
            if (
                flow.retries >= c.max_retries
                or flow.waited + wait > c.retry_after_max
                or (left is not None and wait >= left)
            ):
                shown = (
                    "absent"
                    if not header
                    else header
                    if ra is not None
                    else f"{header!r} (unparsable)"
                )
                out.error = "rate-limited"
                out.reason = (
                    f"HTTP {status}, Retry-After {shown}; gave up after "
                    f"{flow.retries} retries and {flow.waited:g} s of waiting "
                    f"(bound {c.retry_after_max:g} s)"
                )
                return True
            flow.retries += 1
            flow.waited += wait
            flow.not_before = time.monotonic() + wait
            return False
        location = resp.headers.get("Location")
        if 300 <= status < 400 and location:
            host.succeeded()
            nxt = urljoin(current, location.strip())
            set_cookie = "set-cookie" in resp.headers
            _discard(resp)
            nxt = page_key(nxt) if urlsplit(nxt).fragment else nxt
            out.hops.append((status, nxt))
            out.final_url = nxt
            if len(out.hops) > c.max_redirects:
                out.error = "redirects"
                out.reason = f"more than {c.max_redirects} redirects (cut at {nxt})"
                return True
            if nxt in flow.visited and not set_cookie:
                out.error = "redirects"
                out.reason = f"redirect loop: {current} -> {nxt} (after {len(out.hops)} hops)"
                return True
            if urlsplit(nxt).scheme not in ("http", "https"):
                out.error = "redirects"
                out.reason = f"redirect to unsupported URL {nxt}"
                return True
            flow.visited.add(nxt)
            flow.current = nxt
            parked = self._park(flow, nxt)
            return None if parked is None else parked
        if method == "HEAD" and status in HEAD_REFUSED:
            _discard(resp)
            flow.head_status = status  # HEAD refused: the same chain again with GET
            flow.method, flow.current, flow.visited = "GET", task.url, {task.url}
            flow.out = PageFetch(method="GET", reason=f"HEAD answered {status}")
            return False
        if 200 <= status < 400:
            host.succeeded()
        out.content_type = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if status >= 400:
            out.reason = f"HTTP {status} {resp.reason or ''}".strip()
            if flow.head_status:
                out.reason += f" (HEAD answered {flow.head_status})"
        if method == "GET" and 200 <= status < 300 and task.need_body:
            self._read_body(resp, task, out, watch, budget)
        else:
            _discard(resp)
        return True

    def _read_body(
        self, resp: requests.Response, task: _PageTask, out: PageFetch, watch: Watch, budget: float
    ) -> None:
        """Stream the body into the anchor/text scanner; stop when done or at ``max_bytes``.

        A body the server cut short (fewer bytes than its Content-Length, a chunked stream that
        ends early) or one that cannot be decoded is ``broken``; one still arriving when the
        request's time bound runs out is ``timeout``."""
        c = self.config
        out.ids = set()
        if not _is_html(out.content_type) and not (
            task.want_text and out.content_type.startswith("text/")
        ):
            resp.close()
            return
        scanner = _PageScanner(want_text=task.want_text)
        header_charset = (
            resp.encoding if "charset" in resp.headers.get("Content-Type", "").lower() else None
        )
        decoder = None
        finished = False
        try:
            for chunk in resp.iter_content(chunk_size=64 * 1024):
                take = chunk[: max(0, c.max_bytes - out.bytes_read)]
                out.bytes_read += len(take)
                if decoder is None:  # the header's charset, else a <meta> one, else UTF-8
                    decoder = _decoder(header_charset or _sniff_charset(take))
                scanner.feed(decoder.decode(take))
                if not task.want_text and task.anchors <= scanner.ids:
                    break  # every wanted anchor seen: no need to read further
                if out.bytes_read >= c.max_bytes:
                    out.truncated = True
                    break
            else:
                finished = True
        except requests.exceptions.RequestException as exc:
            if (
                watch.expired
                or isinstance(exc, requests.exceptions.Timeout)
                or (
                    isinstance(exc, requests.exceptions.ConnectionError)
                    and "timed out" in str(exc).lower()
                )
            ):
                out.error = "timeout"
                out.reason = self._timeout_reason(
                    budget, f"the body was still arriving after {out.bytes_read} bytes"
                )
            elif isinstance(exc, requests.exceptions.ContentDecodingError):
                encoding = resp.headers.get("Content-Encoding", "")
                out.error = "body"
                out.reason = (
                    f"the body cannot be decoded (Content-Encoding {encoding or 'none'}): "
                    f"{_innermost(exc)}"
                )
            else:
                cut = _find_exc(exc, "IncompleteRead")
                got = out.bytes_read + _int(getattr(cut, "partial", 0))
                length = resp.headers.get("Content-Length")
                if length:
                    how = f"{got} of the {length} bytes announced arrived"
                elif "chunked" in resp.headers.get("Transfer-Encoding", "").lower():
                    how = f"the chunked stream ended in the middle of a chunk, after {got} bytes"
                else:
                    how = f"after {got} bytes: {_exc_reason(exc)}"
                out.error = "body"
                out.reason = f"the body was cut off ({how})"
        finally:
            if finished:
                try:
                    resp.raw.release_conn()  # read to the end: the connection can be reused
                except Exception:
                    resp.close()
            else:
                resp.raw.close() if resp.raw is not None else None
                resp.close()
        if decoder is not None:
            scanner.feed(decoder.decode(b"", final=True))
        out.ids = set(scanner.ids) | {unquote(i) for i in scanner.ids}
        if task.want_text:
            out.text = scanner.text()

    def _timeout_reason(self, budget: float, what: str) -> str:
        """Why a request ran out of time: its own bound, or the global deadline that cut it."""
        c = self.config
        if budget < c.timeout and c.deadline is not None:
            return f"global deadline ({c.deadline:g} s) reached while checking ({what})"
        return f"timeout: no complete answer within {budget:g} s ({what})"


# --------------------------------------------------------------------------- helpers


def passage_found(text: str, passage: str) -> bool:
    """Is the quoted passage on the page? Uses the sources stage's matcher (same normalisation).

    Looked up at run time: the link check does not depend on the sources stage to be imported
    (nor, for the type checker, on its internals); without it, normalised containment."""
    import importlib

    try:
        match_in_text = importlib.import_module("sphinx_karabakh.sources").match_in_text
    except (ImportError, AttributeError):
        return _normalise(passage) in _normalise(text)
    m = match_in_text(text, passage)
    return str(getattr(m, "verdict", "")) == "verified"


def _normalise(s: str) -> str:
    s = (
        s.replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("\u201c", '"')
        .replace("\u201d", '"')
    )
    s = s.replace("\u2013", "-").replace("\u2014", "-").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", s).strip().casefold()


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def _sniff_charset(head: bytes) -> str:
    """The charset a page declares in a ``<meta>`` tag of its first 2 KiB (UTF-8 if none)."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    m = _META_CHARSET.search(head[:2048])
    return m.group(1).decode("ascii") if m else "utf-8"


def _decoder(charset: str) -> codecs.IncrementalDecoder:
    try:
        return codecs.getincrementaldecoder(charset)(errors="replace")
    except LookupError:
        return codecs.getincrementaldecoder("utf-8")(errors="replace")


def _can_serve(owner: _PageTask, task: _PageTask) -> bool:
    """Does the owner's fetch of a page answer everything ``task`` needs to know of it?"""
    if not task.need_body:
        return True
    if not owner.need_body or (task.want_text and not owner.want_text):
        return False
    return owner.want_text or task.anchors <= owner.anchors


def _merge(flow: _Flow, owner: _Flow) -> None:
    """Give a parked flow the outcome of the fetch it was redirected to (its own hops first)."""
    o, out = owner.out, flow.out
    out.hops = out.hops + o.hops
    if o.status is not None or o.final_url is not None:  # else: the owner got no answer at all
        out.status, out.final_url = o.status, o.final_url
    out.error = o.error
    out.reason = o.reason
    out.content_type, out.ids, out.text = o.content_type, o.ids, o.text
    out.truncated, out.bytes_read = o.truncated, o.bytes_read


def _fragment(url: str) -> str | None:
    """The anchor to check, or None (no fragment, or one that is not an element id)."""
    if "#" not in url:
        return None
    frag = url.split("#", 1)[1]
    if not frag or frag.startswith(("!", "/", ":~:")) or _LINE_FRAG.match(frag):
        return None  # SPA routes, text fragments, PDF pages and line numbers are not element ids
    return unquote(frag)


_LINE_FRAG = re.compile(r"^(?:page=\d+|L\d+(?:-L\d+)?)$", re.I)


def _is_html(content_type: str) -> bool:
    return content_type.startswith(HTML_TYPES) or content_type == ""


def _discard(resp: requests.Response) -> None:
    """Free the connection: drain a small body back into the pool (keep-alive), close a big one."""
    try:
        length = int(resp.headers.get("Content-Length", "-1"))
    except ValueError:
        length = -1
    head = resp.request is not None and resp.request.method == "HEAD"
    if head or 0 <= length <= 64 * 1024:
        try:
            resp.raw.drain_conn()
            resp.raw.release_conn()
            return
        except Exception:
            pass
    resp.close()


def _exc_chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions inside it (args, ``reason``, cause and context), depth first."""
    stack: list[BaseException] = [exc]
    seen: set[int] = set()
    while stack:
        e = stack.pop()
        if id(e) in seen or len(seen) > 32:
            continue
        seen.add(id(e))
        yield e
        inner = [a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]
        for x in (getattr(e, "reason", None), e.__cause__, e.__context__):
            if isinstance(x, BaseException):
                inner.append(x)
        stack.extend(reversed(inner))


def _find_exc(exc: BaseException, name: str) -> BaseException | None:
    """The first exception of class ``name`` (or a subclass) inside ``exc``."""
    for e in _exc_chain(exc):
        if any(k.__name__ == name for k in type(e).__mro__):
            return e
    return None


def _exc_reason(exc: BaseException) -> str:
    """A one-line reason for a failed request: the innermost cause that says what happened."""
    for name, fmt in (
        ("HeadersCutOff", "{}"),
        ("RemoteDisconnected", "the server closed the connection without an answer"),
        ("BadStatusLine", "not an HTTP answer (status line {})"),
        ("SSLCertVerificationError", "TLS certificate not accepted: {}"),
        ("NameResolutionError", "{}"),
        ("ConnectionRefusedError", "connection refused"),
        ("ConnectionResetError", "connection reset by the server"),
        ("IncompleteRead", "{}"),
        ("SSLError", "TLS error: {}"),
        ("DecodeError", "{}"),
    ):
        e = _find_exc(exc, name)
        if e is not None:
            text = getattr(e, "verify_message", None) or str(e)
            if name == "BadStatusLine" and e.args:
                text = repr(e.args[0])[:80]
            text = re.sub(r"^<[^>]*>: ", "", text)  # urllib3's "<Connection object at 0x..>: "
            return fmt.format(text)[:200]
    s = str(exc)
    m = re.search(r"\] ([^'\")]+)", s)
    return f"{type(exc).__name__}: {(m.group(1) if m else s)[:200]}"


def _innermost(exc: BaseException) -> str:
    """The message of the deepest exception inside ``exc`` (e.g. zlib's own words)."""
    e = exc
    for _ in range(16):
        inner = [a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]
        nxt = inner[0] if inner else e.__cause__ or e.__context__
        if nxt is None:
            break
        e = nxt
    return str(e)[:200]


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _port(url: str) -> int:
    """The port a URL connects to (80/443 by default)."""
    return int(_host_key(url).rsplit(":", 1)[1])


def _clip(s: str, n: int = 80) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _round_robin(tasks: list[_PageTask]) -> list[_PageTask]:
    """Interleave hosts so that the workers spread over hosts from the start."""
    by_host: dict[str, deque[_PageTask]] = {}
    for t in tasks:
        by_host.setdefault(_host_key(t.url), deque()).append(t)
    out: list[_PageTask] = []
    queues = list(by_host.values())
    while queues:
        nxt = []
        for q in queues:
            out.append(q.popleft())
            if q:
                nxt.append(q)
        queues = nxt
    return out
