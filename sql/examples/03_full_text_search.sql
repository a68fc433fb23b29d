-- Full-text search (BM25) over titles and bodies: the best matches for a phrase, with a snippet.
-- search_articles() is a macro stored in the analyst database: it works in any DuckDB client,
-- the bare CLI included (`.venv/bin/duckdb -readonly var/warehouse_analyst.duckdb`), no extension.
select
    found.article_id,
    found.title,
    found.source,
    found.published_at,
    found.score,
    found.snippet,
from search_articles('electric car battery', max_results := 20) as found
order by found.score desc, found.article_id
