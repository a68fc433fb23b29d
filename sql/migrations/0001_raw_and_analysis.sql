-- Version 1: the tables that hold state. Everything in sql/staging and sql/marts is rebuilt from
-- these by the model runner, so only these need migrations.

create schema if not exists raw;
create schema if not exists analysis;
create schema if not exists staging;

-- one row per staged page line, append-only; (staging_file, line_no) identifies it
create table raw.pages (
    load_id varchar not null,
    staging_file varchar not null,
    line_no bigint not null,
    run_id varchar not null,
    source varchar not null,
    url varchar not null,
    fetched_at timestamptz,
    kind varchar not null,
    reason varchar,
    status integer,
    final_url varchar,
    content_hash varchar,
    etag varchar,
    last_modified varchar,
    lastmod varchar,
    warc_file varchar,
    warc_record_id varchar,
    bytes bigint,
    title varchar,
    authors varchar[],
    published_at timestamptz,
    updated_at timestamptz,
    language varchar,
    site_name varchar,
    canonical_url varchar,
    section varchar,
    tags varchar[],
    image_url varchar,
    body varchar,
    word_count integer,
    extract_error varchar
);

-- a staging file is loaded once: its row here commits in the same transaction as its pages
create table raw.loaded_files (
    staging_file varchar primary key,
    sha256 varchar not null,
    pages bigint not null,
    load_id varchar not null,
    loaded_at timestamptz not null
);

-- crawl statistics as each crawl wrote them (one row per source and run)
create table raw.crawl_stats (
    run_id varchar not null,
    source varchar not null,
    stats json not null,
    load_id varchar not null,
    primary key (run_id, source)
);

-- each load: what it did
create table raw.loads (
    load_id varchar primary key,
    started_at timestamptz not null,
    finished_at timestamptz,
    files integer,
    pages bigint,
    new_versions bigint,
    status varchar
);

-- the source registry as of the latest load
create table raw.source_registry (
    source varchar primary key,
    homepage varchar,
    language varchar,
    country varchar,
    crawl_interval varchar,
    feeds varchar[],
    sitemaps varchar[]
);

-- per article version: sentiment, near-duplicate signature and cluster
create table analysis.article_analysis (
    article_id varchar not null,
    content_hash varchar not null,
    sentiment double,
    sentiment_label varchar,
    signature bigint[],
    cluster_id varchar,
    analyzed_at timestamptz not null,
    watchlist_hash varchar not null,
    primary key (article_id, content_hash)
);

create table analysis.mentions (
    article_id varchar not null,
    content_hash varchar not null,
    entity varchar not null,
    entity_type varchar,
    matched_text varchar not null,
    field varchar not null,
    start_pos integer not null,
    end_pos integer not null,
    snippet varchar,
    sentiment double,
    sentiment_label varchar
);

-- LSH band keys of each article's latest signature: candidates for near-duplicates by join
create table analysis.lsh_bands (
    band_key varchar not null,
    article_id varchar not null
);

create table analysis.entity_alerts (
    day date not null,
    entity varchar not null,
    mentions integer not null,
    baseline_median double not null,
    mad double not null,
    z double not null,
    primary key (day, entity)
);

-- quality results and quarantine are written by the quality gate (same single writer pool)
create table dq_results (
    run_id varchar not null,
    suite varchar not null,
    expectation varchar not null,
    severity varchar not null,
    success boolean not null,
    observed_value varchar,
    details json,
    checked_at timestamptz not null
);

create table quarantine (
    article_id varchar not null,
    content_hash varchar not null,
    url varchar,
    source varchar,
    reason varchar not null,
    run_id varchar not null,
    quarantined_at timestamptz not null,
    released_at timestamptz,
    primary key (article_id, content_hash)
);
