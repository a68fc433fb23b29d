"""The quality suites, defined once: every check, its expectation, its severity and what a failure does.

Three suites, each validated by Great Expectations against one small DataFrame that
`mediawatch.checks.frames` reads from DuckDB:

- `new_articles`: one row per article version loaded since the previous gate run (no body text,
  only its length). Checks marked row-level quarantine the offending versions (reason = the check's
  name) and warn; the batch passes because quarantining resolved it. When a row-level check hits
  more than `systemic_max_share` of the batch and at least `systemic_min_rows` rows, the fault is
  systemic (broken extractor, changed site): the rows are still quarantined and the check is
  critical. Versions repeat an article_id legitimately (an update is a new version), so uniqueness
  here is of (article_id, content_hash).
- `warehouse`: one row of invariants that DuckDB aggregates over the marts (GX would pull every row
  otherwise); any violation is critical except freshness and torn staging files, which warn.
- `sources`: one row per source (crawl volume, failure rate, latest crawl, article yield); all
  warnings, because a site being down is news for the operator, not a reason to withhold the report.

Critical failures raise `GateFailed` after everything is recorded (see mediawatch.checks.gate).
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.abc
import logging
import sys
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from mediawatch.checks.iso639 import ISO_639_1
from mediawatch.checks.thresholds import Thresholds

CRITICAL = "critical"
WARNING = "warning"

# the columns that identify a row of each suite's frame (reported for failing rows)
SUITE_KEYS: dict[str, list[str]] = {
    "new_articles": ["article_id", "content_hash"],
    "warehouse": [],
    "sources": ["source"],
}


# what each suite's checks read from its frame, besides its key columns: a suite whose frame holds
# the same values there as a frame validated before gets the same results (mediawatch.checks.reuse)
SUITE_COLUMNS: dict[str, list[str]] = {
    "new_articles": ["url", "title", "body_chars", "source", "fetched_at", "published_at",
                     "published_limit", "language", "body_shared"],
    "warehouse": ["duplicate_article_ids", "duplicate_canonical_urls", "orphan_mentions",
                  "orphan_cluster_ids", "hours_since_newest_article", "staging_files_with_rejects"],
    "sources": ["volume_ratio", "failure_rate", "yield_collapsed", "latest_crawl_succeeded"],
}
# modules Great Expectations imports but uses only inside expectations this project never runs
# (expect_column_kl_divergence_to_be_less_than, expect_column_values_to_match_json_schema): loaded on
# first use instead of with GX (scipy.stats and altair ~1 s, jsonschema ~0.2 s)
DEFERRED_IMPORTS = ("scipy.stats", "altair", "jsonschema")
# GX's optional SQL backend: absent to GX unless the process loaded it already (an Airflow task has).
# GX checks for it on import and leaves its SQL datasources unusable without it; the gate validates
# DataFrames only (~0.3 s of GX's 2 s import)
ABSENT_DURING_IMPORT = ("sqlalchemy",)


@dataclass(frozen=True)
class Check:
    """One expectation of one suite. `name` is what dq_results, quarantine reasons and the report use.

    The expectation itself is built on first use (`expectation`), so the gate knows every check,
    its severity and description without importing Great Expectations."""

    name: str
    suite: str
    severity: str  # declared severity: what a failure means when quarantine does not resolve it
    description: str
    make: Callable[[Any, dict[str, str]], Any]  # (great_expectations.expectations, meta) -> Expectation
    row_level: bool = False  # offending rows are quarantined instead of failing the batch

    @cached_property
    def expectation(self) -> Any:
        """The great_expectations Expectation (imports GX on first use)."""
        load_gx()
        import great_expectations.expectations as gxe

        return self.make(gxe, {"check": self.name, "description": self.description})


def quiet_gx_logging() -> None:
    """GX logs its own machinery at INFO (from import on); task logs want our results only."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


class _Deferred(types.ModuleType):
    """Stands in for a module during GX's import; the real module loads on first attribute access."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__dict__["__spec__"] = None
        self.__dict__["_real"] = None

    def __getattr__(self, attr: str) -> Any:
        real = self.__dict__["_real"]
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = importlib.import_module(self.__name__)
            self.__dict__["_real"] = real
        return getattr(real, attr)


class _Absent(importlib.abc.MetaPathFinder):
    """Makes `ABSENT_DURING_IMPORT` unimportable, for the thread importing GX only."""

    def __init__(self) -> None:
        self.thread = threading.get_ident()

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.split(".")[0] in ABSENT_DURING_IMPORT and threading.get_ident() == self.thread:
            raise ModuleNotFoundError(f"No module named {name!r} (while Great Expectations loads)", name=name)


def load_gx() -> Any:
    """Import Great Expectations once, quietly, with DEFERRED_IMPORTS loaded only if GX uses them
    and ABSENT_DURING_IMPORT not at all (unless already loaded).

    The stand-ins and the blocker are in place only during GX's own import; any later `import
    altair` or `import sqlalchemy` gets the real module."""
    quiet_gx_logging()  # before GX is imported: it logs from import on
    if "great_expectations" in sys.modules:
        return sys.modules["great_expectations"]
    placed = [name for name in DEFERRED_IMPORTS if name not in sys.modules]
    for name in placed:
        sys.modules[name] = _Deferred(name)
    absent = _Absent()
    sys.meta_path.insert(0, absent)
    try:
        import great_expectations
    finally:
        sys.meta_path.remove(absent)
        for name in placed:
            if isinstance(sys.modules.get(name), _Deferred):
                del sys.modules[name]
    return great_expectations


def build_checks(t: Thresholds) -> list[Check]:
    """Every check of every suite for thresholds `t` (no GX import: expectations are built on use)."""

    def row_check(name: str, description: str, make: Callable[[Any, dict[str, str]], Any]) -> Check:
        return Check(name, "new_articles", WARNING, description, make, row_level=True)

    def not_null(field: str, column: str | None = None) -> Check:
        # blank strings are read as null by the frame query, so "present" means non-blank
        return row_check(
            f"{field}_present", f"required field {field} is present and not blank",
            lambda gxe, meta: gxe.ExpectColumnValuesToNotBeNull(
                column=column or field, severity=WARNING, meta=meta),
        )

    earliest = dt.datetime(t.published_min_year, 1, 1, tzinfo=dt.UTC)
    tolerance = t.published_future_tolerance_hours
    return [
        # ---- new_articles: row-level (quarantine + warning; critical when systemic)
        not_null("url"),
        not_null("title"),
        not_null("body", "body_chars"),  # the frame carries the length, not the text
        not_null("source"),
        not_null("fetched_at"),
        row_check(
            "published_at_not_too_early", f"published_at is {t.published_min_year} or later",
            lambda gxe, meta: gxe.ExpectColumnValuesToBeBetween(
                column="published_at", min_value=earliest, severity=WARNING, meta=meta),
        ),
        row_check(
            "published_at_not_after_fetch",
            f"published_at is not after fetched_at (+{tolerance:g} h "
            "for pages stating local time without a zone)",
            lambda gxe, meta: gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="published_limit", column_B="published_at", or_equal=True,
                ignore_row_if="either_value_is_missing", severity=WARNING, meta=meta),
        ),
        row_check(
            "language_is_iso_639_1", "language is an ISO 639-1 code (or unknown)",
            lambda gxe, meta: gxe.ExpectColumnValuesToBeInSet(
                column="language", value_set=sorted(ISO_639_1), severity=WARNING, meta=meta),
        ),
        # ---- new_articles: batch-level
        Check(
            "version_unique", "new_articles", CRITICAL, "each (article_id, content_hash) version appears once",
            lambda gxe, meta: gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["article_id", "content_hash"], severity=CRITICAL, meta=meta),
        ),
        Check(
            "short_body_share", "new_articles", WARNING,
            f"at most {t.short_body_max_share:.0%} of bodies are under {t.body_min_chars} characters",
            lambda gxe, meta: gxe.ExpectColumnValuesToBeBetween(
                column="body_chars", min_value=t.body_min_chars, mostly=1 - t.short_body_max_share,
                severity=WARNING, meta=meta),
        ),
        Check(
            "duplicate_body_share", "new_articles", WARNING,
            f"at most {t.duplicate_max_share:.0%} of versions share their body with another article",
            lambda gxe, meta: gxe.ExpectColumnValuesToBeInSet(
                column="body_shared", value_set=[False], mostly=1 - t.duplicate_max_share,
                severity=WARNING, meta=meta),
        ),
        # ---- warehouse invariants (aggregated in DuckDB)
        _zero("article_id_unique", "articles with the same article_id", "duplicate_article_ids"),
        _zero("canonical_url_unique", "articles with the same canonical_url", "duplicate_canonical_urls"),
        _zero("mentions_reference_articles", "mentions whose article is not in articles", "orphan_mentions"),
        _zero("articles_reference_clusters", "articles whose cluster_id is not in clusters", "orphan_cluster_ids"),
        Check(
            "newest_article_fresh", "warehouse", WARNING,
            f"the newest article was fetched less than {t.freshness_max_hours:g} h ago",
            lambda gxe, meta: gxe.ExpectColumnMaxToBeBetween(
                column="hours_since_newest_article", max_value=t.freshness_max_hours, severity=WARNING,
                meta=meta),
        ),
        Check(
            "staging_files_intact", "warehouse", WARNING,
            "no staging file loaded since the previous gate run had torn or unreadable lines "
            "(their complete lines are loaded, the rest kept in <run>.jsonl.rejected)",
            lambda gxe, meta: gxe.ExpectColumnMaxToBeBetween(
                column="staging_files_with_rejects", min_value=0, max_value=0, severity=WARNING, meta=meta),
        ),
        # ---- per source
        Check(
            "source_volume_stable", "sources", WARNING,
            "latest crawl's articles / mean of the previous "
            f"{t.volume_window_runs} crawls is above 0 and below {t.volume_jump_factor:g}",
            lambda gxe, meta: gxe.ExpectColumnValuesToBeBetween(
                column="volume_ratio", min_value=0, max_value=t.volume_jump_factor,
                strict_min=True, strict_max=True, severity=WARNING, meta=meta),
        ),
        Check(
            "source_failure_rate", "sources", WARNING,
            f"at most {t.failure_max_rate:.0%} of pages failed over the latest "
            f"{t.failure_window_runs} crawls of a source",
            lambda gxe, meta: gxe.ExpectColumnValuesToBeBetween(
                column="failure_rate", max_value=t.failure_max_rate, severity=WARNING, meta=meta),
        ),
        Check(
            "source_yield", "sources", WARNING,
            "of the pages extraction judged in a source's latest crawls (at least "
            f"{t.yield_min_candidates}), the share that became articles is not under "
            f"{t.yield_collapse_ratio:g} x its own recent yield (without history: under "
            f"{t.yield_min_share:.0%}); a collapse means a bot wall or a changed layout",
            lambda gxe, meta: gxe.ExpectColumnValuesToBeInSet(
                column="yield_collapsed", value_set=[False], severity=WARNING, meta=meta),
        ),
        Check(
            "source_latest_crawl_succeeded", "sources", WARNING,
            "the latest crawl of each source succeeded (completed, not every page failed)",
            lambda gxe, meta: gxe.ExpectColumnValuesToBeInSet(
                column="latest_crawl_succeeded", value_set=[True], severity=WARNING, meta=meta),
        ),
    ]


def _zero(name: str, what: str, column: str) -> Check:
    """A critical warehouse invariant: the count `column` must be 0."""
    return Check(
        name, "warehouse", CRITICAL, f"no {what}",
        lambda gxe, meta: gxe.ExpectColumnMaxToBeBetween(
            column=column, min_value=0, max_value=0, severity=CRITICAL, meta=meta),
    )
