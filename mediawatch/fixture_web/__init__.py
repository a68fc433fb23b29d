"""A deterministic local web of tech-news sites for tests, `make demo` and benchmarks.

Test and demo tool only: no pipeline module imports it.

    with FixtureWeb(seed=0, articles=60) as web:      # 60 articles per site, ephemeral ports
        web.write_sources(tmp_path / "sources.yaml")  # registry incl. network.allowlist
        truth = web.ground_truth()                    # {url: {site, title, body, authors, ...}}

Sites (one HTTP server each) and how a crawler finds their articles:
- techpress: WordPress look; RSS `/feed/`, sitemap index `/sitemap.xml` -> `/post-sitemap.xml`;
  `/tag/x/`, `/author/x/`, `/category/x/` listings; robots.txt disallows `/wp-admin/`, `/private/`.
- newsmodern: JSON-LD NewsArticle + OpenGraph; Atom `/feed.atom`; Google News sitemaps (1,000 URLs
  each) behind `/sitemap.xml`. Republishes one or two techpress stories under a new headline.
- archivepost: only via the section archive `/section/tech/` and `/section/tech/page/N/`; also links
  `/gallery/N/` pages, which are not articles.
- sitemaponly: only via `/sitemap.xml`; the home page links no article.
- techblatt: German (`lang="de"`), RSS `/feed/`.

Ground truth: body = the article's paragraphs joined by a blank line (figure captions excluded),
published_at in UTC. Fault resources (`fault_urls()`) are never in the ground truth; they live on
techpress and are listed in its feed, sitemap index and (feed faults) registry only while active.
Each site also answers `GET /__log`, `POST /__log/clear` and `GET|POST /__faults` (a JSON list).
"""

from __future__ import annotations

from mediawatch.fixture_web.faults import FAULT_MODES
from mediawatch.fixture_web.web import FixtureWeb

__all__ = ["FAULT_MODES", "FixtureWeb"]
