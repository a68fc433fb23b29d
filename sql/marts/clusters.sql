-- One row per story cluster: the same story (exact or near-duplicate text) across articles and outlets.
-- @materialized incremental key=cluster_id
-- @column cluster_id: article_id of the cluster's earliest article
-- @column representative_article_id: the earliest article, whose title stands for the story
-- @column title: headline of the representative article
-- @column first_source: outlet that carried the story first
-- @column first_published_at: earliest publication time in the cluster
-- @column articles: articles in the cluster
-- @column sources: distinct outlets that carried it
-- @column urls: article URLs, earliest first
with

ranked as (
    select
        articles.cluster_id,
        articles.article_id,
        articles.title,
        articles.source,
        articles.url,
        coalesce(articles.published_at, articles.first_seen_at) as published_at,
        row_number() over (
            partition by articles.cluster_id
            order by coalesce(articles.published_at, articles.first_seen_at), articles.article_id
        ) as rank_in_cluster,
    from articles
    where articles.cluster_id in (select changed_keys.key from changed_keys)
),

final as (
    select
        ranked.cluster_id,
        arg_min(ranked.article_id, ranked.rank_in_cluster) as representative_article_id,
        arg_min(ranked.title, ranked.rank_in_cluster) as title,
        arg_min(ranked.source, ranked.rank_in_cluster) as first_source,
        min(ranked.published_at) as first_published_at,
        count(*) as articles,
        count(distinct ranked.source) as sources,
        list(ranked.url order by ranked.rank_in_cluster) as urls,
    from ranked
    group by ranked.cluster_id
)

select * from final
