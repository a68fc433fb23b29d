"""Shared set-up for reliability and security tests: fast crawl settings for 127.0.0.1 only, paths
of one pipeline instance under tmp, a listener that counts connections, and read-only queries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from mediawatch.config import REPO_ROOT, Paths

# explicit overrides for local test servers only; production keeps the polite defaults.
# RETRY_TIMES and REDIRECT_MAX_TIMES are the defaults, stated so the bounds below are explicit.
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5
FAST = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "DOWNLOAD_TIMEOUT": "2",
    "RETRY_TIMES": str(RETRY_TIMES),
    "REDIRECT_MAX_TIMES": str(REDIRECT_MAX_TIMES),
    "LOG_LEVEL": "INFO",
}


def make_paths(root: Path, sources: Path, watchlist: Path | None = None) -> Paths:
    """Paths of one pipeline instance under `root`."""
    return Paths(
        sources=sources,
        watchlist=watchlist or REPO_ROOT / "watchlist.yaml",
        warehouse=root / "data" / "warehouse.duckdb",
        reports=root / "reports",
    )


def query(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Rows from a DuckDB file opened read-only (no writer holds it between pipeline steps)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


