-- Article pages from raw.pages, typed, with a stable article_id, one row per distinct version
-- (article_id, content_hash), keeping the first fetch of each version. Quarantined versions that
-- were not released are left out here, so no mart ever sees them.
with

article_pages as (
    select
        pages.*,
        -- article_id, stored at load time (migration 0007): the first 16 hex digits of the sha256
        -- of identity_url
        coalesce(nullif(pages.canonical_url, ''), pages.url) as identity_url,
    from raw.pages as pages
    where
        pages.kind = 'article' and pages.body is not null and pages.content_hash is not null
        -- set by the build while it reads a few articles' versions (models.pages_of): the pages
        -- from the first one of those articles on; unset, every page
        and pages.rowid >= coalesce(getvariable('mediawatch_pages_from'), 0)
),

first_fetch as (
    select article_pages.*
    from article_pages
    qualify row_number() over (
        partition by article_pages.article_id, article_pages.content_hash
        order by article_pages.fetched_at, article_pages.staging_file, article_pages.line_no
    ) = 1
),

final as (
    select
        first_fetch.article_id,
        first_fetch.content_hash,
        first_fetch.identity_url as canonical_url,
        first_fetch.url,
        first_fetch.source,
        first_fetch.run_id,
        first_fetch.fetched_at,
        first_fetch.title,
        first_fetch.authors,
        first_fetch.published_at,
        first_fetch.updated_at,
        first_fetch.language,
        first_fetch.site_name,
        first_fetch.section,
        first_fetch.tags,
        first_fetch.image_url,
        first_fetch.body,
        first_fetch.word_count,
        first_fetch.warc_file,
        first_fetch.warc_record_id,
    from first_fetch
    anti join main.quarantine as held
        on
            first_fetch.article_id = held.article_id
            and first_fetch.content_hash = held.content_hash
            and held.released_at is null
)

select * from final
