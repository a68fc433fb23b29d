"""End to end through real Airflow (`airflow dags test mediawatch_process`): a critical gate failure
stops the DAG before the report task, and the last good report stays published unchanged."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from gate_builders import good_batch, make_paths, page, query, recently, stage

from mediawatch.config import REPO_ROOT, Paths

pytestmark = pytest.mark.slow
AIRFLOW = REPO_ROOT / ".venv" / "bin" / "airflow"
POOL = "mediawatch_warehouse_writer"


def airflow(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(AIRFLOW), *args], env=env, capture_output=True, text=True,
                          timeout=300, cwd=REPO_ROOT)


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
    metadata = tmp_path / "airflow" / "airflow.db"
    metadata.parent.mkdir()
    env = dict(os.environ)
    env.update(
        AIRFLOW_HOME=str(REPO_ROOT),
        # the test's own metadata DB and logs, so it never touches the project's Airflow state
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
    assert task_states(metadata) == [
        {"load": "success", "quality_gate": "success", "report": "success"},
        {"load": "success", "quality_gate": "failed", "report": "upstream_failed"},
    ]
    assert report_files(paths) == published
    # the verdict is recorded even though the DAG stopped
    failed = query(paths.warehouse, "select expectation, severity from dq_results where not success")
    assert ("title_present", "critical") in failed
    assert query(paths.warehouse, "select count(*) from quarantine where released_at is null") == [(6,)]
