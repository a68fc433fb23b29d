"""
# mediawatch_process

Runs when new staging files land (`mediawatch://staging`), or by hand.

1. **load**: the only task that writes the warehouse (pool `mediawatch_warehouse_writer`, one slot;
   one active run at a time). Loads new staging files exactly once, analyses new article versions
   (mentions, sentiment, story clusters, spikes), rebuilds the marts and publishes the read-only
   analyst copy.
2. **quality_gate**: Great Expectations suites on the new batch and on the whole warehouse. A
   critical failure fails this task, so the report is not rebuilt and the last good one stays
   published. Warnings pass through to the report. Rows failing row-level checks go to `quarantine`.
3. **report**: the weekly report and the daily digest (HTML, Markdown, CSV/Parquet), the report index and the data-quality page.

With nothing new since the last passing gate run, the gate reuses its verdict and a report whose
inputs are unchanged is not rebuilt; both say so in the task log. Trigger with `{"force": true}`
to check and rebuild regardless.

Every task log ends with its counts.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from mediawatch_assets import REPORTS, STAGING, WAREHOUSE_WRITER_POOL


@dag(
    dag_id="mediawatch_process",
    schedule=[STAGING],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["mediawatch", "warehouse", "quality", "report"],
    doc_md=__doc__,
    default_args={"owner": "mediawatch", "retries": 2, "retry_delay": timedelta(minutes=1)},
    params={"force": Param(False, type="boolean", description="check and rebuild even when nothing changed")},
)
def mediawatch_process() -> None:
    @task(pool=WAREHOUSE_WRITER_POOL)
    def load() -> dict:
        from mediawatch import pipeline

        return pipeline.log_summary("load", pipeline.load(pipeline.paths_from_env()))

    @task(pool=WAREHOUSE_WRITER_POOL)
    def quality_gate(loaded: dict) -> dict:
        from mediawatch import pipeline
        from mediawatch.checks import GateFailed

        context = get_current_context()
        run_id, force = pipeline.safe_run_id(context["run_id"]), bool(context["params"].get("force"))
        try:
            return pipeline.log_summary("gate", pipeline.check(pipeline.paths_from_env(), run_id, force=force))
        except GateFailed as failed:  # a verdict on the data: retrying would not change it
            raise AirflowFailException(str(failed)) from failed

    @task(outlets=[REPORTS])
    def report(gate: dict) -> dict:
        from mediawatch import pipeline

        context = get_current_context()
        run_id, force = pipeline.safe_run_id(context["run_id"]), bool(context["params"].get("force"))
        return pipeline.log_summary("report", pipeline.report(pipeline.paths_from_env(), run_id=run_id, force=force))

    report(quality_gate(load()))


mediawatch_process()
