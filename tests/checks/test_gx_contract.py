"""What the gate relies on from Great Expectations, checked directly on tiny frames: failing rows come
back with their key columns (quarantine needs them), aggregates with their observed value, a check
that cannot run counts as failed, and Data Docs are replaced whole. Fails first when GX changes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from mediawatch.checks.gx_runner import Validation
from mediawatch.checks.suites import CRITICAL, build_checks
from mediawatch.checks.thresholds import Thresholds


def batch(**columns: list) -> pd.DataFrame:
    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    rows = len(next(iter(columns.values())))
    base = {
        "article_id": [f"a{i}" for i in range(rows)], "content_hash": [f"h{i}" for i in range(rows)],
        "url": ["https://x.example/"] * rows, "title": ["T"] * rows, "body_chars": [900] * rows,
        "source": ["alpha"] * rows, "fetched_at": [now] * rows, "published_at": [now] * rows,
        "published_limit": [now] * rows, "language": ["en"] * rows, "body_shared": [False] * rows,
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_failing_rows_come_back_with_their_keys(tmp_path: Path) -> None:
    checks = build_checks(Thresholds())
    validation = Validation(tmp_path / "docs", "contract")
    results = {r.name: r for r in validation.run("new_articles", batch(title=["T", None, "T"]), checks)}

    title = results["title_present"]
    assert title.success is False and title.row_level
    assert [(row["article_id"], row["content_hash"]) for row in title.offenders] == [("a1", "h1")]
    assert title.observed_value == "1 of 3 rows"
    assert all(r.success for name, r in results.items() if name != "title_present")


def test_aggregates_report_their_observed_value_and_errors_fail(tmp_path: Path) -> None:
    checks = build_checks(Thresholds())
    validation = Validation(tmp_path / "docs", "contract")
    frame = pd.DataFrame({"duplicate_article_ids": [3], "duplicate_canonical_urls": [0], "orphan_mentions": [0],
                          "orphan_cluster_ids": [0], "hours_since_newest_article": [1.5]})
    results = {r.name: r for r in validation.run("warehouse", frame, checks)}
    assert results["article_id_unique"].success is False
    assert results["article_id_unique"].observed_value == "3"
    assert results["article_id_unique"].severity == CRITICAL
    # a column the check needs is missing: GX cannot evaluate it, which must not read as a pass
    assert results["articles_reference_clusters"].success is True
    broken = {r.name: r for r in validation.run("sources", pd.DataFrame({"source": ["alpha"]}), checks)}
    assert all(not r.success and r.observed_value.startswith("error:") for r in broken.values())


def test_data_docs_are_replaced_whole(tmp_path: Path) -> None:
    checks = build_checks(Thresholds())
    docs = tmp_path / "docs"
    for run in ("first", "second"):
        validation = Validation(docs, run)
        validation.run("new_articles", batch(title=["T"]), checks)
        index = validation.publish_docs()
        assert index == docs / "index.html" and "new_articles" in index.read_text()
    runs = {p.parent.name for p in (docs / "validations").rglob("*.html")}
    assert len(runs) == 1  # the first run's pages went with the old site
    # no half-built folders left behind; beside the site only its compiled templates (gx_views)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".docs-templates", "docs"]
    assert any((tmp_path / ".docs-templates").iterdir())
