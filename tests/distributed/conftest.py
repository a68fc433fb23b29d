"""One private PostgreSQL + Redis for the whole folder (scripts/distributed_up.sh --infra-only)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "warehouse"))  # warehouse_builders

from distributed_cluster import Cluster, can_run  # noqa: E402


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    reason = can_run()
    if reason:
        pytest.skip(reason)
    cluster = Cluster.create(
        MEDIAWATCH_CRAWL_SETTINGS="AUTOTHROTTLE_ENABLED=False,DOWNLOAD_DELAY=0,CONCURRENT_REQUESTS_PER_DOMAIN=8",
        # nothing runs until a test unpauses or triggers it
        AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="True",
        # a killed worker's task is noticed after 20 s (default 60 s in the profile)
        AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT="20",
        AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT="90",
    )
    try:
        try:
            cluster.up("--infra-only")
        except RuntimeError as exc:
            if "apt-get install failed" in str(exc):
                pytest.skip(f"PostgreSQL/Redis could not be installed: {exc}")
            raise
        yield cluster
    finally:
        if os.environ.get("MW_KEEP_CLUSTER"):  # debugging: keep data and logs, stop the processes
            cluster.down()
        else:
            cluster.destroy()
