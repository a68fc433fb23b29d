"""Load staging files into raw tables: each file once, in one transaction with its marker.

Loading the same files again is a no-op; a load killed mid-file leaves no trace of that file (the
transaction never committed), so re-running it gives exactly the rows of a clean load.

A file DuckDB cannot read whole (a line torn by a crash or a full disk, a corrupt line) is salvaged:
its complete, readable lines are loaded under their own line numbers, the rejected lines are kept
byte for byte in `<run>.jsonl.rejected` beside it (the staging file itself is never changed), and
`raw.staging_rejects` records what was rejected, so the quality gate warns.

A big load is split into sub-loads of at most `batch_pages()` pages (2,000, up to 10,000 in a big
warehouse; `MEDIAWATCH_LOAD_BATCH_PAGES` sets it), of even size (`even_batch`):
each page is stamped with its sub-load's id (`<load_id>`, then `<load_id>.0002`, ...), whose row in
`raw.loads` is written in the same transaction as its first pages, and the loader builds the
sub-loads one at a time (mediawatch.warehouse.loads.build_loads), so a load's memory follows the
batch, not the load. A crash between two sub-loads leaves the rest unbuilt in `raw.loads`; the next
load builds them first.

What a load must look at is found without reading what it loaded before: a file's SHA-256 is
computed once and kept in `<staging>/.sha256.json` by size and mtime (a file changed after loading
still shows as changed), and a stats file already in `raw.crawl_stats` is not read again. The
statements bind no Python values (duckdb 1.5 imports pandas, half a second, for the first one).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from mediawatch.warehouse.backend import guard, is_conflict, rollback
from mediawatch.warehouse.models import sql_literal
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
    loads: dict[str, int] = field(default_factory=dict)  # sub-load id -> pages stamped with it


BATCH_PAGES_ENV = "MEDIAWATCH_LOAD_BATCH_PAGES"
BATCH_PAGES = 2000  # pages per sub-load in a warehouse of up to 200,000 pages
MAX_BATCH_PAGES = 10000  # ... growing with the warehouse (1 %) up to this many pages
WAREHOUSE_SHARE = 100


def batch_pages(con: duckdb.DuckDBPyConnection | None = None) -> int:
    """Pages per sub-load: `MEDIAWATCH_LOAD_BATCH_PAGES` when set (a bad value is an error), else
    1 % of the pages the warehouse holds, at least 2,000 and at most 10,000. A sub-load's memory
    follows its pages, but each build also has costs that follow the warehouse (its commit's
    checkpoint, the analysis workers' start, the marts' key scans: ~20 s per build at 1M pages, so a
    10,000-article load there took 189 s in 5 builds and 101 s in one), hence bigger sub-loads in a
    bigger warehouse, up to a bound: a 10,000-page sub-load peaked at 0.74 GiB at 1M."""
    text = os.environ.get(BATCH_PAGES_ENV, "").strip()
    if not text:
        if con is None:
            return BATCH_PAGES
        row = con.execute("select count(*) from raw.pages").fetchone()
        return min(MAX_BATCH_PAGES, max(BATCH_PAGES, int(row[0] if row else 0) // WAREHOUSE_SHARE))
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{BATCH_PAGES_ENV}={text!r}: give a whole number of pages, 1 or more")
    return value


def even_batch(pages: int, batch: int) -> int:
    """Pages per sub-load when `pages` go in sub-loads of at most `batch`: as many sub-loads, of
    even size (16,050 pages in batches of 2,000: nine of 1,784, not eight of 2,000 and one of 50),
    so the biggest sub-load, which sets the load's peak memory, is no bigger than it must be."""
    if pages <= batch:
        return batch
    return math.ceil(pages / math.ceil(pages / batch))


def _lines(path: Path) -> int:
    """Lines of a staging file (one page each): counted before loading, to size the sub-loads."""
    count = 0
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                count += chunk.count(b"\n")
    except OSError:  # unreadable: its load reports it
        return 0
    return count


def sub_load_id(load_id: str, batch: int) -> str:
    """The id of a load's sub-load number `batch` (0: the load's own id). Zero-padded so that
    sub-loads sort in load order."""
    return load_id if batch == 0 else f"{load_id}.{batch + 1:04d}"


class _Stamper:
    """Gives a load's pages their sub-load ids, `batch` pages each, in staging order."""

    def __init__(self, load_id: str, batch: int, summary: FileLoadSummary) -> None:
        self.load_id, self.batch, self.summary = load_id, batch, summary
        self.assigned = 0  # pages stamped so far in this load (committed files only)

    def sql(self, number: str) -> str:
        """SQL of the sub-load id of the page numbered `number` (1, 2, ...) in the next file."""
        index = f"({self.assigned} + {number} - 1) // {self.batch}"
        return (f"case when {index} = 0 then {sql_literal(self.load_id)} else {sql_literal(self.load_id + '.')}"
                f" || lpad(cast({index} + 1 as varchar), 4, '0') end")

    def _batches(self, pages: int) -> range:
        return range(self.assigned // self.batch, (self.assigned + pages - 1) // self.batch + 1 if pages else 0)

    def record(self, con: duckdb.DuckDBPyConnection, pages: int) -> None:
        """Write the `raw.loads` rows of the sub-loads the next file's `pages` pages went to, inside
        the transaction that inserted them (a page never exists without its load's row)."""
        from mediawatch.warehouse.loads import start_load

        for batch in self._batches(pages):
            start_load(con, sub_load_id(self.load_id, batch))

    def committed(self, pages: int) -> None:
        """The next file's `pages` pages are committed: count them, move on."""
        first, last = self.assigned, self.assigned + pages
        for batch in self._batches(pages):
            load_id = sub_load_id(self.load_id, batch)
            share = min(last, (batch + 1) * self.batch) - max(first, batch * self.batch)
            self.summary.loads[load_id] = self.summary.loads.get(load_id, 0) + share
        self.assigned = last


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


DIGESTS_FILE = ".sha256.json"


class Digests:
    """SHA-256 of the staging files, each computed once: `<staging>/.sha256.json` keeps
    key -> [size, mtime_ns, sha256], and a file whose size and mtime are unchanged is not read again
    (staging files are immutable; one rewritten in place gets a new mtime). Only a cache: missing or
    unreadable, every file is hashed again."""

    def __init__(self, staging_dir: Path) -> None:
        self.path = staging_dir / DIGESTS_FILE
        self.known: dict[str, list[Any]] = {}
        self.changed = False
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                self.known = {k: v for k, v in data.items() if isinstance(v, list) and len(v) == 3}
        except (OSError, ValueError):
            pass

    def sha256(self, path: Path, key: str) -> str:
        stat = path.stat()
        entry = self.known.get(key)
        if entry is not None and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
            return str(entry[2])
        sha = file_sha256(path)
        self.known[key] = [stat.st_size, stat.st_mtime_ns, sha]
        self.changed = True
        return sha

    def save(self, keys: set[str]) -> None:
        """Keep the entries of the files that still exist (write-then-rename; best effort)."""
        gone = set(self.known) - keys
        if not (self.changed or gone):
            return
        for key in gone:
            del self.known[key]
        from mediawatch.staging import atomic_write_json

        try:
            atomic_write_json(self.path, self.known)
        except OSError as exc:  # a cache: the next load hashes again
            log.warning("cannot write %s (%s)", self.path, exc)
        self.changed = False


def staging_files(staging_dir: Path) -> list[Path]:
    """Finished staging files (`<source>/<run>.jsonl`); `.part` files are crawls still running."""
    return sorted(staging_dir.glob("*/*.jsonl"))


def stats_files(staging_dir: Path) -> list[Path]:
    """Crawl stats files (`<source>/<run>.stats.json`)."""
    return sorted(staging_dir.glob("*/*.stats.json"))


@dataclass
class Pending:
    """What the staging folder holds that the warehouse has not loaded."""

    files: list[tuple[Path, str, str]]  # (path, key, sha256) of staging files not loaded yet
    already_loaded: int
    changed: list[str]  # loaded files whose bytes changed since (the loaded version is kept)
    stats: list[Path]  # stats files whose (source, run) raw.crawl_stats does not hold

    @property
    def nothing(self) -> bool:
        return not (self.files or self.changed or self.stats)


def pending(con: duckdb.DuckDBPyConnection, staging_dir: Path, digests: Digests) -> Pending:
    """Compare the staging folder with raw.loaded_files and raw.crawl_stats (reads no loaded file)."""
    loaded = dict(con.execute("select staging_file, sha256 from raw.loaded_files").fetchall())
    out = Pending([], 0, [], [])
    keys = set()
    for path in staging_files(staging_dir):
        key = str(path.relative_to(staging_dir))
        keys.add(key)
        sha = digests.sha256(path, key)
        if key not in loaded:
            out.files.append((path, key, sha))
            continue
        out.already_loaded += 1
        if loaded[key] != sha:
            out.changed.append(key)
    digests.save(keys)
    # a stats file is named for its run (`staging.stats_path`); one named otherwise is read again
    # every load, as before, and its row inserted or ignored
    recorded = {(source, run_id) for run_id, source in con.execute(
        "select run_id, source from raw.crawl_stats").fetchall()}
    out.stats = [p for p in stats_files(staging_dir)
                 if (p.parent.name, p.name.removesuffix(".stats.json")) not in recorded]
    return out


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
    summary: FileLoadSummary, stamper: _Stamper,
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
            select {stamper.sql("staged.clean_no")}, ?, salvage_lines.line_no, {SELECT_FROM_STAGED}
            from (
                select row_number() over () as clean_no, *
                from read_json({sql_literal(str(clean))}, format = 'newline_delimited',
                               columns = {columns_literal()}, maximum_object_size = 67108864)
            ) as staged
            join salvage_lines on staged.clean_no = salvage_lines.clean_no
            """,
            [key],
        )
        stamper.record(con, len(good))
        con.execute(
            "insert into raw.loaded_files values (?, ?, ?, ?, now())", [key, sha, len(good), load_id]
        )
        _record_reject(con, key, load_id, sha, len(good), numbers, str(kept), error)
        con.execute("drop table salvage_lines")
        con.execute("commit")
        stamper.committed(len(good))
    except duckdb.Error as exc:
        rollback(con)
        if is_conflict(exc):
            raise
        if isinstance(exc, duckdb.OutOfMemoryException):
            raise _out_of_memory(con, key, exc) from None
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


def _out_of_memory(con: duckdb.DuckDBPyConnection, key: str, exc: BaseException) -> MemoryError:
    """A file DuckDB had no memory to read is not a bad file: the load stops (nothing of the file
    is kept, it is loaded next time) with what to change."""
    from mediawatch.warehouse.db import MEMORY_LIMIT_ENV, out_of_memory

    return out_of_memory(con, f"{key}: DuckDB ran out of memory reading it", exc, MEMORY_LIMIT_ENV)


def load_files(
    con: duckdb.DuckDBPyConnection, staging_dir: Path, load_id: str, batch: int | None = None
) -> FileLoadSummary:
    """Load every staging file not loaded yet, and every crawl stats file not recorded yet; pages go
    to sub-loads of `batch` pages (default `batch_pages(con)`), listed in the summary's `loads`."""
    summary = FileLoadSummary()
    todo = pending(con, staging_dir, Digests(staging_dir))
    stamper = _Stamper(load_id, even_batch(sum(_lines(path) for path, _, _ in todo.files),
                                           batch or batch_pages(con)), summary)
    summary.files_already_loaded = todo.already_loaded
    for key in todo.changed:
        summary.problems.append(
            f"{key} changed after it was loaded; kept the loaded version. "
            "Staging files are immutable: write re-extractions under a new run id."
        )
    for path, key, sha in todo.files:
        con.execute("begin transaction")
        try:
            guard(con, "loaded_files")  # concurrent lake loaders: a second claim of a file conflicts
            if con.execute(  # re-read in this transaction's snapshot: another loader may have won
                f"select count(*) from raw.loaded_files where staging_file = {sql_literal(key)}"
            ).fetchone()[0]:
                rollback(con)
                summary.files_already_loaded += 1
                continue
            row = con.execute(
                f"""
                insert into raw.pages
                select {stamper.sql("staged.line_no")}, {sql_literal(key)}, staged.line_no, {SELECT_FROM_STAGED}
                from (
                    select row_number() over () as line_no, *
                    from read_json({sql_literal(str(path))}, format = 'newline_delimited',
                                   columns = {columns_literal()}, maximum_object_size = 67108864)
                ) as staged
                """
            ).fetchone()
            pages = int(row[0]) if row else 0  # an insert yields the number of rows it inserted
            stamper.record(con, pages)
            con.execute(
                f"insert into raw.loaded_files values ({sql_literal(key)}, {sql_literal(sha)}, {pages}, "
                f"{sql_literal(load_id)}, now())"
            )
            con.execute("commit")
            stamper.committed(pages)
        except duckdb.Error as exc:
            rollback(con)
            if is_conflict(exc):
                raise  # lost to a concurrent loader: the caller retries on a fresh snapshot
            if isinstance(exc, duckdb.OutOfMemoryException):  # the machine's fault, not the file's
                raise _out_of_memory(con, key, exc) from None
            salvaged = _load_salvaged(con, path, key, sha, load_id, str(exc).splitlines()[0], summary,
                                      stamper)
            if salvaged is None:
                continue
            pages = salvaged
        summary.files_loaded += 1
        summary.pages += pages
    if not todo.stats:
        return summary
    con.execute("begin transaction")
    guard(con, "crawl_stats")
    for stats_path in todo.stats:
        try:
            stats = json.loads(stats_path.read_text())
            run_id, source = str(stats["run_id"]), str(stats["source"])
        except (OSError, ValueError, KeyError) as exc:
            summary.problems.append(f"{stats_path.name}: unreadable crawl stats ({exc})")
            continue
        con.execute(
            f"insert or ignore into raw.crawl_stats values ({sql_literal(run_id)}, {sql_literal(source)}, "
            f"{sql_literal(json.dumps(stats))}, {sql_literal(load_id)})"
        )
        summary.stats_files += 1
    con.execute("commit")
    return summary
