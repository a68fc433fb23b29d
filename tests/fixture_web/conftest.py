"""Shared fixtures: running fixture webs on ephemeral ports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mediawatch.fixture_web import FixtureWeb


@pytest.fixture(scope="module")
def shared_web() -> Iterator[FixtureWeb]:
    """A read-only web for tests that do not change its state."""
    with FixtureWeb(seed=0, articles=60) as web:
        yield web


@pytest.fixture
def web() -> Iterator[FixtureWeb]:
    """A fresh web for tests that update articles or switch faults."""
    with FixtureWeb(seed=1, articles=12, slow_seconds=0.2) as fresh:
        yield fresh
