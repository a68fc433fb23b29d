"""Every number the quality gate compares against, in one place, with its default.

Override any of them with an environment variable `MEDIAWATCH_DQ_<NAME>` (upper case), e.g.
`MEDIAWATCH_DQ_FRESHNESS_MAX_HOURS=72`. A value that does not parse is an error naming the variable,
not a silent fallback: a gate that quietly used other limits than the operator set would mislead.
The per-source limits in PER_SOURCE can also be set for one source in the registry
(`thresholds: {yield_min_share: 0.05}` in its sources.yaml entry), e.g. for a site whose listings
are mostly galleries.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass

ENV_PREFIX = "MEDIAWATCH_DQ_"


@dataclass(frozen=True)
class Thresholds:
    """Limits of the checks (see mediawatch.checks.suites for which check uses which)."""

    # published_at must fall on or after this year and not after fetched_at + tolerance; pages that
    # state local time without a zone are read as UTC, so up to ~14 h "in the future" is normal
    published_min_year: int = 1995
    published_future_tolerance_hours: float = 24.0
    # a body shorter than this many characters is a "short page"; up to this share of them is normal
    # (briefs, live-blog stubs), more means extraction is cutting articles off
    body_min_chars: int = 200
    short_body_max_share: float = 0.2
    # share of new versions whose body (content_hash) another article also has: syndication is
    # normal, a large share means one page is being stored under many URLs
    duplicate_max_share: float = 0.3
    # a row-level check quarantines its offending rows and warns; when the offenders are more than
    # this share of the batch and at least `systemic_min_rows`, the fault is systemic (a broken
    # extractor or a changed site) and the check is critical
    systemic_max_share: float = 0.2
    systemic_min_rows: int = 5
    # per-source volume: latest crawl's articles against the mean of the previous `volume_window_runs`
    # crawls (needs `volume_min_history` of them); zero or a `volume_jump_factor`-fold jump is flagged
    volume_window_runs: int = 7
    volume_min_history: int = 3
    volume_jump_factor: float = 10.0
    # newest article in the warehouse older than this: crawls or loads have stopped
    freshness_max_hours: float = 48.0
    # failed pages over the latest `failure_window_runs` crawls of a source (at least
    # `failure_min_pages` pages, so one failed fetch of three is not an alarm)
    failure_window_runs: int = 3
    failure_min_pages: int = 10
    failure_max_rate: float = 0.5
    # article yield per source: of the pages extraction judged (articles and not_article pages) in the
    # source's latest crawls (newest first, until they hold `yield_min_candidates`), the share that
    # became articles. It has collapsed (a bot wall, a changed layout) when it is under
    # `yield_collapse_ratio` x the source's own yield over its previous `yield_window_runs` crawls
    # (at least `yield_min_history` of them with enough candidates), or, without that history,
    # under `yield_min_share`. It fires on the first bad crawl that has enough candidates.
    yield_min_candidates: int = 5
    yield_min_share: float = 0.2
    yield_collapse_ratio: float = 0.25
    yield_window_runs: int = 7
    yield_min_history: int = 1

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Thresholds:
        """Defaults, overridden by `MEDIAWATCH_DQ_<NAME>` variables."""
        environ = os.environ if environ is None else environ
        values: dict[str, int | float] = {}
        for spec in dataclasses.fields(cls):
            name = ENV_PREFIX + spec.name.upper()
            if name not in environ:
                continue
            kind = int if spec.type in ("int", int) else float
            try:
                value = kind(environ[name])
            except ValueError:
                raise ValueError(
                    f"{name}={environ[name]!r} is not a valid {kind.__name__}; "
                    f"unset it to use the default ({getattr(cls, spec.name)})"
                ) from None
            if value < 0:
                raise ValueError(f"{name}={environ[name]!r} must not be negative")
            values[spec.name] = value
        return cls(**values)  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, int | float]:
        return dataclasses.asdict(self)

    def for_source(self, overrides: Mapping[str, float]) -> Thresholds:
        """These limits with a source's registry overrides (names in PER_SOURCE) applied."""
        unknown = sorted(set(overrides) - set(PER_SOURCE))
        if unknown:
            raise ValueError(
                f"unknown per-source threshold(s) {unknown}; allowed: {', '.join(PER_SOURCE)}"
            )
        values = {}
        for name, value in overrides.items():
            kind = int if name in _INT_FIELDS else float
            values[name] = kind(value)
        return dataclasses.replace(self, **values)


# the limits a source's registry entry may override (`thresholds:` in sources.yaml)
PER_SOURCE = ("yield_min_candidates", "yield_min_share", "yield_collapse_ratio")
_INT_FIELDS = {f.name for f in dataclasses.fields(Thresholds) if f.type in ("int", int)}
