-- Mentions per entity per day over the last 90 days (from the daily aggregate).
with

final as (
    select
        daily.day,
        daily.entity,
        daily.mentions,
        daily.articles,
        daily.sources,
    from daily_entity_mentions as daily
    where daily.day >= (select max(latest.day) from daily_entity_mentions as latest) - interval 90 day
    order by daily.day, daily.mentions desc, daily.entity
)

select * from final
