"""karabakh.lock: pinned passages and what drifted when a source changed."""

from __future__ import annotations

import json
import shutil

import pytest

from sphinx_karabakh.sources import DriftKind, LockFile, SourceError, load_sources


@pytest.fixture()
def workdir(tmp_path, seeds_dir):
    d = tmp_path / "src"
    d.mkdir()
    shutil.copy(seeds_dir / "sources.toml", d)
    for p in seeds_dir.glob("*.txt"):
        shutil.copy(p, d)
    return d


LEGIEC = "000_dbf52d51c80cd500.txt"


def _pin_all(ss, ids):
    lock = LockFile()
    for pid in ids:
        lock.pin(f"chapter1#{pid}", ss.get_passage(pid), docs=["chapter1"])
    return lock


def test_lock_file_round_trip_is_sorted_and_diff_friendly(tmp_path, seeds_dir):
    ss = load_sources(seeds_dir)
    lock = _pin_all(ss, ["legiec-2020:p5", "legiec-2020:p3", "legiec-2020:p3-p4"])
    path = tmp_path / "karabakh.lock"
    lock.save(path)
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and "\n  " in text
    data = json.loads(text)
    assert list(data["entries"]) == sorted(data["entries"])
    again = LockFile.load(path)
    assert again.entries == lock.entries
    again.save(path)
    assert path.read_text(encoding="utf-8") == text
    assert all(d.kind is DriftKind.UNCHANGED for d in again.check(ss))


def test_drift_moved_changed_gone(workdir):
    ss = load_sources(workdir)
    ids = [
        "legiec-2020:p3",
        "legiec-2020:p5",
        "legiec-2020:p6",
        "legiec-2020:p14",
        "legiec-2020:p13",
    ]
    lock = _pin_all(ss, ids)
    path = workdir / LEGIEC
    text = path.read_text(encoding="utf-8")
    p3 = ss.get_passage("legiec-2020:p3").text
    p6 = ss.get_passage("legiec-2020:p6").text
    p13 = ss.get_passage("legiec-2020:p13").text
    # insert a new paragraph before p3: everything after moves by one
    text = text.replace(p3, "A new opening paragraph written later.\n\n" + p3)
    # change a number in p6, delete p13 entirely, retypeset p14's apostrophes (typography only)
    text = text.replace(p6, p6.replace("2,000", "3,000"))
    text = text.replace(p13 + "\n\n", "")
    text = text.replace("Chairman's Representative", "Chairman’s Representative")
    path.write_text(text, encoding="utf-8")

    drift = {d.key.split("#", 1)[1]: d for d in lock.check(load_sources(workdir))}
    assert drift["legiec-2020:p3"].kind is DriftKind.MOVED
    assert drift["legiec-2020:p3"].new_passage == "legiec-2020:p4"
    assert drift["legiec-2020:p5"].kind is DriftKind.MOVED
    d6 = drift["legiec-2020:p6"]
    assert d6.kind is DriftKind.CHANGED and d6.new_passage == "legiec-2020:p7"
    assert 0.9 < d6.similarity < 1 and "[-2,000-]" in d6.diff and "{+3,000+}" in d6.diff
    assert drift["legiec-2020:p13"].kind is DriftKind.GONE
    # p14 is still p14 (one paragraph added, one removed) and only its apostrophe changed
    assert drift["legiec-2020:p14"].kind is DriftKind.UNCHANGED


def test_missing_source_is_gone_and_bad_lock_is_an_error(tmp_path, seeds_dir):
    ss = load_sources(seeds_dir)
    lock = LockFile()
    lock.pin("doc#x", ss.get_passage("legiec-2020:p3"))
    lock.entries["doc#y"] = lock.entries["doc#x"].__class__(
        "elsewhere-2019:p1", "0" * 16, "Some text."
    )
    kinds = {d.key: d.kind for d in lock.check(ss)}
    assert kinds == {"doc#x": DriftKind.UNCHANGED, "doc#y": DriftKind.GONE}
    bad = tmp_path / "karabakh.lock"
    bad.write_text('{\n  "entries": {\n    "a": \n}\n', encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        LockFile.load(bad)
    assert "karabakh.lock:4" in str(exc.value)
    assert LockFile.load(tmp_path / "absent.lock").entries == {}


def test_range_drift_changed(workdir):
    ss = load_sources(workdir)
    lock = _pin_all(ss, ["legiec-2020:p5-p6", "legiec-2020:p3.s2-s3"])
    path = workdir / LEGIEC
    path.write_text(
        path.read_text(encoding="utf-8").replace("2,000 soldiers", "2,200 soldiers"),
        encoding="utf-8",
    )
    drift = {d.old_passage: d for d in lock.check(load_sources(workdir))}
    d = drift["legiec-2020:p5-p6"]
    assert d.kind is DriftKind.CHANGED and d.new_passage == "legiec-2020:p5-p6"
    assert d.similarity > 0.95 and "{+2,200" in d.diff
    assert drift["legiec-2020:p3.s2-p3.s3"].kind is DriftKind.UNCHANGED
