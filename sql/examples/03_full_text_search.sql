-- Full-text search (BM25, fts extension) over titles and bodies: the best matches for a phrase.
-- The analyst copy carries the index. It needs the fts extension of the Python package: run it through
-- mediawatch.warehouse.db.connect_reader (the duckdb-cli binary cannot load that 1.5.5 extension file).
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
