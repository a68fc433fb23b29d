"""The model runner: applies sql/staging (views) and sql/marts (tables) in dependency order.

Each model file is one `select` (CTE style) named for what one row is. Its leading comment block is
its documentation: the first lines describe the table, `-- @column name: meaning` lines describe
columns. The runner stores both as DuckDB comments, so analysts see them in `duckdb_columns()`, and
`docs/warehouse.md` is generated from the same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb

from mediawatch.config import REPO_ROOT

SQL_DIR = REPO_ROOT / "sql"
LAYERS = {"staging": "view", "marts": "table"}
_COLUMN_DOC = re.compile(r"^--\s*@column\s+([a-z_][a-z0-9_]*)\s*:\s*(.+)$")
_REFERENCE = re.compile(r"\b(?:from|join)\s+(?:(staging|main)\.)?([a-z_][a-z0-9_]*)", re.I)


@dataclass
class Model:
    name: str
    layer: str
    path: Path
    sql: str
    description: str
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def qualified(self) -> str:
        return f"staging.{self.name}" if self.layer == "staging" else f"main.{self.name}"


def _parse(path: Path, layer: str) -> Model:
    text = path.read_text()
    description: list[str] = []
    columns: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        match = _COLUMN_DOC.match(line)
        if match:
            columns[match.group(1)] = match.group(2).strip()
        elif not columns:
            description.append(line.lstrip("-").strip())
    sql = text.strip().rstrip(";")
    return Model(path.stem, layer, path, sql, " ".join(d for d in description if d), columns)


def load_models(sql_dir: Path = SQL_DIR) -> list[Model]:
    """All models, in an order where each comes after the models it reads."""
    models = {}
    for layer in LAYERS:
        for path in sorted((sql_dir / layer).glob("*.sql")):
            model = _parse(path, layer)
            models[model.name] = model
    graph = {
        name: {ref for _, ref in _REFERENCE.findall(m.sql) if ref in models and ref != name}
        for name, m in models.items()
    }
    return [models[name] for name in TopologicalSorter(graph).static_order()]


def build_models(con: duckdb.DuckDBPyConnection, only: set[str] | None = None) -> list[str]:
    """(Re)build models inside the caller's transaction. Returns names built."""
    built = []
    for model in load_models():
        if only is not None and model.name not in only:
            continue
        kind = LAYERS[model.layer]
        con.execute(f"create or replace {kind} {model.qualified} as\n{model.sql}")
        if model.description:
            con.execute(f"comment on {kind} {model.qualified} is {sql_literal(model.description)}")
        for column, meaning in model.columns.items():
            con.execute(f"comment on column {model.qualified}.{column} is {sql_literal(meaning)}")
        built.append(model.name)
    return built


def sql_literal(text: str) -> str:
    """A SQL string literal (for DDL such as COMMENT ON, which takes no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def data_dictionary() -> str:
    """Markdown data dictionary generated from the model files' comment blocks."""
    lines = [
        "# Warehouse data dictionary",
        "",
        "Generated from the comment blocks of `sql/marts/*.sql` by `mediawatch docs`; do not edit by hand.",
        "Analysts query these tables in the analyst copy (see README). Staging views live in `staging`.",
        "",
    ]
    for model in load_models():
        if model.layer != "marts":
            continue
        lines += [f"## `{model.name}`", "", model.description, "", "| column | meaning |", "|---|---|"]
        lines += [f"| `{c}` | {m} |" for c, m in model.columns.items()]
        lines.append("")
    return "\n".join(lines)
