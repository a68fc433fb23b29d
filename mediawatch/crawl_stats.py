"""The outcome of one crawl of one source: one typed record, written as `<run_id>.stats.json`.

Every place that describes a crawl builds this record: the spider when it closes, the recovery of a
crashed run's staging file, a crawl that died before writing its own, and `mediawatch crawl`'s
summary. The JSON form is the staging contract with the loader (`prep_crawl_stats`); fields are only
ever added, never renamed, and files written before a field existed still read.

The outcome of a crawl:
- `failed`: the crawl died, or no discovery endpoint (feed, sitemap, section) answered, or every
  page it fetched errored: the source delivered nothing this run;
- `degraded`: it delivered, but some endpoints or pages failed;
- `ok`: everything it tried answered.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["DEGRADED", "FAILED", "OK", "OUTCOMES", "CrawlStats", "crawl_summary", "is_candidate"]

OK = "ok"
DEGRADED = "degraded"
FAILED = "failed"
OUTCOMES = (OK, DEGRADED, FAILED)

# a fetched page that extraction judged; `not_article:url_pattern` pages were never fetched (or
# were excluded by URL after a redirect), so they say nothing about whether extraction works
_NOT_CANDIDATE_REASONS = {"not_article:url_pattern"}


def is_candidate(kind: str, reason: str | None) -> bool:
    """True for a page that went through extraction: an article, or a page judged `not_article:*`."""
    if kind == "article":
        return True
    return bool(reason and reason.startswith("not_article:") and reason not in _NOT_CANDIDATE_REASONS)


@dataclass
class CrawlStats:
    """What one crawl of one source did, and its outcome (see the module docstring)."""

    run_id: str
    source: str
    started_at: str | None = None
    finished_at: str | None = None
    duration_s: float | None = None
    requests: int | None = 0
    responses_by_status: dict[str, int] = field(default_factory=dict)
    articles: int = 0
    skipped: int = 0
    duplicates: int = 0
    failed: int = 0  # pages that failed (HTTP errors, timeouts, blocked, unparseable)
    errors_by_kind: dict[str, int] = field(default_factory=dict)
    bytes: int | None = 0
    not_modified: int | None = 0
    # added with the outcome (absent from older files)
    endpoints: int | None = None  # discovery endpoints in the registry entry (feeds, sitemaps, sections)
    endpoints_failed: int | None = None  # ... that did not answer usably
    candidates: int | None = None  # pages extraction judged: articles (and duplicates) + not_article:*
    not_article_by_reason: dict[str, int] = field(default_factory=dict)
    # what discovery found beyond the registry (feeds_found, sitemaps_found, sections_found) and
    # the guesses that found nothing (probe_missing, probe_not_xml): counted, never errors
    discovery: dict[str, int] = field(default_factory=dict)
    error: str | None = None  # why the whole crawl failed (the process died); None when it completed

    @property
    def outcome(self) -> str:
        """ok, degraded or failed (see the module docstring)."""
        if self.error:
            return FAILED
        if self.endpoints and (self.endpoints_failed or 0) >= self.endpoints:
            return FAILED  # no feed, sitemap or section answered
        answered = self.articles + self.skipped + self.duplicates + (self.not_modified or 0)
        problems = self.failed + sum(self.errors_by_kind.values())
        if problems and not answered:
            return FAILED  # everything it tried errored (e.g. its only feed is down)
        if problems or self.endpoints_failed:
            return DEGRADED
        return OK

    @property
    def yield_share(self) -> float | None:
        """Share of the candidates that became articles; None when nothing was judged."""
        if not self.candidates:
            return None
        return (self.articles + self.duplicates) / self.candidates

    @property
    def dominant_not_article_reason(self) -> str | None:
        if not self.not_article_by_reason:
            return None
        return max(sorted(self.not_article_by_reason), key=self.not_article_by_reason.__getitem__)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (stats file, Airflow XCom, CLI): every field plus the derived `outcome` and
        `dominant_not_article_reason` (so SQL reads them without re-deriving)."""
        data = dataclasses.asdict(self)
        data["outcome"] = self.outcome
        data["dominant_not_article_reason"] = self.dominant_not_article_reason
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CrawlStats:
        """Read a stats dict, also one written before newer fields existed; unknown keys are ignored."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["run_id"], values["source"] = str(data["run_id"]), str(data["source"])
        for key in ("articles", "skipped", "duplicates", "failed"):
            values[key] = int(values.get(key) or 0)
        for key in ("responses_by_status", "errors_by_kind", "not_article_by_reason", "discovery"):
            values[key] = {str(k): int(v) for k, v in dict(values.get(key) or {}).items()}
        values["error"] = values.get("error") or None
        return cls(**values)

    @classmethod
    def read(cls, path: Path) -> CrawlStats:
        """The record in a stats file; OSError / ValueError / KeyError when it is unreadable."""
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def crashed(cls, source: str, run_id: str, error: str) -> CrawlStats:
        """A crawl that could not finish (process died, no stats of its own)."""
        now = datetime.now(UTC).isoformat()
        return cls(run_id=run_id, source=source, started_at=now, finished_at=now,
                   error=error[-2000:] or "crawl failed")

    @classmethod
    def from_pages(
        cls, source: str, run_id: str, pages: Iterable[tuple[str, str | None]], **fields: Any
    ) -> CrawlStats:
        """Counts from staged pages given as (kind, reason), e.g. a crashed run's staging file."""
        stats = cls(run_id=run_id, source=source, **fields)
        stats.candidates = 0
        for kind, reason in pages:
            stats.count_page(kind, reason)
        return stats

    def count_page(self, kind: str, reason: str | None) -> None:
        """Add one staged page (kind article / skipped / failed, with its reason)."""
        if kind == "article":
            self.articles += 1
        elif kind == "skipped":
            self.skipped += 1
        elif kind == "failed":
            self.failed += 1
        if is_candidate(kind, reason):
            self.candidates = (self.candidates or 0) + 1
            if kind != "article" and reason:
                self.not_article_by_reason[reason] = self.not_article_by_reason.get(reason, 0) + 1

    def describe(self) -> str:
        """One line for logs and errors: outcome and why."""
        if self.error:
            return f"{self.source}: failed ({self.error.splitlines()[0][:200]})"
        parts = [f"{self.source}: {self.outcome}", f"articles={self.articles}", f"failed={self.failed}"]
        if self.endpoints is not None:
            parts.append(f"endpoints_failed={self.endpoints_failed or 0}/{self.endpoints}")
        if self.errors_by_kind:
            parts.append("errors=" + ",".join(f"{k}:{v}" for k, v in sorted(self.errors_by_kind.items())))
        return " ".join(parts)


def crawl_summary(run_id: str, results: list[CrawlStats]) -> dict[str, Any]:
    """`mediawatch crawl`'s summary: summed counts, sources by outcome, failed sources named."""
    summary: dict[str, Any] = {"run_id": run_id, "sources": len(results)}
    for key in ("requests", "articles", "skipped", "duplicates", "failed", "not_modified"):
        summary[key] = sum(int(getattr(r, key) or 0) for r in results)
    for outcome in OUTCOMES:
        summary[f"sources_{outcome}"] = sum(1 for r in results if r.outcome == outcome)
    summary["failed_sources"] = [r.source for r in results if r.outcome == FAILED]
    summary["degraded_sources"] = [r.source for r in results if r.outcome == DEGRADED]
    summary["outcomes"] = {r.source: r.describe() for r in results}
    return summary
