"""A big load in bounded sub-loads: each built and committed on its own, the same warehouse as one
build, and a crash between two sub-loads completed by the next load with nothing lost or doubled."""

from __future__ import annotations

import logging
import math
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner
from warehouse_builders import make_paths, rows, write_staging

from mediawatch import pipeline
from mediawatch.cli import app
from mediawatch.config import Paths
from mediawatch.warehouse.db import bound_memory
from mediawatch.warehouse.load import BATCH_PAGES_ENV, batch_pages, even_batch, sub_load_id

MARTS = ["articles", "article_versions", "mentions", "daily_entity_mentions", "clusters", "crawl_runs",
         "sources", "co_mentions", "search_docs", "search_postings"]


def fill(paths: Paths) -> int:
    """Three runs of two sources, one of them re-publishing updated stories; returns the pages."""
    write_staging(paths, "alpha", "run1", range(0, 20))
    write_staging(paths, "beta", "run1", range(5, 17))
    write_staging(paths, "alpha", "run2", range(10, 25), variant="Update: the company replied.")
    return 20 + 12 + 15 + 3 * 2  # each file also holds a skipped and a failed page


def snapshot(path: Path) -> dict[str, list[str]]:
    """Every mart's rows (sorted, ids of builds and search batches left out), and raw.pages
    without the load id."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for name in MARTS:
            columns = [r[0] for r in con.execute(f"describe {name}").fetchall() if r[0] not in ("seq",)]
            out[name] = sorted(map(repr, con.execute(f"select {', '.join(columns)} from {name}").fetchall()))
        out["raw.pages"] = [repr(r) for r in con.execute(
            "select * exclude (load_id) from raw.pages order by staging_file, line_no").fetchall()]
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def one_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """The same staging files loaded as one sub-load (the default batch is far bigger)."""
    paths = make_paths(tmp_path_factory.mktemp("one"))
    fill(paths)
    assert pipeline.load(paths)["builds"] == 2  # the models of a new warehouse, then the pages
    return snapshot(paths.warehouse)


def test_sub_loads_give_the_warehouse_one_build_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, one_build: dict[str, list[str]]
) -> None:
    monkeypatch.setenv(BATCH_PAGES_ENV, "7")
    paths = make_paths(tmp_path)
    pages = fill(paths)
    summary = pipeline.load(paths, load_id="big")
    assert summary["pages_loaded"] == pages and summary["new_versions"] == 20 + 12 + 15
    sub_loads = math.ceil(pages / 7)
    assert summary["builds"] == 1 + sub_loads
    loads = rows(paths, "select load_id, status, files, pages from raw.loads order by load_id")
    assert [r[0] for r in loads] == [sub_load_id("big", n) for n in range(sub_loads)]
    assert {r[1] for r in loads} == {"done"}
    assert sum(r[2] for r in loads) == 3 and sum(r[3] for r in loads) == pages
    assert rows(paths, "select max(n) from (select count(*) as n from raw.pages group by load_id)") == [(7,)]
    assert snapshot(paths.warehouse) == one_build
    assert pipeline.load(paths)["nothing_new"] is True


CRASH_SCRIPT = """
import os, sys
from pathlib import Path
from mediawatch import pipeline
from warehouse_builders import make_paths
calls = []
def progress(done, total):  # called by each sub-load's analysis: die inside the third one
    calls.append(done)
    if len(calls) == 3:
        os._exit(9)
pipeline.load(make_paths(Path(sys.argv[1])), load_id="crashed", progress=progress)
"""


def test_a_crash_between_sub_loads_is_completed_by_the_next_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, one_build: dict[str, list[str]]
) -> None:
    monkeypatch.setenv(BATCH_PAGES_ENV, "7")
    paths = make_paths(tmp_path)
    pages = fill(paths)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parent), str(Path(__file__).parents[1])]))
    died = subprocess.run([sys.executable, "-c", CRASH_SCRIPT, str(tmp_path)], env=env, capture_output=True)
    assert died.returncode == 9, died.stderr.decode()[-2000:]
    # every page is in raw (the files were loaded first), two sub-loads are built, the rest are not
    status = dict(rows(paths, "select status, count(*) from raw.loads group by 1"))
    assert status == {"done": 2, "running": math.ceil(pages / 7) - 2}
    assert rows(paths, "select count(*) from raw.pages") == [(pages,)]

    again = pipeline.load(paths, load_id="after")
    assert again["files_loaded"] == 0 and again["files_already_loaded"] == 3
    # the crashed load's sub-loads left over, then its own (which has no pages)
    assert again["builds"] == math.ceil(pages / 7) - 2 + 1
    assert rows(paths, "select count(*) from raw.loads where status <> 'done'") == [(0,)]
    assert snapshot(paths.warehouse) == one_build  # nothing lost, nothing doubled
    assert pipeline.load(paths)["nothing_new"] is True


def test_a_crash_while_loading_files_leaves_no_page_without_its_load(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     one_build: dict[str, list[str]]) -> None:
    """Pages are stamped with their sub-load in the transaction that writes its raw.loads row, so a
    load that dies after its files were loaded (before any build) still has all of them built next."""
    monkeypatch.setenv(BATCH_PAGES_ENV, "7")
    paths = make_paths(tmp_path)
    fill(paths)
    script = (
        "import os, sys; from pathlib import Path; from warehouse_builders import make_paths; "
        "from mediawatch.warehouse.db import connect_writer; from mediawatch.warehouse.migrate import migrate; "
        "from mediawatch.warehouse.loads import start_load; from mediawatch.warehouse.load import load_files; "
        "paths = make_paths(Path(sys.argv[1])); con = connect_writer(paths.warehouse); migrate(con); "
        "start_load(con, 'died'); load_files(con, paths.staging_dir, 'died'); os._exit(9)"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parent), str(Path(__file__).parents[1])]))
    died = subprocess.run([sys.executable, "-c", script, str(tmp_path)], env=env, capture_output=True)
    assert died.returncode == 9, died.stderr.decode()[-2000:]
    orphans = "select count(*) from raw.pages anti join raw.loads using (load_id)"
    assert rows(paths, orphans) == [(0,)]
    pipeline.load(paths, load_id="after")
    assert snapshot(paths.warehouse) == one_build


def test_sub_loads_grow_with_the_warehouse_up_to_a_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BATCH_PAGES_ENV, raising=False)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        con.execute("create schema raw")
        con.execute("create table raw.pages (n integer)")
        sizes = []
        for total in (0, 150_000, 500_000, 2_000_000):
            con.execute(f"insert into raw.pages select range from range({total - sizes_total(con)})")
            sizes.append(batch_pages(con))
        assert sizes == [2000, 2000, 5000, 10000]
        monkeypatch.setenv(BATCH_PAGES_ENV, "300")
        assert batch_pages(con) == 300
    finally:
        con.close()


def sizes_total(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("select count(*) from raw.pages").fetchone()[0])


@pytest.mark.parametrize("value", ["0", "-5", "many"])
def test_a_bad_batch_size_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(BATCH_PAGES_ENV, value)
    with pytest.raises(ValueError, match=BATCH_PAGES_ENV):
        batch_pages()


def test_the_loader_connection_caps_duckdb_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    con = duckdb.connect()
    try:
        monkeypatch.setenv("MEDIAWATCH_LOAD_MEMORY_LIMIT", "300MB")
        bound_memory(con)
        limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
        assert limit.replace(" ", "") in ("286.1MiB", "300.0MB"), limit
        assert con.execute("select current_setting('allocator_background_threads')").fetchone()[0] is True
        monkeypatch.setenv("MEDIAWATCH_LOAD_MEMORY_LIMIT", "lots")
        with pytest.raises(ValueError, match="MEDIAWATCH_LOAD_MEMORY_LIMIT"):
            bound_memory(con)
    finally:
        con.close()


def test_a_memory_limit_too_small_to_read_a_file_stops_the_load_and_keeps_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Out of memory is the machine's fault, not the file's: no reject is recorded, the file stays
    unloaded, and the error names the setting; with room again the next load takes it."""
    paths = make_paths(tmp_path)
    fill(paths)
    monkeypatch.setenv("MEDIAWATCH_LOAD_MEMORY_LIMIT", "16MB")
    with pytest.raises(MemoryError, match="MEDIAWATCH_LOAD_MEMORY_LIMIT"):
        pipeline.load(paths)
    # the command says it in one line and exits non-zero, no traceback
    options = ["--sources", str(paths.sources), "--watchlist", str(paths.watchlist),
               "--warehouse", str(paths.warehouse), "--reports", str(paths.reports)]
    result = CliRunner().invoke(app, ["load", *options])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "error:" in result.output and "MEDIAWATCH_LOAD_MEMORY_LIMIT" in result.output
    assert rows(paths, "select count(*) from raw.staging_rejects") == [(0,)]
    assert rows(paths, "select count(*) from raw.loaded_files") == [(0,)]
    monkeypatch.delenv("MEDIAWATCH_LOAD_MEMORY_LIMIT")
    assert pipeline.load(paths)["files_loaded"] == 3


def test_the_builds_run_under_the_build_memory_limit_once_the_files_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MEDIAWATCH_BUILD_MEMORY_LIMIT replaces the load's cap once the staging files are read: a
    cap that stops the files' read as the load's cap lets the same load through as the build cap,
    and is the connection's cap after the builds; unset, the load's cap stays."""
    from mediawatch.sources import load_registry
    from mediawatch.warehouse.db import BUILD_MEMORY_LIMIT_ENV, connect_writer
    from mediawatch.warehouse.loads import load_and_build, start_load, sync_registry
    from mediawatch.warehouse.migrate import migrate

    def load(paths: Paths, load_id: str) -> tuple[str, int]:
        con = connect_writer(paths.warehouse)
        try:
            migrate(con)
            start_load(con, load_id)
            changed = sync_registry(con, load_registry(paths.sources))
            files, _, _ = load_and_build(con, paths.staging_dir, load_id, watchlist=paths.watchlist,
                                         registry_changed=changed)
            return con.execute("select current_setting('memory_limit')").fetchone()[0], files.pages
        finally:
            con.close()

    small = "64MB"
    refused = make_paths(tmp_path / "refused")
    fill(refused)
    monkeypatch.setenv("MEDIAWATCH_LOAD_MEMORY_LIMIT", small)
    with pytest.raises(MemoryError, match="MEDIAWATCH_LOAD_MEMORY_LIMIT"):
        load(refused, "refused-1")
    monkeypatch.delenv("MEDIAWATCH_LOAD_MEMORY_LIMIT")

    paths = make_paths(tmp_path / "capped")
    pages = fill(paths)
    monkeypatch.setenv(BUILD_MEMORY_LIMIT_ENV, small)
    limit, loaded = load(paths, "capped-1")
    assert limit.replace(" ", "") in ("61.0MiB", "64.0MB"), limit
    assert loaded == pages
    assert rows(paths, "select count(*) > 0 from articles") == [(True,)]
    assert rows(paths, "select count(*) from raw.loads where status is distinct from 'done'") == [(0,)]

    monkeypatch.delenv(BUILD_MEMORY_LIMIT_ENV)
    other = make_paths(tmp_path / "load-cap")
    fill(other)
    assert load(other, "plain-1")[0].replace(" ", "") in ("366.2MiB", "384.0MB")


def test_a_bad_build_memory_limit_fails_before_any_file_is_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = make_paths(tmp_path)
    fill(paths)
    monkeypatch.setenv("MEDIAWATCH_BUILD_MEMORY_LIMIT", "little")
    with pytest.raises(ValueError, match="MEDIAWATCH_BUILD_MEMORY_LIMIT"):
        pipeline.load(paths)
    assert rows(paths, "select count(*) from raw.loaded_files") == [(0,)]


def test_a_build_out_of_memory_names_the_build_cap_and_the_next_load_builds_the_stored_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB's own out-of-memory error reaches the operator (not a cleanup's "transaction is
    aborted" in its place), naming the cap that applied; the files stay loaded, and a load with
    room builds them."""
    paths = make_paths(tmp_path)
    pages = fill(paths)
    for cap, where in (("4MB", "less than DuckDB holds"), ("16MB", "building the marts")):
        monkeypatch.setenv("MEDIAWATCH_BUILD_MEMORY_LIMIT", cap)
        with pytest.raises(MemoryError, match="MEDIAWATCH_BUILD_MEMORY_LIMIT") as raised:
            pipeline.load(paths)
        assert where in str(raised.value) and "aborted" not in str(raised.value), raised.value
    assert rows(paths, "select count(*) from raw.loaded_files") == [(3,)]
    # both stopped loads wait for a build (the first read the files, the second found none new)
    assert rows(paths, "select count(*) from raw.loads where status is distinct from 'done'") == [(2,)]
    monkeypatch.delenv("MEDIAWATCH_BUILD_MEMORY_LIMIT")
    again = pipeline.load(paths)
    assert again["files_loaded"] == 0
    assert rows(paths, "select count(*) from raw.loads where status is distinct from 'done'") == [(0,)]
    assert rows(paths, "select count(*) from raw.pages") == [(pages,)]
    assert rows(paths, "select count(*) > 0 from articles") == [(True,)]


def test_evicting_the_cache_before_every_node_gives_the_same_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, one_build: dict[str, list[str]]
) -> None:
    """Cached table blocks are dropped before each build node and before the publish (a small
    warehouse caches less than the 16 MiB that takes: here the threshold is 0, so every node
    evicts); the marts and the analyst copy are those of a load that keeps them."""
    from mediawatch.warehouse import db

    evicted: list[int] = []
    drop = db.drop_cached_blocks

    def counted(con: duckdb.DuckDBPyConnection) -> int:
        evicted.append(drop(con))
        return evicted[-1]

    monkeypatch.setattr(db, "CACHED_BLOCKS_KEPT", 0)
    monkeypatch.setattr(db, "drop_cached_blocks", counted)
    monkeypatch.setattr("mediawatch.warehouse.build.drop_cached_blocks", counted)
    monkeypatch.setenv(BATCH_PAGES_ENV, "7")
    paths = make_paths(tmp_path)
    fill(paths)
    pipeline.load(paths, load_id="evicting")
    assert len(evicted) > 20 and sum(evicted) > 0
    assert snapshot(paths.warehouse) == one_build
    with duckdb.connect(str(paths.analyst_db), read_only=True) as analyst:
        assert analyst.execute("select count(*) from articles").fetchone() == (20 + 12 + 15 - 5 - 10 + 5,)


def test_a_publish_that_runs_out_of_memory_under_its_cap_is_done_again_under_the_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The publish's cap set just above what DuckDB holds when it starts, its cached blocks all
    evicted: the copy runs out of memory under it, and is published again under the load's cap."""
    from mediawatch.warehouse import db

    lowering = db.publish_memory
    monkeypatch.setattr(db, "CACHED_BLOCKS_KEPT", 0)

    def tight(con: duckdb.DuckDBPyConnection) -> object:
        db.drop_cached_blocks(con)
        held = con.execute("select sum(memory_usage_bytes) from duckdb_memory()").fetchone()[0]
        monkeypatch.setattr(db, "PUBLISH_MEMORY_LIMIT", f"{int(held) + 256 * 1024}B")
        return lowering(con)

    monkeypatch.setattr(db, "publish_memory", tight)
    caplog.set_level(logging.WARNING, logger="mediawatch.warehouse.loads")
    paths = make_paths(tmp_path)
    fill(paths)
    summary = pipeline.load(paths)
    assert "published again under the load's cap" in caplog.text
    assert summary["articles"] > 0
    with duckdb.connect(str(paths.analyst_db), read_only=True) as analyst:
        assert analyst.execute("select count(*) from articles").fetchone()[0] == summary["articles"]
        assert analyst.execute("select count(*) from search_docs").fetchone()[0] == summary["articles"]


def test_a_load_is_cut_into_sub_loads_of_even_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """53 pages in sub-loads of at most 10: six of 9 or 8 pages, not five of 10 and one of 3 (the
    biggest sub-load sets the load's peak memory)."""
    monkeypatch.setenv(BATCH_PAGES_ENV, "10")
    paths = make_paths(tmp_path)
    pages = fill(paths)
    summary = pipeline.load(paths, load_id="even")
    assert summary["builds"] == 1 + math.ceil(pages / 10)
    sizes = [n for _, n in rows(paths, "select load_id, count(*) from raw.pages group by 1 order by 1")]
    assert sum(sizes) == pages == 53 and sizes == [9, 9, 9, 9, 9, 8]
    assert [even_batch(p, 2000) for p in (0, 1650, 2000, 2001, 16050)] == [2000, 2000, 2000, 1001, 1784]
