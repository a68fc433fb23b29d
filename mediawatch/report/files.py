"""Writing a report folder so that readers only ever see a complete one.

The folder is written under a hidden temporary name and renamed into place. The previous version
is first renamed aside, then removed after the swap; if a build dies between the two renames, the
next build (or `recover`) puts the previous version back, so a killed build never loses the last
good report.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import duckdb

from mediawatch.report.model import csv_cell
from mediawatch.report.queries import Table
from mediawatch.warehouse.models import sql_literal

TMP_PREFIX = ".tmp-"
OLD_PREFIX = ".old-"


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
    """A function writing tables as Parquet, with the column types the query returned, through one
    in-memory DuckDB per report. The rows reach it as a JSON-lines file beside the target (removed
    after): binding Python values instead would make duckdb import pandas."""
    with duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                            "autoload_known_extensions": False}) as mem:
        mem.execute("set TimeZone = 'UTC'")

        def write(table: Table, path: Path) -> None:
            rows = path.with_name(f"{TMP_PREFIX}{path.stem}.jsonl")
            with rows.open("w", encoding="utf-8") as handle:
                for row in table.rows:
                    handle.write(json.dumps(dict(zip(table.columns, row, strict=True)), default=_json_value))
                    handle.write("\n")
            columns = ", ".join(f"{sql_literal(c)}: {sql_literal(t)}" for c, t in zip(table.columns, table.types, strict=True))
            # COPY and read_json take no bound file names; both paths are our own temp folder's, quoted
            mem.execute(f"copy (select * from read_json({sql_literal(str(rows))}, format = 'newline_delimited', "
                        f"columns = {{{columns}}})) to {sql_literal(str(path))} (format parquet)")
            rows.unlink()

        yield write


def _json_value(value: object) -> object:
    """JSON of the values json cannot write itself: times and days in ISO 8601, decimals as text
    (read_json casts them back to the column's type)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    raise TypeError(f"a report table cannot hold a {type(value).__name__}")
