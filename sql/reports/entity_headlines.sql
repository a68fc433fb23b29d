-- Per watched entity, the headlines of the period that name it: outlet, tone and link, most
-- mentioned first. Limited to the $top_entities entities with most articles and $per_entity headlines each.
-- @column entity: watchlist entry name
-- @column title: the article's headline
-- @column source: outlet
-- @column published_at: publication time (UTC)
-- @column mentions: occurrences of the entity in the article
-- @column tone: mean sentiment of the sentences naming the entity (VADER compound, 3 decimals)
-- @column tone_label: positive (>= 0.05), negative (<= -0.05) or neutral; null without a score
-- @column links: the article's URL
with

per_article as (
    select
        mentions.entity,
        mentions.article_id,
        count(*) as mentions,
        avg(mentions.sentiment) as tone,
    from mentions
    where mentions.day between $date_from and $date_to
    group by mentions.entity, mentions.article_id
),

top_entities as (
    select
        per_article.entity,
        count(*) as articles,
        sum(per_article.mentions) as mentions,
    from per_article
    group by per_article.entity
    order by articles desc, mentions desc, per_article.entity
    limit $top_entities
),

ranked as (
    select
        per_article.entity,
        articles.title,
        articles.source,
        articles.published_at,
        per_article.mentions,
        round(per_article.tone, 3) as tone,
        case
            when per_article.tone >= 0.05 then 'positive'
            when per_article.tone <= -0.05 then 'negative'
            when per_article.tone is not null then 'neutral'
        end as tone_label,
        articles.url as links,
        top_entities.articles as entity_articles,
        top_entities.mentions as entity_mentions,
        row_number() over (
            partition by per_article.entity
            order by per_article.mentions desc, articles.published_at desc, articles.article_id
        ) as rank_in_entity,
    from per_article
    inner join top_entities on per_article.entity = top_entities.entity
    inner join articles on per_article.article_id = articles.article_id
),

final as (
    select
        ranked.entity,
        ranked.title,
        ranked.source,
        ranked.published_at,
        ranked.mentions,
        ranked.tone,
        ranked.tone_label,
        ranked.links,
        ranked.entity_articles,
        ranked.entity_mentions,
        ranked.rank_in_entity,
    from ranked
    where ranked.rank_in_entity <= $per_entity
)

select
    final.entity,
    final.title,
    final.source,
    final.published_at,
    final.mentions,
    final.tone,
    final.tone_label,
    final.links,
from final
order by final.entity_articles desc, final.entity_mentions desc, final.entity, final.rank_in_entity
