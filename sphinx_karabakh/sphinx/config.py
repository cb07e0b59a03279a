"""One typed configuration: every ``karabakh_*`` value, its default, rebuild scope and validator.

Each feature module lists its values as :class:`Option` objects; ``register`` adds them to Sphinx
and ``validate`` (connected to ``config-inited``) checks every one.  Validators are plain
functions ``(value, Context) -> value`` that raise ``ValueError`` with the reason; the value they
return (a path made absolute, ``"4"`` from ``-D`` made 4) replaces the one given.

Every wrong value is reported in one pass, each as an error that names it and its value, located
at its line of ``conf.py``; then the build stops with exit status 2.  Not a ``ConfigError``:
Sphinx 9 shows any exception raised here as a crash report with a traceback, which a wrong value
in ``conf.py`` is not.
"""

from __future__ import annotations

import os
import re
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

Validator = Callable[[Any, "Context"], Any]
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    """What a validator may need besides the value: where relative paths start."""

    confdir: Path


@dataclass(frozen=True)
class Option:
    """One ``karabakh_*`` value (see the module docstring)."""

    name: str
    default: Any
    rebuild: str  # "env" when it changes how documents are read, "html"/"" otherwise
    validate: Validator
    help: str = ""
    types: tuple[type, ...] = ()  # what Sphinx is told to expect (for its own type check)


OPTIONS: dict[str, Option] = {}
_CONNECTED: weakref.WeakSet[Sphinx] = weakref.WeakSet()


def register(app: Sphinx, options: Iterable[Option]) -> None:
    """Add the options to Sphinx and validate them all at ``config-inited`` (once per app)."""
    for opt in options:
        OPTIONS[opt.name] = opt
        if opt.name not in app.config.values:
            app.add_config_value(opt.name, opt.default, opt.rebuild, opt.types)  # type: ignore[arg-type]
    if app not in _CONNECTED:
        app.connect("config-inited", validate, priority=100)
        _CONNECTED.add(app)


def validate(app: Sphinx, config: Config) -> None:
    """``config-inited``: every registered ``karabakh_*`` value checked, in name order."""
    ctx = Context(Path(app.confdir))
    problems: list[tuple[str, str]] = []
    for name in sorted(OPTIONS):
        opt = OPTIONS[name]
        value = getattr(config, name, opt.default)
        try:
            setattr(config, name, opt.validate(value, ctx))
        except (ValueError, TypeError) as exc:
            problems.append((name, f"sphinx-karabakh: {name} = {value!r}: {exc}"))
    if problems:
        for name, message in problems:
            logger.error("%s", message, location=conf_location(app, name))
        raise SystemExit(2)


def conf_location(app: Sphinx, name: str) -> str | None:
    """``conf.py:LINE`` of the assignment to ``name`` (``None``: set elsewhere, e.g. ``-D``)."""
    conf = Path(app.confdir) / "conf.py"
    try:
        lines = conf.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    found = [
        i
        for i, line in enumerate(lines, 1)
        if re.match(rf"\s*{re.escape(name)}\s*(?::[^=]*)?=", line)
    ]
    return f"{conf}:{found[-1]}" if found else None  # the last assignment is the one in force


def plain(fn: Callable[[Any], Any]) -> Validator:
    """A validator that needs no context (``value -> value``)."""

    def check(value: Any, _ctx: Context) -> Any:
        return fn(value)

    return check


# --- validators --------------------------------------------------------------------------------


def _type_name(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def boolean(value: Any, _ctx: Context) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):  # -D name=1 on the command line
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("0", "1", "true", "false", "yes", "no"):
        return value.strip().lower() in ("1", "true", "yes")
    raise ValueError(f"expected True or False, not {_type_name(value)}")


def text(allow_empty: bool = True) -> Validator:
    def check(value: Any, _ctx: Context) -> str:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, not {_type_name(value)}")
        if not allow_empty and not value.strip():
            raise ValueError("must not be empty")
        return value

    return check


def path(allow_none: bool = True, must_be_dir: bool = False) -> Validator:
    """A path (str or os.PathLike), made absolute from conf.py's directory."""

    def check(value: Any, ctx: Context) -> str | None:
        if value is None and allow_none:
            return None
        if not isinstance(value, str | os.PathLike):
            raise ValueError(f"expected a path (a string), not {_type_name(value)}")
        start = ctx.confdir
        resolved = (start / os.fspath(value)).resolve()
        if must_be_dir:
            try:
                is_dir = resolved.is_dir()
            except OSError as exc:
                raise ValueError(f"{resolved} cannot be opened: {exc.strerror or exc}") from None
            if not is_dir:
                raise ValueError(f"{resolved} is not a directory (relative paths start at {start})")
        return str(resolved)

    return check
