"""The crawl-stats record: outcome rules, yield, and reading stats files written before the
outcome existed (the staging contract only ever gains fields)."""

from __future__ import annotations

import json

from mediawatch.crawl_stats import DEGRADED, FAILED, OK, CrawlStats, crawl_summary, is_candidate
from mediawatch.staging import finalize_leftovers


def stats(**fields) -> CrawlStats:
    return CrawlStats(run_id="r1", source="s", **fields)


def test_outcome_rules() -> None:
    assert stats(articles=3, endpoints=2, endpoints_failed=0).outcome == OK
    assert stats(not_modified=2, endpoints=2, endpoints_failed=0).outcome == OK  # nothing new is fine
    assert stats(endpoints=2, endpoints_failed=0).outcome == OK  # empty feeds answered
    # some endpoints or pages failed, but it delivered
    assert stats(articles=3, endpoints=2, endpoints_failed=1,
                 errors_by_kind={"connection_refused": 1}).outcome == DEGRADED
    assert stats(articles=3, failed=1, errors_by_kind={"http_500": 1}).outcome == DEGRADED
    # no endpoint answered
    assert stats(endpoints=2, endpoints_failed=2, errors_by_kind={"connection_refused": 2}).outcome == FAILED
    # the feed answered but every listed page errored
    assert stats(failed=4, errors_by_kind={"timeout": 4}, endpoints=1, endpoints_failed=0).outcome == FAILED
    # the process died
    assert stats(articles=5, error="exit code -9").outcome == FAILED


def test_a_stats_file_from_before_the_outcome_still_reads() -> None:
    old = {"run_id": "r0", "source": "s", "started_at": None, "finished_at": None, "duration_s": None,
           "requests": 3, "responses_by_status": {"200": 3}, "articles": 0, "skipped": 0,
           "duplicates": 0, "failed": 0, "errors_by_kind": {"dns_error": 2}, "bytes": 10,
           "not_modified": 0, "something_newer": 1}
    record = CrawlStats.from_dict(old)
    assert record.outcome == FAILED and record.endpoints is None and record.yield_share is None
    data = record.to_dict()
    assert data["outcome"] == FAILED and set(old) - {"something_newer"} <= set(data)
    assert CrawlStats.from_dict(json.loads(json.dumps(data))) == record


def test_candidates_yield_and_dominant_reason() -> None:
    pages = [("article", None)] * 2 + [("skipped", "not_article:too_short")] * 5 + [
        ("skipped", "not_article:tag_page"), ("skipped", "not_article:url_pattern"), ("failed", "timeout")]
    record = CrawlStats.from_pages("s", "r1", pages)
    assert (record.articles, record.skipped, record.failed, record.candidates) == (2, 7, 1, 8)
    assert record.yield_share == 2 / 8
    assert record.dominant_not_article_reason == "not_article:too_short"
    assert not is_candidate("skipped", "not_article:url_pattern") and not is_candidate("failed", "timeout")


def test_the_summary_names_failed_sources() -> None:
    results = [stats(articles=2), CrawlStats(run_id="r1", source="dead", endpoints=1, endpoints_failed=1,
                                             errors_by_kind={"connection_refused": 1})]
    summary = crawl_summary("r1", results)
    assert summary["failed_sources"] == ["dead"] and summary["sources_failed"] == 1
    assert summary["sources_ok"] == 1 and summary["articles"] == 2
    assert "dead: failed" in summary["outcomes"]["dead"]


def test_a_crashed_runs_recovered_stats_say_it_failed(tmp_path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    line = json.dumps({"run_id": "old", "source": "s", "url": "http://x/1", "kind": "skipped",
                       "reason": "not_article:too_short", "fetched_at": "2024-05-01T00:00:00+00:00"})
    (folder / "old.jsonl.part").write_text(line + "\n")
    finalize_leftovers(tmp_path, "s")
    record = CrawlStats.read(folder / "old.stats.json")
    assert record.outcome == FAILED and record.error and record.candidates == 1
    assert record.not_article_by_reason == {"not_article:too_short": 1}


def test_a_crashed_runs_torn_line_is_kept_beside_its_staging_file(tmp_path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    whole = json.dumps({"run_id": "old", "source": "s", "url": "http://x/1", "kind": "article",
                        "fetched_at": "2024-05-01T00:00:00+00:00"}) + "\n"
    (folder / "old.jsonl.part").write_text(whole + '{"run_id": "old", "sou')
    finalize_leftovers(tmp_path, "s")
    assert (folder / "old.jsonl").read_text() == whole
    assert (folder / "old.jsonl.rejected").read_text() == '{"run_id": "old", "sou'
