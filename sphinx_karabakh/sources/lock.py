"""``karabakh.lock``: the hash of every passage a document quotes, and what drifted since.

What flows: ``LockFile.pin(key, passage)`` while building; ``LockFile.check(sources) ->
[Drift]`` on the next build: UNCHANGED (same hash under the same ID), MOVED (the same normalised
text now under another ID), CHANGED (the closest passage, with similarity and word diff), GONE.
Keys are opaque to this module (the Sphinx layer uses ``"<docname>#<passage-id>"``).
The file is JSON with sorted keys, indent 2 and a final newline, so it diffs well in review.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from rapidfuzz import fuzz, process

from sphinx_karabakh.sources.model import (
    Drift,
    DriftKind,
    LockEntry,
    Passage,
    PassageKind,
    SourceError,
)
from sphinx_karabakh.sources.normalize import normalize

LOCK_VERSION = 1
#: Below this similarity a changed passage counts as gone.
CHANGED_FLOOR = 0.5


class LockFile:
    """Pinned passages by key."""

    def __init__(self, entries: dict[str, LockEntry] | None = None):
        self.entries: dict[str, LockEntry] = dict(entries or {})

    @classmethod
    def load(cls, path: str | Path) -> LockFile:
        """Read a lock file; a missing file is an empty lock, a broken one a SourceError."""
        path = Path(path)
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise SourceError(f"malformed lock file: {exc.msg}", path, exc.lineno) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SourceError(f"cannot read lock file: {exc}", path) from None
        if not isinstance(data, dict) or not isinstance(data.get("entries", {}), dict):
            raise SourceError("lock file must be an object with an 'entries' object", path)
        entries: dict[str, LockEntry] = {}
        for key, raw in data.get("entries", {}).items():
            if not isinstance(raw, dict) or not {"passage", "hash"} <= raw.keys():
                raise SourceError(f"lock entry {key!r} needs 'passage' and 'hash'", path)
            entries[key] = LockEntry(
                passage=str(raw["passage"]),
                hash=str(raw["hash"]),
                text=str(raw.get("text", "")),
                docs=[str(d) for d in raw.get("docs", [])],
            )
        return cls(entries)

    def dumps(self) -> str:
        data = {
            "version": LOCK_VERSION,
            "entries": {k: asdict(v) for k, v in sorted(self.entries.items())},
        }
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def save(self, path: str | Path) -> None:
        """Write the lock (only when its content changed, so file times stay put)."""
        path = Path(path)
        text = self.dumps()
        if path.exists() and path.read_text(encoding="utf-8") == text:
            return
        path.write_text(text, encoding="utf-8")

    def pin(self, key: str, passage: Passage, docs: list[str] | None = None) -> LockEntry:
        """Record (or refresh) the passage quoted under ``key``."""
        entry = LockEntry(passage.id, passage.hash, passage.text, sorted(set(docs or [])))
        self.entries[key] = entry
        return entry

    def check(self, sources) -> list[Drift]:
        """One Drift per entry (sorted by key), UNCHANGED included."""
        return [check_entry(key, entry, sources) for key, entry in sorted(self.entries.items())]


def check_entry(key: str, entry: LockEntry, sources) -> Drift:
    """What happened to one pinned passage in the current ``SourceSet``."""
    try:
        current = sources.get_passage(entry.passage)
    except KeyError:
        current = None
    if current is not None and current.hash == entry.hash:
        return Drift(DriftKind.UNCHANGED, key, entry.passage, entry.passage, 1.0)
    sid = entry.passage.split(":", 1)[0]
    src = sources.get(sid)
    if src is None:
        return Drift(DriftKind.GONE, key, entry.passage)
    kind = _kind_of(entry.passage)  # a range is compared with passages of its ends' kind
    same_kind = [p for p in src.passages if p.kind == kind]
    for p in same_kind:
        if p.hash == entry.hash:
            return Drift(DriftKind.MOVED, key, entry.passage, p.id, 1.0)
    if not entry.text:
        return Drift(DriftKind.GONE, key, entry.passage)
    ids = [p.id for p in same_kind]
    choices = [src.normalized(pid).lower for pid in ids]
    if current is not None and current.kind is PassageKind.RANGE:
        ids.append(current.id)  # the same range, edited
        choices.append(sources.normalized(current.id).lower)
    old = normalize(entry.text, src.markdown)
    best = process.extractOne(old.lower, choices, scorer=fuzz.ratio) if choices else None
    if best is None or best[1] / 100.0 < CHANGED_FLOOR:
        return Drift(
            DriftKind.GONE, key, entry.passage, similarity=round((best[1] if best else 0) / 100, 3)
        )
    from sphinx_karabakh.sources.match import word_diff

    new_id = ids[best[2]]
    new_text = (
        sources.normalized(new_id) if new_id == entry.passage else src.normalized(new_id)
    ).text
    diff = word_diff(old.text, new_text)
    return Drift(DriftKind.CHANGED, key, entry.passage, new_id, round(best[1] / 100.0, 3), diff)


def _kind_of(pid: str) -> PassageKind:
    """Paragraph or sentence, from an ID (a range: the kind of its ends)."""
    tail = pid.split(":", 1)[-1]
    return PassageKind.SENTENCE if ".s" in tail or "-s" in tail else PassageKind.PARAGRAPH
