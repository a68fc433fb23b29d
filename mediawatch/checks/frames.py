"""What each suite validates, read from DuckDB as small DataFrames (one per suite).

DuckDB does the heavy lifting: the whole-warehouse suite gets one row of aggregates and the sources
suite one row per source, so GX never pulls the marts into pandas. The batch frame has one row per
new article version but no body text (only its length), which keeps it small at a million rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import duckdb

from mediawatch.checks.thresholds import Thresholds

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

select * from final order by fetched_at, article_id, content_hash
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
        where rejects.recorded_at > $since
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

select * from final order by source
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

select * from final order by source
"""


def batch_frame(con: duckdb.DuckDBPyConnection, t: Thresholds) -> pd.DataFrame:
    """New article versions: those of the unchecked loads that no gate run has checked yet. Leaves
    the temp table `gate_loads` (those loads) for the caller to mark checked."""
    con.execute(f"create or replace temp table gate_loads as {UNCHECKED_LOADS}")
    return con.execute(_BATCH, {"tolerance_hours": t.published_future_tolerance_hours}).df()


def warehouse_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row of whole-warehouse invariants, aggregated by DuckDB (staging rejects: those recorded
    since the previous gate run, so each torn file is warned about once)."""
    return con.execute(_WAREHOUSE, {"since": previous_gate_start(con)}).df()


def previous_gate_start(con: duckdb.DuckDBPyConnection) -> Any:
    """Start of the latest recorded gate run (the current run is not recorded yet), else epoch."""
    row = con.execute(
        "select coalesce(max(started_at), timestamptz '1970-01-01 00:00:00+00') from main.dq_gate_runs"
    ).fetchone()
    return row[0] if row else None


def staging_rejects_since(con: duckdb.DuckDBPyConnection, since: Any) -> list[dict[str, Any]]:
    """Staging files with rejected lines recorded after `since`: what the gate's warning names."""
    cursor = con.execute(
        "select staging_file, lines_loaded, lines_rejected, rejected_lines, kept_at, error "
        "from raw.staging_rejects where recorded_at > ? order by staging_file, recorded_at",
        [since],
    )
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def sources_frame(
    con: duckdb.DuckDBPyConnection, t: Thresholds, overrides: Mapping[str, Thresholds] | None = None
) -> pd.DataFrame:
    """One row per source: volume against its trailing mean, failure rate, latest crawl outcome,
    article yield (`overrides`: per-source thresholds from the registry)."""
    frame = _volume_and_failures(con, t)
    yields = yield_frame(con, t, overrides or {})
    return frame.merge(yields, on="source", how="outer") if not yields.empty else frame.assign(
        **{column: None for column in YIELD_COLUMNS}
    )


YIELD_COLUMNS = [
    "yield_runs", "yield_latest_run_id", "yield_candidates", "yield_articles", "yield_min_candidates",
    "article_yield", "yield_history_runs", "history_yield", "dominant_not_article_reason",
    "dominant_reason_pages", "yield_limit", "yield_collapsed",
]


def yield_frame(
    con: duckdb.DuckDBPyConnection, t: Thresholds, overrides: Mapping[str, Thresholds]
) -> pd.DataFrame:
    """One row per source with candidates: yield of its latest crawls, its history, the limit that
    applies (its own history x `yield_collapse_ratio`, else `yield_min_share`) and the verdict."""
    import pandas as pd

    limits = pd.DataFrame(
        {"source": list(overrides), "min_candidates": [o.yield_min_candidates for o in overrides.values()]}
    ).astype({"source": "object", "min_candidates": "int64"})
    con.register("yield_limits", limits)
    try:
        frame = con.execute(
            _YIELD, {"min_candidates": t.yield_min_candidates, "window": t.yield_window_runs}
        ).df()
    finally:
        con.unregister("yield_limits")

    def limit(row: pd.Series) -> float:
        mine = overrides.get(row["source"], t)
        history = row["history_yield"]
        if row["yield_history_runs"] >= t.yield_min_history and pd.notna(history):
            return float(history) * mine.yield_collapse_ratio
        return mine.yield_min_share

    if frame.empty:
        return frame.assign(yield_limit=pd.Series(dtype=float), yield_collapsed=pd.Series(dtype=object))
    frame["yield_limit"] = frame.apply(limit, axis=1)
    frame["yield_collapsed"] = [
        None if pd.isna(share) else bool(share < bound)
        for share, bound in zip(frame["article_yield"], frame["yield_limit"], strict=True)
    ]
    return frame.astype({"yield_collapsed": object})


def _volume_and_failures(con: duckdb.DuckDBPyConnection, t: Thresholds) -> pd.DataFrame:
    return con.execute(
        _SOURCES,
        {
            "volume_window": t.volume_window_runs,
            "min_history": t.volume_min_history,
            "failure_window": t.failure_window_runs,
            "min_pages": t.failure_min_pages,
        },
    ).df()
