"""Adding a site by its homepage: the homepage and its sections are discovery starts by default,
feeds and sitemaps are autodiscovered, listing pages are never stored, robots.txt is obeyed and a
second run fetches no article again. Real Scrapy crawls of a WordPress-like site on 127.0.0.1."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest

from mediawatch.crawl import crawl_source
from mediawatch.records import ARTICLE
from mediawatch.staging import iter_staged_pages
from spiders.discovery import (
    XmlRejected,
    is_section_candidate,
    robots_sitemaps,
    usual_sitemap_urls,
    xml_body,
)

from .conftest import FAST, make_paths
from .wp_site import WordPressSite, registry_yaml

LISTINGS = ("/", "/news/", "/news/page/2/", "/category/phones/", "/tag/xiaomi/", "/author/jane-doe/")


def crawl(site: WordPressSite, root: Path, run_id: str, **source: object) -> tuple[dict, list]:
    root.mkdir(parents=True, exist_ok=True)
    registry = root / "sources.yaml"
    if not registry.exists():
        registry.write_text(registry_yaml(site, **source))
    paths = make_paths(root, registry)
    stats = crawl_source(paths, "gadgetdaily", run_id, FAST)
    pages = list(iter_staged_pages(paths.staging_dir / "gadgetdaily" / f"{run_id}.jsonl"))
    return stats, pages


def stored_urls(pages: list) -> Counter:
    return Counter(p.article.canonical_url for p in pages if p.kind == ARTICLE)


def test_a_homepage_only_source_finds_every_article_once_and_no_listing(tmp_path):
    with WordPressSite() as site:
        stats, pages = crawl(site, tmp_path, "r1")
        requested = list(site.requests)
    stored = stored_urls(pages)
    assert set(stored) == site.article_urls()  # the two /news/page/2/-only stories included
    assert max(stored.values()) == 1
    staged_paths = {p.url.removeprefix(site.base) for p in pages}
    assert not staged_paths & set(LISTINGS)  # listing pages are never staged, not even as skipped
    assert not [path for path in requested if path.startswith("/private/")]  # robots.txt obeyed
    assert {"/robots.txt", "/", "/feed/", "/sitemap.xml.gz", "/news/page/2/"} <= set(requested)
    assert "/comments/feed/" not in requested
    assert stats["discovery"]["feeds_found"] == 1 and stats["discovery"]["sitemaps_found"] == 1
    assert stats["discovery"]["sections_found"] >= 2  # /news/, /category/phones/ (and /private/)
    # the members-only story the homepage links to: staged as skipped, never requested
    assert stats["failed"] == 0 and stats["errors_by_kind"] == {"robots_disallowed": 1}
    assert [p.reason for p in pages if "/private/" in p.url] == ["robots_disallowed"]


def test_the_gadgetany_shape_registry_no_longer_misses_section_only_stories(tmp_path):
    """Homepage, feeds, sitemaps and exclude patterns, no `sections`: was 9 of 11 before."""
    with WordPressSite() as site:
        _, pages = crawl(
            site,
            tmp_path,
            "r1",
            feeds=[f"{site.base}/feed/"],
            sitemaps=[f"{site.base}/sitemap.xml.gz"],
            exclude_patterns=["/tag/", "/author/", "/category/"],
        )
        requested = list(site.requests)
    assert set(stored_urls(pages)) == site.article_urls()
    assert requested.count("/feed/") == 1 and requested.count("/sitemap.xml.gz") == 1


def test_a_second_run_fetches_no_article_page_again(tmp_path):
    with WordPressSite() as site:
        crawl(site, tmp_path, "r1")
        site.clear_log()
        stats, pages = crawl(site, tmp_path, "r2")
        again = [path for path in site.requests if path in site.article_paths()]
    assert again == []
    assert stats["articles"] == 0 and stored_urls(pages) == Counter()


def test_discovery_can_be_turned_off_per_source(tmp_path):
    with WordPressSite() as site:
        _, pages = crawl(
            site, tmp_path, "r1", feeds=[f"{site.base}/feed/"], discover_homepage=False, autodiscover=False
        )
        requested = set(site.requests)
    assert set(stored_urls(pages)) == {site.base + a.path for a in site.articles[:5]}
    assert "/" not in requested and "/sitemap.xml.gz" not in requested and "/news/" not in requested


def test_usual_sitemap_paths_are_tried_when_robots_names_none(tmp_path):
    with WordPressSite(robots_sitemap=False, feed_link=False, sitemap_at_usual_path=True) as site:
        stats, pages = crawl(site, tmp_path, "r1", discover_homepage=False)
        requested = set(site.requests)
    assert {"/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml"} <= requested
    assert set(stored_urls(pages)) == {site.base + a.path for a in site.articles[:9]}
    assert stats["discovery"]["sitemaps_found"] == 1
    assert stats["discovery"]["probe_missing"] == 2  # the two guesses that 404: not errors
    assert stats["errors_by_kind"] == {}


def test_feed_autodiscovery_from_the_homepage_link(tmp_path):
    with WordPressSite(robots_sitemap=False) as site:
        stats, _ = crawl(site, tmp_path, "r1", sections=[f"{site.base}/category/phones/"])
        requested = site.requests
    assert "/feed/" in requested and stats["discovery"]["feeds_found"] == 1
    assert requested.count("/category/phones/") == 1  # declared and linked: fetched once


def test_gzipped_sitemaps_inflate_under_the_size_limit():
    xml = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>'
    assert xml_body(gzip.compress(xml), 1 << 20) == xml
    assert xml_body(xml, 10) == xml  # plain XML untouched
    bomb = gzip.compress(b" " * (4 << 20))
    with pytest.raises(XmlRejected) as caught:
        xml_body(bomb, 1 << 20)
    assert caught.value.kind == "xml_too_large"
    with pytest.raises(XmlRejected) as caught:
        xml_body(b"\x1f\x8b" + b"not gzip at all", 1 << 20)
    assert caught.value.kind == "malformed_gzip"


def test_robots_sitemap_lines_and_section_candidates():
    text = "User-agent: *\nDisallow: /x\nSitemap: /a.xml\nsitemap: https://s.example/b.xml\nSitemap: /a.xml\n"
    assert robots_sitemaps(text, "https://s.example/robots.txt") == [
        "https://s.example/a.xml",
        "https://s.example/b.xml",
    ]
    assert usual_sitemap_urls("https://s.example/home")[0] == "https://s.example/sitemap.xml"
    for url in ("https://s.example/news/", "https://s.example/category/phones/", "https://s.example/reviews"):
        assert is_section_candidate(url), url
    for url in (
        "https://s.example/",
        "https://s.example/tag/x/",
        "https://s.example/author/jane/",
        "https://s.example/about/",
        "https://s.example/news/page/2/",
        "https://s.example/feed/",
        "https://s.example/a/b/c/",
        "https://s.example/news/?sort=new",
        "https://s.example/logo.png",
    ):
        assert not is_section_candidate(url), url


def test_the_fixture_archive_site_is_found_from_its_homepage_alone(tmp_path):
    """archivepost lists its stories only in a paginated section its homepage links to; registered
    with just its homepage, every story is stored once and no gallery or listing page is."""
    import yaml

    from mediawatch.fixture_web import FixtureWeb

    with FixtureWeb(seed=0, articles=25) as web:
        registry = yaml.safe_load(web.write_sources(tmp_path / "full.yaml").read_text())
        entry = next(s for s in registry["sources"] if s["name"] == "archivepost")
        pages_needed = entry["sections"][0]["max_pages"]
        del entry["sections"]
        entry["section_max_pages"] = pages_needed
        registry["sources"] = [entry]
        path = tmp_path / "sources.yaml"
        path.write_text(yaml.safe_dump(registry, sort_keys=False))
        truth = {u for u, meta in web.ground_truth().items() if meta["site"] == "archivepost"}
        paths = make_paths(tmp_path, path)
        stats = crawl_source(paths, "archivepost", "r1", FAST)
        pages = list(iter_staged_pages(paths.staging_dir / "archivepost" / "r1.jsonl"))
    stored = stored_urls(pages)
    assert set(stored) == truth and max(stored.values()) == 1
    assert not [p for p in pages if p.kind == ARTICLE and ("/section/" in p.url or "/gallery/" in p.url)]
    assert stats["discovery"]["sections_found"] >= 1 and stats["failed"] == 0
