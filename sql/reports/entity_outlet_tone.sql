-- How each outlet writes about each entity: tone of the sentences naming it, for the $top_entities
-- entities with most articles in the period.
-- @column entity: watchlist entry name
-- @column source: outlet
-- @column articles: the outlet's articles naming the entity in the period
-- @column avg_tone: mean sentiment of the sentences naming the entity (VADER compound, 3 decimals)
with

per_pair as (
    select
        mentions.entity,
        mentions.source,
        count(distinct mentions.article_id) as articles,
        avg(mentions.sentiment) as avg_tone,
    from mentions
    where mentions.day between $date_from and $date_to
    group by mentions.entity, mentions.source
),

-- an article has one outlet, so an entity's articles are the sum of its articles per outlet
top_entities as (
    select
        per_pair.entity,
        sum(per_pair.articles) as articles,
    from per_pair
    group by per_pair.entity
    order by articles desc, per_pair.entity
    limit $top_entities
),

final as (
    select
        per_pair.entity,
        per_pair.source,
        per_pair.articles,
        round(per_pair.avg_tone, 3) as avg_tone,
        top_entities.articles as entity_articles,
    from per_pair
    inner join top_entities on per_pair.entity = top_entities.entity
)

select
    final.entity,
    final.source,
    final.articles,
    final.avg_tone,
from final
order by final.entity_articles desc, final.entity, final.articles desc, final.source
