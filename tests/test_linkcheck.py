"""The link checker against real local servers (tests/linkserver.py): every verdict, limits, cache."""

from __future__ import annotations

import sqlite3
import time

import pytest
from linkserver import LinkServer, passage, passage_cyr

from sphinx_karabakh.linkcheck.cache import Cache, merge_ttl
from sphinx_karabakh.linkcheck.checker import (
    CheckConfig,
    Checker,
    html_to_text,
    is_failure,
    parse_retry_after,
)
from sphinx_karabakh.linkcheck.model import CitedAt, Hyperlink, Verdict

FAST = dict(timeout=1.0, connect_timeout=1.0, deadline=30.0, retry_after_max=5.0)


@pytest.fixture(scope="module")
def server():
    with LinkServer("127.0.0.1", slow_s=3.0) as s:
        yield s


def check(urls, **kw):
    cfg = CheckConfig(**{**FAST, **kw.pop("cfg", {})})
    links = [
        u if isinstance(u, Hyperlink) else Hyperlink(u, [CitedAt("doc.rst", i + 1)])
        for i, u in enumerate(urls)
    ]
    checker = Checker(cfg, kw.pop("cache", None))
    try:
        return checker.check(links, **kw), checker
    finally:
        checker.close()


def one(url, **kw):
    results, _ = check([url], **kw)
    return results[0]


def test_ok_page_uses_head_only(server):
    r = one(server.url("/page/ok1"))
    assert r.verdict is Verdict.OK and r.status == 200
    assert server.requests["HEAD /page/ok1"] == 1 and server.requests["GET /page/ok1"] == 0
    assert r.cited_at == (CitedAt("doc.rst", 1),)


def test_anchors_id_and_name_ok_and_missing_one_fetch(server):
    urls = [
        server.url("/page/anc#sec-2"),
        server.url("/page/anc#name-anchor"),
        server.url("/page/anc#sec-404"),
        server.url("/page/anc"),
    ]
    results, _ = check(urls)
    assert [r.verdict for r in results] == [
        Verdict.OK,
        Verdict.OK,
        Verdict.ANCHOR_MISSING,
        Verdict.OK,
    ]
    assert "sec-404" in results[2].reason
    assert server.count("/page/anc") == 1  # one GET serves every anchor of the page


@pytest.mark.parametrize("hops", [1, 2, 3])
def test_redirect_chains_report_final_url(server, hops):
    r = one(server.url(f"/redirect/{hops}/r{hops}"))
    assert r.verdict in (Verdict.REDIRECTED_PERMANENT, Verdict.REDIRECTED_TEMPORARY)
    assert r.final_url == server.url(f"/page/r{hops}")
    assert r.status == 200
    assert server.count(f"/page/r{hops}") == 1


def test_redirect_permanent_vs_temporary(server):
    assert one(server.url("/permanent/p1")).verdict is Verdict.REDIRECTED_PERMANENT
    r = one(server.url("/temporary/t1"))
    assert r.verdict is Verdict.REDIRECTED_TEMPORARY and "302" in r.reason


def test_redirect_loop_is_broken_and_cut(server):
    r = one(server.url("/loop/lp/0"))
    assert r.verdict is Verdict.BROKEN and "loop" in r.reason
    assert server.count("/loop/lp/0") + server.count("/loop/lp/1") <= 3


def test_too_many_redirects(server):
    r = one(server.url("/redirect/3/many"), cfg={"max_redirects": 2})
    assert r.verdict is Verdict.BROKEN and "more than 2 redirects" in r.reason


@pytest.mark.parametrize("code", [404, 410, 500, 503])
def test_error_statuses_are_broken(server, code):
    r = one(server.url(f"/status/{code}/e"))
    assert r.verdict is Verdict.BROKEN and r.status == code
    assert is_failure(r.verdict)


def test_429_then_ok_honours_retry_after(server):
    t0 = time.monotonic()
    r = one(server.url("/ratelimit/rl1"))
    assert r.verdict is Verdict.OK
    assert time.monotonic() - t0 >= 0.9  # waited for Retry-After before the retry
    assert server.count("/ratelimit/rl1") == 2


def test_429_retry_after_as_http_date(server):
    r = one(server.url("/ratelimit-date/rl2"))
    assert r.verdict is Verdict.OK
    assert server.count("/ratelimit-date/rl2") >= 2


def test_429_beyond_bound_is_rate_limited_without_waiting(server):
    r = one(server.url("/always429/x"))
    assert r.verdict is Verdict.RATE_LIMITED and "3600" in r.reason
    assert server.count("/always429/x") == 1  # 3600 s is beyond the bound: no wait, no retry
    assert not is_failure(r.verdict)


def test_slow_is_timeout(server):
    r = one(server.url("/slow/s1"), cfg={"timeout": 0.3})
    assert r.verdict is Verdict.TIMEOUT and "timeout" in r.reason
    assert is_failure(r.verdict, CheckConfig())
    assert not is_failure(r.verdict, CheckConfig(timeout_fails=False))


def test_head_405_falls_back_to_get(server):
    r = one(server.url("/nohead/nh"))
    assert r.verdict is Verdict.OK and r.status == 200
    assert server.requests["HEAD /nohead/nh"] == 1 and server.requests["GET /nohead/nh"] == 1


def test_huge_body_head_only(server):
    r = one(server.url("/huge/h1.bin"))
    assert r.verdict is Verdict.OK
    assert server.requests["GET /huge/h1.bin"] == 0


def test_huge_html_read_only_up_to_cap(server):
    server.body_bytes_sent = server.huge_completed = 0
    cap = 256 * 1024
    r = one(server.url("/hugehtml/h2#wanted"), cfg={"max_bytes": cap})
    assert r.verdict is Verdict.ANCHOR_MISSING and f"first {cap} bytes" in r.reason
    time.sleep(0.3)
    # the client hung up early: the server could not send the whole body (kernel socket
    # buffers may hold a few MiB beyond what the checker read)
    assert server.huge_completed == 0 and server.body_bytes_sent < server.huge_bytes


def test_fragment_on_non_html_not_checked(server):
    r = one(server.url("/huge/h3.bin#page=3"))
    assert r.verdict is Verdict.OK


def test_content_check(server):
    good = Hyperlink(server.url("/page/cc"), [CitedAt(key="src-a")], [passage("cc")])
    changed = Hyperlink(server.url("/changed/cc"), [CitedAt(key="src-b")], [passage("cc")])
    results, _ = check([good, changed])
    assert results[0].verdict is Verdict.OK
    assert results[1].verdict is Verdict.CONTENT_CHANGED and "Passage cc" in results[1].reason
    assert is_failure(results[1].verdict)


def test_content_check_ignores_script_and_typography(server):
    text = html_to_text("<p>It\u2019s <b>here</b></p><script>var x='secret'</script>")
    assert "secret" not in text and "here" in text
    quote = passage("cq").replace(":", ":  ")  # extra whitespace does not matter
    r = one(Hyperlink(server.url("/page/cq"), [], [quote]))
    assert r.verdict is Verdict.OK


def test_prechecks_send_nothing(server):
    before = server.total
    urls = [
        "#",
        "",
        "javascript:void(0)",
        "http://exa mple.org/x",
        "https://example.org/a\\_b",
        "ftp://example.org/f",
        "mailto:someone@example.org",
        "mailto:not-an-address",
        "http:///nohost",
        server.url("/page/ign"),
    ]
    results, _ = check(urls, cfg={"ignore": (r"/page/ign$",)})
    got = [r.verdict for r in results]
    assert got == [
        Verdict.PLACEHOLDER,
        Verdict.PLACEHOLDER,
        Verdict.REFUSED,  # javascript: cannot become a link: a failing verdict (issue 9)
        Verdict.MALFORMED,
        Verdict.MALFORMED,
        Verdict.REFUSED,  # ftp: neither
        Verdict.OK,
        Verdict.MALFORMED,
        Verdict.MALFORMED,
        Verdict.SKIPPED,
    ]
    assert all(r.reason for r in results)
    assert server.total == before


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/x"])
def test_link_local_refused_without_request(url):
    r = one(url)
    assert r.verdict is Verdict.REFUSED and "refused" in r.reason
    assert ("link-local" if "fe80" in url else "cloud-metadata") in r.reason
    assert is_failure(r.verdict)
    assert r.status is None  # decided before any connection (there is no such host here)


def test_connection_refused_is_broken():
    r = one("http://127.0.0.1:9/nothing")
    assert r.verdict is Verdict.BROKEN and r.status is None and r.reason


def test_per_host_limit_and_global_concurrency(server):
    server.reset()
    urls = [server.url(f"/delay/c{i}") for i in range(12)]
    results, checker = check(urls, cfg={"per_host": 2, "workers": 16})
    assert all(r.verdict is Verdict.OK for r in results)
    assert server.peak_inflight <= 2  # the server never saw more than 2 at once
    assert max(h.peak for h in checker.hosts.values()) == 2  # and the limit was used


def test_two_hosts_checked_in_parallel():
    with LinkServer("127.0.0.2") as a, LinkServer("127.0.0.3") as b:
        urls = [a.url(f"/delay/a{i}") for i in range(4)] + [b.url(f"/delay/b{i}") for i in range(4)]
        results, checker = check(urls, cfg={"per_host": 1, "workers": 8})
        assert all(r.verdict is Verdict.OK for r in results)
        assert a.peak_inflight == 1 and b.peak_inflight == 1
        assert len(checker.hosts) == 2


def test_global_deadline_every_url_gets_a_verdict(server):
    urls = [server.url(f"/slow/d{i}") for i in range(3)] + [server.url("/page/after")]
    results, _ = check(urls, cfg={"deadline": 0.5, "timeout": 5.0, "per_host": 1, "workers": 1})
    verdicts = [r.verdict for r in results]
    assert verdicts[0] is Verdict.TIMEOUT and "deadline" in results[0].reason
    assert Verdict.UNCHECKED in verdicts and len(results) == 4


def test_progress_callback_sees_every_result(server):
    seen = []
    results, _ = check(
        [server.url("/page/p1"), "#", server.url("/status/404/p")], on_result=seen.append
    )
    assert sorted(r.url for r in seen) == sorted(r.url for r in results)


def test_retry_after_parsing():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    d = parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT")
    assert d == 0.0  # a date in the past: retry now


# ----------------------------------------------------------------------------- cache


def test_cache_hit_sends_no_request_and_refresh_does(server, tmp_path):
    db = tmp_path / "lc.sqlite"
    urls = [server.url("/page/c1"), server.url("/status/404/c2"), server.url("/slow/c3")]
    with Cache(db) as cache:
        first, _ = check(urls, cache=cache, cfg={"timeout": 0.3})
    assert [r.verdict for r in first] == [Verdict.OK, Verdict.BROKEN, Verdict.TIMEOUT]
    n = server.total
    with Cache(db) as cache:
        second, _ = check(urls[:2], cache=cache)
        assert cache.hits == 2
    assert server.total == n  # nothing sent for cached URLs
    assert all(r.cached for r in second) and [r.verdict for r in second] == [
        Verdict.OK,
        Verdict.BROKEN,
    ]
    rows = sqlite3.connect(db).execute("SELECT verdict FROM results").fetchall()
    assert sorted(v for (v,) in rows) == ["broken", "ok"]  # the timeout was not stored
    with Cache(db, refresh=True) as cache:
        third, _ = check(urls[:1], cache=cache)
    assert server.total == n + 1 and not third[0].cached


def test_cache_ttl_expires(server, tmp_path):
    db = tmp_path / "lc.sqlite"
    url = server.url("/page/ttl")
    with Cache(db, merge_ttl({"ok": 60})) as cache:
        check([url], cache=cache)
        assert cache.get(url) is not None
        assert cache.get(url, now=time.time() + 61) is None  # too old: checked again
    with pytest.raises(ValueError):
        merge_ttl({"timeout": 10})


def test_cache_key_includes_passages(server, tmp_path):
    with Cache(tmp_path / "c.sqlite") as cache:
        check([server.url("/page/kp")], cache=cache)
        n = server.total
        r, _ = check([Hyperlink(server.url("/page/kp"), [], [passage("kp")])], cache=cache)
        assert server.total == n + 1 and r[0].verdict is Verdict.OK


def test_in_flight_dedup_of_redirect_target(server):
    urls = [server.url("/page/dd"), server.url("/redirect/2/dd"), server.url("/permanent/dd")]
    results, _ = check(urls)
    assert results[0].verdict is Verdict.OK
    assert results[1].verdict.name.startswith("REDIRECTED") and results[1].final_url == server.url(
        "/page/dd"
    )
    assert results[2].verdict is Verdict.REDIRECTED_PERMANENT
    assert server.count("/page/dd") == 1  # the cited page is fetched once for all three


def test_two_cited_urls_redirecting_to_each_other(server):
    results, _ = check([server.url("/loop/pair/0"), server.url("/loop/pair/1")])
    assert [r.verdict for r in results] == [Verdict.BROKEN, Verdict.BROKEN]
    assert all("loop" in r.reason for r in results)


def test_redirect_to_cited_page_with_anchor_not_shared_when_needs_differ(server):
    results, _ = check([server.url("/page/nd"), server.url("/permanent/nd#sec-404")])
    assert results[1].verdict is Verdict.ANCHOR_MISSING  # the HEAD of /page/nd could not tell


def test_503_with_retry_after_is_retried(server):
    r = one(server.url("/unavailable/u1"))
    assert r.verdict is Verdict.OK and server.count("/unavailable/u1") == 2


def test_429_without_retry_after_backs_off_then_ok(server):
    r = one(server.url("/ratelimit-bare/b1"))
    assert r.verdict is Verdict.OK and server.count("/ratelimit-bare/b1") >= 2


def test_head_that_lies_is_checked_with_get(server):
    r = one(server.url("/headlies/hl"))
    assert r.verdict is Verdict.OK
    assert server.requests["HEAD /headlies/hl"] == 1 and server.requests["GET /headlies/hl"] == 1


def test_host_backoff_resets_on_success():
    from sphinx_karabakh.linkcheck.checker import Host

    h = Host("example:80", limit=2)
    h.penalize()
    h.penalize()
    assert h.backoff == 0.5
    t0 = time.monotonic()
    h.acquire(None)  # waits for the back-off window opened by penalize()
    h.release()
    assert time.monotonic() - t0 >= 0.4
    h.penalize()
    h.succeeded()
    assert h.backoff == 0.0 and h._next_start <= time.monotonic()  # the window closed at once
    h.acquire(None)
    h.acquire(None)  # two slots
    assert h.peak == 2
    h.release()
    h.release()


def test_content_check_decodes_meta_charset(server):
    r = one(Hyperlink(server.url("/cp1251/cy"), [], [passage_cyr("cy")]))
    assert r.verdict is Verdict.OK, r.reason


def test_unresolvable_host_is_broken_without_request():
    results, checker = check(["http://no-such-host.invalid/a", "http://no-such-host.invalid/b"])
    assert [r.verdict for r in results] == [Verdict.BROKEN, Verdict.BROKEN]
    assert all("cannot resolve host no-such-host.invalid" in r.reason for r in results)
    assert next(iter(checker.hosts.values())).requests == 0


def test_same_link_object_twice_and_equal_urls(server):
    h = Hyperlink(server.url("/page/twice"), [CitedAt("a.rst", 1)])
    h2 = Hyperlink(server.url("/page/twice"), [CitedAt("b.rst", 2)])
    results, _ = check([h, h, h2])
    assert [r.verdict for r in results] == [Verdict.OK] * 3
    assert results[2].cited_at == (CitedAt("b.rst", 2),)
    assert server.count("/page/twice") == 1


def test_cookie_set_on_a_redirect_is_sent_back(server):
    """A site that redirects to itself after setting a cookie is not a loop: the cookie is kept."""
    r = one(server.url("/cookiegate/g1"))
    assert r.verdict is Verdict.REDIRECTED_TEMPORARY and r.status == 200
    assert server.count("/cookiegate/g1") >= 2
