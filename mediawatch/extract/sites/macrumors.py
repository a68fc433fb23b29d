"""MacRumors (macrumors.com), a tech-news source.

Why an override: the generic extractor drops the lead paragraph (it sits in the same block as the
headline) and keeps the sidebar's "Guides" teasers; the article text is exactly `div.article
div.content` (dev corpus page 232a43: body F1 0.68 generic, see tests/extract/golden/)."""

from __future__ import annotations

from mediawatch.extract.sites import SITES
from mediawatch.extract.sites.base import SiteExtractor


@SITES.register
class MacRumors(SiteExtractor):
    """MacRumors article pages (layout in use since at least 2019)."""

    name = "macrumors"
    body_xpath = "//div[@class='article']//div[@class='content']"
    prune_xpaths = ("//div[@id='guide-products']", "//div[@id='right']")
