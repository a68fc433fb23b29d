-- The period's top stories: clusters ranked by how many outlets carried them in the period.
-- @column cluster_id: story cluster id
-- @column title: headline of the cluster's earliest article
-- @column outlets: distinct outlets that carried the story in the period
-- @column articles: articles of the cluster in the period
-- @column outlet_names: those outlets, alphabetical
-- @column first_source: outlet that carried the story first (over all time)
-- @column first_published_at: earliest publication time in the cluster (UTC)
-- @column links: article URLs of the cluster, earliest first, separated by spaces
with

period_articles as (
    select
        articles.cluster_id,
        articles.source,
    from articles
    where articles.day between $date_from and $date_to
),

cluster_period as (
    select
        period_articles.cluster_id,
        count(distinct period_articles.source) as outlets,
        count(*) as articles,
        string_agg(distinct period_articles.source, ', ' order by period_articles.source) as outlet_names,
    from period_articles
    group by period_articles.cluster_id
),

final as (
    select
        cluster_period.cluster_id,
        clusters.title,
        cluster_period.outlets,
        cluster_period.articles,
        cluster_period.outlet_names,
        clusters.first_source,
        clusters.first_published_at,
        array_to_string(clusters.urls, ' ') as links,
    from cluster_period
    inner join clusters on cluster_period.cluster_id = clusters.cluster_id
)

select * from final
order by outlets desc, articles desc, first_published_at, cluster_id
limit 10
