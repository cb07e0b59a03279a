"""Reports of a run: progress lines, the summary table, JSON / JSON Lines, JUnit XML.

JSON Lines (``--jsonl``, the builder's ``output.jsonl``) is the format other tools should read:
one object per URL per line with ``url``, ``verdict`` (a ``Verdict`` value), ``outcome`` (the
verdict folded to ok / redirect / broken / timeout / anchor-missing / rate-limited / ignored, the
names link-checker scorers use), ``status`` (HTTP status or null), ``final_url`` (after redirects
or null), ``elapsed`` (seconds), ``reason``, ``cached`` and ``cited_at`` (a list of
``{"file", "line", "key", "text"}``).  ``--json`` writes the same objects as one JSON array.
``read_report(path)`` reads either back.

Writers write where they are told: they create no directory.  ``unwritable(path)`` says, before a
run, why a report could not be written there (a missing directory, a path under a file, a
directory in the way, no permission), so a run is not spent on a report that cannot be kept.
``write_reports(results, [(kind, path), ...])`` writes several (``jsonl``, ``json``, ``junit``,
``summary``) for the CLI and the builder alike: one that cannot be written does not keep the
others from being written, and each failure comes back with the system's words.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO
from xml.etree import ElementTree as ET

from sphinx_karabakh.files import read_capped
from sphinx_karabakh.linkcheck.model import CheckResult, Verdict

OUTCOME = {
    Verdict.OK: "ok",
    Verdict.REDIRECTED_PERMANENT: "redirect",
    Verdict.REDIRECTED_TEMPORARY: "redirect",
    Verdict.BROKEN: "broken",
    Verdict.CONTENT_CHANGED: "broken",
    Verdict.MALFORMED: "broken",
    Verdict.REFUSED: "broken",
    Verdict.PLACEHOLDER: "ignored",
    Verdict.TIMEOUT: "timeout",
    Verdict.RATE_LIMITED: "rate-limited",
    Verdict.ANCHOR_MISSING: "anchor-missing",
    Verdict.SKIPPED: "ignored",
    Verdict.UNCHECKED: "ignored",
}


def result_dict(r: CheckResult) -> dict[str, object]:
    return {
        "url": r.url,
        "verdict": str(r.verdict),
        "outcome": OUTCOME.get(r.verdict, "ignored"),
        "status": r.status,
        "final_url": r.final_url,
        "elapsed": round(r.elapsed, 3),
        "reason": r.reason,
        "cached": r.cached,
        "cited_at": [
            {"file": c.file, "line": c.line, "key": c.key, "text": c.text} for c in r.cited_at
        ],
    }


def unwritable(path: str | Path) -> str | None:
    """Why a report cannot be written at ``path`` (``None``: it can).  Tries it: opens the file
    for appending (an existing report is not truncated) and removes it again if it was new."""
    p = Path(path)
    parent = p.parent
    if not parent.exists():
        return f"directory {parent} does not exist"
    if not parent.is_dir():
        return f"{parent} is not a directory"
    if p.is_dir():
        return f"{p} is a directory"
    existed = p.exists()
    try:
        with p.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        return f"cannot write {p}: {exc.strerror or exc}"
    if not existed:
        with contextlib.suppress(OSError):
            p.unlink()
    return None


def write_jsonl(results: Iterable[CheckResult], path: str | Path) -> None:
    p = Path(path)
    with p.open("w", encoding="utf-8") as fh:
        for r in results:
            fh.write(json.dumps(result_dict(r), ensure_ascii=False) + "\n")


def write_json(results: Iterable[CheckResult], path: str | Path) -> None:
    p = Path(path)
    p.write_text(
        json.dumps([result_dict(r) for r in results], ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )


#: The largest report read back (a report of a million URLs is a few hundred MB less than this).
MAX_REPORT_BYTES = 128 * 1024 * 1024


def read_report(path: str | Path, max_bytes: int = MAX_REPORT_BYTES) -> list[dict[str, Any]]:
    """Result objects of a report: a JSON array, JSON Lines (lines that are not JSON are passed
    over), or an object holding the list under ``results``/``links``/``urls``.

    Only a regular file of at most ``max_bytes`` is read (``files.read_capped``). Raises
    ``files.FileRefused`` when it is not one, ``UnicodeDecodeError`` when it is not UTF-8.
    """
    text = read_capped(path, max_bytes).decode("utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = []
        for line in text.splitlines():
            if line.strip():
                try:
                    data.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
    if isinstance(data, dict):
        data = next(
            (data[k] for k in ("results", "links", "urls") if isinstance(data.get(k), list)), [data]
        )
    return [item for item in data if isinstance(item, dict) and isinstance(item.get("url"), str)]


def find_result(index: dict[str, dict[str, Any]], *urls: str) -> dict[str, Any] | None:
    """The result an ``index_report`` holds for the first of ``urls`` it knows, as written or by
    ``url_key`` (a URL as cited and the form it was requested in)."""
    for url in urls:
        if url in index:
            return index[url]
    for url in urls:
        item = index.get(url_key(url))
        if item is not None:
            return item
    return None


def url_key(url: str) -> str:
    """How a report's URL is matched to a cited one: no fragment or trailing slash, spaces as
    ``%20``, case folded (a ``.bib`` may hold a URL as typed, the report as requested)."""
    return url.strip().split("#", 1)[0].rstrip("/").replace(" ", "%20").lower()


def index_report(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """url -> result, under the URL as reported and under its ``url_key`` (first one wins)."""
    index: dict[str, dict] = {}
    for item in items:
        index[item["url"]] = item
        index.setdefault(url_key(item["url"]), item)
    return index


def _xml_safe(s: str) -> str:
    """Drop characters XML 1.0 cannot hold (ElementTree escapes &, <, > and quotes itself)."""
    return "".join(
        c
        for c in s
        if c in "\t\n\r"
        or (ord(c) >= 0x20 and not 0xD800 <= ord(c) <= 0xDFFF and c not in "\ufffe\uffff")
    )


def write_junit(
    results: list[CheckResult],
    path: str | Path,
    *,
    failing: Callable[[Verdict], bool] | None = None,
    name: str = "sphinx-karabakh linkcheck",
    elapsed: float = 0.0,
) -> None:
    """One ``testcase`` per URL; ``failure`` for failing verdicts, ``skipped`` for unchecked ones."""
    failing = failing or (lambda v: v.failed)
    n_fail = sum(1 for r in results if failing(r.verdict))
    skipped_v = {Verdict.SKIPPED, Verdict.PLACEHOLDER, Verdict.UNCHECKED}
    n_skip = sum(1 for r in results if r.verdict in skipped_v and not failing(r.verdict))
    suite = ET.Element(
        "testsuite",
        {
            "name": name,
            "tests": str(len(results)),
            "failures": str(n_fail),
            "errors": "0",
            "skipped": str(n_skip),
            "time": f"{elapsed:.3f}",
        },
    )
    for r in results:
        where = ", ".join(str(c) for c in r.cited_at)
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": "linkcheck." + str(r.verdict),
                "name": _xml_safe(r.url),
                "time": f"{r.elapsed:.3f}",
                "file": _xml_safe(r.cited_at[0].file if r.cited_at else ""),
            },
        )
        message = _xml_safe(f"{r.verdict}: {r.reason}")
        detail = _xml_safe(
            f"url: {r.url}\nverdict: {r.verdict}\nstatus: {r.status}\nfinal_url: {r.final_url}\n"
            f"reason: {r.reason}\ncited at: {where}\n"
        )
        if failing(r.verdict):
            el = ET.SubElement(case, "failure", {"message": message, "type": str(r.verdict)})
            el.text = detail
        elif r.verdict in skipped_v:
            ET.SubElement(case, "skipped", {"message": message})
        else:
            out = ET.SubElement(case, "system-out")
            out.text = detail
    root = ET.Element("testsuites")
    root.append(suite)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    tree.write(Path(path), encoding="utf-8", xml_declaration=True)


def summary(
    results: list[CheckResult],
    *,
    failing: Callable[[Verdict], bool] | None = None,
    elapsed: float | None = None,
    cache_hits: int = 0,
) -> str:
    """Counts per verdict, then every failing URL with the places it is cited."""
    failing = failing or (lambda v: v.failed)
    counts = Counter(r.verdict for r in results)
    lines = ["", "| verdict | URLs |", "|---|---:|"]
    for v in Verdict:
        if counts.get(v):
            mark = " (fails)" if failing(v) else ""
            lines.append(f"| {v}{mark} | {counts[v]} |")
    lines.append(f"| total | {len(results)} |")
    extra = []
    if elapsed is not None:
        extra.append(f"{elapsed:.2f} s")
    if cache_hits:
        extra.append(f"{cache_hits} from cache")
    if extra:
        lines.append(f"({', '.join(extra)})")
    bad = [r for r in results if failing(r.verdict)]
    if bad:
        lines += ["", f"{len(bad)} failing URL(s):"]
        for r in bad:
            status = f" [{r.status}]" if r.status else ""
            lines.append(f"  {r.verdict}{status} {r.url}")
            lines.append(f"      {r.reason}")
            for c in r.cited_at:
                key = f" ({c.key})" if c.key and c.file else ""
                lines.append(f"      cited at {c}{key}")
    return "\n".join(lines)


def write_reports(
    results: list[CheckResult],
    targets: Iterable[tuple[str, str | Path]],
    *,
    failing: Callable[[Verdict], bool] | None = None,
    elapsed: float = 0.0,
) -> list[tuple[str, str | Path, str]]:
    """Write each ``(kind, path)`` -- ``jsonl``, ``json``, ``junit`` or ``summary`` (the summary
    table, as Markdown) -- in order; return ``(kind, path, why)`` for each that could not be
    written (the others are written all the same)."""
    problems: list[tuple[str, str | Path, str]] = []
    for kind, path in targets:
        try:
            if kind == "jsonl":
                write_jsonl(results, path)
            elif kind == "json":
                write_json(results, path)
            elif kind == "junit":
                write_junit(results, path, failing=failing, elapsed=elapsed)
            elif kind == "summary":
                text = summary(results, failing=failing, elapsed=elapsed)
                Path(path).write_text(text + "\n", encoding="utf-8")
            else:
                raise ValueError(f"unknown report kind {kind!r}")
        except OSError as exc:
            problems.append((kind, path, str(exc.strerror or exc)))
    return problems


class Progress:
    """A single redrawn line on a terminal; plain lines (one per URL) otherwise."""

    def __init__(
        self,
        total: int,
        stream: TextIO | None = None,
        *,
        tty: bool | None = None,
        quiet: bool = False,
        failing: Callable[[Verdict], bool] | None = None,
    ) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.quiet = quiet
        self.done = 0
        self.counts: Counter[Verdict] = Counter()
        self.failing = failing or (lambda v: v.failed)
        self._t0 = time.monotonic()
        self._last = 0.0

    def __call__(self, r: CheckResult) -> None:
        self.done += 1
        self.counts[r.verdict] += 1
        if self.quiet:
            return
        if self.tty:
            now = time.monotonic()
            if now - self._last < 0.05 and self.done < self.total:
                return
            self._last = now
            width = 30
            filled = int(width * self.done / max(1, self.total))
            nfail = sum(n for v, n in self.counts.items() if self.failing(v))
            self.stream.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
                f"failing {nfail}  {now - self._t0:.1f} s "
            )
            if self.done >= self.total:
                self.stream.write("\n")
        else:
            width = len(str(self.total))
            cache = " (cached)" if r.cached else ""
            self.stream.write(
                f"[{self.done:>{width}}/{self.total}] {r.verdict!s:<20} {r.url}{cache}\n"
            )
        self.stream.flush()

    def finish(self) -> None:
        if self.tty and not self.quiet and self.done < self.total:
            self.stream.write("\n")
            self.stream.flush()
