-- Article sentiment per day: the period, widened to at least the 14 days ending with it for context.
-- @column day: the day (UTC); days without articles are listed with zero articles
-- @column articles: articles of the day
-- @column avg_sentiment: mean article sentiment (VADER compound, 3 decimals); null without scored articles
-- @column positive: articles labelled positive
-- @column neutral: articles labelled neutral
-- @column negative: articles labelled negative
with

bounds as (
    select
        least(cast($date_from as date), cast($date_to as date) - 13) as chart_from,
        cast($date_to as date) as date_to,
),

days as (
    select cast(unnest(generate_series(bounds.chart_from, bounds.date_to, interval 1 day)) as date) as day,
    from bounds
),

article_days as (
    select
        articles.day,
        count(*) as articles,
        avg(articles.sentiment) as avg_sentiment,
        count(*) filter (where articles.sentiment_label = 'positive') as positive,
        count(*) filter (where articles.sentiment_label = 'neutral') as neutral,
        count(*) filter (where articles.sentiment_label = 'negative') as negative,
    from articles
    inner join bounds on articles.day between bounds.chart_from and bounds.date_to
    group by articles.day
),

final as (
    select
        days.day,
        coalesce(article_days.articles, 0) as articles,
        round(article_days.avg_sentiment, 3) as avg_sentiment,
        coalesce(article_days.positive, 0) as positive,
        coalesce(article_days.neutral, 0) as neutral,
        coalesce(article_days.negative, 0) as negative,
    from days
    left join article_days on days.day = article_days.day
)

select * from final
order by day
