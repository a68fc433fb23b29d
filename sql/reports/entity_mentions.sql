-- Articles per watched entity in the period, against the previous period of equal length.
-- An article counts once however often it names the entity; occurrences are the secondary column.
-- @column entity: watchlist entry name
-- @column entity_type: company, person, product or topic
-- @column articles: distinct articles mentioning it in the period
-- @column previous_articles: distinct articles mentioning it in the previous period of equal length
-- @column change: articles minus previous_articles
-- @column change_pct: change in percent of previous_articles; null when there were none before
-- @column sources: distinct outlets mentioning it in the period
-- @column mentions: occurrences (every match, several per article possible) in the period
-- @column previous_mentions: occurrences in the previous period
-- @column avg_sentiment: mean snippet sentiment of its mentions in the period (3 decimals)
with

bounds as (
    select
        cast($date_from as date) as date_from,
        cast($date_to as date) as date_to,
        cast($date_from as date)
        - cast(cast($date_to as date) - cast($date_from as date) + 1 as integer) as previous_from,
        cast($date_from as date) - 1 as previous_to,
),

current_period as (
    select
        mentions.entity,
        any_value(mentions.entity_type) as entity_type,
        count(distinct mentions.article_id) as articles,
        count(distinct mentions.source) as sources,
        count(*) as mentions,
        avg(mentions.sentiment) as avg_sentiment,
    from mentions
    inner join bounds on mentions.day between bounds.date_from and bounds.date_to
    group by mentions.entity
),

previous_period as (
    select
        mentions.entity,
        any_value(mentions.entity_type) as entity_type,
        count(distinct mentions.article_id) as articles,
        count(*) as mentions,
    from mentions
    inner join bounds on mentions.day between bounds.previous_from and bounds.previous_to
    group by mentions.entity
),

final as (
    select
        coalesce(current_period.entity, previous_period.entity) as entity,
        coalesce(current_period.entity_type, previous_period.entity_type) as entity_type,
        coalesce(current_period.articles, 0) as articles,
        coalesce(previous_period.articles, 0) as previous_articles,
        coalesce(current_period.articles, 0) - coalesce(previous_period.articles, 0) as change,
        case
            when previous_period.articles > 0
                then round(
                    100.0 * (coalesce(current_period.articles, 0) - previous_period.articles)
                    / previous_period.articles,
                    1
                )
        end as change_pct,
        coalesce(current_period.sources, 0) as sources,
        coalesce(current_period.mentions, 0) as mentions,
        coalesce(previous_period.mentions, 0) as previous_mentions,
        round(current_period.avg_sentiment, 3) as avg_sentiment,
    from current_period
    full outer join previous_period on current_period.entity = previous_period.entity
)

select * from final
order by articles desc, previous_articles desc, mentions desc, entity
