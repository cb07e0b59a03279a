"""SQLite cache of verdicts, each with an age and a time-to-live that depends on the verdict.

A verdict is answered from the cache only while ``now - checked_at < ttl[verdict]``.  Failures that
say nothing lasting about the link (``timeout``, ``rate-limited``, ``unchecked``) are never stored:
a cache entry must never turn a passing hiccup into a final answer.  The key is the URL plus a hash
of the passages expected on the page (a new quote means a new content check).  One connection,
guarded by a lock, so worker threads and the main thread may all use it.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sphinx_karabakh.linkcheck.model import CheckResult, Verdict

DAY = 86400.0
HOUR = 3600.0

#: Default time-to-live per verdict, seconds.  Missing = never cached.
DEFAULT_TTL: dict[Verdict, float] = {
    Verdict.OK: DAY,
    Verdict.REDIRECTED_PERMANENT: DAY,
    Verdict.REDIRECTED_TEMPORARY: DAY,
    Verdict.BROKEN: HOUR,
    Verdict.ANCHOR_MISSING: HOUR,
    Verdict.CONTENT_CHANGED: HOUR,
}
NEVER_CACHED = frozenset(
    {
        Verdict.TIMEOUT,
        Verdict.RATE_LIMITED,
        Verdict.UNCHECKED,
        Verdict.PLACEHOLDER,
        Verdict.MALFORMED,
        Verdict.SKIPPED,
    }
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    verdict TEXT NOT NULL,
    status INTEGER,
    final_url TEXT,
    reason TEXT NOT NULL DEFAULT '',
    checked_at REAL NOT NULL
)
"""


@dataclass(frozen=True)
class CacheHit:
    verdict: Verdict
    status: int | None
    final_url: str | None
    reason: str
    age: float


def merge_ttl(overrides: dict[str, float] | float | None) -> dict[Verdict, float]:
    """Defaults updated with ``{"ok": 3600, ...}`` (a bare number sets the TTL of ok/redirects)."""
    ttl = dict(DEFAULT_TTL)
    if overrides is None:
        return ttl
    if isinstance(overrides, int | float):
        for v in (Verdict.OK, Verdict.REDIRECTED_PERMANENT, Verdict.REDIRECTED_TEMPORARY):
            ttl[v] = float(overrides)
        return ttl
    for name, seconds in overrides.items():
        v = Verdict(name)  # ValueError on an unknown verdict name
        if v in NEVER_CACHED:
            raise ValueError(f"verdict {name!r} is never cached")
        ttl[v] = float(seconds)
    return ttl


def _key(url: str, passages: list[str] | tuple[str, ...]) -> str:
    if not passages:
        return url
    h = hashlib.sha256("\x1f".join(sorted(passages)).encode()).hexdigest()[:16]
    return f"{url}\x1e{h}"


class Cache:
    """``get``/``put`` verdicts in an SQLite file; ``refresh=True`` reads nothing (still writes)."""

    def __init__(
        self, path: str | Path, ttl: dict[Verdict, float] | None = None, refresh: bool = False
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.ttl = ttl if ttl is not None else dict(DEFAULT_TTL)
        self.refresh = refresh
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(SCHEMA)
            self._db.commit()
        self.hits = 0
        self.misses = 0

    def get(
        self, url: str, passages: list[str] | tuple[str, ...] = (), now: float | None = None
    ) -> CacheHit | None:
        if self.refresh:
            return None
        now = time.time() if now is None else now
        with self._lock:
            row = self._db.execute(
                "SELECT verdict, status, final_url, reason, checked_at FROM results WHERE key = ?",
                (_key(url, passages),),
            ).fetchone()
        if row is None:
            self.misses += 1
            return None
        try:
            verdict = Verdict(row[0])
        except ValueError:
            self.misses += 1
            return None
        age = now - row[4]
        if verdict in NEVER_CACHED or age < 0 or age >= self.ttl.get(verdict, 0.0):
            self.misses += 1
            return None
        self.hits += 1
        return CacheHit(verdict, row[1], row[2], row[3], age)

    def put(
        self,
        result: CheckResult,
        passages: list[str] | tuple[str, ...] = (),
        now: float | None = None,
    ) -> bool:
        """Store a fresh verdict; returns False when this verdict is never cached."""
        if result.cached or result.verdict in NEVER_CACHED or result.verdict not in self.ttl:
            return False
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO results (key, url, verdict, status, final_url, reason, checked_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    _key(result.url, passages),
                    result.url,
                    str(result.verdict),
                    result.status,
                    result.final_url,
                    result.reason,
                    time.time() if now is None else now,
                ),
            )
            self._db.commit()
        return True

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
