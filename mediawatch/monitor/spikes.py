"""Spikes in daily mention counts: a day far above its own recent past, judged robustly.

Each day's count is compared with the `window` days before it: z = (count - median) / scale, where
scale = 1.4826 * MAD (the MAD of normally distributed data times 1.4826 estimates its standard
deviation). Median and MAD ignore one-off outliers, so last week's spike does not hide this week's.
Counts are Poisson-like, whose spread grows as sqrt(mean); when the window is flat (MAD = 0, e.g.
all zeros) the scale falls back to sqrt(max(median, 1)). So from a zero baseline, a day needs at
least `threshold` mentions (and `min_count`) to spike. Days missing from the series count as 0.
A day is judged only once `window` earlier days exist in the series.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class Spike:
    """A day whose count stands out: its baseline median and MAD over the window, and its z-score."""

    day: date
    count: int
    baseline_median: float
    mad: float
    z: float


def robust_z(count: float, baseline: list[int]) -> tuple[float, float, float]:
    """(z, median, mad) of `count` against `baseline`, with the Poisson floor on the scale."""
    med = float(median(baseline))
    mad = float(median(abs(x - med) for x in baseline))
    scale = max(MAD_TO_SIGMA * mad, math.sqrt(max(med, 1.0)))
    return (count - med) / scale, med, mad


def detect_spikes(
    series: Mapping[date, int], window: int = 14, threshold: float = 3.5, min_count: int = 3
) -> list[Spike]:
    """Days whose robust z-score against the previous `window` days is >= threshold and whose count
    is >= min_count, oldest first."""
    if window < 1:
        raise ValueError("window must be at least 1 day")
    if not series:
        return []
    first, last = min(series), max(series)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    counts = [int(series.get(d, 0) or 0) for d in days]
    spikes = []
    for i in range(window, len(days)):
        count = counts[i]
        if count < min_count:
            continue
        z, med, mad = robust_z(count, counts[i - window : i])
        if z >= threshold:
            spikes.append(Spike(days[i], count, med, mad, round(z, 3)))
    return spikes
