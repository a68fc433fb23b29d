-- One row per article and unordered pair of watched entities both mentioned in it: how often each
-- is mentioned, whether they share a sentence, and the tone of the sentences they share.
-- "How often was Xiaomi mentioned next to BAIC, by which outlet, in what tone" is one filter here.
-- @materialized incremental key=article_id
-- @column article_id: the article (see articles)
-- @column source: site of the article
-- @column published_at: the article's publication time (UTC; see articles.published_at)
-- @column day: the article's day (see articles.day)
-- @column entity_a: the pair's first entity, alphabetically (entity_a < entity_b)
-- @column entity_b: the pair's second entity
-- @column mentions_a: mentions of entity_a in the article
-- @column mentions_b: mentions of entity_b in the article
-- @column shared_sentences: sentences that mention both
-- @column same_sentence: true when at least one sentence mentions both
-- @column shared_sentiment: mean VADER score of the sentences naming both (null if none or not English)
-- @column article_sentiment: the article's sentiment (see articles.sentiment)
with

article_mentions as (
    select
        mentions.article_id,
        mentions.entity,
        mentions.sentence_id,
        mentions.sentiment,
    from mentions
    where mentions.article_id in (select changed_keys.key from changed_keys)
),

per_entity as (
    select
        article_mentions.article_id,
        article_mentions.entity,
        count(*) as mentions,
    from article_mentions
    group by article_mentions.article_id, article_mentions.entity
),

pairs as (
    select
        a.article_id,
        a.entity as entity_a,
        b.entity as entity_b,
        a.mentions as mentions_a,
        b.mentions as mentions_b,
    from per_entity as a
    inner join per_entity as b
        on
            a.article_id = b.article_id
            and a.entity < b.entity
),

sentences as (
    -- each sentence once per entity, with its score (every mention of a sentence has the same)
    select
        article_mentions.article_id,
        article_mentions.entity,
        article_mentions.sentence_id,
        any_value(article_mentions.sentiment) as sentiment,
    from article_mentions
    where article_mentions.sentence_id is not null
    group by article_mentions.article_id, article_mentions.entity, article_mentions.sentence_id
),

shared as (
    select
        a.article_id,
        a.entity as entity_a,
        b.entity as entity_b,
        count(*) as shared_sentences,
        avg(a.sentiment) as shared_sentiment,
    from sentences as a
    inner join sentences as b
        on
            a.article_id = b.article_id
            and a.sentence_id = b.sentence_id
            and a.entity < b.entity
    group by a.article_id, a.entity, b.entity
),

final as (
    select
        pairs.article_id,
        articles.source,
        articles.published_at,
        articles.day,
        pairs.entity_a,
        pairs.entity_b,
        cast(pairs.mentions_a as integer) as mentions_a,
        cast(pairs.mentions_b as integer) as mentions_b,
        cast(coalesce(shared.shared_sentences, 0) as integer) as shared_sentences,
        coalesce(shared.shared_sentences, 0) > 0 as same_sentence,
        shared.shared_sentiment,
        articles.sentiment as article_sentiment,
    from pairs
    inner join articles on pairs.article_id = articles.article_id
    left join shared
        on
            pairs.article_id = shared.article_id
            and pairs.entity_a = shared.entity_a
            and pairs.entity_b = shared.entity_b
)

select * from final
