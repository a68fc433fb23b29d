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
import logging
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Check:
    """One expectation of one suite. `name` is what dq_results, quarantine reasons and the report use."""

    name: str
    suite: str
    severity: str  # declared severity: what a failure means when quarantine does not resolve it
    expectation: Any  # a great_expectations Expectation
    row_level: bool = False  # offending rows are quarantined instead of failing the batch

    @property
    def description(self) -> str:
        return str(self.expectation.meta.get("description", self.name))


def quiet_gx_logging() -> None:
    """GX logs its own machinery at INFO (from import on); task logs want our results only."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


def build_checks(t: Thresholds) -> list[Check]:
    """Every check of every suite, with expectations built for thresholds `t`."""
    quiet_gx_logging()
    import great_expectations.expectations as gxe

    def meta(name: str, description: str) -> dict[str, str]:
        return {"check": name, "description": description}

    def row_check(name: str, expectation: Any) -> Check:
        return Check(name, "new_articles", WARNING, expectation, row_level=True)

    def not_null(field: str, column: str | None = None) -> Check:
        # blank strings are read as null by the frame query, so "present" means non-blank
        name = f"{field}_present"
        return row_check(
            name,
            gxe.ExpectColumnValuesToNotBeNull(
                column=column or field, severity=WARNING,
                meta=meta(name, f"required field {field} is present and not blank"),
            ),
        )

    earliest = dt.datetime(t.published_min_year, 1, 1, tzinfo=dt.UTC)
    return [
        # ---- new_articles: row-level (quarantine + warning; critical when systemic)
        not_null("url"),
        not_null("title"),
        not_null("body", "body_chars"),  # the frame carries the length, not the text
        not_null("source"),
        not_null("fetched_at"),
        row_check(
            "published_at_not_too_early",
            gxe.ExpectColumnValuesToBeBetween(
                column="published_at", min_value=earliest, severity=WARNING,
                meta=meta("published_at_not_too_early", f"published_at is {t.published_min_year} or later"),
            ),
        ),
        row_check(
            "published_at_not_after_fetch",
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="published_limit", column_B="published_at", or_equal=True,
                ignore_row_if="either_value_is_missing", severity=WARNING,
                meta=meta(
                    "published_at_not_after_fetch",
                    f"published_at is not after fetched_at (+{t.published_future_tolerance_hours:g} h "
                    "for pages stating local time without a zone)",
                ),
            ),
        ),
        row_check(
            "language_is_iso_639_1",
            gxe.ExpectColumnValuesToBeInSet(
                column="language", value_set=sorted(ISO_639_1), severity=WARNING,
                meta=meta("language_is_iso_639_1", "language is an ISO 639-1 code (or unknown)"),
            ),
        ),
        # ---- new_articles: batch-level
        Check(
            "version_unique", "new_articles", CRITICAL,
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["article_id", "content_hash"], severity=CRITICAL,
                meta=meta("version_unique", "each (article_id, content_hash) version appears once"),
            ),
        ),
        Check(
            "short_body_share", "new_articles", WARNING,
            gxe.ExpectColumnValuesToBeBetween(
                column="body_chars", min_value=t.body_min_chars, mostly=1 - t.short_body_max_share,
                severity=WARNING,
                meta=meta(
                    "short_body_share",
                    f"at most {t.short_body_max_share:.0%} of bodies are under {t.body_min_chars} characters",
                ),
            ),
        ),
        Check(
            "duplicate_body_share", "new_articles", WARNING,
            gxe.ExpectColumnValuesToBeInSet(
                column="body_shared", value_set=[False], mostly=1 - t.duplicate_max_share, severity=WARNING,
                meta=meta(
                    "duplicate_body_share",
                    f"at most {t.duplicate_max_share:.0%} of versions share their body with another article",
                ),
            ),
        ),
        # ---- warehouse invariants (aggregated in DuckDB)
        _zero("article_id_unique", "articles with the same article_id", "duplicate_article_ids", gxe),
        _zero("canonical_url_unique", "articles with the same canonical_url", "duplicate_canonical_urls", gxe),
        _zero("mentions_reference_articles", "mentions whose article is not in articles", "orphan_mentions", gxe),
        _zero("articles_reference_clusters", "articles whose cluster_id is not in clusters", "orphan_cluster_ids", gxe),
        Check(
            "newest_article_fresh", "warehouse", WARNING,
            gxe.ExpectColumnMaxToBeBetween(
                column="hours_since_newest_article", max_value=t.freshness_max_hours, severity=WARNING,
                meta=meta(
                    "newest_article_fresh",
                    f"the newest article was fetched less than {t.freshness_max_hours:g} h ago",
                ),
            ),
        ),
        Check(
            "staging_files_intact", "warehouse", WARNING,
            gxe.ExpectColumnMaxToBeBetween(
                column="staging_files_with_rejects", min_value=0, max_value=0, severity=WARNING,
                meta=meta(
                    "staging_files_intact",
                    "no staging file loaded since the previous gate run had torn or unreadable lines "
                    "(their complete lines are loaded, the rest kept in <run>.jsonl.rejected)",
                ),
            ),
        ),
        # ---- per source
        Check(
            "source_volume_stable", "sources", WARNING,
            gxe.ExpectColumnValuesToBeBetween(
                column="volume_ratio", min_value=0, max_value=t.volume_jump_factor,
                strict_min=True, strict_max=True, severity=WARNING,
                meta=meta(
                    "source_volume_stable",
                    "latest crawl's articles / mean of the previous "
                    f"{t.volume_window_runs} crawls is above 0 and below {t.volume_jump_factor:g}",
                ),
            ),
        ),
        Check(
            "source_failure_rate", "sources", WARNING,
            gxe.ExpectColumnValuesToBeBetween(
                column="failure_rate", max_value=t.failure_max_rate, severity=WARNING,
                meta=meta(
                    "source_failure_rate",
                    f"at most {t.failure_max_rate:.0%} of pages failed over the latest "
                    f"{t.failure_window_runs} crawls of a source",
                ),
            ),
        ),
        Check(
            "source_yield", "sources", WARNING,
            gxe.ExpectColumnValuesToBeInSet(
                column="yield_collapsed", value_set=[False], severity=WARNING,
                meta=meta(
                    "source_yield",
                    "of the pages extraction judged in a source's latest crawls (at least "
                    f"{t.yield_min_candidates}), the share that became articles is not under "
                    f"{t.yield_collapse_ratio:g} x its own recent yield (without history: under "
                    f"{t.yield_min_share:.0%}); a collapse means a bot wall or a changed layout",
                ),
            ),
        ),
        Check(
            "source_latest_crawl_succeeded", "sources", WARNING,
            gxe.ExpectColumnValuesToBeInSet(
                column="latest_crawl_succeeded", value_set=[True], severity=WARNING,
                meta=meta("source_latest_crawl_succeeded", "the latest crawl of each source succeeded (completed, not every page failed)"),
            ),
        ),
    ]


def _zero(name: str, what: str, column: str, gxe: Any) -> Check:
    """A critical warehouse invariant: the count `column` must be 0."""
    return Check(
        name, "warehouse", CRITICAL,
        gxe.ExpectColumnMaxToBeBetween(
            column=column, min_value=0, max_value=0, severity=CRITICAL,
            meta={"check": name, "description": f"no {what}"},
        ),
    )
