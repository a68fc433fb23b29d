"""Crash safety and retries: a crawl killed with SIGKILL and run again loses no article and stores
none twice; each pipeline step run twice with the same run id (an Airflow retry) leaves the same
warehouse and report.

Already proven elsewhere (not repeated here):
- a load killed mid-transaction, then rerun, equals a clean load (tests/warehouse/test_load.py::
  test_a_load_killed_mid_way_then_rerun_equals_a_clean_load);
- a report build killed midway leaves the last good report served (tests/report/test_report_atomic.py);
- a torn last line of a crashed run's `.part` is dropped, the rest kept (tests/crawl/test_staging.py).
"""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from mediawatch import pipeline
from mediawatch.config import Paths
from mediawatch.crawl import CrawlError
from mediawatch.fixture_web import FixtureWeb

from .conftest import FAST, make_paths, query


def stored_urls(paths: Paths) -> list[str]:
    return [row[0] for row in query(paths.warehouse, "select canonical_url from articles order by 1")]


def scrapy_child() -> psutil.Process | None:
    for child in psutil.Process().children(recursive=True):
        try:
            if "scrapy" in " ".join(child.cmdline()):
                return child
        except psutil.NoSuchProcess:
            continue
    return None


@pytest.mark.timeout(180)
def test_a_crawl_killed_mid_run_then_rerun_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    with FixtureWeb(seed=7, articles=24) as web:
        paths = make_paths(tmp_path, web.write_sources(tmp_path / "sources.yaml"))
        # one request at a time with a small delay, so the crawl is still running when killed
        slow = {**FAST, "CONCURRENT_REQUESTS_PER_DOMAIN": "1", "DOWNLOAD_DELAY": "0.15"}
        outcome: dict[str, Any] = {}

        def first_run() -> None:
            try:
                pipeline.crawl_one(paths, "techpress", "killed", slow)
            except CrawlError as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=first_run)
        thread.start()
        part = paths.staging_dir / "techpress" / "killed.jsonl.part"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait for a few staged pages, then pull the plug
            if part.exists() and part.read_bytes().count(b"\n") >= 4:
                break
            time.sleep(0.05)
        child = scrapy_child()
        assert child is not None and part.exists(), "the crawl ended before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
        thread.join(timeout=30)
        assert isinstance(outcome.get("error"), CrawlError) and outcome["error"].returncode == -9
        staged_before_kill = part.read_bytes().count(b"\n")
        assert 4 <= staged_before_kill < 24

        pipeline.crawl_one(paths, "techpress", "again", dict(FAST))
        pipeline.load(paths)
        truth = sorted(u for u, m in web.ground_truth().items() if m["site"] == "techpress")

    urls = stored_urls(paths)
    assert urls == truth  # every article, each exactly once
    runs = {r[0]: r[1:] for r in query(paths.warehouse, "select run_id, crawl_error, succeeded from crawl_runs")}
    assert set(runs) == {"killed", "again"}
    assert runs["killed"][0] and runs["killed"][1] is False  # the killed run is recorded as failed
    assert runs["again"] == ("", True)
    # the killed run's pages were kept (not fetched again) and counted in its own run
    (kept,) = query(paths.warehouse, "select count(*) from raw.pages where run_id = 'killed'")
    assert kept[0] >= staged_before_kill - 1


def snapshot(paths: Paths, day_folder: str) -> dict[str, Any]:
    """What a retried step could change: warehouse rows and report files."""
    out: dict[str, Any] = {
        name: query(paths.warehouse, sql) for name, sql in {
            "articles": "select article_id, content_hash, version, title from articles order by 1",
            "versions": "select article_id, version, content_hash from article_versions order by all",
            "mentions": "select * exclude (mention_id) from mentions order by all"
            if _has_column(paths, "mentions", "mention_id") else "select * from mentions order by all",
            "crawl_runs": "select run_id, source, requests, articles, skipped, failed, errors_by_kind "
                          "from crawl_runs order by all",
            # the freshness check observes the clock; everything else must repeat exactly
            "dq_results": "select run_id, suite, expectation, severity, success, "
                          "if(expectation = 'newest_article_fresh', '', observed_value) "
                          "from dq_results order by all",
            "quarantine": "select article_id, content_hash, reason, run_id, released_at "
                          "from quarantine order by all",
        }.items()
    }
    folder = paths.reports / day_folder / "tables"
    tables = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}
    # the freshness verdict observes the clock; source health counts crawl runs (compared on its own)
    out["report_tables"] = {k: v for k, v in tables.items() if k not in ("dq_latest.csv", "source_health.csv")}
    out["source_health"] = tables.get("source_health.csv")
    out["report_folders"] = sorted(p.name for p in paths.reports.iterdir())
    return out


def _has_column(paths: Paths, table: str, column: str) -> bool:
    rows = query(paths.warehouse, "select 1 from duckdb_columns() where table_name = ? and column_name = ?",
                 [table, column])
    return bool(rows)


@pytest.fixture(scope="module")
def retried(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What Airflow task retries do: each step again, same run id, after it succeeded."""
    root = tmp_path_factory.mktemp("retried")
    with FixtureWeb(seed=5, articles=5) as web:
        paths = make_paths(root, web.write_sources(root / "sources.yaml"))
        snapshots, loads, crawls = [], [], []
        for _ in range(2):
            crawls.append(pipeline.crawl_one(paths, "techpress", "manual_2026", dict(FAST)))
            loads.append(pipeline.load(paths))
            gate = pipeline.check(paths, "manual_2026")
            built = pipeline.report(paths, run_id="manual_2026")
            snapshots.append(snapshot(paths, Path(built["report"]).parent.name))
    return {"snapshots": snapshots, "loads": loads, "crawls": crawls, "gate": gate}


@pytest.mark.timeout(180)
def test_each_step_run_twice_with_the_same_run_id_changes_nothing(retried: dict[str, Any]) -> None:
    assert retried["gate"]["passed"] is True
    assert (retried["loads"][0]["pages_loaded"], retried["loads"][1]["pages_loaded"]) == (5, 0)
    first, second = retried["snapshots"]
    for key in first:
        if key not in ("crawl_runs", "source_health"):  # see the next test
            assert first[key] == second[key], key
    assert len(first["articles"]) == 5 and first["report_tables"]


def test_a_retried_crawl_task_adds_no_crawl_run(retried: dict[str, Any]) -> None:
    first, second = retried["snapshots"]
    assert first["crawl_runs"] == second["crawl_runs"]
    assert first["source_health"] == second["source_health"]
    assert retried["crawls"][0] == retried["crawls"][1]


@pytest.mark.timeout(180)
def test_a_retried_crawl_before_any_load_loses_nothing(tmp_path: Path) -> None:
    with FixtureWeb(seed=5, articles=5) as web:
        paths = make_paths(tmp_path, web.write_sources(tmp_path / "sources.yaml"))
        for _ in range(2):  # e.g. the task succeeded, then Airflow retried it (heartbeat lost)
            pipeline.crawl_one(paths, "techpress", "manual_2026", dict(FAST))
        pipeline.load(paths)
        truth = sorted(u for u, m in web.ground_truth().items() if m["site"] == "techpress")
    assert stored_urls(paths) == truth
