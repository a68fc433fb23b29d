"""Reports of an empty warehouse and with a broken watchlist still build, and say what is missing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from html_tables import html_tables
from warehouse_builder import make_paths

from mediawatch import pipeline
from mediawatch.report import build_report


def test_empty_warehouse_and_broken_watchlist(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    pipeline.load(paths)  # no staging files: empty marts, published analyst copy
    paths.watchlist.write_text("entities: [oops\n")  # broken after the load
    info = build_report(paths)
    today = datetime.now(UTC).date()
    # no articles: the (empty) report of the 7 days ending today
    assert info["period"]["name"] == f"{today - timedelta(days=6)}_{today}"
    assert info["counts"]["articles"] == 0 and info["counts"]["entities_mentioned"] == 0
    assert any(w.startswith("Share of voice skipped: the watchlist could not be read") for w in info["warnings"])
    html = Path(info["report"]).read_text()
    tables = html_tables(html)
    assert tables["entity_mentions"][1] == ["none in this period"]
    assert "No quality-gate results yet" in html
    assert (paths.reports / "index.html").read_text().count("report.html") == 1
