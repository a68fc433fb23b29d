"""Through real Airflow (`airflow dags test`): mediawatch_process run a second time (a re-run: Airflow
gives it a new run id) leaves the same warehouse and report, and every task log carries its counts
(`pipeline.log_summary` lines). Same-run-id retries of each step: test_crash_safety.py."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from mediawatch import pipeline
from mediawatch.config import REPO_ROOT
from mediawatch.fixture_web import FixtureWeb

from .conftest import FAST, make_paths, query

pytestmark = pytest.mark.slow
AIRFLOW = REPO_ROOT / ".venv" / "bin" / "airflow"
POOL = "mediawatch_warehouse_writer"
LOGICAL_DATE = "2026-01-05T00:00:00+00:00"


def airflow(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(AIRFLOW), *args], env=env, capture_output=True, text=True,
                          timeout=300, cwd=REPO_ROOT)


@pytest.mark.timeout(600)
def test_a_rerun_of_mediawatch_process_is_idempotent_and_logs_its_counts(tmp_path: Path) -> None:
    with FixtureWeb(seed=13, articles=4) as web:
        paths = make_paths(tmp_path / "mw", web.write_sources(tmp_path / "sources.yaml"))
        crawled = pipeline.crawl_one(paths, "techpress", "crawl-1", dict(FAST))
    metadata = tmp_path / "airflow" / "airflow.db"
    metadata.parent.mkdir()
    env = dict(os.environ)
    env.update(
        AIRFLOW_HOME=str(REPO_ROOT),
        # the test's own metadata DB and logs: the project's Airflow state is never touched
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{metadata}",
        AIRFLOW__LOGGING__BASE_LOG_FOLDER=str(tmp_path / "airflow" / "logs"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        MEDIAWATCH_SOURCES=str(paths.sources),
        MEDIAWATCH_WATCHLIST=str(paths.watchlist),
        MEDIAWATCH_WAREHOUSE=str(paths.warehouse),
        MEDIAWATCH_REPORTS=str(paths.reports),
    )
    for args in (("db", "migrate"), ("pools", "set", POOL, "1", "single DuckDB writer")):
        done = airflow(env, *args)
        assert done.returncode == 0, done.stderr[-2000:]

    outputs, logs = [], []
    for _ in range(2):
        run = airflow(env, "dags", "test", "mediawatch_process", LOGICAL_DATE)
        text = run.stdout + run.stderr
        assert run.returncode == 0, text[-3000:]
        logs.append(text)
        outputs.append({
            "articles": query(paths.warehouse, "select article_id, content_hash, version from articles order by 1"),
            "crawl_runs": query(paths.warehouse, "select * exclude (duration_s) from crawl_runs order by 1, 2"),
            # each `dags test` is its own DAG run (own run id): compare the newest run's verdicts
            "dq": query(paths.warehouse, "select expectation, success from dq_results where run_id = "
                        "(select arg_max(run_id, checked_at) from dq_results) order by all"),
            "quarantine": query(paths.warehouse, "select article_id, reason from quarantine order by all"),
            "reports": sorted(str(p.relative_to(paths.reports)) for p in paths.reports.glob("*/report.html")),
        })
    assert outputs[0] == outputs[1]
    (runs,) = query(paths.warehouse, "select count(distinct run_id) from dq_results")
    assert runs == (2,)
    assert len(outputs[0]["articles"]) == crawled["articles"] == 4

    first, second = logs
    load_line = re.search(r"mediawatch load: (.*)", first)
    assert load_line and "files_loaded=1" in load_line.group(1) and "articles=4" in load_line.group(1)
    assert re.search(r"mediawatch load: .*files_loaded=0.*articles=4", second)
    for log in logs:
        assert re.search(r"mediawatch gate: passed=True, quarantined=0, checked_articles=\d+, checks=\d+", log)
        assert "mediawatch report:" in log
