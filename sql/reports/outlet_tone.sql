-- Tone per outlet in the period: how each outlet's articles read.
-- @column source: outlet
-- @column articles: its articles in the period
-- @column avg_sentiment: mean article sentiment (VADER compound, 3 decimals); null without scored articles
-- @column positive: articles labelled positive
-- @column neutral: articles labelled neutral
-- @column negative: articles labelled negative
with

final as (
    select
        articles.source,
        count(*) as articles,
        round(avg(articles.sentiment), 3) as avg_sentiment,
        count(*) filter (where articles.sentiment_label = 'positive') as positive,
        count(*) filter (where articles.sentiment_label = 'neutral') as neutral,
        count(*) filter (where articles.sentiment_label = 'negative') as negative,
    from articles
    where articles.day between $date_from and $date_to
    group by articles.source
)

select * from final
order by articles desc, source
