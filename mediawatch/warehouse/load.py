"""Load staging files into raw tables: each file once, in one transaction with its marker.

Loading the same files again is a no-op; a load killed mid-file leaves no trace of that file (the
transaction never committed), so re-running it gives exactly the rows of a clean load.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mediawatch.warehouse.backend import guard, is_conflict, rollback
from mediawatch.warehouse.raw_pages import SELECT_FROM_STAGED, columns_literal

log = logging.getLogger(__name__)


@dataclass
class FileLoadSummary:
    files_loaded: int = 0
    files_already_loaded: int = 0
    pages: int = 0
    stats_files: int = 0
    problems: list[str] = field(default_factory=list)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def staging_files(staging_dir: Path) -> list[Path]:
    """Finished staging files (`<source>/<run>.jsonl`); `.part` files are crawls still running."""
    return sorted(staging_dir.glob("*/*.jsonl"))


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def load_files(con: duckdb.DuckDBPyConnection, staging_dir: Path, load_id: str) -> FileLoadSummary:
    """Load every staging file not loaded yet, and every crawl stats file (upsert)."""
    summary = FileLoadSummary()
    loaded = dict(con.execute("select staging_file, sha256 from raw.loaded_files").fetchall())
    for path in staging_files(staging_dir):
        key = str(path.relative_to(staging_dir))
        sha = file_sha256(path)
        if key in loaded:
            if loaded[key] != sha:
                summary.problems.append(
                    f"{key} changed after it was loaded; kept the loaded version. "
                    "Staging files are immutable: write re-extractions under a new run id."
                )
            summary.files_already_loaded += 1
            continue
        con.execute("begin transaction")
        try:
            guard(con, "loaded_files")  # concurrent lake loaders: a second claim of a file conflicts
            if con.execute(  # re-read in this transaction's snapshot: another loader may have won
                "select count(*) from raw.loaded_files where staging_file = ?", [key]
            ).fetchone()[0]:
                rollback(con)
                summary.files_already_loaded += 1
                continue
            con.execute(
                f"""
                insert into raw.pages
                select ?, ?, row_number() over (), {SELECT_FROM_STAGED}
                from read_json('{_sql_path(path)}', format = 'newline_delimited',
                               columns = {columns_literal()}, maximum_object_size = 67108864)
                """,
                [load_id, key],
            )
            row = con.execute(
                "select count(*) from raw.pages where staging_file = ? and load_id = ?", [key, load_id]
            ).fetchone()
            pages = int(row[0]) if row else 0
            con.execute(
                "insert into raw.loaded_files values (?, ?, ?, ?, now())", [key, sha, pages, load_id]
            )
            con.execute("commit")
        except duckdb.Error as exc:
            rollback(con)
            if is_conflict(exc):
                raise  # lost to a concurrent loader: the caller retries on a fresh snapshot
            summary.problems.append(f"{key}: could not be read ({exc}); left for the next load")
            continue
        summary.files_loaded += 1
        summary.pages += pages
    con.execute("begin transaction")
    guard(con, "crawl_stats")
    for stats_path in sorted(staging_dir.glob("*/*.stats.json")):
        try:
            stats = json.loads(stats_path.read_text())
            run_id, source = str(stats["run_id"]), str(stats["source"])
        except (OSError, ValueError, KeyError) as exc:
            summary.problems.append(f"{stats_path.name}: unreadable crawl stats ({exc})")
            continue
        con.execute(
            "insert or ignore into raw.crawl_stats values (?, ?, ?, ?)",
            [run_id, source, json.dumps(stats), load_id],
        )
        summary.stats_files += 1
    con.execute("commit")
    return summary
