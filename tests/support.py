"""Helpers several test folders share (importable because tests/ holds the root conftest.py)."""

from __future__ import annotations

import os
import subprocess
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
