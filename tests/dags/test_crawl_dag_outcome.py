"""Through real Airflow (`airflow dags test`): in one mediawatch_crawl run, the mapped task of a
source whose every endpoint refuses connections ends `failed` after its retries while the healthy
source's task succeeds; each task is labelled with its source's name and returns its counts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import yaml
from crawl.test_source_outcome import refused_port, with_dead_source
from reliability.conftest import FAST
from support import airflow, private_airflow

from mediawatch.config import REPO_ROOT, Paths
from mediawatch.crawl_stats import FAILED, CrawlStats
from mediawatch.fixture_web import FixtureWeb

pytestmark = pytest.mark.slow
LOGICAL_DATE = "2026-01-06T00:00:00+00:00"


@pytest.mark.timeout(600)
def test_a_failed_source_fails_its_task_and_the_healthy_one_succeeds(tmp_path: Path) -> None:
    with FixtureWeb(seed=21, articles=3) as web:
        registry_path = with_dead_source(web, tmp_path / "sources.yaml", refused_port())
        registry = yaml.safe_load(registry_path.read_text())
        registry["sources"] = [s for s in registry["sources"] if s["name"] in ("techpress", "deadsite")]
        registry_path.write_text(yaml.safe_dump(registry, sort_keys=False))
        paths = Paths(sources=registry_path, watchlist=REPO_ROOT / "watchlist.yaml",
                      warehouse=tmp_path / "mw" / "warehouse.duckdb", reports=tmp_path / "mw" / "reports")
        env = private_airflow(tmp_path, paths)
        env.update(MEDIAWATCH_CRAWL_RETRY_DELAY_S="1",
                   MEDIAWATCH_CRAWL_SETTINGS=",".join(f"{k}={v}" for k, v in FAST.items()))
        run = airflow(env, "dags", "test", "mediawatch_crawl", LOGICAL_DATE)
    log = run.stdout + run.stderr

    with sqlite3.connect(tmp_path / "airflow" / "airflow.db") as db:
        rows = db.execute(
            "select task_id, rendered_map_index, state, try_number from task_instance "
            "where dag_id = 'mediawatch_crawl'").fetchall()
        xcoms = db.execute(
            "select x.value from xcom as x join task_instance as t on x.dag_id = t.dag_id "
            "and x.run_id = t.run_id and x.task_id = t.task_id and x.map_index = t.map_index "
            "where t.task_id = 'crawl' and t.rendered_map_index = 'techpress' "
            "and x.key = 'return_value'").fetchall()
    crawls = {label: (state, tries) for task_id, label, state, tries in rows if task_id == "crawl"}
    assert set(crawls) == {"techpress", "deadsite"}, (rows, log[-3000:])
    assert crawls["techpress"][0] == "success"
    assert crawls["deadsite"] == ("failed", 3), log[-3000:]  # the first try and its two retries
    states = {task_id: state for task_id, _, state, _ in rows if task_id != "crawl"}
    assert states == {"list_sources": "success", "staged": "success"}  # the asset still updates

    # the healthy task's return value is its counts and outcome
    (value,) = xcoms[0]
    counts = json.loads(value) if isinstance(value, str) else json.loads(bytes(value))
    assert counts["source"] == "techpress" and counts["articles"] == 3 and counts["outcome"] == "ok"
    # every attempt of the dead source staged its stats, each under its own attempt id
    attempts = [CrawlStats.read(p) for p in sorted((paths.staging_dir / "deadsite").glob("*.stats.json"))]
    assert len(attempts) == 3 and all(a.outcome == FAILED for a in attempts)
    assert "crawl of 'deadsite' failed" in log
