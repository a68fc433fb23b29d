"""End to end over real HTTP: crawl the fixture web with the real Scrapy project (subprocesses)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

import pytest
import yaml

from mediawatch.config import REPO_ROOT
from mediawatch.crawl import CrawlError, crawl_all, crawl_source
from mediawatch.fixture_web import FixtureWeb
from mediawatch.records import ARTICLE, SKIPPED
from mediawatch.staging import iter_staged_pages
from mediawatch.warc import iter_archived, reextract

from .conftest import FAST, make_paths

STATS_KEYS = {
    "run_id",
    "source",
    "started_at",
    "finished_at",
    "duration_s",
    "requests",
    "responses_by_status",
    "articles",
    "skipped",
    "duplicates",
    "failed",
    "errors_by_kind",
    "bytes",
    "not_modified",
    "discovery",
    # added with the crawl outcome (mediawatch.crawl_stats)
    "endpoints",
    "endpoints_failed",
    "candidates",
    "not_article_by_reason",
    "outcome",
    "dominant_not_article_reason",
}


def staged(paths, source, run_id):
    return list(iter_staged_pages(paths.staging_dir / source / f"{run_id}.jsonl"))


@pytest.fixture(scope="module")
def web():
    with FixtureWeb(seed=0, articles=12) as fixture:
        yield fixture


@pytest.fixture(scope="module")
def first(web, tmp_path_factory):
    """One crawl of every fixture site (plus a source that does not exist)."""
    root = tmp_path_factory.mktemp("first")
    paths = make_paths(root, web.write_sources(root / "sources.yaml"))
    truth = web.ground_truth()
    web.clear_log()
    names = sorted(web.base_urls)
    results = crawl_all(paths, "run1", sources=[*names, "no_such_source"], settings=FAST)
    return paths, {r["source"]: r for r in results}, list(web.request_log), truth


def test_every_listed_article_is_stored_exactly_once(first):
    paths, results, _, truth = first
    for site in ("techpress", "newsmodern", "archivepost", "sitemaponly", "techblatt"):
        assert results[site]["error"] is None, results[site]["error"]
        pages = staged(paths, site, "run1")
        identities = Counter(p.article.canonical_url for p in pages if p.kind == ARTICLE)
        expected = {url for url, meta in truth.items() if meta["site"] == site}
        assert set(identities) == expected, site
        assert max(identities.values()) == 1, site
        stats = results[site]
        assert set(stats) == STATS_KEYS | {"error"}
        assert stats["articles"] == len(expected) and stats["failed"] == 0
        assert stats["requests"] > 0 and stats["bytes"] > 0


def test_a_failing_source_does_not_stop_the_others(first):
    _, results, _, _ = first
    failed = results["no_such_source"]
    assert failed["error"] and "no_such_source" in failed["error"]
    assert sum(r["error"] is None for r in results.values()) == 5


def test_requests_are_polite_and_identified(first):
    _, _, log, _ = first
    assert {e["path"] for e in log if e["site"] == "techpress"} >= {"/robots.txt"}
    agents = {e["headers"].get("User-Agent", e["headers"].get("user-agent")) for e in log}
    assert all(a and a.startswith("mediawatch/") and "(+http" in a for a in agents)


def test_responses_are_archived_and_reextract_rebuilds_staging(first):
    paths, _, _, _ = first
    pages = [p for p in staged(paths, "newsmodern", "run1") if p.kind == ARTICLE]
    warc = paths.warc_dir / pages[0].warc_file
    record_ids = {r.record_id for r in iter_archived(warc)}
    assert all(p.warc_record_id in record_ids for p in pages)
    written = reextract(paths, source="newsmodern", run="run1")
    assert written == [paths.staging_dir / "newsmodern" / "run1-reextract.jsonl"]
    again = [p for p in iter_staged_pages(written[0]) if p.kind == ARTICLE]
    assert {p.article.canonical_url for p in again} == {p.article.canonical_url for p in pages}
    assert {p.content_hash for p in again} == {p.content_hash for p in pages}


def test_reextract_command_writes_new_staging_files(first):
    import typer
    from typer.testing import CliRunner

    from mediawatch.cli import crawl_tools_cmd

    paths, _, _, _ = first
    app = typer.Typer()
    crawl_tools_cmd.register(app)
    app.command("noop")(lambda: None)  # a second command keeps typer in multi-command mode
    args = [
        "reextract",
        "--source",
        "techblatt",
        "--run",
        "run1",
        "--sources",
        str(paths.sources),
        "--warehouse",
        str(paths.warehouse),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    target = paths.staging_dir / "techblatt" / "run1-reextract.jsonl"
    assert str(target) in result.stdout
    assert (paths.staging_dir / "techblatt" / "run1-reextract.stats.json").exists()
    again = CliRunner().invoke(app, args)  # never rewrites a staging file the loader may have read
    assert str(target.with_name("run1-reextract-2.jsonl")) in again.stdout


def test_second_crawl_fetches_only_what_changed(web, first):
    paths, _, _, truth = first
    techpress = paths.staging_dir / "techpress"
    # a crashed earlier run left a .part behind: the next run finalises it
    (techpress / "crashed.jsonl.part").write_text(
        staged(paths, "techpress", "run1")[0].to_json() + "\n"
    )
    article_paths = {url.split("/", 3)[3] for url, m in truth.items() if m["site"] == "techpress"}

    web.clear_log()
    stats = crawl_source(paths, "techpress", "run2", FAST)
    requested = {e["path"].lstrip("/") for e in web.request_log if e["site"] == "techpress"}
    assert not requested & article_paths
    assert stats["articles"] == 0 and stats["not_modified"] >= 1
    assert (techpress / "crashed.jsonl").exists() and not (
        techpress / "crashed.jsonl.part"
    ).exists()
    feeds = [e for e in web.request_log if e["path"] in ("/feed/", "/sitemap.xml")]
    assert feeds and all(e["status"] == 304 for e in feeds)

    changed = sorted(u for u, m in truth.items() if m["site"] == "techpress")[0]
    web.update_article(changed)
    web.clear_log()
    stats = crawl_source(paths, "techpress", "run3", FAST)
    hits = [e for e in web.request_log if changed.endswith(e["path"]) and e["path"] != "/"]
    assert len(hits) == 1
    headers = {k.lower(): v for k, v in hits[0]["headers"].items()}
    assert "if-none-match" in headers or "if-modified-since" in headers
    pages = staged(paths, "techpress", "run3")
    assert [p.article.canonical_url for p in pages if p.kind == ARTICLE] == [changed]
    assert stats["articles"] == 1


def test_loader_state_export_alone_prevents_refetching(web, first, tmp_path):
    """A fresh data folder holding only the loader's parquet export (no staging, no feed validators):
    feeds are fetched again, known articles are not."""
    import duckdb

    paths, _, _, truth = first
    fresh = make_paths(tmp_path, paths.sources)
    fresh.data_dir.mkdir(parents=True)
    staged_file = paths.staging_dir / "newsmodern" / "run1.jsonl"
    with duckdb.connect(":memory:") as con:
        con.execute(
            f"""copy (select url, article.canonical_url as canonical_url, content_hash,
                        cast(lastmod as timestamptz) as lastmod, etag, last_modified,
                        cast(fetched_at as timestamptz) as fetched_at
                 from read_json('{staged_file}', format = 'newline_delimited')
                 where kind = 'article') to '{fresh.crawl_state}' (format parquet)"""
        )
    web.clear_log()
    stats = crawl_source(fresh, "newsmodern", "fresh", FAST)
    article_paths = {url.split("/", 3)[3] for url, m in truth.items() if m["site"] == "newsmodern"}
    requested = {e["path"].lstrip("/") for e in web.request_log if e["site"] == "newsmodern"}
    assert requested and not requested & article_paths
    assert stats["articles"] == 0 and stats["not_modified"] == 0


def test_robots_disallowed_paths_are_never_requested(web, tmp_path):
    """Follow every link of the techpress home page: /private/ is linked but robots forbids it."""
    data = yaml.safe_load(web.sources_yaml())
    source = next(s for s in data["sources"] if s["name"] == "techpress")
    source.update(
        feeds=[],
        sitemaps=[],
        sections=[{"url": source["homepage"], "max_pages": 1}],
        article_patterns=[".*"],
        exclude_patterns=[],
    )
    del source["feeds"], source["sitemaps"]
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump(data))
    paths = make_paths(tmp_path, tmp_path / "sources.yaml")
    web.clear_log()
    stats = crawl_source(paths, "techpress", "robots", FAST)
    techpress_paths = [e["path"] for e in web.request_log if e["site"] == "techpress"]
    assert techpress_paths and not [
        p for p in techpress_paths if p.startswith(("/private/", "/wp-admin/"))
    ]
    skipped = {p.url: p.reason for p in staged(paths, "techpress", "robots") if p.kind == SKIPPED}
    assert any("/private/" in u and r == "robots_disallowed" for u, r in skipped.items())
    assert stats["articles"] > 0 and stats["errors_by_kind"].get("robots_disallowed", 0) >= 1


def test_scrapy_list_shows_the_registry(web, tmp_path):
    env = {**os.environ, "MEDIAWATCH_SOURCES": str(web.write_sources(tmp_path / "s.yaml"))}
    out = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.split() == sorted(web.base_urls)


def test_bad_registry_fails_the_crawl_naming_source_and_field(tmp_path):
    bad = tmp_path / "sources.yaml"
    bad.write_text(
        "version: 1\nsources:\n  - name: broken\n    homepage: http://127.0.0.1:1/\n"
        "    feeds: ['gopher://127.0.0.1/']\n    language: en\n    country: US\n"
        "    crawl_interval: 1h\n"
    )
    with pytest.raises(CrawlError) as caught:
        crawl_source(make_paths(tmp_path, bad), "broken", "r", FAST)
    assert "source 'broken'" in str(caught.value) and "'feeds'" in str(caught.value)
    assert caught.value.returncode != 0
