"""Scale: 100,000 articles per site are served lazily; sitemaps split at 50,000 URLs."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from fixture_http import fetch

from mediawatch.fixture_web import FixtureWeb

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_hundred_thousand_articles() -> None:
    with FixtureWeb(seed=3, articles=100_000) as web:
        for site, child in (("sitemaponly", "/sitemaps/articles-"), ("techpress", "/post-sitemap")):
            base = web.base_urls[site]
            index = ET.fromstring(fetch(base + "/sitemap.xml").body)
            locs = [loc.text or "" for loc in index.iter(f"{SM}loc")]
            assert len(locs) == 2 and all(loc.startswith(base + child) for loc in locs)
        feed = fetch(web.base_urls["techpress"] + "/feed/").text
        newest = re.findall(r"<link>([^<]+/)</link>", feed)[1]
        assert newest.endswith("-99999/")
        page = fetch(newest)
        assert page.status == 200 and "entry-content" in page.text
        section = fetch(web.base_urls["archivepost"] + "/section/tech/page/5000/")
        assert section.status == 200 and "-0.html" in section.text
