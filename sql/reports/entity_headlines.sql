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

-- an article has one day, so an entity's articles in the period sum over its days
top_entities as (
    select
        daily_entity_mentions.entity,
        sum(daily_entity_mentions.articles) as articles,
        sum(daily_entity_mentions.mentions) as mentions,
    from daily_entity_mentions
    where daily_entity_mentions.day between $date_from and $date_to
    group by daily_entity_mentions.entity
    order by articles desc, mentions desc, daily_entity_mentions.entity
    limit $top_entities
),

period_mentions as (
    select
        mentions.entity,
        mentions.article_id,
        mentions.sentiment,
    from mentions
    where mentions.day between $date_from and $date_to
),

per_article as (
    select
        period_mentions.entity,
        period_mentions.article_id,
        count(*) as mentions,
        avg(period_mentions.sentiment) as tone,
    from period_mentions
    semi join top_entities on period_mentions.entity = top_entities.entity
    group by period_mentions.entity, period_mentions.article_id
),

-- a mention's day is its article's: the period's articles are all a headline can come from
period_articles as (
    select
        articles.article_id,
        articles.title,
        articles.source,
        articles.published_at,
        articles.url,
    from articles
    where articles.day between $date_from and $date_to
),

-- ranked on narrow rows; titles and links are joined for the headlines shown only
ranked as (
    select
        per_article.entity,
        per_article.article_id,
        per_article.mentions,
        per_article.tone,
        top_entities.articles as entity_articles,
        top_entities.mentions as entity_mentions,
        row_number() over (
            partition by per_article.entity
            order by per_article.mentions desc, period_articles.published_at desc, per_article.article_id
        ) as rank_in_entity,
    from per_article
    inner join top_entities on per_article.entity = top_entities.entity
    inner join period_articles on per_article.article_id = period_articles.article_id
),

shown as (
    select
        ranked.entity,
        ranked.article_id,
        ranked.mentions,
        ranked.tone,
        ranked.entity_articles,
        ranked.entity_mentions,
        ranked.rank_in_entity,
    from ranked
    where ranked.rank_in_entity <= $per_entity
),

final as (
    select
        shown.entity,
        period_articles.title,
        period_articles.source,
        period_articles.published_at,
        shown.mentions,
        round(shown.tone, 3) as tone,
        case
            when shown.tone >= 0.05 then 'positive'
            when shown.tone <= -0.05 then 'negative'
            when shown.tone is not null then 'neutral'
        end as tone_label,
        period_articles.url as links,
        shown.entity_articles,
        shown.entity_mentions,
        shown.rank_in_entity,
    from shown
    inner join period_articles on shown.article_id = period_articles.article_id
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
