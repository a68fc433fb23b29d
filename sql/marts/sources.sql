-- One row per source in the registry (and any source that still has articles): health at a glance.
-- @materialized table
-- @column source: registry name of the site
-- @column homepage: the site's home page
-- @column language: expected language (ISO 639-1)
-- @column country: country (ISO 3166-1 alpha-2)
-- @column crawl_interval: how often it is crawled
-- @column articles: articles stored from it
-- @column runs: crawls recorded
-- @column failed_runs: crawls that failed
-- @column failed_pages: pages that failed over all crawls
-- @column last_crawl_at: end of the latest crawl
-- @column last_success_at: end of the latest successful crawl
-- @column consecutive_failures: failed crawls since the last successful one
-- @column failing: true when the last three or more crawls all failed
with

article_counts as (
    select
        articles.source,
        count(*) as articles,
    from articles
    group by articles.source
),

run_health as (
    select
        crawl_runs.source,
        count(*) as runs,
        count(*) filter (where not crawl_runs.succeeded) as failed_runs,
        sum(crawl_runs.failed) as failed_pages,
        max(crawl_runs.finished_at) as last_crawl_at,
        max(crawl_runs.finished_at) filter (where crawl_runs.succeeded) as last_success_at,
    from crawl_runs
    group by crawl_runs.source
),

streaks as (
    select
        crawl_runs.source,
        count(*) as consecutive_failures,
    from crawl_runs
    left join run_health
        on crawl_runs.source = run_health.source
    where
        not crawl_runs.succeeded
        and (run_health.last_success_at is null or crawl_runs.finished_at > run_health.last_success_at)
    group by crawl_runs.source
),

all_sources as (
    select registry.source from raw.source_registry as registry
    union
    select article_counts.source from article_counts
),

final as (
    select
        all_sources.source,
        registry.homepage,
        registry.language,
        registry.country,
        registry.crawl_interval,
        coalesce(article_counts.articles, 0) as articles,
        coalesce(run_health.runs, 0) as runs,
        coalesce(run_health.failed_runs, 0) as failed_runs,
        coalesce(run_health.failed_pages, 0) as failed_pages,
        run_health.last_crawl_at,
        run_health.last_success_at,
        coalesce(streaks.consecutive_failures, 0) as consecutive_failures,
        coalesce(streaks.consecutive_failures, 0) >= 3 as failing,
    from all_sources
    left join raw.source_registry as registry on all_sources.source = registry.source
    left join article_counts on all_sources.source = article_counts.source
    left join run_health on all_sources.source = run_health.source
    left join streaks on all_sources.source = streaks.source
)

select * from final
