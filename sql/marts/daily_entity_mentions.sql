-- One row per entity and day: how often it was mentioned, in how many articles and outlets, in what tone.
-- @materialized incremental key=day
-- @column day: the articles' day (UTC)
-- @column entity: watchlist entry name
-- @column mentions: number of mentions
-- @column articles: distinct articles mentioning it
-- @column sources: distinct outlets mentioning it
-- @column avg_sentiment: mean snippet sentiment of the mentions that have one
with

final as (
    select
        mentions.day,
        mentions.entity,
        count(*) as mentions,
        count(distinct mentions.article_id) as articles,
        count(distinct mentions.source) as sources,
        avg(mentions.sentiment) as avg_sentiment,
    from mentions
    -- a null day is a key too (a page without any usable date)
    semi join changed_keys on mentions.day is not distinct from changed_keys.key
    group by mentions.day, mentions.entity
)

select * from final
