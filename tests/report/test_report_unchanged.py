"""A report whose inputs did not change is not rebuilt (it says so), and deciding that loads nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from warehouse_builder import LATEST, build_warehouse

from mediawatch.config import REPO_ROOT, Paths
from mediawatch.report import build_report


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    return build_warehouse(tmp_path_factory.mktemp("unchanged"))


def test_unchanged_inputs_are_not_rebuilt_and_force_rebuilds(own: Paths) -> None:
    first = build_report(own, days=1, run_id="first")
    assert first["unchanged"] is False
    html = Path(first["report"])
    written = html.stat().st_mtime_ns
    meta = json.loads((html.parent / "meta.json").read_text())
    assert meta["inputs"]["build_id"] == first["build_id"] is not None

    again = build_report(own, days=1, run_id="second")

    assert again["unchanged"] is True and again["report"] == first["report"]
    assert again["note"] == (f"report {html.parent.name} unchanged since build {first['build_id']} "
                             f"(gate run {meta['inputs']['gate_run']}): not rebuilt")
    assert again["counts"] == first["counts"] and again["warnings"] == first["warnings"]
    assert html.stat().st_mtime_ns == written and b"first" in (html.parent / "meta.json").read_bytes()

    forced = build_report(own, days=1, run_id="forced", force=True)
    assert forced["unchanged"] is False and b"forced" in (html.parent / "meta.json").read_bytes()


def test_a_new_gate_run_rebuilds_the_report(own: Paths) -> None:
    from mediawatch.warehouse.db import connect_writer
    from mediawatch.warehouse.publish import publish_analyst_db

    build_report(own, days=1, run_id="before")
    con = connect_writer(own.warehouse)
    try:
        con.execute("insert into dq_results values ('gate-later', 'warehouse', 'article_id_unique', "
                    "'critical', true, '0', '{}', ?)", [datetime.now(UTC)])
        publish_analyst_db(con, own.analyst_db, full=True)
    finally:
        con.close()
    after = build_report(own, days=1, run_id="after")
    assert after["unchanged"] is False


def _modules_after(own: Paths, call: str) -> list[object]:
    """Run `call` (a build_report call) in a fresh interpreter; its `unchanged` and the heavy modules
    it loaded."""
    code = (
        "import sys, json\n"
        "from pathlib import Path\n"
        "from mediawatch.config import Paths\n"
        "from mediawatch.report import build_report\n"
        f"paths = Paths(sources=Path({str(own.sources)!r}), watchlist=Path({str(own.watchlist)!r}), "
        f"warehouse=Path({str(own.warehouse)!r}), reports=Path({str(own.reports)!r}))\n"
        f"info = {call}\n"
        "heavy = ('altair', 'vl_convert', 'pandas', 'jinja2', 'smtplib')\n"
        "print(json.dumps([info['unchanged'], [m for m in heavy if m in sys.modules]]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, capture_output=True, text=True)
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def test_unchanged_is_decided_without_templates_charts_or_pandas(own: Paths) -> None:
    build_report(own, run_id="weekly", force=True)
    assert _modules_after(own, "build_report(paths, run_id='again')") == [True, []]


def test_a_rebuild_loads_neither_altair_vl_convert_nor_pandas(own: Paths) -> None:
    (own.reports / ".charts").mkdir(exist_ok=True)  # the cache of the vl-convert days is cleared
    unchanged, loaded = _modules_after(own, "build_report(paths, run_id='forced', force=True)")
    assert unchanged is False and loaded == ["jinja2"]  # charts are ours; no value is bound through duckdb
    weekly = next(p for p in own.reports.glob("*_*/report.html"))
    assert weekly.read_text().count("<svg") >= 8
    assert not (own.reports / ".charts").exists()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    return build_warehouse(tmp_path_factory.mktemp("crawled"))


def _crawl(paths: Paths, source: str, run_id: str, hours: int, **counts: object) -> None:
    """Stage one more crawl of `source` (its stats only: it found no new page) and load it."""
    from mediawatch import pipeline

    finished = datetime.combine(LATEST, datetime.min.time(), UTC) + timedelta(hours=18 + hours)
    stats = {"run_id": run_id, "source": source, "started_at": (finished - timedelta(minutes=1)).isoformat(),
             "finished_at": finished.isoformat(), "duration_s": 60.0, "requests": 2, "articles": 0,
             "skipped": 0, "failed": 0, "not_modified": 2, **counts}
    (paths.staging_dir / source / f"{run_id}.stats.json").write_text(json.dumps(stats))
    pipeline.load(paths)


def test_a_crawl_that_found_nothing_new_leaves_the_report_as_it_is(crawled: Paths) -> None:
    from mediawatch import pipeline

    pipeline.check(crawled, "gate-1")
    _crawl(crawled, "beta", "run-beta-noop", 1)  # its last crawl was ok too
    # the first gate run after the load warned about its batch (short bodies); this one's batch is empty
    pipeline.check(crawled, "gate-2")
    first = build_report(crawled, run_id="first")
    html = Path(first["report"])
    written = html.stat().st_mtime_ns
    _crawl(crawled, "beta", "run-beta-noop-2", 2)
    # the new build is checked: a gate run of its own, which finds the checked values unchanged and
    # reuses gate-1's verdict without republishing, so the analyst copy's latest verdict is gate-1's
    pipeline.check(crawled, "gate-3")

    unchanged, loaded = _modules_after(crawled, "build_report(paths, run_id='after-noop')")
    again = build_report(crawled, run_id="again")

    assert again["build_id"] != first["build_id"]  # the crawl was loaded: crawl_runs and sources were built
    assert unchanged is True and loaded == []  # decided without templates, charts or pandas
    assert again["unchanged"] is True and again["note"].endswith(
        f"build {again['build_id']} (gate run gate-1) changed nothing it shows, not rebuilt")
    assert html.stat().st_mtime_ns == written


def test_a_source_that_starts_failing_rebuilds_the_report(crawled: Paths) -> None:
    before = build_report(crawled, run_id="before")
    _crawl(crawled, "beta", "run-beta-down", 3, error="connection refused")
    after = build_report(crawled, run_id="after")
    assert after["unchanged"] is False and after["build_id"] != before["build_id"]
