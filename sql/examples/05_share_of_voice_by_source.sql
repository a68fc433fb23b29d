-- Share of voice: each entity's share of all mentions, per outlet.
with

per_source as (
    select
        mentions.source,
        mentions.entity,
        count(*) as mentions,
    from mentions
    group by mentions.source, mentions.entity
),

final as (
    select
        per_source.source,
        per_source.entity,
        per_source.mentions,
        round(
            per_source.mentions / sum(per_source.mentions) over (partition by per_source.source), 3
        ) as share,
    from per_source
    order by per_source.source, per_source.mentions desc, per_source.entity
)

select * from final
