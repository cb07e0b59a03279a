"""The fixed command-line contracts: passages, quotes verify, lock check."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from sphinx_karabakh.cli import main
from sphinx_karabakh.sources import LockFile, load_sources

DATA = Path(__file__).parent / "data" / "sources"


def _jsonl(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_passages_json_contract(capsys, seeds_dir):
    assert main(["passages", "--sources", str(seeds_dir), "--json"]) == 0
    rows = _jsonl(capsys.readouterr().out)
    ss = load_sources(seeds_dir)
    assert len(rows) == sum(len(s.passages) for s in ss.values())
    texts = {sid: s.text for sid, s in ss.items()}
    for row in rows:
        assert set(row) == {"id", "source", "text", "start", "end"}
        assert texts[row["source"]][row["start"] : row["end"]] == row["text"]
        assert row["id"].startswith(row["source"] + ":p")
    # offsets are into the file as read (UTF-8, Python string indices)
    raw = (seeds_dir / "000_dbf52d51c80cd500.txt").read_bytes().decode("utf-8")
    first = rows[0]
    assert raw[first["start"] : first["end"]] == first["text"]


def test_passages_one_source_paragraphs_only(capsys, seeds_dir):
    assert (
        main(
            [
                "passages",
                "--sources",
                str(seeds_dir),
                "000_dbf52d51c80cd500.txt",
                "--json",
                "--paragraphs-only",
            ]
        )
        == 0
    )
    rows = _jsonl(capsys.readouterr().out)
    assert [r["id"] for r in rows] == [f"legiec-2020:p{i}" for i in range(1, len(rows) + 1)]
    assert main(["passages", "--sources", str(seeds_dir), "legiec-2020"]) == 0
    out = capsys.readouterr().out
    assert "legiec-2020:p3.s2" in out and "line" in out
    assert main(["passages", "--sources", str(seeds_dir), "nobody"]) == 2
    assert "unknown source 'nobody'" in capsys.readouterr().err


def test_quotes_verify_contract(tmp_path, capsys, seeds_dir):
    quotes = tmp_path / "q.jsonl"
    lines = [
        {"text": "The truce is a diplomatic success for Russia"},
        {"text": "about 2,000 soldiers", "source": "legiec-2020"},
        {
            "text": "The agreement is guaranteed by the Russian military (a contingent of about 2,500 soldiers)",
            "source": "000_dbf52d51c80cd500.txt",
        },
        {"text": "Completely invented words about the weather in Lisbon today", "source": None},
    ]
    quotes.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    assert main(["quotes", "verify", "--sources", str(seeds_dir), str(quotes), "--json"]) == 1
    rows = _jsonl(capsys.readouterr().out)
    assert [r["verdict"] for r in rows] == ["verified", "verified", "misquote", "not-found"]
    for r in rows:
        assert set(r) == {"verdict", "passage", "start", "end", "score", "diff"}
        assert 0 <= r["score"] <= 1
    raw = (seeds_dir / "000_dbf52d51c80cd500.txt").read_text(encoding="utf-8")
    assert raw[rows[0]["start"] : rows[0]["end"]] == "The truce is a diplomatic success for Russia"
    assert rows[2]["passage"] == "legiec-2020:p6" and "{+2,500" in rows[2]["diff"]
    assert rows[3]["passage"] is None and rows[3]["start"] is None

    ok = tmp_path / "ok.jsonl"
    ok.write_text(json.dumps(lines[0]) + "\n\n", encoding="utf-8")
    assert main(["quotes", "verify", "--sources", str(seeds_dir), str(ok), "--json"]) == 0
    assert len(_jsonl(capsys.readouterr().out)) == 1
    assert main(["quotes", "verify", "--sources", str(seeds_dir), str(ok)]) == 0
    assert "1 of 1 quotes verified" in capsys.readouterr().out


def test_quotes_verify_bad_input_exits_2(tmp_path, capsys, seeds_dir):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n{"text": oops}\n', encoding="utf-8")
    assert main(["quotes", "verify", "--sources", str(seeds_dir), str(bad), "--json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sphinx-karabakh: error: ") and f"{bad}:2:" in err
    wrong = tmp_path / "wrong.jsonl"
    wrong.write_text('["text"]\n', encoding="utf-8")
    assert main(["quotes", "verify", "--sources", str(seeds_dir), str(wrong)]) == 2
    assert f"{wrong}:1:" in capsys.readouterr().err
    assert (
        main(["quotes", "verify", "--sources", str(seeds_dir), str(tmp_path / "none.jsonl")]) == 2
    )
    assert main(["quotes", "verify", "--sources", str(tmp_path / "nodir"), str(bad)]) == 2


def test_cli_runs_as_a_process(tmp_path, seeds_dir):
    quotes = tmp_path / "q.jsonl"
    quotes.write_text(json.dumps({"text": "Armenia capitulated"}) + "\n", encoding="utf-8")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx_karabakh",
            "quotes",
            "verify",
            "--sources",
            str(seeds_dir),
            str(quotes),
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["passage"] == "legiec-2020:p12"


def test_directory_without_metadata(tmp_path, capsys):
    (tmp_path / "memo.txt").write_text("One paragraph here.\n\nAnother one.\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("# Title\n\nSome **bold** text.\n", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    assert main(["passages", "--sources", str(tmp_path), "--json", "--paragraphs-only"]) == 0
    ids = [r["id"] for r in _jsonl(capsys.readouterr().out)]
    assert ids == ["memo:p1", "memo:p2", "notes:p1", "notes:p2"]
    ss = load_sources(tmp_path)
    assert ss["notes"].meta.format == "markdown"
    assert ss.verify("Some bold text", source="notes.md").ok


def test_lock_check_command(tmp_path, capsys, seeds_dir):
    d = tmp_path / "src"
    shutil.copytree(seeds_dir, d)
    ss = load_sources(d)
    lock = LockFile()
    lock.pin("index#legiec-2020:p6", ss.get_passage("legiec-2020:p6"))
    lock.save(tmp_path / "karabakh.lock")
    assert (
        main(["lock", "check", "--sources", str(d), "--lock", str(tmp_path / "karabakh.lock")]) == 0
    )
    capsys.readouterr()
    f = d / "000_dbf52d51c80cd500.txt"
    f.write_text(
        f.read_text(encoding="utf-8").replace("2,000 soldiers", "2,500 soldiers"), encoding="utf-8"
    )
    assert (
        main(
            [
                "lock",
                "check",
                "--sources",
                str(d),
                "--lock",
                str(tmp_path / "karabakh.lock"),
                "--json",
            ]
        )
        == 1
    )
    row = json.loads(capsys.readouterr().out)
    assert row["kind"] == "changed" and row["new"] == "legiec-2020:p6" and "{+2,500" in row["diff"]


def test_quotes_verify_reads_stdin(seeds_dir):
    lines = [
        json.dumps({"text": "Armenia capitulated"}),
        json.dumps({"text": "Armenia won", "source": "legiec-2020"}),
    ]
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx_karabakh",
            "quotes",
            "verify",
            "--sources",
            str(seeds_dir),
            "-",
            "--json",
        ],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1, out.stderr
    assert [json.loads(x)["verdict"] for x in out.stdout.splitlines()] == ["verified", "not-found"]


def test_importing_the_model_stays_light():
    """The contracts import without the matching machinery (rapidfuzz, the loader)."""
    import subprocess
    import sys

    code = (
        "import sys, sphinx_karabakh.sources.model as m, sphinx_karabakh.sources as s;"
        "heavy = [n for n in ('rapidfuzz', 'sphinx_karabakh.sources.loader') if n in sys.modules];"
        "assert not heavy, heavy; s.SourceSet; assert 'rapidfuzz' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
