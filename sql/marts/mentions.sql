-- One row per watchlist mention in the current version of an article (title or body only: text
-- that extraction dropped, such as related-news lists, never yields a mention).
-- @materialized incremental key=article_id
-- @column article_id: the article (see articles)
-- @column entity: watchlist entry name (aliases are folded into it)
-- @column entity_type: company, person, product or topic
-- @column matched_text: the text as it appears in the article
-- @column field: title or body
-- @column start_pos: character offset of the match in that field
-- @column end_pos: character offset just after the match
-- @column snippet: the sentence around the match
-- @column sentence_id: sentence of the article holding the match (title first, from 0): equal = same sentence
-- @column sentiment: VADER compound score of the snippet; null where the language is not supported
-- @column sentiment_label: positive, neutral or negative
-- @column source: site of the article
-- @column day: the article's day (see articles.day)
with

current_mentions as (
    select
        mentions.*,
        articles.source,
        articles.day,
    from analysis.mentions as mentions
    inner join articles
        on
            mentions.article_id = articles.article_id
            and mentions.content_hash = articles.content_hash
    where mentions.article_id in (select changed_keys.key from changed_keys)
),

final as (
    select
        current_mentions.article_id,
        current_mentions.entity,
        current_mentions.entity_type,
        current_mentions.matched_text,
        current_mentions.field,
        current_mentions.start_pos,
        current_mentions.end_pos,
        current_mentions.snippet,
        current_mentions.sentence_id,
        current_mentions.sentiment,
        current_mentions.sentiment_label,
        current_mentions.source,
        current_mentions.day,
    from current_mentions
)

select * from final
