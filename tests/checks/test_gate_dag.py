"""End to end through real Airflow (`airflow dags test mediawatch_process`): a critical gate failure
stops the DAG before the report task, and the last good report stays published unchanged."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from gate_builders import good_batch, make_paths, page, query, recently, stage
from support import airflow, private_airflow

from mediawatch.config import Paths

pytestmark = pytest.mark.slow



def task_states(db: Path) -> list[dict[str, str]]:
    """Task states per DAG run, oldest run first, from the test's own Airflow metadata DB."""
    with sqlite3.connect(db) as con:
        rows = con.execute(
            "select dr.run_id, ti.task_id, ti.state from task_instance ti "
            "join dag_run dr on dr.dag_id = ti.dag_id and dr.run_id = ti.run_id "
            "where ti.dag_id = 'mediawatch_process' order by dr.id"
        ).fetchall()
    runs: dict[str, dict[str, str]] = {}
    for run_id, task_id, state in rows:
        runs.setdefault(run_id, {})[task_id] = state
    return list(runs.values())


def report_files(paths: Paths) -> dict[str, str]:
    """Every published report file (not the Data Docs, which each gate run renders) and its digest."""
    docs = paths.reports / "data-docs"
    return {
        str(p.relative_to(paths.reports)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(paths.reports.rglob("*"))
        if p.is_file() and docs not in p.parents
    }


def test_a_critical_failure_keeps_the_last_good_report(tmp_path: Path) -> None:
    paths = make_paths(tmp_path / "mediawatch")
    env = private_airflow(tmp_path, paths)

    good_batch(paths, "run1", recently(2))
    first = airflow(env, "dags", "test", "mediawatch_process")
    assert first.returncode == 0, (first.stdout + first.stderr)[-3000:]
    published = report_files(paths)
    assert any(name.endswith("report.html") for name in published)

    when = recently(1)
    stage(paths, "alpha", "run2", [page("alpha", "run2", f"untitled-{i}", when, title=None) for i in range(6)], when)
    second = airflow(env, "dags", "test", "mediawatch_process")

    assert second.returncode != 0
    assert "title_present" in second.stdout + second.stderr
    assert task_states(tmp_path / "airflow" / "airflow.db") == [
        {"load": "success", "quality_gate": "success", "report": "success"},
        {"load": "success", "quality_gate": "failed", "report": "upstream_failed"},
    ]
    assert report_files(paths) == published
    # the verdict is recorded even though the DAG stopped
    failed = query(paths.warehouse, "select expectation, severity from dq_results where not success")
    assert ("title_present", "critical") in failed
    assert query(paths.warehouse, "select count(*) from quarantine where released_at is null") == [(6,)]
