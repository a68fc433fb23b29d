"""Shared set-up for crawl tests: fast crawl settings against 127.0.0.1 and per-test paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediawatch.config import Paths

# explicit overrides for the local fixture web only; production keeps the polite defaults
FAST = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "DOWNLOAD_TIMEOUT": "5",
    "LOG_LEVEL": "INFO",
}


def make_paths(root: Path, sources: Path) -> Paths:
    """Paths of one pipeline instance under `root` (the warehouse itself is never created)."""
    return Paths(
        sources=sources,
        watchlist=root / "watchlist.yaml",
        warehouse=root / "data" / "warehouse.duckdb",
        reports=root / "reports",
    )


@pytest.fixture
def fast_settings() -> dict[str, str]:
    return dict(FAST)
