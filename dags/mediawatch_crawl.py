"""
# mediawatch_crawl

Crawls every source in the registry (`sources.yaml`, or `$MEDIAWATCH_SOURCES`) into staging files.

- **list_sources** reads and validates the registry.
- **crawl** is mapped over the sources and labelled with the source's name: one `scrapy crawl
  <source>` subprocess each, so one failing source never fails the others. Crawls write staging
  files and WARC archives only; they never open the warehouse. Each task returns its counts and
  outcome (`ok`, `degraded`, `failed`; shown as its XCom) and its log ends with them. A source that
  delivered nothing (no feed, sitemap or section answered, or every page errored) fails its task,
  which Airflow retries; its stats are staged either way, so the load records the failure.
- **staged** runs when every crawl has finished (whatever their state) and updates the
  `mediawatch://staging` asset, which schedules **mediawatch_process** (load -> gate -> report).
"""

from __future__ import annotations

import os
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
    default_args={
        "owner": "mediawatch",
        "retries": 2,
        # a deployment (or a test) may retry sooner; read from the environment, no DB at parse time
        "retry_delay": timedelta(seconds=float(os.environ.get("MEDIAWATCH_CRAWL_RETRY_DELAY_S", "60"))),
    },
)
def mediawatch_crawl() -> None:
    @task
    def list_sources() -> list[str]:
        from mediawatch import pipeline

        return pipeline.source_names(pipeline.paths_from_env())

    @task(max_active_tis_per_dag=2, map_index_template="{{ source_name }}")
    def crawl(source: str) -> dict:
        from mediawatch import pipeline

        context = get_current_context()
        context["source_name"] = source  # type: ignore[typeddict-unknown-key]  # the task's label
        run_id = pipeline.safe_run_id(context["run_id"])
        return pipeline.log_summary("crawl", pipeline.crawl_one(pipeline.paths_from_env(), source, run_id))

    @task(outlets=[STAGING], trigger_rule="all_done")
    def staged(results: list[dict] | None = None) -> int:
        return len(results or [])

    staged(crawl.expand(source=list_sources()))


mediawatch_crawl()
