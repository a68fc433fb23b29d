"""Helpers several test folders share (importable because tests/ holds the root conftest.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from pathlib import Path

from mediawatch.config import REPO_ROOT, Paths

AIRFLOW = REPO_ROOT / ".venv" / "bin" / "airflow"
WRITER_POOL = "mediawatch_warehouse_writer"


def registry_text(sources: list[str]) -> str:
    """A valid registry of made-up sites (one feed each), for warehouse-level tests."""
    lines = ["version: 1", "sources:"]
    for name in sources:
        lines += [
            f"  - name: {name}",
            f"    homepage: https://{name}.example.com/",
            f"    allowed_domains: [{name}.example.com]",
            f"    feeds: [https://{name}.example.com/feed/]",
            "    language: en",
            "    country: US",
            "    crawl_interval: 1h",
        ]
    return "\n".join(lines) + "\n"


def airflow(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the project's Airflow CLI with `env`."""
    return subprocess.run([str(AIRFLOW), *args], env=env, capture_output=True, text=True,
                          timeout=300, cwd=REPO_ROOT)


def private_airflow(tmp_path: Path, paths: Paths) -> dict[str, str]:
    """An environment for `airflow dags test` with the test's own metadata DB, logs and writer pool
    (the project's Airflow state is never touched), pointing the DAGs at `paths`."""
    metadata = tmp_path / "airflow" / "airflow.db"
    metadata.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        AIRFLOW_HOME=str(REPO_ROOT),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{metadata}",
        AIRFLOW__LOGGING__BASE_LOG_FOLDER=str(tmp_path / "airflow" / "logs"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        MEDIAWATCH_SOURCES=str(paths.sources),
        MEDIAWATCH_WATCHLIST=str(paths.watchlist),
        MEDIAWATCH_WAREHOUSE=str(paths.warehouse),
        MEDIAWATCH_REPORTS=str(paths.reports),
    )
    for args in (("db", "migrate"), ("pools", "set", WRITER_POOL, "1", "single DuckDB writer")):
        done = airflow(env, *args)
        assert done.returncode == 0, done.stderr[-2000:]
    return env


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
