-- Crawl statistics per source and run, typed from the JSON each crawl wrote.
with

stats as (
    select
        crawl_stats.run_id,
        crawl_stats.source,
        crawl_stats.stats,
    from raw.crawl_stats as crawl_stats
),

final as (
    select
        stats.run_id,
        stats.source,
        cast(stats.stats ->> 'started_at' as timestamptz) as started_at,
        cast(stats.stats ->> 'finished_at' as timestamptz) as finished_at,
        cast(stats.stats ->> 'duration_s' as double) as duration_s,
        coalesce(cast(stats.stats ->> 'requests' as bigint), 0) as requests,
        coalesce(cast(stats.stats ->> 'articles' as bigint), 0) as articles,
        coalesce(cast(stats.stats ->> 'skipped' as bigint), 0) as skipped,
        coalesce(cast(stats.stats ->> 'duplicates' as bigint), 0) as duplicates,
        coalesce(cast(stats.stats ->> 'failed' as bigint), 0) as failed,
        coalesce(cast(stats.stats ->> 'not_modified' as bigint), 0) as not_modified,
        coalesce(cast(stats.stats ->> 'bytes' as bigint), 0) as bytes,
        stats.stats -> 'responses_by_status' as responses_by_status,
        stats.stats -> 'errors_by_kind' as errors_by_kind,
        coalesce(
            list_sum(map_values(try_cast(stats.stats -> 'errors_by_kind' as map (varchar, bigint)))), 0
        ) as errors,
        coalesce(stats.stats ->> 'error', '') as crawl_error,
    from stats
)

select * from final
