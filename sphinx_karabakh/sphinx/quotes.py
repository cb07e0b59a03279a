"""Sphinx feature module ``quotes``: sources, passages, quote directives/roles, the lock file.

What flows, build by build:

1. ``config-inited``: the ``karabakh_*`` values are checked (a wrong one stops the build with a
   clear message) and paths made absolute.
2. ``env-before-read-docs`` (main process): the sources are (re)loaded when their content hash
   changed; a broken metadata or source file is a ``karabakh.source`` warning, never a crash.
3. Reading: directives and roles (``directives.py``, ``roles.py``) record per-document facts in
   the ``karabakh`` domain and note each quoted source file as a dependency of the document.
4. ``env-updated`` (main process): cross-document results are derived, the lock file is checked
   for drift (``karabakh.drift``), and the pages whose "quoted in" lists, annotations or counts
   changed are scheduled for writing.
5. Writing: ``FillPlaceholders`` turns placeholders into nodes.
6. ``build-finished`` (main process): the lock file pins every quoted passage and the CSS is
   copied into ``_static``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.errors import ConfigError
from sphinx.util import logging
from sphinx.util.fileutil import copy_asset_file

from sphinx_karabakh.sources.model import Drift, DriftKind, SourceError
from sphinx_karabakh.sphinx import nodes as knodes
from sphinx_karabakh.sphinx.directives import (
    AnnotationDirective,
    QuoteDirective,
    SourceDirective,
    SourcesTableDirective,
    VerifyDirective,
)
from sphinx_karabakh.sphinx.domain import KarabakhDomain, QuoteRecord
from sphinx_karabakh.sphinx.passages import LoadedSources, loaded_sources
from sphinx_karabakh.sphinx.roles import QuoteRole, VerifyRole
from sphinx_karabakh.sphinx.transforms import FillPlaceholders

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
CSS_FILE = "karabakh.css"

#: name -> (default, rebuild scope, accepted types)
CONFIG_VALUES: dict[str, tuple[Any, str, tuple[type, ...]]] = {
    "karabakh_sources": (None, "env", (str, os.PathLike, type(None))),
    "karabakh_sources_metadata": ("sources.toml", "env", (str,)),
    "karabakh_lockfile": ("karabakh.lock", "env", (str, os.PathLike, type(None))),
    "karabakh_lock_update": (False, "env", (bool,)),
    "karabakh_source_docs": (None, "env", (dict, str, type(None))),
}


def _config_error(name: str, message: str) -> ConfigError:
    return ConfigError(f"sphinx-karabakh: {name}: {message}")


def check_config(app: Sphinx, config: Config) -> None:
    """``config-inited``: validate every ``karabakh_*`` value; make paths absolute."""
    for name, (_default, _scope, types) in CONFIG_VALUES.items():
        value = getattr(config, name)
        if not isinstance(value, types):
            allowed = " or ".join("None" if t is type(None) else t.__name__ for t in types)
            raise _config_error(name, f"expected {allowed}, got {type(value).__name__} {value!r}")
    confdir = Path(app.confdir)
    if config.karabakh_sources is not None:
        directory = (confdir / config.karabakh_sources).resolve()
        if not directory.is_dir():
            raise _config_error(
                "karabakh_sources",
                f"{directory} is not a directory (relative paths start at {confdir})",
            )
        config.karabakh_sources = str(directory)
    if not config.karabakh_sources_metadata.strip():
        raise _config_error("karabakh_sources_metadata", "must name a file, e.g. 'sources.toml'")
    if config.karabakh_lockfile is not None:
        config.karabakh_lockfile = str((confdir / config.karabakh_lockfile).resolve())
    docs = config.karabakh_source_docs
    if isinstance(docs, str) and "{id}" not in docs:
        raise _config_error(
            "karabakh_source_docs",
            f"a pattern must contain '{{id}}', e.g. 'sources/{{id}}'; got {docs!r}",
        )
    if isinstance(docs, dict):
        for key, value in docs.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise _config_error(
                    "karabakh_source_docs",
                    f"maps source IDs to docnames (str -> str); got {key!r}: {value!r}",
                )


def _sources(app: Sphinx, refresh: bool = False) -> LoadedSources | None:
    return loaded_sources(app.config, app.srcdir, refresh=refresh)


def before_read(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Load (or reuse) the sources once per build; report what cannot be read."""
    loaded = _sources(app, refresh=True)
    if loaded is None:
        return
    for error in loaded.errors:
        # "file:line" is taken as is; a bare path would be read as a docname, so it goes
        # into the message instead.
        location = f"{error.path}:{error.line}" if error.path and error.line else None
        where = f"{error.path}: " if error.path and not error.line else ""
        logger.warning(
            f"{where}{error.reason} (the build goes on without it)",
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
    """Derive cross-document results, check the lock, and name the pages to rewrite."""
    domain = cast(KarabakhDomain, env.get_domain("karabakh"))
    old = domain.data.get("derived")
    before = dict(old.fingerprints) if old is not None else {}
    loaded = _sources(app)
    domain.derive(configured_source_docs(app, loaded))
    if loaded is not None and loaded.sourceset is not None:
        report_drift(app, domain, loaded)
    return domain.docs_to_rewrite(before)


# --- the lock file ------------------------------------------------------------------------------


def _lockfile_class() -> Any | None:
    try:
        from sphinx_karabakh.sources import LockFile  # type: ignore[attr-defined]
    except ImportError:
        return None
    return LockFile


def _load_lock(path: Path) -> Any | None:
    LockFile = _lockfile_class()
    if LockFile is None:
        return None
    if not path.is_file():
        return LockFile()
    try:
        return LockFile.load(path)
    except (SourceError, OSError, ValueError) as exc:
        logger.warning(
            f"cannot read the lock file: {exc}; it will be rewritten",
            type="karabakh",
            subtype="drift",
        )
        return LockFile()


#: Lock keys of typed quotes start with this; the rest is the typed text.
TYPED = "typed: "


def lock_key(record: QuoteRecord) -> str:
    """The lock entry of a quote; the entry lists the documents quoting it.

    A quote by ID is pinned under that ID (``legiec-2020:p4``): when the source changes under
    it, the pin says so until the writer fixes the quote or accepts (``karabakh_lock_update``).
    A typed quote is pinned under its text (``typed: about 2,000 soldiers``): it is proved
    again on every build, so while it verifies its pin follows the passage it matches.
    """
    if record.kind == "verify":
        return TYPED + " ".join(record.typed.split())
    return record.passage


def pinned_records(domain: KarabakhDomain) -> dict[str, list[QuoteRecord]]:
    """Verified quotes by lock key, in document order."""
    out: dict[str, list[QuoteRecord]] = {}
    for record in domain.all_quotes():
        if record.verdict == "verified":
            out.setdefault(lock_key(record), []).append(record)
    return out


def report_drift(app: Sphinx, domain: KarabakhDomain, loaded: LoadedSources) -> None:
    """``karabakh.drift`` for each pinned quote whose passage moved, changed or is gone."""
    if app.config.karabakh_lockfile is None or app.config.karabakh_lock_update:
        return  # with lock_update the pins are being refreshed: nothing to report
    lock = _load_lock(Path(app.config.karabakh_lockfile))
    if lock is None or not lock.entries:
        return
    records = pinned_records(domain)
    for drift in lock.check(loaded.sourceset):
        if drift.kind is DriftKind.UNCHANGED:
            continue
        if drift.key.startswith(TYPED) and drift.key in records:
            continue  # the typed quote was proved again this build; its pin follows it
        if drift.key.startswith(TYPED):
            quoting = [r for r in domain.all_quotes() if lock_key(r) == drift.key]
        else:
            quoting = [r for r in domain.all_quotes() if r.passage == drift.key]
        message = drift_message(drift)
        locations = {r.docname: (r.docname, r.lineno) for r in reversed(quoting)}
        for docname in lock.entries[drift.key].docs:
            if docname in domain.env.all_docs:
                locations.setdefault(docname, (docname, None))
        if not locations:
            logger.warning(
                f"{message} [lock file {app.config.karabakh_lockfile}]",
                type="karabakh",
                subtype="drift",
            )
        for docname in sorted(locations):
            logger.warning(message, location=locations[docname], type="karabakh", subtype="drift")


def drift_message(drift: Drift) -> str:
    fix = " (fix the quote, or accept with -D karabakh_lock_update=1)"
    old = drift.old_passage
    if drift.kind is DriftKind.MOVED:
        return f"quoted passage {old} moved: the same text is now {drift.new_passage}{fix}"
    if drift.kind is DriftKind.CHANGED:
        now = (
            f" (now {drift.new_passage})" if drift.new_passage and drift.new_passage != old else ""
        )
        return (
            f"quoted passage {old} changed since it was pinned{now}, similarity "
            f"{drift.similarity:.2f}; diff: {drift.diff}{fix}"
        )
    return f"quoted passage {old} is gone from its source{fix}"


def write_lock(app: Sphinx, exc: BaseException | None) -> None:
    """``build-finished``: pin every verified quote; keep pinned entries unless lock_update."""
    if exc is not None or app.config.karabakh_lockfile is None or not app.config.karabakh_sources:
        return
    loaded = _sources(app)
    if loaded is None or loaded.sourceset is None:
        return
    path = Path(app.config.karabakh_lockfile)
    lock = _load_lock(path)
    if lock is None:
        return
    domain = cast(KarabakhDomain, app.env.get_domain("karabakh"))
    records = pinned_records(domain)
    for key in [k for k in lock.entries if k not in records]:
        del lock.entries[key]  # the quote is no longer in any document
    for key, quoting in records.items():
        entry = lock.entries.get(key)
        current = quoting[0]
        follows = key.startswith(TYPED) and (
            entry is None or (entry.passage, entry.hash) != (current.passage, current.hash)
        )
        if entry is None or follows or app.config.karabakh_lock_update:
            try:
                passage = loaded.sourceset.get_passage(quoting[0].passage)
            except (KeyError, ValueError):
                continue
            lock.pin(key, passage)
            entry = lock.entries[key]
        entry.docs = sorted({r.docname for r in quoting})
    lock.save(path)  # writes only when the content changed


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
    for name, (default, scope, types) in CONFIG_VALUES.items():
        app.add_config_value(name, default, scope, types)
    for node in knodes.PLACEHOLDERS:
        app.add_node(node, **knodes.VISITORS)
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
    app.add_post_transform(FillPlaceholders)
    app.add_css_file(CSS_FILE)
    app.connect("config-inited", check_config)
    app.connect("env-before-read-docs", before_read)
    app.connect("env-updated", env_updated)
    app.connect("build-finished", build_finished)
