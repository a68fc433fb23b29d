"""Charts of the report: Vega-Lite specs built with Altair, rendered offline to inline SVG by vl-convert.

vl-convert embeds the Vega renderer (no browser, no network), so the report stays one file with no
script: the SVG is static markup. Axes are scaled to the data (a sentiment of ±0.02 is not flattened
on a -1..1 axis) and Vega-Lite drops overlapping axis labels. Labels are text nodes that the renderer
escapes; the namespace declarations are removed because inline SVG in HTML needs none and the
report must hold no URL besides article links.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from html import escape
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar

PALETTE = ("#2f6fb0", "#b0b7c3", "#d9822b", "#3a9b5c", "#b0413e", "#7b5ea7")
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"
WIDTH = 820
_NAMESPACES = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')
CACHE_DAYS = 7  # cached charts unused for this long are deleted
_cache_dir: ContextVar[Path | None] = ContextVar("chart_cache", default=None)
F = TypeVar("F", bound=Callable[..., str])


@contextmanager
def cache_in(folder: Path) -> Iterator[None]:
    """Within this block, charts are rendered once per distinct input and kept as SVG in `folder`:
    a chart whose title, labels and values were drawn before is read back, without Altair or
    vl-convert (whose start-up is most of a report's cost)."""
    folder.mkdir(parents=True, exist_ok=True)
    token = _cache_dir.set(folder)
    try:
        yield
    finally:
        _cache_dir.reset(token)
        cutoff = time.time() - CACHE_DAYS * 86400
        for old in folder.glob("*.svg"):
            try:
                if old.stat().st_mtime < cutoff:
                    old.unlink()
            except OSError:
                pass


@functools.cache
def _renderer_version() -> str:
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    return f"{code}:{version('altair')}:{version('vl-convert-python')}"


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


def cached(render: F) -> F:
    """Serve `render(...)` from the chart cache when one is active (see cache_in)."""

    @functools.wraps(render)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        folder = _cache_dir.get()
        if folder is None:
            return render(*args, **kwargs)
        key = json.dumps([render.__name__, _renderer_version(), args, kwargs], default=_plain, sort_keys=True)
        path = folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.svg"
        try:
            svg = path.read_text(encoding="utf-8")
            os.utime(path)
            return svg
        except OSError:
            pass
        svg = render(*args, **kwargs)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(svg, encoding="utf-8")
        os.replace(tmp, path)
        return svg

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class Series:
    """One named series of numbers (None = no value) drawn in one colour."""

    name: str
    values: Sequence[float | int | None]
    color: str = PALETTE[0]


def _config(chart: Any, title: str, width: int) -> Any:
    return (chart.properties(title=title, width=width)
            .configure(font=FONT, background="white")
            .configure_title(anchor="start", fontSize=14, fontWeight=600)
            .configure_axis(labelFontSize=11, titleFontSize=12, labelLimit=190, grid=True, gridColor="#e3e7ee")
            .configure_legend(orient="top", title=None, labelFontSize=12)
            .configure_view(stroke=None)
            .properties(padding={"left": 24, "right": 12, "top": 6, "bottom": 6}))


@functools.cache
def _shared_config() -> dict[str, Any]:
    """The configuration every chart shares, as Vega-Lite JSON (built through Altair once)."""
    import altair as alt

    spec = _config(alt.Chart(), "", WIDTH).to_dict(validate=False)
    return {key: spec[key] for key in ("config", "background", "padding") if key in spec}


def to_svg(chart: Any, title: str, width: int = WIDTH) -> str:
    """Render an Altair chart to an inline `<svg>` element (no XML prolog, no namespaces)."""
    import vl_convert

    spec = chart.properties(title=title, width=width).to_dict(validate=False)
    spec.update(_shared_config())
    svg = vl_convert.vegalite_to_svg(spec, vl_version="6.4")
    svg = _NAMESPACES.sub("", svg[svg.index("<svg"):])
    return svg.replace("<svg", f'<svg role="img" aria-label="{escape(title)}" '
                              'style="max-width:100%;height:auto"', 1)


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@cached
def bar_chart(title: str, labels: Sequence[str], series: Sequence[Series], *, unit: str = "",
              scale_max: float | None = None) -> str:
    """Horizontal (grouped) bars, one group per label, each bar's value printed at its end.

    The value axis starts at zero and ends at the data's maximum (or `scale_max`, e.g. 100 for
    percentages); labels keep the given order.
    """
    import altair as alt
    import pandas as pd

    if not labels:
        return ""
    shown = [_short(str(label)) for label in labels]
    # two labels that shorten alike must stay two bars
    seen: dict[str, int] = {}
    for i, text in enumerate(shown):
        seen[text] = seen.get(text, 0) + 1
        if seen[text] > 1:
            shown[i] = f"{text} ({seen[text]})"
    rows = [{"label": shown[i], "full": str(labels[i]), "series": s.name,
             "value": s.values[i], "text": "n/a" if s.values[i] is None else _number(s.values[i]) + unit}
            for s in series for i in range(len(labels))]
    frame = pd.DataFrame(rows)
    peak = scale_max or max([abs(v) for s in series for v in s.values if v is not None] or [0]) or 1
    names = [s.name for s in series]
    integers = all(isinstance(v, int) for s in series for v in s.values if v is not None)
    axis = alt.Axis(format="d", tickMinStep=1) if integers else alt.Axis()
    base = alt.Chart(frame).encode(
        y=alt.Y("label:N", sort=shown, title=None),
        yOffset=alt.YOffset("series:N", sort=names) if len(series) > 1 else alt.Undefined,
    )
    color = alt.Color("series:N", scale=alt.Scale(domain=names, range=[s.color for s in series]),
                      legend=alt.Legend() if len(series) > 1 else None)
    signed = any(v is not None and v < 0 for s in series for v in s.values)
    domain = [-peak * 1.25, peak * 1.25] if signed else [0, scale_max or peak * 1.12]
    bars = base.mark_bar().encode(
        x=alt.X("value:Q", title=unit.strip() or None, axis=axis, scale=alt.Scale(domain=domain, nice=False)),
        color=color,
        tooltip=[alt.Tooltip("full:N", title="label"), "series:N", "text:N"],
    )
    text = base.mark_text(align="left", dx=4, fontSize=11, color="#1d2330").encode(
        x=alt.X("value:Q"), text="text:N")
    if signed:  # labels outside the bar's end, on whichever side it grows
        negative = base.mark_text(align="right", dx=-4, fontSize=11, color="#1d2330").encode(
            x=alt.X("value:Q"), text="text:N").transform_filter(alt.datum.value < 0)
        text = text.transform_filter("!(datum.value < 0)") + negative
    height = len(labels) * (15 * len(series) + 9)
    return to_svg((bars + text).properties(height=height), title)


@cached
def line_chart(title: str, days: Sequence[date], series: Sequence[Series], *, y_title: str = "") -> str:
    """A line per series over days; gaps where a value is None; the y axis fits the data."""
    import altair as alt
    import pandas as pd

    if not days:
        return ""
    rows = [{"day": day.isoformat(), "series": s.name, "value": v}
            for s in series for day, v in zip(days, s.values, strict=True)]
    frame = pd.DataFrame(rows)
    names = [s.name for s in series]
    known = [v for s in series for v in s.values if v is not None]
    low, high = (min(known), max(known)) if known else (-1.0, 1.0)
    pad = max((high - low) * 0.15, 0.01)
    base = alt.Chart(frame).encode(
        x=alt.X("day:T", title=None, axis=alt.Axis(format="%m-%d", labelOverlap="greedy", labelSeparation=6)),
        y=alt.Y("value:Q", title=y_title or None, scale=alt.Scale(domain=[low - pad, high + pad], nice=True)),
        color=alt.Color("series:N", scale=alt.Scale(domain=names, range=[s.color for s in series]),
                        legend=alt.Legend() if len(series) > 1 else None),
    )
    lines = base.mark_line(point=True, strokeWidth=2).encode(
        tooltip=[alt.Tooltip("day:T", format="%Y-%m-%d"), "series:N", alt.Tooltip("value:Q", format=".3f")])
    return to_svg(lines.properties(height=220), title)


@cached
def column_chart(title: str, days: Sequence[date], values: Sequence[int], *, color: str = PALETTE[3]) -> str:
    """Vertical bars per day (counts); day labels thinned by Vega-Lite so they never overlap."""
    import altair as alt
    import pandas as pd

    if not days:
        return ""
    frame = pd.DataFrame({"day": [d.strftime("%m-%d") for d in days], "value": list(values)})
    chart = alt.Chart(frame).mark_bar(color=color).encode(
        x=alt.X("day:O", title=None, sort=None, axis=alt.Axis(labelOverlap="greedy", labelAngle=0,
                                                               labelSeparation=6)),
        y=alt.Y("value:Q", title=None, axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=["day:N", alt.Tooltip("value:Q", title="articles")],
    )
    return to_svg(chart.properties(height=160), title)


@cached
def heatmap(title: str, rows: Sequence[str], columns: Sequence[str], cells: Sequence[dict[str, Any]],
            *, value: str, text: str) -> str:
    """A grid of `rows` x `columns`, each cell coloured by `value` (diverging around 0) with `text` in it."""
    import altair as alt
    import pandas as pd

    if not cells:
        return ""
    frame = pd.DataFrame([{"row": _short(str(c["row"])), "column": str(c["column"]), "value": c[value],
                           "text": c[text]} for c in cells])
    known = [abs(c[value]) for c in cells if c[value] is not None]
    extent = max(known or [0.0]) or 0.1
    base = alt.Chart(frame).encode(
        y=alt.Y("row:N", sort=[_short(str(r)) for r in rows], title=None, axis=alt.Axis(grid=False)),
        x=alt.X("column:N", sort=list(columns), title=None, axis=alt.Axis(orient="top", labelAngle=0, grid=False)),
    )
    grid = base.mark_rect(stroke="white").encode(
        color=alt.Color("value:Q", scale=alt.Scale(scheme="redblue", domain=[-extent, extent]),
                        legend=alt.Legend(title="tone", orient="right")),
        tooltip=["row:N", "column:N", "text:N"],
    )
    strong = alt.datum.value * alt.datum.value > (extent * 0.6) ** 2
    labels = base.mark_text(fontSize=11).encode(
        text="text:N", color=alt.condition(strong, alt.value("white"), alt.value("#1d2330")))
    width = min(WIDTH, max(240, 110 * len(columns)))
    return to_svg((grid + labels).properties(height=24 * len(rows)), title, width)


def _number(value: float | int) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:,.1f}"
    return f"{int(value):,}"
