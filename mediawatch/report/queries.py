"""Named report queries: one SQL file per query in `sql/reports/`, values passed as inert literals.

A query names its parameters (`$date_from`, `$date_to`, or others the caller passes). Each value is
written into the SQL as a typed literal made here from the Python value, never from text the value
could close: dates as `DATE 'YYYY-MM-DD'` (digits and dashes), integers and finite floats as numbers,
strings as the hex digits of their UTF-8 bytes decoded in SQL (`decode(from_hex('…'))`), lists
element by element, each literal in parentheses. So an entity called `x'); drop table articles;--`
is just a string. Values are not bound through duckdb because binding any Python value makes it
import pandas (half a second, a third of a report), which nothing else in a report needs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

import duckdb

from mediawatch.config import REPO_ROOT

QUERY_DIR = REPO_ROOT / "sql" / "reports"
_NAMED_PARAM = re.compile(r"\$([a-z_]+)")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Table:
    """A query result as the report shows it: a file name, a title, column names and rows."""

    name: str
    title: str
    columns: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]]

    def column(self, name: str) -> list[Any]:
        """All values of one column."""
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@cache
def load_query(name: str) -> str:
    """The SQL text of `sql/reports/<name>.sql`."""
    path = QUERY_DIR / f"{name}.sql"
    if not path.exists():
        raise FileNotFoundError(f"report query {path} is missing: every report query lives in sql/reports/")
    return path.read_text(encoding="utf-8")


def sql_literal(value: Any) -> str:
    """The SQL literal of a date, number, string, boolean, None or list of them; anything else is refused."""
    if value is None:
        return "(null)"
    if isinstance(value, bool):
        return "(true)" if value else "(false)"
    if isinstance(value, int):
        return f"({int(value)})"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"a report parameter must be a finite number, not {value!r}")
        return f"(cast({float(value)!r} as double))"
    if isinstance(value, datetime):
        raise TypeError("report parameters are days, not times: pass a datetime.date")
    if isinstance(value, date):
        text = value.isoformat()
        if not _ISO_DAY.fullmatch(text):
            raise ValueError(f"date {text!r} is not YYYY-MM-DD")
        return f"(DATE '{text}')"
    if isinstance(value, str):
        return f"(decode(from_hex('{value.encode('utf-8').hex()}')))"
    if isinstance(value, (list, tuple)):
        return "([" + ", ".join(sql_literal(v) for v in value) + "])"
    raise TypeError(f"a report parameter cannot be a {type(value).__name__}")


def with_parameters(sql: str, values: dict[str, Any], name: str) -> str:
    """`sql` with each `$name` outside comments replaced by the literal of its value."""
    lines = []
    for line in sql.splitlines():
        code, dash, comment = line.partition("--")
        for wanted in _NAMED_PARAM.findall(code):
            if wanted not in values:
                raise ValueError(f"sql/reports/{name}.sql uses parameter ${wanted}, which was not given; "
                                 f"given: {sorted(values)}")
        if "?" in code:
            raise ValueError(f"sql/reports/{name}.sql has a positional ? parameter: name it ($name)")
        lines.append(_NAMED_PARAM.sub(lambda m: sql_literal(values[m.group(1)]), code) + dash + comment)
    return "\n".join(lines)


def run_query(
    con: duckdb.DuckDBPyConnection,
    name: str,
    *,
    title: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    table_name: str | None = None,
    params: dict[str, Any] | None = None,
) -> Table:
    """Run a named query with its parameters as literals; returns the rows as a Table."""
    values = {"date_from": date_from, "date_to": date_to, **(params or {})}
    result = con.execute(with_parameters(load_query(name), values, name))
    description = result.description or []
    rows = [tuple(row) for row in result.fetchall()]
    return Table(
        name=table_name or name,
        title=title or name.replace("_", " "),
        columns=[d[0] for d in description],
        types=[str(d[1]) for d in description],
        rows=rows,
    )
