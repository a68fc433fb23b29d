"""Open DuckDB connections the one way this project allows.

Extensions come from the wheel packages (duckdb-extension-fts / -ducklake): nothing is downloaded at
run time, and `autoinstall_known_extensions` is off so a missing extension fails loudly instead of
reaching for the network. Reader connections (reports, analysts) also switch external access off and
lock the configuration, so SQL text cannot read files or undo those settings.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import duckdb

EXTENSION_PACKAGES = {
    "fts": "duckdb_extension_fts",
    "ducklake": "duckdb_extension_ducklake",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
}


class WarehouseBusy(RuntimeError):
    """The warehouse file is held by another writer."""


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
    try:
        con = duckdb.connect(str(path), config=_base_config())
    except duckdb.IOException as exc:
        raise WarehouseBusy(
            f"cannot open {path} for writing: {exc}. Another process holds it; analysts should use "
            "the published analyst copy (mediawatch prints its path), not the warehouse file."
        ) from exc
    load_extension(con, "fts")
    return con


def connect_reader(path: Path, *, external_access: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only connection with external access off and the configuration locked.

    `external_access=True` is for the project's own fixed SQL that writes files (Parquet export).
    """
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist yet: run `mediawatch load` (or `make demo`) first")
    con = duckdb.connect(str(path), read_only=True, config=_base_config())
    # extensions must be loaded before external access is switched off (loading reads a file)
    load_extension(con, "fts")
    if not external_access:
        con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
    return con
