-- Version 4: incremental full-text search tables, and the sentence of each mention.

-- which sentence of its article a mention is in: the title's sentences are numbered from 0, the
-- body's continue after them, so two mentions share a sentence exactly when their ids are equal.
-- Null for mentions analysed before this version (`mediawatch reanalyze` fills it).
alter table analysis.mentions add column sentence_id integer;

-- BM25 postings: one row per article and distinct search term of its title and body
-- (mediawatch.warehouse.search keeps them in step with the articles mart, article by article).
-- Each batch is inserted sorted by term, so DuckDB's zone maps skip the row groups of other terms.
create table main.search_postings (
    term varchar not null,
    article_id varchar not null,
    tf integer not null,
    doc_length integer not null,
    seq bigint not null  -- the indexing batch: grows with each, so a reader of new rows skips the rest
);

-- one row per indexed article: what was indexed (to notice a changed title or body) and its length
create table main.search_docs (
    article_id varchar not null,
    content_hash varchar not null,
    title_hash ubigint not null,
    doc_length integer not null,
    seq bigint not null
);
