-- How often was Xiaomi mentioned in the same article as BAIC in the last 7 days, by which
-- outlets, and in what tone? (articles mentioning both; tone = mean article sentiment)
with

xiaomi as (
    select distinct mentions.article_id
    from mentions
    where mentions.entity = 'Xiaomi'
),

baic as (
    select distinct mentions.article_id
    from mentions
    where mentions.entity = 'BAIC'
),

both_mentioned as (
    select
        articles.source,
        articles.article_id,
        articles.sentiment,
    from articles
    inner join xiaomi on articles.article_id = xiaomi.article_id
    inner join baic on articles.article_id = baic.article_id
    where articles.day >= (select max(latest.day) from articles as latest) - interval 7 day
),

final as (
    select
        both_mentioned.source,
        count(*) as articles,
        round(avg(both_mentioned.sentiment), 3) as avg_sentiment,
    from both_mentioned
    group by both_mentioned.source
    order by articles desc, both_mentioned.source
)

select * from final
