"""Open DuckDB connections the one way this project allows.

Extensions come from the wheel packages (duckdb-extension-ducklake, -postgres-scanner, for the lake
backend): nothing is downloaded at
run time, and `autoinstall_known_extensions` is off so a missing extension fails loudly instead of
reaching for the network. Reader connections (reports, analysts) also switch external access off and
lock the configuration, so SQL text cannot read files or undo those settings.
"""

from __future__ import annotations

import importlib
import os
import re
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

EXTENSION_PACKAGES = {
    "ducklake": "duckdb_extension_ducklake",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
}


class WarehouseBusy(RuntimeError):
    """The warehouse file is held by another writer."""


class LoadOutOfMemory(MemoryError):
    """DuckDB had no memory left for the loader under its limit; the message names the setting."""


def out_of_memory(con: duckdb.DuckDBPyConnection, doing: str, exc: BaseException, setting: str,
                  then: str = "") -> LoadOutOfMemory:
    """The loader's out-of-memory error: what ran out (`doing`), DuckDB's own first line, the
    limit in force and the setting that raises it."""
    limit = con.execute("select current_setting('memory_limit')").fetchone()
    return LoadOutOfMemory(
        f"{doing} ({str(exc).splitlines()[0]}); its memory limit is {limit[0] if limit else '?'}: "
        f"raise {setting} (e.g. 1GB) and load again{then}"
    )


class WarehouseCorrupt(RuntimeError):
    """A DuckDB file of ours is damaged or not a DuckDB file; the message says which and what to do."""


WAREHOUSE = "warehouse"
ANALYST = "analyst copy"
_CORRUPT_TEXT = ("not a valid DuckDB database file", "Corrupt database file", "checksum")
_LOCK_TEXT = ("Could not set lock", "Conflicting lock")


def _corrupt(path: Path, role: str, exc: BaseException) -> WarehouseCorrupt:
    detail = str(exc).splitlines()[0][:300]
    if role == ANALYST:
        todo = ("It is only a published copy of the warehouse: run `mediawatch load` (or "
                "`mediawatch rebuild`), which publishes a new one.")
    else:
        todo = ("Move it aside and run `mediawatch rebuild` to build a new warehouse from the staging "
                "files (or restore a backup); `mediawatch load` then publishes a new analyst copy.")
    return WarehouseCorrupt(f"{path}: the {role} database is damaged ({detail}). {todo}")


@contextmanager
def database_errors(path: Path, role: str = WAREHOUSE, needed: int | None = None) -> Iterator[None]:
    """Turn DuckDB's "corrupt file" and "disk full" errors inside the block into errors that name
    `path` and say what to do (WarehouseCorrupt, mediawatch.diskspace.DiskFull)."""
    from mediawatch.diskspace import DiskFull, is_disk_full

    try:
        yield
    except DiskFull as exc:  # raised further in, where the estimate was not known
        if needed and not exc.needed:
            raise DiskFull(exc.path, needed) from None
        raise
    except (duckdb.Error, OSError) as exc:
        if isinstance(exc, duckdb.Error) and any(t in str(exc) for t in _CORRUPT_TEXT):
            raise _corrupt(path, role, exc) from None
        if is_disk_full(exc):
            raise DiskFull(getattr(exc, "filename", None) or path, needed) from None
        raise


def extension_file(name: str) -> Path:
    """Path of the extension binary shipped by its PyPI package, for this duckdb version."""
    package = importlib.import_module(EXTENSION_PACKAGES[name])
    folder = Path(package.__file__).parent / "extensions" / f"v{duckdb.__version__}"
    path = folder / f"{name}.duckdb_extension"
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: duckdb {duckdb.__version__} needs "
            f"{EXTENSION_PACKAGES[name].replace('_', '-')}=={duckdb.__version__} (see requirements.lock)"
        )
    return path


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """LOAD a shipped extension by file path (no INSTALL, no download)."""
    con.execute(f"load '{extension_file(name)}'")


def _base_config() -> dict[str, str | bool]:
    return {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def connect_writer(path: Path) -> duckdb.DuckDBPyConnection:
    """The single read-write connection (loader, quality gate). Fails fast if another writer holds it.

    With MEDIAWATCH_WAREHOUSE_BACKEND=ducklake it is a lake session instead (mediawatch.warehouse.backend).
    """
    from mediawatch.warehouse import backend

    if backend.current().is_lake:
        return backend.connect_lake_writer(path)  # type: ignore[return-value]
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    with database_errors(path, WAREHOUSE):
        try:
            con = duckdb.connect(str(path), config=_base_config())
        except duckdb.IOException as exc:
            if new:  # a half-created file (say, on a full disk) would pass for a corrupt warehouse
                for leftover in (path, path.with_name(path.name + ".wal")):
                    leftover.unlink(missing_ok=True)
            if not any(t in str(exc) for t in _LOCK_TEXT):
                raise
            raise WarehouseBusy(
                f"cannot open {path} for writing: {exc}. Another process holds it; analysts should "
                "use the published analyst copy (mediawatch prints its path), not the warehouse file."
            ) from None
    return con


MEMORY_LIMIT_ENV = "MEDIAWATCH_LOAD_MEMORY_LIMIT"
BUILD_MEMORY_LIMIT_ENV = "MEDIAWATCH_BUILD_MEMORY_LIMIT"
MEMORY_LIMIT = "384MB"  # DuckDB's own default is 80 % of RAM: its buffer pool then keeps what a load read


def bound_memory(con: duckdb.DuckDBPyConnection) -> None:
    """Settings of the loader's connection that keep its memory flat however much it has read:
    DuckDB's buffer pool capped at `MEDIAWATCH_LOAD_MEMORY_LIMIT` (default 384MB; beyond it DuckDB
    evicts cached blocks, or spills to the warehouse's `.tmp` folder; "none" keeps DuckDB's
    default), and the allocator's background threads on, so memory a finished statement freed goes
    back to the system (without them a 27 MB staging file's read left ~250 MB resident)."""
    limit = os.environ.get(MEMORY_LIMIT_ENV, "").strip() or MEMORY_LIMIT
    build_memory_limit()  # a bad value fails here, before any file is loaded
    if limit.lower() != "none":
        _set_cap(con, _memory_size(MEMORY_LIMIT_ENV, limit))
    con.execute("set allocator_background_threads = true")


# the cap each loader connection runs under (`bound_memory`, `bound_build_memory`), to put back
# exactly after `drop_cached_blocks` lowered it (DuckDB reports its limit rounded, "366.2 MiB")
_CAPS: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, str] = weakref.WeakKeyDictionary()
MIB = 1024 * 1024
CACHED_BLOCKS_KEPT = 16 * MIB  # fewer cached table bytes than this are not worth a purge


def _set_cap(con: duckdb.DuckDBPyConnection, limit: str) -> None:
    con.execute(f"set memory_limit = '{limit}'")
    _CAPS[con] = limit


def drop_cached_blocks(con: duckdb.DuckDBPyConnection) -> int:
    """Evict the warehouse's table blocks DuckDB keeps cached (tag BASE_TABLE), not the rest: its
    cap is lowered for a moment to what it holds without them, then put back. DuckDB evicts
    persistent blocks before it spills temporary data (a transaction's uncommitted rows), and
    setting the limit also purges its allocator, so the pages go back to the system. Under the
    load's cap a bigger warehouse's blocks otherwise stay cached through each build (~120 MB at
    20k articles, none at 2k); evicted, a later read takes them from the file again.

    The limit is set on a cursor (a second connection to the same database: the limit is the
    database's), so that when DuckDB cannot get under it (blocks it cannot evict) the error aborts
    nothing: the caller's transaction goes on, the limit unchanged. Returns the bytes dropped: 0 on
    a connection without a cap of ours (`bound_memory`), or when less than 16 MiB is cached."""
    cap = _CAPS.get(con)
    if cap is None:
        return 0
    cursor = con.cursor()
    try:
        cached, used = _cached_table_bytes(cursor)
        if cached < CACHED_BLOCKS_KEPT:
            return 0
        try:
            cursor.execute(f"set memory_limit = '{used - cached + CACHED_BLOCKS_KEPT}B'")
        except duckdb.OutOfMemoryException:  # DuckDB sets a limit only once it is under it
            pass
        finally:
            cursor.execute(f"set memory_limit = '{cap}'")
        return max(0, cached - _cached_table_bytes(cursor)[0])
    finally:
        cursor.close()


PUBLISH_MEMORY_LIMIT = "256MB"


@contextmanager
def publish_memory(con: duckdb.DuckDBPyConnection) -> Iterator[bool]:
    """A lower cap (256MB) for the publish after the builds, when the load's is higher: the analyst
    copy's first, whole copy otherwise fills the load's cap with the tables it reads and writes
    (evictable blocks: at 20k articles ~110 MiB more RSS). The cap goes back afterwards. Yields
    whether it was lowered."""
    cap = _CAPS.get(con)
    if cap is None or _bytes(cap) <= _bytes(PUBLISH_MEMORY_LIMIT):
        yield False
        return
    drop_cached_blocks(con)
    try:
        con.execute(f"set memory_limit = '{PUBLISH_MEMORY_LIMIT}'")
    except duckdb.OutOfMemoryException:  # it holds more already: publish under the load's cap
        yield False
        return
    try:
        yield True
    finally:
        con.execute(f"set memory_limit = '{cap}'")


def _bytes(size: str) -> float:
    """Bytes of a size as `_memory_size` accepts it (KB = 1000, KiB = 1024, as DuckDB reads them)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMGT]?)(i?)B", size.strip(), re.I)
    if not match:
        raise ValueError(f"not a size: {size!r}")
    number, unit, binary = match.groups()
    power = "kmgt".find(unit.lower()) + 1 if unit else 0
    return float(number) * ((1024 if binary else 1000) ** power)


def _cached_table_bytes(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(BASE_TABLE bytes, all bytes) DuckDB's buffer pool holds."""
    row = con.execute("select coalesce(sum(memory_usage_bytes) filter (where tag = 'BASE_TABLE'), 0), "
                      "coalesce(sum(memory_usage_bytes), 0) from duckdb_memory()").fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def _memory_size(name: str, limit: str, *, other: str = ", or none") -> str:
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", limit, re.I):
        raise ValueError(f"{name}={limit!r}: give a size such as 1GB or 512MB{other}")
    return limit


def build_memory_limit() -> str | None:
    """`MEDIAWATCH_BUILD_MEMORY_LIMIT` checked (None when unset)."""
    limit = os.environ.get(BUILD_MEMORY_LIMIT_ENV, "").strip()
    return _memory_size(BUILD_MEMORY_LIMIT_ENV, limit, other=", or leave it unset") if limit else None


def bound_build_memory(con: duckdb.DuckDBPyConnection) -> None:
    """A lower cap for the builds and the publish than for reading the staging files, if
    `MEDIAWATCH_BUILD_MEMORY_LIMIT` is set (unset: the load's cap stays). Reading a file needs
    DuckDB's 128 MiB JSON buffer (a 288MB cap fails at it); a build does not, and under the load's
    cap DuckDB keeps up to ~120 MB of a bigger warehouse's table blocks cached through each build.
    Lowering the cap evicts them at once (they are re-read from the file if needed). A trade: with
    256MB the bench's 20k load peaked 15 % lower and took ~20 % more CPU (bench/load_memory.py)."""
    limit = build_memory_limit()
    if limit:
        try:
            _set_cap(con, limit)
        except duckdb.OutOfMemoryException as exc:  # DuckDB holds more than that already
            raise LoadOutOfMemory(
                f"{BUILD_MEMORY_LIMIT_ENV}={limit} is less than DuckDB holds once the staging files "
                f"are read ({str(exc).splitlines()[0]}): raise it (e.g. 256MB) or unset it, and load "
                "again (the pages are stored: the next load builds them)"
            ) from exc


def release_memory() -> None:
    """Give the memory Python freed back to the system (glibc keeps freed heap pages mapped):
    called between a big load's sub-loads, so the next one starts from the same footprint."""
    import ctypes
    import gc

    gc.collect()
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return
    trim(0)


def connect_reader(path: Path, *, external_access: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only connection with external access off and the configuration locked.

    `external_access=True` is for the project's own fixed SQL that writes files (Parquet export).
    """
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist yet: run `mediawatch load` (or `make demo`) first")
    with database_errors(path, ANALYST if path.stem.endswith("_analyst") else WAREHOUSE):
        con = duckdb.connect(str(path), read_only=True, config=_base_config())
    if not external_access:
        con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
    return con
