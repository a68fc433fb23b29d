"""Every number in the report checked against SQL written here, independently of sql/reports/."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import RUN_ID
from html_tables import html_tables, markdown_tables
from warehouse_builder import EVIL_ENTITY, EVIL_SOURCE, LATEST

from mediawatch.config import Paths
from mediawatch.report.model import format_cell

DAY = LATEST
PREV = LATEST - timedelta(days=1)


def sql(paths: Paths, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(paths.analyst_db), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


@pytest.fixture(scope="module")
def tables(built: dict[str, Any]) -> dict[str, list[list[str]]]:
    return html_tables(Path(built["report"]).read_text())


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_default_period_is_latest_day_and_files_exist(built: dict[str, Any], warehouse: Paths) -> None:
    (latest,) = sql(warehouse, "select max(day) from articles")[0]
    assert latest == DAY
    assert built["period"] == {"from": "2026-11-26", "to": "2026-11-26", "name": "2026-11-26"}
    folder = warehouse.reports / "2026-11-26"
    assert Path(built["report"]) == folder / "report.html"
    assert Path(built["markdown"]).is_file()
    for csv_path in built["tables"]:
        assert Path(csv_path).is_file() and Path(csv_path).with_suffix(".parquet").is_file()


def test_headline_numbers(built: dict[str, Any], warehouse: Paths, tables: dict[str, Any]) -> None:
    articles, sources = sql(warehouse, "select count(*), count(distinct source) from articles where day = ?", [DAY])[0]
    entities, mentions = sql(warehouse, "select count(distinct entity), count(*) from mentions where day = ?", [DAY])[0]
    assert (articles, sources, entities, mentions) == (6, 4, 6, 19)  # the fixture as designed
    assert built["counts"]["articles"] == articles
    assert built["counts"]["sources"] == sources
    assert built["counts"]["entities_mentioned"] == entities
    assert built["counts"]["mentions"] == mentions
    (row,) = as_dicts(tables["headline"])
    assert (row["articles"], row["sources"], row["entities_mentioned"], row["mentions"]) == (
        str(articles), str(sources), str(entities), str(mentions))
    html = Path(built["report"]).read_text()
    assert f"<b>{articles}</b><span>articles</span>" in html  # the headline cards


def test_entity_articles_and_change(warehouse: Paths, tables: dict[str, Any]) -> None:
    """Entities are counted in articles (one article naming Tesla 3 times counts once), occurrences beside."""
    def per_entity(day: date, what: str) -> dict[str, int]:
        return dict(sql(warehouse, f"select entity, {what} from mentions where day = ? group by entity", [day]))

    now, before = per_entity(DAY, "count(distinct article_id)"), per_entity(PREV, "count(distinct article_id)")
    hits, hits_before = per_entity(DAY, "count(*)"), per_entity(PREV, "count(*)")
    sentiment = dict(sql(warehouse, "select entity, round(avg(sentiment), 3) from mentions where day = ? "
                                    "group by entity", [DAY]))
    rows = {r["entity"]: r for r in as_dicts(tables["entity_mentions"])}
    assert set(rows) == set(now) | set(before)
    for entity, row in rows.items():
        n, p = now.get(entity, 0), before.get(entity, 0)
        assert row["articles"] == str(n) and row["previous_articles"] == str(p) and row["change"] == str(n - p)
        expected_pct = format_cell(round(100.0 * (n - p) / p, 1)) if p else "–"
        assert row["change_pct"] == expected_pct
        assert row["mentions"] == str(hits.get(entity, 0))
        assert row["previous_mentions"] == str(hits_before.get(entity, 0))
        assert row["avg_sentiment"] == format_cell(sentiment.get(entity))
    # Tesla: 2 articles (4 occurrences) on the day, 1 article (3 occurrences) the day before
    assert (rows["Tesla"]["articles"], rows["Tesla"]["mentions"]) == ("2", "4")
    assert (rows["Tesla"]["previous_articles"], rows["Tesla"]["previous_mentions"]) == ("1", "3")
    assert rows["Tesla"]["change_pct"] == "100"
    order = [r["entity"] for r in as_dicts(tables["entity_mentions"])]
    assert order == sorted(order, key=lambda e: (-now.get(e, 0), -before.get(e, 0), -hits.get(e, 0), e))


def test_share_of_voice_counts_articles(warehouse: Paths, tables: dict[str, Any]) -> None:
    from mediawatch.monitor.watchlist import load_watchlist

    articles = dict(sql(warehouse, "select entity, count(distinct article_id) from mentions where day = ? "
                                   "group by entity", [DAY]))
    hits = dict(sql(warehouse, "select entity, count(*) from mentions where day = ? group by entity", [DAY]))
    sets = load_watchlist(warehouse.watchlist).competitor_sets
    assert len(sets) == 2
    found = [name for name in tables if name.startswith("share_of_voice_")]
    assert len(found) == 2
    for comp, name in zip(sets, found, strict=True):
        rows = {r["entity"]: r for r in as_dicts(tables[name])}
        assert set(rows) == set(comp.members)
        total = sum(articles.get(m, 0) for m in comp.members)
        total_hits = sum(hits.get(m, 0) for m in comp.members)
        for member in comp.members:
            assert rows[member]["articles"] == str(articles.get(member, 0))
            assert rows[member]["share_pct"] == format_cell(round(100.0 * articles.get(member, 0) / total, 1))
            assert rows[member]["mentions"] == str(hits.get(member, 0))
            assert rows[member]["mention_share_pct"] == format_cell(round(100.0 * hits.get(member, 0) / total_hits, 1))
    # EV makers on the day: Tesla, BYD and Xiaomi each in the same 2 price-war articles -> a third each,
    # although Tesla has more occurrences
    ev = {r["entity"]: r for r in as_dicts(tables[found[0]])}
    assert {ev[m]["share_pct"] for m in ("Tesla", "BYD", "Xiaomi")} == {"33.3"}
    assert int(ev["Tesla"]["mentions"]) > int(ev["Xiaomi"]["mentions"])


def test_sentiment_per_day(warehouse: Paths, tables: dict[str, Any]) -> None:
    per_day = {d: (n, avg) for d, n, avg in sql(
        warehouse, "select day, count(*), round(avg(sentiment), 3) from articles group by day")}
    rows = as_dicts(tables["sentiment_daily"])
    assert [r["day"] for r in rows] == [(DAY - timedelta(days=13 - i)).isoformat() for i in range(14)]
    for row in rows:
        n, avg = per_day.get(date.fromisoformat(row["day"]), (0, None))
        assert row["articles"] == str(n) and row["avg_sentiment"] == format_cell(avg)


def test_top_clusters(warehouse: Paths, tables: dict[str, Any]) -> None:
    expected = sql(warehouse, """
        select cluster_id, count(distinct source), count(*) from articles where day = ? group by cluster_id""", [DAY])
    rows = {r["cluster_id"]: r for r in as_dicts(tables["top_clusters"])}
    assert set(rows) == {c for c, _, _ in expected}
    for cluster_id, outlets, articles in expected:
        assert rows[cluster_id]["outlets"] == str(outlets) and rows[cluster_id]["articles"] == str(articles)
    top = as_dicts(tables["top_clusters"])[0]
    assert top["title"] == "Tesla and BYD start a price war" and top["outlets"] == "2"
    assert top["outlet_names"] == "alpha, beta"
    first = sql(warehouse, "select source from articles where cluster_id = ? order by published_at, article_id "
                           "limit 1", [top["cluster_id"]])[0][0]
    assert top["first_source"] == first
    assert "/alpha/2026/11/26/price-war/" in top["links"] and "/beta/2026/11/26/price-war-copy/" in top["links"]


def test_alerts_and_source_health(built: dict[str, Any], warehouse: Paths, tables: dict[str, Any]) -> None:
    (alert,) = as_dicts(tables["alerts"])
    assert (alert["entity"], alert["mentions"], alert["z"]) == ("Tesla", "4", "4.05")
    health = {r["source"]: r for r in as_dicts(tables["source_health"])}
    expected = sql(warehouse, """
        select s.source, s.failing, s.consecutive_failures, s.last_success_at,
               (select count(*) from articles a where a.source = s.source and a.day = ?)
        from sources s""", [DAY])
    assert set(health) == {row[0] for row in expected}
    for source, failing, streak, last_ok, articles in expected:
        assert health[source]["failing"] == format_cell(failing)
        assert health[source]["consecutive_failures"] == str(streak)
        assert health[source]["last_success_at"] == format_cell(last_ok)
        assert health[source]["articles"] == str(articles)
    assert health["gamma"]["failing"] == "yes" and health[EVIL_SOURCE]["articles"] == "1"
    failed_runs = dict(sql(warehouse, "select source, count(*) filter (where not succeeded) from crawl_runs group by 1"))
    assert health["gamma"]["failed_runs"] == str(failed_runs["gamma"]) == "3"
    assert "Source gamma is failing: its last 3 crawls failed" in built["warnings"]


def test_data_quality_latest_run_warnings_prominent(built: dict[str, Any], warehouse: Paths,
                                                   tables: dict[str, Any]) -> None:
    rows = as_dicts(tables["dq_latest"])
    latest = sql(warehouse, "select run_id, count(*) from dq_results group by run_id order by max(checked_at) desc")
    assert {r["run_id"] for r in rows} == {latest[0][0]} and len(rows) == latest[0][1]
    assert rows[0]["success"] == "no"  # failures first
    html = Path(built["report"]).read_text()
    top = html.split('<section id="headline">')[0]  # the summary above the first section
    assert 'class="warn bad"' in top and "expect_column_mean_word_count_between failed" in top
    assert "expect_column_values_to_not_be_null(title) failed" not in html  # the older run is not shown
    assert 'href="../quality.html"' in html  # the project's own page: works offline, unlike GX's Data Docs
    page = (Path(built["report"]).parent / "../quality.html").resolve()
    quality = page.read_text()
    assert "<script" not in quality and "http://" not in quality and "https://" not in quality
    checks = html_tables(quality)["dq_runs"]
    assert len(checks) - 1 == sql(warehouse, "select count(*) from dq_results")[0][0]  # both runs, every check
    assert checks[1][0] == "gate-new" and checks[1][5] == "no"  # newest run first, failures first
    assert 'href="data-docs/local_site/index.html"' in quality  # GX's own docs stay reachable


def test_markdown_and_csv_agree_with_html(built: dict[str, Any], tables: dict[str, Any]) -> None:
    markdown = markdown_tables(Path(built["markdown"]).read_text())
    assert set(markdown) == set(tables)
    for name, rows in tables.items():
        assert markdown[name] == rows, name
        csv_path = Path(built["report"]).parent / "tables" / f"{name}.csv"
        with csv_path.open(newline="") as handle:
            csv_rows = list(csv.reader(handle))
        assert csv_rows[0] == rows[0]
        if len(rows) == 2 and "none in this period" in rows[1][0]:
            assert len(csv_rows) == 1
            continue
        assert len(csv_rows) == len(rows)
        for html_row, csv_row in zip(rows[1:], csv_rows[1:], strict=True):
            for shown, raw in zip(html_row, csv_row, strict=True):
                assert shown == _display(raw), (name, shown, raw)


def _display(raw: str) -> str:
    """What the HTML shows for a CSV cell."""
    if raw == "":
        return "–"
    if raw in ("true", "false"):
        return "yes" if raw == "true" else "no"
    if re.fullmatch(r"\d{4}-\d\d-\d\dT.*", raw):
        return raw[:16].replace("T", " ") + " UTC"
    if re.fullmatch(r"-?\d+\.\d+(e-?\d+)?", raw):
        return format(float(raw), ".6g")
    return raw


def test_parquet_extracts_hold_the_same_rows(built: dict[str, Any]) -> None:
    folder = Path(built["report"]).parent / "tables"
    with duckdb.connect() as con:
        got = con.execute("select entity, mentions from read_parquet(?) order by entity",
                          [str(folder / "entity_mentions.parquet")]).fetchall()
        with (folder / "entity_mentions.csv").open(newline="") as handle:
            expected = sorted((r["entity"], int(r["mentions"])) for r in csv.DictReader(handle))
    assert got == expected


def test_only_article_links_are_absolute(built: dict[str, Any]) -> None:
    html = Path(built["report"]).read_text()
    urls = re.findall(r"https?://[^\s\"'<>]+", html)
    linked = set(re.findall(r'<a href="(https?://[^"]+)"', html))
    assert urls and set(urls) <= linked
    assert all(u.startswith("http://127.0.0.1:9/") for u in linked)  # the fixture's article URLs
    assert "<script" not in html and "@import" not in html and "src=" not in html


def test_index_lists_reports_and_run_id(built: dict[str, Any], warehouse: Paths) -> None:
    from mediawatch.report import build_report

    week = build_report(warehouse, date(2026, 11, 20), DAY)
    assert week["period"]["name"] == "2026-11-20_2026-11-26"
    html = Path(week["report"]).read_text()
    assert "compared with 2026-11-13 to 2026-11-19" in html
    index = (warehouse.reports / "index.html").read_text()
    assert 'href="2026-11-26/report.html"' in index and 'href="2026-11-20_2026-11-26/report.html"' in index
    assert RUN_ID in index


def test_injection_attempts_are_data(built: dict[str, Any], warehouse: Paths, tables: dict[str, Any]) -> None:
    from mediawatch.report import ReportError, build_report

    entities = {r["entity"] for r in as_dicts(tables["entity_mentions"])}
    assert EVIL_ENTITY in entities  # shown as a name, escaped in the HTML
    html = Path(built["report"]).read_text()
    assert "Robert&#39;); DROP TABLE articles;--" in html or "Robert&#x27;); DROP TABLE articles;--" in html
    assert "share_of_voice_phones_or_1_1" in tables
    assert sql(warehouse, "select count(*) from articles")[0][0] == 9  # nothing dropped
    for bad in ("2026-11-26'; drop table articles; --", "2026-13-45", "yesterday"):
        with pytest.raises(ReportError, match="is not a date"):
            build_report(warehouse, bad, None)
    with pytest.raises(ReportError, match="after"):
        build_report(warehouse, "2026-11-27", "2026-11-20")
