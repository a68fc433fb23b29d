-- Health of each source: what it delivered in the period, whether its crawls keep failing, and
-- whether its pages stopped becoming articles (the quality gate's source_yield warning).
-- @column source: registry name of the site
-- @column articles: articles of the period from this source
-- @column runs: recent crawls: those of the 7 days up to the source's latest crawl, reaching back at
--   least to its last successful one (so runs >= failed_runs >= consecutive_failures always holds)
-- @column failed_runs: recent crawls that failed
-- @column failed_pages: pages that failed in the recent crawls
-- @column last_outcome: outcome of the latest crawl (ok, degraded, failed; any time)
-- @column last_success_at: end of the latest successful crawl (any time, UTC)
-- @column last_failure_at: end of the latest failed crawl (any time, UTC)
-- @column consecutive_failures: failed crawls since the last successful one
-- @column failing: true when the last three or more crawls all failed
-- @column article_yield: share of the judged pages of its latest crawl with any that became articles
-- @column yield_collapsed: true when the latest quality-gate run warned that its yield collapsed
-- @column yield_reason: the dominant not_article reason the gate named (e.g. not_article:too_short)
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

latest_runs as (
    select
        crawl_runs.source,
        arg_max(crawl_runs.outcome, crawl_runs.finished_at) as last_outcome,
        max(crawl_runs.finished_at) filter (where not crawl_runs.succeeded) as last_failure_at,
        arg_max(crawl_runs.article_yield, crawl_runs.finished_at) filter (
            where crawl_runs.article_yield is not null
        ) as article_yield,
    from crawl_runs
    group by crawl_runs.source
),

latest_gate as (
    select dq_results.run_id
    from dq_results
    order by dq_results.checked_at desc
    limit 1
),

yield_warnings as (
    select
        collapsed.item ->> 'source' as source,
        collapsed.item ->> 'dominant_not_article_reason' as yield_reason,
    from dq_results,
        unnest(from_json(dq_results.details -> 'collapsed', '["json"]')) as collapsed (item)
    where
        dq_results.expectation = 'source_yield'
        and dq_results.run_id in (select latest_gate.run_id from latest_gate)
),

final as (
    select
        sources.source,
        coalesce(period_articles.articles, 0) as articles,
        coalesce(period_runs.runs, 0) as runs,
        coalesce(period_runs.failed_runs, 0) as failed_runs,
        coalesce(period_runs.failed_pages, 0) as failed_pages,
        latest_runs.last_outcome,
        sources.last_success_at,
        latest_runs.last_failure_at,
        sources.consecutive_failures,
        sources.failing,
        round(latest_runs.article_yield, 3) as article_yield,
        yield_warnings.source is not null as yield_collapsed,
        yield_warnings.yield_reason,
    from sources
    left join period_articles on sources.source = period_articles.source
    left join period_runs on sources.source = period_runs.source
    left join latest_runs on sources.source = latest_runs.source
    left join yield_warnings on sources.source = yield_warnings.source
)

select * from final
order by failing desc, yield_collapsed desc, consecutive_failures desc, source
