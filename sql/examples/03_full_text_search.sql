-- Full-text search (BM25, fts extension) over titles and bodies: the best matches for a phrase.
-- The analyst copy carries the index; in the duckdb CLI run `load fts;` first if it is not loaded.
with

scored as (
    select
        articles.article_id,
        articles.title,
        articles.source,
        articles.day,
        fts_main_articles.match_bm25(articles.article_id, 'electric car battery') as score,
    from articles
),

final as (
    select scored.*
    from scored
    where scored.score is not null
    order by scored.score desc
    limit 20
)

select * from final
