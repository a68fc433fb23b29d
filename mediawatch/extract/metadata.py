"""Page metadata from the parsed tree, most trusted source first: JSON-LD (extruct), then
OpenGraph/meta tags, then the DOM (<time>, bylines via trafilatura), then htmldate, then the URL.
Each later source runs only when the earlier ones gave no answer, which keeps extraction fast."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from extruct.jsonld import JsonLdExtractor
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura import metadata as trafilatura_metadata

from mediawatch.extract.dates import date_from_url, first_plausible, plausible
from mediawatch.extract.profile import step

ARTICLE_TYPES = {
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "techarticle",
    "scholarlyarticle", "report", "liveblogposting", "posting", "review",
}  # fmt: skip
_JSONLD = JsonLdExtractor()

PUBLISHED_META = (
    "article:published_time", "og:published_time", "og:article:published_time",
    "datepublished", "article.published", "publish-date", "publish_date", "pubdate",
    "publishdate", "parsely-pub-date", "sailthru.date", "dc.date.issued", "dc.date",
    "dcterms.created", "dcterms.date", "citation_publication_date", "date", "datecreated",
    "article_date_original", "cxenseparse:recs:publishtime",
)  # fmt: skip
UPDATED_META = (
    "article:modified_time", "og:updated_time", "og:modified_time", "datemodified",
    "article.updated", "last-modified", "lastmod", "dcterms.modified", "dc.date.modified",
)  # fmt: skip
AUTHOR_META = (
    "author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
    "dcterms.creator", "citation_author", "byl", "twitter:creator:name",
)  # fmt: skip


@dataclass
class PageMeta:
    """Raw metadata candidates of one page, before cleaning."""

    title: str | None = None
    h1: str | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    image_url: str | None = None
    author_candidates: list[str] = field(default_factory=list)
    author_orgs: list[str] = field(default_factory=list)
    published: datetime | None = None
    updated: datetime | None = None
    html_lang: str | None = None
    jsonld_types: set[str] = field(default_factory=set)
    og_type: str | None = None
    is_article_marked: bool = False  # page declares itself an article (JSON-LD or og:type)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(item: dict[str, Any]) -> set[str]:
    return {str(t).lower().rsplit("/", 1)[-1] for t in _as_list(item.get("@type"))}


def jsonld_items(tree: HtmlElement) -> list[dict[str, Any]]:
    """All JSON-LD objects of the page, @graph flattened; broken scripts are skipped."""
    raw: list[Any] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            raw.extend(_JSONLD.extract_items(script))
        except Exception:  # noqa: BLE001 - one broken script must not lose the others
            continue
    items: list[dict[str, Any]] = []
    while raw:
        item = raw.pop(0)
        if isinstance(item, list):
            raw.extend(item)
        elif isinstance(item, dict):
            raw.extend(_as_list(item.get("@graph")))
            items.append(item)
    return items


def _name(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _name(value.get("name"))
    if isinstance(value, list) and value:
        return _name(value[0])
    return None


def _url(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _url(value.get("url") or value.get("contentUrl") or value.get("@id"))
    if isinstance(value, list) and value:
        return _url(value[0])
    return None


def meta_tags(tree: HtmlElement) -> dict[str, list[str]]:
    """<meta> content by lowercased name/property/itemprop, in document order."""
    tags: dict[str, list[str]] = {}
    for meta in tree.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = meta.get("content")
        if key and content and content.strip():
            tags.setdefault(key.strip().lower(), []).append(content.strip())
    return tags


def _first(tags: dict[str, list[str]], keys: tuple[str, ...] | list[str]) -> str | None:
    for key in keys:
        if tags.get(key):
            return tags[key][0]
    return None


def _apply_jsonld(meta: PageMeta, items: list[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    """Fill `meta` from the page's article object; return its (published, updated) raw values."""
    by_id = {item["@id"]: item for item in items if isinstance(item.get("@id"), str)}
    for item in items:
        meta.jsonld_types |= _types(item)
    article = next((item for item in items if _types(item) & ARTICLE_TYPES), None)
    if article is None:
        return [], []
    meta.is_article_marked = True
    meta.title = _name(article.get("headline")) or _name(article.get("name"))
    for author in _as_list(article.get("author")) + _as_list(article.get("creator")):
        if isinstance(author, dict) and set(author) <= {"@id"}:
            author = by_id.get(author.get("@id"), author)
        name = _name(author)
        if not name:
            continue
        if isinstance(author, dict) and "organization" in _types(author):
            meta.author_orgs.append(name)
        meta.author_candidates.append(name)
    publisher = article.get("publisher")
    if isinstance(publisher, dict) and set(publisher) <= {"@id"}:
        publisher = by_id.get(publisher.get("@id"), publisher)
    meta.site_name = _name(publisher)
    meta.section = _name(article.get("articleSection"))
    keywords = article.get("keywords")
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    meta.tags = [str(k).strip() for k in _as_list(keywords) if str(k).strip()]
    meta.image_url = _url(article.get("image")) or _url(article.get("thumbnailUrl"))
    meta.canonical_url = _url(article.get("mainEntityOfPage")) or _url(article.get("url"))
    return _as_list(article.get("datePublished")) + _as_list(article.get("dateCreated")), _as_list(
        article.get("dateModified")
    )


def _time_elements(tree: HtmlElement) -> tuple[list[str], list[str]]:
    """datetime values of <time> elements: (published candidates, updated candidates)."""
    published, updated = [], []
    for node in tree.iter("time"):
        value = node.get("datetime") or node.get("content")
        if not value:
            continue
        marker = f"{node.get('itemprop', '')} {node.get('class', '')}".lower()
        (updated if ("modif" in marker or "updat" in marker) else published).append(value)
    return published, updated


def read_metadata(tree: HtmlElement, url: str) -> PageMeta:
    """Collect metadata candidates from structured data and meta tags of an unmodified tree."""
    meta = PageMeta()
    with step("jsonld"):
        published_raw, updated_raw = _apply_jsonld(meta, jsonld_items(tree))
    tags = meta_tags(tree)
    meta.og_type = (_first(tags, ["og:type"]) or "").lower() or None
    if meta.og_type == "article" or "article:published_time" in tags:
        meta.is_article_marked = True
    meta.title = _first(tags, ["og:title", "twitter:title"]) or meta.title
    if not meta.title:
        # plain <title> (decorations are cleaned later); trafilatura's extract_title picked a site
        # name over the headline on a dev page, so it is only the last resort
        title_node = tree.find(".//title")
        meta.title = (
            title_node.text_content().strip() if title_node is not None else None
        ) or trafilatura_metadata.extract_title(tree)
    h1 = tree.find(".//h1")
    meta.h1 = " ".join(h1.text_content().split()) if h1 is not None else None
    meta.site_name = meta.site_name or _first(tags, ["og:site_name", "application-name"])
    canonical = tree.xpath("//link[@rel='canonical']/@href")
    meta.canonical_url = (
        (canonical[0].strip() if canonical else None)
        or _first(tags, ["og:url"])
        or meta.canonical_url
    )
    if meta.canonical_url:
        meta.canonical_url = urljoin(url, meta.canonical_url)
    meta.section = meta.section or _first(tags, ["article:section", "parsely-section", "section"])
    meta.tags = (
        meta.tags
        or tags.get("article:tag", [])
        or _split(_first(tags, ["news_keywords", "keywords"]))
        or _catstags("tag", tree)  # tag links in the page's post-meta markup
    )
    if not meta.section:
        categories = _catstags("category", tree)
        meta.section = categories[0] if categories else None
    meta.image_url = _first(tags, ["og:image", "og:image:url", "twitter:image"]) or meta.image_url
    if meta.image_url:
        meta.image_url = urljoin(url, meta.image_url)
    if not meta.author_candidates:
        meta.author_candidates = [
            value
            for key in AUTHOR_META
            for value in tags.get(key, [])
            if not value.startswith(("http", "@"))  # profile URLs and handles are no names
        ]
    meta.html_lang = (tree.get("lang") or tree.get("xml:lang") or "").split("-")[0].lower() or None

    meta.published = first_plausible(published_raw + [_first(tags, PUBLISHED_META)])
    meta.updated = first_plausible(updated_raw + [_first(tags, UPDATED_META)])
    if meta.published is None or meta.updated is None:
        time_published, time_updated = _time_elements(tree)
        meta.published = meta.published or first_plausible(time_published)
        meta.updated = meta.updated or first_plausible(time_updated)
    if meta.published is None:
        with step("htmldate"):
            meta.published = _htmldate(tree, url) or plausible(date_from_url(url))
    if meta.updated and meta.published and meta.updated < meta.published:
        meta.updated = None
    return meta


# trafilatura keeps only links whose href holds "/tag(s)/" or "/categor(y|ies)/": without any such
# link on the page its dozen regex XPaths cannot find one, and they cost ~1 ms per page.
_HAS_CATSTAG_LINK = {
    "tag": XPath("boolean(//a[contains(@href, '/tag')])"),
    "category": XPath("boolean(//a[contains(@href, '/categor')])"),
}
_SUBJECT_META = XPath(
    './/head//meta[@property="article:section" or contains(@name, "subject")][@content]'
)


def _catstags(kind: str, tree: HtmlElement) -> list[str]:
    """trafilatura's `extract_catstags`, skipped when the page has no link it could return."""
    if _HAS_CATSTAG_LINK[kind](tree):
        return list(trafilatura_metadata.extract_catstags(kind, tree))
    if kind == "category":  # its fallback: section/subject meta tags
        from trafilatura.utils import line_processing

        found = (line_processing(node.get("content")) for node in _SUBJECT_META(tree))
        return [value for value in dict.fromkeys(found) if value]
    return []


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in re.split(r"[,;]", value or "") if part.strip()]


def _htmldate(tree: HtmlElement, url: str) -> datetime | None:
    """htmldate's quick search over the tree (no extensive search: slow and guess-prone)."""
    from htmldate import find_date  # imported lazily: only pages without structured dates need it

    try:
        found = find_date(tree, extensive_search=False, original_date=True, url=url,
                          outputformat="%Y-%m-%dT%H:%M:%S%z")  # fmt: skip
    except Exception:  # noqa: BLE001 - htmldate must not take the extraction down
        return None
    return first_plausible([found]) if found else None


def host_of(url: str) -> str:
    """Host name without www., for site-name fallbacks."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")
