"""
# mediawatch_crawl

Crawls every source in the registry (`sources.yaml`, or `$MEDIAWATCH_SOURCES`) into staging files.

- **list_sources** reads and validates the registry.
- **crawl** is mapped over the sources: one `scrapy crawl <source>` subprocess each, so one failing
  source never fails the others. Crawls write staging files and WARC archives only; they never open
  the warehouse. Each task log ends with the crawl's counts.
- **staged** runs when every crawl has finished (whatever their state) and updates the
  `mediawatch://staging` asset, which schedules **mediawatch_process** (load -> gate -> report).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, get_current_context, task

from mediawatch_assets import STAGING


@dag(
    dag_id="mediawatch_crawl",
    schedule="@hourly",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["mediawatch", "crawl"],
    doc_md=__doc__,
    default_args={"owner": "mediawatch", "retries": 2, "retry_delay": timedelta(minutes=1)},
)
def mediawatch_crawl() -> None:
    @task
    def list_sources() -> list[str]:
        from mediawatch import pipeline

        return pipeline.source_names(pipeline.paths_from_env())

    @task(max_active_tis_per_dag=2)
    def crawl(source: str) -> dict:
        from mediawatch import pipeline

        run_id = pipeline.safe_run_id(get_current_context()["run_id"])
        return pipeline.log_summary("crawl", pipeline.crawl_one(pipeline.paths_from_env(), source, run_id))

    @task(outlets=[STAGING], trigger_rule="all_done")
    def staged(results: list[dict] | None = None) -> int:
        return len(results or [])

    staged(crawl.expand(source=list_sources()))


mediawatch_crawl()
