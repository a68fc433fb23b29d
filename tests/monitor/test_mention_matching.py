"""Mention precision and recall on hand-written, hand-labelled texts, against the shipped watchlist
and a small watchlist with boolean queries."""

from __future__ import annotations

import pytest

from mediawatch.monitor.watchlist import Watchlist, load_watchlist

# (text, expected mentions as (entity, matched_text) in text order), labelled by hand
LABELLED = [
    (
        "Xiaomi Corporation reported record revenue as the Xiaomi SU7 sold 10,000 units.",
        [("Xiaomi", "Xiaomi Corporation"), ("Xiaomi", "Xiaomi"), ("SU7", "SU7")],
    ),
    ("An onion, a union and a bionic arm: none of these is NIO.", [("NIO", "NIO")]),
    ("Nio shares fell while onions got cheaper.", []),
    ("The word byd is not a carmaker, but BYD's Seal outsold Tesla's Model 3.",
     [("BYD", "BYD"), ("Tesla", "Tesla"), ("Model 3", "Model 3")]),
    ("Samsung Electronics and Samsung unveiled the Galaxy S25 Ultra.",
     [("Samsung", "Samsung Electronics"), ("Samsung", "Samsung"), ("Galaxy S", "Galaxy S25 Ultra")]),
    ("小米汽车和比亚迪在竞争。", [("Xiaomi", "小米"), ("BYD", "比亚迪")]),
    ("Apple said iPhone sales rose; iPhones now ship with USB-C.",
     [("Apple", "Apple"), ("iPhone", "iPhone"), ("iPhone", "iPhones")]),
    ("Teslas everywhere, and Microsoft's cloud grew.", [("Microsoft", "Microsoft")]),
    ("Elon Musk tweeted. Later Musk deleted it.", [("Elon Musk", "Elon Musk"), ("Elon Musk", "Musk")]),
    ("Li Auto and XPENG cut prices; XPeng Motors followed.",
     [("Li Auto", "Li Auto"), ("XPeng", "XPENG"), ("XPeng", "XPeng Motors")]),
    ("Beijing Automotive Group (BAIC) said BAIC BluePark will grow. Baic is not it.",
     [("BAIC", "Beijing Automotive Group"), ("BAIC", "BAIC"), ("BAIC", "BAIC BluePark")]),
    ("Nvidia GPUs power AI training.", [("Nvidia", "Nvidia"), ("AI chips", "GPUs")]),
    ("Two GPUs in this gaming laptop review.", []),
    ("EV sales rose, and ev is just two letters; electric vehicles too.",
     [("electric vehicles", "EV"), ("electric vehicles", "electric vehicles")]),
    ("Its self-driving stack and robotaxis.",
     [("autonomous driving", "self-driving"), ("autonomous driving", "robotaxis")]),
    ("Apple pie recipes from the orchard.", []),
    ("Tim\n  Cook spoke.", [("Tim Cook", "Tim\n  Cook")]),
    ("Googleplex and Googled are not Google.", [("Google", "Google")]),
]


def _pairs(watchlist: Watchlist, text: str) -> list[tuple[str, str]]:
    return [(m.entity, m.matched_text) for m in watchlist.find_mentions(None, text)]


def test_precision_and_recall_on_labelled_texts(shipped: Watchlist) -> None:
    tp = fp = fn = 0
    wrong = []
    for text, expected in LABELLED:
        found = _pairs(shipped, text)
        remaining = list(expected)
        for pair in found:
            if pair in remaining:
                remaining.remove(pair)
                tp += 1
            else:
                fp += 1
        fn += len(remaining)
        if found != expected:
            wrong.append((text, found, expected))
    assert not wrong, wrong
    assert tp == sum(len(e) for _, e in LABELLED) and fp == 0 and fn == 0


@pytest.mark.parametrize(("text", "expected"), LABELLED)
def test_each_labelled_text(shipped: Watchlist, text: str, expected: list[tuple[str, str]]) -> None:
    assert _pairs(shipped, text) == expected


def test_offsets_field_and_snippet(shipped: Watchlist) -> None:
    title = "Xiaomi beats Tesla"
    body = "Sales were flat in May. Dr. Lei Jun said Xiaomi Automobile will expand. Nothing else."
    mentions = shipped.find_mentions(title, body)
    assert [(m.field, m.entity) for m in mentions] == [
        ("title", "Xiaomi"),
        ("title", "Tesla"),
        ("body", "Lei Jun"),
        ("body", "Xiaomi"),
    ]
    for m in mentions:
        text = title if m.field == "title" else body
        assert text[m.start : m.end] == m.matched_text
    assert mentions[3].matched_text == "Xiaomi Automobile"
    # the abbreviation "Dr." does not end the sentence
    assert mentions[3].snippet == "Dr. Lei Jun said Xiaomi Automobile will expand."
    assert mentions[0].entity_type == "company" and mentions[2].entity_type == "person"


def test_snippet_of_a_long_sentence_is_cut_around_the_match(shipped: Watchlist) -> None:
    body = "word " * 200 + "then BYD appears " + "more " * 200 + "end."
    (mention,) = shipped.find_mentions(None, body)
    assert len(mention.snippet) <= 300
    assert "BYD" in mention.snippet
    assert mention.snippet.startswith("…") and mention.snippet.endswith("…")


def test_order_is_deterministic(shipped: Watchlist) -> None:
    text = " ".join(t for t, _ in LABELLED)
    assert shipped.find_mentions("BYD", text) == shipped.find_mentions("BYD", text)


QUERY_WATCHLIST = """
entities:
  - name: Xiaomi
    type: company
    aliases: [Xiaomi Corporation, Xiaomi Automobile]
    query: '"Xiaomi" AND (EV OR car OR automobile) NOT "Redmi Note"'
  - name: Lei Jun
    type: person
    query: '"Lei Jun" NEAR/5 (Xiaomi OR SU7)'
  - name: Nio brand
    type: company
    case_sensitive: false
    aliases: [NIO, {text: "Nio Inc", case_sensitive: true}]
"""


@pytest.fixture
def query_watchlist(write_watchlist) -> Watchlist:
    return load_watchlist(write_watchlist(QUERY_WATCHLIST))


@pytest.mark.parametrize(
    ("title", "body", "entities"),
    [
        ("Xiaomi ships a new car", "Deliveries start in May.", {"Xiaomi"}),
        ("Xiaomi ships a new phone", "The Xiaomi Corporation phone sells well.", set()),
        ("Xiaomi car spotted", "It sits next to the Redmi Note 14 in stores.", set()),
        ("Xiaomi EV sales", "Xiaomi Automobile delivered more.", {"Xiaomi"}),
        (None, "Lei Jun, the founder of Xiaomi, spoke.", {"Lei Jun"}),
        (None, "Lei Jun spoke at length about many other things before Xiaomi came up.", set()),
        (None, "The SU7 was shown. Lei Jun smiled.", {"Lei Jun"}),
        (None, "nio and Nio Inc and nio inc", {"Nio brand"}),
    ],
)
def test_boolean_queries_gate_mentions(query_watchlist: Watchlist, title, body, entities) -> None:
    assert {m.entity for m in query_watchlist.find_mentions(title, body)} == entities


def test_case_rules_per_entry_and_alias(query_watchlist: Watchlist) -> None:
    # entry case_sensitive: false overrides the all-caps default; the alias rule overrides the entry
    found = [m.matched_text for m in query_watchlist.find_mentions(None, "nio and Nio Inc and nio inc")]
    assert found == ["nio", "Nio Inc", "nio"]


def test_query_entity_mentions_are_its_alias_hits(query_watchlist: Watchlist) -> None:
    mentions = query_watchlist.find_mentions("Xiaomi car", "Xiaomi Automobile and the EV maker Xiaomi.")
    assert [(m.field, m.matched_text) for m in mentions] == [
        ("title", "Xiaomi"),
        ("body", "Xiaomi Automobile"),
        ("body", "Xiaomi"),
    ]


def test_empty_and_missing_fields(shipped: Watchlist) -> None:
    assert shipped.find_mentions(None, None) == []
    assert shipped.find_mentions("", "") == []
