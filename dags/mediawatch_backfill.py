"""
# mediawatch_backfill

Backfills history from web archives (CC-NEWS, the project's own WARCs, any crawler's). Triggered by
hand only: **Trigger DAG** with params, or
`airflow dags trigger mediawatch_backfill -c '{"warcs": ["/data/CC-NEWS-....warc.gz"]}'`.

Params: `warcs` (WARC/ARC paths or http(s) URLs), `source` (stage every HTML record for this
source; empty: by each record's host), `since` / `until` (capture dates, `YYYY-MM-DD`).

- **list_warcs** checks the params and returns the inputs.
- **backfill** is mapped over them: one task per file, which stages its article pages as a crawl
  would (`mediawatch backfill`). A retry resumes from the file's last checkpoint, and a file that
  was already backfilled adds nothing, so re-running a task is safe. Backfills never open the
  warehouse.
- **staged** updates the `mediawatch://staging` asset when every file is done (whatever their
  state), which schedules **mediawatch_process** (load -> gate -> report).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from mediawatch_assets import STAGING


@dag(
    dag_id="mediawatch_backfill",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["mediawatch", "backfill"],
    doc_md=__doc__,
    default_args={"owner": "mediawatch", "retries": 2, "retry_delay": timedelta(minutes=1)},
    params={
        "warcs": Param([], type="array", items={"type": "string"},
                       description="WARC/ARC files (paths or http(s) URLs)"),
        "source": Param("", type="string", description="force this source (empty: by host)"),
        "since": Param("", type="string", description="first capture date, YYYY-MM-DD"),
        "until": Param("", type="string", description="last capture date, YYYY-MM-DD"),
    },
)
def mediawatch_backfill() -> None:
    @task
    def list_warcs() -> list[str]:
        from mediawatch import pipeline
        from mediawatch.backfill import BackfillError, check_params

        try:
            return check_params(get_current_context()["params"], pipeline.paths_from_env())
        except BackfillError as bad:  # wrong params: a retry would not change them
            raise AirflowFailException(str(bad)) from bad

    @task(max_active_tis_per_dag=2)
    def backfill(warc: str) -> dict:
        from mediawatch import pipeline
        from mediawatch.backfill import backfill_from_params

        params = get_current_context()["params"]
        return pipeline.log_summary("backfill", backfill_from_params(pipeline.paths_from_env(), warc, params))

    @task(outlets=[STAGING], trigger_rule="all_done")
    def staged(results: list[dict] | None = None) -> int:
        return len(results or [])

    staged(backfill.expand(warc=list_warcs()))


mediawatch_backfill()
