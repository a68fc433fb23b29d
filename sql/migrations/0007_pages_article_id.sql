-- Version 7: raw.pages keeps each page's article_id, computed once when the page is loaded.
-- prep.prep_article_versions used to hash every stored page's identity URL on every build, so each
-- load paid sha256 over the whole history before it could pick the articles it touched. With the
-- id stored, the build's filter on the changed articles reads one column and skips the rest.
-- The id is the same expression the prep view used: the first 16 hex digits of the sha256 of the
-- page's canonical URL, else its URL.
alter table raw.pages add column article_id varchar;
update raw.pages set article_id = left(sha256(coalesce(nullif(canonical_url, ''), url)), 16);
