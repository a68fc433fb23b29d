"""The weekly report: stories first, headlines per entity, tone per outlet, spikes once, consistent rows,
charts that show the data on axes fitted to it, escaped Markdown. Checked against SQL written here."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import duckdb
import pytest
from html_tables import html_tables
from warehouse_builder import LATEST

from mediawatch.config import Paths
from mediawatch.report.model import format_cell
from mediawatch.report.render import md_cell, md_escape

WEEK = ("2026-11-20", "2026-11-26")


def sql(paths: Paths, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(paths.analyst_db), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.fixture(scope="module")
def week_tables(weekly: dict[str, Any]) -> dict[str, list[list[str]]]:
    return html_tables(Path(weekly["report"]).read_text())


def test_default_period_is_the_last_seven_days(weekly: dict[str, Any], built: dict[str, Any]) -> None:
    assert weekly["period"] == {"from": WEEK[0], "to": WEEK[1], "name": f"{WEEK[0]}_{WEEK[1]}"}
    assert built["period"]["name"] == LATEST.isoformat()  # the daily digest is still there (days=1)
    html = Path(weekly["report"]).read_text()
    assert "compared with 2026-11-13 to 2026-11-19" in html


def test_top_stories_most_outlets_first_and_rows_consistent(weekly: dict[str, Any], warehouse: Paths,
                                                           week_tables: dict[str, Any]) -> None:
    rows = as_dicts(week_tables["top_clusters"])
    outlets = [int(r["outlets"]) for r in rows]
    assert outlets == sorted(outlets, reverse=True) and outlets[0] == 2  # the two-outlet story leads
    expected = dict(sql(warehouse, "select cluster_id, count(distinct source) from articles "
                                   "where day between ? and ? group by 1", list(WEEK)))
    for row in rows:
        assert int(row["outlets"]) == expected[row["cluster_id"]]
        names = row["outlet_names"].split(", ")
        assert len(names) == int(row["outlets"]) and row["first_source"] in names
        period_urls = {u for (u,) in sql(warehouse, "select url from articles where cluster_id = ? "
                                                   "and day between ? and ?", [row["cluster_id"], *WEEK])}
        assert set(row["links"].split()) == period_urls
    html = Path(weekly["report"]).read_text()
    assert html.index('id="clusters"') < html.index('id="entities"')  # stories come before the counts


def test_headlines_per_entity_with_outlet_and_tone(warehouse: Paths, week_tables: dict[str, Any]) -> None:
    rows = as_dicts(week_tables["entity_headlines"])
    expected = {(e, t, s): (n, tone) for e, t, s, n, tone in sql(warehouse, """
        select m.entity, a.title, a.source, count(*), round(avg(m.sentiment), 3)
        from mentions m join articles a using (article_id)
        where m.day between ? and ? group by m.entity, a.article_id, a.title, a.source""", list(WEEK))}
    assert len(rows) == len(expected)  # at most 5 per entity; no entity has more here
    for row in rows:
        mentions, tone = expected[(row["entity"], row["title"], row["source"])]
        assert row["mentions"] == str(mentions) and row["tone"] == format_cell(tone)
        label = "positive" if tone >= 0.05 else "negative" if tone <= -0.05 else "neutral"
        assert row["tone_label"] == label
    tesla = [r for r in rows if r["entity"] == "Tesla"]
    assert {r["source"] for r in tesla} == {"alpha", "beta"} and len(tesla) == 3


def test_tone_per_outlet(warehouse: Paths, week_tables: dict[str, Any]) -> None:
    per_outlet = {s: (n, avg) for s, n, avg in sql(warehouse, """
        select source, count(*), round(avg(sentiment), 3) from articles where day between ? and ?
        group by source""", list(WEEK))}
    rows = {r["source"]: r for r in as_dicts(week_tables["outlet_tone"])}
    assert set(rows) == set(per_outlet)
    for source, (n, avg) in per_outlet.items():
        assert rows[source]["articles"] == str(n) and rows[source]["avg_sentiment"] == format_cell(avg)
    pairs = {(e, s): (n, avg) for e, s, n, avg in sql(warehouse, """
        select entity, source, count(distinct article_id), round(avg(sentiment), 3) from mentions
        where day between ? and ? group by 1, 2""", list(WEEK))}
    shown = as_dicts(week_tables["entity_outlet_tone"])
    assert len(shown) == len(pairs)  # six entities, fewer than the ten shown
    for row in shown:
        n, avg = pairs[(row["entity"], row["source"])]
        assert row["articles"] == str(n) and row["avg_tone"] == format_cell(avg)


def test_spikes_need_volume_and_baseline_and_appear_once(weekly: dict[str, Any],
                                                         week_tables: dict[str, Any]) -> None:
    (spike,) = as_dicts(week_tables["alerts"])  # Apple's z=9.9 on one article and a zero baseline is left out
    assert (spike["entity"], spike["articles"], spike["mentions"]) == ("Tesla", "2", "4")
    assert not any("spike" in w.lower() for w in weekly["warnings"])  # not repeated in the summary
    html = Path(weekly["report"]).read_text()
    summary = html.split('<section id="headline">')[0]
    assert "Tesla" not in summary and "<b>1</b><span>spikes</span>" in summary  # a count card, no repeat
    assert weekly["counts"]["spikes"] == 1
    spikes = html.split('<section id="alerts">')[1].split("</section>")[0]
    assert "Tesla" in spikes and 'class="warn"' not in spikes


def test_source_health_rows_are_consistent(warehouse: Paths, week_tables: dict[str, Any]) -> None:
    rows = as_dicts(week_tables["source_health"])
    assert rows
    for row in rows:
        assert int(row["runs"]) >= int(row["failed_runs"]) >= int(row["consecutive_failures"]), row
    gamma = next(r for r in rows if r["source"] == "gamma")
    assert (gamma["runs"], gamma["failed_runs"], gamma["consecutive_failures"]) == ("4", "3", "3")


class _SvgText(HTMLParser):
    """Text nodes per chart (by aria-label) of a report."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, list[str]] = {}
        self._current: str | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self._current = dict(attrs).get("aria-label") or ""
            self.charts[self._current] = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._current = None

    def handle_data(self, data: str) -> None:
        if self._current is not None and data.strip():
            self.charts[self._current].append(data.strip())


def test_charts_show_the_data_with_axes_fitted_to_it(weekly: dict[str, Any], warehouse: Paths,
                                                    week_tables: dict[str, Any]) -> None:
    html = Path(weekly["report"]).read_text()
    assert "<script" not in html and "xmlns" not in html
    charts = {svg.get("aria-label"): svg for svg in
              (ElementTree.fromstring(m) for m in re.findall(r"<svg.*?</svg>", html, flags=re.S))}
    assert len(charts) >= 8  # well-formed markup, one per chart
    days = as_dicts(week_tables["sentiment_daily"])
    columns = [r for r in charts["Articles per day"].iter("rect") if r.find("title") is not None]
    assert [c.find("title").text for c in columns] == [  # type: ignore[union-attr]
        f"{d['day']}: {int(d['articles']):,} articles" for d in days]
    heights = [float(c.get("height", "0")) for c in columns]
    tallest = max(range(len(days)), key=lambda i: int(days[i]["articles"]))
    assert heights[tallest] == max(heights) and all(
        h == 0 for h, d in zip(heights, days, strict=True) if d["articles"] == "0")
    parser = _SvgText()
    parser.feed(html)
    (sentiment_title,) = [t for t in parser.charts if t.startswith("Mean article sentiment per day")]
    ticks = [float(t.replace("\u2212", "-")) for t in parser.charts[sentiment_title]
             if re.fullmatch(r"[\u2212-]?\d+(\.\d+)?", t)]
    low, high = sql(warehouse, "select min(s), max(s) from (select avg(sentiment) s from articles "
                               "where day between ? and ? group by day)", [LATEST.replace(day=13), LATEST])[0]
    assert min(ticks) >= low - 0.2 and max(ticks) <= high + 0.2  # not the whole -1..1 range
    assert not (min(ticks) <= -1 and max(ticks) >= 1)
    (per_day,) = [t for t in parser.charts if t == "Articles per day"]
    labels = [t for t in parser.charts[per_day] if re.fullmatch(r"\d\d-\d\d", t)]
    assert 0 < len(labels) <= 14 and len(labels) == len(set(labels))


def test_markdown_is_escaped(weekly: dict[str, Any]) -> None:
    markdown = Path(weekly["markdown"]).read_text()
    for opened in re.finditer(r"(?<!\\)<", markdown):
        assert markdown.startswith("<http", opened.start())  # only article autolinks are markup
    assert md_escape("<b>Tesla</b> *beats* [BYD](x) a|b") == r"\<b\>Tesla\</b\> \*beats\* \[BYD\](x) a\|b"
    assert md_cell("links", "http://a.example/x javascript:alert(1)") == r"<http://a.example/x> javascript:alert(1)"
    assert md_escape("AT&T\nsecond line") == "AT&amp;T second line"
