"""A crawl task retried on another worker (the first lost contact after finishing) loses nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from distributed_cluster import REPO_ROOT, start_fixture_web

from mediawatch import pipeline
from mediawatch.config import Paths

pytestmark = pytest.mark.slow
FAST = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "8"}


def test_a_retry_with_the_same_run_id_keeps_the_finished_staging_file(tmp_path: Path) -> None:
    web, registry = start_fixture_web(tmp_path, 6)
    try:
        paths = Paths(sources=registry, watchlist=REPO_ROOT / "watchlist.yaml",
                      warehouse=tmp_path / "shared" / "warehouse.duckdb", reports=tmp_path / "reports")
        first = pipeline.crawl_one(paths, "techpress", "scheduled__run", settings=FAST)
        finished = paths.staging_dir / "techpress" / "scheduled__run.jsonl"
        kept = finished.read_bytes()
        assert first["articles"] == 6 and kept.count(b"\n") >= 6
        # Airflow retries the task with the same run id (its worker died before reporting success)
        retry = pipeline.crawl_one(paths, "techpress", "scheduled__run", settings=FAST)
    finally:
        web.terminate()
        web.wait(timeout=30)
    assert finished.read_bytes() == kept  # the finished file is immutable: not overwritten
    # the retry reports the finished crawl and fetches nothing (the task behaves like a transaction)
    assert retry == first
    assert sorted(p.name for p in (paths.staging_dir / "techpress").glob("*.jsonl")) == ["scheduled__run.jsonl"]
    stats = paths.staging_dir / "techpress" / "scheduled__run.stats.json"
    assert json.loads(stats.read_text())["articles"] == 6
