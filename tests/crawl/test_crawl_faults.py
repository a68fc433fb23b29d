"""Every fault mode of the fixture web at once: the run completes, each faulty resource is counted
with its reason, healthy articles are all stored, and the loopback redirect never connects."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from support import CountingListener

from mediawatch.crawl import crawl_source
from mediawatch.fixture_web import FixtureWeb
from mediawatch.records import ARTICLE, FAILED
from mediawatch.staging import iter_staged_pages

from .conftest import FAST, make_paths


@pytest.fixture(scope="module")
def fault_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    listener = CountingListener()
    try:
        with FixtureWeb(
            seed=1,
            articles=8,
            faults="all",
            slow_seconds=6.0,
            loopback_target=("127.0.0.1", listener.port),
        ) as web:
            paths = make_paths(root, web.write_sources(root / "sources.yaml"))
            settings = {**FAST, "DOWNLOAD_TIMEOUT": "2.5", "RETRY_TIMES": "2"}
            stats = crawl_source(paths, "techpress", "faults", settings)
            pages = list(iter_staged_pages(paths.staging_dir / "techpress" / "faults.jsonl"))
            state = json.loads((paths.data_dir / "crawl_http_state" / "techpress.json").read_text())
            yield stats, pages, web.fault_urls(), web.ground_truth(), listener.accepted, state
    finally:
        listener.close()


def by_url(pages):
    return {p.url: p for p in pages}


def test_healthy_articles_are_all_stored_once(fault_run):
    stats, pages, _, truth, _, _ = fault_run
    healthy = {u for u, m in truth.items() if m["site"] == "techpress"}
    stored = [p.article.canonical_url for p in pages if p.kind == ARTICLE]
    assert healthy <= set(stored)
    assert len(stored) == len(set(stored))


@pytest.mark.parametrize(
    ("mode", "reasons"),
    [
        ("slow", {"timeout"}),
        ("reset", {"truncated", "connection_error"}),
        ("truncated", {"truncated"}),
        ("redirect_loop", {"redirect_loop"}),
        ("redirect_loopback", {"blocked_address"}),
        ("huge_page", {"too_large"}),
        ("binary_as_html", {"binary_content"}),
    ],
)
def test_faulty_pages_fail_with_their_reason(fault_run, mode, reasons):
    stats, pages, faults, _, _, _ = fault_run
    urls = [u for u, m in faults.items() if m == mode and by_url(pages).get(u)]
    assert urls, f"no staged page for {mode}"
    for url in urls:
        page = by_url(pages)[url]
        assert page.kind == FAILED and page.reason in reasons, (url, page.reason)
        assert stats["errors_by_kind"].get(page.reason, 0) >= 1


def test_transient_5xx_is_retried_and_stored(fault_run):
    stats, pages, faults, _, _, _ = fault_run
    url = next(u for u, m in faults.items() if m == "burst_5xx")
    assert by_url(pages)[url].kind == ARTICLE
    assert stats["responses_by_status"].get("500") and stats["responses_by_status"].get("503")


def test_bad_charset_pages_are_stored_not_lost(fault_run):
    stats, pages, faults, _, _, _ = fault_run
    urls = [u for u, m in faults.items() if m == "bad_charset"]
    staged = [by_url(pages)[u] for u in urls if u in by_url(pages)]
    assert staged and all(p.kind == ARTICLE for p in staged)
    # both pages carry the same text in two encodings: the second one is a counted duplicate
    assert len(staged) + stats["duplicates"] >= len(urls)


@pytest.mark.parametrize(
    ("mode", "kind"),
    [("malformed_feed", "malformed_xml"), ("huge_feed", "too_large"), ("xml_bomb", "xml_bomb")],
)
def test_bad_feeds_and_sitemaps_are_counted(fault_run, mode, kind):
    stats, _, faults, _, _, _ = fault_run
    expected = sum(1 for m in faults.values() if m == mode)
    assert stats["errors_by_kind"].get(kind, 0) >= expected >= 1


def test_loopback_redirect_target_is_never_connected(fault_run):
    stats, pages, _, _, accepted, _ = fault_run
    assert accepted == 0
    assert stats["errors_by_kind"]["blocked_address"] >= 1
    page_reasons = Counter(p.reason for p in pages if p.kind == FAILED)
    assert stats["failed"] == sum(page_reasons.values())


def test_hostname_resolving_to_loopback_is_blocked_in_the_crawl(tmp_path):
    """DNS path of the downloader middleware: `localhost` resolves to loopback, not allowlisted."""
    listener = CountingListener()
    try:
        base = f"http://localhost:{listener.port}"
        (tmp_path / "sources.yaml").write_text(
            "version: 1\nsources:\n  - name: sneaky\n"
            f"    homepage: {base}/\n    feeds: ['{base}/feed/']\n"
            f"    sitemaps: ['http://127.0.0.1:{listener.port}/sitemap.xml']\n"
            "    language: en\n    country: US\n    crawl_interval: 1h\n"
        )
        paths = make_paths(tmp_path, tmp_path / "sources.yaml")
        stats = crawl_source(paths, "sneaky", "r", FAST)
    finally:
        listener.close()
    assert listener.accepted == 0
    assert stats["errors_by_kind"] == {"blocked_address": 3}  # feed, sitemap and the homepage
    assert stats["requests"] == 0


def test_transient_failures_are_retried_next_run_and_permanent_ones_not(fault_run):
    _, pages, faults, _, _, state = fault_run
    retry = set(state["retry"])
    for page in pages:
        if page.kind == FAILED:
            transient = page.reason in ("timeout", "truncated", "connection_error")
            assert (page.url in retry) == transient, (page.url, page.reason)
    assert any(faults.get(u) == "slow" for u in retry)
    assert state["validators"]  # feeds and sitemaps that parsed keep their ETag/Last-Modified
