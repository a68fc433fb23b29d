"""The spider of one registry source: discover article URLs (feeds, sitemaps, section pages), fetch
only new or changed ones, and hand each page to the pipelines. No extraction or storage here."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from mediawatch.config import default_paths
from mediawatch.records import FAILED, SKIPPED, StagedPage
from mediawatch.sources import Registry, Section, Source
from mediawatch.staging import finalize_leftovers, lock_source
from mediawatch.urls import normalize_url
from spiders.discovery import (
    NEXT_PAGE_CSS,
    Entry,
    XmlRejected,
    feed_entries,
    feed_links,
    is_section_candidate,
    parse_date,
    parse_xml,
    robots_sitemaps,
    sitemap_entries,
    usual_sitemap_urls,
    xml_body,
)
from spiders.items import FetchedPage, PageOutcome
from spiders.policy import MAX_RETRY_RUNS, apply_polite_overrides, classify_failure, is_transient
from spiders.state import HttpState, KnownState

log = logging.getLogger(__name__)

MAX_SITEMAP_DEPTH = 3  # sitemap index -> sitemap -> ... ; deeper nesting is a trap, not a site
MAX_ENTRIES_PER_DOCUMENT = 50_000  # the sitemap protocol's own limit
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _declared(request: scrapy.Request) -> scrapy.Request:
    """Mark a request for an endpoint the registry declares (its failure counts for the outcome)."""
    request.meta["mw_declared"] = True
    return request


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class SourceSpider(scrapy.Spider):
    """Base spider; the loader makes one subclass per source (class attributes `source`,
    `registry`). Settings: MEDIAWATCH_RUN_ID (default: UTC timestamp)."""

    source: ClassVar[Source]
    registry: ClassVar[Registry]

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        apply_polite_overrides(cls.source, cls.registry, settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._setup(crawler.settings)
        return spider

    def _setup(self, settings: BaseSettings) -> None:
        self.run_id = (
            settings.get("MEDIAWATCH_RUN_ID")
            or getattr(self, "run_id", None)
            or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        )
        warehouse = os.environ.get("MEDIAWATCH_WAREHOUSE") or settings.get("MEDIAWATCH_WAREHOUSE")
        self.paths = default_paths(sources=self.registry.path, warehouse=warehouse or None)
        # one crawl per source at a time; then a leftover .part can only be from a crashed run,
        # and its pages count as known: finalise them before reading the state
        self.lock = lock_source(self.paths.staging_dir, self.name)
        finalize_leftovers(self.paths.staging_dir, self.name, keep=self.run_id)
        self.known = KnownState.load(self.paths, self.name)
        self.http_state = HttpState.load(self.paths, self.name)
        self.discovered: set[str] = set()  # article URLs found by discovery this run
        self.pending: list[str] = []  # ... waiting for discovery to finish before being fetched
        self.lastmods: dict[str, str | None] = {}  # newest lastmod any listing gave a URL
        self.retry_next: dict[str, int] = {}  # transient failures of this run, retried next run
        self.crawler.signals.connect(self._on_idle, signal=signals.spider_idle)
        self.section_urls: set[str] = set()
        self.xml_urls: set[str] = set()  # feeds and sitemaps requested this run (declared or found)
        self.discovered_sections = 0
        window = self.source.news_sitemap_window_days
        if window is None:
            window = self.registry.settings.get("news_sitemap_window_days")
        self.news_window = timedelta(days=float(window)) if window else None
        # the known pages are read when a listing first names an article (see KnownState)
        self.logger.info("run %s: staging to %s", self.run_id, Path(self.paths.staging_dir) / self.name)

    # ---- counting -----------------------------------------------------------------------------
    def count(self, key: str, value: int = 1) -> None:
        self.crawler.stats.inc_value(f"mediawatch/{key}", value)

    def count_error(self, kind: str) -> None:
        self.count(f"errors/{kind}")

    def count_endpoint_failure(self, meta: dict[str, Any]) -> None:
        """A registry endpoint (the homepage, a root feed, sitemap or a section's first page) gave
        nothing usable."""
        if meta.get("mw_declared") and meta.get("mw_depth", 0) == 0 and meta.get("mw_page", 1) == 1:
            self.count("endpoints_failed")

    # ---- discovery ----------------------------------------------------------------------------
    # Discovery is bounded in depth: homepage -> section pages (and their next pages, up to a limit)
    # -> articles; feeds and sitemaps list articles directly. With `autodiscover` the homepage's
    # feed <link>s and robots.txt's Sitemap: lines (else the usual sitemap paths) are added to the
    # declared ones. Listing pages are never staged; robots.txt applies to every request.
    async def start(self) -> AsyncIterator[Any]:
        # the registry's endpoints (the homepage among them when it is a discovery start): when
        # none answers, the crawl's outcome is `failed`; what autodiscovery adds is not counted
        source = self.source
        declared = len(source.sitemaps) + len(source.feeds) + len(source.sections)
        self.count("endpoints", declared + int(source.discover_homepage))
        if self.source.autodiscover:
            yield self._robots_request()
        if self.source.discover_homepage:
            yield _declared(self._homepage_request())
        for url in self.source.sitemaps:
            yield _declared(self._xml_request(url, "sitemap", 0))
        for url in self.source.feeds:
            yield _declared(self._xml_request(url, "feed", 0))
        for section in self.source.sections:
            yield _declared(self._section_request(section, section.url, 1))
        # articles whose fetch failed transiently last time: their listings may now answer 304
        for url in self.http_state.retry:
            if url not in self.discovered:
                self.discovered.add(url)
                self.pending.append(url)

    def _robots_request(self) -> scrapy.Request:
        url = self._on_site("/robots.txt")
        return scrapy.Request(
            url,
            callback=self.parse_robots,
            errback=self.on_discovery_error,
            meta={"mw_kind": "robots", "mw_url": url, "mw_probe": True},
        )

    def _on_site(self, path: str) -> str:
        return f"{_origin(self.source.homepage)}{path}"

    def parse_robots(self, response: Response) -> Iterator[Any]:
        """Sitemaps named by robots.txt; when it names none (and none is declared), the usual paths."""
        text = response.text if isinstance(response, TextResponse) else ""
        found = [u for u in robots_sitemaps(text, response.url) if self.source.allows_host(u)]
        if not found and not self.source.sitemaps:
            for url in usual_sitemap_urls(self.source.homepage):
                yield self._xml_request(url, "sitemap", 0, probe=True)
            return
        for url in found:
            if normalize_url(url) not in self.xml_urls:
                self.count("discovery/sitemaps_found")
                yield self._xml_request(url, "sitemap", 0)

    def _homepage_request(self) -> scrapy.Request:
        url = self.source.homepage
        return scrapy.Request(
            url,
            callback=self.parse_homepage,
            errback=self.on_discovery_error,
            headers=self.http_state.headers_for(url),
            meta={"mw_kind": "homepage", "mw_url": url, "handle_httpstatus_list": [304]},
        )

    def parse_homepage(self, response: Response) -> Iterator[Any]:
        """Articles linked from the homepage, its section pages (depth 1) and, with `autodiscover`,
        its advertised feeds. The homepage itself is a listing: never staged."""
        if response.status == 304:
            self.count("not_modified")
            return
        if not isinstance(response, TextResponse):
            self.count_error("homepage_not_html")
            self.count_endpoint_failure(response.meta)
            return
        if self.source.autodiscover:
            for url in feed_links(response):
                if self.source.allows_host(url) and normalize_url(url) not in self.xml_urls:
                    self.count("discovery/feeds_found")
                    yield self._xml_request(url, "feed", 0)
        declared = {normalize_url(s.url) for s in self.source.sections}
        home = normalize_url(self.source.homepage)
        for href in response.css("a::attr(href)").getall():
            url = normalize_url(response.urljoin(href.strip()))
            if url == home or url in self.section_urls or not self.source.allows_host(url):
                continue
            if self.source.looks_like_article(url):
                yield from self._article(url, None, listed=False)
            elif (
                self.discovered_sections < self.source.max_sections
                and url not in declared
                and is_section_candidate(url)
            ):
                self.discovered_sections += 1
                self.count("discovery/sections_found")
                section = Section(url=url, max_pages=self.source.section_max_pages)
                request = self._section_request(section, url, 1)
                request.meta["mw_probe"] = True  # a guess: if it is not there, nothing is wrong
                yield request
        self.http_state.remember(
            response.meta["mw_url"], _header(response, "ETag"), _header(response, "Last-Modified")
        )

    def _xml_request(self, url: str, kind: str, depth: int, probe: bool = False) -> scrapy.Request:
        self.xml_urls.add(normalize_url(url))
        return scrapy.Request(
            url,
            callback=self.parse_xml_document,
            errback=self.on_discovery_error,
            headers=self.http_state.headers_for(url),
            meta={
                "mw_kind": kind,
                "mw_url": url,
                "mw_depth": depth,
                "mw_probe": probe,
                "handle_httpstatus_list": [304],
            },
        )

    def parse_xml_document(self, response: Response) -> Iterator[Any]:
        """A feed, sitemap index, sitemap or Google News sitemap (told apart by the root element)."""
        if response.status == 304:
            self.count("not_modified")
            return
        intact = True
        probe = response.meta.get("mw_probe", False)
        try:
            # .xml.gz sitemaps: inflated under the same size limit as any other body
            body = xml_body(response.body, self.settings.getint("DOWNLOAD_MAXSIZE"))
            root = parse_xml(body)
        except XmlRejected as exc:
            if probe:  # a guessed sitemap path that holds no sitemap: nothing is wrong
                self.count("discovery/probe_not_xml")
                return
            self.count_error(exc.kind)
            self.logger.warning("%s: %s", response.url, exc)
            if exc.kind != "malformed_xml":
                self.count_endpoint_failure(response.meta)
                return
            intact = False
            try:  # salvage the readable entries; the error is already counted
                root = parse_xml(body, recover=True)
            except XmlRejected:
                self.count_endpoint_failure(response.meta)
                return
        try:
            if root.tag.endswith(("sitemapindex", "urlset")):
                children, entries = sitemap_entries(root)
            else:
                children, entries = [], feed_entries(root)
        except XmlRejected as exc:
            if probe:
                self.count("discovery/probe_not_xml")
                return
            self.count_error(exc.kind)
            self.logger.warning("%s: %s", response.url, exc)
            self.count_endpoint_failure(response.meta)
            return
        if probe:
            self.count("discovery/sitemaps_found")
        if intact:
            url = response.meta["mw_url"]
            self.http_state.remember(
                url, _header(response, "ETag"), _header(response, "Last-Modified")
            )
        if len(children) + len(entries) > MAX_ENTRIES_PER_DOCUMENT:
            self.count_error("too_many_entries")
            children, entries = (
                children[:MAX_ENTRIES_PER_DOCUMENT],
                entries[:MAX_ENTRIES_PER_DOCUMENT],
            )
        depth = response.meta.get("mw_depth", 0)
        for child in children:
            if depth < MAX_SITEMAP_DEPTH:
                yield self._xml_request(response.urljoin(child.url), "sitemap", depth + 1)
        for entry in entries:
            if entry.news and self._outside_news_window(entry):
                continue
            yield from self._article(response.urljoin(entry.url), entry.lastmod, listed=True)

    def _outside_news_window(self, entry: Entry) -> bool:
        when = parse_date(entry.lastmod)
        return bool(self.news_window and when and when < datetime.now(UTC) - self.news_window)

    def _section_request(self, section: Section, url: str, page: int) -> scrapy.Request:
        self.section_urls.add(normalize_url(url))
        return scrapy.Request(
            url,
            callback=self.parse_section,
            errback=self.on_discovery_error,
            headers=self.http_state.headers_for(url),
            meta={
                "mw_kind": "section",
                "mw_url": url,
                "mw_section": section,
                "mw_page": page,
                "handle_httpstatus_list": [304],
            },
        )

    def parse_section(self, response: Response) -> Iterator[Any]:
        """Follow article-looking links of a section page, then its next page (up to max_pages).
        An unchanged page (304) ends the walk: nothing new was published since the last run."""
        if response.status == 304:
            self.count("not_modified")
            return
        if not isinstance(response, TextResponse):
            self.count_error("section_not_html")
            self.count_endpoint_failure(response.meta)
            return
        for href in response.css("a::attr(href)").getall():
            url = normalize_url(response.urljoin(href.strip()))
            if url in self.section_urls or not self.source.looks_like_article(url):
                continue
            yield from self._article(url, None, listed=False)
        self.http_state.remember(
            response.meta["mw_url"], _header(response, "ETag"), _header(response, "Last-Modified")
        )
        section: Section = response.meta["mw_section"]
        page: int = response.meta["mw_page"]
        if page >= section.max_pages:
            return
        if section.pagination:
            next_url = section.pagination.format(page=page + 1)
        else:
            next_url = response.css(NEXT_PAGE_CSS).get()
        if next_url:
            yield self._section_request(section, response.urljoin(next_url), page + 1)

    def on_discovery_error(self, failure: Failure) -> None:
        """A feed, sitemap or section page failed: counted; past the last page a 404 is expected."""
        kind = classify_failure(failure)
        meta = failure.request.meta
        if kind == "http_404" and meta.get("mw_kind") == "section" and meta.get("mw_page", 1) > 1:
            return
        if meta.get("mw_probe"):  # robots.txt or a guessed sitemap path that is not there
            self.count("discovery/probe_missing")
            return
        self.count_error(kind)
        self.count_endpoint_failure(meta)
        self.logger.warning("%s %s failed: %s", meta.get("mw_kind"), failure.request.url, kind)

    # ---- articles -----------------------------------------------------------------------------
    # Two phases: discovery (feeds, sitemaps, sections) collects article URLs with the newest lastmod
    # any listing gives them; when discovery is done (spider idle) the articles are fetched. So the
    # "changed?" decision and the staged lastmod see every listing, not whichever came first.
    def _article(self, url: str, lastmod: str | None, listed: bool) -> Iterator[Any]:
        """Note an article URL found by discovery; URLs that are no articles are staged as skipped."""
        url = normalize_url(url)
        if not url.startswith(("http://", "https://")) or not self.source.allows_host(url):
            return
        # several listings may name the page (feed pubDate, sitemap lastmod): remember the newest
        if (parse_date(lastmod) or _EPOCH) > (parse_date(self.lastmods.get(url)) or _EPOCH):
            self.lastmods[url] = lastmod
        if url in self.discovered:
            return
        self.discovered.add(url)
        if (listed and self.source.is_excluded(url)) or (
            self.source.article_patterns and not self.source.looks_like_article(url)
        ):
            yield PageOutcome(self._page(url, SKIPPED, "not_article:url_pattern", lastmod=lastmod))
            return
        self.pending.append(url)

    def _on_idle(self, spider: scrapy.Spider) -> None:
        """Discovery is done: fetch the new and changed articles it found (once per run)."""
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        for url in pending:
            request = self._article_request(url)
            if request is not None:
                self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def _article_request(self, url: str) -> scrapy.Request | None:
        """The request for one article, or None when it is known and no listing says it changed."""
        lastmod = self.lastmods.get(url)
        headers = {}
        known = self.known.get(url)
        if known is not None:
            if not known.changed_since(lastmod):
                self.count("unchanged")
                return None
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.on_article_error,
            headers=headers,
            # `discovered` already dedupes; the dupefilter would silently swallow a redirect
            # loop back to this URL instead of letting REDIRECT_MAX_TIMES report it
            dont_filter=True,
            meta={
                "mw_kind": "article",
                "mw_url": url,
                "mw_lastmod": lastmod,
                "handle_httpstatus_list": [304],
            },
        )

    def parse_article(self, response: Response) -> Iterator[Any]:
        """Hand the page to the pipelines (extraction happens there)."""
        if response.status == 304:
            self.count("not_modified")
            return
        meta = response.meta
        yield FetchedPage(
            url=meta["mw_url"],
            final_url=normalize_url(response.url),
            status=response.status,
            body=response.body,
            content_type=_header(response, "Content-Type")
            if isinstance(response, TextResponse)
            else (_header(response, "Content-Type") or "application/octet-stream"),
            fetched_at=_now(),
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
            lastmod=meta.get("mw_lastmod"),
            warc_file=meta.get("warc_file"),
            warc_record_id=meta.get("warc_record_id"),
        )

    def on_article_error(self, failure: Failure) -> Iterator[PageOutcome]:
        """Stage a failed fetch with its reason, so it is counted and can be retried later."""
        kind = classify_failure(failure)
        self.count_error(kind)
        meta = failure.request.meta
        url = meta.get("mw_url", failure.request.url)
        attempts = self.http_state.retry.get(url, 0) + 1
        if is_transient(kind) and attempts < MAX_RETRY_RUNS:
            self.retry_next[url] = attempts
        status = failure.value.response.status if isinstance(failure.value, HttpError) else None
        outcome = SKIPPED if kind == "robots_disallowed" else FAILED
        yield PageOutcome(
            self._page(
                meta.get("mw_url", failure.request.url),
                outcome,
                kind,
                status=status,
                lastmod=meta.get("mw_lastmod"),
            )
        )

    def _page(self, url: str, kind: str, reason: str, **fields: Any) -> StagedPage:
        return StagedPage(
            run_id=self.run_id,
            source=self.name,
            url=url,
            fetched_at=_now(),
            kind=kind,
            reason=reason,
            **fields,
        )

    def closed(self, reason: str) -> None:
        """Keep the feed/sitemap validators for the next run's conditional requests."""
        self.http_state.retry = self.retry_next
        self.http_state.save()
