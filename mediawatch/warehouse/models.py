"""The SQL models: sql/prep (views) and sql/marts (tables), one `select` per file.

Each model file is one `select` (CTE style) named for what one row is. Its leading comment block is
its documentation: the first lines describe the table, `-- @column name: meaning` lines describe
columns, and a mart may declare how it is kept current (contract of issue 15):

- `-- @materialized incremental key=<column>`: rows are replaced per changed key value; the SQL reads
  only the keys in the temp table `changed_keys` (one column `key`) that the runner fills;
- `-- @materialized table` (the default for marts): rebuilt whole when an input changed.

The runner (mediawatch.warehouse.build) stores descriptions as DuckDB comments, so analysts see them
in `duckdb_columns()`, and `docs/warehouse.md` is generated from the same text.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from mediawatch.config import REPO_ROOT

SQL_DIR = REPO_ROOT / "sql"
# layer folder -> (schema, relation kind); prep views only rename, cast and deduplicate raw rows
LAYERS = {"prep": ("prep", "view"), "marts": ("main", "table")}
VIEW, TABLE, INCREMENTAL = "view", "table", "incremental"
_COLUMN_DOC = re.compile(r"^--\s*@column\s+([a-z_][a-z0-9_]*)\s*:\s*(.+)$")
_MATERIALIZED = re.compile(r"^--\s*@materialized\s+(table|incremental)(?:\s+key=([a-z_][a-z0-9_]*))?\s*$")
_REFERENCE = re.compile(r"\b(?:from|join)\s+(?:([a-z_]+)\.)?([a-z_][a-z0-9_]*)", re.I)
CHANGED_KEYS = "changed_keys"


@dataclass
class Model:
    name: str
    layer: str
    path: Path
    sql: str
    description: str
    columns: dict[str, str] = field(default_factory=dict)
    kind: str = TABLE
    key: str | None = None
    # relations the SQL reads, schema-qualified (`main.articles`, `raw.pages`, `analysis.mentions`)
    reads: set[str] = field(default_factory=set)

    @property
    def schema(self) -> str:
        return LAYERS[self.layer][0]

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def sql_hash(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]


def _parse(path: Path, layer: str) -> Model:
    text = path.read_text()
    description: list[str] = []
    columns: dict[str, str] = {}
    kind, key = LAYERS[layer][1], None
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        materialized = _MATERIALIZED.match(line)
        column = _COLUMN_DOC.match(line)
        if materialized:
            if layer != "marts":
                raise ValueError(f"{path}: only marts declare @materialized (prep models are views)")
            kind, key = materialized.group(1), materialized.group(2)
            if (kind == INCREMENTAL) != (key is not None):
                raise ValueError(f"{path}: write `@materialized incremental key=<column>` or `@materialized table`")
        elif column:
            columns[column.group(1)] = column.group(2).strip()
        elif not columns:
            description.append(line.lstrip("-").strip())
    sql = text.strip().rstrip(";")
    if kind == INCREMENTAL and CHANGED_KEYS not in sql:
        raise ValueError(f"{path}: an incremental model must restrict itself to `{CHANGED_KEYS}`")
    reads = {
        f"{(schema or 'main').lower()}.{name.lower()}"
        for schema, name in _REFERENCE.findall(sql)
        if name.lower() != CHANGED_KEYS
    }
    return Model(path.stem, layer, path, sql, " ".join(d for d in description if d), columns,
                 kind, key, reads)


def load_models(sql_dir: Path = SQL_DIR) -> list[Model]:
    """All SQL models (prep views first, then marts), sorted by name within a layer."""
    models = []
    for layer in LAYERS:
        models += [_parse(path, layer) for path in sorted((sql_dir / layer).glob("*.sql"))]
    return models


def sql_literal(text: str) -> str:
    """A SQL string literal: for DDL such as COMMENT ON, which takes no parameters, and for the
    statements that bind no Python values (duckdb imports pandas to bind the first one)."""
    return "'" + text.replace("'", "''") + "'"


MAX_LITERAL_KEYS = 20_000


def key_list(con: Any, table: str, column: str) -> str:
    """`(k1, k2, ...)`: the distinct text values of `table.column` as string literals, for a filter
    `x in <this>`; `(select column from table)` instead when they are too many, not text, or null.

    The same rows either way; the difference is where DuckDB applies the filter. A constant list
    is pushed into the table scan (and through windows partitioned by the key, like the prep view's
    first-fetch window), so a build reads the rows of the changed articles only. A subquery is a
    semi join applied after the scan (and after such a window), so every stored row is read first:
    cost following the history, not the load (1.4 s against 0.3 s for 2,000 of 200,000 articles)."""
    subquery = f"(select {column} from {table})"
    row = con.execute(
        f"select count(distinct {column}), count(*) filter ({column} is null), "
        f"bool_and(typeof({column}) = 'VARCHAR') from {table}"
    ).fetchone()
    if not row or not row[0] or row[0] > MAX_LITERAL_KEYS or row[1] or not row[2]:
        return subquery
    keys = con.execute(f"select distinct {column} from {table}").fetchall()
    return "(" + ", ".join(sql_literal(k) for (k,) in keys) + ")"


def in_stored_rows(con: Any, table: str, condition: str, span: str | None = None) -> str | None:
    """`condition` (a filter on `table`, e.g. `article_id in (...)`) narrowed to the span of row ids
    of the rows it matches, or None when no row matches.

    DuckDB applies a long key list after the scan (a mark join), so `select *` with it reads every
    stored row's wide columns (4.4 s for 10,000 of 1M article versions). A row-id range is applied
    in the scan: the rows of a load's new articles were appended last, so only the last row groups
    are read (0.1 s). The span is looked up with the key column alone, in the same transaction the
    caller reads in, unless `span` gives it (a query of one row: the first and last row id of the
    matching rows, read from a smaller table that lists them). DuckLake tables get the condition
    as it is."""
    from mediawatch.warehouse import backend

    if backend.current().is_lake:
        return condition
    row = con.execute(span or f"select min(rowid), max(rowid) from {table} where {condition}").fetchone()
    if not row or row[0] is None:
        return None
    return f"rowid between {int(row[0])} and {int(row[1])} and ({condition})"


PAGES_FROM = "mediawatch_pages_from"


@contextmanager
def pages_of(con: Any, article_ids: str) -> Iterator[None]:
    """Within this block, `prep.prep_article_versions` reads only the raw pages from the first row
    id of any page of the articles `article_ids` (a key list, or a subquery of article ids) onwards.

    Every page of those articles is in that span (the view's windows, partitioned by article, stay
    whole), so a model or query filtering the view by those articles gets the same rows; but DuckDB
    reads the span alone instead of every stored page's body before the key filter (0.18 against
    2.19 CPU-s for 10,000 new among 1M articles). Outside the block the variable is unset and the
    view reads everything. DuckLake tables get no span."""
    from mediawatch.warehouse import backend

    row = None
    if not backend.current().is_lake:
        row = con.execute(f"select min(rowid) from raw.pages where article_id in {article_ids}").fetchone()
    if not row or row[0] is None:
        yield
        return
    con.execute(f"set variable {PAGES_FROM} = {int(row[0])}")
    try:
        yield
    except BaseException:
        # the block failed: in an aborted transaction the reset fails too, and must not replace
        # the real error (out of memory, say) with "Current transaction is aborted". The variable
        # then stays set on this connection, which its callers close after an error (the next
        # block on it sets the variable anew)
        with contextlib.suppress(duckdb.Error):
            con.execute(f"reset variable {PAGES_FROM}")
        raise
    con.execute(f"reset variable {PAGES_FROM}")


def data_dictionary() -> str:
    """Markdown data dictionary generated from the model files' comment blocks."""
    lines = [
        "# Warehouse data dictionary",
        "",
        "Generated from the comment blocks of `sql/marts/*.sql` by `mediawatch docs`; do not edit by hand.",
        "Analysts query these tables in the analyst copy (see README). Prep views live in `prep`.",
        "",
    ]
    for model in load_models():
        if model.layer != "marts":
            continue
        kept = (f"incremental: rows replaced per changed `{model.key}`" if model.kind == INCREMENTAL
                else "rebuilt whole when an input changed")
        lines += [f"## `{model.name}`", "", model.description, "", f"Kept current: {kept}.", "",
                  "| column | meaning |", "|---|---|"]
        lines += [f"| `{c}` | {m} |" for c, m in model.columns.items()]
        lines.append("")
    return "\n".join(lines)
