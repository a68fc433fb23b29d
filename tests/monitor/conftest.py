"""Shared fixtures for the monitor tests: the shipped watchlist and a helper to write small ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mediawatch.config import REPO_ROOT
from mediawatch.monitor.watchlist import Watchlist, load_watchlist


@pytest.fixture(scope="session")
def shipped() -> Watchlist:
    """The watchlist.yaml the repository ships."""
    return load_watchlist(REPO_ROOT / "watchlist.yaml")


@pytest.fixture
def write_watchlist(tmp_path: Path) -> Callable[[str], Path]:
    """Write YAML text to a watchlist file in tmp_path and return its path."""

    def write(text: str, name: str = "watchlist.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
