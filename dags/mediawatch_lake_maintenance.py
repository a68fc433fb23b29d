"""
# mediawatch_lake_maintenance

Daily upkeep of the DuckLake warehouse (the distributed profile; a DuckDB-file warehouse needs none
and the task says so):

1. **maintain**: merges adjacent small Parquet files (`ducklake_merge_adjacent_files`), expires
   snapshots older than 7 days (`ducklake_expire_snapshots`; time travel reaches that far back) and
   deletes files no snapshot needs after 24 hours (`ducklake_cleanup_old_files`). It takes the
   warehouse writer pool like a load, and a commit that races a load is retried.

The task log ends with the snapshot and data file counts before and after.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from mediawatch_assets import WAREHOUSE_WRITER_POOL


@dag(
    dag_id="mediawatch_lake_maintenance",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["mediawatch", "warehouse", "maintenance"],
    doc_md=__doc__,
    default_args={"owner": "mediawatch", "retries": 2, "retry_delay": timedelta(minutes=5)},
)
def mediawatch_lake_maintenance() -> None:
    @task(pool=WAREHOUSE_WRITER_POOL)
    def maintain() -> dict:
        from mediawatch import pipeline
        from mediawatch.warehouse.lake_maintenance import maintain_lake

        return pipeline.log_summary("lake maintenance", maintain_lake())

    maintain()


mediawatch_lake_maintenance()
