"""Writing a report folder so that readers only ever see a complete one.

The folder is written under a hidden temporary name and renamed into place. The previous version
is first renamed aside, then removed after the swap; if a build dies between the two renames, the
next build (or `recover`) puts the previous version back, so a killed build never loses the last
good report.
"""

from __future__ import annotations

import csv
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from mediawatch.report.model import csv_cell
from mediawatch.report.queries import Table

TMP_PREFIX = ".tmp-"
OLD_PREFIX = ".old-"
PARQUET_CHUNK = 500  # rows per INSERT statement


def new_tmp_folder(reports: Path, name: str) -> Path:
    """A fresh hidden folder in `reports` to write a report into."""
    folder = reports / f"{TMP_PREFIX}{name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    return folder


def recover(reports: Path) -> None:
    """Put back a previous version a killed build had moved aside; drop leftover temporary folders."""
    if not reports.exists():
        return
    for old in sorted(reports.glob(f"{OLD_PREFIX}*")):
        name = old.name[len(OLD_PREFIX):].rsplit("-", 2)[0]
        target = reports / name
        if not target.exists():
            os.rename(old, target)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in reports.glob(f"{TMP_PREFIX}*"):
        pid = tmp.name.rsplit("-", 2)[-2] if tmp.name.count("-") >= 2 else ""
        if not (pid.isdigit() and _alive(int(pid))):  # a concurrent build's folder is left alone
            shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    from mediawatch.procs import pid_alive

    return pid != os.getpid() and pid_alive(pid)


def swap_into_place(tmp: Path, target: Path) -> None:
    """Rename the finished `tmp` folder to `target`, replacing the previous version."""
    old = None
    if target.exists():
        old = target.with_name(f"{OLD_PREFIX}{target.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        os.rename(target, old)
    os.rename(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_text_atomic(path: Path, text: str) -> None:
    """Write a file through a temporary sibling and a rename."""
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_csv(table: Table, path: Path) -> None:
    """The table as CSV with a header row."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(table.columns)
        writer.writerows([csv_cell(v) for v in row] for row in table.rows)


def write_parquet(table: Table, path: Path) -> None:
    """The table as Parquet, with the column types the query returned (via an in-memory DuckDB)."""
    with parquet_writer() as write:
        write(table, path)


@contextmanager
def parquet_writer() -> Iterator[Callable[[Table, Path], None]]:
    """A function writing tables as Parquet through one in-memory DuckDB (one connection per report,
    not per table)."""
    with duckdb.connect(":memory:", config={"autoinstall_known_extensions": False}) as mem:
        mem.execute("set TimeZone = 'UTC'")

        def write(table: Table, path: Path) -> None:
            columns = ", ".join(f'"{c.replace(chr(34), "")}" {t}'
                                for c, t in zip(table.columns, table.types, strict=True))
            mem.execute(f"create or replace table t ({columns})")
            row = "(" + ", ".join("?" for _ in table.columns) + ")"
            # one statement per chunk of rows: executemany runs one statement per row (~1 ms each)
            for first in range(0, len(table.rows), PARQUET_CHUNK):
                chunk = table.rows[first:first + PARQUET_CHUNK]
                mem.execute(f"insert into t values {', '.join(row for _ in chunk)}",
                            [value for r in chunk for value in r])
            # COPY takes no bound target; the path is our own temp folder, quoted as a literal
            target = str(path).replace("'", "''")
            mem.execute(f"copy t to '{target}' (format parquet)")

        yield write
