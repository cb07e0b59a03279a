"""Hostile URLs (issue 9): DNS rebinding, refused addresses in every spelling, redirects to them,
the proxy path, schemes that cannot be links, and host aliases that dodge the per-host limit.

Every test runs against real servers on loopback.  Changing DNS answers come from ``FakeDNS``
(``socket.getaddrinfo`` replaced in this process: no query leaves the machine), and
``linkserver.connects`` records every socket connect of this process and blocks any connect
outside loopback before a packet is sent -- so "never connected to" is asserted, not hoped.
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from linkserver import FakeDNS, LinkServer, connects

from sphinx_karabakh.cli import main
from sphinx_karabakh.linkcheck.address import AddressPolicy, embedded_ipv4
from sphinx_karabakh.linkcheck.checker import CheckConfig, Checker
from sphinx_karabakh.linkcheck.classify import precheck
from sphinx_karabakh.linkcheck.model import CitedAt, Hyperlink, Verdict
from sphinx_karabakh.linkcheck.report import read_report

FAST = dict(timeout=2.0, connect_timeout=1.0, deadline=30.0, retry_after_max=2.0, processes=1)
METADATA = "169.254.169.254"


@pytest.fixture(scope="module")
def server():
    with LinkServer("127.0.0.1", delay_s=0.2) as s:
        yield s


def check(urls, **cfg):
    links = [Hyperlink(u, [CitedAt("doc.rst", i + 1)]) for i, u in enumerate(urls)]
    checker = Checker(CheckConfig(**{**FAST, **cfg}))
    try:
        return checker.check(links), checker
    finally:
        checker.close()


def goto(server, target: str, pid: str = "g") -> str:
    """A URL of the local server that redirects (302) to ``target``."""
    return server.url(f"/goto/{pid}?to={quote(target, safe='')}")


def other_hosts(mark: int) -> list[tuple[str, int]]:
    return [t for t in connects.since(mark) if not ipaddress.ip_address(t[0]).is_loopback]


# ----------------------------------------------------------------------------- DNS rebinding


def test_rebinding_name_is_connected_to_the_checked_address_only(server):
    """The name answers 127.0.0.1 first and the metadata address next: the checker must connect
    to the address it checked, never ask again (today urllib3 resolves a second time)."""
    with FakeDNS({"rebind.test": [["127.0.0.1"], [METADATA]]}) as dns:
        mark = connects.mark()
        urls = [server.url(f"/page/rb{i}", host="rebind.test") for i in range(3)]
        results, _ = check([*urls, server.url("/page/rb0#sec-2", host="rebind.test")])
        assert [r.verdict for r in results] == [Verdict.OK] * 4, [r.reason for r in results]
        assert dns.calls["rebind.test"] == 1  # one look-up for the whole run
    targets = connects.since(mark)
    assert targets and all(t == ("127.0.0.1", server.port) for t in targets), targets
    assert (METADATA, server.port) not in targets


def test_every_address_of_an_answer_is_checked(server):
    """A mixed answer (loopback + metadata) is refused as a whole, with the address that says why,
    and nothing is connected to -- not even the allowed address."""
    with FakeDNS({"mixed.test": [["127.0.0.1", METADATA]]}):
        mark = connects.mark()
        (r,), _ = check([server.url("/page/mx", host="mixed.test")])
    assert r.verdict is Verdict.REFUSED and r.verdict.failed
    assert "mixed.test resolves to cloud-metadata address 169.254.169.254" in r.reason
    assert connects.since(mark) == [] and r.status is None


def test_rebinding_on_a_redirect_hop(server):
    with FakeDNS({"hop.test": [["127.0.0.1"], [METADATA]]}) as dns:
        mark = connects.mark()
        target = server.url("/page/hop", host="hop.test")
        (r,), _ = check([goto(server, target, "hop")])
        assert dns.calls["hop.test"] == 1
    assert r.verdict is Verdict.REDIRECTED_TEMPORARY and r.final_url == target, r.reason
    assert other_hosts(mark) == [] and set(connects.since(mark)) == {("127.0.0.1", server.port)}


def test_redirect_to_a_name_that_resolves_to_metadata_is_refused(server):
    with FakeDNS({"meta.test": [[METADATA]]}):
        mark = connects.mark()
        (r,), _ = check([goto(server, "http://meta.test/latest/meta-data/", "mt")])
    assert r.verdict is Verdict.REFUSED and "169.254.169.254" in r.reason
    assert r.final_url == "http://meta.test/latest/meta-data/"
    assert other_hosts(mark) == []


def test_cli_and_rebinding(server, tmp_path):
    f = tmp_path / "urls.txt"
    f.write_text(
        server.url("/page/cli1", host="cli.test")
        + "\n"
        + server.url("/page/cli2", host="cli.test")
        + "\nhttp://evil.test/\n"
    )
    out = tmp_path / "r.jsonl"
    with FakeDNS({"cli.test": [["127.0.0.1"], [METADATA]], "evil.test": [["fd00:ec2::254"]]}):
        mark = connects.mark()
        rc = main(
            [
                "linkcheck",
                "-q",
                "--no-cache",
                "--processes",
                "1",
                "--urls",
                str(f),
                "--jsonl",
                str(out),
            ]
        )
    rows = {r["url"]: r for r in read_report(out)}
    assert rows[server.url("/page/cli1", host="cli.test")]["verdict"] == "ok"
    evil = rows["http://evil.test/"]
    assert evil["verdict"] == "refused" and "fd00:ec2::254" in evil["reason"]
    assert rc == 1  # refused fails the run
    assert set(connects.since(mark)) == {("127.0.0.1", server.port)}


def test_builder_and_rebinding(make_app, tmp_path, rootdir, server):
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-citecheck-hostile", src)
    index = src / "index.rst"
    index.write_text(index.read_text().replace("PORT", str(server.port)))
    with FakeDNS({"docs.test": [["127.0.0.1"], [METADATA]], "meta.test": [[METADATA]]}):
        mark = connects.mark()
        app = make_app(
            "citecheck", srcdir=src, freshenv=True, confoverrides={"karabakh_linkcheck_cache": ""}
        )
        app.build()
    rows = {r["url"]: r for r in read_report(app.outdir / "output.jsonl")}
    assert rows[f"http://docs.test:{server.port}/page/b1"]["verdict"] == "ok"
    assert rows[f"http://docs.test:{server.port}/page/b2"]["verdict"] == "ok"
    meta = rows["http://meta.test/latest/"]
    assert meta["verdict"] == "refused" and "cloud-metadata" in meta["reason"]
    assert rows["javascript:alert(document.domain)"]["verdict"] == "refused"
    assert set(connects.since(mark)) == {("127.0.0.1", server.port)}
    warnings = app._warning.getvalue()
    assert "index.rst:8: WARNING: refused: http://meta.test/latest/" in warnings
    assert "[karabakh.link]" in warnings
    assert app.statuscode == 1


# ----------------------------------------------------------------------------- HTTPS, pinned


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A throw-away CA and a certificate for ``secure.test`` signed by it (made with openssl)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl not installed")
    d = tmp_path_factory.mktemp("tls")

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=d, check=True, capture_output=True, timeout=60)

    key = ["-newkey", "rsa:2048", "-nodes", "-days", "30"]
    run("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=test CA")
    run("req", *key[:3], "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=secure.test")
    (d / "ext.cnf").write_text("subjectAltName=DNS:secure.test\n")
    sign = ["x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key"]
    run(*sign, "-CAcreateserial", "-days", "30", "-extfile", "ext.cnf", "-out", "srv.pem")
    return d


def test_https_is_pinned_and_keeps_sni_host_and_certificate_checks(monkeypatch, tls_files):
    """The socket goes to the checked address; TLS still names the host: SNI and the Host header
    are ``secure.test``, and a certificate for another name is still refused."""
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_files / "ca.pem"))
    tls = (str(tls_files / "srv.pem"), str(tls_files / "srv.key"))
    with LinkServer("127.0.0.1", tls=tls) as s:
        answers = {"secure.test": [["127.0.0.1"], [METADATA]], "other.test": [["127.0.0.1"]]}
        with FakeDNS(answers) as dns:
            mark = connects.mark()
            ok, anchored, wrong = (
                s.url("/page/s1", host="secure.test"),
                s.url("/page/s2#sec-1", host="secure.test"),
                s.url("/page/s3", host="other.test"),
            )
            results, _ = check([ok, anchored, wrong])
            assert dns.calls["secure.test"] == 1
        by = {r.url: r for r in results}
        assert by[ok].verdict is Verdict.OK and by[anchored].verdict is Verdict.OK, by[ok].reason
        assert by[wrong].verdict is Verdict.BROKEN and "certificate" in by[wrong].reason
        assert "secure.test" in s.sni_names and "other.test" in s.sni_names
        assert f"secure.test:{s.port}" in s.host_headers
        assert set(connects.since(mark)) == {("127.0.0.1", s.port)}


# ----------------------------------------------------------------------------- the proxy path


def test_proxy_is_pinned_and_the_target_is_still_judged(monkeypatch):
    """With HTTP_PROXY set, the connection goes to the proxy: its name is looked up once and
    pinned (a later answer pointing at the metadata address is never used); the target name is
    still judged by our resolver (metadata: refused, nothing sent to the proxy); a target our
    resolver cannot resolve goes through the proxy, which resolves it."""
    with LinkServer("127.0.0.1", proxy=True, delay_s=0.2) as proxy:
        for var in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("HTTP_PROXY", f"http://proxy.test:{proxy.port}")
        answers = {
            "proxy.test": [["127.0.0.1"], [METADATA]],
            "target.test": [["127.0.0.1"]],
            "evil.test": [[METADATA]],
        }
        with FakeDNS(answers) as dns:
            mark = connects.mark()
            urls = [f"http://target.test:9/delay/p{i}" for i in range(6)]
            results, _ = check(
                [*urls, "http://evil.test/latest/", "http://far.test/page/f1"], per_host=3
            )
            assert dns.calls["proxy.test"] == 1
        by = {r.url: r for r in results}
        assert all(by[u].verdict is Verdict.OK for u in urls), [by[u].reason for u in urls]
        assert by["http://evil.test/latest/"].verdict is Verdict.REFUSED
        assert by["http://far.test/page/f1"].verdict is Verdict.OK
        assert sorted(proxy.proxied) == sorted([*urls, "http://far.test/page/f1"])
        targets = connects.since(mark)
        assert set(targets) == {("127.0.0.1", proxy.port)} and len(targets) >= 2  # pooled, parallel


def test_https_through_a_proxy_tunnel_is_pinned_too(monkeypatch, tls_files):
    """HTTPS through HTTPS_PROXY: CONNECT to the pinned proxy address, TLS to the target's name
    inside the tunnel; a target that resolves to the metadata address is refused, no CONNECT."""
    for var in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_files / "ca.pem"))
    tls = (str(tls_files / "srv.pem"), str(tls_files / "srv.key"))
    with (
        LinkServer("127.0.0.1", tls=tls, delay_s=0.2) as target,
        LinkServer("127.0.0.1", proxy=True) as proxy,
    ):
        monkeypatch.setenv("HTTPS_PROXY", f"http://proxy.test:{proxy.port}")
        answers = {
            "proxy.test": [["127.0.0.1"], [METADATA]],
            "secure.test": [["127.0.0.1"]],
            "evil.test": [[METADATA]],
        }
        with FakeDNS(answers) as dns:
            mark = connects.mark()
            urls = [target.url(f"/delay/t{i}", host="secure.test") for i in range(4)]
            results, _ = check([*urls, "https://evil.test/latest/"], per_host=4)
            assert dns.calls["proxy.test"] == 1
        by = {r.url: r for r in results}
        assert all(by[u].verdict is Verdict.OK for u in urls), [by[u].reason for u in urls]
        assert by["https://evil.test/latest/"].verdict is Verdict.REFUSED
        assert {p for p in proxy.proxied} == {f"CONNECT secure.test:{target.port}"}
        assert "secure.test" in target.sni_names
        # the checker connects to the proxy; the proxy (a thread here) to the target
        assert set(connects.since(mark)) == {("127.0.0.1", proxy.port), ("127.0.0.1", target.port)}


def test_socks_proxy_is_refused_with_a_reason(monkeypatch, server):
    monkeypatch.setenv("HTTP_PROXY", "socks5://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    (r,), _ = check([server.url("/page/socks")])
    assert r.verdict is Verdict.BROKEN and "SOCKS" in r.reason


# ----------------------------------------------------------------------------- the address policy

REFUSED_BY_DEFAULT = [
    ("http://169.254.169.254/latest/meta-data/", "cloud-metadata address 169.254.169.254"),
    ("http://169.254.170.2/v2/credentials", "cloud-metadata"),
    ("http://[fd00:ec2::254]/latest/", "cloud-metadata address fd00:ec2::254"),
    ("http://[fd20:ce::254]/computeMetadata/v1/", "cloud-metadata"),
    ("http://100.100.100.200/latest/meta-data/", "cloud-metadata address 100.100.100.200"),
    ("http://192.0.0.192/opc/v1/", "cloud-metadata address 192.0.0.192"),
    ("http://168.63.129.16/machine", "cloud-metadata"),
    ("http://169.254.1.1/", "link-local address 169.254.1.1"),
    ("http://[fe80::1]/x", "link-local address fe80::1"),
    ("http://0.0.0.0:8080/", "unspecified"),
    ("http://0/", "unspecified"),
    ("http://0.1.2.3/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://224.0.0.1/", "multicast"),
    ("http://255.255.255.255/", "broadcast"),
    ("http://[::ffff:169.254.169.254]/", "IPv4-mapped"),
    ("http://[::ffff:a9fe:a9fe]/", "IPv4-mapped"),
    ("http://[::ffff:0:a9fe:a9fe]/", "IPv4-translated"),
    ("http://[::a9fe:a9fe]/", "IPv4-compatible spelling ::a9fe:a9fe"),
    ("http://[::169.254.169.254]/", "IPv4-compatible"),
    ("http://[64:ff9b::a9fe:a9fe]/", "NAT64"),
    ("http://[64:ff9b:1:a9fe:a9:fe00::]/", "NAT64 (/48)"),
    ("http://[64:ff9b:1::a9fe:a9fe]/", "NAT64 (/96)"),
    ("http://[2002:a9fe:a9fe::1]/", "6to4"),
    ("http://[2001:0:a9fe:a9fe::1]/", "Teredo"),
    ("http://[2001:db8::5efe:a9fe:a9fe]/", "ISATAP"),
    ("http://2852039166/latest/", "cloud-metadata address 169.254.169.254"),
    ("http://0251.0376.0251.0376/", "cloud-metadata"),
    ("http://0xa9.0xfe.0xa9.0xfe/", "cloud-metadata"),
    ("http://0xa9fea9fe/", "cloud-metadata"),
    ("http://169.254.43518/", "cloud-metadata"),
    ("http://0x7f000001.0/", None),  # not an address at all: cannot resolve -> broken
]


@pytest.mark.parametrize(("url", "why"), REFUSED_BY_DEFAULT)
def test_refused_addresses_directly_and_as_redirect_targets(server, url, why):
    with FakeDNS({}):  # numeric hosts only: the real parser, never a query
        mark = connects.mark()
        (direct, hop), _ = check([url, goto(server, url, "p")])
    assert other_hosts(mark) == []
    if why is None:
        assert direct.verdict is Verdict.BROKEN and "cannot resolve" in direct.reason
        return
    for r in (direct, hop):
        assert r.verdict is Verdict.REFUSED, (r.url, r.verdict, r.reason)
        assert why in r.reason, r.reason
    assert direct.status is None  # decided before any connection
    assert hop.final_url == url and hop.status == 302
    assert direct.verdict.failed


def test_link_local_can_be_allowed_but_metadata_never():
    policy = AddressPolicy(allow_link_local=True)
    assert policy.refusal("169.254.1.1") is None and policy.refusal("fe80::1") is None
    assert "cloud-metadata" in (policy.refusal(METADATA) or "")
    assert "cloud-metadata" in (policy.refusal("::ffff:169.254.169.254") or "")


@pytest.mark.parametrize(
    "address",
    ["10.0.0.1", "172.16.5.4", "192.168.1.1", "100.64.0.1", "fd12:3456::1", "fec0::1"],
)
def test_private_allowed_by_default_refused_on_request(address):
    assert AddressPolicy().refusal(address) is None
    assert "private" in (AddressPolicy(refuse_private=True).refusal(address) or "")
    mapped = f"::ffff:{address}" if "." in address else None
    if mapped:
        assert "private" in (AddressPolicy(refuse_private=True).refusal(mapped) or "")


def test_loopback_refused_on_request(server):
    before = server.total
    mark = connects.mark()
    results, _ = check(
        [server.url("/page/lo"), "http://[::1]:9/", "http://[::ffff:127.0.0.1]:9/"],
        refuse_loopback=True,
    )
    assert [r.verdict for r in results] == [Verdict.REFUSED] * 3
    assert all("loopback" in r.reason for r in results)
    assert server.total == before and connects.since(mark) == []


def test_embedded_ipv4_spellings():
    got = {
        spelling: str(v4)
        for spelling, v4 in (
            (how, v4) for v4, how in embedded_ipv4(ipaddress.ip_address("64:ff9b:1:a9fe:a9:fe00::"))
        )
    }
    assert got["NAT64 (/48)"] == METADATA
    assert embedded_ipv4(ipaddress.ip_address("2001:db8::1")) == []
    assert embedded_ipv4(ipaddress.ip_address("::1")) == []  # loopback, not ::0.0.0.1


def test_cli_refuse_flags(server, tmp_path):
    f = tmp_path / "urls.txt"
    f.write_text(server.url("/page/flag") + "\n")
    out = tmp_path / "r.jsonl"
    before = server.total
    args = ["linkcheck", "-q", "--no-cache", "--urls", str(f), "--jsonl", str(out)]
    assert main([*args, "--refuse-loopback"]) == 1
    assert read_report(out)[0]["verdict"] == "refused" and server.total == before
    assert main([*args, "--refuse-private"]) == 0  # 127.0.0.1 is loopback, not private
    assert main([*args, "--exclude-loopback"]) == 1  # lychee's spelling is understood too


def test_builder_refuse_loopback_config(make_app, tmp_path, rootdir, server):
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-citecheck-basic", src)
    for p in src.iterdir():
        if p.suffix in (".rst", ".md", ".bib"):
            p.write_text(p.read_text().replace("SERVER", server.url("")))
    before = server.total
    app = make_app(
        "citecheck",
        srcdir=src,
        freshenv=True,
        confoverrides={"karabakh_linkcheck_cache": "", "karabakh_linkcheck_refuse_loopback": True},
    )
    app.build()
    rows = read_report(app.outdir / "output.jsonl")
    assert server.total == before
    assert {r["verdict"] for r in rows if r["url"].startswith(server.url(""))} <= {
        "refused",
        "skipped",  # the ignore pattern comes first
    }


# ----------------------------------------------------------------------------- schemes


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "\x01javascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://example.org/file.txt",
        "gopher://example.org/",
        "about:blank",
    ],
)
def test_schemes_that_cannot_be_links_fail(url):
    verdict, reason = precheck(url) or (None, "")
    assert verdict is Verdict.REFUSED and verdict.failed
    assert "not links" in reason


def test_cli_javascript_link_in_a_source_fails(tmp_path, server):
    src = tmp_path / "sources"
    src.mkdir()
    (src / "s.md").write_text(
        f"[Full text](javascript:alert(1)) and [ok]({server.url('/page/js')})\n"
        "[x]( JavaScript:alert(2))\n"
    )
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.rst").write_text("`click <javascript:alert(3)>`_\n")
    out = tmp_path / "r.jsonl"
    rc = main(
        [
            "linkcheck",
            "-q",
            "--no-cache",
            "--sources",
            str(src),
            "--docs",
            str(docs),
            "--jsonl",
            str(out),
        ]
    )
    rows = {r["url"]: r for r in read_report(out)}
    assert rows["javascript:alert(1)"]["verdict"] == "refused"
    assert rows["javascript:alert(3)"]["verdict"] == "refused"  # docs links with any scheme kept
    assert rc == 1


# ----------------------------------------------------------------------------- host aliases


def test_per_host_limit_holds_across_names_of_one_server():
    """Six names for one server, per-host 2: the server never sees more than 2 at once."""
    names = [f"alias{i}.test" for i in range(6)]
    with LinkServer("127.0.0.1", delay_s=0.2) as s, FakeDNS({n: [["127.0.0.1"]] for n in names}):
        urls = [s.url(f"/delay/{n}-{k}", host=n) for n in names for k in range(3)]
        results, checker = check(urls, per_host=2, workers=32)
        assert all(r.verdict is Verdict.OK for r in results), {r.reason for r in results}
        assert s.peak_inflight <= 2, s.peak_inflight
        assert max(e.peak for e in checker.endpoints.values()) == 2  # the limit was used
        assert len(checker.hosts) == 6 and len(checker.endpoints) == 1


def test_console_script_refuses_metadata(tmp_path):
    """The installed command, in its own process: the same policy (no fake DNS needed)."""
    f = tmp_path / "urls.txt"
    f.write_text("http://[::ffff:a9fe:a9fe]/latest/\nhttp://2852039166/\n")
    out = tmp_path / "r.json"
    p = subprocess.run(
        ["sphinx-karabakh", "linkcheck", "-q", "--no-cache", "--urls", str(f), "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PATH": str(Path(__import__("sys").executable).parent)},
    )
    assert p.returncode == 1, p.stderr
    assert {r["verdict"] for r in json.loads(out.read_text())} == {"refused"}
