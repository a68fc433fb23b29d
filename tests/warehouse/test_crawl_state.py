"""The crawl-state export: a base plus one delta per load, which together say what one whole export
of the warehouse says, read by the spiders' known-page state and by the backfill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from warehouse_builders import make_paths, write_staging

from mediawatch import crawl_state, pipeline
from mediawatch.warehouse.db import connect_writer
from spiders.discovery import parse_date
from spiders.state import KnownState

WHOLE = f"""
    select {crawl_state.COLUMNS} from raw.pages where kind = 'article'
    qualify row_number() over (partition by url order by fetched_at desc) = 1
"""


def merged(paths) -> list[tuple]:
    """The crawl state as a reader sees it: the latest row per URL over the base and the deltas."""
    with duckdb.connect(":memory:") as con:
        return sorted(con.execute(crawl_state.read_sql(crawl_state.files(paths.crawl_state))).fetchall())


def whole(paths) -> list[tuple]:
    """What one whole export of the warehouse holds now."""
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return sorted(con.execute(WHOLE).fetchall())


def test_each_load_adds_a_delta_and_readers_see_one_whole_export(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    write_staging(paths, "alpha", "run1", range(0, 6), when=start)
    pipeline.load(paths)
    assert crawl_state.files(paths.crawl_state) == [paths.crawl_state]  # the first export is a base
    # later loads: new stories, and new versions of earlier ones (the newer fetch must win)
    write_staging(paths, "alpha", "run2", range(4, 9), when=start + timedelta(hours=1), variant="Update one.")
    pipeline.load(paths)
    write_staging(paths, "beta", "run3", range(0, 3), when=start + timedelta(hours=2))
    write_staging(paths, "alpha", "run3", range(0, 2), when=start + timedelta(hours=2), variant="Update two.")
    pipeline.load(paths)
    files = crawl_state.files(paths.crawl_state)
    assert [p.name for p in files[1:]] == ["1.parquet", "2.parquet"]
    # the deltas hold only their loads' articles, not the history again
    with duckdb.connect(":memory:") as con:
        sizes = [con.execute("select count(*) from read_parquet(?)", [str(p)]).fetchone()[0] for p in files]
    assert sizes == [6, 5, 5]
    assert merged(paths) == whole(paths)
    assert len(merged(paths)) == 12  # alpha 0-8, beta 0-2
    # a load with nothing new writes nothing
    pipeline.load(paths)
    assert len(crawl_state.files(paths.crawl_state)) == 3

    # the spiders' known pages: the newest fetch of each URL, from the base and the deltas
    known = KnownState.load(paths, "alpha")
    story0 = known.get("https://alpha.example.com/2026/11/story-0/")
    story5 = known.get("https://alpha.example.com/2026/11/story-5/")
    assert story0 is not None and story5 is not None
    rows = {row[0]: row for row in whole(paths)}
    assert story0.content_hash == rows["https://alpha.example.com/2026/11/story-0/"][2]
    assert story5.content_hash == rows["https://alpha.example.com/2026/11/story-5/"][2]
    assert parse_date(story0.fetched_at) == start + timedelta(hours=2)


def test_compaction_rewrites_the_base_and_removes_the_deltas(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(crawl_state, "COMPACT_AFTER", 2)
    paths = make_paths(tmp_path)
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    for n in range(4):
        write_staging(paths, "alpha", f"run{n}", range(n * 3, n * 3 + 3), when=start + timedelta(hours=n))
        pipeline.load(paths)
        assert merged(paths) == whole(paths)
    # loads 2 and 3 wrote deltas 1 and 2; load 4 found two deltas and wrote the base again
    assert crawl_state.files(paths.crawl_state) == [paths.crawl_state]
    with duckdb.connect(":memory:") as con:
        assert con.execute("select count(*) from read_parquet(?)", [str(paths.crawl_state)]).fetchone()[0] == 12


@pytest.mark.parametrize("damage", ["missing", "unreadable"])
def test_a_missing_or_unreadable_base_is_written_again_whole(tmp_path: Path, damage: str) -> None:
    paths = make_paths(tmp_path)
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    write_staging(paths, "alpha", "run1", range(0, 4), when=start)
    pipeline.load(paths)
    write_staging(paths, "alpha", "run2", range(4, 6), when=start + timedelta(hours=1))
    pipeline.load(paths)
    assert len(crawl_state.files(paths.crawl_state)) == 2
    if damage == "missing":
        paths.crawl_state.unlink()
        assert crawl_state.files(paths.crawl_state) == []  # deltas alone are never read
    else:
        paths.crawl_state.write_bytes(b"not parquet")
    con = connect_writer(paths.warehouse)
    try:
        assert crawl_state.export(con, paths.crawl_state)["crawl_state"] == "base"
    finally:
        con.close()
    assert crawl_state.files(paths.crawl_state) == [paths.crawl_state]
    assert merged(paths) == whole(paths)
