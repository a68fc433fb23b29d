-- Version 5: staging lines the loader could not read (a torn tail, a corrupt line, an unreadable
-- file). The file's complete lines are loaded; the rejected bytes are kept beside it in
-- `<run>.jsonl.rejected`, and the quality gate warns about files recorded since its previous run.
create table raw.staging_rejects (
    staging_file varchar not null,
    load_id varchar not null,
    sha256 varchar,
    lines_loaded bigint not null,
    lines_rejected bigint not null,
    rejected_lines bigint[],
    kept_at varchar,
    error varchar,
    recorded_at timestamptz not null,
    primary key (staging_file, load_id)
);
