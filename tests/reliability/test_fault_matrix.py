"""Fault matrix: each fixture-web fault mode alone (slow) and all at once. The crawl completes, each
faulty resource is counted with its reason in the crawl stats and the `crawl_runs` mart after
`pipeline.load`, every healthy article is stored exactly once, and retries are bounded.

Already proven elsewhere (not repeated): the staged reason of each faulty page and that the loopback
redirect target is never connected (tests/crawl/test_crawl_faults.py)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from mediawatch import pipeline
from mediawatch.crawl import crawl_source
from mediawatch.fixture_web import FAULT_MODES, FixtureWeb
from mediawatch.records import ARTICLE, FAILED
from mediawatch.staging import iter_staged_pages

from .conftest import FAST, REDIRECT_MAX_TIMES, RETRY_TIMES, make_paths, query

# what each fault leaves behind: the staged page kind and the reasons it may be counted under
PAGE_OUTCOME: dict[str, tuple[str, set[str]]] = {
    "burst_5xx": (ARTICLE, set()),
    "slow": (FAILED, {"timeout"}),
    "reset": (FAILED, {"truncated", "connection_error"}),
    "truncated": (FAILED, {"truncated"}),
    "redirect_loop": (FAILED, {"redirect_loop"}),
    "redirect_loopback": (FAILED, {"blocked_address"}),
    "huge_page": (FAILED, {"too_large"}),
    "bad_charset": (ARTICLE, set()),
    "binary_as_html": (FAILED, {"binary_content"}),
}
# feed and sitemap faults: the error counter each resource adds
DOCUMENT_KIND = {"malformed_feed": "malformed_xml", "huge_feed": "too_large", "xml_bomb": "xml_bomb"}
assert set(PAGE_OUTCOME) | set(DOCUMENT_KIND) == set(FAULT_MODES), "a new fault mode needs a row here"


def crawl_and_load(root: Path, faults: Any) -> dict[str, Any]:
    """Crawl techpress with `faults` on, load the staging file, and collect what the tests check."""
    with FixtureWeb(seed=3, articles=4, faults=faults, slow_seconds=4.0) as web:
        paths = make_paths(root, web.write_sources(root / "sources.yaml"))
        stats = crawl_source(paths, "techpress", "faults", dict(FAST))
        loaded = pipeline.load(paths)
        return {
            "paths": paths,
            "stats": stats,
            "loaded": loaded,
            "pages": list(iter_staged_pages(paths.staging_dir / "techpress" / "faults.jsonl")),
            "faults": web.fault_urls(),
            "healthy": {u for u, m in web.ground_truth().items() if m["site"] == "techpress"},
            "log": list(web.request_log),
            "base": web.base_urls["techpress"],
        }


def check_run(run: dict[str, Any], modes: set[str]) -> None:
    """Every assertion of the matrix, for the fault modes that were on."""
    paths, stats, pages = run["paths"], run["stats"], run["pages"]
    staged = {p.url: p for p in pages}

    # every healthy article is in the warehouse exactly once
    rows = query(paths.warehouse, "select canonical_url, count(*) from articles group by 1")
    assert all(n == 1 for _, n in rows)
    assert run["healthy"] <= {url for url, _ in rows}

    # each faulty page is staged with its outcome and counted under its reason
    reasons: Counter[str] = Counter()
    unstaged = 0
    for url, mode in run["faults"].items():
        if mode in PAGE_OUTCOME:
            kind, allowed = PAGE_OUTCOME[mode]
            if url not in staged and mode == "bad_charset":
                unstaged += 1  # same text as its twin in another encoding: a counted duplicate
                continue
            assert url in staged, f"{mode}: {url} was not staged"
            assert staged[url].kind == kind, (mode, staged[url].kind, staged[url].reason)
            if kind == FAILED:
                assert staged[url].reason in allowed, (mode, staged[url].reason)
                reasons[staged[url].reason] += 1
    assert stats["duplicates"] >= unstaged
    for reason, n in reasons.items():
        assert stats["errors_by_kind"].get(reason, 0) >= n, (reason, stats["errors_by_kind"])
    for mode, kind in DOCUMENT_KIND.items():
        if mode in modes:
            expected = sum(1 for m in run["faults"].values() if m == mode)
            assert stats["errors_by_kind"].get(kind, 0) >= expected, (mode, stats["errors_by_kind"])
    assert stats["failed"] == sum(1 for p in pages if p.kind == FAILED)

    # the crawl_runs mart holds the same counts, failures by reason
    ((requests, articles, failed, errors, crawl_error, succeeded),) = query(
        paths.warehouse,
        "select requests, articles, failed, errors_by_kind, crawl_error, succeeded "
        "from crawl_runs where source = 'techpress' and run_id = 'faults'",
    )
    assert (requests, articles, failed) == (stats["requests"], stats["articles"], stats["failed"])
    assert json.loads(errors) == stats["errors_by_kind"]
    assert crawl_error == "" and succeeded is True

    # retries are bounded: no fault resource is asked for more than the settings allow
    hits = Counter(entry["path"] for entry in run["log"] if entry["site"] == "techpress")
    for url, mode in run["faults"].items():
        path = urlsplit(url).path
        if mode == "redirect_loop":
            other = path.replace("-loop-a/", "-loop-b/")
            assert hits[path] + hits[other] <= REDIRECT_MAX_TIMES + 1, (path, hits[path], hits[other])
        else:
            assert hits[path] <= RETRY_TIMES + 1, (mode, path, hits[path])
    assert not any(entry["site"] == "__loopback__" for entry in run["log"])


@pytest.fixture(scope="module")
def all_faults(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return crawl_and_load(tmp_path_factory.mktemp("all-faults"), "all")


def test_all_faults_at_once(all_faults: dict[str, Any]) -> None:
    check_run(all_faults, set(FAULT_MODES))
    # transient failures really were retried (the bound above is reached, not avoided)
    hits = Counter(e["path"] for e in all_faults["log"] if e["site"] == "techpress")
    slow = next(urlsplit(u).path for u, m in all_faults["faults"].items() if m == "slow")
    assert hits[slow] == RETRY_TIMES + 1
    assert all_faults["loaded"]["problems"] == []


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize("mode", FAULT_MODES)
def test_each_fault_mode_alone(tmp_path: Path, mode: str) -> None:
    run = crawl_and_load(tmp_path, mode)
    assert set(run["faults"].values()) == {mode}
    check_run(run, {mode})
