"""A crawl with nothing new (every listing answers 304 Not Modified) does no more than ask: it never
reads what the pipeline already holds, and it fetches no article."""

from __future__ import annotations

import logging

from mediawatch.crawl import crawl_source
from mediawatch.fixture_web.realpages import SOURCE_NAME, RealPageSite

from .conftest import FAST, make_paths


class CountingSite(RealPageSite):
    """The real-page site, counting the article pages it serves in full."""

    served_articles = 0

    def page(self, index: int) -> bytes:
        self.served_articles += 1
        return super().page(index)


def test_a_crawl_whose_listings_answer_304_never_reads_the_known_pages(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="mediawatch.crawl")
    with CountingSite(pages=6) as site:
        paths = make_paths(tmp_path, site.write_sources(tmp_path / "sources.yaml"))
        first = crawl_source(paths, SOURCE_NAME, "run1", FAST)
        first_log = caplog.text
        caplog.clear()
        served = site.served_articles
        second = crawl_source(paths, SOURCE_NAME, "run2", FAST)
        second_log = caplog.text
        served_again = site.served_articles - served
    assert first["articles"] == 6
    # the first run needed the known pages (the sitemap listed articles), so it read them
    assert f"{SOURCE_NAME}: 0 known pages" in first_log
    assert second["articles"] == 0 and second["not_modified"] == 1
    assert "known pages" not in second_log
    assert served == 6 and served_again == 0
    # a source never crawled is sure to have pages to extract: its zygote started with the crawl
    # process; the run with nothing new started none at all
    assert "fork from the zygote started early" in first_log
    assert "zygote" not in second_log
