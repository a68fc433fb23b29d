"""Through real Airflow (`airflow dags test`): mediawatch_process run a second time (a re-run: Airflow
gives it a new run id) leaves the same warehouse and report, and every task log carries its counts
(`pipeline.log_summary` lines). Same-run-id retries of each step: test_crash_safety.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import airflow, private_airflow

from mediawatch import pipeline
from mediawatch.fixture_web import FixtureWeb

from .conftest import FAST, make_paths, query

pytestmark = pytest.mark.slow
LOGICAL_DATE = "2026-01-05T00:00:00+00:00"



@pytest.mark.timeout(600)
def test_a_rerun_of_mediawatch_process_is_idempotent_and_logs_its_counts(tmp_path: Path) -> None:
    with FixtureWeb(seed=13, articles=4) as web:
        paths = make_paths(tmp_path / "mw", web.write_sources(tmp_path / "sources.yaml"))
        crawled = pipeline.crawl_one(paths, "techpress", "crawl-1", dict(FAST))
    env = private_airflow(tmp_path, paths)

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
    # the second run found nothing built since the first gate: it records its own gate run, which
    # reuses the first run's verdict instead of validating the same data again
    gate_runs = query(paths.warehouse, "select run_id, passed, reused_from from dq_gate_runs order by started_at")
    assert len(gate_runs) == 2
    assert gate_runs[0][1] is True and gate_runs[0][2] is None
    assert gate_runs[1][1] is True and gate_runs[1][2] == gate_runs[0][0]
    assert len(outputs[0]["articles"]) == crawled["articles"] == 4

    first, second = logs
    load_line = re.search(r"mediawatch load: (.*)", first)
    assert load_line and "files_loaded=1" in load_line.group(1) and "articles=4" in load_line.group(1)
    assert re.search(r"mediawatch load: .*files_loaded=0.*articles=4", second)
    for log in logs:
        assert re.search(r"mediawatch gate: passed=True, quarantined=0, checked_articles=\d+, checks=\d+", log)
        assert "mediawatch report:" in log
