"""Is this page an article at all? Tag/category pages, galleries, error pages and index pages hold
no article; their text would pollute the warehouse, so extraction reports why and keeps no body."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from mediawatch.extract.metadata import PageMeta

_ERROR_TITLE = re.compile(
    r"\b(404|410|page not found|not found|seite nicht gefunden|page introuvable|"
    r"página no encontrada|pagina non trovata|error \d{3}|oops)\b",
    re.I,
)
_TAG_PATH = re.compile(
    r"/(tags?|topics?|category|categories|author|authors|search|archives?|label)(/|$)", re.I
)
# Section fronts and paginated listings: "/section/tech/", "/section/tech/page/3/", "/page/2/".
_INDEX_PATH = re.compile(r"/(sections?/[\w-]+/?(page/\d+/?)?|page/\d+/?)$", re.I)
_GALLERY_PATH = re.compile(
    r"/(gallery|galleries|photos|pictures|slideshow|bildergalerie)(/|$|-)", re.I
)
_COLLECTION_TYPES = {"collectionpage", "searchresultspage", "profilepage", "itemlist"}
_GALLERY_TYPES = {"imagegallery", "mediagallery"}
# Fewer words than this is a teaser or a caption, not an article.
MIN_ARTICLE_WORDS = 25
# Headline links pointing elsewhere: many of them and no article markup = a listing page.
MIN_TEASERS = 8


def teaser_count(tree: HtmlElement, url: str) -> int:
    """Headings (h2/h3) that are links to other pages: the shape of a listing."""
    own = urlsplit(url).path.rstrip("/")
    count = 0
    for heading in tree.xpath("//h2[.//a[@href]] | //h3[.//a[@href]]"):
        href = heading.xpath(".//a/@href")[0]
        if urlsplit(href).path.rstrip("/") != own:
            count += 1
    return count


def error_page_reason(meta: PageMeta) -> str | None:
    """`not_article:error_page` when title or headline says 404/not found."""
    for text in (meta.title, meta.h1):
        if text and _ERROR_TITLE.search(text) and len(text) < 80:
            return "not_article:error_page"
    return None


def not_article_reason(
    tree: HtmlElement, url: str, meta: PageMeta, body: str | None, word_count: int
) -> str | None:
    """Why this page is not an article, or None when it is one. `tree` is the pruned tree."""
    reason = error_page_reason(meta)
    if reason:
        return reason
    path = urlsplit(meta.canonical_url or url).path
    if meta.jsonld_types & _GALLERY_TYPES or meta.og_type == "gallery":
        return "not_article:gallery"
    if _GALLERY_PATH.search(path) and word_count < 150 and len(tree.xpath("//img")) >= 4:
        return "not_article:gallery"
    if not meta.is_article_marked:
        if meta.jsonld_types & _COLLECTION_TYPES or _TAG_PATH.search(path):
            if teaser_count(tree, url) >= 3 or word_count < 150:
                return "not_article:tag_page"
        if path in ("", "/") or _INDEX_PATH.search(path) or teaser_count(tree, url) >= MIN_TEASERS:
            return "not_article:index_page"
    if not body:
        return "empty_body"
    if word_count < MIN_ARTICLE_WORDS:
        return "not_article:too_short"
    return None
