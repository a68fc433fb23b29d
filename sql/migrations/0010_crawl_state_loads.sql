-- Version 10: which loads the crawl-state export holds (mediawatch.crawl_state). A load writes a
-- small delta file of the loads not listed here instead of exporting every stored URL again; a
-- whole export (the base) lists every load. Empty until the first export after this migration,
-- which is then a whole one.
create table raw.crawl_state_loads (
    load_id varchar not null,
    exported_at timestamptz not null
);
