"""No duplicates with crawled data: backfilling the project's own crawl archive adds nothing; the
same body under the same URL is not stored twice; a changed body becomes a new version."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediawatch.backfill import backfill
from mediawatch.config import REPO_ROOT, Paths
from mediawatch.crawl import crawl_source
from mediawatch.fixture_web import FixtureWeb
from mediawatch.warc import iter_archived
from tests.backfill.conftest import Rec, load, warehouse_rows, write_warc

FAST = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "8", "DOWNLOAD_TIMEOUT": "5"}
SITE = "techpress"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    """One real crawl of one fixture site (Scrapy over HTTP), loaded into a warehouse."""
    root = tmp_path_factory.mktemp("crawled")
    with FixtureWeb(seed=0, articles=6) as web:
        paths = Paths(sources=web.write_sources(root / "sources.yaml"),
                      watchlist=REPO_ROOT / "watchlist.yaml",
                      warehouse=root / "data" / "warehouse.duckdb", reports=root / "reports")
        stats = crawl_source(paths.ensure(), SITE, "crawl1", settings=FAST)
    assert stats["articles"] > 0
    assert load(paths)["new_versions"] == stats["articles"]
    return paths


def counts(paths: Paths) -> tuple[int, int]:
    [(articles, versions)] = warehouse_rows(
        paths, "select (select count(*) from articles), (select count(*) from article_versions)")
    return articles, versions


def test_backfilling_our_own_crawl_archive_adds_nothing(crawled: Paths) -> None:
    before = counts(crawled)
    archives = sorted(str(p) for p in (crawled.warc_dir / SITE).glob("*.warc.gz"))
    out = backfill(crawled, archives, source=SITE)
    assert out["articles"] == 0, out
    assert out["skipped"]["already_stored"] >= before[0]
    assert load(crawled)["new_versions"] == 0
    assert counts(crawled) == before


def test_same_body_is_not_stored_twice_and_a_changed_body_is_a_new_version(
    crawled: Paths, tmp_path: Path
) -> None:
    articles, versions = counts(crawled)
    [(url, body)] = warehouse_rows(crawled, "select url, body from articles order by url limit 1")
    [original] = [r.body for r in iter_archived(next((crawled.warc_dir / SITE).glob("*.warc.gz")))
                  if r.target_uri == url]
    same_body = original.replace(b"</body>", b"<!-- served again by a CDN --></body>")
    opening = body.split("\n")[0][:30].encode()  # the body's own first words, as in the HTML
    assert opening in original
    changed = original.replace(opening, b"An update added this sentence to the story. " + opening)
    assert same_body != original and changed != original
    warc = write_warc(tmp_path / "later.warc.gz", [
        Rec(url, same_body, date="2026-01-02T00:00:00Z"),
        Rec(url, changed, date="2026-01-03T00:00:00Z"),
    ])
    out = backfill(crawled, [str(warc)], source=SITE)
    assert out["articles"] == 1 and out["skipped"]["already_stored"] == 1, {k: v for k, v in out["skipped"].items() if v}
    loaded = load(crawled)
    assert loaded["new_versions"] == 1
    assert counts(crawled) == (articles, versions + 1)
    bodies = [b for (b,) in warehouse_rows(
        crawled, "select body from article_versions where article_id = "
        f"(select article_id from articles where url = '{url}') order by version")]
    # versions are numbered by capture time: the older backfilled capture comes first
    assert len(bodies) == 2 and "An update added this sentence" in bodies[0]
    # the capture is older than the crawl, so the article keeps the crawled (newest) body
    [(current,)] = warehouse_rows(crawled, f"select body from articles where url = '{url}'")
    assert current == body
