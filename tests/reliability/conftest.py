"""Shared set-up for reliability and security tests: fast crawl settings for 127.0.0.1 only, paths
of one pipeline instance under tmp, a listener that counts connections, and read-only queries."""

from __future__ import annotations

import socket
import threading
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


class CountingListener:
    """A TCP listener on a 127.0.0.0/8 address that only counts accepted connections."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.sock = socket.socket()
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()

    def __enter__(self) -> CountingListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
