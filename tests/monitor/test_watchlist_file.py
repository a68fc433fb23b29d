"""Loading watchlist files: the shipped one is valid; every mistake names file, entry and position."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mediawatch.monitor.watchlist import Watchlist, WatchlistError, load_watchlist, parse_watchlist


def test_shipped_watchlist_covers_the_brief(shipped: Watchlist) -> None:
    names = {e.name for e in shipped.entries}
    for name in ["Xiaomi", "BAIC", "Hyundai", "Tesla", "BYD", "Apple", "Samsung", "Huawei", "NIO",
                 "Lei Jun", "Elon Musk", "Tim Cook", "Li Auto", "XPeng", "Google", "Microsoft",
                 "Nvidia", "OpenAI", "iPhone", "Galaxy S", "SU7", "electric vehicles", "AI chips"]:
        assert name in names
    assert {e.type for e in shipped.entries} == {"company", "person", "product", "topic"}
    xiaomi = {a.text for a in shipped.entry("Xiaomi").aliases}
    assert {"Xiaomi Corporation", "Xiaomi Automobile", "Xiaomi EV", "小米"} <= xiaomi
    baic = {a.text for a in shipped.entry("BAIC").aliases}
    assert {"BAIC BluePark", "Beijing Automotive Group", "BAIC Motor"} <= baic
    china = next(s for s in shipped.competitor_sets if s.name == "EV makers China")
    assert {"BYD", "NIO", "Xiaomi", "BAIC"} <= set(china.members)


def test_all_caps_aliases_default_to_case_sensitive(shipped: Watchlist) -> None:
    cases = {a.text: a.case_sensitive for e in shipped.entries for a in e.aliases}
    assert cases["NIO"] and cases["BYD"] and cases["BAIC"]
    assert not cases["Xiaomi"] and not cases["Hyundai Motor"] and not cases["XPeng"]


def test_fingerprint_changes_with_content(write_watchlist) -> None:
    base = "entities:\n  - {name: BYD, type: company}\n"
    one = load_watchlist(write_watchlist(base, "a.yaml"))
    same = load_watchlist(write_watchlist(base, "b.yaml"))
    other = load_watchlist(write_watchlist(base + "  - {name: NIO, type: company}\n", "c.yaml"))
    assert one.fingerprint == same.fingerprint != other.fingerprint


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("entities:\n  - {name: BYD, type: company, alias: [x]}\n", "entry #1 'BYD': unknown key 'alias'"),
        ("entities:\n  - {name: BYD, type: company}\n  - {name: byd, type: company}\n",
         "entry #2 'byd': duplicate name"),
        ("entities:\n  - {name: BYD, type: company, aliases: ['']}\n", "entry #1 'BYD': alias #1: empty alias"),
        ("entities:\n  - {name: BYD, type: company, aliases: []}\n", "entry #1 'BYD': 'aliases' is empty"),
        ("entities:\n  - {name: BYD, type: carmaker}\n", "entry #1 'BYD': 'type' must be one of"),
        ("entities:\n  - {name: BYD, type: company}\n  - {name: Build Your Dreams, type: company, aliases: [BYD]}\n",
         "alias 'BYD' is already used by 'BYD'"),
        ("entities:\n  - {name: BYD, type: company, aliases: [{text: x, case: true}]}\n",
         "entry #1 'BYD': alias #1: unknown key 'case'"),
        ("entities:\n  - {name: BYD, type: company}\ncompetitor_sets:\n  - {name: EV, members: [BYD, NIO]}\n",
         "competitor set #1 'EV': member 'NIO' is not an entity name"),
        ("entities:\n  - {name: BYD, type: company}\nwatch: []\n", "top level: unknown key 'watch'"),
        ("entities: []\n", "'entities' must be a non-empty list"),
        ("entities:\n  - {name: BYD, type: company\n", "not valid YAML"),
    ],
)
def test_errors_name_file_and_entry(write_watchlist, text: str, expected: str) -> None:
    path = write_watchlist(text)
    with pytest.raises(WatchlistError) as info:
        load_watchlist(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert expected in message


def test_yaml_syntax_error_has_line(write_watchlist) -> None:
    path = write_watchlist("entities:\n  - name: BYD\n    type: company\n   bad: [\n")
    with pytest.raises(WatchlistError, match=r"line \d+ column \d+"):
        load_watchlist(path)


def test_query_error_points_at_the_character(write_watchlist) -> None:
    path = write_watchlist(
        "entities:\n"
        "  - name: Xiaomi\n"
        "    type: company\n"
        "    query: 'Xiaomi AND (EV OR car'\n"
    )
    with pytest.raises(WatchlistError) as info:
        load_watchlist(path)
    lines = str(info.value).splitlines()
    assert lines[0] == (
        f"{path}: entry #1 'Xiaomi': query: missing closing parenthesis for the one opened at character 12"
    )
    assert lines[1] == "  Xiaomi AND (EV OR car"
    assert lines[2] == "  " + " " * 11 + "^"


def test_missing_file_says_what_to_do(tmp_path) -> None:
    with pytest.raises(WatchlistError, match="cannot read the watchlist.*MEDIAWATCH_WATCHLIST"):
        load_watchlist(tmp_path / "nope.yaml")


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from(
    ["", "BYD", "company", "topic", "NIO AND (", "a NEAR/3 b", "x", "name", "aliases", "query"]
))
_keys = st.sampled_from(["entities", "competitor_sets", "name", "type", "aliases", "case_sensitive",
                         "query", "text", "members", "description", "oops"])
_data = st.recursive(_scalars, lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(_keys, c, max_size=5)),
                     max_leaves=25)


@given(_data)
@settings(max_examples=300)
def test_any_document_loads_or_raises_watchlist_error(data) -> None:
    try:
        watchlist = parse_watchlist(data, "fuzz.yaml")
    except WatchlistError as exc:
        assert str(exc).startswith("fuzz.yaml")
        return
    assert watchlist.entries
    watchlist.find_mentions("BYD x", "NIO a b")
