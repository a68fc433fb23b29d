"""Reading feeds and sitemaps safely: which article URLs they list, with their lastmod.

XML from the web is hostile input: documents declaring entities (billion laughs, external entities)
are rejected before parsing, and lxml never expands entities, loads DTDs or touches the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from scrapy.utils.gz import gunzip

GZIP_MAGIC = b"\x1f\x8b"
# where sites put their sitemap when robots.txt names none (generic, WordPress core, Yoast/Rank Math)
USUAL_SITEMAP_PATHS = ("/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
MAX_FEED_LINKS = 5
# a listing's next page: rel=next, else the usual "next" / "older posts" links of CMS themes
NEXT_PAGE_CSS = (
    "link[rel=next]::attr(href), a[rel~=next]::attr(href), a.next::attr(href), "
    ".nav-previous a::attr(href), .pagination-next a::attr(href)"
)
# first path segments of pages that are never listings of articles (or are listings we don't want:
# tags and authors re-list the same articles); a section candidate is none of these
_NOT_SECTIONS = re.compile(
    r"^/(tags?|authors?|search|feed|wp-admin|wp-login|wp-json|login|register|account|cart|"
    r"about|about-us|contact|contact-us|privacy|privacy-policy|terms|imprint|impressum|cookies?|"
    r"advertise|newsletter|subscribe|jobs|careers|shop|events?)(/|$)|/feed/?$|/page/\d+/?$",
    re.I,
)
_FILE = re.compile(r"\.(xml|rss|atom|json|jpe?g|png|gif|webp|svg|pdf|zip|mp4|mp3|css|js)$", re.I)

__all__ = [
    "NEXT_PAGE_CSS",
    "Entry",
    "XmlRejected",
    "feed_entries",
    "feed_links",
    "is_section_candidate",
    "parse_date",
    "parse_xml",
    "robots_sitemaps",
    "sitemap_entries",
    "usual_sitemap_urls",
    "xml_body",
]


class XmlRejected(Exception):
    """A feed or sitemap we refuse or fail to read; `kind` is the error counter name."""

    def __init__(self, kind: str, detail: str = "") -> None:
        self.kind = kind
        super().__init__(f"{kind}: {detail}" if detail else kind)


@dataclass(frozen=True)
class Entry:
    """One URL listed by a feed or sitemap."""

    url: str
    lastmod: str | None = None  # ISO 8601 UTC
    news: bool = False  # from a Google News sitemap


def parse_date(text: str | None) -> datetime | None:
    """W3C/ISO 8601 or RFC 822 date as an aware UTC datetime; None when missing or unreadable."""
    if not text or not text.strip():
        return None
    text = text.strip()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            value = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _iso(text: str | None) -> str | None:
    value = parse_date(text)
    return value.isoformat() if value else None


def parse_xml(body: bytes, recover: bool = False) -> etree._Element:
    """Parse a feed/sitemap without entity expansion, DTD loading or network; XmlRejected otherwise.

    With `recover=True` lxml salvages what it can from malformed (but entity-free) documents.
    """
    body = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"<!ENTITY" in body or b"<!entity" in body:
        raise XmlRejected("xml_bomb", "document declares entities; refusing to parse it")
    if b"<!DOCTYPE" in body[:4096] and (b"SYSTEM" in body[:4096] or b"PUBLIC" in body[:4096]):
        raise XmlRejected("xml_external_dtd", "document references an external DTD")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        recover=recover,
    )
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise XmlRejected("malformed_xml", str(exc)[:200]) from None
    if root is None:
        raise XmlRejected("malformed_xml", "empty document")
    return root


def _local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _child_text(element: etree._Element, *names: str) -> str | None:
    for name in names:
        for child in element:
            if _local(child) == name and child.text and child.text.strip():
                return child.text.strip()
    return None


def feed_entries(root: etree._Element) -> list[Entry]:
    """Article links of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, with their update time."""
    entries = []
    kind = _local(root)
    if kind == "feed":  # Atom
        for entry in root.iter("{*}entry"):
            href = None
            for link in entry.iter("{*}link"):
                if link.get("rel", "alternate") == "alternate" and link.get("href"):
                    href = link.get("href").strip()
                    break
            if href:
                entries.append(Entry(href, _iso(_child_text(entry, "updated", "published"))))
    elif kind in ("rss", "RDF"):
        for item in root.iter("{*}item", "item"):
            link = _child_text(item, "link")
            if not link:
                guid = next((c for c in item if _local(c) == "guid"), None)
                if guid is not None and guid.get("isPermaLink", "true") == "true" and guid.text:
                    link = guid.text.strip()
            if link:
                when = _child_text(item, "updated", "modified", "date", "pubDate")
                entries.append(Entry(link, _iso(when)))
    else:
        raise XmlRejected("not_a_feed", f"root element <{kind}>")
    return entries


def sitemap_entries(root: etree._Element) -> tuple[list[Entry], list[Entry]]:
    """(child sitemaps, page URLs) of a sitemap index, sitemap or Google News sitemap."""
    kind = _local(root)
    if kind == "sitemapindex":
        children = [
            Entry(loc, _iso(_child_text(node, "lastmod")))
            for node in root.iter("{*}sitemap")
            if (loc := _child_text(node, "loc"))
        ]
        return children, []
    if kind != "urlset":
        raise XmlRejected("not_a_sitemap", f"root element <{kind}>")
    pages = []
    for node in root.iter("{*}url"):
        loc = _child_text(node, "loc")
        if not loc:
            continue
        news = next((c for c in node if _local(c) == "news"), None)
        published = _child_text(news, "publication_date") if news is not None else None
        lastmod = _iso(_child_text(node, "lastmod")) or _iso(published)
        pages.append(Entry(loc, lastmod, news=news is not None))
    return [], pages


def xml_body(body: bytes, max_size: int) -> bytes:
    """The XML of a feed or sitemap; a gzipped one (`.xml.gz`) inflated to at most `max_size` bytes."""
    if not body.startswith(GZIP_MAGIC):
        return body
    try:
        return gunzip(body, max_size=max_size)
    except ValueError:  # Scrapy's size-limit error (a gzip bomb) is a ValueError
        raise XmlRejected("xml_too_large", f"inflates past {max_size} bytes") from None
    except (OSError, EOFError) as exc:
        raise XmlRejected("malformed_gzip", str(exc)[:200]) from None


def robots_sitemaps(text: str, base: str) -> list[str]:
    """Absolute URLs of the `Sitemap:` lines of a robots.txt, in order, without duplicates."""
    found: dict[str, None] = {}
    for line in text.splitlines()[:10_000]:
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            url = urljoin(base, value.strip())
            if url.startswith(("http://", "https://")):
                found[url] = None
    return list(found)


def usual_sitemap_urls(homepage: str) -> list[str]:
    """The usual sitemap locations of a site, tried when robots.txt names none."""
    parts = urlsplit(homepage)
    return [f"{parts.scheme}://{parts.netloc}{path}" for path in USUAL_SITEMAP_PATHS]


def feed_links(response: Any) -> list[str]:
    """Feeds a page advertises (`<link rel="alternate" type="application/rss+xml|atom+xml">`),
    comment feeds left out, at most MAX_FEED_LINKS."""
    found: dict[str, None] = {}
    for link in response.css("link[href]"):
        rel = (link.attrib.get("rel") or "").lower().split()
        kind = (link.attrib.get("type") or "").lower().strip()
        if "alternate" not in rel or kind not in FEED_TYPES:
            continue
        url = response.urljoin(link.attrib["href"].strip())
        title = (link.attrib.get("title") or "").lower()
        if "comment" in title or "/comments/" in url:
            continue
        found[url] = None
    return list(found)[:MAX_FEED_LINKS]


def is_section_candidate(url: str) -> bool:
    """True when a homepage link may be a section (category/archive) page: a shallow path of the
    site, no query, and none of the pages that never list articles (tags, authors, about, ...)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    segments = [s for s in path.split("/") if s]
    if parts.query or not segments or len(segments) > 2:
        return False
    return not (_NOT_SECTIONS.search(path) or _FILE.search(path))
