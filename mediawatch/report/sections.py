"""Assemble the report's sections from the named queries (one query per table) and chart them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from mediawatch.report.charts import PALETTE, Series, bar_chart, line_chart
from mediawatch.report.model import Section
from mediawatch.report.queries import run_query

TOP_ENTITIES = 15


def _slug(text: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else "_" for ch in text.lower())
    return "_".join(part for part in cleaned.split("_") if part)[:40] or "set"


def headline(con: duckdb.DuckDBPyConnection, date_from: date, date_to: date) -> tuple[Section, dict[str, int]]:
    """Articles, outlets, entities mentioned."""
    table = run_query(con, "headline", title="Headline numbers", date_from=date_from, date_to=date_to)
    counts = {k: int(v or 0) for k, v in zip(table.columns, table.rows[0], strict=True)} if table.rows else {}
    section = Section("headline", "Headline numbers", "What the period's coverage amounts to.", [table])
    return section, counts


def entity_mentions(con: duckdb.DuckDBPyConnection, date_from: date, date_to: date) -> Section:
    """Mentions per entity with change vs the previous period of equal length."""
    table = run_query(con, "entity_mentions", title="Mentions per entity", date_from=date_from, date_to=date_to)
    top = table.records()[:TOP_ENTITIES]
    chart = bar_chart(
        f"Mentions per entity (top {len(top)}): this period vs previous",
        [r["entity"] for r in top],
        [Series("this period", [r["mentions"] for r in top], PALETTE[0]),
         Series("previous period", [r["previous_mentions"] for r in top], PALETTE[1])],
    )
    return Section("entities", "Mentions per entity",
                   "Mentions of each watched entity, against the previous period of the same length.",
                   [table], [chart])


def share_of_voice(con: duckdb.DuckDBPyConnection, date_from: date, date_to: date, watchlist: Path) -> Section:
    """One table and bar chart per competitor set of the watchlist."""
    from mediawatch.monitor.watchlist import load_watchlist

    section = Section("share_of_voice", "Share of voice",
                      "Each competitor's share of the mentions within its competitor set (watchlist).")
    try:
        sets = load_watchlist(watchlist).competitor_sets
    except (OSError, ValueError) as exc:  # a broken watchlist costs this section, not the whole report
        section.warnings.append(f"Share of voice skipped: the watchlist could not be read ({exc}); fix {watchlist}")
        return section
    used: set[str] = set()
    for i, comp in enumerate(sets):
        name = f"share_of_voice_{_slug(comp.name)}"
        if name in used:  # two set names that slug alike still get two files
            name = f"{name}_{i + 1}"
        used.add(name)
        table = run_query(con, "share_of_voice", title=f"Share of voice: {comp.name}", table_name=name,
                          positional=[date_from, date_to, list(comp.members)])
        section.tables.append(table)
        rows = table.records()
        section.charts.append(bar_chart(
            f"Share of voice: {comp.name}", [r["entity"] for r in rows],
            [Series("share of mentions", [r["share_pct"] for r in rows], PALETTE[2])], unit="%", scale_max=100))
    if not sets:
        section.intro += " The watchlist defines no competitor sets."
    return section


def sentiment(con: duckdb.DuckDBPyConnection, date_from: date, date_to: date) -> Section:
    """Mean article sentiment per day, with article counts."""
    table = run_query(con, "sentiment_daily", title="Sentiment per day", date_from=date_from, date_to=date_to)
    rows = table.records()
    labels = [r["day"].strftime("%m-%d") for r in rows]
    charts = [
        line_chart("Mean article sentiment per day (VADER compound, -1 to 1)", labels,
                   [Series("mean sentiment", [r["avg_sentiment"] for r in rows], PALETTE[0])],
                   y_min=-1.0, y_max=1.0),
        bar_chart("Articles per day", [r["day"].isoformat() for r in rows],
                  [Series("articles", [r["articles"] for r in rows], PALETTE[3])]),
    ]
    return Section("sentiment", "Sentiment over time",
                   "Mean sentiment of the articles per day, over at least the 14 days ending with the period.",
                   [table], charts)


def clusters(con: duckdb.DuckDBPyConnection, date_from: date, date_to: date) -> Section:
    """Top story clusters: outlets per cluster, first outlet, links."""
    table = run_query(con, "top_clusters", title="Top stories", date_from=date_from, date_to=date_to)
    rows = table.records()
    chart = bar_chart("Outlets per story", [r["title"] or r["cluster_id"] for r in rows],
                      [Series("outlets", [r["outlets"] for r in rows], PALETTE[5])]) if rows else ""
    return Section("clusters", "Top stories",
                   "Stories carried by the most outlets in the period (same or near-identical text).",
                   [table], [chart])


def alerts(con: duckdb.DuckDBPyConnection, date_from: date, date_to: date) -> Section:
    """Spikes flagged by entity_alerts."""
    table = run_query(con, "alerts", title="Spikes and alerts", date_from=date_from, date_to=date_to)
    rows = table.records()
    chart = bar_chart("Spike strength (robust z-score)", [f"{r['day']} {r['entity']}" for r in rows],
                      [Series("z", [r["z"] for r in rows], PALETTE[4])]) if rows else ""
    warnings = [f"Mention spike: {r['entity']} on {r['day']} ({r['mentions']} mentions, z={r['z']})" for r in rows]
    return Section("alerts", "Spikes and alerts",
                   "Days on which an entity's mentions jumped against its own trailing 14 days.",
                   [table], [chart], warnings)


def source_health(con: duckdb.DuckDBPyConnection, date_from: date, date_to: date) -> Section:
    """Per source: articles, failures, last successful crawl; failing sources flagged."""
    table = run_query(con, "source_health", title="Source health", date_from=date_from, date_to=date_to)
    rows = table.records()
    chart = bar_chart("Articles and failed crawls per source", [r["source"] for r in rows],
                      [Series("articles", [r["articles"] for r in rows], PALETTE[0]),
                       Series("failed crawls", [r["failed_runs"] for r in rows], PALETTE[4])]) if rows else ""
    warnings = [f"Source {r['source']} is failing: its last {r['consecutive_failures']} crawls failed"
                for r in rows if r["failing"]]
    warnings += [f"Source {r['source']} stopped yielding articles: its latest pages were mostly "
                 f"{r['yield_reason']} (article yield {_share(r['article_yield'])})"
                 for r in rows if r["yield_collapsed"]]
    return Section("sources", "Source health",
                   "Articles and crawl failures per source in the period; a source whose last three or more "
                   "crawls failed is flagged as failing, and one whose fetched pages stopped becoming "
                   "articles (a bot wall, a changed layout) is flagged by the quality gate's yield check.",
                   [table], [chart], warnings)


def _share(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.0%}"


def data_quality(con: duckdb.DuckDBPyConnection, data_docs: str | None) -> Section:
    """Latest quality-gate run: failures first, warnings shown prominently, link to the Data Docs."""
    table = run_query(con, "dq_latest", title="Data quality (latest gate run)")
    rows = table.records()
    failed = [r for r in rows if not r["success"]]
    warnings = [f"Data quality {r['severity']}: {r['suite']} / {r['expectation']} failed "
                f"(observed {r['observed_value']})" for r in failed]
    intro = (f"Latest quality-gate run {rows[0]['run_id']}: {len(rows) - len(failed)} of {len(rows)} checks passed."
             if rows else "No quality-gate results yet: the gate has not run on this warehouse.")
    section = Section("quality", "Data quality", intro, [table], [], warnings)
    if data_docs:
        section.links.append(("Open the Data Docs (full validation results)", data_docs))
    return section
