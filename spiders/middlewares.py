"""Downloader middlewares: the SSRF guard on every request and the WARC archive of every response."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import deferred_to_future
from twisted.internet.threads import deferToThread

from mediawatch.diskspace import is_disk_full, marker_line
from mediawatch.netguard import BlockedAddress, check_url
from mediawatch.warc import KIND_HEADER, LASTMOD_HEADER, URL_HEADER, WarcArchive


class BlockedRequest(IgnoreRequest):
    """Raised instead of connecting to a forbidden address; `reason` says which rule hit."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"blocked {url}: {reason}")


def _is_ip_literal(url: str) -> bool:
    try:
        ipaddress.ip_address(urlsplit(url).hostname or "")
    except ValueError:
        return False
    return True


class NetGuardMiddleware:
    """Refuses requests (initial, robots.txt and every redirect hop) to non-public addresses unless
    their exact host:port is in the registry allowlist. DNS is resolved off the reactor thread."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NetGuardMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        registry = getattr(self.crawler.spider, "registry", None)
        allowlist = registry.allowlist if registry is not None else frozenset()
        try:
            if _is_ip_literal(request.url):
                check_url(request.url, allowlist)
            else:
                await deferred_to_future(deferToThread(check_url, request.url, allowlist))
        except BlockedAddress as exc:
            raise BlockedRequest(request.url, exc.reason) from None


class WarcArchiveMiddleware:
    """Writes every response the spider receives to the run's WARC file and tells the spider
    (via request.meta `warc_file` / `warc_record_id`) where it went."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.archive: WarcArchive | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcArchiveMiddleware:
        return cls(crawler)

    def _archive(self) -> WarcArchive:
        if self.archive is None:
            spider = self.crawler.spider
            self.archive = WarcArchive(spider.paths.warc_dir, spider.name, spider.run_id)
        return self.archive

    def process_response(self, request: Request, response: Response) -> Response:
        archive = self._archive()
        headers = [
            (key.decode("latin-1"), value.decode("latin-1"))
            for key in response.headers
            for value in response.headers.getlist(key)
        ]
        kind = request.meta.get("mw_kind") or (
            "robots" if request.url.endswith("/robots.txt") else "other"
        )
        try:
            record_id = archive.write_response(
                response.url,
                response.status,
                headers,
                response.body,
                extra={
                    KIND_HEADER: kind,
                    URL_HEADER: request.meta.get("mw_url") or "",
                    LASTMOD_HEADER: request.meta.get("mw_lastmod") or "",
                },
            )
        except OSError as exc:
            if is_disk_full(exc):
                self._stop_for_full_disk(archive, len(response.body))
            raise
        request.meta["warc_file"] = archive.relative
        request.meta["warc_record_id"] = record_id
        return response

    def _stop_for_full_disk(self, archive: WarcArchive, needed: int) -> None:
        """Say once where and how much (the crawl's parent reports it), then stop the crawl."""
        if getattr(self, "disk_full", False):
            return
        from scrapy.utils.defer import deferred_from_coro

        self.disk_full = True
        self.crawler.spider.logger.error("%s", marker_line(archive.path, needed))
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="disk_full"))

    def spider_closed(self, spider: Spider) -> None:
        if self.archive is not None:
            try:
                self.archive.close()
            except OSError as exc:
                if not is_disk_full(exc):
                    raise
                spider.logger.error("%s", marker_line(self.archive.path, 1))
