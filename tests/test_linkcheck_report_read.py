"""Reading a link-check report back: the one reader both the CLI's users and the bibliography use."""

from __future__ import annotations

import json

import pytest

from sphinx_karabakh.linkcheck.report import index_report, read_report, url_key

ROWS = [
    {"url": "https://example.org/a#sec", "verdict": "ok", "status": 200},
    {"url": "https://Example.org/B/", "verdict": "broken", "status": 404},
]


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(ROWS),
        "\n".join(json.dumps(r) for r in ROWS) + "\n",
        json.dumps({"results": ROWS}),
    ],
    ids=["array", "json-lines", "object"],
)
def test_every_report_shape_reads_the_same_rows(tmp_path, text):
    path = tmp_path / "report.json"
    path.write_text(text, encoding="utf-8")
    assert read_report(path) == ROWS


def test_json_lines_pass_over_broken_lines_and_rows_without_url(tmp_path):
    path = tmp_path / "report.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n{not json\n" + json.dumps({"verdict": "ok"}) + "\n")
    assert read_report(path) == [ROWS[0]]


def test_index_finds_a_cited_url_by_its_key():
    index = index_report(ROWS)
    assert index["https://example.org/a#sec"]["verdict"] == "ok"
    assert index[url_key("https://example.org/b")]["verdict"] == "broken"
    assert index[url_key("https://example.org/a")]["verdict"] == "ok"
    assert url_key("https://example.org/b") not in {url_key(ROWS[0]["url"])}
