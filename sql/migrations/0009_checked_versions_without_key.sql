-- Version 9: dq_checked_versions without its primary key, for the reason of version 6: DuckDB
-- rewrites a table's whole ART index at every checkpoint, so the key made each gate run pay in
-- proportion to every version ever checked. The gate inserts with an anti-join on
-- (article_id, content_hash), inside the single writer's transaction.
create table dq_checked_versions_v9 (
    article_id varchar not null,
    content_hash varchar not null,
    run_id varchar not null,
    checked_at timestamptz not null
);
insert into dq_checked_versions_v9
select article_id, content_hash, run_id, checked_at from dq_checked_versions;
drop table dq_checked_versions;
alter table dq_checked_versions_v9 rename to dq_checked_versions;
