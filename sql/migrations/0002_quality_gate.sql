-- Version 2: state of the quality gate (mediawatch.checks).

-- one row per gate run: its outcome and what it covered
create table dq_gate_runs (
    run_id varchar primary key,
    started_at timestamptz not null,
    finished_at timestamptz,
    passed boolean,
    critical_failures integer,
    warnings integer,
    checked_articles bigint,
    quarantined bigint,
    data_docs varchar
);

-- every article version the gate has checked (passed or quarantined), so each version is checked
-- once: the next run's batch is the versions not listed here. A released version stays listed, so
-- the gate does not quarantine it again.
create table dq_checked_versions (
    article_id varchar not null,
    content_hash varchar not null,
    run_id varchar not null,
    checked_at timestamptz not null,
    primary key (article_id, content_hash)
);

-- why a quarantined version was let back in (`mediawatch quarantine release --reason`)
alter table quarantine add column release_reason varchar;
