"""Open DuckDB connections the one way this project allows.

Extensions come from the wheel packages (duckdb-extension-fts / -ducklake): nothing is downloaded at
run time, and `autoinstall_known_extensions` is off so a missing extension fails loudly instead of
reaching for the network. Reader connections (reports, analysts) also switch external access off and
lock the configuration, so SQL text cannot read files or undo those settings.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

EXTENSION_PACKAGES = {
    "fts": "duckdb_extension_fts",
    "ducklake": "duckdb_extension_ducklake",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
}


class WarehouseBusy(RuntimeError):
    """The warehouse file is held by another writer."""


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


def connect_writer(path: Path, *, fts: bool = True) -> duckdb.DuckDBPyConnection:
    """The single read-write connection (loader, quality gate). Fails fast if another writer holds it.

    `fts=False` leaves the fts extension unloaded (0.1-0.2 s), for a gate run that may find nothing
    new; it can `load_extension(con, "fts")` later on the same connection.

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
    if fts:
        load_extension(con, "fts")
    return con


def connect_reader(path: Path, *, external_access: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only connection with external access off and the configuration locked.

    `external_access=True` is for the project's own fixed SQL that writes files (Parquet export).
    """
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist yet: run `mediawatch load` (or `make demo`) first")
    with database_errors(path, ANALYST if path.stem.endswith("_analyst") else WAREHOUSE):
        con = duckdb.connect(str(path), read_only=True, config=_base_config())
    # extensions must be loaded before external access is switched off (loading reads a file)
    load_extension(con, "fts")
    if not external_access:
        con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
    return con
