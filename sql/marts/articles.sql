-- One row per article (canonical URL): its latest version, with sentiment and story cluster.
-- @materialized incremental key=article_id
-- @column article_id: stable id (first 16 hex chars of sha256 of the canonical URL)
-- @column url: URL the latest version was fetched from
-- @column canonical_url: the page's rel=canonical (normalised), else its URL: the article's identity
-- @column source: registry name of the site
-- @column title: headline without the site-name suffix
-- @column authors: person names from the byline
-- @column published_at: publication time (UTC)
-- @column updated_at: last update time stated by the page (UTC)
-- @column language: ISO 639-1 code detected from the text
-- @column site_name: the site's own name
-- @column section: site section, if stated
-- @column tags: the page's tags/keywords
-- @column image_url: lead image
-- @column body: extracted article text (no navigation, bios, comments or related links)
-- @column word_count: words in the body
-- @column sentiment: VADER compound score in [-1, 1]; null where the language is not supported
-- @column sentiment_label: positive, neutral or negative; null with sentiment
-- @column cluster_id: story cluster (same or near-identical story across outlets): its earliest article_id
-- @column content_hash: sha256 of the body of the latest version
-- @column version: number of the latest version (1 = never changed)
-- @column first_seen_at: when mediawatch first fetched any version (UTC)
-- @column fetched_at: when the latest version was first fetched (UTC)
-- @column day: publication date (UTC), falling back to the first fetch date
with

current_versions as (
    select
        stg.*,
        min(stg.fetched_at) over (partition by stg.article_id) as first_seen_at,
        count(*) over (partition by stg.article_id) as version,
    from prep.prep_article_versions as stg
    where stg.article_id in (select changed_keys.key from changed_keys)
    qualify row_number() over (
        partition by stg.article_id order by stg.fetched_at desc, stg.content_hash desc
    ) = 1
),

final as (
    select
        current_versions.article_id,
        current_versions.url,
        current_versions.canonical_url,
        current_versions.source,
        current_versions.title,
        current_versions.authors,
        current_versions.published_at,
        current_versions.updated_at,
        current_versions.language,
        current_versions.site_name,
        current_versions.section,
        current_versions.tags,
        current_versions.image_url,
        current_versions.body,
        current_versions.word_count,
        analysis.sentiment,
        analysis.sentiment_label,
        coalesce(analysis.cluster_id, current_versions.article_id) as cluster_id,
        current_versions.content_hash,
        cast(current_versions.version as integer) as version,
        current_versions.first_seen_at,
        current_versions.fetched_at,
        cast(
            coalesce(current_versions.published_at, current_versions.first_seen_at) at time zone 'UTC'
            as date
        ) as day,
    from current_versions
    left join analysis.article_analysis as analysis
        on
            current_versions.article_id = analysis.article_id
            and current_versions.content_hash = analysis.content_hash
)

select * from final
