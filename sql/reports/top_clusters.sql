-- The period's top stories: clusters ranked by how many outlets carried them in the period.
-- Every column describes the cluster's articles of the period, so first_source is always among outlet_names.
-- @column cluster_id: story cluster id
-- @column title: headline of the cluster's first article in the period
-- @column outlets: distinct outlets that carried the story in the period
-- @column articles: articles of the cluster in the period
-- @column outlet_names: those outlets, alphabetical
-- @column first_source: outlet that carried the story first in the period
-- @column first_published_at: earliest publication time of the cluster in the period (UTC)
-- @column links: article URLs of the cluster in the period, earliest first, separated by spaces
with

period_articles as (
    select
        articles.cluster_id,
        articles.article_id,
        articles.source,
        articles.title,
        articles.url,
        coalesce(articles.published_at, articles.first_seen_at) as published_at,
    from articles
    where articles.day between $date_from and $date_to
),

-- rank the clusters on counts alone; only the ten shown are aggregated into titles, names and links
cluster_counts as (
    select
        period_articles.cluster_id,
        count(distinct period_articles.source) as outlets,
        count(*) as articles,
        min(period_articles.published_at) as first_published_at,
    from period_articles
    group by period_articles.cluster_id
),

top_clusters as (
    select
        cluster_counts.cluster_id,
        cluster_counts.outlets,
        cluster_counts.articles,
        cluster_counts.first_published_at,
    from cluster_counts
    order by
        cluster_counts.outlets desc,
        cluster_counts.articles desc,
        cluster_counts.first_published_at asc,
        cluster_counts.cluster_id asc
    limit 10
),

final as (
    select
        top_clusters.cluster_id,
        arg_min(period_articles.title, (period_articles.published_at, period_articles.article_id)) as title,
        any_value(top_clusters.outlets) as outlets,
        any_value(top_clusters.articles) as articles,
        string_agg(distinct period_articles.source, ', ' order by period_articles.source) as outlet_names,
        arg_min(period_articles.source, (period_articles.published_at, period_articles.article_id))
            as first_source,
        any_value(top_clusters.first_published_at) as first_published_at,
        string_agg(
            period_articles.url, ' ' order by period_articles.published_at, period_articles.article_id
        ) as links,
    from top_clusters
    inner join period_articles on top_clusters.cluster_id = period_articles.cluster_id
    group by top_clusters.cluster_id
)

select * from final
order by outlets desc, articles desc, first_published_at asc, cluster_id asc
