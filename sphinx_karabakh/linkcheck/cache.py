"""SQLite cache of verdicts, each with an age and a time-to-live that depends on the verdict.

A verdict is answered from the cache only while ``now - checked_at < ttl[verdict]``.  Failures that
say nothing lasting about the link (``timeout``, ``rate-limited``, ``unchecked``) are never stored:
a cache entry must never turn a passing hiccup into a final answer.  The key is the URL plus a hash
of the passages expected on the page (a new quote means a new content check).  One connection,
guarded by a lock, so worker threads and the main thread may all use it.

A file that is not this cache is never changed: opening a directory, a file that is not SQLite,
or an SQLite file made by something else (other tables, other columns or column types) raises
``CacheError`` with a message naming the path, and the caller checks without a cache.  Our own
file (``PRAGMA application_id``) with another schema version is emptied and made anew.  A row whose
values have the wrong types is a miss (and overwritten by the next verdict); an SQLite error in
the middle of a run turns the cache off for the rest of it, with the reason in ``problem``.
"""

from __future__ import annotations

import contextlib
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
        Verdict.REFUSED,
        Verdict.SKIPPED,
    }
)

#: ``PRAGMA application_id`` of a link-check cache ("KLCH"), and its schema version.
APPLICATION_ID = 0x4B4C4348
SCHEMA_VERSION = 1
#: column -> declared type of ``results``.
COLUMNS = {
    "key": "TEXT",
    "url": "TEXT",
    "verdict": "TEXT",
    "status": "INTEGER",
    "final_url": "TEXT",
    "reason": "TEXT",
    "checked_at": "REAL",
}

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


class CacheError(Exception):
    """The path is not a usable link-check cache; the message names it and says why."""


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
        self.ttl = ttl if ttl is not None else dict(DEFAULT_TTL)
        self.refresh = refresh
        self.hits = 0
        self.misses = 0
        self.problem = ""  # why the cache stopped working in the middle of a run ("" if it did not)
        self._lock = threading.Lock()
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        if self.path.is_dir():
            raise CacheError(f"{self.path}: is a directory, not a link-check cache")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(f"{self.path}: cannot create its directory: {exc}") from exc
        try:
            db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
        except sqlite3.Error as exc:
            raise CacheError(f"{self.path}: cannot open: {exc}") from exc
        try:
            self._adopt(db)
        except sqlite3.Error as exc:
            db.close()
            raise CacheError(f"{self.path}: not a usable link-check cache ({exc})") from exc
        except CacheError:
            db.close()
            raise
        return db

    def _adopt(self, db: sqlite3.Connection) -> None:
        """Use ``db`` if it is ours (or empty); never change a file made by something else."""
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        columns = {r[1]: r[2].upper() for r in db.execute("PRAGMA table_info(results)")}
        ours = app_id == APPLICATION_ID
        legacy = app_id == 0 and tables == {"results"} and columns == COLUMNS  # before the id
        if not ours and not legacy and (app_id != 0 or tables):
            what = (
                f"application id {app_id:#x}" if app_id else "tables " + ", ".join(sorted(tables))
            )
            if tables == {"results"}:
                got = ", ".join(f"{k} {v}" for k, v in columns.items())
                what = f"a results table with other columns ({got})"
            raise CacheError(
                f"{self.path}: not a link-check cache (an SQLite file with {what}); left as it is"
            )
        if ours and (version != SCHEMA_VERSION or columns != COLUMNS):
            db.execute("DROP TABLE IF EXISTS results")  # our own file, another schema: start anew
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(SCHEMA)
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.commit()

    def _fail(self, exc: sqlite3.Error) -> None:
        if not self.problem:
            self.problem = (
                f"{self.path}: the cache stopped working ({exc}); not used for the rest of the run"
            )

    def get(
        self, url: str, passages: list[str] | tuple[str, ...] = (), now: float | None = None
    ) -> CacheHit | None:
        if self.refresh or self.problem:
            return None
        now = time.time() if now is None else now
        try:
            with self._lock:
                row = self._db.execute(
                    "SELECT verdict, status, final_url, reason, checked_at FROM results WHERE key = ?",
                    (_key(url, passages),),
                ).fetchone()
        except sqlite3.Error as exc:
            self._fail(exc)
            return None
        hit = _hit(row, now, self.ttl)
        if hit is None:
            self.misses += 1
            return None
        self.hits += 1
        return hit

    def put(
        self,
        result: CheckResult,
        passages: list[str] | tuple[str, ...] = (),
        now: float | None = None,
    ) -> bool:
        """Store a fresh verdict; returns False when this verdict is never cached."""
        if result.cached or result.verdict in NEVER_CACHED or result.verdict not in self.ttl:
            return False
        if self.problem:
            return False
        try:
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
        except sqlite3.Error as exc:
            self._fail(exc)
            return False
        return True

    def close(self) -> None:
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._db.close()

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _hit(row: tuple[object, ...] | None, now: float, ttl: dict[Verdict, float]) -> CacheHit | None:
    """A row as a hit, or ``None``: absent, too old, never cached, or values of the wrong types
    (a row written by something else is a miss, not a crash)."""
    if row is None:
        return None
    verdict, status, final_url, reason, checked_at = row
    if not isinstance(verdict, str) or not isinstance(reason, str):
        return None
    if not (status is None or (isinstance(status, int) and not isinstance(status, bool))):
        return None
    if not (final_url is None or isinstance(final_url, str)):
        return None
    if not isinstance(checked_at, int | float) or isinstance(checked_at, bool):
        return None
    try:
        v = Verdict(verdict)
    except ValueError:
        return None
    age = now - checked_at
    if v in NEVER_CACHED or age < 0 or age >= ttl.get(v, 0.0):
        return None
    return CacheHit(v, status, final_url, reason, age)
