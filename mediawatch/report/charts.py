"""Inline SVG charts: horizontal bar charts and a line chart, with labels and numbers on them.

The SVG is written by hand so the report needs no plotting library, no script and no network: it
renders the same in a browser, a mail client that shows HTML, or a file viewer. All text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#2f6fb0", "#b0b7c3", "#d9822b", "#3a9b5c", "#b0413e", "#7b5ea7")
FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif"


@dataclass(frozen=True)
class Series:
    """One named series of numbers (None = no value) drawn in one colour."""

    name: str
    values: Sequence[float | int | None]
    color: str = PALETTE[0]


def _label(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(value: float | int) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:,.1f}"
    return f"{int(value):,}"


def bar_chart(title: str, labels: Sequence[str], series: Sequence[Series], *, unit: str = "",
              width: int = 960, scale_max: float | None = None) -> str:
    """Horizontal (grouped) bars, one group per label, the value printed at the end of each bar.

    `scale_max` fixes the value of a full-width bar (100 for percentages); default: the largest value.
    """
    if not labels:
        return ""
    label_w, right_pad, bar_h, gap = 230, 70, 16, 10
    group_h = bar_h * len(series) + gap
    legend_h = 22 if len(series) > 1 else 0
    top = 34 + legend_h
    height = top + group_h * len(labels) + 10
    plot_w = width - label_w - right_pad
    peak = scale_max or max([abs(v) for s in series for v in s.values if v is not None] or [0]) or 1
    parts = [_svg_open(title, width, height), _title(title)]
    for i, s in enumerate(series if len(series) > 1 else []):
        x = label_w + i * 170
        parts.append(f'<rect x="{x}" y="30" width="12" height="12" fill="{s.color}"/>'
                     f'<text x="{x + 18}" y="40" font-size="12">{escape(s.name)}</text>')
    for row, label in enumerate(labels):
        y0 = top + row * group_h
        parts.append(f'<text x="{label_w - 8}" y="{y0 + group_h / 2 - gap / 2 + 4:.1f}" font-size="13" '
                     f'text-anchor="end"><title>{escape(label)}</title>{escape(_label(label))}</text>')
        for k, s in enumerate(series):
            value = s.values[row]
            y = y0 + k * bar_h
            w = 0.0 if value is None else abs(value) / peak * plot_w
            parts.append(f'<rect x="{label_w}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h - 3}" '
                         f'fill="{s.color}"><title>{escape(s.name)}: {escape(str(value))}</title></rect>')
            shown = "n/a" if value is None else _number(value) + unit
            parts.append(f'<text x="{label_w + w + 5:.1f}" y="{y + bar_h - 5}" font-size="12">{escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(title: str, x_labels: Sequence[str], series: Sequence[Series], *, y_min: float, y_max: float,
               width: int = 960, height: int = 280) -> str:
    """A line per series over x; gaps where a value is None; each point labelled with its value."""
    if not x_labels:
        return ""
    left, right, top, bottom = 50, 20, 40, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(x_labels) - 1, 1)

    def y_of(v: float) -> float:
        return top + (y_max - v) / (y_max - y_min) * plot_h

    parts = [_svg_open(title, width, height), _title(title)]
    for tick in (y_min, (y_min + y_max) / 2, y_max):
        y = y_of(tick)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d5d9e0"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{_number(tick)}</text>')
    every = max(1, len(x_labels) // 10)
    for i, label in enumerate(x_labels):
        if i % every == 0 or i == len(x_labels) - 1:
            parts.append(f'<text x="{left + i * step:.1f}" y="{height - bottom + 18}" font-size="11" '
                         f'text-anchor="middle">{escape(label)}</text>')
    for s in series:
        runs: list[list[tuple[float, float, float]]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append((left + i * step, y_of(float(v)), float(v)))
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in run)
                parts.append(f'<polyline points="{points}" fill="none" stroke="{s.color}" stroke-width="2"/>')
            for x, y, v in run:
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{s.color}">'
                             f'<title>{escape(s.name)}: {_number(v)}</title></circle>'
                             f'<text x="{x:.1f}" y="{y - 8:.1f}" font-size="11" text-anchor="middle">{_number(v)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _svg_open(title: str, width: int, height: int) -> str:
    # no xmlns: inline SVG in HTML does not need it, and the report must hold no external URL
    return (f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" style="max-width:100%;height:auto;{FONT}">')


def _title(title: str) -> str:
    return f'<text x="0" y="18" font-size="14" font-weight="600">{escape(title)}</text>'
