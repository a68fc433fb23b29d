"""Watchlist.explain, and a WordPress-like page whose related-news box must not create mentions
(through the real extract_article + analyze_article, as the loader runs them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediawatch.extract import extract_article
from mediawatch.monitor.analysis import analyze_article
from mediawatch.monitor.dropped import dropped_text, visible_blocks
from mediawatch.monitor.watchlist import Watchlist, load_watchlist

EXPLAIN_WATCHLIST = """
entities:
  - name: Xiaomi
    type: company
    aliases: [Xiaomi Corporation]
    query: '"Xiaomi" AND (EV OR car) NOT "Redmi Note"'
  - name: BYD
    type: company
  - name: NIO
    type: company
"""


@pytest.fixture
def watchlist(write_watchlist) -> Watchlist:
    return load_watchlist(write_watchlist(EXPLAIN_WATCHLIST))


def _by_entity(rows: list[dict]) -> dict[str, dict]:
    return {row["entity"]: row for row in rows}


def test_explain_match(watchlist: Watchlist) -> None:
    rows = _by_entity(watchlist.explain("Xiaomi Corporation unveils a car", "BYD reacts."))
    xiaomi = rows["Xiaomi"]
    assert xiaomi["mentioned"] is True
    assert xiaomi["aliases_found"][0] == {
        "alias": "Xiaomi Corporation", "matched_text": "Xiaomi Corporation", "field": "title", "start": 0, "end": 18,
    }
    assert xiaomi["query_matched"] is True and xiaomi["query_failed"] == []
    assert "query matched" in xiaomi["reason"]
    assert rows["BYD"]["mentioned"] is True and rows["BYD"]["query"] is None


def test_explain_non_match_names_the_failed_clause(watchlist: Watchlist) -> None:
    rows = _by_entity(watchlist.explain("Xiaomi launches a phone", "It is thin."))
    xiaomi = rows["Xiaomi"]
    assert xiaomi["mentioned"] is False
    assert xiaomi["aliases_found"]  # the alias was there, the query said no
    assert xiaomi["query_failed"] == ["none of EV OR car found"]
    assert "query did not match: none of EV OR car found" in xiaomi["reason"]
    assert rows["NIO"]["reason"] == "no alias found in title or body"


def test_explain_not_veto(watchlist: Watchlist) -> None:
    rows = _by_entity(watchlist.explain("Xiaomi car news", "The Redmi Note 14 also ships."))
    xiaomi = rows["Xiaomi"]
    assert xiaomi["mentioned"] is False
    assert xiaomi["query_failed"] == ['vetoed by NOT "Redmi Note": found "Redmi Note" at character 21']
    veto = xiaomi["query_clauses"]["children"][2]
    assert veto["clause"] == 'NOT "Redmi Note"' and veto["matched"] is False
    assert watchlist.find_mentions("Xiaomi car news", "The Redmi Note 14 also ships.") == []


def test_explain_alias_only_in_dropped_text(watchlist: Watchlist) -> None:
    rows = _by_entity(
        watchlist.explain("BYD sales", "BYD sold more cars.", dropped_text="Related: NIO opens a store\nBYD too")
    )
    nio = rows["NIO"]
    assert nio["mentioned"] is False
    assert nio["found_only_in_dropped_text"] is True
    assert nio["dropped_text_hits"] == [{"alias": "NIO", "matched_text": "NIO", "start": 9, "end": 12}]
    assert "only in text extraction dropped" in nio["reason"]
    # BYD is in the dropped text too, but also in the article: not "only"
    assert rows["BYD"]["mentioned"] is True and rows["BYD"]["found_only_in_dropped_text"] is False


# an article page with a related-posts box and a recent-posts widget naming NIO and BYD
WORDPRESS_PAGE = (Path(__file__).parent / "pages" / "wordpress_related.html").read_text(encoding="utf-8")


def test_related_news_titles_do_not_yield_mentions(shipped: Watchlist) -> None:
    record = extract_article(WORDPRESS_PAGE, "https://evdaily.example/2024/05/01/hyundai-battery-plant/")
    assert record.error is None and record.body
    analysis = analyze_article(record, shipped)
    assert "Hyundai" in analysis.entities
    assert "NIO" not in analysis.entities and "BYD" not in analysis.entities
    assert all("NIO" not in m.snippet for m in analysis.mentions)
    assert analysis.sentiment is not None and -1 <= analysis.sentiment.score <= 1
    # explain tells the analyst NIO was seen, in boilerplate, and ignored
    dropped = dropped_text(WORDPRESS_PAGE, record.title, record.body)
    assert "NIO expands battery swapping in Europe" in dropped
    assert "Hyundai Motor Group opened" not in dropped
    nio = _by_entity(shipped.explain(record.title, record.body, dropped_text=dropped))["NIO"]
    assert nio["mentioned"] is False and nio["found_only_in_dropped_text"] is True


def test_visible_blocks_skip_scripts_and_keep_inline_text_together() -> None:
    blocks = visible_blocks("<html><head><title>T</title></head><body><p>Read <a>NIO</a> news<script>x=1"
                            "</script> today</p><div>Two</div></body></html>")
    assert blocks == ["Read NIO news today", "Two"]
    assert visible_blocks("") == []
    assert visible_blocks(b"<p>caf\xc3\xa9</p>") == ["café"]
    # deeply nested markup is walked without recursion
    deep = "<div>" * 2000 + "BYD" + "</div>" * 2000
    assert visible_blocks(deep) == ["BYD"]
