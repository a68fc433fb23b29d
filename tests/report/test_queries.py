"""Report query parameters are written into the SQL as literals made from the Python value: any text
comes back from DuckDB exactly as given (it can never close a quote), other types are refused."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mediawatch.report.queries import sql_literal, with_parameters

HOSTILE = ["x'); drop table articles;--", "a--b", "$date_from", "\\'", "''", "é ✓ 😀", "?", "\n--\n"]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def echo(con: duckdb.DuckDBPyConnection, value: object) -> object:
    row = con.execute(f"select {sql_literal(value)}").fetchone()
    assert row is not None
    return row[0]


@pytest.mark.parametrize("value", [*HOSTILE, 0, -3, 2**62, 2.5, -1e-9, True, None, date(1, 1, 1),
                                   date(2026, 11, 26), ["BYD", "x'); drop table t;--"], []])
def test_values_come_back_as_given(con: duckdb.DuckDBPyConnection, value: object) -> None:
    assert echo(con, value) == value


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_any_text_comes_back_as_given(con: duckdb.DuckDBPyConnection, text: str) -> None:
    assert echo(con, text) == text


@pytest.mark.parametrize("value", [float("nan"), float("inf"), datetime(2026, 1, 1), {"a": 1}, b"x"])
def test_other_values_are_refused(value: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        sql_literal(value)


def test_parameters_outside_comments_only_and_every_one_given() -> None:
    sql = "select $a - $b as d -- $a and ? in a comment stay\n"
    assert with_parameters(sql, {"a": 5, "b": -3}, "q") == "select (5) - (-3) as d -- $a and ? in a comment stay"
    assert duckdb.sql(with_parameters(sql, {"a": 5, "b": -3}, "q")).fetchall() == [(8,)]
    with pytest.raises(ValueError, match=r"\$b"):
        with_parameters(sql, {"a": 1}, "q")
    with pytest.raises(ValueError, match="positional"):
        with_parameters("select ?", {}, "q")
