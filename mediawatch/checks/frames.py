"""What each suite validates, read from DuckDB as small DataFrames (one per suite).

DuckDB does the heavy lifting: the whole-warehouse suite gets one row of aggregates and the sources
suite one row per source, so GX never pulls the marts into pandas. The batch frame has one row per
new article version but no body text (only its length), which keeps it small at a million rows.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from mediawatch.checks.thresholds import Thresholds

# versions not checked by an earlier run (quarantined ones are already out of prep.prep_article_versions)
_BATCH = """
with

batch as (
    select versions.*
    from prep.prep_article_versions as versions
    anti join main.dq_checked_versions as checked
        on versions.article_id = checked.article_id
        and versions.content_hash = checked.content_hash
),

shared_bodies as (
    select versions.content_hash
    from prep.prep_article_versions as versions
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
    left join shared_bodies on batch.content_hash = shared_bodies.content_hash
)

select * from final order by fetched_at, article_id, content_hash
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
    (select count(*) from main.articles) as articles
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


def batch_frame(con: duckdb.DuckDBPyConnection, t: Thresholds) -> pd.DataFrame:
    """New article versions: those no gate run has checked yet."""
    return con.execute(_BATCH, {"tolerance_hours": t.published_future_tolerance_hours}).df()


def warehouse_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row of whole-warehouse invariants, aggregated by DuckDB."""
    return con.execute(_WAREHOUSE).df()


def sources_frame(con: duckdb.DuckDBPyConnection, t: Thresholds) -> pd.DataFrame:
    """One row per source: volume against its trailing mean, failure rate, latest crawl outcome."""
    return con.execute(
        _SOURCES,
        {
            "volume_window": t.volume_window_runs,
            "min_history": t.volume_min_history,
            "failure_window": t.failure_window_runs,
            "min_pages": t.failure_min_pages,
        },
    ).df()
