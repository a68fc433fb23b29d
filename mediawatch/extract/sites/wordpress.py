"""WordPress themes (classic `entry-content` markup and block themes).

Why an override: on WordPress pages the generic extractor keeps Jetpack share/related blocks and
can take a related post's byline; the theme's own containers are exact (see bench/extract_bench.py
`--sites`)."""

from __future__ import annotations

from mediawatch.extract.sites import SITES
from mediawatch.extract.sites.base import SiteExtractor


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


@SITES.register
class WordPress(SiteExtractor):
    """Any WordPress site using the theme conventions (entry-content, entry-meta, byline)."""

    name = "wordpress"
    body_xpath = (
        f"(//div[{_has_class('entry-content')}] | //div[{_has_class('wp-block-post-content')}])[1]"
    )
    prune_xpaths = (
        "//*[contains(@class, 'sharedaddy') or contains(@class, 'jp-relatedposts')]",
        "//*[@id='jp-relatedposts' or @id='comments' or @id='respond']",
        f"//*[{_has_class('wp-caption-text')} or {_has_class('author-bio')} or {_has_class('author-info')}]",
        f"//*[{_has_class('comments-area')} or {_has_class('post-navigation')} or {_has_class('related-posts')}]",
    )
    byline_xpath = (
        f"(//*[{_has_class('entry-meta')} or {_has_class('entry-header')}]"
        f"//*[{_has_class('author')} or @rel='author' or {_has_class('wp-block-post-author-name')}])[1]"
    )
