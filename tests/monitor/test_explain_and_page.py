"""Watchlist.explain, and a WordPress-like page whose related-news box must not create mentions
(through the real extract_article + analyze_article, as the loader runs them)."""

from __future__ import annotations

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


WORDPRESS_PAGE = """<!DOCTYPE html>
<html lang="en-US"><head><meta charset="UTF-8">
<title>Hyundai opens a battery plant in Georgia &#8211; EV Daily</title>
<meta property="og:title" content="Hyundai opens a battery plant in Georgia">
<meta property="og:type" content="article">
<meta property="article:published_time" content="2024-05-01T08:30:00+00:00">
<link rel="canonical" href="https://evdaily.example/2024/05/01/hyundai-battery-plant/">
<script>var wpData = {"related": "NIO"};</script>
</head>
<body class="post-template-default single single-post">
<header class="site-header"><nav class="main-navigation"><ul>
<li><a href="/">Home</a></li><li><a href="/category/ev/">EV news</a></li>
<li><a href="/category/china/">China</a></li></ul></nav></header>
<main id="main" class="site-main">
<article id="post-4711" class="post-4711 post type-post status-publish">
<header class="entry-header"><h1 class="entry-title">Hyundai opens a battery plant in Georgia</h1>
<div class="entry-meta">Posted on <time datetime="2024-05-01T08:30:00+00:00">May 1, 2024</time>
by <span class="author vcard"><a href="/author/jane/">Jane Doe</a></span></div></header>
<div class="entry-content">
<p>Hyundai Motor Group opened its new battery plant near Savannah on Wednesday, a project that
local officials described as the largest economic development deal in the history of the state.</p>
<p>The factory will supply cells for the company's electric vehicles assembled at the nearby
Metaplant, which began production last autumn and employs several thousand workers already.</p>
<p>Executives said the plant would help the carmaker qualify for federal tax credits that require
batteries to be made in North America, and that output would rise steadily through next year.</p>
<p>Analysts welcomed the move but warned that demand for battery cars in the United States has
grown more slowly than expected, and that prices for lithium remain volatile this year.</p>
</div>
<footer class="entry-footer"><span class="cat-links">Posted in <a href="/category/ev/">EV news</a></span></footer>
</article>
<section class="related-posts jp-relatedposts"><h3 class="jp-relatedposts-headline">Related</h3>
<ul>
<li><a href="/2024/04/30/nio-swap/">NIO expands battery swapping in Europe</a></li>
<li><a href="/2024/04/29/byd-seal/">BYD Seal review: a quiet achiever</a></li>
</ul></section>
</main>
<aside id="secondary" class="widget-area"><section class="widget widget_recent_entries">
<h2 class="widget-title">Recent Posts</h2><ul>
<li><a href="/2024/04/28/nio-q1/">NIO posts first-quarter deliveries</a></li>
</ul></section></aside>
<footer class="site-footer"><p>&copy; 2024 EV Daily. Powered by WordPress.</p></footer>
</body></html>
"""


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
