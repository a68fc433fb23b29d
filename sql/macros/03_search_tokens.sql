-- The search terms of a text: the words of search_split() that is_search_term() keeps. Indexing
-- (mediawatch.warehouse.search: the same two macros, applied row by row) and search_articles()
-- split text this way, so a document and a query are always split the same way.
create or replace macro search_tokens(text) as
list_filter(search_split(text), token -> is_search_term(token))
