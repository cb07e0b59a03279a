"""``karabakh.lock``: what every quote saw, and the one drift policy the build and the CLI share.

What flows: the build turns its quotes into ``PinRequest``s and ``update_lock(lock, requests)``
decides what to pin; ``check_lock(lock, sources) -> [Drift]`` says, for each pin, what happened
since -- the same answer for ``sphinx-build`` and ``sphinx-karabakh lock check``:

* a quote by ID (``PASSAGE`` pin) is UNCHANGED while the text under its ID hashes the same,
  MOVED when that very text is now under another ID or range, CHANGED (with a diff of the
  source's own words, unchanged sentences elided) when its text changed, GONE when nothing
  similar remains;
* a typed quote (``TYPED``) is proved again: while it still verifies it has not drifted,
  whatever passage it now matches;
* a reviewed quote (``REVIEWED``: the rules reject it, a writer accepted it) holds while the
  passage it was accepted against keeps its text, and lapses when that text changes.

What is pinned: only quotes that verified (or were accepted); a quote that fails keeps its old
pin, a quote no longer in any document loses it.  The file is JSON with sorted keys, written
atomically (a temporary file, then a rename) and only when its content changed; a lock that cannot
be read is a ``LockError`` that names the file and line, never an empty lock.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx_karabakh.sources.ids import PassageId
from sphinx_karabakh.sources.model import (
    Drift,
    DriftKind,
    LockEntry,
    Passage,
    PassageKind,
    PinKind,
    SourceError,
)

if TYPE_CHECKING:
    from sphinx_karabakh.sources.sourceset import SourceSet

LOCK_VERSION = 2
#: Below this similarity a changed passage counts as gone.
CHANGED_FLOOR = 0.5
#: Keys of typed and reviewed pins start with this; the rest is the typed text.
TYPED = "typed: "
#: The largest lock file read.
MAX_LOCK_BYTES = 32 * 1024 * 1024


class LockError(SourceError):
    """The lock file cannot be read or is not a lock file (the message names file and line)."""


def typed_key(text: str) -> str:
    """The lock key of a typed quote: its text, whitespace collapsed."""
    return TYPED + " ".join(text.split())


def _str(value: Any, what: str, path: Path) -> str:
    if not isinstance(value, str):
        raise LockError(f"{what} must be a string, not {type(value).__name__}", path)
    return value


def _strs(value: Any, what: str, path: Path) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LockError(f"{what} must be a list of strings", path)
    return list(value)


class LockFile:
    """Pinned quotes by key."""

    def __init__(self, entries: dict[str, LockEntry] | None = None):
        self.entries: dict[str, LockEntry] = dict(entries or {})

    @classmethod
    def load(cls, path: str | Path, missing_ok: bool = True) -> LockFile:
        """Read a lock file.  A missing one is an empty lock when ``missing_ok``; anything that
        is not a readable lock file is a LockError."""
        path = Path(path)
        try:
            raw = path.read_bytes() if path.is_file() else None
        except OSError as exc:
            raise LockError(f"cannot read the lock file: {exc.strerror or exc}", path) from None
        if raw is None:
            if path.exists():
                raise LockError("the lock file is not a regular file", path)
            if missing_ok:
                return cls()
            raise LockError("no lock file here", path)
        if len(raw) > MAX_LOCK_BYTES:
            raise LockError(f"the lock file is larger than {MAX_LOCK_BYTES:,} bytes", path)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise LockError("the lock file is not valid UTF-8", path, line) from None
        if not text.strip():
            raise LockError("the lock file is empty", path)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LockError(f"malformed lock file: {exc.msg}", path, exc.lineno) from None
        except RecursionError:
            raise LockError("malformed lock file: nested too deeply", path) from None
        return cls(_entries(data, path, text))

    def dumps(self) -> str:
        data = {
            "version": LOCK_VERSION,
            "entries": {k: _entry_json(v) for k, v in sorted(self.entries.items())},
        }
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def save(self, path: str | Path) -> bool:
        """Write the lock atomically, only when its content changed; True when written."""
        path = Path(path)
        text = self.dumps()
        try:
            if path.is_file() and path.read_text(encoding="utf-8") == text:
                return False
        except (OSError, UnicodeDecodeError):
            pass
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return True

    def pin(self, key: str, passage: Passage, docs: Iterable[str] = ()) -> LockEntry:
        """Pin ``passage`` under ``key`` as a quote by ID (the build uses ``update_lock``)."""
        entry = LockEntry(passage.id, passage.hash, passage.text, sorted(set(docs)))
        self.entries[key] = entry
        return entry

    def check(self, sources: SourceSet) -> list[Drift]:
        """One Drift per entry (sorted by key), UNCHANGED included."""
        return check_lock(self, sources)


def _entry_json(entry: LockEntry) -> dict[str, Any]:
    out = asdict(entry)
    out["kind"] = str(entry.kind)
    for optional in ("quote", "target", "members", "note"):
        if not out[optional]:
            del out[optional]
    return out


def _entries(data: Any, path: Path, text: str) -> dict[str, LockEntry]:
    if not isinstance(data, dict) or not isinstance(data.get("entries", {}), dict):
        raise LockError("a lock file is an object with an 'entries' object", path)
    version = data.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version > LOCK_VERSION:
        raise LockError(
            f"lock file version {version!r} is not one this sphinx-karabakh reads "
            f"(1 to {LOCK_VERSION})",
            path,
        )
    entries: dict[str, LockEntry] = {}
    for key, raw in data.get("entries", {}).items():
        try:
            entries[key] = _entry(key, raw, path)
        except LockError as exc:  # only now: find the entry's line (one scan, for the message)
            quoted = json.dumps(key, ensure_ascii=False)
            line = next((i + 1 for i, ln in enumerate(text.splitlines()) if quoted in ln), None)
            raise LockError(f"entry {key!r}: {exc.reason}", path, line) from None
    return entries


def _entry(key: str, raw: Any, path: Path) -> LockEntry:
    if not isinstance(raw, dict) or not {"passage", "hash"} <= raw.keys():
        raise LockError("needs 'passage' and 'hash'", path)
    kind_raw = raw.get("kind", "typed" if key.startswith(TYPED) else "passage")
    try:
        kind = PinKind(kind_raw)
    except ValueError:
        raise LockError(f"unknown kind {kind_raw!r}", path) from None
    return LockEntry(
        passage=_str(raw["passage"], "'passage'", path),
        hash=_str(raw["hash"], "'hash'", path),
        text=_str(raw.get("text", ""), "'text'", path),
        docs=_strs(raw.get("docs", []), "'docs'", path),
        kind=kind,
        quote=_str(
            raw.get("quote", key[len(TYPED) :] if key.startswith(TYPED) else ""), "'quote'", path
        ),
        target=_str(raw.get("target", ""), "'target'", path),
        members=_strs(raw.get("members", []), "'members'", path),
        note=_str(raw.get("note", ""), "'note'", path),
    )


_READ_CACHE: dict[str, tuple[tuple[int, int, int], LockFile]] = {}


def read_lock_cached(path: Path) -> LockFile:
    """``LockFile.load`` once per version of the file on disk (directives ask it per quote)."""
    try:
        st = os.stat(path)
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError:
        stamp = (0, -1, 0)
    hit = _READ_CACHE.get(str(path))
    if hit is not None and hit[0] == stamp:
        return hit[1]
    lock = LockFile.load(path)
    if len(_READ_CACHE) > 16:
        _READ_CACHE.clear()
    _READ_CACHE[str(path)] = (stamp, lock)
    return lock


# --- what to pin ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PinRequest:
    """One quote of this build, as the lock policy needs it."""

    key: str
    kind: PinKind
    ok: bool  # verified, or accepted by a review
    passage: Passage | None  # what it matched (the closest passage for a failing typed quote)
    members: tuple[str, ...] = ()
    quote: str = ""
    target: str = ""
    note: str = ""
    docs: tuple[str, ...] = field(default=())


def update_lock(lock: LockFile, requests: Iterable[PinRequest], update: bool = False) -> LockFile:
    """The lock after this build: see the module docstring.  ``update`` re-pins every quote
    that is right now (the writer accepts the drift: ``karabakh_lock_update``)."""
    by_key: dict[str, list[PinRequest]] = {}
    for r in requests:
        by_key.setdefault(r.key, []).append(r)
    out: dict[str, LockEntry] = {}
    for key, reqs in sorted(by_key.items()):
        docs = sorted({d for r in reqs for d in r.docs})
        good = next((r for r in reqs if r.ok and r.passage is not None), None)
        old = lock.entries.get(key)
        if good is None:  # failing now: the old pin stays (it says what was right)
            if old is not None:
                out[key] = _with_docs(old, docs)
            continue
        follows = good.kind is PinKind.TYPED  # a typed quote that verifies is pinned anew
        if old is None or update or follows or old.kind is not good.kind:
            out[key] = _pin(good, docs)
        else:
            out[key] = _with_docs(old, docs)
    return LockFile(out)


def _with_docs(entry: LockEntry, docs: list[str]) -> LockEntry:
    return LockEntry(**{**asdict(entry), "kind": entry.kind, "docs": docs})


def _pin(r: PinRequest, docs: list[str]) -> LockEntry:
    assert r.passage is not None
    return LockEntry(
        passage=r.passage.id,
        hash=r.passage.hash,
        text=r.passage.text,
        docs=docs,
        kind=r.kind,
        quote=r.quote if r.kind is not PinKind.PASSAGE else "",
        target=r.target if r.kind is not PinKind.PASSAGE else "",
        members=list(r.members) if len(r.members) > 1 else [],
        note=r.note if r.kind is PinKind.REVIEWED else "",
    )


# --- what drifted ------------------------------------------------------------------------------


def review_lapse(lock: LockFile, typed: str, passage: Passage | None) -> str | None:
    """Why the review of a typed quote no longer holds (None: it holds, or it is new).

    The acceptance is the lock's ``REVIEWED`` pin of the quote: it holds while the passage it was
    accepted against has the same text (``passage`` is what the quote matches now, or None).
    """
    entry = lock.entries.get(typed_key(typed))
    if entry is None or entry.kind is not PinKind.REVIEWED:
        return None
    if passage is not None and entry.hash == passage.hash:
        return None
    return f"the passage it was accepted against ({entry.passage}) changed since"


def build_drift(lock: LockFile, sources: SourceSet, failing: Mapping[str, bool]) -> list[Drift]:
    """The drift a build reports for the quotes of its documents (``failing``: key -> does a
    quote under that key fail in this build).

    The same policy as ``check_lock``, without saying a quote's problem twice: a typed pin's
    test is "does the quote still verify", which the build has just answered for every typed
    quote it holds (a failing one is a misquote where it is written), so typed pins are not
    verified again; and a reviewed pin whose quote fails is the lapse already warned about.
    """
    keys = [
        k for k in failing if k not in lock.entries or lock.entries[k].kind is not PinKind.TYPED
    ]
    return [
        d
        for d in check_lock(lock, sources, keys=keys)
        if d.drifted and (d.pin is PinKind.PASSAGE or not failing[d.key])
    ]


def check_lock(
    lock: LockFile, sources: SourceSet, keys: Iterable[str] | None = None
) -> list[Drift]:
    """One Drift per entry (or per key of ``keys`` that is pinned), sorted by key."""
    wanted = sorted(lock.entries) if keys is None else sorted(set(keys) & set(lock.entries))
    return [check_entry(k, lock.entries[k], sources) for k in wanted]


def check_entry(key: str, entry: LockEntry, sources: SourceSet) -> Drift:
    """What happened to one pin in the current sources."""
    if entry.kind is PinKind.TYPED:
        return _check_typed(key, entry, sources)
    try:
        current = sources.get_passage(entry.passage)
    except KeyError:
        current = None
    if current is not None and current.hash == entry.hash:
        return Drift(DriftKind.UNCHANGED, key, entry.passage, entry.passage, 1.0, pin=entry.kind)
    moved = _moved(entry, sources)
    if moved is not None:
        kind = DriftKind.UNCHANGED if entry.kind is PinKind.REVIEWED else DriftKind.MOVED
        return Drift(kind, key, entry.passage, moved, 1.0, pin=entry.kind)
    return _changed(key, entry, sources, current)


def _check_typed(key: str, entry: LockEntry, sources: SourceSet) -> Drift:
    quote = entry.quote or key[len(TYPED) :]
    target = entry.target or None
    if target and ":" in target:
        match = sources.verify(quote, passage=target)
    else:
        match = sources.verify(quote, source=target)
    if match.ok:
        return Drift(DriftKind.UNCHANGED, key, entry.passage, match.passage, 1.0, pin=PinKind.TYPED)
    drift = _changed(key, entry, sources, _passage_or_none(sources, entry.passage))
    return Drift(
        drift.kind if drift.kind is DriftKind.GONE else DriftKind.CHANGED,
        key,
        entry.passage,
        match.passage or drift.new_passage,
        drift.similarity,
        drift.diff,
        PinKind.TYPED,
        f"the quote no longer verifies: {match.reason or match.verdict}",
    )


def _passage_or_none(sources: SourceSet, pid: str) -> Passage | None:
    try:
        return sources.get_passage(pid)
    except KeyError:
        return None


def _pool(entry: LockEntry, sources: SourceSet) -> tuple[Any, tuple[Passage, ...]] | None:
    """The pin's source and the passages of its kind there (paragraphs, or sentences), parsing
    the pinned ID once; None when the source is gone or the ID is no ID."""
    try:
        pid = PassageId.parse(entry.passage)
    except ValueError:
        return None
    src = sources.get(pid.source)
    if src is None:
        return None
    pool = src.paragraphs if pid.member_kind is PassageKind.PARAGRAPH else src.all_sentences
    return src, pool


def _range(first: Passage, last: Passage) -> str:
    """The range ID from ``first`` to ``last`` (two passages of one source and kind)."""
    a, b = PassageId.parse(first.id), PassageId.parse(last.id)
    return str(PassageId(a.source, a.start, b.start))


def _moved(entry: LockEntry, sources: SourceSet) -> str | None:
    """The ID or range that now holds exactly the pinned text, if any."""
    found = _pool(entry, sources)
    if found is None:
        return None
    _, pool = found
    if not entry.members:
        for p in pool:
            if p.hash == entry.hash:
                return p.id
        return _range_with_hash(sources, pool, entry)
    n = len(entry.members)
    hashes = [p.hash for p in pool]
    for i in range(len(hashes) - n + 1):
        if hashes[i : i + n] == entry.members:
            return _range(pool[i], pool[i + n - 1])
    return _range_with_hash(sources, pool, entry)


def _range_with_hash(sources: SourceSet, pool: tuple[Passage, ...], entry: LockEntry) -> str | None:
    """A run of passages whose joined text is the pinned text (a paragraph split in two, or a
    range re-cut): runs are grown only while their text is a prefix of the pinned one."""
    from sphinx_karabakh.sources.normalize import normalize

    if not pool:
        return None
    src = sources[pool[0].source]
    old = normalize(entry.text, src.markdown).text
    for i, first in enumerate(pool):
        joined = src.normalized(first.id).text
        if not joined or not old.startswith(joined):
            continue
        for j in range(i + 1, len(pool)):
            joined = f"{joined} {src.normalized(pool[j].id).text}"
            if not old.startswith(joined):
                break
            rid = _range(first, pool[j])
            if len(joined) >= len(old) - 2 and sources.get_passage(rid).hash == entry.hash:
                return rid
    return None


def _changed(key: str, entry: LockEntry, sources: SourceSet, current: Passage | None) -> Drift:
    """The closest passage now (the same ID first, else any of the same kind), with a diff."""
    from rapidfuzz import fuzz, process

    from sphinx_karabakh.sources.normalize import normalize

    found = _pool(entry, sources)
    if found is None or not entry.text:
        return Drift(DriftKind.GONE, key, entry.passage, pin=entry.kind)
    src, pool = found
    old_norm = normalize(entry.text, src.markdown).lower
    candidates: list[tuple[str, str]] = []
    if current is not None:
        candidates.append((current.id, sources.normalized(current.id).lower))
    candidates += [
        (p.id, src.normalized(p.id).lower) for p in pool if current is None or p.id != current.id
    ]
    best = process.extractOne(old_norm, [c for _, c in candidates], scorer=fuzz.ratio)
    score = (best[1] / 100.0) if best else 0.0
    if current is not None:
        same = fuzz.ratio(old_norm, candidates[0][1]) / 100.0
        if same >= CHANGED_FLOOR and same >= score - 0.15:  # prefer the pinned ID when close
            best, score = (candidates[0][1], same * 100, 0), same
    if best is None or score < CHANGED_FLOOR:
        return Drift(
            DriftKind.GONE, key, entry.passage, similarity=_shown_similarity(score), pin=entry.kind
        )
    new_id = candidates[best[2]][0]
    new = sources.get_passage(new_id)
    diff = sentence_diff(_shown_text(src, entry.text), _shown_text(src, _own_text(sources, new)))
    return Drift(
        DriftKind.CHANGED,
        key,
        entry.passage,
        new_id,
        _shown_similarity(score),
        diff,
        entry.kind,
        "",
    )


def _own_text(sources: SourceSet, passage: Passage) -> str:
    """A passage's text as it stands in its source (a range: its members, furniture left out)."""
    if passage.kind is not PassageKind.RANGE:
        return passage.text
    return "\n\n".join(m.text for m in sources.members(passage.id))


def _shown_similarity(score: float) -> float:
    """Rounded down, and never 1.00 for text that changed."""
    return min(int(score * 100) / 100.0, 0.99)


def _shown_text(src: Any, raw: str) -> str:
    """The source's own words as a reader sees them: whitespace collapsed, Markdown markup dropped."""
    if src.markdown:
        from sphinx_karabakh.sources.markdown import markdown_text

        raw = markdown_text(raw).text
    return " ".join(raw.split())


def sentence_diff(old: str, new: str) -> str:
    """A word diff of two texts that shows only the sentences that changed (``…`` for the rest)."""
    from sphinx_karabakh.sources.match import word_diff
    from sphinx_karabakh.sources.normalize import fold_quote_marks, normalize
    from sphinx_karabakh.sources.passages import sentence_spans

    def split(text: str) -> list[str]:
        return [text[a:b].strip() for a, b in sentence_spans(fold_quote_marks(text))]

    a, b = split(old), split(new)
    keys_a = [normalize(s).lower for s in a]
    keys_b = [normalize(s).lower for s in b]
    sm = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    out: list[str] = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            if not out or out[-1] != "…":
                out.append("…")
            continue
        if op == "replace":
            out.append(word_diff(" ".join(a[i1:i2]), " ".join(b[j1:j2])))
        elif op == "delete":
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        else:
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out)
