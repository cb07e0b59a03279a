"""Bad input never crashes the link check and nothing is lost (issue 9): report paths checked
before the run, reports written even when one fails, Ctrl-C in one process and in the builder,
a cache file that is not our cache, bad numbers on the command line and bad config values."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from linkserver import LinkServer, linkcheck_cmd, urls_file

from sphinx_karabakh.cli import main
from sphinx_karabakh.linkcheck.cache import Cache, CacheError
from sphinx_karabakh.linkcheck.model import CheckResult, Verdict
from sphinx_karabakh.linkcheck.report import read_report


@pytest.fixture(scope="module")
def server():
    with LinkServer("127.0.0.1", slow_s=60.0) as s:
        yield s


def one_line_error(err: str, *needles: str) -> None:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("sphinx-karabakh: error: "), err
    assert "Traceback" not in err
    for n in needles:
        assert n in lines[0], (n, err)


# ----------------------------------------------------------------------------- report paths


@pytest.mark.parametrize(
    ("flag", "where", "why"),
    [
        ("--json", "missing/dir/x.json", "does not exist"),
        ("--jsonl", "afile/x.jsonl", "is not a directory"),
        ("--junit", "adir", "is a directory"),
    ],
)
def test_unusable_report_path_is_a_usage_error_before_the_run(
    tmp_path, server, capsys, flag, where, why
):
    (tmp_path / "afile").write_text("not a directory\n")
    (tmp_path / "adir").mkdir()
    f = urls_file(tmp_path, server, ["/page/rp"])
    before = server.total
    rc = main(["linkcheck", "-q", "--no-cache", "--urls", str(f), flag, str(tmp_path / where)])
    assert rc == 2
    one_line_error(capsys.readouterr().err, flag, why)
    assert server.total == before  # nothing was checked
    assert not (tmp_path / "missing").exists()  # and no directory made


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_unwritable_report_path_is_a_usage_error(tmp_path, server, capsys):
    f = urls_file(tmp_path, server, ["/page/rp2"])
    rc = main(["linkcheck", "-q", "--no-cache", "--urls", str(f), "--json", "/proc/self/x.json"])
    assert rc == 2
    one_line_error(capsys.readouterr().err, "--json /proc/self/x.json", "cannot write")


def test_a_report_that_fails_at_the_end_does_not_stop_the_others(tmp_path, server, capsys):
    """The --json directory disappears during the run (a hook on the server removes it): that
    report is an error at the end, the JSON Lines and JUnit reports are still written."""
    gone = tmp_path / "gone"
    gone.mkdir()
    keep = tmp_path / "keep"
    keep.mkdir()

    def remove() -> None:
        shutil.rmtree(gone)
        gone.write_text("now a file\n")

    server.hooks["vanish"] = remove
    f = urls_file(tmp_path, server, ["/hook/vanish", "/page/after"])
    rc = main(
        [
            "linkcheck",
            "-q",
            "--no-cache",
            "--urls",
            str(f),
            "--json",
            str(gone / "r.json"),
            "--jsonl",
            str(keep / "r.jsonl"),
            "--junit",
            str(keep / "r.xml"),
        ]
    )
    assert rc == 2
    err = capsys.readouterr().err
    assert f"--json {gone / 'r.json'}: cannot write the report" in err and "Traceback" not in err
    assert len(read_report(keep / "r.jsonl")) == 2
    assert ET.parse(keep / "r.xml").getroot().find("testsuite").get("tests") == "2"


def test_builder_writes_the_other_reports_when_one_cannot_be_written(
    make_app, tmp_path, rootdir, server
):
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-citecheck-interrupt", src)
    (src / "index.rst").write_text(f"Reports\n=======\n\n`ok <{server.url('/page/br')}>`_\n")
    app = make_app("citecheck", srcdir=src, freshenv=True)
    (Path(app.outdir) / "output.json").mkdir(parents=True)  # a directory in the way
    app.build()
    warnings = app._warning.getvalue()
    assert "cannot write the report" in warnings and "output.json" in warnings
    assert "[karabakh.link]" in warnings
    assert read_report(Path(app.outdir) / "output.jsonl")[0]["verdict"] == "ok"
    assert (Path(app.outdir) / "junit.xml").is_file()


# ----------------------------------------------------------------------------- Ctrl-C


def _interrupt(cmd: list[str], server: LinkServer, slow: list[str], cwd: Path) -> tuple[int, str]:
    """Run ``cmd``; once the server has seen every slow request, Ctrl-C its process group."""
    server.reset()
    p = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        for _ in range(600):  # at most 30 s
            if sum(server.count(p_) for p_ in slow) >= len(slow):
                break
            assert p.poll() is None, p.communicate()
            threading.Event().wait(0.05)
        else:
            raise AssertionError("the slow requests never arrived")
        os.killpg(p.pid, signal.SIGINT)
        _, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    return p.returncode, err


def test_cli_ctrl_c_in_one_process_writes_every_report(tmp_path, server):
    slow = ["/slow/c1", "/slow/c2"]
    f = urls_file(tmp_path, server, [*slow, "/page/c3"])
    out = tmp_path / "out"
    out.mkdir()
    rc, err = _interrupt(
        linkcheck_cmd(
            "-q",
            "--no-cache",
            "--urls",
            str(f),
            "--processes",
            "1",
            "--timeout",
            "60",
            "--jsonl",
            str(out / "r.jsonl"),
            "--json",
            str(out / "r.json"),
            "--junit",
            str(out / "r.xml"),
        ),
        server,
        slow,
        tmp_path,
    )
    assert rc == 130 and "interrupted" in err and "Traceback" not in err, err
    rows = {r["url"]: r for r in read_report(out / "r.jsonl")}
    assert set(rows) == {server.url(p) for p in [*slow, "/page/c3"]}
    for p in slow:
        assert rows[server.url(p)]["verdict"] == "unchecked"
        assert "interrupted" in rows[server.url(p)]["reason"]
    assert rows[server.url("/page/c3")]["verdict"] in ("ok", "unchecked")
    assert len(json.loads((out / "r.json").read_text())) == 3
    suite = ET.parse(out / "r.xml").getroot().find("testsuite")
    assert int(suite.get("failures")) >= 2  # unchecked fails


def test_builder_ctrl_c_writes_the_reports_and_exits_130(tmp_path, rootdir, server):
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-citecheck-interrupt", src)
    index = src / "index.rst"
    index.write_text(index.read_text().replace("SERVER", server.url("")))
    out = tmp_path / "out"
    slow = ["/slow/int1", "/slow/int2", "/slow/int3"]
    rc, err = _interrupt(
        [sys.executable, "-m", "sphinx", "-q", "-b", "citecheck", str(src), str(out)],
        server,
        slow,
        tmp_path,
    )
    assert rc == 130, err
    assert "Traceback" not in err and "Interrupted!" not in err, err
    rows = {r["url"]: r for r in read_report(out / "output.jsonl")}
    assert len(rows) == 5
    for p in slow:
        assert rows[server.url(p)]["verdict"] == "unchecked", rows[server.url(p)]
        assert "interrupted" in rows[server.url(p)]["reason"]
    assert (out / "junit.xml").is_file() and (out / "output.json").is_file()


# ----------------------------------------------------------------------------- the cache


def _sql(path: Path, *statements: str) -> None:
    """Run ``statements`` on the SQLite file at ``path`` (made if missing), then commit."""
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()


def _other_schema(path: Path) -> None:
    _sql(
        path,
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
        "INSERT INTO notes (body) VALUES ('mine')",
    )


def _other_columns(path: Path) -> None:
    _sql(
        path,
        "CREATE TABLE results (url TEXT, verdict INTEGER, checked_at TEXT)",
        "INSERT INTO results VALUES ('x', 3, 'yesterday')",
    )


def _other_types(path: Path) -> None:
    _sql(
        path,
        "CREATE TABLE results (key BLOB PRIMARY KEY, url TEXT, verdict TEXT, status TEXT,"
        " final_url TEXT, reason TEXT, checked_at TEXT)",
    )


def _not_sqlite(path: Path) -> None:
    path.write_bytes(b"\x00\x01 this is not an SQLite database " * 100)


def _a_directory(path: Path) -> None:
    path.mkdir()


@pytest.mark.parametrize(
    "make", [_other_schema, _other_columns, _other_types, _not_sqlite, _a_directory]
)
def test_a_cache_that_is_not_ours_is_left_alone(tmp_path, server, capsys, make):
    cache = tmp_path / "cache.sqlite"
    make(cache)
    before = cache.read_bytes() if cache.is_file() else None
    f = urls_file(tmp_path, server, ["/page/k1", "/page/k2"])
    out = tmp_path / "r.jsonl"
    rc = main(["linkcheck", "-q", "--urls", str(f), "--cache", str(cache), "--jsonl", str(out)])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "Traceback" not in err
    assert f"warning: {cache}" in err and "checking without the cache" in err
    assert [r["verdict"] for r in read_report(out)] == ["ok", "ok"]
    if before is not None:
        assert cache.read_bytes() == before  # never changed


def test_rows_of_the_wrong_types_are_misses(tmp_path, server):
    path = tmp_path / "c.sqlite"
    url = server.url("/page/rowtypes")
    with Cache(path) as c:
        c.put(CheckResult(url, Verdict.OK, 200, url, "HTTP 200"))
    _sql(path, "UPDATE results SET checked_at = 'yesterday', status = 'two hundred'")
    with Cache(path) as c:
        assert c.get(url) is None and c.misses == 1
        assert c.put(CheckResult(url, Verdict.OK, 200, url, "HTTP 200"))  # overwritten
        assert c.get(url) is not None


def test_our_own_cache_of_another_version_starts_anew(tmp_path):
    path = tmp_path / "c.sqlite"
    with Cache(path):
        pass
    _sql(path, "PRAGMA user_version = 99")
    with Cache(path) as c:
        assert c.get("http://x/") is None
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 1


def test_cache_error_names_the_path(tmp_path):
    bad = tmp_path / "bad.sqlite"
    _not_sqlite(bad)
    with pytest.raises(CacheError, match=str(bad)):
        Cache(bad)


def test_builder_with_a_foreign_cache_warns_and_checks(make_app, tmp_path, rootdir, server):
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-citecheck-interrupt", src)
    (src / "index.rst").write_text(f"Cache\n=====\n\n`ok <{server.url('/page/bc')}>`_\n")
    _not_sqlite(src / "mine.db")
    app = make_app(
        "citecheck",
        srcdir=src,
        freshenv=True,
        confoverrides={"karabakh_linkcheck_cache": "mine.db", "karabakh_linkcheck_timeout": 2},
    )
    app.build()
    warnings = app._warning.getvalue()
    assert "link-check cache unusable" in warnings and "mine.db" in warnings
    assert "[karabakh.link]" in warnings
    assert read_report(app.outdir / "output.jsonl")[0]["verdict"] == "ok"
    assert app.statuscode == 0


# ----------------------------------------------------------------------------- bad numbers


@pytest.mark.parametrize(
    "args",
    [
        ["--deadline", "-5"],
        ["--deadline", "0"],
        ["--deadline", "nan"],
        ["--deadline", "inf"],
        ["--timeout", "-1"],
        ["--timeout", "0"],
        ["--timeout", "nan"],
        ["--connect-timeout", "0"],
        ["--workers", "-3"],
        ["--workers", "0"],
        ["--per-host", "0"],
        ["--per-host", "-2"],
        ["--processes", "-1"],
        ["--retry-after-max", "-1"],
        ["--retry-after-max", "nan"],
        ["--max-redirects", "-1"],
        ["--max-bytes", "0"],
        ["--min-interval", "-0.5"],
        ["--ttl", "-1"],
        ["--ttl", "nan"],
    ],
)
def test_bad_numbers_are_usage_errors(tmp_path, server, capsys, args):
    f = urls_file(tmp_path, server, ["/page/n"])
    before = server.total
    assert main(["linkcheck", "-q", "--no-cache", "--urls", str(f), *args]) == 2
    one_line_error(capsys.readouterr().err, args[0])
    assert server.total == before


def test_no_deadline_flag(tmp_path, server):
    f = urls_file(tmp_path, server, ["/page/nd"])
    assert main(["linkcheck", "-q", "--no-cache", "--urls", str(f), "--no-deadline"]) == 0


def _project_with(tmp_path: Path, rootdir: Path, values: dict[str, object]) -> Path:
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-citecheck-interrupt", src)
    conf = src / "conf.py"
    text = "".join(f"{k} = {v!r}\n".replace("= nan", "= float('nan')") for k, v in values.items())
    conf.write_text(conf.read_text() + text)
    return src


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("karabakh_linkcheck_ttl", "1 day", "must be a number"),
        ("karabakh_linkcheck_ttl", {"timeout": 5}, "never cached"),
        ("karabakh_linkcheck_ttl", {"ok": "soon"}, "'ok'"),
        ("karabakh_linkcheck_ttl", {"nonsense": 5}, "nonsense"),
        ("karabakh_linkcheck_workers", "many", "whole number"),
        ("karabakh_linkcheck_workers", 0, "at least 1"),
        ("karabakh_linkcheck_per_host", -1, "at least 1"),
        ("karabakh_linkcheck_processes", -1, "at least 0"),
        ("karabakh_linkcheck_timeout", "fast", "must be a number"),
        ("karabakh_linkcheck_timeout", 0, "above 0"),
        ("karabakh_linkcheck_deadline", -5, "above 0"),
        ("karabakh_linkcheck_deadline", float("nan"), "finite"),
        ("karabakh_linkcheck_retry_after_max", -1, "0 or more"),
        ("karabakh_linkcheck_max_bytes", 0, "at least 1"),
        ("karabakh_linkcheck_ignore", "/status/", "list"),
        ("karabakh_linkcheck_bibfiles", "refs.bib", "list"),
        ("karabakh_linkcheck_allow_link_local", "yes", "True or False"),
        ("karabakh_linkcheck_refuse_private", 1, "True or False"),
        ("karabakh_linkcheck_refresh", "no", "True or False"),
        ("karabakh_linkcheck_cache", 5, "file path"),
    ],
)
def test_bad_config_values_are_config_errors_naming_the_value(
    make_app, tmp_path, rootdir, name, value, says
):
    src = _project_with(tmp_path, rootdir, {name: value})
    line = len((src / "conf.py").read_text().splitlines())
    warning = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        make_app("citecheck", srcdir=src, freshenv=True, warning=warning)
    assert exc.value.code == 2
    text = warning.getvalue()
    assert f"conf.py:{line}: ERROR: sphinx-karabakh: {name} = {value!r}: " in text, text
    assert says in text and "Traceback" not in text


def test_every_bad_value_is_reported_in_one_pass(make_app, tmp_path, rootdir):
    bad = {"karabakh_linkcheck_ttl": "1 day", "karabakh_linkcheck_workers": "many"}
    src = _project_with(tmp_path, rootdir, bad)
    warning = io.StringIO()
    with pytest.raises(SystemExit):
        make_app("citecheck", srcdir=src, freshenv=True, warning=warning)
    assert all(f"{name} = " in warning.getvalue() for name in bad)


def test_good_config_values_are_accepted_and_converted(make_app, tmp_path, rootdir):
    src = _project_with(
        tmp_path,
        rootdir,
        {"karabakh_linkcheck_timeout": "2.5", "karabakh_linkcheck_ttl": {"ok": 60}},
    )
    app = make_app(
        "citecheck", srcdir=src, freshenv=True, confoverrides={"karabakh_linkcheck_workers": "4"}
    )
    assert app.config.karabakh_linkcheck_workers == 4  # -D gives a string
    assert app.config.karabakh_linkcheck_timeout == 2.5


def test_sphinx_build_shows_a_bad_value_without_a_crash_report(tmp_path, rootdir):
    src = _project_with(tmp_path, rootdir, {"karabakh_linkcheck_ttl": "1 day"})
    p = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "citecheck", str(src), str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 2
    assert "karabakh_linkcheck_ttl = '1 day': must be a number" in p.stderr
    assert "Traceback" not in p.stderr and "full traceback has been saved" not in p.stderr
