"""Airflow cluster policy of the distributed profile (scripts/distributed_env.sh puts this folder on
PYTHONPATH; `make up` does not, so the single-machine profile is unchanged).

The crawl DAG caps crawls at two at a time, which suits one machine. Here crawls run in the pool
`mediawatch_crawl` instead, whose slots (MW_CRAWL_SLOTS) set how many run at once across all
workers, and each worker's own concurrency (MW_WORKER_CONCURRENCY) limits what one machine takes.
Configuration, not a fork: the DAG files are the same.
"""

from __future__ import annotations

import os
from typing import Any

CRAWL_POOL = "mediawatch_crawl"


def task_policy(task: Any) -> None:
    """Route mediawatch crawls through the crawl pool, sized by MW_CRAWL_SLOTS."""
    if task.dag_id == "mediawatch_crawl" and task.task_id == "crawl":
        slots = int(os.environ.get("MW_CRAWL_SLOTS", "4"))
        task.pool = CRAWL_POOL
        task.max_active_tis_per_dag = slots
