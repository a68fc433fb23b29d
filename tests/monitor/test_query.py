"""The boolean query language: parsing, printing back, evaluation, and robustness on any input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediawatch.monitor.query import (
    And,
    CompiledQuery,
    Near,
    Not,
    Or,
    QueryError,
    Term,
    parse_query,
    to_query,
)


def t(*words: str) -> Term:
    return Term(words)


@pytest.mark.parametrize(
    ("query", "ast"),
    [
        ("Xiaomi", t("Xiaomi")),
        ('"Redmi Note"', t("Redmi", "Note")),
        ("a b", And((t("a"), t("b")))),
        ("a AND b OR c", Or((And((t("a"), t("b"))), t("c")))),
        ("a OR b c", Or((t("a"), And((t("b"), t("c")))))),
        ("a NOT b", And((t("a"), Not(t("b"))))),
        ("NOT a", Not(t("a"))),
        ("a AND NOT (b OR c)", And((t("a"), Not(Or((t("b"), t("c"))))))),
        ("a NEAR/5 b", Near(t("a"), t("b"), 5)),
        ('(a OR "b c") NEAR/2 d', Near(Or((t("a"), t("b", "c"))), t("d"), 2)),
        ("and or not near", And((t("and"), t("or"), t("not"), t("near")))),
        ('"NEAR" "NEAR/x" "AND"', And((t("NEAR"), t("NEAR/x"), t("AND")))),
        (
            '"Xiaomi" AND (EV OR car OR automobile) NOT "Redmi Note"',
            And((t("Xiaomi"), Or((t("EV"), t("car"), t("automobile"))), Not(t("Redmi", "Note")))),
        ),
    ],
)
def test_parse(query: str, ast) -> None:
    assert parse_query(query) == ast
    assert parse_query(to_query(ast)) == ast


@pytest.mark.parametrize(
    ("query", "position", "reason"),
    [
        ("", 0, "empty query"),
        ("a AND", 5, "query ends"),
        ('a AND "b c', 6, "unclosed quote"),
        ("(a OR b", 0, "missing closing parenthesis"),
        ("a OR b)", 6, "unmatched closing parenthesis"),
        ("a NEAR b", 2, "NEAR needs a word distance"),
        ("(a AND b) NEAR/3 c", 0, "NEAR operands"),
        ("a NEAR/2 b NEAR/3 c", 11, "cannot be chained"),
        ('a ""', 2, "empty quoted phrase"),
        ("a OR OR b", 5, "expected a word"),
        ("()", 1, "empty parentheses"),
        ("a NEAR/" + "9" * 5000 + " b", 2, "NEAR distance above"),
        ("a NEAR/1001 b", 2, "NEAR distance above"),
    ],
)
def test_errors_carry_the_position(query: str, position: int, reason: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(query)
    assert info.value.position == position
    assert reason in info.value.reason
    # the message shows the query with a caret under the offending character
    lines = str(info.value).splitlines()
    assert lines[-1].index("^") - 2 == position


@pytest.mark.parametrize(
    ("query", "text", "matched"),
    [
        ("a NEAR/2 b", "a x y b", True),
        ("a NEAR/2 b", "a x y z b", False),
        ("a NEAR/2 b", "b x a", True),  # either order
        ("a NEAR/0 b", "a b", True),
        ('"Lei Jun" NEAR/1 Xiaomi', "Xiaomi founder Lei Jun", True),
        ("Xiaomi NEAR/3 (car OR EV)", "Xiaomi has a new car", True),
        ("Xiaomi NEAR/3 (car OR EV)", "Xiaomi has a very very big new car", False),
        ("EV", "ev charging", False),  # short all-caps terms are case-sensitive
        ("car", "CAR crash", True),
        ("car", "cars", False),  # whole words only
        ('"Redmi Note"', "Redmi\n Note", True),
        ("NOT a", "b", True),
        ("a OR b NOT c", "b c", False),
        ("小米", "小米汽车", True),
    ],
)
def test_evaluate(query: str, text: str, matched: bool) -> None:
    assert CompiledQuery(query).evaluate(text) is matched


def test_trace_names_failed_clause_and_veto() -> None:
    query = CompiledQuery('"Xiaomi" AND (EV OR car) NOT "Redmi Note"')
    assert query.trace("Xiaomi phone")["failed"] == ["none of EV OR car found"]
    vetoed = query.trace("Xiaomi car and Redmi Note")
    assert vetoed["matched"] is False
    assert vetoed["failed"] == ['vetoed by NOT "Redmi Note": found "Redmi Note" at character 15']
    assert query.trace("Xiaomi car")["failed"] == []


# --- properties ------------------------------------------------------------------------------

_word = st.text(
    alphabet=st.characters(blacklist_characters='()"', blacklist_categories=("Z", "C")),
    min_size=1,
    max_size=8,
)
_term = st.lists(_word, min_size=1, max_size=3).map(lambda ws: Term(tuple(ws)))
_positional = st.one_of(_term, st.lists(_term, min_size=2, max_size=3).map(lambda c: Or(tuple(c))))
_near = st.builds(Near, _positional, _positional, st.integers(0, 20))


def _extend(children):
    return st.one_of(
        st.builds(Not, children),
        st.lists(children, min_size=2, max_size=3).map(lambda c: And(tuple(c))),
        st.lists(children, min_size=2, max_size=3).map(lambda c: Or(tuple(c))),
    )


_ast = st.recursive(st.one_of(_term, _near), _extend, max_leaves=12)


@given(_ast)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_round_trip(ast) -> None:
    assert parse_query(to_query(ast)) == ast


_query_chars = st.sampled_from(
    list('()"  ') + ["AND", "OR", "NOT", "NEAR/3", "NEAR", "NEAR/", "a", "b", "é", "小米", "\n", "*"]
)


@given(st.one_of(st.text(max_size=60), st.lists(_query_chars, max_size=25).map(" ".join)))
@settings(max_examples=500)
def test_parser_never_crashes(text: str) -> None:
    try:
        ast = parse_query(text)
    except QueryError as exc:
        assert 0 <= exc.position <= len(text)
        return
    # whatever parses prints back to the same tree and can be evaluated
    assert parse_query(to_query(ast)) == ast
    CompiledQuery(text).evaluate(text)


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(QueryError):
        parse_query("(" * 500 + "a" + ")" * 500)
    with pytest.raises(QueryError):
        parse_query("NOT " * 5000 + "a")
