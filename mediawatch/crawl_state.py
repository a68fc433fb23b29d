"""The crawl state: what the warehouse holds (url, canonical url, body hash, validators, fetch time),
exported by the loader for the spiders and the backfill, which never open the warehouse.

It is a *base* file (`Paths.crawl_state`, the latest fetch of every stored article URL) plus one
small *delta* file per load beside it (`crawl_state.d/<n>.parquet`, the articles of loads the base
and earlier deltas do not cover). A load therefore writes what it loaded, not the whole history;
every COMPACT_AFTER deltas (or when the base is missing or unreadable) the base is written again
from `raw.pages` and the deltas are removed. Which loads are exported is recorded in
`raw.crawl_state_loads` (migration 0010).

Readers take every file (`files()`) and keep, per URL, the row with the newest `fetched_at`: the
base and the deltas together say exactly what the one whole export said. Each file is written
under a temporary name and renamed, so a reader never sees a half-written one; a delta removed by
a compaction between listing and reading is skipped (the new base holds its rows).
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import Any

from mediawatch.warehouse.models import sql_literal

COMPACT_AFTER = 24  # deltas kept before the base is written again (a day of hourly loads)
_DELTA = re.compile(r"^(\d+)\.parquet$")
COLUMNS = "url, canonical_url, content_hash, lastmod, etag, last_modified, fetched_at"


def delta_dir(base: Path) -> Path:
    return base.with_name(base.stem + ".d")


def _deltas(base: Path) -> list[tuple[int, Path]]:
    folder = delta_dir(base)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _DELTA.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def files(base: Path) -> list[Path]:
    """The files that make up the crawl state, base first ([] before the first export)."""
    if not base.exists():
        return []  # deltas without their base are incomplete: the next load writes a base
    return [base] + [path for _, path in _deltas(base)]


def exported_at(base: Path) -> float | None:
    """When the crawl state was last written (mtime of its newest file), or None."""
    times = []
    for path in files(base):
        try:
            times.append(path.stat().st_mtime)
        except OSError:
            continue
    return max(times) if times else None


def read_sql(paths: list[Path], where: str = "") -> str:
    """A query of the latest row per URL over `paths` (the files existing now; see `files`)."""
    listed = _listed([str(p) for p in paths])
    return (
        f"select {COLUMNS} from read_parquet([{listed}], union_by_name = true) {where} "
        "qualify row_number() over (partition by url order by fetched_at desc nulls last) = 1"
    )


def _listed(values: list[str]) -> str:
    """Text values as SQL literals: no bound parameters (binding one makes duckdb import pandas)."""
    return ", ".join(sql_literal(v) for v in values)


def _write(con: Any, query: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        con.execute(f"copy ({query}) to {sql_literal(str(tmp))} (format parquet)")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


_LATEST = f"""
    select {COLUMNS}
    from raw.pages
    where kind = 'article' {{extra}}
    qualify row_number() over (partition by url order by fetched_at desc) = 1
    order by url
"""


def _readable(base: Path) -> bool:
    import duckdb

    try:
        with duckdb.connect(":memory:") as reader:
            reader.execute(f"select count(*) from parquet_metadata({sql_literal(str(base))})").fetchone()
    except duckdb.Error:
        return False
    return True


def export(con: Any, base: Path, *, full: bool = False) -> dict[str, Any]:
    """Bring the crawl state up to the warehouse `con` (the writer, outside a transaction).

    Writes a delta of the loads not exported yet, or the whole base when `full`, when there is no
    readable base, or every COMPACT_AFTER deltas. Returns what it wrote."""
    deltas = _deltas(base)
    exported = con.execute("select count(*) from raw.crawl_state_loads").fetchone()
    whole = (
        full or not exported or not exported[0] or not base.exists() or len(deltas) >= COMPACT_AFTER
        or not _readable(base)
    )
    if whole:
        loads = [str(r[0]) for r in con.execute("select distinct load_id from raw.pages").fetchall()]
        _write(con, _LATEST.format(extra=""), base)
        for _, path in deltas:
            path.unlink(missing_ok=True)
        con.execute("begin transaction")
        con.execute("delete from raw.crawl_state_loads")
        if loads:
            con.execute(f"insert into raw.crawl_state_loads select unnest([{_listed(loads)}]), now()")
        con.execute("commit")
        return {"crawl_state": "base", "loads": len(loads)}
    loads = [
        str(r[0])
        for r in con.execute(
            "select distinct pages.load_id from raw.pages as pages "
            "anti join raw.crawl_state_loads as done on pages.load_id = done.load_id"
        ).fetchall()
    ]
    if not loads:
        return {"crawl_state": "unchanged", "loads": 0}
    number = (deltas[-1][0] + 1) if deltas else 1
    _write(con, _LATEST.format(extra=f"and load_id in ({_listed(loads)})"), delta_dir(base) / f"{number}.parquet")
    con.execute(f"insert into raw.crawl_state_loads select unnest([{_listed(loads)}]), now()")
    return {"crawl_state": "delta", "loads": len(loads)}
