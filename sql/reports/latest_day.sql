-- The latest day that has articles: the default period of a daily report.
-- @column latest_day: the newest articles.day, null when the warehouse holds no articles
with

final as (
    select max(articles.day) as latest_day,
    from articles
)

select * from final
