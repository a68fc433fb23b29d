"""The loader: idempotent, crash-safe, versioned, and it never blocks analysts (or is blocked by them)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from warehouse_builders import make_paths, write_staging

from mediawatch import pipeline
from mediawatch.config import Paths
from mediawatch.warehouse.db import connect_reader, connect_writer
from mediawatch.warehouse.migrate import available_migrations, migrate, schema_version

MARTS = ["articles", "article_versions", "mentions", "daily_entity_mentions", "clusters", "crawl_runs", "sources"]
STABLE_RAW = "select * exclude (load_id) from raw.pages order by staging_file, line_no"


def snapshot(path: Path) -> dict[str, list[tuple]]:
    """Every mart's rows (sorted), and raw.pages without the load id."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {name: sorted(map(repr, con.execute(f"select * from {name}").fetchall())) for name in MARTS}
        out["raw.pages"] = [repr(r) for r in con.execute(STABLE_RAW).fetchall()]
        return out
    finally:
        con.close()


def test_loading_the_same_files_twice_gives_the_same_rows(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    write_staging(paths, "alpha", "run1", range(0, 25))
    write_staging(paths, "beta", "run1", range(0, 20))
    first = pipeline.load(paths)
    before = snapshot(paths.warehouse)
    second = pipeline.load(paths)
    assert first["files_loaded"] == 2 and first["articles"] == 45
    assert second["files_loaded"] == 0 and second["files_already_loaded"] == 2
    assert snapshot(paths.warehouse) == before
    assert len(before["raw.pages"]) == 45 + 4  # each file also holds a skipped and a failed page


def test_a_changed_article_keeps_its_earlier_versions(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    write_staging(paths, "alpha", "run1", range(0, 5))
    pipeline.load(paths)
    later = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    write_staging(paths, "alpha", "run2", range(0, 5), when=later, variant="Update: the company replied.")
    summary = pipeline.load(paths)
    assert summary["new_versions"] == 5 and summary["articles"] == 5
    con = connect_reader(paths.analyst_db)
    versions = con.execute("select article_id, count(*) from article_versions group by 1").fetchall()
    assert {n for _, n in versions} == {2}
    bodies = con.execute("select body from articles").fetchall()
    assert all("Update: the company replied." in b for (b,) in bodies)
    first_seen = con.execute("select distinct first_seen_at < fetched_at from articles").fetchall()
    assert first_seen == [(True,)]


def test_article_id_is_a_stable_hash_of_the_canonical_url(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    write_staging(paths, "alpha", "run1", range(0, 3))
    pipeline.load(paths)
    con = connect_reader(paths.analyst_db)
    for article_id, canonical in con.execute("select article_id, canonical_url from articles").fetchall():
        import hashlib

        assert article_id == hashlib.sha256(canonical.encode()).hexdigest()[:16]


LOAD_SCRIPT = "import sys; from mediawatch import pipeline; from warehouse_builders import make_paths; pipeline.load(make_paths(__import__('pathlib').Path(sys.argv[1])))"


def run_load_subprocess(root: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parent))
    return subprocess.Popen([sys.executable, "-c", LOAD_SCRIPT, str(root)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def fill(paths: Paths) -> None:
    for i, source in enumerate(["alpha", "beta"]):
        for run in range(6):
            write_staging(paths, source, f"run{run}", range(run * 40 + i, run * 40 + 40))


@pytest.mark.parametrize("kill_after", [0.8, 2.0, 3.5])
def test_a_load_killed_mid_way_then_rerun_equals_a_clean_load(tmp_path: Path, kill_after: float) -> None:
    clean = make_paths(tmp_path / "clean")
    fill(clean)
    pipeline.load(clean)

    crashed = make_paths(tmp_path / "crashed")
    fill(crashed)
    proc = run_load_subprocess(tmp_path / "crashed")
    time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    pipeline.load(crashed)  # the re-run completes on whatever the crash left
    assert snapshot(crashed.warehouse) == snapshot(clean.warehouse)


def test_analysts_holding_the_analyst_copy_never_block_a_load(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    write_staging(paths, "alpha", "run1", range(0, 10))
    pipeline.load(paths)
    # an analyst session in another process keeps the analyst copy open during the next load
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); "
         "print(c.execute('select count(*) from articles').fetchone()[0], flush=True); time.sleep(8); "
         "print(c.execute('select count(*) from articles').fetchone()[0], flush=True)",
         str(paths.analyst_db)],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "10"
    write_staging(paths, "beta", "run1", range(0, 15))
    summary = pipeline.load(paths)  # must not fail although the analyst copy is open
    assert summary["articles"] == 25
    # the DuckDB CLI from PyPI (duckdb-cli) opens the new copy read-only while the old one is still held
    cli = shutil.which("duckdb", path=str(Path(sys.executable).parent))
    assert cli, "duckdb-cli is part of the lock"
    out = subprocess.run([cli, "-readonly", str(paths.analyst_db), "-csv", "-noheader", "-c",
                          "select count(*) from articles"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "25"
    rest, _ = holder.communicate(timeout=30)
    assert holder.returncode == 0 and rest.strip() == "10"  # the held session kept its consistent view


def test_a_second_writer_gets_a_clear_error(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    write_staging(paths, "alpha", "run1", range(0, 3))
    pipeline.load(paths)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True); time.sleep(20)",
         str(paths.warehouse)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        result = subprocess.run([str(Path(sys.executable).parent / "mediawatch"), "load", "--sources", str(paths.sources),
                                 "--warehouse", str(paths.warehouse)], capture_output=True, text=True, timeout=120)
        assert result.returncode == 2
        assert "Another process holds it" in result.stderr and "Traceback" not in result.stderr
    finally:
        holder.kill()
        holder.wait()


def test_an_old_warehouse_upgrades_in_place_and_keeps_its_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mediawatch.warehouse import load as load_module

    migrations = available_migrations()
    # the first schema's loader: raw.pages had no article_id column yet (migration 0007 adds it)
    stem = load_module.SELECT_FROM_STAGED
    old_select = stem[: stem.index("article.error") + len("article.error")]
    monkeypatch.setattr(load_module, "SELECT_FROM_STAGED", old_select)
    paths = make_paths(tmp_path)
    write_staging(paths, "alpha", "run1", range(0, 12))
    # a warehouse as the first schema version made it: migrated to version 1 only, loaded by raw SQL
    con = connect_writer(paths.warehouse)
    migrate(con, target=migrations[0].version)
    assert schema_version(con) == migrations[0].version
    from mediawatch.warehouse.load import load_files

    load_files(con, paths.staging_dir, "old-load")
    pages_before = con.execute("select count(*) from raw.pages").fetchone()
    con.close()
    monkeypatch.undo()
    summary = pipeline.load(paths)
    con = connect_reader(paths.warehouse)
    assert schema_version(con) == migrations[-1].version
    assert con.execute("select count(*) from raw.pages").fetchone() == pages_before
    unidentified = "select count(*) from raw.pages where kind = 'article' and article_id is null"
    assert con.execute(unidentified).fetchone() == (0,)  # the upgrade gave old pages their id
    assert summary["articles"] == 12
