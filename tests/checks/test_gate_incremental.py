"""A gate whose cost follows the new work: its batch comes from the loads no run has looked at, a suite
whose values did not change reuses its results, and a run with nothing new reuses the verdict."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from gate_builders import good_batch, load, make_paths, page, query, recently, stage

from mediawatch.checks import GateFailed, latest_gate_status, run_gate
from mediawatch.checks.frames import batch_frame
from mediawatch.checks.suites import SUITE_COLUMNS, build_checks
from mediawatch.checks.thresholds import Thresholds
from mediawatch.config import REPO_ROOT, Paths
from mediawatch.warehouse.db import connect_reader, connect_writer

# the batch as defined before the gate followed the loads: every version prep.prep_article_versions
# yields that no run checked (a full scan); the incremental batch must be the same set of rows
_BATCH_FROM_PREP = """
select versions.article_id, versions.content_hash, versions.url, versions.fetched_at
from prep.prep_article_versions as versions
anti join main.dq_checked_versions as checked
    on versions.article_id = checked.article_id and versions.content_hash = checked.content_hash
order by all
"""


def _batch_both_ways(warehouse: Path) -> tuple[list[tuple], list[tuple]]:
    con = connect_writer(warehouse)
    try:
        frame = batch_frame(con, Thresholds())
        incremental = sorted(
            (r.article_id, r.content_hash, r.url, r.fetched_at.to_pydatetime())
            for r in frame.itertuples(index=False)
        )
        return incremental, [tuple(r) for r in con.execute(_BATCH_FROM_PREP).fetchall()]
    finally:
        con.close()


def test_the_batch_from_new_loads_equals_the_unchecked_versions(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    when = recently(3)
    good_batch(paths, "run1", when, per_source=3)
    load(paths)
    run_gate(paths, "gate1")
    # next load: an updated version of one article, a re-fetch of an unchanged one, two new articles
    # (one of them fetched twice in the same crawl)
    later = recently(1)
    pages = [page("alpha", "run2", "alpha-run1-0", later, body="An updated body for the first story. " * 30),
             page("alpha", "run2", "alpha-run1-1", later),
             page("alpha", "run2", "fresh-1", later), page("alpha", "run2", "fresh-2", later)]
    pages.append(page("alpha", "run2", "fresh-2", later, fetched_at=(later + timedelta(minutes=5)).isoformat()))
    stage(paths, "alpha", "run2", pages, later)
    load(paths)

    incremental, full = _batch_both_ways(paths.warehouse)
    assert incremental == full and len(full) == 3  # the update and the two new articles
    assert run_gate(paths, "gate2")["checked_articles"] == 3
    assert _batch_both_ways(paths.warehouse) == ([], [])


def test_nothing_new_reuses_the_verdict_and_says_so(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    good_batch(paths, "run1", recently(2))
    load(paths)
    first = run_gate(paths, "gate1")
    assert first["validated_suites"] == ["new_articles", "warehouse", "sources"]
    results_before = query(paths.warehouse, "select count(*) from dq_results")

    load(paths)  # nothing new staged: the load builds nothing
    again = run_gate(paths, "gate2")

    assert again["passed"] is True and again["reused_from"] == "gate1"
    build = query(paths.warehouse, "select max(build_id) from meta.builds")[0][0]
    assert again["note"] == f"nothing new since build {build}, verdict of gate run gate1 reused"
    assert again["checks"] == first["checks"] and again["validated_suites"] == []
    # recorded, never silent: the run is in dq_gate_runs with where its verdict came from
    assert query(paths.warehouse, "select passed, reused_from, build_id from dq_gate_runs where run_id = 'gate2'") == [
        (True, "gate1", build)]
    assert query(paths.warehouse, "select count(*) from dq_results") == results_before
    con = connect_reader(paths.analyst_db)
    try:
        assert latest_gate_status(con)["run_id"] == "gate1"
    finally:
        con.close()

    # a retried run redoes its work (never reuses its own verdict)
    retried = run_gate(paths, "gate1")
    assert "reused_from" not in retried and retried["checked_articles"] == 10

    forced = run_gate(paths, "gate3", force=True)
    assert "reused_from" not in forced and forced["validated_suites"] == ["warehouse", "sources"]
    assert forced["reused_suites"] == {}


def _gate_in_a_process(paths: Paths, run: str) -> dict[str, Any]:
    """run_gate in a fresh interpreter: its summary's reuse and the heavy modules it imported."""
    code = (
        "import sys, json\n"
        "from pathlib import Path\n"
        "from mediawatch.config import Paths\n"
        "from mediawatch.checks import run_gate\n"
        f"paths = Paths(sources=Path({str(paths.sources)!r}), watchlist=Path({str(paths.watchlist)!r}), "
        f"warehouse=Path({str(paths.warehouse)!r}), reports=Path({str(paths.reports)!r}))\n"
        "summary = run_gate(paths, sys.argv[1])\n"
        "print(json.dumps({'reused': summary.get('reused_from'), 'note': summary['note'], "
        "'modules': [m for m in ('great_expectations', 'pandas', 'scipy.stats', 'altair') if m in sys.modules]}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, run], cwd=REPO_ROOT, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_a_crawl_with_nothing_new_reuses_the_verdict_without_pandas(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    good_batch(paths, "run1", recently(2))
    load(paths)
    run_gate(paths, "gate1")
    results_before = query(paths.warehouse, "select count(*) from dq_results")
    # a crawl that found nothing: its stats are loaded (a build of crawl_runs), no article changes
    for source in ("alpha", "beta"):
        stage(paths, source, "run2", [], recently(1))
    load(paths)

    second = _gate_in_a_process(paths, "gate2")

    # the frames were read (a build happened) and hold gate1's values: its verdict stands, and
    # neither Great Expectations nor pandas was loaded
    assert second == {"reused": "gate1", "modules": [],
                      "note": "no new article versions and the checked values are those of gate run gate1: "
                              "its verdict reused"}
    build = query(paths.warehouse, "select max(build_id) from meta.builds")[0][0]
    assert query(paths.warehouse, "select passed, reused_from, build_id, checked_articles from dq_gate_runs "
                 "where run_id = 'gate2'") == [(True, "gate1", build, 0)]
    assert query(paths.warehouse, "select count(*) from dq_results") == results_before
    # the loads it looked at are marked, so the next run with nothing new takes the cheaper path
    assert query(paths.warehouse, "select count(*) from raw.loads anti join dq_checked_loads using (load_id)") == [(0,)]
    assert run_gate(paths, "gate3")["note"] == f"nothing new since build {build}, verdict of gate run gate1 reused"
    # gate2 had started bringing a free analyst generation up to date, then published nothing: the
    # next load and gate publish it correctly from wherever it stopped
    good_batch(paths, "run3", recently(0), prefix="later-")
    load(paths)
    assert "reused_from" not in run_gate(paths, "gate4")
    for table in ("articles", "mentions", "search_postings", "dq_results"):
        assert query(paths.analyst_db, f"select count(*) from {table}") == query(
            paths.warehouse, f"select count(*) from {table}"), table
    assert query(paths.analyst_db, "select build_id from published_build") == [(build + 1,)]  # run3's load


def test_a_crawl_that_changes_one_suite_validates_only_that_suite(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    good_batch(paths, "run1", recently(2))
    load(paths)
    run_gate(paths, "gate1")
    # alpha's crawl failed (the sources frame changes); beta found nothing (no article changes)
    stage(paths, "alpha", "run2", [], recently(1), error="DNS lookup failed")
    stage(paths, "beta", "run2", [], recently(1))
    load(paths)

    summary = run_gate(paths, "gate2")

    assert "reused_from" not in summary and summary["checked_articles"] == 0
    assert summary["validated_suites"] == ["sources"]
    assert summary["reused_suites"] == {"warehouse": "gate1"}
    assert "source_latest_crawl_succeeded" in {w["check"] for w in summary["warnings"]}
    assert "results reused: warehouse (same values as gate run gate1)" in summary["note"]
    rows = query(paths.warehouse, "select suite, details from dq_results where run_id = 'gate2'")
    assert len(rows) == len(build_checks(Thresholds()))
    reused = {suite for suite, details in rows if json.loads(details).get("reused_from") == "gate1"}
    assert reused == {"warehouse"}
    empty = {suite for suite, details in rows if json.loads(details).get("not_validated")}
    assert empty == {"new_articles"}
    # with no new version the early publish does not start; the validating gate still publishes
    published = query(paths.analyst_db, "select suite, details from dq_results where run_id = 'gate2'")
    assert sorted(published) == sorted(rows)


def test_changed_thresholds_validate_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = make_paths(tmp_path)
    good_batch(paths, "run1", recently(5))
    load(paths)
    run_gate(paths, "gate1")
    monkeypatch.setenv("MEDIAWATCH_DQ_FRESHNESS_MAX_HOURS", "2")
    summary = run_gate(paths, "gate2")
    assert "reused_from" not in summary and "warehouse" in summary["validated_suites"]
    assert {w["check"] for w in summary["warnings"]} == {"newest_article_fresh"}


def test_suite_columns_name_what_the_checks_read() -> None:
    for check in build_checks(Thresholds()):
        config = check.expectation.configuration.kwargs
        read = {config[k] for k in ("column", "column_A", "column_B") if k in config}
        read |= set(config.get("column_list") or [])
        assert read <= set(SUITE_COLUMNS[check.suite]) | {"article_id", "content_hash"}, check.name


def test_a_gate_with_nothing_new_imports_no_great_expectations(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    good_batch(paths, "run1", recently(2))
    load(paths)
    runs = [_gate_in_a_process(paths, run) for run in ("gate1", "gate2")]
    # validating imports GX, but not the modules it only needs for checks this project never runs
    assert runs[0]["reused"] is None and runs[0]["modules"] == ["great_expectations", "pandas"]
    # nor pandas: DuckDB's Python binding imports it on the first bound parameter, and the no-op
    # path binds none
    assert runs[1]["reused"] == "gate1" and runs[1]["modules"] == []


def test_one_bad_version_after_a_passing_run_is_still_caught(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    good_batch(paths, "run1", recently(2))
    load(paths)
    run_gate(paths, "gate1")
    # the next crawl brings good articles and one without a title: nothing may be reused
    when = recently(1)
    stage(paths, "alpha", "run2", [page("alpha", "run2", f"ok-{i}", when) for i in range(9)]
          + [page("alpha", "run2", "untitled", when, title=None)], when)
    load(paths)

    summary = run_gate(paths, "gate2")

    assert "reused_from" not in summary and summary["checked_articles"] == 10
    assert summary["quarantined"] == 1 and {w["check"] for w in summary["warnings"]} >= {"title_present"}
    assert query(paths.warehouse, "select reason from quarantine") == [("failed title_present",)]


def test_a_broken_mart_after_a_passing_run_fails_even_when_no_article_is_new(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    good_batch(paths, "run1", recently(2))
    load(paths)
    run_gate(paths, "gate1")
    for source in ("alpha", "beta"):
        stage(paths, source, "run2", [], recently(1))
    load(paths)  # a build, and no article version is new
    con = duckdb.connect(str(paths.warehouse))
    try:  # a broken model, simulated behind the loader's back
        con.execute("insert into articles select * from articles limit 1")
    finally:
        con.close()

    with pytest.raises(GateFailed) as failed:
        run_gate(paths, "gate2")  # the warehouse frame differs from gate1's: validated, not reused

    assert {f["check"] for f in failed.value.summary["critical_failures"]} == {
        "article_id_unique", "canonical_url_unique"}
