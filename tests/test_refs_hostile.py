"""Hostile input to the refs stage and ``refs parse``: nothing crashes, nothing is lost, and what
cannot be read as it stands is reported with its line.

* a reference far longer than any real one (200 KB in several shapes, 100,000 authors) still gives
  one entry, parsed on its first ``MAX_PARSED_CHARS`` characters, with a problem that says so
  (speed is measured by bench/hostile_refs.py, not here);
* unbalanced brackets, braces and quotes; NUL and other control characters (the parser's own
  marks among them); bytes that are not UTF-8: one entry each, output without control
  characters, a located report;
* ``refs parse`` on /dev/zero, a directory, a file over the size cap: exit 2, one line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import bibtexparser
import pytest
from pybtex.database import parse_string as pybtex_parse

from sphinx_karabakh.cli import main
from sphinx_karabakh.refs.bibtex import to_entries, write_bibtex
from sphinx_karabakh.refs.parse import MAX_PARSED_CHARS, parse_reference
from sphinx_karabakh.refs.pipeline import (
    MAX_DOCUMENT_BYTES,
    decode_document,
    references_from_entries,
    references_from_text,
)

CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")

LONG_SHAPES = {
    "apa": "Smith, J., & Jones, K. (2020). The war of words. Journal of Things, 12(3), 45-67. ",
    "periods": "Word. ",
    "initials": "A. ",
    "digits": "1234567890",
    "brackets": "[",
    "braces": "{",
    "parens": "x 1 (aa ",
    "links": "[a](b ",
    "italics": "<i>x \\emph{y ",
}


def _long(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _doc(reference_line: str) -> str:
    return (
        "# A paper\n\nText.\n\n## References\n\n"
        "Abbott, K. (2019). A first work. Journal of Things, 3(1), 1-9.\n\n"
        + reference_line
        + "\n\nZhou, L. (2020). A last work. Journal of Things, 4(2), 10-19.\n"
    )


def _assert_readable(bib: str, count: int) -> None:
    lib = bibtexparser.parse_string(bib)
    assert not lib.failed_blocks and len(lib.entries) == count
    assert len(pybtex_parse(bib, "bibtex").entries) == count
    assert not CONTROL.search(bib)


@pytest.mark.parametrize("shape", sorted(LONG_SHAPES))
def test_a_200_kb_reference_gives_one_entry_and_says_it_was_cut(shape: str) -> None:
    line = _long(LONG_SHAPES[shape], 200_000)
    parsed = references_from_text(_doc(line))
    assert len(parsed.entries) == 3  # the long one between two ordinary ones, nothing lost
    long_entry = parsed.entries[1]
    assert long_entry.reference.line == 9
    assert long_entry.reference.raw == line.strip()  # the raw text is kept whole
    said = [
        re.search(r"is ([\d,]+) characters long: only its first ([\d,]+) were parsed", p)
        for p in long_entry.problems
    ]
    cut = next(m for m in said if m)
    assert int(cut.group(1).replace(",", "")) == len(line.strip())
    assert MAX_PARSED_CHARS // 2 <= int(cut.group(2).replace(",", "")) <= MAX_PARSED_CHARS
    assert parsed.keys[0] == "abbott2019" and parsed.keys[2] == "zhou2020"
    _assert_readable(parsed.bibtex(), 3)


def test_100000_authors_give_one_entry() -> None:
    line = "".join(f"{chr(65 + i % 26)}. Smith{i}, " for i in range(100_000))
    line += "(2020). A title. Press."
    ref = parse_reference(line, line=4)
    assert ref.raw == line and ref.authors
    assert any("characters long" in p for p in ref.problems)


def test_unbalanced_brackets_braces_and_quotes() -> None:
    hostile = [
        "Smith, J. (2020). [[[ Unclosed [brackets. Journal, 1(2), 3-4.",
        "Jones, K. (2019). ((( Unclosed (parens. Press.",
        "Lee, A. (2018). {{{ Unclosed {braces. Journal, 3, 1-2.",
        "Ng, B. (2017). }}} Closed only} braces]]] ))). Press.",
        'Wu, C. (2016). "Unclosed quote. Journal, 4, 5.',
        "Kim, D. (2015). *Unclosed italic. <i>Unclosed tag. \\emph{Unclosed. Press.",
        "[Full text](https://example.org/a_(b [Other](javascript:alert(1)",
    ]
    parsed = references_from_entries("\n\n".join(hostile))
    assert len(parsed.entries) == len(hostile)
    _assert_readable(parsed.bibtex(), len(hostile))


def test_control_characters_in_a_reference_are_replaced_and_reported() -> None:
    # \x01-\x04 are the parser's own marks (italics, links, DOIs); NUL ends C strings
    raw = "Smith, J. (2020). Ti\x03tle \x01with\x02 marks\x00. \x04Journal of Things, 3(1), 1-9."
    ref = parse_reference(raw, line=3)
    assert ref.raw == raw  # kept as given; read as U+FFFD
    for value in (ref.title, ref.container, ref.note):
        assert not CONTROL.search(value), value
    assert ref.year == "2020" and "Journal of Things" in ref.container
    assert any("control character" in p for p in ref.problems), ref.problems
    [entry] = to_entries([ref])
    assert not any(CONTROL.search(v) for _, v in entry.fields)
    _assert_readable(write_bibtex([entry]), 1)
    garbled = parse_reference("\x00\x01 ?? \x02\x03 12 ;;", line=4)  # written as @misc, raw in note
    [entry] = to_entries([garbled])
    assert entry.degraded and "\ufffd" in entry.field("note")
    _assert_readable(write_bibtex([entry]), 1)


def test_nul_at_the_start_of_a_reference_line_keeps_the_reference() -> None:
    """A NUL at the start of a line used to make the line a sub-heading: the reference was lost."""
    doc = decode_document(_doc("\x00Brown, T. (2018). A middle work. Journal, 2(1), 5-6.").encode())
    parsed = references_from_text(doc.text)
    assert len(parsed.entries) == 3
    assert parsed.entries[1].reference.raw.endswith("A middle work. Journal, 2(1), 5-6.")
    assert [(p.line, "control character" in p.message) for p in doc.problems] == [(9, True)]
    assert not CONTROL.search(parsed.bibtex())


def test_bytes_that_are_not_utf8_are_replaced_and_reported_with_their_line() -> None:
    data = _doc("Müller, H. (2018). Über Grenzen. Verlag.").encode("latin-1")
    doc = decode_document(data)
    assert "\ufffd" in doc.text
    assert [p.line for p in doc.problems] == [9]
    assert "not UTF-8" in doc.problems[0].message
    assert len(references_from_text(doc.text).entries) == 3


def test_cli_reports_document_problems_with_file_and_line(capsys, tmp_path: Path) -> None:
    f = tmp_path / "latin1.txt"
    f.write_bytes(_doc("Müller, H. (2018). Über Grenzen. Verlag.").encode("latin-1"))
    assert main(["refs", "parse", str(f)]) == 0
    out, err = capsys.readouterr()
    assert f"{f}:9: " in err and "not UTF-8" in err
    _assert_readable(out, 3)


def test_cli_long_reference_is_reported_with_its_line(capsys, tmp_path: Path) -> None:
    f = tmp_path / "long.txt"
    f.write_text(_doc(_long(LONG_SHAPES["periods"], 200_000)), encoding="utf-8")
    assert main(["refs", "parse", str(f), "-o", str(tmp_path / "out.bib")]) == 0
    _, err = capsys.readouterr()
    assert re.search(rf"{re.escape(str(f))}:9: \w+: .*200,000 characters long", err), err[:300]


@pytest.mark.parametrize("kind", ["dev-zero", "directory", "over-cap"])
def test_cli_refuses_what_is_no_document(capsys, tmp_path: Path, kind: str) -> None:
    if kind == "dev-zero":
        target = "/dev/zero"
    elif kind == "directory":
        target = str(tmp_path)
    else:
        big = tmp_path / "big.txt"
        with big.open("wb") as fh:  # sparse: no disk used
            fh.truncate(MAX_DOCUMENT_BYTES + 1)
        target = str(big)
    assert main(["refs", "parse", target]) == 2
    _, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sphinx-karabakh: error: "), err
    assert "Traceback" not in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_load_document_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    from sphinx_karabakh.refs.pipeline import UnreadableDocument, load_document

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(UnreadableDocument, match="not a regular file"):
        load_document(fifo, inside=[tmp_path])


def test_a_second_reference_section_is_reported_not_dropped(capsys, tmp_path: Path) -> None:
    """One bibliography per document: the section with the most references is read, and every
    other one that holds references is reported with its line (it used to vanish unsaid)."""
    text = (
        "# Chapter 1\n\nText.\n\n## References\n\n"
        "Abbott, K. (2019). A first work. Journal of Things, 3(1), 1-9.\n\n"
        "# Chapter 2\n\nText.\n\n## References\n\n"
        "Brown, T. (2018). A second work. Journal, 2(1), 5-6.\n"
        "Zhou, L. (2020). A third work. Journal of Things, 4(2), 10-19.\n"
    )
    parsed = references_from_text(text)
    assert parsed.keys == ["brown2018", "zhou2020"]
    assert parsed.section is not None and parsed.section.unread == ((5, 1),)
    f = tmp_path / "two.txt"
    f.write_text(text, encoding="utf-8")
    assert main(["refs", "parse", str(f)]) == 0
    _, err = capsys.readouterr()
    assert f"{f}:5: another reference section (1 reference) is not read" in err, err
