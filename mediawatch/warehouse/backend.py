"""Where the warehouse lives: one DuckDB file (default) or a DuckLake, chosen by configuration.

- `MEDIAWATCH_WAREHOUSE_BACKEND=duckdb` (default): `Paths.warehouse` is the DuckDB file; one writer.
- `MEDIAWATCH_WAREHOUSE_BACKEND=ducklake`: a DuckLake with its catalog in PostgreSQL
  (`MEDIAWATCH_DUCKLAKE_CATALOG`, a libpq string such as "dbname=lake host=127.0.0.1 port=55432
  user=mediawatch"; the password comes from ~/.pgpass or PGPASSFILE) and its Parquet files in
  `MEDIAWATCH_DUCKLAKE_DATA` (a folder every worker mounts; stands in for object storage). Many
  processes on many machines can write it at once: each commit is checked against the commits made
  since its snapshot, and a conflicting one fails (then it is retried), never duplicates.

Every difference between the two is in this module. The rest of the code writes DuckDB SQL against
`raw.*`, `analysis.*`, `prep.*`, `meta.*` and `main.*`; a lake session `USE`s the lake, so those names
resolve there, and `LakeConnection` translates the few statements DuckLake lacks:

| DuckDB                                   | DuckLake (no primary keys, unique constraints, indexes) |
|------------------------------------------|---------------------------------------------------------|
| `create table (... primary key ...)`     | the same table without the constraint                   |
| `insert or ignore` / `on conflict do nothing` | anti-join insert on the table's key (from sql/migrations) |
| `insert ... on conflict (k) do update`   | delete the rows with those keys, then insert (replace)  |
| `delete ... returning cols`              | `select cols ...` then the delete, same transaction     |
| `checkpoint`                             | nothing: lake maintenance is a separate, scheduled job  |
| `rollback` after a failed commit         | nothing (the failed commit has ended the transaction)   |

Keys are still unique on the lake because each writer that relies on them also calls `guard()` in
its transaction (see there). Analysts read the lake through `connect_reader()` (read-only).
"""

from __future__ import annotations

import logging
import os
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from mediawatch.config import REPO_ROOT

log = logging.getLogger(__name__)
T = TypeVar("T")
BACKEND_ENV = "MEDIAWATCH_WAREHOUSE_BACKEND"
CATALOG_ENV = "MEDIAWATCH_DUCKLAKE_CATALOG"
DATA_ENV = "MEDIAWATCH_DUCKLAKE_DATA"
LAKE = "lake"  # the lake's database name inside a session
MIGRATIONS_DIR = REPO_ROOT / "sql" / "migrations"


@dataclass(frozen=True)
class Backend:
    """The configured warehouse backend."""

    name: str
    catalog: str = ""
    data_path: Path | None = None

    @property
    def is_lake(self) -> bool:
        return self.name == "ducklake"

    def attach_sql(self, *, read_only: bool = False) -> str:
        """The ATTACH statement for the lake (after `LOAD ducklake; LOAD postgres_scanner;`)."""
        options = [f"data_path {_literal(str(self.data_path) + os.sep)}"]
        if read_only:
            options.append("read_only")
        return f"attach {_literal('ducklake:postgres:' + self.catalog)} as {LAKE} ({', '.join(options)})"


def current() -> Backend:
    """The backend the environment selects; a bad setting is an error that says how to fix it."""
    name = (os.environ.get(BACKEND_ENV) or "duckdb").strip().lower()
    if name == "duckdb":
        return Backend("duckdb")
    if name != "ducklake":
        raise ValueError(f"{BACKEND_ENV}={name!r}: use 'duckdb' (the default) or 'ducklake'")
    catalog = os.environ.get(CATALOG_ENV, "").strip()
    data = os.environ.get(DATA_ENV, "").strip()
    if not catalog or not data:
        raise ValueError(
            f"{BACKEND_ENV}=ducklake needs {CATALOG_ENV} (libpq string of the PostgreSQL catalog, e.g. "
            f"'dbname=lake host=127.0.0.1 port=55432 user=mediawatch') and {DATA_ENV} (shared data folder)"
        )
    return Backend("ducklake", catalog, Path(data).expanduser().resolve())


# --- sessions ---------------------------------------------------------------------------------------


def _open_lake(backend: Backend, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    from mediawatch.warehouse.db import load_extension

    assert backend.data_path is not None
    if not read_only:
        backend.data_path.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        ":memory:", config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    for extension in ("ducklake", "postgres_scanner"):
        load_extension(con, extension)
    for attempt in range(1, 4):
        try:
            con.execute(backend.attach_sql(read_only=read_only))
            break
        except duckdb.Error as exc:
            # two processes attaching an empty catalog both create its tables: one loses, retries
            if attempt < 3 and "Failed to initialize DuckLake" in str(exc):
                time.sleep(random.uniform(0.5, 1.5))
                continue
            con.close()
            raise ConnectionError(
                f"cannot attach the DuckLake (catalog {backend.catalog!r}, data {backend.data_path}): {exc}. "
                "Is PostgreSQL running (make up-distributed) and its password in PGPASSFILE / ~/.pgpass?"
            ) from exc
    con.execute(f"use {LAKE}")
    return con


def connect_lake_writer(warehouse: Path) -> LakeConnection:
    """A read-write lake session. `warehouse` (the DuckDB file path) only marks the data folder:
    an empty file is left there so code that checks for the warehouse's existence finds it."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    warehouse.touch(exist_ok=True)
    return LakeConnection(_open_lake(current(), read_only=False))


def init_lake(warehouse: Path) -> list[int]:
    """Create the lake's catalog tables and apply the migrations (once, before workers start)."""
    from mediawatch.warehouse.migrate import migrate

    con = connect_lake_writer(warehouse)
    try:
        return retry_conflicts(lambda: migrate(con))  # type: ignore[arg-type]
    finally:
        con.close()


def connect_reader() -> duckdb.DuckDBPyConnection:
    """The analyst's view of the lake: read-only, file access limited to the lake's data folder,
    configuration locked. Full-text search is not available here (use the analyst copy)."""
    backend = current()
    if not backend.is_lake:
        raise ValueError(f"connect_reader() reads a DuckLake; set {BACKEND_ENV}=ducklake (and the catalog)")
    con = _open_lake(backend, read_only=True)
    con.execute("set allowed_directories = ?", [[str(backend.data_path) + os.sep]])
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
    return con


# --- concurrency --------------------------------------------------------------------------------------


def guard(con: Any, name: str) -> None:
    """Make concurrent transactions that write `name`'s tables conflict (call inside the transaction).

    DuckLake lets two concurrent appends to one table both commit, so two loaders that both saw a
    staging file as new would both load it. Each such transaction also updates a one-row guard
    table; DuckLake rejects the second of two concurrent updates of one table, so the loser's whole
    transaction fails and is retried on a fresh snapshot, where it sees the winner's rows. A no-op on
    a DuckDB file, which has one writer at a time.
    """
    if not isinstance(con, LakeConnection):
        return
    table = f"raw.guard_{name}"
    con.execute(f"create table if not exists {table} (commits bigint not null)")
    row = con.execute(f"update {table} set commits = commits + 1").fetchone()
    if not row or not row[0]:
        con.execute(f"insert into {table} values (1)")


def is_conflict(exc: BaseException) -> bool:
    """A DuckLake commit that lost against a concurrent one (safe to retry on a new snapshot)."""
    text = str(exc)
    if isinstance(exc, duckdb.CatalogException) and "already exists" in text:
        # two first-time migrations on a lake: the one that read the older schema version loses
        return current().is_lake
    return isinstance(exc, duckdb.Error) and (
        "Failed to commit DuckLake transaction" in text or "Transaction conflict" in text
    )


def retry_conflicts(step: Callable[[], T], attempts: int = 6) -> T:
    """Run `step`, again after a short random pause while it loses commit conflicts to other writers.

    `step` must be idempotent (the loader is: files are claimed once, analysis picks up what is new).
    """
    for attempt in range(1, attempts + 1):
        try:
            return step()
        except duckdb.Error as exc:
            if attempt == attempts or not is_conflict(exc):
                raise
            pause = random.uniform(0.2, 1.0) * attempt
            log.warning("commit conflict with another writer (attempt %d), retrying in %.1f s", attempt, pause)
            time.sleep(pause)
    raise AssertionError("unreachable")


def rollback(con: Any) -> None:
    """Roll back if a transaction is still open (a failed lake commit has already ended it)."""
    try:
        con.execute("rollback")
    except duckdb.TransactionException:
        pass


# --- the dialect --------------------------------------------------------------------------------------

_CREATE = re.compile(r"create\s+table\s+(?:if\s+not\s+exists\s+)?([\w.]+)\s*\((.*?)\);", re.I | re.S)
_TABLE_PK = re.compile(r",\s*primary\s+key\s*\(([^)]*)\)", re.I)
_INLINE_PK = re.compile(r"^\s*(\w+)\s[^,\n]*?\bprimary\s+key\b", re.I | re.M)
_INSERT_IGNORE = re.compile(r"^\s*insert\s+or\s+ignore\s+into\s+([\w.]+)\s*(.*)$", re.I | re.S)
_ON_CONFLICT = re.compile(
    r"^\s*insert\s+into\s+([\w.]+)\s*(.*?)\s+on\s+conflict\s*(?:\([^)]*\))?\s*do\s+(nothing|update\s+set\s+.*)$",
    re.I | re.S,
)
_DELETE_RETURNING = re.compile(r"^\s*delete\s+from\s+([\w.]+)\s+(where\s+.*?)\s+returning\s+(.*)$", re.I | re.S)
_COLUMN_LIST = re.compile(r"^\(([\w\s,]+)\)\s*(.*)$", re.S)


def adapt_ddl(sql: str) -> str:
    """DDL for DuckLake: the same tables without primary key / unique constraints."""
    sql = _TABLE_PK.sub("", sql)
    sql = re.sub(r"\s+primary\s+key\b", "", sql, flags=re.I)
    return re.sub(r"\s+unique\b(?!\s*\()", "", sql, flags=re.I)


def table_keys(folder: Path = MIGRATIONS_DIR) -> dict[str, list[str]]:
    """Primary keys declared in the migrations (`schema.table` -> columns): the keys the lake's
    translated inserts keep unique."""
    keys: dict[str, list[str]] = {"main.schema_migrations": ["version"]}
    for path in sorted(folder.glob("*.sql")):
        for name, body in _CREATE.findall(path.read_text()):
            qualified = name.lower() if "." in name else f"main.{name.lower()}"
            table_pk = _TABLE_PK.search(body)
            inline = _INLINE_PK.search(body)
            if table_pk:
                keys[qualified] = [c.strip().lower() for c in table_pk.group(1).split(",")]
            elif inline:
                keys[qualified] = [inline.group(1).lower()]
    return keys


class LakeConnection:
    """A DuckDB connection to the lake that translates the DuckDB-only statements (table above).

    Everything else is passed through unchanged; `execute` returns this object, like DuckDB's
    connection does, so `con.execute(...).fetchall()` reads as usual.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self._keys = table_keys()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def __enter__(self) -> LakeConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self._con.close()

    def execute(self, query: str, parameters: Any = None) -> Any:
        returning = _DELETE_RETURNING.match(query.strip().rstrip(";"))
        if returning:  # read the rows first, in the same transaction, then delete them
            table, where, columns = returning.groups()
            rows = _Rows(self._con.execute(f"select {columns} from {table} {where}", parameters))
            self._con.execute(f"delete from {table} {where}", parameters)
            return rows
        if query.strip().rstrip(";").lower() in ("rollback", "abort"):
            rollback(self._con)  # a lake commit that lost a conflict has already ended its transaction
            return self
        for statement, params in self._translate(query, parameters):
            self._con.execute(statement, params)
        return self

    def executemany(self, query: str, parameters: Any = None) -> LakeConnection:
        translated = self._translate(query, None)
        if len(translated) == 1 and translated[0][0] == query:
            self._con.executemany(query, parameters)
        else:  # translated inserts run once per parameter row
            for params in parameters or []:
                self.execute(query, params)
        return self

    def _translate(self, query: str, params: Any) -> list[tuple[str, Any]]:
        text = query.strip().rstrip(";")
        if text.lower() == "checkpoint":
            return []
        if re.match(r"^\s*(create|alter)\s+table\b", text, re.I) or ";" in text:
            return [(adapt_ddl(query), params)]
        ignore = _INSERT_IGNORE.match(text)
        if ignore:
            return [(self._anti_join_insert(ignore.group(1), ignore.group(2)), params)]
        conflict = _ON_CONFLICT.match(text)
        if conflict:
            table, rest, action = conflict.groups()
            if action.lower() == "nothing":
                return [(self._anti_join_insert(table, rest), params)]
            return self._replace(table, rest, params)
        return [(query, params)]

    def _columns_and_source(self, table: str, rest: str) -> tuple[list[str], str]:
        listed = _COLUMN_LIST.match(rest.strip())
        if listed:
            return [c.strip() for c in listed.group(1).split(",")], listed.group(2)
        schema, _, name = table.rpartition(".")
        rows = self._con.execute(
            "select column_name from duckdb_columns() where database_name = ? and schema_name = ? "
            "and table_name = ? order by column_index",
            [LAKE, schema or "main", name],
        ).fetchall()
        return [r[0] for r in rows], rest

    def _key(self, table: str) -> list[str]:
        qualified = table.lower() if "." in table else f"main.{table.lower()}"
        if qualified not in self._keys:
            raise ValueError(f"{table} has no primary key in sql/migrations: cannot translate its upsert")
        return self._keys[qualified]

    def _anti_join_insert(self, table: str, rest: str) -> str:
        columns, source = self._columns_and_source(table, rest)
        key = self._key(table)
        names = ", ".join(columns)
        match = " and ".join(f"existing.{k} = incoming.{k}" for k in key)
        # `values (...)` or a select, both usable as a subquery; duplicates within it keep the first
        return (
            f"insert into {table} ({names}) select {names} from ({source}) as incoming({names}) "
            f"where not exists (select 1 from {table} as existing where {match}) "
            f"qualify row_number() over (partition by {', '.join(key)}) = 1"
        )

    def _replace(self, table: str, rest: str, params: Any) -> list[tuple[str, Any]]:
        """`on conflict do update` as delete + insert: the project's upserts set every column they
        change from the new row, and the columns they leave out are reset to null by the insert."""
        columns, source = self._columns_and_source(table, rest)
        key = self._key(table)
        names = ", ".join(columns)
        match = " and ".join(f"{table}.{k} = incoming.{k}" for k in key)
        delete = f"delete from {table} where exists (select 1 from ({source}) as incoming({names}) where {match})"
        insert = f"insert into {table} ({names}) {source}"
        return [(delete, params), (insert, params)]


class _Rows:
    """The rows a translated `delete ... returning` read, served like a DuckDB result."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self.description = cursor.description
        self._rows = cursor.fetchall()

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows, []
        return rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows.pop(0) if self._rows else None


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
