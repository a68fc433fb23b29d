-- Version 6: analysis.article_analysis without its primary key.
-- DuckDB rewrites a table's whole ART index at every checkpoint, and a load checkpoints once, so
-- the key made every load pay in proportion to the history (0.8 s at 200k analysed versions, more at
-- 1M). The analysis inserts only the versions it has not analysed yet (an anti-join on
-- (article_id, content_hash) inside the single writer's transaction; `guard()` on the lake), so
-- the key was never what kept the rows unique; the incremental-equals-rebuild property test checks it.
create table analysis.article_analysis_v6 (
    article_id varchar not null,
    content_hash varchar not null,
    sentiment double,
    sentiment_label varchar,
    signature bigint[],
    cluster_id varchar,
    analyzed_at timestamptz not null,
    watchlist_hash varchar not null
);
insert into analysis.article_analysis_v6
select article_id, content_hash, sentiment, sentiment_label, signature, cluster_id, analyzed_at,
       watchlist_hash
from analysis.article_analysis;
drop table analysis.article_analysis;
alter table analysis.article_analysis_v6 rename to article_analysis;
