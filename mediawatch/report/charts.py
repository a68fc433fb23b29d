"""Charts of the report, drawn as static inline SVG by this module (no library, no script, no URL).

The report makes four kinds of chart: horizontal (grouped) bars, lines over days, columns per day and
a heatmap. Each is a few rectangles, lines and text nodes, so they are drawn here directly: the
Vega-Lite route (Altair to build the spec, vl-convert to render it) cost most of a report's time in
start-up alone. What it gave is kept: axes are scaled to the data (a sentiment of ±0.02 is not
flattened on a -1..1 axis), tick steps are 1, 2 or 5 times a power of ten, and axis labels that
would overlap are thinned or shortened. Every text is an escaped text node; the markup has no
namespace declaration (inline SVG in HTML needs none) and no URL, since the report may hold none
besides article links.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

PALETTE = ("#2f6fb0", "#b0b7c3", "#d9822b", "#3a9b5c", "#b0413e", "#7b5ea7")
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"
WIDTH = 860  # of a chart's SVG; the page scales it down (max-width: 100%)
INK = "#1d2330"
AXIS = "#8a93a3"
GRID = "#e3e7ee"
LABEL_SIZE = 11
TITLE_SIZE = 14
LABEL_LIMIT = 190  # px: longer axis labels are shortened with an ellipsis
LABEL_GAP = 6  # px: the least space between two axis labels
PAD = (6, 12, 6, 24)  # top, right, bottom, left
# the diverging "redblue" scheme (ColorBrewer RdBu), negative red to positive blue
RED_BLUE = ("#67001f", "#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7",
            "#d1e5f0", "#92c5de", "#4393c3", "#2166ac", "#053061")


@dataclass(frozen=True)
class Series:
    """One named series of numbers (None = no value) drawn in one colour."""

    name: str
    values: Sequence[float | int | None]
    color: str = PALETTE[0]


# ---- text and scales ------------------------------------------------------------------------------

_NARROW = set("fijlrtI.,:;|!'`()[]{} -/")
_WIDE = set("mwMW@%&…")


def text_width(text: str, size: float = LABEL_SIZE) -> float:
    """Estimated width in px of `text` in a sans-serif face (exact metrics need a font; this errs wide)."""
    em = 0.0
    for ch in text:
        if ch in _NARROW:
            em += 0.32
        elif ch in _WIDE:
            em += 0.88
        elif ch.isupper() or ch.isdigit():
            em += 0.64 if ch.isupper() else 0.58
        else:
            em += 0.55
    return em * size


def fit_text(text: str, width: float, size: float = LABEL_SIZE) -> str:
    """`text`, shortened with an ellipsis until it fits in `width` px."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…" if text else ""


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def nice_step(span: float, count: int) -> float:
    """The tick step near span/count that is 1, 2 or 5 times a power of ten."""
    raw = span / max(count, 1)
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude * (1 + 1e-9):
            return factor * magnitude
    return 10 * magnitude


def tick_values(low: float, high: float, step: float) -> list[float]:
    """Multiples of `step` between low and high (inclusive)."""
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [round(i * step, 12) for i in range(first, last + 1)]


def tick_label(value: float, step: float) -> str:
    """A tick's text with as many decimals as its step needs; negatives with a minus sign."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0
    text = f"{value:.{decimals}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", "\u2212")


def axis_ticks(low: float, high: float, length: float, *, integer: bool = False,
               vertical: bool = False) -> tuple[list[float], float]:
    """Ticks over [low, high] drawn on an axis `length` px long, as many as fit without their labels
    overlapping (horizontal axis: label widths; vertical: label height); returns (values, step)."""
    count = max(2, int(length // (40 if vertical else 60)))
    while True:
        step = nice_step(high - low, count)
        if integer:
            step = max(1.0, float(round(step)))
        values = tick_values(low, high, step)
        spacing = step / (high - low) * length if high > low else length
        need = LABEL_SIZE + LABEL_GAP if vertical else max(
            (text_width(tick_label(v, step)) for v in values), default=0) + LABEL_GAP
        if spacing >= need or count <= 1 or len(values) <= 2:
            return values, step
        count -= 1


def thin_labels(centres: Sequence[float], labels: Sequence[str]) -> list[int]:
    """Indices of the labels kept, greedily from the first, so that no two overlap."""
    kept: list[int] = []
    right = -math.inf
    for i, (x, label) in enumerate(zip(centres, labels, strict=True)):
        half = text_width(label) / 2
        if x - half >= right + LABEL_GAP:
            kept.append(i)
            right = x + half
    return kept


def _hex(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def diverging(share: float) -> str:
    """The RdBu colour of `share` in [-1, 1] (-1 red, 0 near white, 1 blue)."""
    position = (max(-1.0, min(1.0, share)) + 1) / 2 * (len(RED_BLUE) - 1)
    i = min(int(position), len(RED_BLUE) - 2)
    frac = position - i
    low, high = _hex(RED_BLUE[i]), _hex(RED_BLUE[i + 1])
    return "#" + "".join(f"{round(a + (b - a) * frac):02x}" for a, b in zip(low, high, strict=True))


def _number(value: float | int) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:,.1f}"
    return f"{int(value):,}"


# ---- the SVG document -----------------------------------------------------------------------------

def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


class _Canvas:
    """SVG elements in drawing order; every attribute value and text is escaped here."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, tag: str, text: str | None = None, tooltip: str | None = None, **attrs: Any) -> None:
        rendered = "".join(f' {key.rstrip("_").replace("_", "-")}="{escape(_f(v) if isinstance(v, float) else str(v))}"'
                           for key, v in attrs.items() if v is not None)
        if text is None and tooltip is None:
            self.parts.append(f"<{tag}{rendered}/>")
            return
        inner = (f"<title>{escape(tooltip)}</title>" if tooltip else "") + (escape(text) if text else "")
        self.parts.append(f"<{tag}{rendered}>{inner}</{tag}>")

    def label(self, x: float, y: float, text: str, *, anchor: str = "start", size: int = LABEL_SIZE,
              color: str = INK, weight: int | None = None) -> None:
        self.add("text", text, x=x, y=y, text_anchor=anchor, font_size=size, fill=color, font_weight=weight)

    def document(self, title: str, width: float, height: float) -> str:
        # wide enough for the title (semi-bold, so wider than the estimate for regular text)
        width = max(width, PAD[3] + text_width(title, TITLE_SIZE) * 1.08 + PAD[1])
        width, height = math.ceil(width), math.ceil(height)
        head = (f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
                f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto" '
                f'font-family="{escape(FONT)}">')
        background = f'<rect width="{width}" height="{height}" fill="white"/>'
        return head + background + "".join(self.parts) + "</svg>"


def _title_and_legend(canvas: _Canvas, title: str, series: Sequence[Series], left: float) -> float:
    """Draw the title (and a legend when there are several series); returns the y below them."""
    top, _, _, _ = PAD
    canvas.label(left, top + TITLE_SIZE, title, size=TITLE_SIZE, weight=600)
    y = top + TITLE_SIZE + 8
    if len(series) > 1:
        x = left
        for s in series:
            canvas.add("rect", x=x, y=y + 1, width=10, height=10, fill=s.color)
            canvas.label(x + 14, y + 10, s.name, size=12)
            x += 14 + text_width(s.name, 12) + 16
        y += 18
    return y + 6


def _value_axis_x(canvas: _Canvas, ticks: Sequence[float], step: float, x_of: Any, top: float,
                  bottom: float) -> None:
    for value in ticks:
        x = x_of(value)
        canvas.add("line", x1=x, x2=x, y1=top, y2=bottom, stroke=GRID)
        canvas.add("line", x1=x, x2=x, y1=bottom, y2=bottom + 4, stroke=AXIS)
        canvas.label(x, bottom + 15, tick_label(value, step), anchor="middle")


def _value_axis_y(canvas: _Canvas, ticks: Sequence[float], step: float, y_of: Any, left: float,
                  right: float) -> None:
    for value in ticks:
        y = y_of(value)
        canvas.add("line", x1=left, x2=right, y1=y, y2=y, stroke=GRID)
        canvas.add("line", x1=left - 4, x2=left, y1=y, y2=y, stroke=AXIS)
        canvas.label(left - 6, y + 4, tick_label(value, step), anchor="end")


# ---- the four chart kinds -------------------------------------------------------------------------

def bar_chart(title: str, labels: Sequence[str], series: Sequence[Series], *, unit: str = "",
              scale_max: float | None = None) -> str:
    """Horizontal (grouped) bars, one group per label, each bar's value printed at its end.

    The value axis starts at zero and ends a little past the data's maximum (or at `scale_max`, e.g.
    100 for percentages); negative values grow left of a zero line; labels keep the given order.
    """
    if not labels:
        return ""
    shown = [_short(str(label)) for label in labels]
    seen: dict[str, int] = {}
    for i, text in enumerate(shown):  # two labels that shorten alike must stay two bars
        seen[text] = seen.get(text, 0) + 1
        if seen[text] > 1:
            shown[i] = f"{text} ({seen[text]})"
    shown = [fit_text(text, LABEL_LIMIT) for text in shown]
    known = [v for s in series for v in s.values if v is not None]
    peak = scale_max or max([abs(v) for v in known] or [0]) or 1
    signed = any(v < 0 for v in known)
    low, high = (-peak * 1.25, peak * 1.25) if signed else (0.0, float(scale_max or peak * 1.12))
    integers = all(isinstance(v, int) for v in known)

    canvas = _Canvas()
    _, right_pad, bottom_pad, left_pad = PAD
    plot_top = _title_and_legend(canvas, title, series, left_pad)
    plot_left = left_pad + max(text_width(text) for text in shown) + 8
    plot_width = WIDTH - plot_left - right_pad
    band = 15 * len(series) + 9
    plot_bottom = plot_top + band * len(labels)

    def x_of(value: float) -> float:
        return plot_left + (value - low) / (high - low) * plot_width

    ticks, step = axis_ticks(low, high, plot_width, integer=integers)
    _value_axis_x(canvas, ticks, step, x_of, plot_top, plot_bottom)
    zero = x_of(0)
    rightmost = WIDTH - right_pad
    bar_height = (band - 6) / len(series)
    for i, label in enumerate(shown):
        group_top = plot_top + i * band
        canvas.label(plot_left - 6, group_top + band / 2 + 4, label, anchor="end")
        for j, s in enumerate(series):
            value = s.values[i]
            y = group_top + 3 + j * bar_height
            text = "n/a" if value is None else _number(value) + unit
            tip = f"{labels[i]} · {s.name}: {text}"
            if value is not None:
                end = x_of(value)
                canvas.add("rect", tooltip=tip, x=min(zero, end), y=y, width=max(abs(end - zero), 0.5),
                           height=bar_height - 1, fill=s.color)
            else:
                end = zero
            if value is not None and value < 0:
                canvas.label(end - 4, y + bar_height / 2 + 3.5, text, anchor="end")
            else:
                canvas.label(end + 4, y + bar_height / 2 + 3.5, text)
                rightmost = max(rightmost, end + 4 + text_width(text))
    canvas.add("line", x1=plot_left, x2=plot_left + plot_width, y1=plot_bottom, y2=plot_bottom, stroke=AXIS)
    if signed:
        canvas.add("line", x1=zero, x2=zero, y1=plot_top, y2=plot_bottom, stroke=AXIS)
    else:
        canvas.add("line", x1=plot_left, x2=plot_left, y1=plot_top, y2=plot_bottom, stroke=AXIS)
    height = plot_bottom + 20
    if unit.strip():
        canvas.label(plot_left + plot_width / 2, plot_bottom + 33, unit.strip(), anchor="middle", size=12,
                     weight=600)
        height += 16
    return canvas.document(title, rightmost + right_pad, height + bottom_pad)


def _day_axis(canvas: _Canvas, centres: Sequence[float], days: Sequence[date], bottom: float) -> None:
    labels = [day.strftime("%m-%d") for day in days]
    for i in thin_labels(centres, labels):
        canvas.add("line", x1=centres[i], x2=centres[i], y1=bottom, y2=bottom + 4, stroke=AXIS)
        canvas.label(centres[i], bottom + 15, labels[i], anchor="middle")


def line_chart(title: str, days: Sequence[date], series: Sequence[Series], *, y_title: str = "") -> str:
    """A line per series over days; gaps where a value is None; the y axis fits the data."""
    if not days:
        return ""
    known = [v for s in series for v in s.values if v is not None]
    low, high = (min(known), max(known)) if known else (-1.0, 1.0)
    pad = max((high - low) * 0.15, 0.01)
    low, high = low - pad, high + pad
    plot_height = 220.0
    step = nice_step(high - low, int(plot_height // 40))
    low, high = math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step
    ticks, step = axis_ticks(low, high, plot_height, vertical=True)

    canvas = _Canvas()
    _, right_pad, bottom_pad, left_pad = PAD
    plot_top = _title_and_legend(canvas, title, series, left_pad)
    title_room = 18 if y_title else 0
    plot_left = left_pad + title_room + max(text_width(tick_label(v, step)) for v in ticks) + 8
    plot_right = WIDTH - right_pad - 16
    plot_bottom = plot_top + plot_height

    def y_of(value: float) -> float:
        return plot_bottom - (value - low) / (high - low) * plot_height

    span = len(days) - 1
    xs = [(plot_left + plot_right) / 2] if span == 0 else [
        plot_left + i / span * (plot_right - plot_left) for i in range(len(days))]
    _value_axis_y(canvas, ticks, step, y_of, plot_left, plot_right)
    canvas.add("line", x1=plot_left, x2=plot_right, y1=plot_bottom, y2=plot_bottom, stroke=AXIS)
    canvas.add("line", x1=plot_left, x2=plot_left, y1=plot_top, y2=plot_bottom, stroke=AXIS)
    _day_axis(canvas, xs, days, plot_bottom)
    if y_title:
        middle = (plot_top + plot_bottom) / 2
        canvas.add("text", y_title, x=left_pad + 10, y=middle, text_anchor="middle", font_size=12, fill=INK,
                   transform=f"rotate(-90 {_f(left_pad + 10)} {_f(middle)})")
    for s in series:
        run: list[tuple[float, float]] = []
        for x, value in [*zip(xs, s.values, strict=True), (0.0, None)]:
            if value is not None:
                run.append((x, y_of(value)))
                continue
            if len(run) > 1:  # a None ends a segment: the line has a gap there
                canvas.add("polyline", points=" ".join(f"{_f(px)},{_f(py)}" for px, py in run),
                           fill="none", stroke=s.color, stroke_width=2)
            run = []
        for day, x, value in zip(days, xs, s.values, strict=True):
            if value is not None:
                canvas.add("circle", tooltip=f"{day.isoformat()} · {s.name}: {value:.3f}", cx=x, cy=y_of(value),
                           r=3, fill=s.color)
    return canvas.document(title, WIDTH, plot_bottom + 20 + bottom_pad)


def column_chart(title: str, days: Sequence[date], values: Sequence[int], *, color: str = PALETTE[3]) -> str:
    """Vertical bars per day (counts) from zero; day labels thinned so they never overlap."""
    if not days:
        return ""
    plot_height = 160.0
    high = float(max([*values, 0]) or 1)
    step = nice_step(high, int(plot_height // 40))
    step = max(1.0, float(round(step)))
    high = math.ceil(high / step - 1e-9) * step
    ticks, step = axis_ticks(0.0, high, plot_height, integer=True, vertical=True)

    canvas = _Canvas()
    _, right_pad, bottom_pad, left_pad = PAD
    plot_top = _title_and_legend(canvas, title, [], left_pad)
    plot_left = left_pad + max(text_width(tick_label(v, step)) for v in ticks) + 8
    plot_right = WIDTH - right_pad
    plot_bottom = plot_top + plot_height

    def y_of(value: float) -> float:
        return plot_bottom - value / high * plot_height

    _value_axis_y(canvas, ticks, step, y_of, plot_left, plot_right)
    band = (plot_right - plot_left) / len(days)
    centres = [plot_left + (i + 0.5) * band for i in range(len(days))]
    for day, x, value in zip(days, centres, values, strict=True):
        canvas.add("rect", tooltip=f"{day.isoformat()}: {value:,} articles", x=x - band * 0.45, y=y_of(value),
                   width=band * 0.9, height=plot_bottom - y_of(value), fill=color)
    canvas.add("line", x1=plot_left, x2=plot_right, y1=plot_bottom, y2=plot_bottom, stroke=AXIS)
    canvas.add("line", x1=plot_left, x2=plot_left, y1=plot_top, y2=plot_bottom, stroke=AXIS)
    _day_axis(canvas, centres, days, plot_bottom)
    return canvas.document(title, WIDTH, plot_bottom + 20 + bottom_pad)


def heatmap(title: str, rows: Sequence[str], columns: Sequence[str], cells: Sequence[dict[str, Any]],
            *, value: str, text: str) -> str:
    """A grid of `rows` x `columns`, each cell coloured by `value` (diverging around 0) with `text` in it."""
    if not cells:
        return ""
    known = [abs(c[value]) for c in cells if c[value] is not None]
    extent = max(known or [0.0]) or 0.1
    row_labels = [fit_text(_short(str(r)), LABEL_LIMIT) for r in rows]
    row_of = {str(r): i for i, r in enumerate(rows)}
    column_of = {str(c): i for i, c in enumerate(columns)}

    canvas = _Canvas()
    _, right_pad, bottom_pad, left_pad = PAD
    top = _title_and_legend(canvas, title, [], left_pad)
    plot_left = left_pad + max(text_width(r) for r in row_labels) + 8
    plot_width = float(min(WIDTH - plot_left - 90, max(240, 110 * len(columns))))
    cell_width = plot_width / max(len(columns), 1)
    plot_top = top + 18
    row_height = 24
    for j, column in enumerate(columns):  # column labels on top, shortened to their column
        canvas.label(plot_left + (j + 0.5) * cell_width, plot_top - 6, fit_text(str(column), cell_width - 4),
                     anchor="middle")
    for i, label in enumerate(row_labels):
        canvas.label(plot_left - 6, plot_top + i * row_height + row_height / 2 + 4, label, anchor="end")
    for cell in cells:
        i, j = row_of.get(str(cell["row"])), column_of.get(str(cell["column"]))
        if i is None or j is None:
            continue
        tone = cell[value]
        x, y = plot_left + j * cell_width, plot_top + i * row_height
        fill = "#eef0f4" if tone is None else diverging(tone / extent)
        strong = tone is not None and tone * tone > (extent * 0.6) ** 2
        canvas.add("rect", tooltip=f"{cell['row']} · {cell['column']}: {cell[text]}", x=x, y=y, width=cell_width,
                   height=row_height, fill=fill, stroke="white")
        canvas.label(x + cell_width / 2, y + row_height / 2 + 4, str(cell[text]), anchor="middle",
                     color="white" if strong else INK)
    # the colour legend: a stepped scale from +extent (blue, top) to -extent (red, bottom)
    legend_x, steps = plot_left + plot_width + 20, 10
    canvas.label(legend_x, plot_top - 6, "tone", weight=600)
    for k in range(steps):
        share = 1 - 2 * (k + 0.5) / steps
        canvas.add("rect", x=legend_x, y=plot_top + k * 10, width=12, height=10, fill=diverging(share))
    for y, mark in ((plot_top + 4, extent), (plot_top + 54, 0.0), (plot_top + 104, -extent)):
        canvas.label(legend_x + 16, y, tick_label(mark, 0.01))
    height = max(plot_top + row_height * len(rows), plot_top + 104) + 8 + bottom_pad
    return canvas.document(title, legend_x + 60 + right_pad, height)
