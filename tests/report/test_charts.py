"""The report's own SVG charts: they show the data (labels, one bar per value, lengths to scale), their
axes fit it, labels never overlap, every text is escaped, and the markup holds no script or URL."""

from __future__ import annotations

import re
from datetime import date, timedelta
from xml.etree import ElementTree

import pytest

from mediawatch.report.charts import (
    PALETTE,
    Series,
    bar_chart,
    column_chart,
    diverging,
    heatmap,
    line_chart,
    text_width,
)

DAYS = [date(2026, 11, 1) + timedelta(days=i) for i in range(14)]


def parse(svg: str) -> ElementTree.Element:
    assert svg.startswith("<svg ") and "xmlns" not in svg and "<script" not in svg
    assert not re.search(r"url\(|https?:|href", svg)
    return ElementTree.fromstring(svg)  # well-formed: every text escaped


def texts(root: ElementTree.Element) -> list[str]:
    return [t.text or "" for t in root.iter("text")]


def marks(root: ElementTree.Element, tag: str = "rect") -> list[ElementTree.Element]:
    """The data marks: elements that carry a tooltip."""
    return [e for e in root.iter(tag) if e.find("title") is not None]


def number(text: str) -> float:
    return float(text.replace("\u2212", "-").replace(",", ""))


def ticks(root: ElementTree.Element) -> list[tuple[float, float]]:
    """(position, value) of the numeric axis labels (not the bars' value texts)."""
    return [(float(t.get("x", "0")) if t.get("text-anchor") == "middle" else float(t.get("y", "0")), number(t.text))
            for t in root.iter("text") if t.text and re.fullmatch(r"\u2212?\d+(\.\d+)?", t.text)
            and t.get("text-anchor") in ("middle", "end")]


def test_bars_one_per_value_to_scale_with_labels_and_values() -> None:
    root = parse(bar_chart("Articles per entity", ["Tesla", "BYD", "Xiaomi"],
                           [Series("this period", [40, 10, 20]), Series("previous period", [5, None, 20], PALETTE[1])]))
    bars = marks(root)
    assert len(bars) == 5  # six values, one of them missing
    shown = texts(root)
    for label in ("Articles per entity", "Tesla", "BYD", "Xiaomi", "this period", "previous period", "40", "n/a"):
        assert label in shown
    widths = {b.find("title").text: float(b.get("width", "0")) for b in bars}  # type: ignore[union-attr]
    assert widths["Tesla · this period: 40"] == pytest.approx(4 * widths["BYD · this period: 10"], rel=0.01)
    assert widths["Xiaomi · this period: 20"] == pytest.approx(widths["Xiaomi · previous period: 20"], rel=0.01)
    assert bars[0].get("fill") == PALETTE[0] and bars[1].get("fill") == PALETTE[1]
    values = [v for _, v in ticks(root)]
    assert values[0] == 0 and 40 <= max(values) <= 45 and all(v == int(v) for v in values)  # counts: integers


def test_bar_axis_ends_at_scale_max_and_negative_bars_grow_left() -> None:
    root = parse(bar_chart("Share", ["a", "b"], [Series("share", [60.0, 40.0])], unit="%", scale_max=100))
    assert max(v for _, v in ticks(root)) == 100 and "60%" in texts(root) and "%" in texts(root)
    signed = parse(bar_chart("Tone", ["up", "down"], [Series("tone", [0.2, -0.1])]))
    up, down = marks(signed)
    assert float(down.get("x", "0")) + float(down.get("width", "0")) == pytest.approx(float(up.get("x", "0")))
    assert float(up.get("width", "0")) == pytest.approx(2 * float(down.get("width", "0")), rel=0.01)
    assert min(v for _, v in ticks(signed)) < 0 < max(v for _, v in ticks(signed))


def test_labels_are_escaped_text_and_long_ones_shortened() -> None:
    hostile = "<script>alert(1)</script> & \"quoted\""
    svg = bar_chart(f"Title {hostile}", [hostile, "x" * 80, "x" * 80], [Series("s", [1, 2, 3])])
    assert "<script>" not in svg
    root = parse(svg)
    assert root.get("aria-label") == f"Title {hostile}"
    shown = texts(root)
    assert any(t.startswith("<script>alert(1)") for t in shown)  # the text as written, not markup
    long_labels = [t for t in shown if t.startswith("xxx")]
    assert len(long_labels) == 2 and len(set(long_labels)) == 2  # two labels that shorten alike stay two
    assert all(text_width(t) <= 190 for t in long_labels)


def test_line_axis_fits_the_data_and_none_leaves_a_gap() -> None:
    values = [0.01, 0.02, None, 0.015, -0.01, 0.03, 0.0, 0.01, 0.02, 0.01, 0.0, 0.01, 0.02, 0.025]
    root = parse(line_chart("Mean sentiment", DAYS, [Series("mean sentiment", values)]))
    assert len(marks(root, "circle")) == 13
    assert len(list(root.iter("polyline"))) == 2  # the missing day splits the line
    y_values = [v for _, v in ticks(root)]
    assert min(y_values) >= -0.05 and max(y_values) <= 0.06  # not the whole -1..1 range
    # a higher value is drawn higher: y grows downwards
    by_day = {c.find("title").text.split(" ")[0]: float(c.get("cy", "0")) for c in marks(root, "circle")}  # type: ignore[union-attr]
    assert by_day["2026-11-06"] < by_day["2026-11-05"]


def test_day_labels_never_overlap_and_columns_are_to_scale() -> None:
    days = [date(2026, 9, 1) + timedelta(days=i) for i in range(90)]
    counts = [i % 7 for i in range(90)]
    root = parse(column_chart("Articles per day", days, counts))
    columns = marks(root)
    assert len(columns) == 90
    assert float(columns[6].get("height", "0")) == pytest.approx(6 * float(columns[1].get("height", "0")), rel=0.01)
    labels = [t for t in root.iter("text") if t.text and re.fullmatch(r"\d\d-\d\d", t.text)]
    assert 5 <= len(labels) < 90
    spans = sorted((float(t.get("x", "0")) - text_width(t.text or "") / 2, float(t.get("x", "0")) + text_width(t.text or "") / 2)
                   for t in labels)
    assert all(right < next_left for (_, right), (next_left, _) in zip(spans, spans[1:], strict=False))
    y_ticks = [v for _, v in ticks(root) if v == int(v)]
    assert max(y_ticks) >= 6 and all(v >= 0 for v in y_ticks)


def test_heatmap_cells_coloured_by_sign_with_text() -> None:
    cells = [{"row": "Tesla", "column": "alpha", "tone": 0.4, "text": "+0.40 (3)"},
             {"row": "Tesla", "column": "beta", "tone": -0.4, "text": "-0.40 (1)"},
             {"row": "BYD", "column": "alpha", "tone": 0.01, "text": "+0.01 (2)"}]
    root = parse(heatmap("Tone", ["Tesla", "BYD"], ["alpha", "beta"], cells, value="tone", text="text"))
    grid = marks(root)
    assert len(grid) == 3
    fills = {c.find("title").text: c.get("fill") for c in grid}  # type: ignore[union-attr]
    assert fills["Tesla · alpha: +0.40 (3)"] == diverging(1.0)
    assert fills["Tesla · beta: -0.40 (1)"] == diverging(-1.0)
    red, _, blue = (int(diverging(-1.0)[i:i + 2], 16) for i in (1, 3, 5))
    assert red > blue  # negative tone is red, positive blue
    strong = [t for t in root.iter("text") if t.text == "+0.40 (3)"]
    weak = [t for t in root.iter("text") if t.text == "+0.01 (2)"]
    assert strong[0].get("fill") == "white" and weak[0].get("fill") != "white"
    assert {"Tesla", "BYD", "alpha", "beta", "tone"} <= set(texts(root))


def test_empty_input_draws_nothing() -> None:
    assert bar_chart("t", [], []) == line_chart("t", [], []) == column_chart("t", [], []) == ""
    assert heatmap("t", [], [], [], value="v", text="t") == ""
