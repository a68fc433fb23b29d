-- One row per entity and day whose mention count spiked against its own trailing 14 days
-- (robust z-score: median and MAD of the window).
-- @materialized incremental key=day
-- @column day: the day of the spike
-- @column entity: watchlist entry name
-- @column mentions: mentions that day
-- @column baseline_median: median daily mentions over the trailing window
-- @column mad: median absolute deviation over the trailing window
-- @column z: robust z-score of the day against the window
with

final as (
    select
        alerts.day,
        alerts.entity,
        alerts.mentions,
        alerts.baseline_median,
        alerts.mad,
        alerts.z,
    from analysis.entity_alerts as alerts
    where alerts.day in (select changed_keys.key from changed_keys)
)

select * from final
