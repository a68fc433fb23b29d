-- Headline numbers of the period: articles, outlets and watched entities mentioned.
-- @column articles: articles whose day falls in the period
-- @column sources: distinct outlets of those articles
-- @column entities_mentioned: distinct watchlist entities mentioned in the period
-- @column mentions: watchlist mentions in the period
-- @column articles_with_mentions: articles with at least one mention
with

period_articles as (
    select
        articles.article_id,
        articles.source,
    from articles
    where articles.day between $date_from and $date_to
),

period_mentions as (
    select
        mentions.entity,
        mentions.article_id,
    from mentions
    where mentions.day between $date_from and $date_to
),

final as (
    select
        (select count(*) from period_articles) as articles,
        (select count(distinct period_articles.source) from period_articles) as sources,
        (select count(distinct period_mentions.entity) from period_mentions) as entities_mentioned,
        (select count(*) from period_mentions) as mentions,
        (select count(distinct period_mentions.article_id) from period_mentions) as articles_with_mentions,
)

select * from final
