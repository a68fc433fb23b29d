-- True when a word of search_split() is a search term: 1 to 64 characters and not one of a few
-- English function words.
create or replace macro is_search_term(token) as
length(token) between 1 and 64
and token not in (
    'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is',
    'it', 'no', 'not', 'of', 'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there',
    'these', 'they', 'this', 'to', 'was', 'will', 'with'
)
