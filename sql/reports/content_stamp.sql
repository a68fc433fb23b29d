-- A fingerprint of what a report over the period shows, read before deciding to rebuild it: a build (and
-- gate run) that changed none of it leaves the report as it is; a crawl that found nothing new still
-- builds crawl_runs and sources, and the gate then records a run of its own. It covers the days any
-- section reads ($window_from, the earliest of the previous period, the 14 days of context and of the
-- spike baselines, to $date_to): the articles (id, version, story, tone, day, time, title), their mentions
-- and the spikes; each source's state (failing, its failures in a row, the outcome and yield of its latest
-- crawl); the latest gate run's verdicts. Left out, because they move with every crawl or gate run: a
-- source's crawl counters (runs, pages, last success time) and what checks measured (hours since the newest
-- article). Held rows, watchlist and code are compared beside it (mediawatch.report.build.report_inputs).
-- @column articles: articles of the window
-- @column articles_hash: order-independent hash of their id, version, story, tone, day, time and title
-- @column mentions: mentions of the window
-- @column mentions_hash: order-independent hash of their article, entity, position and tone
-- @column alerts_hash: order-independent hash of the window's entity_alerts
-- @column sources_hash: order-independent hash of each source's state
-- @column verdicts_hash: order-independent hash of the latest gate run's verdicts and failures' counts
with

window_articles as (
    select
        count(*) as articles,
        sum(
            hash(
                articles.article_id,
                articles.version,
                articles.cluster_id,
                articles.sentiment,
                articles.day,
                articles.published_at,
                articles.title
            )
        ) as articles_hash,
    from articles
    where articles.day between $window_from and $date_to
),

window_mentions as (
    select
        count(*) as mentions,
        sum(
            hash(mentions.article_id, mentions.entity, mentions.start_pos, mentions.sentiment)
        ) as mentions_hash,
    from mentions
    where mentions.day between $window_from and $date_to
),

window_alerts as (
    select sum(hash(entity_alerts.day, entity_alerts.entity, entity_alerts.z)) as alerts_hash,
    from entity_alerts
    where entity_alerts.day between $window_from and $date_to
),

latest_crawls as (
    select
        crawl_runs.source,
        arg_max(crawl_runs.outcome, crawl_runs.finished_at) as last_outcome,
        arg_max(crawl_runs.article_yield, crawl_runs.finished_at) filter (
            where crawl_runs.article_yield is not null
        ) as article_yield,
    from crawl_runs
    group by crawl_runs.source
),

source_states as (
    select
        sum(
            hash(
                sources.source,
                sources.failing,
                sources.consecutive_failures,
                latest_crawls.last_outcome,
                latest_crawls.article_yield
            )
        ) as sources_hash,
    from sources
    left join latest_crawls on sources.source = latest_crawls.source
),

-- the latest gate run's verdicts, with the counts its failed checks observed and the sources whose
-- yield collapsed; measurements (hours since the newest article, ...) move with every run
latest_gate as (
    select dq_results.run_id,
    from dq_results
    order by dq_results.checked_at desc, dq_results.run_id desc
    limit 1
),

gate_verdicts as (
    select
        sum(
            hash(
                dq_results.suite,
                dq_results.expectation,
                dq_results.severity,
                dq_results.success,
                -- a failure's count ("7 of 9 rows"), not a measurement that drifts (hours since ...)
                case
                    when
                        not dq_results.success and try_cast(dq_results.observed_value as double) is null
                        then dq_results.observed_value
                end,
                dq_results.details -> 'collapsed'  -- the sources whose yield collapsed
            )
        ) as verdicts_hash,
    from dq_results
    where dq_results.run_id in (select latest_gate.run_id from latest_gate)
),

final as (
    select
        window_articles.articles,
        cast(window_articles.articles_hash as varchar) as articles_hash,
        window_mentions.mentions,
        cast(window_mentions.mentions_hash as varchar) as mentions_hash,
        cast(window_alerts.alerts_hash as varchar) as alerts_hash,
        cast(source_states.sources_hash as varchar) as sources_hash,
        cast(gate_verdicts.verdicts_hash as varchar) as verdicts_hash,
    from window_articles
    cross join window_mentions
    cross join window_alerts
    cross join source_states
    cross join gate_verdicts
)

select * from final
