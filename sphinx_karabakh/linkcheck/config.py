"""The knobs of one link-check run (no heavy imports: the CLI builds its parser from these)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from sphinx_karabakh import __version__
from sphinx_karabakh.linkcheck.model import Verdict

__all__ = [
    "CheckConfig",
    "is_failure",
    "non_negative_seconds",
    "positive_seconds",
    "whole_number",
]


@dataclass(frozen=True)
class CheckConfig:
    """Knobs of one run (CLI flags and ``karabakh_linkcheck_*`` config values map onto these)."""

    workers: int = 128  # global limit: worker threads (= concurrent requests at most)
    per_host: int = 8  # concurrent requests per host
    timeout: float = 10.0  # total time of one request: connect, headers and body together
    connect_timeout: float = 5.0
    deadline: float | None = 900.0  # whole run, seconds; None = no limit
    max_redirects: int = 10
    retry_after_max: float = 30.0  # longest total wait one URL may spend on Retry-After/back-off
    max_retries: int = 3  # retries after 429/503
    max_bytes: int = 4 * 1024 * 1024  # body bytes read at most per page
    min_interval: float = 0.0  # seconds between request starts on one host
    # The address policy (linkcheck.address): link-local is refused unless allowed; cloud-metadata
    # and unspecified addresses always are; private ranges and loopback only when asked.
    allow_link_local: bool = False
    refuse_private: bool = False
    refuse_loopback: bool = False
    ignore: tuple[str, ...] = ()  # regexes; a matching URL is ``skipped``
    user_agent: str = f"sphinx-karabakh-linkcheck/{__version__}"
    timeout_fails: bool = True  # does a ``timeout`` verdict fail the run?
    # Worker processes, each checking its own share of the hosts (a host belongs to exactly one,
    # so ``per_host`` stays exact): 0 = auto (one per idle CPU when there are enough URLs and hosts
    # to pay for starting them), 1 = check in this process only.
    processes: int = 0


def is_failure(verdict: Verdict, config: CheckConfig | None = None) -> bool:
    """``Verdict.failed``, with ``timeout`` failing only when the config says so."""
    if verdict is Verdict.TIMEOUT and config is not None:
        return config.timeout_fails
    return verdict.failed


# --------------------------------------------------------------------------- value checks
# Plain functions ``value -> value``, raising ``ValueError`` with a message that says what is
# wanted; the CLI (``--flag``) and the builder (``karabakh_linkcheck_*``) put the name in front.


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"must be a number, not {value!r}")
    try:
        n = float(value)
    except ValueError:
        raise ValueError(f"must be a number, not {value!r}") from None
    if not math.isfinite(n):
        raise ValueError(f"must be a finite number, not {value!r}")
    return n


def positive_seconds(value: object) -> float:
    """A time bound: a finite number of seconds above 0."""
    n = _number(value)
    if n <= 0:
        raise ValueError(f"must be a number of seconds above 0, not {value!r}")
    return n


def non_negative_seconds(value: object) -> float:
    """A wait or an interval: a finite number of seconds, 0 or more."""
    n = _number(value)
    if n < 0:
        raise ValueError(f"must be a number of seconds, 0 or more, not {value!r}")
    return n


def whole_number(minimum: int) -> Callable[[object], int]:
    """A check for a whole number of at least ``minimum``."""

    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(f"must be a whole number of at least {minimum}, not {value!r}")
        try:
            n = int(value)
        except ValueError:
            raise ValueError(
                f"must be a whole number of at least {minimum}, not {value!r}"
            ) from None
        if n < minimum:
            raise ValueError(f"must be a whole number of at least {minimum}, not {value!r}")
        return n

    return check
