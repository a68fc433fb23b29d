"""Publishing the analyst database in generations: readers in other processes hold generations open
while loads go on; nobody blocks, nobody sees a half-done publish, and no load copies the whole file
unless every other generation is held."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
from warehouse_builders import make_paths, write_staging

from mediawatch import pipeline
from mediawatch.config import Paths
from mediawatch.warehouse.db import connect_reader, connect_writer
from mediawatch.warehouse.publish import (
    GENERATIONS_KEPT,
    analyst_tables,
    current_generation,
    generations_dir,
    publish,
)

# a reader process: opens the analyst path read-only, says what it sees, then waits for a line on
# stdin, says what it sees again (same answer: its generation never changes under it) and exits
HOLDER = """
import duckdb, os, sys
path = sys.argv[1]
con = duckdb.connect(path, read_only=True)
print(os.path.realpath(path), con.execute('select count(*) from articles').fetchone()[0], flush=True)
sys.stdin.readline()
print(con.execute('select count(*) from articles').fetchone()[0], flush=True)
"""


class Holder:
    """An analyst session in another process holding whichever generation is current."""

    def __init__(self, path: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        generation, count = self.proc.stdout.readline().split()
        self.generation, self.count = Path(generation), int(count)

    def release(self) -> int:
        out, _ = self.proc.communicate("\n", timeout=60)
        assert self.proc.returncode == 0
        return int(out.strip())


def articles_in(path: Path) -> int:
    con = connect_reader(path)
    try:
        row = con.execute("select count(*) from articles").fetchone()
        return int(row[0]) if row else -1
    finally:
        con.close()


def generations(paths: Paths) -> list[str]:
    return sorted(p.name for p in generations_dir(paths.analyst_db).glob("gen-*.duckdb"))


def load_batch(paths: Paths, n: int) -> None:
    write_staging(paths, "alpha", f"run{n}", range(n * 10, n * 10 + 10))
    pipeline.load(paths)


def test_readers_holding_every_generation_never_block_a_load_and_keep_their_view(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    load_batch(paths, 0)
    assert paths.analyst_db.is_symlink() and generations(paths) == ["gen-1.duckdb"]
    first = Holder(paths.analyst_db)  # holds gen-1
    load_batch(paths, 1)  # the only other generation is held: a new one is made
    second = Holder(paths.analyst_db)
    assert second.generation != first.generation and second.count == 20
    load_batch(paths, 2)  # gen-1 and gen-2 held: a third
    third = Holder(paths.analyst_db)
    assert len({first.generation, second.generation, third.generation}) == 3
    assert third.count == 30 and articles_in(paths.analyst_db) == 30
    # the held sessions still see what they opened
    assert first.release() == 10
    load_batch(paths, 3)  # gen-1 is free again: reused, no fourth file
    assert generations(paths) == ["gen-1.duckdb", "gen-2.duckdb", "gen-3.duckdb"]
    assert current_generation(paths.analyst_db) == first.generation.resolve()
    assert articles_in(paths.analyst_db) == 40
    assert second.release() == 20 and third.release() == 30


def test_a_free_generation_is_reused_and_stale_ones_are_deleted(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    for n in range(6):
        load_batch(paths, n)
        assert articles_in(paths.analyst_db) == 10 * (n + 1)
    # with nobody reading, two generations take turns
    assert generations(paths) == ["gen-1.duckdb", "gen-2.duckdb"]
    holders = [Holder(paths.analyst_db)]
    load_batch(paths, 6)
    holders.append(Holder(paths.analyst_db))
    load_batch(paths, 7)
    holders.append(Holder(paths.analyst_db))
    load_batch(paths, 8)
    assert len(generations(paths)) == 4  # every other one was held
    for holder in holders:
        holder.release()
    load_batch(paths, 9)
    assert len(generations(paths)) <= GENERATIONS_KEPT  # the stale one nobody holds is gone
    assert articles_in(paths.analyst_db) == 100


def test_a_copy_from_before_generations_is_taken_over(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    load_batch(paths, 0)
    # an analyst file as older versions published it: a plain file at the analyst path
    real = current_generation(paths.analyst_db)
    assert real is not None
    paths.analyst_db.unlink()
    os.rename(real, paths.analyst_db)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(paths.analyst_db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().split()[1] == "10"
    load_batch(paths, 1)
    assert paths.analyst_db.is_symlink() and articles_in(paths.analyst_db) == 20
    out, _ = holder.communicate("\n", timeout=60)
    assert out.strip() == "10"


def test_every_published_table_equals_the_warehouse_and_is_documented(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    load_batch(paths, 0)
    load_batch(paths, 1)
    write_staging(paths, "alpha", "again", range(0, 5), variant="Update: the company replied.")
    pipeline.load(paths)
    # the generation published two builds ago takes the logged changes of both, not a full copy
    writer = connect_writer(paths.warehouse)
    try:
        done = publish(writer, paths.analyst_db)
        latest = writer.execute("select max(build_id) from meta.builds").fetchone()
    finally:
        writer.close()
    assert not done.full and not done.created and done.keys_replaced > 0
    assert latest and done.build_id == latest[0]
    warehouse = duckdb.connect(str(paths.warehouse), read_only=True)
    analyst = connect_reader(paths.analyst_db)
    try:
        for name, _ in analyst_tables():
            query = f"select * from {name} order by all"
            assert analyst.execute(query).fetchall() == warehouse.execute(query).fetchall(), name
        assert analyst.execute("select build_id from published_build").fetchall() == [(done.build_id,)]
        undocumented = analyst.execute(
            "select table_name, column_name from duckdb_columns() "
            "where database_name = current_database() and coalesce(comment, '') = ''"
        ).fetchall()
        assert undocumented == []
        tables = analyst.execute(
            "select table_name from duckdb_tables() "
            "where database_name = current_database() and coalesce(comment, '') = ''"
        ).fetchall()
        assert tables == []
    finally:
        warehouse.close()
        analyst.close()


def test_generations_left_by_an_earlier_warehouse_are_not_patched_as_if_they_were_this_ones(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    for n in range(3):
        load_batch(paths, n)
    # `make clean` removes the warehouse and the symlink; generations of the old one stay behind
    paths.warehouse.unlink()
    paths.analyst_db.unlink()
    for source in ("alpha",):
        for staged in (paths.staging_dir / source).glob("*"):
            staged.unlink()
    write_staging(paths, "alpha", "fresh", range(500, 504))
    pipeline.load(paths)
    assert articles_in(paths.analyst_db) == 4
    load_batch(paths, 60)
    assert articles_in(paths.analyst_db) == 14


def test_a_generation_with_an_older_publish_record_is_rebuilt_whole(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    load_batch(paths, 0)
    load_batch(paths, 1)
    current = current_generation(paths.analyst_db)
    (other,) = [p for p in generations_dir(paths.analyst_db).glob("gen-*.duckdb") if p.resolve() != current]
    con = duckdb.connect(str(other))
    con.execute("alter table published_build drop column warehouse")  # as an earlier version wrote it
    con.close()
    load_batch(paths, 2)
    assert current_generation(paths.analyst_db) == other.resolve() and articles_in(paths.analyst_db) == 30


def test_an_apply_that_fails_midway_leaves_the_generation_at_the_build_it_records(tmp_path: Path) -> None:
    """The gate's early publish may be stopped or fail at any statement: the generation must then
    hold exactly what it held (its publish record says which build), so the next publish redoes the
    changes from there. Here the last table applied (search_docs) refuses the new rows."""
    from mediawatch.warehouse.publish import PUBLISHED_BUILD, _apply, _attach

    paths = make_paths(tmp_path)
    for n in range(3):
        load_batch(paths, n)
    current = current_generation(paths.analyst_db)
    free = next(p for p in generations_dir(paths.analyst_db).glob("gen-*.duckdb") if p.resolve() != current)
    writer = connect_writer(paths.warehouse)
    try:
        assert _attach(writer, free)
        seq = writer.execute("select max(seq) from publish.main.search_docs").fetchone()
        columns = writer.execute(
            "select string_agg(column_name || ' ' || data_type, ', ' order by column_index) "
            "from duckdb_columns() where database_name = 'publish' and table_name = 'search_docs'"
        ).fetchone()
        assert seq and seq[0] is not None and columns
        writer.execute("create temp table kept as select * from publish.main.search_docs")
        writer.execute(f"create or replace table publish.main.search_docs ({columns[0]}, check (seq <= {seq[0]}))")
        writer.execute("insert into publish.main.search_docs select * from kept")

        def state() -> dict[str, object]:
            held = {name: writer.execute(f"select count(*), hash(list(t order by all)) from publish.main.{name} t")
                    .fetchone() for name, _ in analyst_tables()}
            held[PUBLISHED_BUILD] = writer.execute(f"select build_id from publish.main.{PUBLISHED_BUILD}").fetchall()
            return held

        before = state()
        latest = writer.execute("select max(build_id) from meta.builds").fetchone()
        assert latest and before[PUBLISHED_BUILD] != [(latest[0],)]  # the generation is behind
        try:
            _apply(writer, free, int(latest[0]), False)
        except duckdb.ConstraintException:
            pass
        else:
            raise AssertionError("the apply should have failed at search_docs")
        assert state() == before
    finally:
        writer.close()
