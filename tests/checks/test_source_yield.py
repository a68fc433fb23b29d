"""The yield check over real HTTP on 127.0.0.1: a site whose new stories start answering HTTP 200
with a "Just a moment..." challenge page is flagged in dq_results on its first bad crawl, naming the
source and the dominant not_article reason; judged against its own history when it has one, against
`yield_min_share` when it has none, and not at all when its registry entry lowers the limit."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from checks.challenge_site import ChallengeSite
from reliability.conftest import FAST, query

from mediawatch import pipeline
from mediawatch.config import REPO_ROOT, Paths


@pytest.fixture(scope="module")
def walled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("yield")
    with ChallengeSite() as site:
        for section in ("walled", "steady", "newwall", "tolerant"):
            site.publish(section, 6 if section in ("walled", "steady") else 0)
        site.wall("newwall")
        site.wall("tolerant")
        (root / "sources.yaml").write_text(site.registry({"tolerant": {"yield_min_share": 0}}))
        paths = Paths(sources=root / "sources.yaml", watchlist=REPO_ROOT / "watchlist.yaml",
                      warehouse=root / "data" / "warehouse.duckdb", reports=root / "reports")
        first = pipeline.crawl(paths, "crawl-1", settings=dict(FAST))
        pipeline.load(paths)
        gate_1 = pipeline.check(paths, "gate-1")

        site.wall("walled")  # the publisher puts up a bot wall: its 8 new stories are challenges
        site.publish("walled", 8)
        site.publish("steady", 6)
        site.publish("newwall", 8)
        site.publish("tolerant", 6)
        second = pipeline.crawl(paths, "crawl-2", settings=dict(FAST))
        pipeline.load(paths)
        gate_2 = pipeline.check(paths, "gate-2")
        built = pipeline.report(paths, run_id="gate-2")
    status = subprocess.run(
        [str(REPO_ROOT / ".venv" / "bin" / "mediawatch"), "status", "--sources", str(paths.sources),
         "--warehouse", str(paths.warehouse), "--reports", str(paths.reports)],
        capture_output=True, text=True, timeout=120)
    return {"paths": paths, "crawls": (first, second), "gates": (gate_1, gate_2), "built": built,
            "status": status}


def yield_result(paths: Paths, run_id: str) -> tuple[str, bool, str, dict[str, Any]]:
    ((severity, success, observed, details),) = query(
        paths.warehouse, "select severity, success, observed_value, details from dq_results "
        "where run_id = ? and expectation = 'source_yield'", [run_id])
    return severity, success, observed, json.loads(details)


def test_the_healthy_first_run_passes(walled: dict[str, Any]) -> None:
    first, _ = walled["crawls"]
    assert first["failed_sources"] == [] and first["articles"] == 12
    _, success, _, _ = yield_result(walled["paths"], "gate-1")
    assert success is True


def test_the_first_walled_run_is_a_warning_naming_the_source_and_reason(walled: dict[str, Any]) -> None:
    _, second = walled["crawls"]
    # the crawl itself succeeded: the pages answered 200, they just are no articles
    assert second["failed_sources"] == [] and second["articles"] == 6
    severity, success, observed, details = yield_result(walled["paths"], "gate-2")
    assert severity == "warning" and success is False
    collapsed = {r["source"]: r for r in details["collapsed"]}
    assert set(collapsed) == {"walled", "newwall"}  # steady is fine, tolerant's limit is 0
    assert collapsed["walled"]["candidates"] == 8 and collapsed["walled"]["articles"] == 0
    assert collapsed["walled"]["dominant_not_article_reason"] == "not_article:challenge_page"
    assert collapsed["walled"]["history_yield"] == 1.0  # judged against its own history
    assert collapsed["newwall"]["history_yield"] is None and collapsed["newwall"]["limit"] == 0.2
    assert "walled: 0 of 8 pages became articles" in observed and "not_article:challenge_page" in observed
    gate_2 = walled["gates"][1]
    assert gate_2["passed"] is True  # a warning: the report still runs
    assert any(w["check"] == "source_yield" and "walled" in w["observed"] for w in gate_2["warnings"])


def test_crawl_runs_carry_each_crawls_yield(walled: dict[str, Any]) -> None:
    rows = query(walled["paths"].warehouse, "select source, run_id, candidates, article_yield, "
                 "dominant_not_article_reason from crawl_runs where candidates > 0 order by 1, 2")
    by_run = {(r[0], r[1]): r[2:] for r in rows}
    assert by_run[("walled", "crawl-1")] == (6, 1.0, None)
    assert by_run[("walled", "crawl-2")] == (8, 0.0, "not_article:challenge_page")
    assert by_run[("steady", "crawl-2")] == (6, 1.0, None)


def test_the_reports_source_health_shows_the_collapse(walled: dict[str, Any]) -> None:
    built = walled["built"]
    assert any("Source walled stopped yielding articles" in w and "not_article:challenge_page" in w
               for w in built["warnings"]), built["warnings"]
    assert not any("Source steady stopped" in w for w in built["warnings"])
    html = Path(built["report"]).read_text()
    section = html.split('id="sources"')[1]
    assert "walled" in section and "not_article:challenge_page" in section


def test_status_shows_each_sources_health(walled: dict[str, Any]) -> None:
    done = walled["status"]
    assert done.returncode == 0, done.stderr[-2000:]
    health = {h["source"]: h for h in json.loads(done.stdout.strip().splitlines()[-1])["sources"]}
    assert set(health) == {"walled", "steady", "newwall", "tolerant"}
    assert health["walled"]["yield_collapsed"] is True and health["walled"]["article_yield"] == 0.0
    assert health["walled"]["yield_reason"] == "not_article:challenge_page"
    assert health["walled"]["last_outcome"] == "ok" and health["walled"]["last_success_at"]
    assert health["steady"]["yield_collapsed"] is False and health["steady"]["article_yield"] == 1.0
    assert health["steady"]["last_failure_at"] is None
    line = next(ln for ln in done.stderr.splitlines() if ln.strip().startswith("walled:"))
    assert "yield 0%" in line and "YIELD COLLAPSED (not_article:challenge_page)" in line
