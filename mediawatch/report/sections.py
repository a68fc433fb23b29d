"""Assemble the report's sections from the named queries (one query per table) and chart them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from mediawatch.report.charts import PALETTE, Series, bar_chart, column_chart, heatmap, line_chart
from mediawatch.report.model import Section
from mediawatch.report.queries import run_query

TOP_ENTITIES = 15
HEADLINE_ENTITIES = 10
HEADLINES_PER_ENTITY = 5
TONE_ENTITIES = 10
# a spike needs volume (articles that day) and a baseline (median daily mentions before it)
SPIKE_MIN_ARTICLES = 2
SPIKE_MIN_RATIO = 2.0  # articles that day against the median daily articles of the 14 days before
SPIKE_MIN_BASELINE = 1.0


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
    """Articles per entity (occurrences beside them) with change vs the previous period of equal length."""
    table = run_query(con, "entity_mentions", title="Articles per entity", date_from=date_from, date_to=date_to)
    top = table.records()[:TOP_ENTITIES]
    chart = bar_chart(
        f"Articles naming each entity (top {len(top)}): this period vs previous",
        [r["entity"] for r in top],
        [Series("this period", [r["articles"] for r in top], PALETTE[0]),
         Series("previous period", [r["previous_articles"] for r in top], PALETTE[1])],
    )
    return Section("entities", "Articles per entity",
                   "Articles naming each watched entity (an article counts once however often it names it; "
                   "occurrences are the mentions column), against the previous period of the same length.",
                   [table], [chart])


def share_of_voice(con: duckdb.DuckDBPyConnection, date_from: date, date_to: date, watchlist: Path) -> Section:
    """One table and bar chart per competitor set of the watchlist."""
    from mediawatch.monitor.watchlist import load_watchlist

    section = Section("share_of_voice", "Share of voice",
                      "Each competitor's share of the articles naming a member of its competitor set "
                      "(watchlist); the share of occurrences is the secondary column.")
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
                          date_from=date_from, date_to=date_to, params={"members": list(comp.members)})
        section.tables.append(table)
        rows = table.records()
        section.charts.append(bar_chart(
            f"Share of voice: {comp.name} (share of articles)", [r["entity"] for r in rows],
            [Series("share of articles", [r["share_pct"] for r in rows], PALETTE[2])], unit="%"))
    if not sets:
        section.intro += " The watchlist defines no competitor sets."
    return section


def sentiment(con: duckdb.DuckDBPyConnection, date_from: date, date_to: date) -> Section:
    """Mean article sentiment per day, with article counts."""
    table = run_query(con, "sentiment_daily", title="Sentiment per day", date_from=date_from, date_to=date_to)
    rows = table.records()
    days = [r["day"] for r in rows]
    charts = [
        line_chart("Mean article sentiment per day (VADER compound; axis fitted to the data)", days,
                   [Series("mean sentiment", [r["avg_sentiment"] for r in rows], PALETTE[0])]),
        column_chart("Articles per day", days, [r["articles"] for r in rows]),
    ]
    return Section("sentiment", "Sentiment over time",
                   "Mean sentiment of the articles per day, over at least the 14 days ending with the period.",
                   [table], charts)


def clusters(con: duckdb.DuckDBPyConnection, date_from: date, date_to: date) -> Section:
    """Top stories (most outlets first) and, per entity, the headlines naming it with outlet and tone."""
    table = run_query(con, "top_clusters", title="Top stories", date_from=date_from, date_to=date_to)
    rows = table.records()
    chart = bar_chart("Outlets per story", [r["title"] or r["cluster_id"] for r in rows],
                      [Series("outlets", [r["outlets"] for r in rows], PALETTE[5])]) if rows else ""
    headlines = run_query(con, "entity_headlines", title="Headlines per entity", date_from=date_from,
                          date_to=date_to, params={"top_entities": HEADLINE_ENTITIES,
                                                   "per_entity": HEADLINES_PER_ENTITY})
    return Section("clusters", "Top stories",
                   "Stories carried by the most outlets in the period (same or near-identical text), then for "
                   f"each of the {HEADLINE_ENTITIES} entities in most articles its headlines (up to "
                   f"{HEADLINES_PER_ENTITY}, most mentions first) with outlet and tone.",
                   [table, headlines], [chart, ""])


def outlet_tone(con: duckdb.DuckDBPyConnection, date_from: date, date_to: date) -> Section:
    """Tone per outlet: of its articles, and of its sentences about each top entity."""
    outlets = run_query(con, "outlet_tone", title="Tone per outlet", date_from=date_from, date_to=date_to)
    pairs = run_query(con, "entity_outlet_tone", title="Tone per outlet and entity", date_from=date_from,
                      date_to=date_to, params={"top_entities": TONE_ENTITIES})
    records = pairs.records()
    entities = list(dict.fromkeys(r["entity"] for r in records))
    sources = sorted({r["source"] for r in records})
    cells = [{"row": r["entity"], "column": r["source"], "tone": r["avg_tone"],
              "text": "n/a" if r["avg_tone"] is None else f"{r['avg_tone']:+.2f} ({r['articles']})"}
             for r in records]
    heat = heatmap("Tone of the sentences naming each entity, per outlet (articles in brackets)",
                   entities, sources, cells, value="tone", text="text")
    rows = outlets.records()
    bars = bar_chart("Mean article sentiment per outlet", [r["source"] for r in rows],
                     [Series("mean sentiment", [r["avg_sentiment"] for r in rows], PALETTE[0])]) if rows else ""
    return Section("tone", "Tone per outlet",
                   "How each outlet's articles read (VADER compound, -1 to 1) and how it writes about each of "
                   f"the {TONE_ENTITIES} entities in most articles.", [outlets, pairs], [bars, heat])


def alerts(con: duckdb.DuckDBPyConnection, date_from: date, date_to: date) -> Section:
    """Spikes flagged by entity_alerts that have enough volume and a baseline; shown here only."""
    table = run_query(con, "alerts", title="Spikes", date_from=date_from, date_to=date_to,
                      params={"min_articles": SPIKE_MIN_ARTICLES, "min_baseline": SPIKE_MIN_BASELINE,
                              "min_ratio": SPIKE_MIN_RATIO})
    rows = table.records()
    chart = bar_chart("Spike strength (robust z-score)", [f"{r['day']} {r['entity']}" for r in rows],
                      [Series("z", [r["z"] for r in rows], PALETTE[4])]) if rows else ""
    return Section("alerts", "Spikes",
                   "Days on which an entity's mentions jumped against its own trailing 14 days, shown only with "
                   f"at least {SPIKE_MIN_ARTICLES} articles that day, {SPIKE_MIN_RATIO:g} times its median daily "
                   f"articles before, and a median of at least {SPIKE_MIN_BASELINE:g} mention a day before "
                   "(one long article, or one article about a rarely named entity, is not a spike).",
                   [table], [chart])


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
                   "Articles per source in the period; crawls are the source's recent ones (the 7 days up to "
                   "its latest crawl, back at least to its last success), since crawl health is today's "
                   "state. A source whose last three or more crawls failed is flagged as failing, and one "
                   "whose fetched pages stopped becoming articles (a bot wall, a changed layout) is flagged "
                   "by the quality gate's yield check.",
                   [table], [chart], warnings)


def _share(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.0%}"


def data_quality(con: duckdb.DuckDBPyConnection, quality_page: str | None) -> Section:
    """Latest quality-gate run: failures first, warnings shown prominently, link to the quality page."""
    table = run_query(con, "dq_latest", title="Data quality (latest gate run)")
    rows = table.records()
    failed = [r for r in rows if not r["success"]]
    warnings = [f"Data quality {r['severity']}: {r['suite']} / {r['expectation']} failed "
                f"(observed {r['observed_value']})" for r in failed]
    intro = (f"Latest quality-gate run {rows[0]['run_id']}: {len(rows) - len(failed)} of {len(rows)} checks passed."
             if rows else "No quality-gate results yet: the gate has not run on this warehouse.")
    section = Section("quality", "Data quality", intro, [table], [], warnings)
    if quality_page:
        section.links.append(("Open the data-quality page (the latest gate runs, every check)", quality_page))
    return section
