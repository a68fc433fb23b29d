"""What each suite validates, built by DuckDB into a small temp table (one per suite).

DuckDB does the heavy lifting: the whole-warehouse suite gets one row of aggregates and the sources
suite one row per source, so GX never pulls the marts into pandas. The batch has one row per new
article version but no body text (only its length), which keeps it small at a million rows.

A frame becomes a pandas DataFrame only when Great Expectations validates it (`frame`). Whether it
needs validating (the fingerprint of its values, mediawatch.checks.reuse) is read as plain rows, and
no query binds a parameter (DuckDB's Python binding imports pandas on the first one), so a gate
whose suites are all unchanged never imports pandas.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import duckdb

from mediawatch.checks.thresholds import Thresholds
from mediawatch.warehouse.models import sql_literal

if TYPE_CHECKING:  # pandas loads only when a frame is built: a gate with nothing new needs none
    import pandas as pd

# versions not checked by an earlier run, from the pages of the loads no gate run has looked at yet
# (`gate_loads`, registered by the gate), so the batch costs what those loads hold, not the history.
# The version rules are prep.prep_article_versions' (first fetch of each (article_id, content_hash),
# held versions left out); tests/checks/test_gate_incremental.py checks that both agree.
_BATCH = """
with

new_pages as (
    select
        pages.*,
        coalesce(nullif(pages.canonical_url, ''), pages.url) as identity_url,
    from raw.pages as pages
    where
        pages.load_id in (select gate_loads.load_id from gate_loads)
        and pages.kind = 'article' and pages.body is not null and pages.content_hash is not null
),

first_fetch as (
    select new_pages.*  -- article_id is stored with each page (migration 0007)
    from new_pages
    qualify row_number() over (
        partition by new_pages.article_id, new_pages.content_hash
        order by new_pages.fetched_at, new_pages.staging_file, new_pages.line_no
    ) = 1
),

batch as (
    select first_fetch.*
    from first_fetch
    anti join main.dq_checked_versions as checked
        on first_fetch.article_id = checked.article_id
        and first_fetch.content_hash = checked.content_hash
    anti join main.quarantine as held
        on first_fetch.article_id = held.article_id
        and first_fetch.content_hash = held.content_hash
        and held.released_at is null
),

-- the batch's versions as the marts hold them: a broken model that yields a version twice shows up
-- as a repeated (article_id, content_hash) in the frame
mart_versions as (
    select versions.article_id, versions.content_hash
    from main.article_versions as versions
    semi join batch
        on versions.article_id = batch.article_id and versions.content_hash = batch.content_hash
),

shared_bodies as (
    select versions.content_hash
    from main.article_versions as versions
    semi join batch on versions.content_hash = batch.content_hash
    group by versions.content_hash
    having count(distinct versions.article_id) > 1
),

final as (
    select
        batch.article_id,
        batch.content_hash,
        nullif(trim(batch.url), '') as url,
        nullif(trim(batch.title), '') as title,
        length(nullif(trim(batch.body), '')) as body_chars,
        nullif(trim(batch.source), '') as source,
        batch.fetched_at,
        batch.published_at,
        batch.fetched_at + to_microseconds(cast($tolerance_hours * 3600e6 as bigint)) as published_limit,
        nullif(trim(batch.language), '') as language,
        shared_bodies.content_hash is not null as body_shared,
    from batch
    left join mart_versions
        on batch.article_id = mart_versions.article_id and batch.content_hash = mart_versions.content_hash
    left join shared_bodies on batch.content_hash = shared_bodies.content_hash
)

select * from final
"""

# the loads whose pages no gate run has looked at yet
UNCHECKED_LOADS = """
select loads.load_id from raw.loads as loads
anti join main.dq_checked_loads as checked on loads.load_id = checked.load_id
"""

_WAREHOUSE = """
select
    (select count(*) - count(distinct article_id) from main.articles) as duplicate_article_ids,
    (select count(*) - count(distinct canonical_url) from main.articles) as duplicate_canonical_urls,
    (
        select count(*) from main.mentions as mentions
        anti join main.articles as articles on mentions.article_id = articles.article_id
    ) as orphan_mentions,
    (
        select count(*) from main.articles as articles
        anti join main.clusters as clusters on articles.cluster_id = clusters.cluster_id
    ) as orphan_cluster_ids,
    (select epoch(now() - max(fetched_at)) / 3600.0 from main.articles) as hours_since_newest_article,
    (select count(*) from main.articles) as articles,
    (
        select count(distinct rejects.staging_file) from raw.staging_rejects as rejects
        where rejects.recorded_at > $previous_gate_start
    ) as staging_files_with_rejects
"""

# one row per source: its crawls ranked newest first (crawl stats joined to the pages they staged)
_SOURCES = """
with

page_counts as (
    select
        pages.source,
        pages.run_id,
        count(*) filter (where pages.kind = 'article') as articles,
        count(*) filter (where pages.kind = 'failed') as failed_pages,
        count(*) as pages,
        min(pages.fetched_at) as first_fetch,
    from raw.pages as pages
    group by pages.source, pages.run_id
),

runs as (
    select
        coalesce(crawl_runs.source, page_counts.source) as source,
        coalesce(crawl_runs.run_id, page_counts.run_id) as run_id,
        coalesce(crawl_runs.finished_at, crawl_runs.started_at, page_counts.first_fetch) as ran_at,
        coalesce(page_counts.articles, 0) as articles,
        coalesce(page_counts.failed_pages, 0) as failed_pages,
        coalesce(page_counts.pages, 0) as pages,
        crawl_runs.succeeded,
    from main.crawl_runs as crawl_runs
    full outer join page_counts
        on crawl_runs.source = page_counts.source and crawl_runs.run_id = page_counts.run_id
),

ranked as (
    select
        runs.*,
        row_number() over (partition by runs.source order by runs.ran_at desc nulls last, runs.run_id desc)
            as recency,
    from runs
),

per_source as (
    select
        ranked.source,
        any_value(ranked.run_id) filter (where ranked.recency = 1) as latest_run_id,
        any_value(ranked.articles) filter (where ranked.recency = 1) as latest_articles,
        count(*) filter (where ranked.recency between 2 and 1 + $volume_window) as history_runs,
        avg(ranked.articles) filter (where ranked.recency between 2 and 1 + $volume_window) as trailing_avg,
        sum(ranked.pages) filter (where ranked.recency <= $failure_window) as window_pages,
        sum(ranked.failed_pages) filter (where ranked.recency <= $failure_window) as window_failed_pages,
        any_value(ranked.succeeded) filter (where ranked.recency = 1) as latest_crawl_succeeded,
    from ranked
    group by ranked.source
),

final as (
    select
        per_source.*,
        -- a source averaging under one article a crawl going quiet is not news: no ratio then
        case
            when per_source.history_runs >= $min_history and per_source.trailing_avg >= 1
                then per_source.latest_articles / per_source.trailing_avg
        end as volume_ratio,
        case
            when per_source.window_pages >= $min_pages
                then per_source.window_failed_pages / per_source.window_pages
        end as failure_rate,
    from per_source
)

select * from final
"""


# one row per source: the article yield of its latest crawls against its own history. `yield_limits`
# is a registered frame (source, min_candidates) carrying per-source overrides from the registry.
_YIELD = """
with

runs as (
    select
        crawl_runs.source,
        crawl_runs.run_id,
        coalesce(crawl_runs.finished_at, crawl_runs.started_at) as ran_at,
        crawl_runs.candidates,
        crawl_runs.articles + crawl_runs.duplicates as articles,
        crawl_runs.not_article_by_reason,
        coalesce(yield_limits.min_candidates, $min_candidates) as min_candidates,
    from main.crawl_runs as crawl_runs
    left join yield_limits on crawl_runs.source = yield_limits.source
    where crawl_runs.candidates > 0
),

ranked as (
    select
        runs.*,
        -- candidates of the newer crawls: the batch is the newest crawls until it holds enough
        coalesce(
            sum(runs.candidates) over (
                partition by runs.source
                order by runs.ran_at desc nulls last, runs.run_id desc
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) < runs.min_candidates as in_batch,
    from runs
),

history_runs as (
    select
        ranked.*,
        row_number() over (
            partition by ranked.source order by ranked.ran_at desc nulls last, ranked.run_id desc
        ) as history_recency,
    from ranked
    where not ranked.in_batch and ranked.candidates >= ranked.min_candidates
),

batch as (
    select
        ranked.source,
        count(*) as yield_runs,
        arg_max(ranked.run_id, ranked.ran_at) as yield_latest_run_id,
        sum(ranked.candidates) as yield_candidates,
        sum(ranked.articles) as yield_articles,
        any_value(ranked.min_candidates) as yield_min_candidates,
    from ranked
    where ranked.in_batch
    group by ranked.source
),

history as (
    select
        history_runs.source,
        count(*) as yield_history_runs,
        sum(history_runs.articles) / sum(history_runs.candidates) as history_yield,
    from history_runs
    where history_runs.history_recency <= $window
    group by history_runs.source
),

reasons as (
    select
        ranked.source,
        reason.entry.key as reason,
        sum(reason.entry.value) as pages,
    from ranked,
        unnest(map_entries(try_cast(ranked.not_article_by_reason as map (varchar, bigint)))) as reason (entry)
    where ranked.in_batch
    group by ranked.source, reason.entry.key
),

dominant as (
    select
        reasons.source,
        first(reasons.reason order by reasons.pages desc, reasons.reason) as dominant_not_article_reason,
        max(reasons.pages) as dominant_reason_pages,
    from reasons
    group by reasons.source
),

final as (
    select
        batch.*,
        case
            when batch.yield_candidates >= batch.yield_min_candidates
                then batch.yield_articles / batch.yield_candidates
        end as article_yield,
        coalesce(history.yield_history_runs, 0) as yield_history_runs,
        history.history_yield,
        dominant.dominant_not_article_reason,
        coalesce(dominant.dominant_reason_pages, 0) as dominant_reason_pages,
    from batch
    left join history on batch.source = history.source
    left join dominant on batch.source = dominant.source
)

select * from final
"""


# the temp tables holding each suite's frame, and the order their rows are read in
BATCH, WAREHOUSE, SOURCES = "gate_batch", "gate_warehouse", "gate_sources"
ORDER = {BATCH: "fetched_at, article_id, content_hash", WAREHOUSE: "1", SOURCES: "source"}
SUITE_TABLES = {"new_articles": BATCH, "warehouse": WAREHOUSE, "sources": SOURCES}


def _bind(sql: str, values: Mapping[str, int | float]) -> str:
    """`sql` with each `$name` replaced by its number (numbers only: nothing to escape)."""
    def number(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"${match.group(1)} must be a number, not {value!r}")
        return repr(value)

    return re.sub(r"\$([a-z_]+)", number, sql)


def frame(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    """A suite's temp table as the DataFrame Great Expectations validates (imports pandas)."""
    return con.execute(f"select * from {table} order by {ORDER[table]}").df()


def rows(con: duckdb.DuckDBPyConnection, table: str, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """A suite's temp table as plain rows (no pandas), in its order."""
    cursor = con.execute(f"select {', '.join(columns) if columns else '*'} from {table} order by {ORDER[table]}")
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def batch_table(con: duckdb.DuckDBPyConnection, t: Thresholds) -> int:
    """Fill `gate_batch` with the new article versions: those of the unchecked loads that no gate
    run has checked yet. Leaves the temp table `gate_loads` (those loads) for the caller to mark
    checked. Returns the number of versions."""
    con.execute(f"create or replace temp table gate_loads as {UNCHECKED_LOADS}")
    con.execute(f"create or replace temp table {BATCH} as "
                + _bind(_BATCH, {"tolerance_hours": float(t.published_future_tolerance_hours)}))
    row = con.execute(f"select count(*) from {BATCH}").fetchone()
    return int(row[0]) if row else 0


def batch_frame(con: duckdb.DuckDBPyConnection, t: Thresholds) -> pd.DataFrame:
    """The new article versions (see batch_table) as a DataFrame."""
    batch_table(con, t)
    return frame(con, BATCH)


def warehouse_table(con: duckdb.DuckDBPyConnection) -> None:
    """Fill `gate_warehouse` with one row of whole-warehouse invariants, aggregated by DuckDB
    (staging rejects: those recorded since the previous gate run, so each torn file is warned about
    once)."""
    con.execute(f"create or replace temp table {WAREHOUSE} as "
                + _WAREHOUSE.replace("$previous_gate_start", PREVIOUS_GATE_START))


# the start of the latest recorded gate run (the current run is not recorded yet), else epoch
PREVIOUS_GATE_START = """(
    select coalesce(max(runs.started_at), timestamptz '1970-01-01 00:00:00+00') from main.dq_gate_runs as runs
)"""


def staging_rejects_since_previous_run(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Staging files with rejected lines recorded since the previous gate run: what the gate's
    warning names."""
    cursor = con.execute(
        "select staging_file, lines_loaded, lines_rejected, rejected_lines, kept_at, error "
        f"from raw.staging_rejects where recorded_at > {PREVIOUS_GATE_START} order by staging_file, recorded_at"
    )
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


YIELD_COLUMNS = [
    "yield_runs", "yield_latest_run_id", "yield_candidates", "yield_articles", "yield_min_candidates",
    "article_yield", "yield_history_runs", "history_yield", "dominant_not_article_reason",
    "dominant_reason_pages", "yield_limit", "yield_collapsed",
]


def sources_table(
    con: duckdb.DuckDBPyConnection, t: Thresholds, overrides: Mapping[str, Thresholds] | None = None
) -> None:
    """Fill `gate_sources` with one row per source: volume against its trailing mean, failure rate,
    latest crawl outcome, and the article yield of its latest crawls against its own history with
    the limit that applies (its history x `yield_collapse_ratio` once it has `yield_min_history`
    crawls, else `yield_min_share`; `overrides`: per-source thresholds from the registry)."""
    limits = [
        f"({sql_literal(source)}, {int(o.yield_min_candidates)}, {float(o.yield_collapse_ratio)!r}, "
        f"{float(o.yield_min_share)!r})"
        for source, o in sorted((overrides or {}).items())
    ]
    con.execute(
        "create or replace temp table yield_limits as "
        + (f"select * from (values {', '.join(limits)}) as limits "
           "(source, min_candidates, collapse_ratio, min_share)" if limits else
           "select null::varchar as source, null::bigint as min_candidates, null::double as collapse_ratio, "
           "null::double as min_share where false")
    )
    volume = _bind(_SOURCES, {
        "volume_window": t.volume_window_runs,
        "min_history": t.volume_min_history,
        "failure_window": t.failure_window_runs,
        "min_pages": t.failure_min_pages,
    })
    yields = _bind(_YIELD, {"min_candidates": t.yield_min_candidates, "window": t.yield_window_runs})
    con.execute(f"""
        create or replace temp table {SOURCES} as
        with
        volume as ({volume}),
        yields as ({yields}),
        limited as (
            select
                yields.*,
                case
                    when yields.yield_history_runs >= {int(t.yield_min_history)} and yields.history_yield is not null
                        then yields.history_yield * coalesce(yield_limits.collapse_ratio, {float(t.yield_collapse_ratio)!r})
                    else coalesce(yield_limits.min_share, {float(t.yield_min_share)!r})
                end as yield_limit,
            from yields
            left join yield_limits on yields.source = yield_limits.source
        )
        select
            coalesce(volume.source, limited.source) as source,
            volume.* exclude (source),
            limited.* exclude (source),
            case when limited.article_yield is not null then limited.article_yield < limited.yield_limit end
                as yield_collapsed,
        from volume
        full outer join limited on volume.source = limited.source
    """)
