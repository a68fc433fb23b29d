"""Shared fixtures: one known warehouse per test session, and a report built from it."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from warehouse_builder import LATEST, build_warehouse  # noqa: E402

from mediawatch.config import Paths  # noqa: E402

RUN_ID = "manual__2026-11-26T12:00:00+00:00"


def add_quality_and_alerts(paths: Paths) -> None:
    """Give the warehouse a quality-gate run (one warning failed) and a spike, then republish."""
    from mediawatch.warehouse.db import connect_writer
    from mediawatch.warehouse.publish import publish_analyst_db

    con = connect_writer(paths.warehouse)
    try:
        old, new = datetime(2026, 11, 26, 13, tzinfo=UTC), datetime(2026, 11, 26, 14, tzinfo=UTC)
        rows = [
            ("gate-old", "articles", "expect_column_values_to_not_be_null(title)", "warning", False, "9", old),
            ("gate-new", "articles", "expect_column_values_to_not_be_null(title)", "critical", True, "0", new),
            ("gate-new", "articles", "expect_column_mean_word_count_between", "warning", False, "31.5", new),
        ]
        con.executemany("insert into dq_results values (?, ?, ?, ?, ?, ?, '{}', ?)", rows)
        con.execute("insert into entity_alerts values (?, 'Tesla', 4, 1.0, 0.5, 4.05)", [LATEST])
        # one article against a zero baseline: a z-score, but no spike a reader should see
        con.execute("insert into entity_alerts values (?, 'Apple', 2, 0.0, 0.0, 9.9)", [LATEST])
        publish_analyst_db(con, paths.analyst_db, full=True)  # written outside the build: no change log
    finally:
        con.close()


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """The known warehouse (see warehouse_builder), with Data Docs and quality results."""
    paths = build_warehouse(tmp_path_factory.mktemp("known"))
    add_quality_and_alerts(paths)
    docs = paths.reports / "data-docs" / "local_site"
    docs.mkdir(parents=True)
    (docs / "index.html").write_text("<!doctype html><title>Data Docs</title><p>validation results</p>")
    return paths


@pytest.fixture(scope="session")
def built(warehouse: Paths) -> dict[str, Any]:
    """The daily digest of the latest day (`days=1`), built once: its numbers are easy to check by hand."""
    from mediawatch.report import build_report

    return build_report(warehouse, run_id=RUN_ID, days=1)


@pytest.fixture(scope="session")
def weekly(warehouse: Paths, built: dict[str, Any]) -> dict[str, Any]:
    """The default report: the 7 days ending with the latest day, built once (after the daily one)."""
    from mediawatch.report import build_report

    return build_report(warehouse, run_id=RUN_ID)
