"""Shared test set-up: sphinx.testing fixtures with test roots under tests/roots/test-<case>/."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ("sphinx.testing.fixtures",)

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
SEEDS = REPO / "seeds"


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Where sphinx.testing finds ``test-<case>`` projects."""
    return TESTS / "roots"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS
