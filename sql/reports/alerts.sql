-- Mention spikes in the period worth a reader's attention. entity_alerts scores occurrences (robust
-- z-score against the trailing 14 days), which one long article can inflate; a spike shown here also
-- needs volume and a baseline in articles: at least $min_articles articles that day, at least
-- $min_ratio times the median daily articles of the 14 days before, and a median of at least
-- $min_baseline occurrences a day before (so one article about a rarely named entity is no spike).
-- @column day: day of the spike
-- @column entity: watchlist entry name
-- @column articles: articles naming the entity that day
-- @column baseline_articles: median daily articles naming it over the 14 days before
-- @column mentions: occurrences that day
-- @column baseline_median: median daily occurrences over the trailing window
-- @column mad: median absolute deviation over the window (2 decimals)
-- @column z: robust z-score (2 decimals)
with

params as (
    select cast($min_ratio as double) as min_ratio,
),

-- articles per day and entity are the daily_entity_mentions mart's (distinct articles, as here)
day_articles as (
    select
        daily_entity_mentions.day,
        daily_entity_mentions.entity,
        daily_entity_mentions.articles,
    from daily_entity_mentions
    where
        daily_entity_mentions.day between $date_from and $date_to
        and daily_entity_mentions.articles >= $min_articles
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

-- only the days a baseline can reach: the period and the 14 days before it
daily_articles as (
    select
        daily_entity_mentions.day,
        daily_entity_mentions.entity,
        daily_entity_mentions.articles,
    from daily_entity_mentions
    where daily_entity_mentions.day between cast($date_from as date) - 14 and $date_to
),

-- the 14 days before each alert, days without articles counting as zero
trailing_days as (
    select
        period_alerts.day,
        period_alerts.entity,
        cast(unnest(generate_series(period_alerts.day - 14, period_alerts.day - 1, interval 1 day)) as date)
            as trailing_day,
    from period_alerts
),

article_baseline as (
    select
        trailing_days.day,
        trailing_days.entity,
        median(coalesce(daily_articles.articles, 0)) as baseline_articles,
    from trailing_days
    left join daily_articles
        on
            trailing_days.trailing_day = daily_articles.day
            and trailing_days.entity = daily_articles.entity
    group by trailing_days.day, trailing_days.entity
),

final as (
    select
        period_alerts.day,
        period_alerts.entity,
        day_articles.articles,
        article_baseline.baseline_articles,
        period_alerts.mentions,
        period_alerts.baseline_median,
        round(period_alerts.mad, 2) as mad,
        round(period_alerts.z, 2) as z,
    from period_alerts
    inner join day_articles
        on
            period_alerts.day = day_articles.day
            and period_alerts.entity = day_articles.entity
    inner join article_baseline
        on
            period_alerts.day = article_baseline.day
            and period_alerts.entity = article_baseline.entity
    cross join params
    where day_articles.articles >= params.min_ratio * article_baseline.baseline_articles
)

select * from final
order by day desc, z desc, entity
