-- The words of a text, for full-text search: lower case, split on every character that is not a
-- letter or a digit (empty strings included; is_search_term() says which words are search terms).
create or replace macro search_split(text) as
regexp_split_to_array(lower(coalesce(text, '')), '[^\p{L}\p{N}]+')
