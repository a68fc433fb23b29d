"""Is this page an article at all? Tag/category pages, galleries, error pages and index pages hold
no article; their text would pollute the warehouse, so extraction reports why and keeps no body.

The decision is conservative: a page is dropped only when it is clearly not an article. Every signal
of a page type (a 404 title, gallery markup, a tag path, a listing of linked headlines) must come
with a body that does not read as an article - few words, or no paragraph of running prose - before
the page is rejected; when in doubt the body is kept. Lengths count CJK characters too (two make a
word), so a Chinese or Japanese article is not "too short" for having no spaces."""

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
# Fewer words than this is a caption or a stub, not an article (a short real post has more).
MIN_ARTICLE_WORDS = 10
# A page-type signal (error title, gallery, tag path, listing) rejects only bodies shorter than this
# or holding no paragraph of running prose (PROSE_WORDS words on one line).
SHORT_BODY_WORDS = 150
PROSE_WORDS = 25
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# Interstitials served instead of the page: bot walls, browser checks, consent and access walls.
# With a short body and no prose they are never articles, whatever their HTTP status said (200).
_INTERSTITIAL = re.compile(
    r"just a moment|checking (if the site connection is secure|your browser)|"
    r"enable javascript and cookies|attention required|verify (that )?you are (a )?human|"
    r"are you a robot|access denied|ddos protection by|please enable cookies|captcha",
    re.I,
)
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


def text_words(text: str | None) -> int:
    """Words of `text` for length decisions: whitespace tokens, plus one per two CJK characters."""
    if not text:
        return 0
    return len(text.split()) + len(_CJK.findall(text)) // 2


def has_prose(text: str | None) -> bool:
    """Does `text` hold at least one paragraph of running prose (not only headlines and blurbs)?"""
    return any(text_words(line) >= PROSE_WORDS for line in (text or "").split("\n"))


def error_page_reason(meta: PageMeta, words: int = 0) -> str | None:
    """`not_article:error_page` when title or headline says 404/not found and the body is short."""
    if words >= SHORT_BODY_WORDS:
        return None
    for text in (meta.title, meta.h1):
        if text and _ERROR_TITLE.search(text) and len(text) < 80:
            return "not_article:error_page"
    return None


def not_article_reason(
    tree: HtmlElement, url: str, meta: PageMeta, body: str | None, word_count: int
) -> str | None:
    """Why this page is clearly not an article, or None when it is (or may be) one. `tree` is the
    pruned tree; `word_count` is recomputed CJK-aware from `body`."""
    words = text_words(body)
    reason = error_page_reason(meta, words)
    if reason:
        return reason
    short = words < SHORT_BODY_WORDS
    if short and not has_prose(body):
        page_text = " ".join(t for t in (meta.title, meta.h1, body) if t)
        if _INTERSTITIAL.search(page_text):
            return "not_article:challenge_page"
    path = urlsplit(meta.canonical_url or url).path
    if short and not meta.is_article_marked or short and not has_prose(body):
        if meta.jsonld_types & _GALLERY_TYPES or meta.og_type == "gallery":
            return "not_article:gallery"
        if _GALLERY_PATH.search(path) and len(tree.xpath("//img")) >= 4:
            return "not_article:gallery"
    if not meta.is_article_marked and not has_prose(body):
        if meta.jsonld_types & _COLLECTION_TYPES or _TAG_PATH.search(path):
            if teaser_count(tree, url) >= 3 or short:
                return "not_article:tag_page"
        if path in ("", "/") or _INDEX_PATH.search(path) or teaser_count(tree, url) >= MIN_TEASERS:
            return "not_article:index_page"
    if not body:
        return "empty_body"
    if words < MIN_ARTICLE_WORDS:
        return "not_article:too_short"
    return None
