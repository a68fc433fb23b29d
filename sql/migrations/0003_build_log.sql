-- Version 3: the build graph's own state (mediawatch.warehouse.build), and the `staging` schema of
-- the warehouse renamed `prep` (the word "staging" now names only the crawl's staging files).

drop view if exists staging.stg_article_versions;
drop view if exists staging.stg_crawl_stats;
drop schema if exists staging;
create schema if not exists prep;
create schema if not exists meta;

-- one row per build of the model graph
create table meta.builds (
    build_id bigint primary key,
    started_at timestamptz not null,
    finished_at timestamptz,
    kind varchar not null,
    reason varchar
);

-- what each build replaced: key values (as text) of an incremental model whose rows were deleted
-- and/or inserted; a NULL key means the whole table was replaced. Read by the analyst publisher.
create table meta.changes (
    build_id bigint not null,
    model varchar not null,
    key varchar
);

-- each model's SQL as last built: a model whose SQL changed (or that is missing) is rebuilt whole
create table meta.model_state (
    model varchar primary key,
    sql_hash varchar not null,
    build_id bigint not null
);
