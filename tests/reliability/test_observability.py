"""Observability: every crawl, load and gate run leaves its counts in the warehouse, and a source
whose crawls fail three runs in a row is flagged (`sources.failing`) and named in the report.

Already proven elsewhere: crawl counts with failures by reason in `crawl_runs` after a faulty crawl
(test_fault_matrix.py here); rows the gate quarantines land in `quarantine` with the run id and
reason (tests/checks/test_quality_gate.py::test_each_row_fault_quarantines_its_row); the failing-
source flag computed from hand-written stats (tests/report/test_report_numbers.py::
test_alerts_and_source_health); `log_summary` lines in Airflow task logs (test_airflow_retry.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import CountingListener

from mediawatch import pipeline
from mediawatch.config import Paths
from mediawatch.crawl import CrawlError
from mediawatch.fixture_web import FixtureWeb

from .conftest import FAST, make_paths, query


def with_dead_source(web: FixtureWeb, root: Path, port: int) -> Path:
    """The fixture registry plus `deadsite`, whose only feed is an allowlisted port that accepts
    connections and closes them without an answer."""
    registry = yaml.safe_load(web.sources_yaml())
    registry["network"]["allowlist"].append(f"127.0.0.1:{port}")
    registry["sources"].append({
        "name": "deadsite", "homepage": f"http://127.0.0.1:{port}/",
        "allowed_domains": ["127.0.0.1"], "feeds": [f"http://127.0.0.1:{port}/feed/"],
        "language": "en", "country": "US", "crawl_interval": "1h",
    })
    path = root / "sources.yaml"
    path.write_text(yaml.safe_dump(registry, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """techpress crawled once; sitemaponly's crawl crashed three times in a row; deadsite's feed
    failed three times in a row; then load, gate and report."""
    root = tmp_path_factory.mktemp("observed")
    with FixtureWeb(seed=11, articles=4) as web, CountingListener() as dead:
        paths = make_paths(root, with_dead_source(web, root, dead.port))
        crawls = [pipeline.crawl_one(paths, "techpress", "run-0", dict(FAST))]
        crashes = []
        for i in range(1, 4):
            with pytest.raises(CrawlError) as crashed:  # a setting Scrapy refuses: the process dies
                pipeline.crawl_one(paths, "sitemaponly", f"run-{i}", {**FAST, "LOG_LEVEL": "NOPE"})
            crashes.append(crashed.value)
            with pytest.raises(pipeline.SourceFailed) as dead:  # nothing answered: a failed source
                pipeline.crawl_one(paths, "deadsite", f"run-{i}", dict(FAST))
            crawls.append(dead.value.stats)
        loaded = pipeline.load(paths)
        gate = pipeline.check(paths, "gate-1")
        built = pipeline.report(paths, run_id="gate-1")
    return {"paths": paths, "crawls": crawls, "crashes": crashes, "loaded": loaded, "gate": gate,
            "built": built}


def test_every_crawl_records_its_counts(observed: dict[str, Any]) -> None:
    paths: Paths = observed["paths"]
    rows = query(paths.warehouse, "select run_id, source, requests, articles, skipped, failed, "
                 "errors_by_kind, crawl_error from crawl_runs order by source, run_id")
    by_run = {(r[1], r[0]): r for r in rows}
    assert set(by_run) == {("techpress", "run-0")} | {
        (s, f"run-{i}") for s in ("sitemaponly", "deadsite") for i in (1, 2, 3)}
    tech = by_run[("techpress", "run-0")]
    stats = observed["crawls"][0]
    assert tech[2:6] == (stats["requests"], stats["articles"], stats["skipped"], stats["failed"])
    assert tech[3] == 4 and tech[7] == ""
    for i in (1, 2, 3):
        assert by_run[("sitemaponly", f"run-{i}")][7], "a crashed crawl records why"
        dead = json.loads(by_run[("deadsite", f"run-{i}")][6])
        assert dead and set(dead) <= {"connection_error", "connection_refused", "timeout"}, dead


def test_every_load_and_gate_run_records_its_counts(observed: dict[str, Any]) -> None:
    paths: Paths = observed["paths"]
    loaded = observed["loaded"]
    ((status, files, pages, versions),) = query(
        paths.warehouse, "select status, files, pages, new_versions from raw.loads where load_id = ?",
        [loaded["load_id"]])
    assert (status, files, pages, versions) == (
        "done", loaded["files_loaded"], loaded["pages_loaded"], loaded["new_versions"])
    ((checks, passed),) = query(paths.warehouse, "select count(*), bool_and(success or severity <> "
                                "'critical') from dq_results where run_id = 'gate-1'")
    assert checks == observed["gate"]["checks"] and passed is True
    (quarantined,) = query(paths.warehouse, "select count(*) from quarantine where run_id = 'gate-1'")
    assert quarantined[0] == observed["gate"]["quarantined"]


def test_a_source_crashing_three_runs_in_a_row_is_flagged_and_reported(observed: dict[str, Any]) -> None:
    paths: Paths = observed["paths"]
    flags = dict(query(paths.warehouse, "select source, failing from sources"))
    assert flags["sitemaponly"] is True and flags["techpress"] is False
    assert any("sitemaponly" in w and "failing" in w for w in observed["built"]["warnings"])
    assert "sitemaponly" in Path(observed["built"]["report"]).read_text()


def test_a_source_whose_feed_is_down_three_runs_in_a_row_is_flagged(observed: dict[str, Any]) -> None:
    flags = dict(query(observed["paths"].warehouse, "select source, failing from sources"))
    assert flags["deadsite"] is True
