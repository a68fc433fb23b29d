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
-- @column outcome: ok, degraded (some endpoints or pages failed, it delivered) or failed (delivered nothing)
-- @column endpoints: feeds, sitemaps and sections in the registry entry, and the homepage when
--   discovery starts there (null for older crawls)
-- @column endpoints_failed: of those, the ones that gave nothing usable
-- @column candidates: fetched pages extraction judged: articles (duplicates included) and not_article pages
-- @column article_yield: share of the candidates that became articles (null without candidates)
-- @column not_article_by_reason: JSON object, not_article reason -> pages
-- @column dominant_not_article_reason: the most frequent not_article reason of the crawl
with

outcomes as (
    select
        stats.*,
        coalesce(
            stats.outcome,
            -- stats files written before the outcome existed: the same rule without endpoints
            case
                when
                    stats.crawl_error <> ''
                    or (
                        stats.failed + stats.errors > 0
                        and stats.articles + stats.skipped + stats.duplicates + stats.not_modified = 0
                    )
                    then 'failed'
                when stats.failed + stats.errors > 0 then 'degraded'
                else 'ok'
            end
        ) as run_outcome,
    from prep.prep_crawl_stats as stats
),

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
        stats.run_outcome <> 'failed' as succeeded,
        stats.run_outcome as outcome,
        stats.endpoints,
        stats.endpoints_failed,
        stats.candidates,
        (stats.articles + stats.duplicates) / nullif(stats.candidates, 0) as article_yield,
        stats.not_article_by_reason,
        stats.dominant_not_article_reason,
    from outcomes as stats
)

select * from final
