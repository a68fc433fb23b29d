"""The loader's cache of table blocks is evicted without touching a transaction's new rows, its cap
put back exactly; the publish runs under a lower cap and gets the load's back. Real DuckDB files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from mediawatch.warehouse import db
from mediawatch.warehouse.db import bound_memory, drop_cached_blocks, publish_memory

MIB = 1024 * 1024


def by_tag(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    """tag -> (bytes in memory, bytes spilled to the temporary folder)."""
    return {tag: (int(used), int(spilled)) for tag, used, spilled in con.execute(
        "select tag, memory_usage_bytes, temporary_storage_bytes from duckdb_memory()").fetchall()}


def limit(con: duckdb.DuckDBPyConnection) -> str:
    return str(con.execute("select current_setting('memory_limit')").fetchone()[0])


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[duckdb.DuckDBPyConnection]:
    """A loader connection (`bound_memory`, 384MB) to a file whose 2M-row table it has just read:
    ~30 MiB of its blocks cached."""
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as setup:
        setup.execute("create table stored as select range as id, md5(range::varchar) as body from range(2000000)")
    monkeypatch.delenv(db.MEMORY_LIMIT_ENV, raising=False)
    monkeypatch.delenv(db.BUILD_MEMORY_LIMIT_ENV, raising=False)
    con = duckdb.connect(str(path))
    bound_memory(con)
    con.execute("select sum(length(body)), sum(id) from stored").fetchall()
    yield con
    con.close()


def test_cached_table_blocks_are_dropped_and_a_transactions_new_rows_kept(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    con = warehouse
    cap = limit(con)
    con.execute("begin transaction")
    con.execute("create table new_rows as select range as id, repeat(md5(range::varchar), 3) as body "
                "from range(100000)")  # fewer rows than a row group: held in memory until the commit
    before = by_tag(con)
    assert before["BASE_TABLE"][0] > 24 * MIB and before["IN_MEMORY_TABLE"][0] > 4 * MIB

    dropped = drop_cached_blocks(con)

    after = by_tag(con)
    assert dropped >= before["BASE_TABLE"][0] - db.CACHED_BLOCKS_KEPT - MIB
    assert after["BASE_TABLE"][0] <= db.CACHED_BLOCKS_KEPT + MIB
    assert after["IN_MEMORY_TABLE"] == before["IN_MEMORY_TABLE"]  # not spilled, still in memory
    assert sum(spilled for _, spilled in after.values()) == 0
    assert limit(con) == cap  # put back exactly, not DuckDB's rounded report of it
    # the transaction goes on, and the evicted blocks are read again from the file when needed
    assert con.execute("select count(*), max(id) from stored").fetchone() == (2000000, 1999999)
    con.execute("commit")
    assert con.execute("select count(*) from new_rows").fetchone() == (100000,)
    assert drop_cached_blocks(con) >= 0 and limit(con) == cap


def test_a_connection_without_the_loaders_cap_is_left_alone(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "other.duckdb")) as con:
        con.execute("create table stored as select range as id, md5(range::varchar) as body from range(2000000)")
        con.execute("select sum(length(body)) from stored").fetchall()
        cached, default = by_tag(con)["BASE_TABLE"][0], limit(con)
        assert drop_cached_blocks(con) == 0
        assert by_tag(con)["BASE_TABLE"][0] == cached and limit(con) == default
        with publish_memory(con) as lowered:
            assert not lowered and limit(con) == default


def test_the_publish_runs_under_a_lower_cap_and_the_load_gets_its_own_back(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    con = warehouse
    cap = limit(con)
    with publish_memory(con) as lowered:
        assert lowered
        assert limit(con) == "244.1 MiB"  # 256MB
        assert by_tag(con)["BASE_TABLE"][0] <= db.CACHED_BLOCKS_KEPT + MIB
    assert limit(con) == cap
    with pytest.raises(RuntimeError, match="publish failed"), publish_memory(con):
        raise RuntimeError("publish failed")
    assert limit(con) == cap


def test_a_load_cap_below_the_publish_cap_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(db.MEMORY_LIMIT_ENV, "200MB")
    with duckdb.connect(str(tmp_path / "small.duckdb")) as con:
        bound_memory(con)
        with publish_memory(con) as lowered:
            assert not lowered and limit(con) == "190.7 MiB"
