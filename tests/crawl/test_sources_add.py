"""`mediawatch sources add` proposes an entry that crawls as well as a hand-written one, and
`sources check` reports each endpoint; both against a real site on 127.0.0.1, through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from mediawatch.crawl import crawl_source
from mediawatch.records import ARTICLE
from mediawatch.sources import load_registry
from mediawatch.staging import iter_staged_pages

from .conftest import FAST, make_paths
from .wp_site import WordPressSite, registry_yaml

CLI = [str(Path(sys.executable).with_name("mediawatch"))]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAWATCH_")}
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300, env=env)


def stored(root: Path, registry: Path, name: str) -> set[str]:
    paths = make_paths(root, registry)
    crawl_source(paths, name, "r1", FAST)
    pages = iter_staged_pages(paths.staging_dir / name / "r1.jsonl")
    return {p.article.canonical_url for p in pages if p.kind == ARTICLE}


def allowlist_only(site: WordPressSite, path: Path) -> Path:
    """A registry holding one unrelated source and the allowlist entry for the loopback site."""
    path.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "network": {"allowlist": [f"127.0.0.1:{site.port}"]},
                "sources": [{"name": "other", "homepage": "https://other.example/",
                             "feeds": ["https://other.example/feed/"], "language": "en",
                             "country": "US", "crawl_interval": "1h"}],
            },
            sort_keys=False,
        )
    )
    return path


def test_sources_add_writes_an_entry_that_crawls_as_well_as_the_hand_written_one(tmp_path):
    with WordPressSite() as site:
        registry = allowlist_only(site, tmp_path / "sources.yaml")
        preview = cli("sources", "add", f"{site.base}/", "--name", "gadgetdaily", "--sources", str(registry))
        assert preview.returncode == 0, preview.stderr
        assert "not written" in preview.stderr and len(load_registry(registry).sources) == 1
        result = json.loads(preview.stdout.strip().splitlines()[-1])
        assert result["entry"]["feeds"] == [f"{site.base}/feed/"]
        assert result["entry"]["sitemaps"] == [f"{site.base}/sitemap.xml.gz"]
        assert result["entry"]["language"] == "en"
        assert f"{site.base}/news/" in result["sections"]
        assert any("/private/" in u for u in result["disallowed"])
        assert result["estimated_articles"] == len(site.articles)  # all 11, every sample an article
        site.clear_log()

        written = cli("sources", "add", f"{site.base}/", "--name", "gadgetdaily", "--write", "--sources", str(registry))
        assert written.returncode == 0, written.stderr
        assert not [p for p in site.requests if p.startswith("/private/")]
        registry_text = registry.read_text()
        assert registry_text.count("name: gadgetdaily") == 1
        assert load_registry(registry).get("gadgetdaily").feeds == (f"{site.base}/feed/",)
        again = cli("sources", "add", f"{site.base}/", "--name", "gadgetdaily", "--write", "--sources", str(registry))
        assert again.returncode != 0 and "already has a source" in again.stderr

        hand = tmp_path / "hand" / "sources.yaml"
        hand.parent.mkdir()
        hand.write_text(
            registry_yaml(site, feeds=[f"{site.base}/feed/"], sitemaps=[f"{site.base}/sitemap.xml.gz"],
                          sections=[{"url": f"{site.base}/news/", "max_pages": 3}])
        )
        by_hand = stored(tmp_path / "hand", hand, "gadgetdaily")
        by_probe = stored(tmp_path / "probe", registry, "gadgetdaily")
    assert by_probe == by_hand == site.article_urls()


def test_sources_check_reports_each_endpoint_and_fails_on_a_dead_one(tmp_path):
    with WordPressSite() as site:
        registry = tmp_path / "sources.yaml"
        registry.write_text(
            registry_yaml(site, feeds=[f"{site.base}/feed/", f"{site.base}/gone-feed/"],
                          sitemaps=[f"{site.base}/sitemap.xml.gz"])
        )
        result = cli("sources", "check", "gadgetdaily", "--sources", str(registry))
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["failed_sources"] == ["gadgetdaily"]
    endpoints = {(e["kind"], e["url"].removeprefix(site.base)): e for e in report["sources"][0]["endpoints"]}
    assert endpoints[("feed", "/feed/")]["items"] == 5 and endpoints[("feed", "/feed/")]["status"] == 200
    assert endpoints[("feed", "/gone-feed/")]["error"] == "http_404"
    assert endpoints[("sitemap", "/sitemap.xml.gz")]["items"] == 9
    assert endpoints[("homepage", "/")]["items"] == 3
    assert report["sources"][0]["sampled_articles"] == report["sources"][0]["sampled"] == 3
    assert "gone-feed" in result.stderr  # the table names the failing endpoint
