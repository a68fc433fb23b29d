-- The stories carried by the most outlets in the last 7 days: syndicated press releases and
-- widely covered news, with the outlet that had it first.
with

final as (
    select
        clusters.cluster_id,
        clusters.title,
        clusters.first_source,
        clusters.first_published_at,
        clusters.sources,
        clusters.articles,
    from clusters
    where
        clusters.first_published_at
        >= (select max(latest.first_published_at) from clusters as latest) - interval 7 day
    order by
        clusters.sources desc, clusters.articles desc, clusters.first_published_at, clusters.cluster_id
    limit 10
)

select * from final
