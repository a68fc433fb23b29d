-- Mention spikes flagged in the period (entity_alerts: robust z-score against the trailing 14 days).
-- @column day: day of the spike
-- @column entity: watchlist entry name
-- @column mentions: mentions that day
-- @column baseline_median: median daily mentions over the trailing window
-- @column mad: median absolute deviation over the window (2 decimals)
-- @column z: robust z-score (2 decimals)
with

final as (
    select
        entity_alerts.day,
        entity_alerts.entity,
        entity_alerts.mentions,
        entity_alerts.baseline_median,
        round(entity_alerts.mad, 2) as mad,
        round(entity_alerts.z, 2) as z,
    from entity_alerts
    where entity_alerts.day between $date_from and $date_to
)

select * from final
order by day desc, z desc, entity
