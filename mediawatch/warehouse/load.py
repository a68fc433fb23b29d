"""Load staging files into raw tables: each file once, in one transaction with its marker.

Loading the same files again is a no-op; a load killed mid-file leaves no trace of that file (the
transaction never committed), so re-running it gives exactly the rows of a clean load.

A file DuckDB cannot read whole (a line torn by a crash or a full disk, a corrupt line) is salvaged:
its complete, readable lines are loaded under their own line numbers, the rejected lines are kept
byte for byte in `<run>.jsonl.rejected` beside it (the staging file itself is never changed), and
`raw.staging_rejects` records what was rejected, so the quality gate warns.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
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
    files_salvaged: int = 0  # loaded without their unreadable lines (kept in `.rejected`)
    lines_rejected: int = 0
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


def _split_lines(data: bytes) -> tuple[list[tuple[int, bytes]], list[tuple[int, bytes]]]:
    """(good, rejected) lines of a staging file as (line number, bytes). A line is good when it is
    complete (ends with a newline) and parses as a staged page; blank lines are neither."""
    from mediawatch.records import StagedPage

    good, rejected = [], []
    for number, line in enumerate(data.splitlines(keepends=True), 1):
        if not line.strip():
            continue
        try:
            if not line.endswith(b"\n"):
                raise ValueError("torn line (no newline at the end of the file)")
            StagedPage.from_json(line.decode("utf-8"))
        except (ValueError, TypeError, KeyError, AttributeError):
            rejected.append((number, line))
            continue
        good.append((number, line))
    return good, rejected


def _record_reject(
    con: duckdb.DuckDBPyConnection, key: str, load_id: str, sha: str | None, loaded: int,
    rejected: list[int], kept_at: str | None, error: str,
) -> None:
    con.execute(
        "insert or ignore into raw.staging_rejects values (?, ?, ?, ?, ?, ?, ?, ?, now())",
        [key, load_id, sha, loaded, len(rejected), rejected, kept_at, error[:1000]],
    )


def _load_salvaged(
    con: duckdb.DuckDBPyConnection, path: Path, key: str, sha: str, load_id: str, error: str,
    summary: FileLoadSummary,
) -> int | None:
    """Load the readable lines of a file read_json refused; return its page count, or None when
    nothing could be loaded (the file is then left for the next load, and recorded)."""
    try:
        good, rejected = _split_lines(path.read_bytes())
    except OSError as exc:
        good, rejected, error = [], [], f"cannot read the file: {exc}"
    kept = path.with_name(path.name + ".rejected")
    if rejected:
        # the rejected bytes stay readable beside the file (write-then-rename: never half a file)
        partial = kept.with_name(kept.name + ".partial")
        partial.write_bytes(b"".join(line for _, line in rejected))
        os.replace(partial, kept)
    numbers = [n for n, _ in rejected]
    if not good:
        con.execute("begin transaction")
        _record_reject(con, key, load_id, sha, 0, numbers, str(kept) if rejected else None, error)
        con.execute("commit")
        summary.problems.append(f"{key}: could not be read ({error}); left for the next load")
        return None
    fd, clean_name = tempfile.mkstemp(prefix="mediawatch-salvage-", suffix=".jsonl")
    clean = Path(clean_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.writelines(line for _, line in good)
        con.execute("begin transaction")
        guard(con, "loaded_files")
        con.execute(
            "create or replace temp table salvage_lines as "
            "select unnest(range(1, ? + 1)) as clean_no, unnest(?::bigint[]) as line_no",
            [len(good), [n for n, _ in good]],
        )
        con.execute(
            f"""
            insert into raw.pages
            select ?, ?, salvage_lines.line_no, {SELECT_FROM_STAGED}
            from (
                select row_number() over () as clean_no, *
                from read_json('{_sql_path(clean)}', format = 'newline_delimited',
                               columns = {columns_literal()}, maximum_object_size = 67108864)
            ) as staged
            join salvage_lines on staged.clean_no = salvage_lines.clean_no
            """,
            [load_id, key],
        )
        con.execute(
            "insert into raw.loaded_files values (?, ?, ?, ?, now())", [key, sha, len(good), load_id]
        )
        _record_reject(con, key, load_id, sha, len(good), numbers, str(kept), error)
        con.execute("drop table salvage_lines")
        con.execute("commit")
    except duckdb.Error as exc:
        rollback(con)
        if is_conflict(exc):
            raise
        con.execute("begin transaction")
        _record_reject(con, key, load_id, sha, 0, numbers, str(kept) if rejected else None, str(exc))
        con.execute("commit")
        summary.problems.append(f"{key}: could not be read ({exc}); left for the next load")
        return None
    finally:
        clean.unlink(missing_ok=True)
    summary.files_salvaged += 1
    summary.lines_rejected += len(rejected)
    summary.problems.append(
        f"{key}: loaded {len(good)} complete line(s); {len(rejected)} unreadable line(s) "
        f"({', '.join(map(str, numbers[:10]))}{'...' if len(numbers) > 10 else ''}) kept in {kept}"
    )
    return len(good)


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
            salvaged = _load_salvaged(con, path, key, sha, load_id, str(exc).splitlines()[0], summary)
            if salvaged is None:
                continue
            pages = salvaged
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
