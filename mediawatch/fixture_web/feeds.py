"""RSS 2.0, Atom and sitemap documents (plain, index and Google News) for the fixture sites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

SITEMAP_CHUNK = 50_000  # the sitemap protocol's limit of URLs per file
FEED_SIZE = 50


@dataclass(frozen=True)
class Entry:
    """One item of a feed or sitemap."""

    url: str
    title: str
    published: datetime
    modified: datetime
    authors: tuple[str, ...] = ()


def rss(title: str, base: str, language: str, entries: list[Entry]) -> str:
    """An RSS 2.0 channel with dc:creator per item."""
    items = "".join(
        f"<item><title>{escape(e.title)}</title><link>{escape(e.url)}</link>"
        f'<guid isPermaLink="true">{escape(e.url)}</guid>'
        f"<pubDate>{format_datetime(e.published)}</pubDate>"
        + "".join(f"<dc:creator><![CDATA[{a}]]></dc:creator>" for a in e.authors)
        + f"<description>{escape(e.title)} &#8230; Continue reading on {escape(title)}.</description></item>\n"
        for e in entries
    )
    built = max((e.modified for e in entries), default=None)
    last_build = f"<lastBuildDate>{format_datetime(built)}</lastBuildDate>" if built else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">\n'
        f"<channel><title>{escape(title)}</title><link>{base}/</link>"
        f"<description>Latest stories from {escape(title)}</description><language>{language}</language>"
        f"{last_build}\n{items}</channel></rss>\n"
    )


def atom(title: str, base: str, feed_url: str, entries: list[Entry]) -> str:
    """An Atom 1.0 feed with published and updated per entry."""
    updated = max((e.modified for e in entries), default=None)
    body = "".join(
        f'<entry><title>{escape(e.title)}</title><link rel="alternate" href="{escape(e.url)}"/>'
        f"<id>{escape(e.url)}</id><published>{e.published.isoformat()}</published>"
        f"<updated>{e.modified.isoformat()}</updated>"
        + "".join(f"<author><name>{escape(a)}</name></author>" for a in e.authors)
        + f"<summary>{escape(e.title)}</summary></entry>\n"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f'<title>{escape(title)}</title><link href="{base}/"/><link rel="self" href="{feed_url}"/>'
        f"<id>{base}/</id><updated>{updated.isoformat() if updated else ''}</updated>\n{body}</feed>\n"
    )


def sitemap_index(children: list[tuple[str, datetime | None]]) -> str:
    rows = "".join(
        f"<sitemap><loc>{escape(url)}</loc>"
        + (f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else "")
        + "</sitemap>\n"
        for url, lastmod in children
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}</sitemapindex>\n'
    )


def urlset(entries: list[Entry], news_name: str | None = None, language: str = "en") -> str:
    """A sitemap; with `news_name` a Google News sitemap (news:news per URL)."""
    news_ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news_name else ""
    parts = []
    for e in entries:
        news = ""
        if news_name:
            news = (
                f"<news:news><news:publication><news:name>{escape(news_name)}</news:name>"
                f"<news:language>{language}</news:language></news:publication>"
                f"<news:publication_date>{e.published.isoformat()}</news:publication_date>"
                f"<news:title>{escape(e.title)}</news:title></news:news>"
            )
        parts.append(
            f"<url><loc>{escape(e.url)}</loc><lastmod>{e.modified.isoformat()}</lastmod>{news}</url>\n"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{news_ns}>\n{"".join(parts)}</urlset>\n'
    )
