"""The ``refs parse`` and ``refs audit`` command-line contract (run in-process through main)."""

from __future__ import annotations

import json
from pathlib import Path

import bibtexparser
import pytest

from sphinx_karabakh.cli import main

DATA = Path(__file__).parent / "data" / "refdocs"
SEED_004 = Path(__file__).parent.parent / "seeds" / "004_cc326326a6865e0d.txt"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_parse_writes_one_entry_per_reference_in_order(capsys, tmp_path) -> None:
    code, out, err = run(capsys, "refs", "parse", str(SEED_004))
    assert code == 0
    lib = bibtexparser.parse_string(out)
    assert len(lib.entries) == 29 and not lib.failed_blocks
    assert lib.entries[0].key == "askerov2020a" and lib.entries[-1].key == "welt2021"
    assert f"{SEED_004}:135: askerov2020b: URL contains a space" in err
    target = tmp_path / "out.bib"
    code, out2, _ = run(capsys, "refs", "parse", str(SEED_004), "-o", str(target))
    assert code == 0 and out2 == "" and target.read_text(encoding="utf-8") == out


def test_parse_json(capsys) -> None:
    code, out, _ = run(capsys, "refs", "parse", str(SEED_004), "--json")
    assert code == 0
    entries = json.loads(out)
    assert len(entries) == 29
    first = entries[0]
    assert {"key", "type", "confidence", "raw", "line", "fields", "problems"} <= set(first)
    assert first["line"] == 115 and first["raw"].startswith("Askerov, A., Brooks")
    assert 0 <= first["confidence"] <= 1
    assert all(e["label"] == "" for e in entries)  # seed 004's list is not numbered
    racz = next(e for e in entries if e["key"] == "racz2021")
    assert racz["type"] == "online" and racz["fields"]["urldate"] == "2022-09-25"


def test_entries_only_blank_lines_and_one_per_line(capsys, tmp_path) -> None:
    f = tmp_path / "refs.txt"
    f.write_text(
        "Smith, J. (2020). First & only. Publisher.\n\nSmith, J. (2020). Second.\nJournal, 3(1), 1-2.\n\n"
        "total garbage ~~~\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "refs", "parse", "--entries-only", str(f))
    assert code == 0
    lib = bibtexparser.parse_string(out)
    assert [e.key for e in lib.entries][:2] == ["smith2020a", "smith2020b"]
    assert len(lib.entries) == 3
    f.write_text(
        "Smith, J. (2020). One.\nDoe, K. (2019). Two.\nLee, M. (2018). Three.\n", encoding="utf-8"
    )
    code, out, _ = run(capsys, "refs", "parse", "--entries-only", "--json", str(f))
    assert [e["line"] for e in json.loads(out)] == [1, 2, 3]


def test_audit_json_contract_and_exit_code(capsys) -> None:
    code, out, _ = run(capsys, "refs", "audit", str(SEED_004), "--json")
    assert code == 1  # Mandalis 2020, Mustofa (2021) and Kanchev 2008 resolve to nothing
    doc = json.loads(out)
    assert set(doc) == {"citations", "uncited"}
    assert all(set(c) == {"text", "line", "key"} for c in doc["citations"])
    assert {c["text"] for c in doc["citations"] if c["key"] is None} == {
        "Mandalis 2020",
        "Ahmad Zainal Mustofa (2021)",
        "Kanchev 2008",
    }
    assert doc["uncited"] == ["markedonov2018b"]
    _, parse_out, _ = run(capsys, "refs", "parse", str(SEED_004), "--json")
    keys = {e["key"] for e in json.loads(parse_out)}
    assert {c["key"] for c in doc["citations"] if c["key"]} <= keys and set(doc["uncited"]) <= keys


def test_audit_human_listing(capsys) -> None:
    code, out, _ = run(capsys, "refs", "audit", str(SEED_004))
    assert code == 1
    assert f"{SEED_004}:47: Kanchev 2008" in out and "unresolved" in out
    assert "uncited: markedonov2018b" in out
    code, out, _ = run(capsys, "refs", "audit", str(DATA / "ieee.txt"))
    assert code == 0 and "smith2018" in out


def test_errors_exit_2_with_the_file(capsys, tmp_path) -> None:
    code, _, err = run(capsys, "refs", "parse", str(tmp_path / "missing.txt"))
    assert code == 2 and "missing.txt: cannot read" in err
    code, _, err = run(capsys, "refs", "audit", str(DATA / "no_refs.txt"))
    assert code == 2 and "no_refs.txt: no reference section found" in err
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    code, _, err = run(capsys, "refs", "parse", "--entries-only", str(empty))
    assert code == 2 and "empty.txt" in err
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00garbage\n\nReferences\n\nSmith, J. (2020). T.\n")
    code, out, _ = run(capsys, "refs", "parse", str(binary))
    assert code == 0 and "@" in out
