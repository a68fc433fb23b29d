-- Mention spikes in the period worth a reader's attention: entity_alerts (robust z-score against the
-- trailing 14 days) limited to days with enough articles and an entity with a real baseline, so one
-- article about a rarely named entity is not a "spike".
-- Parameters: $date_from, $date_to, $min_articles (articles naming the entity that day),
-- $min_baseline (median daily mentions over the trailing window).
-- @column day: day of the spike
-- @column entity: watchlist entry name
-- @column articles: articles naming the entity that day
-- @column mentions: occurrences that day
-- @column baseline_median: median daily occurrences over the trailing window
-- @column mad: median absolute deviation over the window (2 decimals)
-- @column z: robust z-score (2 decimals)
with

day_articles as (
    select
        mentions.day,
        mentions.entity,
        count(distinct mentions.article_id) as articles,
    from mentions
    where mentions.day between $date_from and $date_to
    group by mentions.day, mentions.entity
    having count(distinct mentions.article_id) >= $min_articles
),

period_alerts as (
    select
        entity_alerts.day,
        entity_alerts.entity,
        entity_alerts.mentions,
        entity_alerts.baseline_median,
        entity_alerts.mad,
        entity_alerts.z,
    from entity_alerts
    where
        entity_alerts.day between $date_from and $date_to
        and entity_alerts.baseline_median >= $min_baseline
),

final as (
    select
        period_alerts.day,
        period_alerts.entity,
        day_articles.articles,
        period_alerts.mentions,
        period_alerts.baseline_median,
        round(period_alerts.mad, 2) as mad,
        round(period_alerts.z, 2) as z,
    from period_alerts
    inner join day_articles
        on
            period_alerts.day = day_articles.day
            and period_alerts.entity = day_articles.entity
)

select * from final
order by day desc, z desc, entity
