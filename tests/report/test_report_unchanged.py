"""A report whose inputs did not change is not rebuilt (it says so); its charts are drawn once."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warehouse_builder import build_warehouse

from mediawatch.config import REPO_ROOT, Paths
from mediawatch.report import build_report
from mediawatch.report.build import CHART_CACHE


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


def test_charts_drawn_before_are_read_back_without_the_renderer(own: Paths) -> None:
    build_report(own, run_id="weekly", force=True)
    cached = sorted((own.reports / CHART_CACHE).glob("*.svg"))
    assert cached
    # the renderer is made unavailable: the forced rebuild can only succeed by reading every chart back
    code = (
        "import sys, json\n"
        "sys.modules['vl_convert'] = None\n"
        "from pathlib import Path\n"
        "from mediawatch.config import Paths\n"
        "from mediawatch.report import build_report\n"
        f"paths = Paths(sources=Path({str(own.sources)!r}), watchlist=Path({str(own.watchlist)!r}), "
        f"warehouse=Path({str(own.warehouse)!r}), reports=Path({str(own.reports)!r}))\n"
        "info = build_report(paths, run_id='again', force=True)\n"
        "print(json.dumps([info['unchanged'], sys.modules['vl_convert']]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, capture_output=True, text=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [False, None]
    assert sorted((own.reports / CHART_CACHE).glob("*.svg")) == cached
    weekly = next(p for p in own.reports.glob("*_*/report.html"))
    assert weekly.read_text().count("<svg") >= 5  # the charts are in the page, read from the cache
