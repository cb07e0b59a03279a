"""Wrong verdicts (issue 9): the total time of a request, answers that are not answers (headers
cut off, a 1xx status as the final one), bodies cut off or undecodable, unparsable Retry-After,
and ``unchecked`` at the end of a run failing it."""

from __future__ import annotations

import pytest
from linkserver import LinkServer

from sphinx_karabakh.cli import main
from sphinx_karabakh.linkcheck.checker import CheckConfig, Checker, is_failure
from sphinx_karabakh.linkcheck.model import CitedAt, Hyperlink, Verdict
from sphinx_karabakh.linkcheck.report import read_report

FAST = dict(timeout=2.0, connect_timeout=1.0, deadline=30.0, retry_after_max=2.0, processes=1)


@pytest.fixture(scope="module")
def server():
    with LinkServer("127.0.0.1", trickle_s=0.05, trickle_max_s=15.0) as s:
        yield s


def check(urls, **cfg):
    links = [u if isinstance(u, Hyperlink) else Hyperlink(u, [CitedAt("d.rst", 1)]) for u in urls]
    checker = Checker(CheckConfig(**{**FAST, **cfg}))
    try:
        return checker.check(links)
    finally:
        checker.close()


def test_timeout_bounds_the_total_time_of_a_request(server):
    """Servers that send headers or a body a byte at a time (never idle long enough for a read
    timeout) must not hold a URL past --timeout: 8 of them and 20 good pages on one host, 2 at a
    time, all within a deadline that the trickles alone would use up."""
    trickles = [server.url(f"/trickle-head/th{i}") for i in range(4)]
    trickles += [server.url(f"/trickle-body/tb{i}#sec-3") for i in range(4)]
    pages = [server.url(f"/page/good{i}") for i in range(20)]
    results = check([*trickles, *pages], timeout=0.5, per_host=2, deadline=8.0)
    by = {r.url: r for r in results}
    assert [by[u].verdict for u in pages] == [Verdict.OK] * 20, {by[u].reason for u in pages}
    for u in trickles:
        r = by[u]
        assert r.verdict is Verdict.TIMEOUT, (u, r.verdict, r.reason)
        assert "within 0.5 s" in r.reason
    assert Verdict.UNCHECKED not in {r.verdict for r in results}


def test_unchecked_fails_the_run(server, tmp_path):
    assert Verdict.UNCHECKED.failed and is_failure(
        Verdict.UNCHECKED, CheckConfig(timeout_fails=False)
    )
    f = tmp_path / "urls.txt"
    f.write_text("".join(server.url(f"/slow/u{i}") + "\n" for i in range(3)))
    out = tmp_path / "r.jsonl"
    rc = main(
        [
            "linkcheck",
            "-q",
            "--no-cache",
            "--urls",
            str(f),
            "--jsonl",
            str(out),
            "--timeout-ok",
            "--per-host",
            "1",
            "--timeout",
            "5",
            "--deadline",
            "0.5",
        ]
    )
    verdicts = [r["verdict"] for r in read_report(out)]
    assert "unchecked" in verdicts
    assert rc == 1  # a URL nobody checked is not a pass (timeouts are allowed here, not that)


def test_connection_closed_in_the_middle_of_the_headers_is_broken(server):
    (r,) = check([server.url("/cut-headers/c1")])
    assert r.verdict is Verdict.BROKEN and "middle of the response headers" in r.reason


def test_a_status_line_that_is_not_http_is_broken_with_its_reason(server):
    """http.client closes the connection while it reads the status line; the response must still
    close cleanly (it once raised 'I/O operation on closed file', a checker error)."""
    (r,) = check([server.url("/bad-status/b1")])
    assert r.verdict is Verdict.BROKEN and "not an HTTP answer (status line '0" in r.reason
    assert "checker error" not in r.reason


@pytest.mark.parametrize("code", [199, 101, 102, 103])
def test_informational_status_as_final_answer_is_broken(server, code):
    (r,) = check([server.url(f"/status/{code}/i")])
    assert r.verdict is Verdict.BROKEN and r.status == code and "1xx" in r.reason


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/truncated/t1#sec-3", "bytes announced arrived"),
        ("/chunk-cut/t2#sec-3", "ended in the middle of a chunk"),
        ("/bad-gzip/t3#top", "cannot be decoded (Content-Encoding gzip)"),
    ],
)
def test_a_body_cut_off_or_undecodable_is_broken_not_anchor_missing(server, path, why):
    (r,) = check([server.url(path)])
    assert r.verdict is Verdict.BROKEN, (r.verdict, r.reason)
    assert why in r.reason and r.status == 200


def test_a_cut_body_fails_the_content_check_as_broken(server):
    from linkserver import passage

    (r,) = check([Hyperlink(server.url("/truncated/t4"), [], [passage("t4")])])
    assert r.verdict is Verdict.BROKEN and "cut off" in r.reason


def test_the_cap_on_bytes_read_is_still_anchor_missing(server):
    """Reading stops at max_bytes on purpose: that is no fault of the server's."""
    (r,) = check([server.url("/hugehtml/cap#wanted")], max_bytes=128 * 1024)
    assert r.verdict is Verdict.ANCHOR_MISSING and "first 131072 bytes" in r.reason


def test_503_with_unparsable_retry_after_says_so(server):
    (r,) = check([server.url("/retry-garbage/r1")])
    assert r.verdict is Verdict.BROKEN and r.status == 503
    assert "Retry-After 'soon, maybe' is neither seconds nor an HTTP date" in r.reason
    assert "no Retry-After" not in r.reason
