"""``sphinx-karabakh linkcheck``: reports (JSON, JSON Lines, JUnit), exit codes, cache flags."""

from __future__ import annotations

import io
import json
import subprocess
from xml.etree import ElementTree as ET

import pytest
from linkserver import LinkServer, linkcheck_cmd, urls_file

from sphinx_karabakh.cli import main
from sphinx_karabakh.linkcheck.model import CheckResult, CitedAt, Verdict
from sphinx_karabakh.linkcheck.report import Progress, read_report, summary, write_junit


@pytest.fixture(scope="module")
def server():
    with LinkServer("127.0.0.1") as s:
        yield s


def test_reports_and_exit_1(tmp_path, server, capsys):
    f = urls_file(
        tmp_path, server, ["/page/a", "/status/404/b", "/redirect/1/c", "/page/a#sec-404"]
    )
    bib = tmp_path / "r.bib"
    bib.write_text(f"@online{{k1, url = {{{server.url('/page/a')}}}}}\n")
    rc = main(
        [
            "linkcheck",
            "--urls",
            str(f),
            "--bib",
            str(bib),
            "--jsonl",
            str(tmp_path / "o.jsonl"),
            "--json",
            str(tmp_path / "o.json"),
            "--junit",
            str(tmp_path / "j.xml"),
            "--no-cache",
            "--timeout",
            "2",
        ]
    )
    assert rc == 1
    rows = read_report(tmp_path / "o.jsonl")
    assert rows == json.loads((tmp_path / "o.json").read_text())
    by = {r["url"]: r for r in rows}
    assert set(by[server.url("/page/a")]) >= {
        "url",
        "verdict",
        "status",
        "final_url",
        "elapsed",
        "reason",
        "cited_at",
    }
    assert by[server.url("/page/a")]["verdict"] == "ok"
    assert [c["key"] for c in by[server.url("/page/a")]["cited_at"]] == [
        "k1",
        "",
    ]  # bib files are read first
    assert by[server.url("/status/404/b")]["outcome"] == "broken"
    assert by[server.url("/redirect/1/c")]["outcome"] == "redirect"
    assert by[server.url("/page/a#sec-404")]["verdict"] == "anchor-missing"
    suite = ET.parse(tmp_path / "j.xml").getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == 4 and int(suite.get("failures")) == 2
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == [server.url("/status/404/b"), server.url("/page/a#sec-404")]
    out = capsys.readouterr().out
    assert "| broken (fails) | 1 |" in out and "cited at" in out


def test_exit_0_when_nothing_fails_and_timeout_ok(tmp_path, server):
    f = urls_file(tmp_path, server, ["/page/ok", "/nohead/ok", "/slow/t"])
    args = ["linkcheck", "--urls", str(f), "--no-cache", "--timeout", "0.3", "-q"]
    assert main(args) == 1  # timeout fails by default
    assert main([*args, "--timeout-ok"]) == 0


def test_cache_and_refresh_from_cli(tmp_path, server):
    f = urls_file(tmp_path, server, ["/page/cached1", "/page/cached2"])
    args = [
        "linkcheck",
        "--urls",
        str(f),
        "--cache",
        str(tmp_path / "c.sqlite"),
        "-q",
        "--jsonl",
        str(tmp_path / "o.jsonl"),
    ]
    assert main(args) == 0
    n = server.total
    assert main(args) == 0
    assert server.total == n and all(r["cached"] for r in read_report(tmp_path / "o.jsonl"))
    assert main([*args, "--refresh"]) == 0
    assert server.total == n + 2


def test_bad_usage_exit_2(tmp_path, capsys):
    assert main(["linkcheck", "--no-cache"]) == 2
    assert "nothing to check" in capsys.readouterr().err
    assert main(["linkcheck", "--urls", str(tmp_path / "missing.txt")]) == 2
    assert "missing.txt" in capsys.readouterr().err
    f = tmp_path / "u.txt"
    f.write_text("http://127.0.0.1:9/\n")
    assert main(["linkcheck", "--urls", str(f), "--ignore", "(", "--no-cache"]) == 2
    assert main(["linkcheck", "--urls", str(f), "--workers", "0", "--no-cache"]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["linkcheck", "--workers", "many"])
    assert exc.value.code == 2


def test_sources_and_docs_dirs(tmp_path, server, capsys):
    src = tmp_path / "sources"
    src.mkdir()
    (src / "s.md").write_text(
        f"[ok]({server.url('/page/s')}) [placeholder](#) <{server.url('/status/410/g')}>\n"
    )
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.rst").write_text(f"`x <{server.url('/page/s')}>`_\n")
    rc = main(
        [
            "linkcheck",
            "--sources",
            str(src),
            "--docs",
            str(docs),
            "--no-cache",
            "--jsonl",
            str(tmp_path / "o.jsonl"),
            "-q",
        ]
    )
    assert rc == 1
    by = {r["url"]: r for r in read_report(tmp_path / "o.jsonl")}
    assert by["#"]["verdict"] == "placeholder"
    assert len(by[server.url("/page/s")]["cited_at"]) == 2
    assert by[server.url("/status/410/g")]["status"] == 410


def test_console_script_runs(tmp_path, server):
    f = urls_file(tmp_path, server, ["/page/cs"])
    p = subprocess.run(
        linkcheck_cmd("--urls", str(f), "--no-cache"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 0, p.stderr
    assert "[1/1] ok" in p.stderr  # plain progress lines when not a terminal
    assert "| ok | 1 |" in p.stdout


def test_junit_escapes_and_progress_bar():
    bad = CheckResult(
        url='http://x/?a=<b>&c="d"\x01',
        verdict=Verdict.BROKEN,
        status=500,
        reason="<oops> & more",
        cited_at=(CitedAt("doc.rst", 3),),
    )
    good = CheckResult(url="http://x/ok", verdict=Verdict.OK, status=200)
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "j.xml"
        write_junit([bad, good], p)
        root = ET.parse(p).getroot()
        case = root.find("testsuite/testcase")
        assert case.get("name") == 'http://x/?a=<b>&c="d"'
        assert "<oops> & more" in case.find("failure").get("message")
    s = summary([bad, good])
    assert "doc.rst:3" in s and "broken [500]" in s
    buf = io.StringIO()
    prog = Progress(2, buf, tty=True)
    prog(bad)
    prog(good)
    assert "\r[" in buf.getvalue() and "2/2" in buf.getvalue() and buf.getvalue().endswith("\n")
