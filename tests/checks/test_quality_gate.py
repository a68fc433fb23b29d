"""The quality gate on real warehouses: staging files -> pipeline.load -> run_gate, one fault at a time."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from gate_builders import (
    article_id,
    failed_page,
    good_batch,
    load,
    make_paths,
    page,
    query,
    recently,
    stage,
)

from mediawatch.checks import GateFailed, Thresholds, latest_gate_status, run_gate
from mediawatch.checks.suites import build_checks
from mediawatch.config import Paths
from mediawatch.warehouse.db import connect_reader


def names(items: list[dict[str, Any]]) -> set[str]:
    return {item["check"] for item in items}


def test_a_good_batch_passes_and_each_version_is_checked_once(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    good_batch(paths, "run1", recently(2))
    load(paths)

    summary = run_gate(paths, "gate1")

    assert summary["passed"] is True
    assert summary["critical_failures"] == [] and summary["warnings"] == []
    assert summary["checked_articles"] == 10 and summary["quarantined"] == 0
    every_check = {c.name for c in build_checks(Thresholds())}
    rows = query(paths.warehouse, "select expectation, success from dq_results where run_id = 'gate1'")
    assert {name for name, _ in rows} == every_check and all(ok for _, ok in rows)
    index = Path(summary["data_docs"])
    assert index == paths.reports / "data-docs" / "index.html" and index.exists()
    assert "new_articles" in index.read_text()
    # the analyst copy is republished with the results
    con = connect_reader(paths.analyst_db)
    try:
        status = latest_gate_status(con)
    finally:
        con.close()
    assert status["run_id"] == "gate1" and status["passed"] is True
    assert len(status["results"]) == len(every_check)

    # the next run checks only what was loaded since
    good_batch(paths, "run2", recently(), per_source=2)
    load(paths)
    assert run_gate(paths, "gate2")["checked_articles"] == 4
    assert query(paths.warehouse, "select run_id, count(*) from dq_checked_versions group by all order by 1") == [
        ("gate1", 10), ("gate2", 4)]


ROW_FAULTS = [
    ("title_present", {"title": None}),
    ("title_present", {"title": "   "}),
    ("body_present", {"body": "   "}),
    ("url_present", {"page_url": ""}),
    ("source_present", {"page_source": ""}),
    ("fetched_at_present", {"fetched_at": "yesterday-ish"}),
    ("published_at_not_too_early", {"published_at": "1990-05-01T00:00:00+00:00"}),
    ("published_at_not_after_fetch", {"published_at": "+3d"}),
    ("language_is_iso_639_1", {"language": "english"}),
]


@pytest.fixture(scope="module")
def row_fault_gate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Paths, dict[str, Any]]:
    """One warehouse holding 40 good articles and one bad article per row fault, after one gate run."""
    paths = make_paths(tmp_path_factory.mktemp("row_faults"))
    when = recently()
    good_batch(paths, "run1", when, per_source=20)
    bad = []
    for number, (_, fault) in enumerate(ROW_FAULTS):
        if fault.get("published_at") == "+3d":
            fault = {"published_at": (when + timedelta(days=3)).isoformat()}
        bad.append(page("alpha", "run2", f"bad-{number}", when, **fault))
    stage(paths, "alpha", "run2", bad, when)
    load(paths)
    assert query(paths.warehouse, "select count(*) from articles") == [(40 + len(ROW_FAULTS),)]
    return paths, run_gate(paths, "gate1")


def test_bad_rows_warn_and_are_quarantined_while_the_batch_passes(
    row_fault_gate: tuple[Paths, dict[str, Any]],
) -> None:
    paths, summary = row_fault_gate
    assert summary["passed"] is True
    assert names(summary["warnings"]) == {check for check, _ in ROW_FAULTS}
    assert summary["quarantined"] == len(ROW_FAULTS)
    assert summary["checked_articles"] == 40 + len(ROW_FAULTS)
    for db in (paths.warehouse, paths.analyst_db):
        assert query(db, "select count(*) from articles") == [(40,)]


@pytest.mark.parametrize("number", range(len(ROW_FAULTS)), ids=[f"{c}:{list(f.values())[0]}" for c, f in ROW_FAULTS])
def test_each_row_fault_quarantines_its_row(row_fault_gate: tuple[Paths, dict[str, Any]], number: int) -> None:
    paths, _ = row_fault_gate
    check = ROW_FAULTS[number][0]
    bad_id = article_id("alpha", f"bad-{number}")
    held = query(paths.warehouse, "select reason, run_id, released_at from quarantine where article_id = ?", [bad_id])
    assert held == [(f"failed {check}", "gate1", None)]
    for db in (paths.warehouse, paths.analyst_db):
        assert query(db, "select count(*) from articles where article_id = ?", [bad_id]) == [(0,)]
        assert query(db, "select count(*) from mentions where article_id = ?", [bad_id]) == [(0,)]
    recorded = query(
        paths.warehouse,
        "select severity, success, observed_value, details from dq_results where run_id = 'gate1' and expectation = ?",
        [check],
    )
    offenders = sum(c == check for c, _ in ROW_FAULTS)
    total = 40 + len(ROW_FAULTS)
    assert [(s, ok, seen) for s, ok, seen, _ in recorded] == [("warning", False, f"{offenders} of {total} rows")]
    assert json.loads(recorded[0][3])["quarantined"] == offenders


def test_a_systemic_row_fault_is_critical_but_recorded(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    when = recently()
    good_batch(paths, "run1", when, per_source=2)
    stage(paths, "alpha", "run2", [page("alpha", "run2", f"untitled-{i}", when, title=None) for i in range(6)], when)
    load(paths)

    with pytest.raises(GateFailed) as failed:
        run_gate(paths, "gate1")

    message = str(failed.value)
    assert "title_present" in message and "data-docs" in message and "dq_results" in message
    assert names(failed.value.summary["critical_failures"]) == {"title_present"}
    assert query(paths.warehouse, "select severity, success from dq_results "
                 "where run_id = 'gate1' and expectation = 'title_present'") == [("critical", False)]
    assert query(paths.warehouse, "select passed, critical_failures from dq_gate_runs") == [(False, 1)]
    # the rows are still held, so the marts stay clean for whenever the gate passes again
    assert query(paths.warehouse, "select count(*) from quarantine where released_at is null") == [(6,)]
    assert query(paths.analyst_db, "select count(*) from articles") == [(4,)]
    assert (paths.reports / "data-docs" / "index.html").exists()


def test_a_retried_run_gives_the_same_result(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    when = recently()
    stage(paths, "alpha", "run1", [page("alpha", "run1", f"untitled-{i}", when, title=None) for i in range(6)], when)
    load(paths)
    outcomes = []
    for _ in range(2):
        with pytest.raises(GateFailed) as failed:
            run_gate(paths, "gate1")
        outcomes.append(failed.value.summary)
        outcomes.append(query(paths.warehouse, "select expectation, severity, success, observed_value "
                              "from dq_results order by all"))
    assert outcomes[0] == outcomes[2] and outcomes[1] == outcomes[3]
    assert query(paths.warehouse, "select count(*) from quarantine") == [(6,)]


def test_duplicate_and_short_bodies_warn_without_quarantine(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    when = recently()
    shared = "The same wire story, syndicated word for word. " * 20
    pages = [page("alpha", "run1", f"copy-{i}", when, body=shared) for i in range(4)]
    pages += [page("alpha", "run1", f"brief-{i}", when, body=f"Brief number {i}.") for i in range(3)]
    pages += [page("alpha", "run1", f"fine-{i}", when) for i in range(3)]
    stage(paths, "alpha", "run1", pages, when)
    load(paths)

    summary = run_gate(paths, "gate1")

    assert summary["passed"] is True
    assert names(summary["warnings"]) == {"duplicate_body_share", "short_body_share"}
    assert summary["quarantined"] == 0
    observed = dict(query(paths.warehouse, "select expectation, observed_value from dq_results"))
    assert observed["duplicate_body_share"] == "4 of 10 rows"
    assert observed["short_body_share"] == "3 of 10 rows"


def test_stale_warehouse_warns(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    good_batch(paths, "run1", recently(hours=24 * 5))
    load(paths)
    summary = run_gate(paths, "gate1")
    assert summary["passed"] is True
    assert names(summary["warnings"]) == {"newest_article_fresh"}


def test_source_volume_drop_and_jump_warn(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    start = recently(hours=30)
    for run in range(4):  # alpha: 4 crawls of 3 articles, then 0; beta: 3 crawls of 2, then 25
        when = start + timedelta(hours=run)
        stage(paths, "alpha", f"a{run}", [page("alpha", f"a{run}", f"a{run}-{i}", when) for i in range(3)], when)
        if run < 3:
            stage(paths, "beta", f"b{run}", [page("beta", f"b{run}", f"b{run}-{i}", when) for i in range(2)], when)
    last = start + timedelta(hours=5)
    stage(paths, "alpha", "a4", [], last)
    stage(paths, "beta", "b3", [page("beta", "b3", f"b3-{i}", last) for i in range(25)], last)
    load(paths)

    summary = run_gate(paths, "gate1")

    assert summary["passed"] is True
    assert names(summary["warnings"]) == {"source_volume_stable"}
    details = json.loads(query(paths.warehouse, "select details from dq_results "
                               "where expectation = 'source_volume_stable'")[0][0])
    assert sorted(row["source"] for row in details["sample"]) == ["alpha", "beta"]


def test_failing_source_warns(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    when = recently()
    good_batch(paths, "run1", when - timedelta(hours=1), per_source=2)
    pages = [page("alpha", "run2", f"ok-{i}", when) for i in range(4)]
    pages += [failed_page("alpha", "run2", str(i), when) for i in range(8)]
    stage(paths, "alpha", "run2", pages, when)
    stage(paths, "beta", "run2", [], when, error="scrapy exited with code 1")
    load(paths)

    summary = run_gate(paths, "gate1")

    assert summary["passed"] is True
    assert names(summary["warnings"]) == {"source_failure_rate", "source_latest_crawl_succeeded"}
    observed = dict(query(paths.warehouse, "select expectation, details from dq_results"))
    assert [r["source"] for r in json.loads(observed["source_failure_rate"])["sample"]] == ["alpha"]
    assert [r["source"] for r in json.loads(observed["source_latest_crawl_succeeded"])["sample"]] == ["beta"]


def _break_marts(paths: Paths, sql: str) -> None:
    """Simulate a broken model: change a mart behind the loader's back."""
    con = duckdb.connect(str(paths.warehouse))
    try:
        con.execute(sql)
    finally:
        con.close()


MART_FAULTS = [
    ({"article_id_unique", "canonical_url_unique"},
     "insert into articles select * from articles limit 1"),
    ({"mentions_reference_articles"},
     "insert into mentions (article_id, entity, matched_text, field) "
     "values ('0000000000000000', 'Apple', 'Apple', 'body')"),
    ({"articles_reference_clusters"},
     "update articles set cluster_id = 'no-such-cluster' where article_id = (select min(article_id) from articles)"),
    ({"version_unique"},
     "insert into article_versions select * from article_versions limit 1"),
]


@pytest.mark.parametrize(("checks", "sql"), MART_FAULTS, ids=[sorted(c)[0] for c, _ in MART_FAULTS])
def test_a_broken_mart_fails_the_gate(tmp_path: Path, checks: set[str], sql: str) -> None:
    paths = make_paths(tmp_path)
    good_batch(paths, "run1", recently())
    load(paths)
    _break_marts(paths, sql)

    with pytest.raises(GateFailed) as failed:
        run_gate(paths, "gate1")

    assert names(failed.value.summary["critical_failures"]) == checks
    failing = query(paths.warehouse, "select expectation from dq_results "
                    "where run_id = 'gate1' and not success and severity = 'critical'")
    assert {name for (name,) in failing} == checks
    # the analyst copy carries the verdict to the report
    con = connect_reader(paths.analyst_db)
    try:
        assert names(latest_gate_status(con)["critical_failures"]) == checks
    finally:
        con.close()


def test_thresholds_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = make_paths(tmp_path)
    good_batch(paths, "run1", recently(hours=5))
    load(paths)
    monkeypatch.setenv("MEDIAWATCH_DQ_FRESHNESS_MAX_HOURS", "2")
    assert names(run_gate(paths, "gate1")["warnings"]) == {"newest_article_fresh"}
    monkeypatch.setenv("MEDIAWATCH_DQ_FRESHNESS_MAX_HOURS", "two")
    with pytest.raises(ValueError, match="MEDIAWATCH_DQ_FRESHNESS_MAX_HOURS"):
        run_gate(paths, "gate2")


def test_the_gate_needs_a_loaded_warehouse(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    with pytest.raises(FileNotFoundError, match="mediawatch load"):
        run_gate(paths, "gate1")
    assert not paths.warehouse.exists()  # checking never creates an empty warehouse
    duckdb.connect(str(paths.warehouse)).close()
    with pytest.raises(FileNotFoundError, match="no marts yet"):
        run_gate(paths, "gate1")
