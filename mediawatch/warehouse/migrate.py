"""Versioned schema migrations: `sql/migrations/NNNN_name.sql`, applied once each, in order.

Only tables that hold state are migrated; models in sql/prep and sql/marts are built from them by
the build graph (a model whose SQL changed is rebuilt whole), so an existing warehouse upgrades in
place and keeps its data.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mediawatch.config import REPO_ROOT

log = logging.getLogger(__name__)
MIGRATIONS_DIR = REPO_ROOT / "sql" / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path


def available_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """All migration files, sorted by version; a badly named file is an error, not skipped."""
    found = []
    for path in sorted(folder.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(f"{path}: migration files are named NNNN_snake_name.sql")
        found.append(Migration(int(match.group(1)), match.group(2), path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"{folder}: two migrations share a version number")
    return found


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """Highest applied migration version (0 for an empty database). Works on read-only connections."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'main' and table_name = 'schema_migrations'"
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    row = con.execute("select coalesce(max(version), 0) from schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(
    con: duckdb.DuckDBPyConnection, folder: Path = MIGRATIONS_DIR, target: int | None = None
) -> list[int]:
    """Apply pending migrations (up to `target`), each in its own transaction. Returns versions applied."""
    con.execute(
        "create table if not exists schema_migrations ("
        " version integer primary key, name varchar not null, applied_at timestamptz not null)"
    )
    current = schema_version(con)
    applied = []
    for migration in available_migrations(folder):
        if migration.version <= current or (target is not None and migration.version > target):
            continue
        con.execute("begin transaction")
        try:
            con.execute(migration.path.read_text())
            con.execute(
                "insert into schema_migrations values (?, ?, now())",
                [migration.version, migration.name],
            )
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        log.info("applied migration %04d_%s", migration.version, migration.name)
        applied.append(migration.version)
    return applied
