-- Health of each source: what it delivered in the period and whether its crawls keep failing.
-- @column source: registry name of the site
-- @column articles: articles of the period from this source
-- @column runs: recent crawls: those of the 7 days up to the source's latest crawl, reaching back at
--   least to its last successful one (so runs >= failed_runs >= consecutive_failures always holds)
-- @column failed_runs: recent crawls that failed
-- @column failed_pages: pages that failed in the recent crawls
-- @column last_success_at: end of the latest successful crawl (any time, UTC)
-- @column consecutive_failures: failed crawls since the last successful one
-- @column failing: true when the last three or more crawls all failed
with

period_articles as (
    select
        articles.source,
        count(*) as articles,
    from articles
    where articles.day between $date_from and $date_to
    group by articles.source
),

-- crawl health is the source's state now, not the period's: crawls of the articles' period may be
-- long gone (or not yet run), while consecutive_failures counts from the latest crawl backwards
recent_window as (
    select
        crawl_runs.source,
        least(
            max(crawl_runs.finished_at) - interval 7 day,
            coalesce(max(crawl_runs.finished_at) filter (where crawl_runs.succeeded), '-infinity')
        ) as window_from,
    from crawl_runs
    group by crawl_runs.source
),

period_runs as (
    select
        crawl_runs.source,
        count(*) as runs,
        count(*) filter (where not crawl_runs.succeeded) as failed_runs,
        cast(sum(crawl_runs.failed) as bigint) as failed_pages,
    from crawl_runs
    inner join recent_window
        on
            crawl_runs.source = recent_window.source
            and crawl_runs.finished_at >= recent_window.window_from
    group by crawl_runs.source
),

final as (
    select
        sources.source,
        coalesce(period_articles.articles, 0) as articles,
        coalesce(period_runs.runs, 0) as runs,
        coalesce(period_runs.failed_runs, 0) as failed_runs,
        coalesce(period_runs.failed_pages, 0) as failed_pages,
        sources.last_success_at,
        sources.consecutive_failures,
        sources.failing,
    from sources
    left join period_articles on sources.source = period_articles.source
    left join period_runs on sources.source = period_runs.source
)

select * from final
order by failing desc, consecutive_failures desc, source
