"""Named report queries: one SQL file per query in `sql/reports/`, run with bound parameters.

A query names its parameters (`$date_from`, `$date_to`, or others the caller passes), or takes positional `?` parameters; values
(dates, entity names, member lists) are bound, never formatted into the SQL text, so an entity
called `x'); drop table articles;--` is just a string. One exception, `run_dated_query`, for the
queries that decide whether a report must be rebuilt at all: they take dates only, written as
`DATE 'YYYY-MM-DD'` literals from `date` objects, because binding any value makes duckdb import
pandas (half a second), and a date's ISO text is digits and dashes only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

import duckdb

from mediawatch.config import REPO_ROOT

QUERY_DIR = REPO_ROOT / "sql" / "reports"
_NAMED_PARAM = re.compile(r"\$([a-z_]+)")
# comments are stripped before looking for parameters, so a `?` in a comment is not one
_COMMENT = re.compile(r"--[^\n]*")
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


def run_query(
    con: duckdb.DuckDBPyConnection,
    name: str,
    *,
    title: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    positional: list[Any] | None = None,
    table_name: str | None = None,
    params: dict[str, Any] | None = None,
) -> Table:
    """Run a named query with its parameters bound; returns the rows as a Table."""
    sql = load_query(name)
    code = _COMMENT.sub("", sql)
    bound: list[Any] | dict[str, Any]
    if positional is not None:
        bound = list(positional)
    else:
        values = {"date_from": date_from, "date_to": date_to, **(params or {})}
        wanted = sorted(set(_NAMED_PARAM.findall(code)))
        unknown = [p for p in wanted if p not in values]
        if unknown:
            raise ValueError(f"sql/reports/{name}.sql uses parameters {unknown} that were not given; "
                             f"given: {sorted(values)}")
        bound = {p: values[p] for p in wanted}
    result = con.execute(sql, bound)
    description = result.description or []
    rows = [tuple(row) for row in result.fetchall()]
    return Table(
        name=table_name or name,
        title=title or name.replace("_", " "),
        columns=[d[0] for d in description],
        types=[str(d[1]) for d in description],
        rows=rows,
    )


def date_literal(value: date) -> str:
    """`DATE 'YYYY-MM-DD'` for a date object; anything else is refused."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"a date literal takes a datetime.date, not {type(value).__name__}")
    text = value.isoformat()
    if not _ISO_DAY.fullmatch(text):  # years past 9999 or before 1000 print otherwise
        raise ValueError(f"date {text!r} is outside the years 1000-9999")
    return f"DATE '{text}'"


def run_dated_query(con: duckdb.DuckDBPyConnection, name: str, **dates: date) -> Table:
    """Run a named query whose only parameters are dates, written into its text as DATE literals
    (no bound value, so duckdb does not import pandas)."""
    code = _COMMENT.sub("", load_query(name))
    wanted = set(_NAMED_PARAM.findall(code))
    if wanted != set(dates):
        raise ValueError(f"sql/reports/{name}.sql uses parameters {sorted(wanted)}; given {sorted(dates)}")
    if "?" in code:
        raise ValueError(f"sql/reports/{name}.sql takes positional parameters: use run_query")
    literals = {key: date_literal(value) for key, value in dates.items()}
    result = con.execute(_NAMED_PARAM.sub(lambda m: literals[m.group(1)], code))
    description = result.description or []
    return Table(name=name, title=name.replace("_", " "), columns=[d[0] for d in description],
                 types=[str(d[1]) for d in description], rows=[tuple(row) for row in result.fetchall()])
