"""URL routing of the fixture sites: which document each path of each site answers with."""

from __future__ import annotations

import re
from datetime import datetime

from mediawatch.fixture_web import feeds, listings, pages
from mediawatch.fixture_web.catalog import SITE_BY_NAME, ArticleMeta, Catalog
from mediawatch.fixture_web.faults import FaultPlan
from mediawatch.fixture_web.response import ATOM, RSS, TEXT, XML, Response, not_found

# per site: (path of chunk k of its sitemap, news sitemap?, URLs per chunk). Google News sitemaps
# hold at most 1,000 URLs (and 50,000 of them would be ~20 MB, over crawlers' size limits).
SITEMAPS = {
    "techpress": (
        lambda k: "/post-sitemap.xml" if k == 1 else f"/post-sitemap{k}.xml",
        False,
        feeds.SITEMAP_CHUNK,
    ),
    "newsmodern": (lambda k: f"/news-sitemap-{k}.xml", True, 1_000),
    "sitemaponly": (lambda k: f"/sitemaps/articles-{k}.xml", False, feeds.SITEMAP_CHUNK),
}
FEEDS = {"techpress": "/feed/", "newsmodern": "/feed.atom", "techblatt": "/feed/"}
_LISTING = re.compile(r"^/(tag|author|category)/([a-z0-9-]+)/(?:page/(\d+)/)?$")
_SECTION = re.compile(r"^/section/tech/(?:page/(\d+)/)?$")
_GALLERY = re.compile(r"^/gallery/(\d+)/$")


class Router:
    """Answers a path on a site from the catalog, the active faults and the sites' base URLs."""

    def __init__(self, catalog: Catalog, plan: FaultPlan, base_urls: dict[str, str]) -> None:
        self.catalog = catalog
        self.plan = plan
        self.base_urls = base_urls

    def entry(self, meta: ArticleMeta) -> feeds.Entry:
        return feeds.Entry(
            self.base_urls[meta.site] + meta.path,
            meta.title,
            meta.published,
            meta.modified,
            meta.authors,
        )

    def fault_entries(self) -> list[feeds.Entry]:
        base, when = self.base_urls["techpress"], self.catalog.reference
        return [
            feeds.Entry(base + path, f"Update: {path.strip('/').rsplit('/', 1)[-1]}", when, when)
            for path in self.plan.page_paths()
        ]

    def chunks(self, site: str) -> int:
        return max(1, -(-self.catalog.count(site) // SITEMAPS[site][2]))

    def chunk_range(self, site: str, k: int) -> range:
        """Article indices listed in chunk k (1-based) of a site's sitemap, oldest first."""
        size = SITEMAPS[site][2]
        return range((k - 1) * size, min(k * size, self.catalog.count(site)))

    def route(self, site: str, path: str) -> Response:
        """The response for GET `path` on `site` (conditional handling happens in the server)."""
        base = self.base_urls[site]
        if path == "/robots.txt":
            return Response(body=listings.robots_txt(site, base).encode(), content_type=TEXT)
        if site == "techpress":
            healthy = [self.base_urls[site] + m.path for m in self.catalog.latest(site, 50)]
            faulty = self.plan.respond(path, base, healthy)
            if faulty is not None:
                return faulty
        index = self.catalog.lookup(site, path)
        if index is not None:
            meta = self.catalog.meta(site, index)
            html = pages.render_article(self.catalog, meta, base)
            return Response(body=html.encode(), last_modified=meta.modified)
        if path == "/":
            return self._listing_page(site, listings.home(self.catalog, site, base))
        if path == FEEDS.get(site):
            return self._feed(site, base)
        if site in SITEMAPS:
            answer = self._sitemap(site, path)
            if answer is not None:
                return answer
        return self._site_specific(site, path, base)

    def _listing_page(self, site: str, html: str | None) -> Response:
        if html is None:
            return not_found()
        newest = self.catalog.published(site, self.catalog.count(site) - 1)
        return Response(body=html.encode(), last_modified=newest)

    def _feed(self, site: str, base: str) -> Response:
        spec = SITE_BY_NAME[site]
        entries = [self.entry(m) for m in self.catalog.latest(site, feeds.FEED_SIZE)]
        if site == "techpress":
            entries = self.fault_entries() + entries
        if site == "newsmodern":
            text, ctype = feeds.atom(spec.display, base, base + FEEDS[site], entries), ATOM
        else:
            text, ctype = feeds.rss(spec.display, base, spec.language, entries), RSS
        return Response(body=text.encode(), content_type=ctype, last_modified=_newest(entries))

    def _chunk_lastmod(self, site: str, k: int) -> datetime:
        chunk = self.chunk_range(site, k)
        low, high = chunk.start, chunk.stop
        # the newest entries and any revised ones decide; scanning 50,000 entries would be too slow
        candidates = [self.catalog.meta(site, i).modified for i in range(max(low, high - 20), high)]
        candidates += [
            revs[-1]
            for (s, i), revs in list(self.catalog.revisions.items())
            if s == site and low <= i < high
        ]
        return max(candidates)

    def _sitemap(self, site: str, path: str) -> Response | None:
        name_of, news, _ = SITEMAPS[site]
        base = self.base_urls[site]
        if path == "/sitemap.xml":
            children: list[tuple[str, datetime | None]] = [
                (base + name_of(k), self._chunk_lastmod(site, k))
                for k in range(1, self.chunks(site) + 1)
            ]
            if site == "techpress":
                if self.plan.page_paths():
                    children.append((base + "/fault-sitemap.xml", self.catalog.reference))
                children += [(base + p, None) for p in self.plan.sitemap_paths()]
            newest = max(lastmod for _, lastmod in children if lastmod)
            return Response(
                body=feeds.sitemap_index(children).encode(), content_type=XML, last_modified=newest
            )
        if site == "techpress" and path == "/fault-sitemap.xml" and self.plan.page_paths():
            entries = self.fault_entries()
            return Response(
                body=feeds.urlset(entries).encode(),
                content_type=XML,
                last_modified=_newest(entries),
            )
        for k in range(1, self.chunks(site) + 1):
            if path == name_of(k):
                entries = [
                    self.entry(self.catalog.meta(site, i)) for i in self.chunk_range(site, k)
                ]
                spec = SITE_BY_NAME[site]
                text = feeds.urlset(entries, spec.display if news else None, spec.language)
                return Response(
                    body=text.encode(), content_type=XML, last_modified=_newest(entries)
                )
        return None

    def _site_specific(self, site: str, path: str, base: str) -> Response:
        if site == "techpress":
            match = _LISTING.match(path)
            if match:
                page = int(match.group(3) or 1)
                html = listings.listing(
                    self.catalog, site, match.group(1), match.group(2), page, base
                )
                return self._listing_page(site, html)
            if path.startswith("/private/"):
                return Response(
                    body=listings.private_page(site).encode(), last_modified=self.catalog.reference
                )
            if path.startswith("/wp-admin/"):
                return Response(403, b"<h1>Forbidden</h1>")
        if site == "archivepost":
            match = _SECTION.match(path)
            if match:
                html = listings.section(self.catalog, site, int(match.group(1) or 1), base)
                return self._listing_page(site, html)
            match = _GALLERY.match(path)
            if match:
                html = listings.gallery(self.catalog, site, int(match.group(1)), base)
                return self._listing_page(site, html)
        return not_found()


def _newest(entries: list[feeds.Entry]) -> datetime | None:
    return max((e.modified for e in entries), default=None)
