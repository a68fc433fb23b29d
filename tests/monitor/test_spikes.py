"""Spike detection on synthetic daily series."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mediawatch.monitor.spikes import detect_spikes

START = date(2024, 1, 1)


def series(counts: list[int]) -> dict[date, int]:
    return {START + timedelta(days=i): c for i, c in enumerate(counts)}


def test_flat_series_has_no_spikes() -> None:
    assert detect_spikes(series([10] * 40)) == []


def test_noisy_flat_series_has_no_spikes() -> None:
    assert detect_spikes(series([8, 12, 9, 11, 10, 13, 7, 10, 12, 9] * 4)) == []


def test_gradual_growth_is_not_a_spike() -> None:
    assert detect_spikes(series([10 + i for i in range(60)])) == []
    assert detect_spikes(series([int(10 * 1.03**i) for i in range(60)])) == []


def test_one_jump_is_a_spike() -> None:
    counts = [10, 12, 9, 11, 10, 13, 8, 10, 12, 9, 11, 10, 12, 9, 10, 60, 11, 10]
    (spike,) = detect_spikes(series(counts))
    assert spike.day == START + timedelta(days=15)
    assert spike.count == 60
    assert spike.baseline_median == 10.0  # days 1-14, not day 0
    assert spike.mad == 1.0
    assert spike.z > 3.5


def test_earlier_spike_does_not_mask_a_later_one() -> None:
    counts = [10] * 20 + [80] + [10] * 5 + [75] + [10] * 3
    days = [s.day for s in detect_spikes(series(counts))]
    assert days == [START + timedelta(days=20), START + timedelta(days=26)]


def test_zero_baseline_rules() -> None:
    # below min_count: never a spike, even from nothing
    assert detect_spikes(series([0] * 20 + [2])) == []
    # from zero the scale floor is 1, so z equals the count: 3 < 3.5
    assert detect_spikes(series([0] * 20 + [3])) == []
    (spike,) = detect_spikes(series([0] * 20 + [5]))
    assert spike.z == 5.0 and spike.baseline_median == 0.0 and spike.mad == 0.0


def test_missing_days_count_as_zero() -> None:
    sparse = {START: 1, START + timedelta(days=30): 9}
    (spike,) = detect_spikes(sparse)
    assert spike.day == START + timedelta(days=30) and spike.baseline_median == 0.0


def test_days_without_a_full_window_are_not_judged() -> None:
    assert detect_spikes(series([0] * 5 + [50])) == []
    assert len(detect_spikes(series([0] * 5 + [50]), window=5)) == 1


def test_bad_window_and_empty_series() -> None:
    assert detect_spikes({}) == []
    with pytest.raises(ValueError):
        detect_spikes(series([1, 2, 3]), window=0)
