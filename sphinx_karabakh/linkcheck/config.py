"""The knobs of one link-check run (no heavy imports: the CLI builds its parser from these)."""

from __future__ import annotations

from dataclasses import dataclass

from sphinx_karabakh import __version__
from sphinx_karabakh.linkcheck.model import Verdict

__all__ = ["CheckConfig", "is_failure"]


@dataclass(frozen=True)
class CheckConfig:
    """Knobs of one run (CLI flags and ``karabakh_linkcheck_*`` config values map onto these)."""

    workers: int = 128  # global limit: worker threads (= concurrent requests at most)
    per_host: int = 8  # concurrent requests per host
    timeout: float = 10.0  # read timeout of one request, and the longest one body may take
    connect_timeout: float = 5.0
    deadline: float | None = 900.0  # whole run, seconds; None = no limit
    max_redirects: int = 10
    retry_after_max: float = 30.0  # longest total wait one URL may spend on Retry-After/back-off
    max_retries: int = 3  # retries after 429/503
    max_bytes: int = 4 * 1024 * 1024  # body bytes read at most per page
    min_interval: float = 0.0  # seconds between request starts on one host
    allow_link_local: bool = False
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
