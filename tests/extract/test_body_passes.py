"""The body's trafilatura passes: the shared preparation gives trafilatura's own precise fast pass
and leaves the page tree alone; a body covering a small share of the page triggers the full pass."""

from __future__ import annotations

from pathlib import Path

import trafilatura
from lxml import etree

from mediawatch.extract import extract_article, parse_html
from mediawatch.extract.body import FastPasses

PAGES = Path(__file__).parent / "pages"
SENTENCES = [
    "The committee met on Tuesday to discuss the new budget for the coming year, and members "
    "agreed on most points.",
    "Several speakers raised concerns about the cost of the planned bridge, which has doubled "
    "since the first estimate.",
    "The mayor said the city would look for federal money before any decision is taken on the "
    "second phase.",
]


def test_shared_preparation_gives_trafilaturas_precise_pass_and_keeps_the_tree() -> None:
    html = (PAGES / "wordpress_tech_news.html").read_text(encoding="utf-8")
    tree = parse_html(html)
    assert tree is not None
    before = etree.tostring(tree)
    passes = FastPasses(tree)
    precise = passes.precise()
    expected = trafilatura.bare_extraction(
        parse_html(html), fast=True, favor_precision=True, include_comments=False
    )
    assert expected is not None and precise == expected.text
    assert passes.page_chars > len(precise) > 200
    assert passes.balanced()  # the balanced pass reads the same preparation
    assert etree.tostring(tree) == before


def test_body_covering_a_fragment_of_the_page_is_replaced_by_the_full_pass() -> None:
    # the story is a run of <span>s and <br>s that trafilatura's fast passes do not read: they keep
    # only the one-line teaser, a few per cent of the page's text
    spans = "".join(f"<span>{SENTENCES[i % 3]} Part {i}.</span><br>" for i in range(40))
    html = (
        "<html><head><title>Budget talks</title></head><body><article><h1>Budget talks</h1>"
        "<p>Short teaser of the story that is only one line long.</p></article>"
        f"<div id='main'>{spans}</div></body></html>"
    )
    tree = parse_html(html)
    assert tree is not None
    passes = FastPasses(tree)
    assert len(passes.precise()) < 0.1 * passes.page_chars
    record = extract_article(html, "https://city.example/2024/05/01/budget-talks")
    assert record.error is None
    assert record.body is not None and "Part 0." in record.body and "Part 39." in record.body
