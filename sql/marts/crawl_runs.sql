-- One row per crawl of one source: what it fetched, kept, skipped and why it failed.
-- @materialized table
-- @column run_id: crawl run id (the Airflow run, or the CLI's timestamp)
-- @column source: registry name of the site
-- @column started_at: crawl start (UTC)
-- @column finished_at: crawl end (UTC)
-- @column duration_s: wall time in seconds
-- @column requests: HTTP requests made
-- @column articles: article pages staged
-- @column skipped: pages fetched that were not articles (tag, author, gallery, index pages)
-- @column duplicates: pages that turned out to be an article already seen in this run
-- @column failed: pages that failed (HTTP errors, timeouts, blocked, unparseable)
-- @column not_modified: pages and feeds answered 304 Not Modified
-- @column bytes: bytes downloaded
-- @column responses_by_status: JSON object, HTTP status -> count
-- @column errors_by_kind: JSON object, failure reason -> count
-- @column errors: failures of any kind, pages and feeds/sitemaps alike (sum of errors_by_kind)
-- @column crawl_error: why the whole crawl failed; empty when it completed
-- @column succeeded: false when the crawl died, or everything it tried failed (e.g. its only feed was down)
with

final as (
    select
        stats.run_id,
        stats.source,
        stats.started_at,
        stats.finished_at,
        stats.duration_s,
        stats.requests,
        stats.articles,
        stats.skipped,
        stats.duplicates,
        stats.failed,
        stats.not_modified,
        stats.bytes,
        stats.responses_by_status,
        stats.errors_by_kind,
        stats.errors,
        stats.crawl_error,
        stats.crawl_error = ''
        and not (
            stats.failed + stats.errors > 0
            and stats.articles + stats.skipped + stats.not_modified = 0
        ) as succeeded,
    from prep.prep_crawl_stats as stats
)

select * from final
