"""Sphinx feature module ``quotes``: sources, passages, quote directives/roles, the lock file.

What flows, build by build:

1. ``config-inited``: the ``karabakh_*`` values are checked (``config.py``: a wrong one stops the
   build with a clear message), paths made absolute, and a sources directory inside the Sphinx
   source directory is excluded from the documents.
2. ``env-get-outdated`` (main process): the sources are read again and compared by content; the
   documents that read a source whose content changed -- and, when any source changed, those
   that hold a failing quote -- are read again.  A ``touch`` re-reads nothing.
3. ``env-before-read-docs``: a broken metadata or source file is a ``karabakh.source`` warning,
   never a crash.
4. Reading: directives and roles (``directives.py``, ``roles.py``) record per-document facts in
   the ``karabakh`` domain: quotes with their verdicts, the sources each document read, and
   every warning as a *finding*.
5. ``env-updated`` (main process, every build): cross-document results are derived, every
   finding of every document is reported again -- so a wrong quote fails each build, whether
   its document was read this time or not -- and the lock file is checked for drift with the
   stage's own policy (``sources.lock``, the same as ``sphinx-karabakh lock check``).
6. Writing: ``FillPlaceholders`` turns placeholders into nodes.
7. ``build-finished`` (main process): the lock is updated by that policy (written atomically,
   only pins of quotes that are right) and the CSS is copied into ``_static``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.fileutil import copy_asset_file

from sphinx_karabakh.sources.lock import (
    LockError,
    LockFile,
    PinRequest,
    build_drift,
    read_lock_cached,
    typed_key,
    update_lock,
)
from sphinx_karabakh.sources.model import Drift, DriftKind, PinKind, SourceError
from sphinx_karabakh.sphinx import config as kconfig
from sphinx_karabakh.sphinx import nodes as knodes
from sphinx_karabakh.sphinx.directives import (
    AnnotationDirective,
    QuoteDirective,
    SourceDirective,
    SourcesTableDirective,
    VerifyDirective,
)
from sphinx_karabakh.sphinx.domain import (
    ALL_SOURCES,
    REVIEWED,
    UNKNOWN,
    KarabakhDomain,
    QuoteRecord,
)
from sphinx_karabakh.sphinx.passages import LoadedSources, loaded_sources
from sphinx_karabakh.sphinx.roles import CheckedXRefRole, QuoteRole, VerifyRole
from sphinx_karabakh.sphinx.transforms import FillPlaceholders

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
CSS_FILE = "karabakh.css"


def _source_docs(value: Any, _ctx: kconfig.Context) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        if "{id}" not in value:
            raise ValueError(
                f"a pattern must contain '{{id}}', e.g. 'sources/{{id}}'; got {value!r}"
            )
        return value
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not isinstance(item, str):
                raise ValueError(f"maps source IDs to docnames (str -> str); got {key!r}: {item!r}")
        return value
    raise ValueError("expected a {source ID: docname} dict, a pattern with '{id}', or None")


OPTIONS = (
    kconfig.Option(
        "karabakh_sources",
        None,
        "env",
        kconfig.path(allow_none=True, must_be_dir=True),
        "directory with sources.toml and the source files (relative to conf.py)",
        (str, os.PathLike, type(None)),
    ),
    kconfig.Option(
        "karabakh_sources_metadata",
        "sources.toml",
        "env",
        kconfig.text(allow_empty=False),
        "the metadata file's name inside karabakh_sources",
        (str,),
    ),
    kconfig.Option(
        "karabakh_lockfile",
        "karabakh.lock",
        "env",
        kconfig.path(allow_none=True),
        "the lock file (relative to conf.py); None: no lock",
        (str, os.PathLike, type(None)),
    ),
    kconfig.Option(
        "karabakh_lock_update",
        False,
        "env",
        kconfig.boolean,
        "re-pin every quote that is right now (accept drift, renew reviews)",
        (bool,),
    ),
    kconfig.Option(
        "karabakh_source_docs",
        None,
        "env",
        _source_docs,
        "which document shows each source: {id: docname} or a pattern like 'sources/{id}'",
        (dict, str, type(None)),
    ),
)


def exclude_sources_dir(app: Sphinx, config: Config) -> None:
    """``config-inited`` (after validation): a sources directory inside the Sphinx source
    directory holds source files, not documents -- leave it out of the documents."""
    if not config.karabakh_sources:
        return
    srcdir = Path(app.srcdir).resolve()
    sources = Path(config.karabakh_sources)
    if sources == srcdir:
        logger.warning(
            "karabakh_sources is the Sphinx source directory itself: its .md/.txt files are "
            "read as documents too; keep the sources in a directory of their own",
            type="karabakh",
            subtype="config",
        )
        return
    if srcdir not in sources.parents:
        return
    pattern = sources.relative_to(srcdir).as_posix()
    if pattern not in config.exclude_patterns:
        config.exclude_patterns = [*config.exclude_patterns, pattern]


def _sources(app: Sphinx, refresh: bool = False) -> LoadedSources | None:
    return loaded_sources(app.config, app.srcdir, refresh=refresh)


def _domain(env: BuildEnvironment) -> KarabakhDomain:
    return cast(KarabakhDomain, env.get_domain("karabakh"))


def outdated_by_content(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """``env-get-outdated``: read the sources again; name the documents they make outdated."""
    loaded = _sources(app, refresh=True)
    domain = _domain(env)
    if loaded is None:
        return []
    out: set[str] = set()
    for doc, used in domain.uses.items():
        for sid, fp in used.items():
            if sid.startswith("?"):  # a link: only whether its target exists matters
                now = "1" if _exists(loaded, sid[1:]) else ""
            elif sid == ALL_SOURCES:
                now = loaded.fingerprint
            else:
                now = loaded.fingerprint_of(sid)
            if now != fp:
                out.add(doc)
                break
    before = domain.data.get("sources_fingerprint", "")
    if before and before != loaded.fingerprint:
        out |= domain.failing_docs()  # a change anywhere may fix (or move) a failing quote
    domain.data["sources_fingerprint"] = loaded.fingerprint
    return sorted(out & env.found_docs)


def _exists(loaded: LoadedSources, what_target: str) -> bool:
    what, _, target = what_target.partition(":")
    if loaded.sourceset is None:
        return False
    if what == "source":
        return target in loaded.sourceset
    try:
        loaded.sourceset.get_passage(target)
    except KeyError:
        return False
    return True


def before_read(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Report what cannot be read in the sources (every build)."""
    loaded = _sources(app)
    if loaded is None:
        return
    for error in loaded.errors:
        _warn_located(error, "(the build goes on without it)")
    for note in loaded.warnings:
        _warn_located(note, "")


def _warn_located(error: SourceError, tail: str) -> None:
    # "file:line" is taken as is; a bare path would be read as a docname, so it goes into the
    # message instead.
    location = f"{error.path}:{error.line}" if error.path and error.line else None
    where = f"{error.path}: " if error.path and not error.line else ""
    logger.warning(
        f"{where}{error.reason}{' ' + tail if tail else ''}",
        location=location,
        type="karabakh",
        subtype="source",
    )


def configured_source_docs(app: Sphinx, loaded: LoadedSources | None) -> dict[str, str]:
    docs = app.config.karabakh_source_docs
    if isinstance(docs, dict):
        return dict(docs)
    if isinstance(docs, str) and loaded is not None:
        return {sid: docs.format(id=sid) for sid in loaded.ids}
    return {}


def env_updated(app: Sphinx, env: BuildEnvironment) -> Iterable[str]:
    """Derive cross-document results, report every finding and the drift, name pages to rewrite."""
    domain = _domain(env)
    old = domain.data.get("derived")
    before = dict(old.fingerprints) if old is not None else {}
    loaded = _sources(app)
    domain.derive(configured_source_docs(app, loaded))
    drifted: set[tuple[str, int | None]] = set()
    if loaded is not None and loaded.sourceset is not None:
        drifted = report_drift(app, domain, loaded)
    report_findings(domain, skip_unknown_at=drifted)
    return domain.docs_to_rewrite(before)


def report_findings(domain: KarabakhDomain, skip_unknown_at: set[tuple[str, int | None]]) -> None:
    """Every kept warning of every document, again (the build is not green while one exists)."""
    for f in domain.all_findings():
        if f.subtype == "unknown-passage" and (f.docname, f.lineno) in skip_unknown_at:
            continue  # the drift warning at this place says more (the passage moved or went)
        location = f.where or ((f.docname, f.lineno) if f.lineno else f.docname)
        logger.warning(f.message, location=location, type="karabakh", subtype=f.subtype)


# --- the lock file ------------------------------------------------------------------------------


def lock_key(record: QuoteRecord) -> str:
    """The lock entry of a quote: by ID under the ID, typed under its text (``typed: …``)."""
    if record.kind == "verify":
        return typed_key(record.typed)
    return record.passage


def _read_lock(app: Sphinx, warn: bool = True) -> LockFile | None:
    """The lock (empty when there is none yet), read once per version of the file; None when
    it is broken (after a ``karabakh.lock`` warning, when ``warn``)."""
    path = Path(app.config.karabakh_lockfile)
    try:
        return read_lock_cached(path)
    except LockError as exc:
        if warn:
            fix = (
                "it is left as it is; fix it, or re-pin every quote with -D karabakh_lock_update=1"
            )
            location = f"{exc.path}:{exc.line}" if exc.line else None
            where = "" if exc.line else f"{path}: "
            logger.warning(
                f"{where}{exc.reason}: {fix}", location=location, type="karabakh", subtype="lock"
            )
        return None


def report_drift(
    app: Sphinx, domain: KarabakhDomain, loaded: LoadedSources
) -> set[tuple[str, int | None]]:
    """``karabakh.drift`` at every place that quotes a pin the stage says drifted
    (``sources.lock.build_drift``); returns the places warned about."""
    if app.config.karabakh_lockfile is None or app.config.karabakh_lock_update:
        return set()  # with lock_update the pins are being refreshed: nothing to report
    lock = _read_lock(app)
    if lock is None or not lock.entries:
        return set()
    records: dict[str, list[QuoteRecord]] = {}
    for r in domain.all_quotes():
        records.setdefault(lock_key(r), []).append(r)
    failing = {key: any(r.failing for r in quoting) for key, quoting in records.items()}
    assert loaded.sourceset is not None
    places: set[tuple[str, int | None]] = set()
    for drift in build_drift(lock, loaded.sourceset, failing):
        message = drift_message(drift)
        locations = {(r.docname, r.lineno) for r in records[drift.key]}
        for docname, lineno in sorted(locations, key=lambda x: (x[0], x[1] or 0)):
            logger.warning(message, location=(docname, lineno), type="karabakh", subtype="drift")
            places.add((docname, lineno))
    return places


def drift_message(drift: Drift) -> str:
    fix = " (fix the quote, or accept with -D karabakh_lock_update=1)"
    old = drift.old_passage
    if drift.kind is DriftKind.MOVED:
        return f"quoted passage {old} moved: the same text is now {drift.new_passage}{fix}"
    if drift.kind is DriftKind.CHANGED:
        now = (
            f" (now {drift.new_passage})" if drift.new_passage and drift.new_passage != old else ""
        )
        why = f"; {drift.reason}" if drift.reason else ""
        return (
            f"quoted passage {old} changed since it was pinned{now}, similarity "
            f"{drift.similarity:.2f}{why}; diff: {drift.diff}{fix}"
        )
    return f"quoted passage {old} is gone from its source{fix}"


def pin_requests(domain: KarabakhDomain, loaded: LoadedSources) -> list[PinRequest]:
    """Every quote of the documents, as the lock policy needs it."""
    sourceset = loaded.sourceset
    assert sourceset is not None
    out = []
    for r in domain.all_quotes():
        if r.kind == UNKNOWN:
            out.append(PinRequest(r.passage, PinKind.PASSAGE, False, None, docs=(r.docname,)))
            continue
        kind = (
            PinKind.PASSAGE
            if r.kind != "verify"
            else PinKind.REVIEWED
            if r.verdict == REVIEWED
            else PinKind.TYPED
        )
        try:
            passage = sourceset.get_passage(r.passage)
        except KeyError:
            passage = None
        ok = not r.failing and passage is not None and passage.hash == r.hash
        out.append(
            PinRequest(
                lock_key(r),
                kind,
                ok,
                passage,
                r.members,
                r.typed,
                r.target,
                r.note,
                (r.docname,),
            )
        )
    return out


def write_lock(app: Sphinx, exc: BaseException | None) -> None:
    """``build-finished``: the lock after this build, by the stage's policy (``update_lock``)."""
    if exc is not None or app.config.karabakh_lockfile is None or not app.config.karabakh_sources:
        return
    loaded = _sources(app)
    if loaded is None or loaded.sourceset is None:
        return
    path = Path(app.config.karabakh_lockfile)
    lock = LockFile() if app.config.karabakh_lock_update else _read_lock(app, warn=False)
    if lock is None:
        return  # broken: left as it is until the writer re-pins (reported in env-updated)
    domain = _domain(app.env)
    new = update_lock(lock, pin_requests(domain, loaded), update=app.config.karabakh_lock_update)
    if new.entries or path.exists():
        new.save(path)  # atomic, and only when the content changed


def copy_static(app: Sphinx, exc: BaseException | None) -> None:
    if exc is None and app.builder.format == "html":
        copy_asset_file(STATIC / CSS_FILE, Path(app.outdir) / "_static", force=True)


def build_finished(app: Sphinx, exc: BaseException | None) -> None:
    try:
        write_lock(app, exc)
    except OSError as err:  # e.g. a read-only checkout: say so, do not fail the build
        logger.warning(
            f"cannot write the lock file {app.config.karabakh_lockfile}: {err}",
            type="karabakh",
            subtype="config",
        )
    copy_static(app, exc)


def setup(app: Sphinx) -> None:
    """Register this feature's config values, nodes, directives, roles and events."""
    kconfig.register(app, OPTIONS)
    for node in knodes.PLACEHOLDERS:
        app.add_node(node, **cast(Any, knodes.VISITORS))
    app.add_node(
        knodes.passage_text, html=(knodes.visit_passage_text_html, knodes.depart_passage_text_html)
    )
    app.add_domain(KarabakhDomain)
    app.add_directive_to_domain("karabakh", "quote", QuoteDirective)
    app.add_directive_to_domain("karabakh", "verify", VerifyDirective)
    app.add_directive_to_domain("karabakh", "source", SourceDirective)
    app.add_directive_to_domain("karabakh", "annotation", AnnotationDirective)
    app.add_directive_to_domain("karabakh", "sources-table", SourcesTableDirective)
    app.add_role_to_domain("karabakh", "q", QuoteRole())
    app.add_role_to_domain("karabakh", "verify", VerifyRole())
    app.add_role_to_domain("karabakh", "passage", CheckedXRefRole("passage"))
    app.add_role_to_domain("karabakh", "source", CheckedXRefRole("source"))
    app.add_post_transform(FillPlaceholders)
    app.add_css_file(CSS_FILE)
    app.connect("config-inited", exclude_sources_dir, priority=600)
    app.connect("env-get-outdated", outdated_by_content)
    app.connect("env-before-read-docs", before_read)
    app.connect("env-updated", env_updated)
    app.connect("build-finished", build_finished)
