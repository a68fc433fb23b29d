"""The demo cycle on the distributed profile: two Celery workers, DuckLake, one worker killed mid-crawl."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed_cluster import Cluster, start_fixture_web

from mediawatch.warehouse import backend

pytestmark = pytest.mark.slow
SITES = 5  # the fixture web serves five sites
ARTICLES = 8  # per site


@pytest.fixture(scope="module")
def airflow(cluster: Cluster) -> Iterator[Cluster]:
    web, registry = start_fixture_web(cluster.folder, ARTICLES)
    cluster.env["MEDIAWATCH_SOURCES"] = str(registry)
    try:
        cluster.up()
        cluster.login()
        cluster.wait_for_dags({"mediawatch_crawl", "mediawatch_process"})
        yield cluster
    finally:
        web.terminate()
        web.wait(timeout=30)


def lake_counts(cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[int, ...]]:
    for key in ("MEDIAWATCH_WAREHOUSE_BACKEND", "MEDIAWATCH_DUCKLAKE_CATALOG", "MEDIAWATCH_DUCKLAKE_DATA",
                "PGPASSFILE"):
        monkeypatch.setenv(key, cluster.env[key])
    con = backend.connect_reader()
    try:
        queries = {
            "articles": "select count(*), count(distinct article_id), count(distinct url) from articles",
            "per_source": "select min(n), max(n), count(*) from (select source, count(*) as n from articles group by 1)",
            "files": "select count(*), count(distinct staging_file) from raw.loaded_files",
            "versions": "select count(*), count(distinct (article_id, content_hash)) from article_versions",
        }
        return {name: tuple(int(v) for v in con.execute(sql).fetchone() or ()) for name, sql in queries.items()}
    finally:
        con.close()


def wait_for_a_running_crawl(cluster: Cluster, timeout: float = 240) -> int:
    """The number of the first worker seen running a `scrapy crawl` subprocess."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for number in (2, 1):
            if cluster.running_crawl(number):
                return number
        time.sleep(0.1)
    raise TimeoutError("no worker started a crawl")


def test_a_worker_dies_mid_crawl_and_every_article_is_stored_once(
    airflow: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    airflow.unpause("mediawatch_process")
    airflow.unpause("mediawatch_crawl")  # its latest hourly interval starts right away
    victim = wait_for_a_running_crawl(airflow)
    airflow.kill_worker(victim)  # mid-crawl: its scrapy subprocess is running
    survivor = 3 - victim

    crawl = airflow.wait_run("mediawatch_crawl", after=0, timeout=360)
    assert crawl["state"] == "success"
    crawls = [t for t in airflow.task_instances("mediawatch_crawl", crawl["dag_run_id"]) if t["task_id"] == "crawl"]
    assert len(crawls) == SITES and all(t["state"] == "success" for t in crawls)
    # the crawl on the dead worker was retried (on the survivor: the victim is gone)
    assert any(t["try_number"] > 1 for t in crawls), crawls
    process = airflow.wait_run("mediawatch_process", after=0, timeout=300)
    assert process["state"] == "success"

    counts = lake_counts(airflow, monkeypatch)
    assert counts["articles"] == (SITES * ARTICLES,) * 3
    assert counts["per_source"] == (ARTICLES, ARTICLES, SITES)
    assert counts["files"][0] == counts["files"][1]
    assert counts["versions"][0] == counts["versions"][1] == SITES * ARTICLES
    assert "Workload finished" in airflow.worker_log(survivor)

    # a second cycle, triggered through the REST API, runs on the surviving worker and adds nothing twice
    before = {r["dag_run_id"] for r in airflow.runs("mediawatch_process")}
    run_id = airflow.trigger("mediawatch_crawl")
    assert airflow.wait_run("mediawatch_crawl", run_id, timeout=240)["state"] == "success"
    assert {r["state"] for r in airflow.wait_new_runs("mediawatch_process", before, timeout=240)} == {"success"}
    again = lake_counts(airflow, monkeypatch)
    assert again["articles"] == counts["articles"] and again["versions"] == counts["versions"]
    assert again["files"][0] == again["files"][1]


def test_the_shared_folder_holds_staging_state_and_the_analyst_copy(airflow: Cluster) -> None:
    shared = Path(airflow.env["MW_SHARED"])
    assert len(list((shared / "staging").glob("*/*.jsonl"))) >= SITES
    assert (shared / "crawl_state.parquet").stat().st_size > 0  # incremental state for every worker
    assert (shared / "warehouse_analyst.duckdb").stat().st_size > 0
    assert list((Path(airflow.env["MEDIAWATCH_DUCKLAKE_DATA"]) / "main").rglob("*.parquet"))
