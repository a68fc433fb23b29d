"""The bad-input corpus served by a real HTTP server on 127.0.0.1, crawled, loaded and gated: every
case is staged with a clear outcome (article, skipped, or failed with its reason) or counted as a
rejected feed/sitemap, within a time bound; the load and the gate finish; nothing hangs or crashes,
and no external entity is ever fetched."""

from __future__ import annotations

import json
import resource
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from reliability.conftest import FAST, query
from support import CountingListener

from mediawatch import pipeline
from mediawatch.checks import GateFailed, run_gate
from mediawatch.config import REPO_ROOT, Paths
from mediawatch.crawl import crawl_source
from mediawatch.records import ARTICLE, FAILED
from mediawatch.staging import iter_staged_pages

from .conftest import (
    ARTICLE_FOLDER,
    BIG_PAGE_BYTES,
    BOMB_INFLATED_BYTES,
    CASES,
    CorpusServer,
    Route,
    case_bytes,
)

HTML_CASES = sorted(p.stem for p in CASES.glob("*.html"))
XML_FEEDS = ["billion_laughs_feed.xml", "xxe_feed.xml"]
XML_SITEMAPS = ["billion_laughs_sitemap.xml", "xxe_sitemap.xml", "external_dtd_sitemap.xml"]
# generated pages: slug -> the failure reason a crawl must stage
GENERATED = {"big-50mb": "too_large", "big-50mb-no-length": "too_large"}
# what each committed HTML case must become in the staging file: allowed (kind, reason) pairs
EXPECTED: dict[str, set[tuple[str, str | None]]] = {
    "binary": {(FAILED, "binary_content")},
    "null_bytes": {(ARTICLE, None), (FAILED, "binary_content")},
    "malformed": {(ARTICLE, None), ("skipped", "not_article:too_short")},
    "utf16_declared_utf8": {(ARTICLE, None), (FAILED, "binary_content")},
}


def routes(base: str, probe: str, bomb: bytes) -> dict[str, Route]:
    pages = {f"{ARTICLE_FOLDER}{name}/": Route(case_bytes(f"{name}.html")) for name in HTML_CASES}
    pages[f"{ARTICLE_FOLDER}mixed_charset/"] = Route(
        case_bytes("mixed_charset.html"), content_type="text/html; charset=utf-8")
    pages[f"{ARTICLE_FOLDER}unknown_charset/"] = Route(
        case_bytes("unknown_charset.html"), content_type="text/html; charset=x-klingon-9")
    filler = b"<html><body><article><h1>Big</h1>"
    pages[f"{ARTICLE_FOLDER}big-50mb/"] = Route(filler + b" " * (BIG_PAGE_BYTES - len(filler)))
    pages[f"{ARTICLE_FOLDER}big-50mb-no-length/"] = Route(filler, stream_bytes=BIG_PAGE_BYTES)
    pages[f"{ARTICLE_FOLDER}gzip-bomb/"] = Route(bomb, headers={"Content-Encoding": "gzip"})
    urls = "".join(f"<url><loc>{base}{path}</loc></url>" for path in pages)
    table = {
        **pages,
        "/pages-sitemap.xml": Route(
            f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}'
            "</urlset>".encode(), content_type="application/xml"),
        # a gzip bomb as a compressed sitemap, and as a sitemap sent with Content-Encoding: gzip
        "/bomb-sitemap.xml.gz": Route(bomb, content_type="application/x-gzip"),
        "/bomb-encoded-sitemap.xml": Route(
            bomb, content_type="application/xml", headers={"Content-Encoding": "gzip"}),
    }
    for name in XML_FEEDS + XML_SITEMAPS:
        table[f"/{name}"] = Route(case_bytes(name, base, probe), content_type="application/xml")
    children = ["/pages-sitemap.xml", "/bomb-sitemap.xml.gz", "/bomb-encoded-sitemap.xml",
                *(f"/{n}" for n in XML_SITEMAPS)]
    index = "".join(f"<sitemap><loc>{base}{c}</loc></sitemap>" for c in children)
    table["/sitemap.xml"] = Route(
        f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{index}</sitemapindex>".encode(), content_type="application/xml")
    table["/robots.txt"] = Route(b"User-agent: *\nAllow: /\n", content_type="text/plain")
    return table


def registry(base: str, netloc: str) -> str:
    feeds = ", ".join(f"'{base}/{n}'" for n in XML_FEEDS)
    return (
        f"version: 1\nnetwork:\n  allowlist: ['{netloc}']\nsources:\n  - name: badinput\n"
        f"    homepage: {base}/\n    allowed_domains: ['127.0.0.1']\n    feeds: [{feeds}]\n"
        f"    sitemaps: ['{base}/sitemap.xml']\n    language: en\n    country: US\n"
        "    crawl_interval: 1h\n"
    )


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory, bomb: bytes) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("badinput")
    with CountingListener() as probe:
        server = CorpusServer({})
        server.routes = routes(server.base, f"http://127.0.0.1:{probe.port}", bomb)
        server.start()
        try:
            (root / "sources.yaml").write_text(registry(server.base, server.base.split("//")[1]))
            paths = Paths(sources=root / "sources.yaml", watchlist=REPO_ROOT / "watchlist.yaml",
                          warehouse=root / "data" / "warehouse.duckdb", reports=root / "reports")
            stats = crawl_source(paths, "badinput", "bad", {**FAST, "DOWNLOAD_TIMEOUT": "20"})
        finally:
            server.stop()
        loaded = pipeline.load(paths)
        try:
            gate: dict[str, Any] | GateFailed = run_gate(paths, "bad")
        except GateFailed as failed:  # a verdict with a message is a clear outcome too
            gate = failed
        pages = {p.url.rsplit("/", 2)[-2]: p for p in
                 iter_staged_pages(paths.staging_dir / "badinput" / "bad.jsonl")}
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # Linux: KiB
        return {"paths": paths, "stats": stats, "pages": pages, "loaded": loaded, "gate": gate,
                "peak_rss_bytes": peak,
                "requests": list(server.requests), "probe": probe.accepted}


@pytest.mark.timeout(240)
def test_the_crawl_load_and_gate_finish(crawled: dict[str, Any]) -> None:
    assert crawled["loaded"]["problems"] == []
    gate = crawled["gate"]
    assert isinstance(gate, dict) or "failed" in str(gate)
    ((succeeded, failed),) = query(crawled["paths"].warehouse,
                                   "select succeeded, failed from crawl_runs where run_id = 'bad'")
    assert succeeded is True and failed == crawled["stats"]["failed"]


@pytest.mark.parametrize("name", HTML_CASES)
def test_each_html_case_is_staged_with_a_clear_outcome(crawled: dict[str, Any], name: str) -> None:
    page = crawled["pages"].get(name)
    assert page is not None, f"{name} was not staged"
    allowed = EXPECTED.get(name, {(ARTICLE, None)})
    assert (page.kind, page.reason) in allowed, (page.kind, page.reason)


@pytest.mark.parametrize(("slug", "reason"), sorted(GENERATED.items()))
def test_big_pages_and_gzip_bombs_fail_as_too_large(crawled: dict[str, Any], slug: str, reason: str) -> None:
    page = crawled["pages"].get(slug)
    assert page is not None, f"{slug} was not staged"
    assert (page.kind, page.reason) == (FAILED, reason)
    assert crawled["stats"]["errors_by_kind"].get(reason, 0) >= 1


def test_a_gzip_bomb_page_fails_without_inflating(crawled: dict[str, Any]) -> None:
    page = crawled["pages"].get("gzip-bomb")
    assert page is not None and page.kind == FAILED, page
    # the crawl process never held the 2 GiB the bomb inflates to
    assert crawled["peak_rss_bytes"] < BOMB_INFLATED_BYTES * 3 // 4


def test_a_gzip_bomb_page_is_counted_as_too_large(crawled: dict[str, Any]) -> None:
    assert crawled["pages"]["gzip-bomb"].reason == "too_large"


def test_xml_bombs_and_gzip_sitemaps_are_counted_never_expanded(crawled: dict[str, Any]) -> None:
    errors = crawled["stats"]["errors_by_kind"]
    assert errors.get("xml_bomb", 0) + errors.get("xml_external_dtd", 0) >= len(XML_FEEDS + XML_SITEMAPS)
    assert crawled["probe"] == 0  # the external entity / DTD target was never contacted
    fetched = set(crawled["requests"])
    assert not any("lol" in p or "leak" in p or "passwd" in p for p in fetched), fetched
    # the two bombed sitemaps were fetched once each and counted, not inflated and parsed
    assert {"/bomb-sitemap.xml.gz", "/bomb-encoded-sitemap.xml"} <= fetched
    rejected = sum(v for k, v in errors.items() if k in ("malformed_xml", "too_large", "ignored"))
    assert rejected >= 2, errors


def test_stored_text_has_no_nul_and_dates_are_sane(crawled: dict[str, Any]) -> None:
    rows = query(crawled["paths"].warehouse, "select title, body, published_at, updated_at from articles")
    assert rows
    latest = datetime.now(UTC) + timedelta(days=2)
    for title, body, published, updated in rows:
        assert "\x00" not in (title or "") + (body or "")
        for when in (published, updated):
            assert when is None or datetime(1990, 1, 1, tzinfo=UTC) <= when <= latest, when


def test_an_absurd_title_is_quarantined_or_cut(crawled: dict[str, Any]) -> None:
    paths = crawled["paths"]
    quarantined = query(paths.warehouse, "select url from quarantine where url like '%long_title%'")
    stored = query(paths.warehouse, "select max(length(title)) from articles where url like '%long_title%'")
    assert quarantined or (stored[0][0] or 0) <= 1000


def test_the_crawl_stats_file_is_valid_json(crawled: dict[str, Any]) -> None:
    path = crawled["paths"].staging_dir / "badinput" / "bad.stats.json"
    assert json.loads(path.read_text())["requests"] == crawled["stats"]["requests"]
