-- The search terms of a text: lower case, split on every character that is not a letter or a digit,
-- without a few English function words. Indexing (mediawatch.warehouse.search) and search_articles()
-- both call this one macro, so a document and a query are always split the same way.
create or replace macro search_tokens(text) as
list_filter(
    regexp_split_to_array(lower(coalesce(text, '')), '[^\p{L}\p{N}]+'),
    token -> length(token) between 1 and 64
    and token not in (
        'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is',
        'it', 'no', 'not', 'of', 'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there',
        'these', 'they', 'this', 'to', 'was', 'will', 'with'
    )
)
