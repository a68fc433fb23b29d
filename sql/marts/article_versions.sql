-- One row per version of an article: each distinct extracted body seen for a canonical URL,
-- numbered in the order they were first fetched. An updated article keeps its earlier versions here.
-- @materialized incremental key=article_id
-- @column article_id: stable id of the article (first 16 hex chars of sha256 of the canonical URL)
-- @column version: 1 for the first body seen, 2 for the next change, and so on
-- @column content_hash: sha256 of the extracted body of this version
-- @column fetched_at: when this version was first fetched (UTC)
-- @column run_id: crawl run that first fetched this version
-- @column title: headline of this version
-- @column body: extracted article text of this version
-- @column word_count: words in the body
-- @column is_current: true for the latest version
with

versions as (
    select
        stg.article_id,
        stg.content_hash,
        stg.fetched_at,
        stg.run_id,
        stg.title,
        stg.body,
        stg.word_count,
        row_number() over (
            partition by stg.article_id order by stg.fetched_at, stg.content_hash
        ) as version,
        count(*) over (partition by stg.article_id) as version_count,
    from prep.prep_article_versions as stg
    where stg.article_id in (select changed_keys.key from changed_keys)
),

final as (
    select
        versions.article_id,
        cast(versions.version as integer) as version,
        versions.content_hash,
        versions.fetched_at,
        versions.run_id,
        versions.title,
        versions.body,
        versions.word_count,
        versions.version = versions.version_count as is_current,
    from versions
)

select * from final
