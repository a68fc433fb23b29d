-- One row per entity and day: how often it was mentioned, in how many articles and outlets, in what tone.
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
    group by mentions.day, mentions.entity
)

select * from final
