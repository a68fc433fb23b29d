"""Item pipelines, one concern each, ordered in settings: extract -> dedupe -> stage -> stats."""

from __future__ import annotations

import gc
import logging
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.defer import Deferred

from mediawatch.crawl_stats import CrawlStats
from mediawatch.diskspace import is_disk_full, marker_line
from mediawatch.extract_pool import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, ExtractionPool, ExtractJob
from mediawatch.records import ARTICLE, FAILED
from mediawatch.staging import StagingWriter, atomic_write_json, stats_path
from spiders.items import FetchedPage, PageOutcome

log = logging.getLogger(__name__)


class _CrawlerAware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    @property
    def spider(self) -> Any:
        return self.crawler.spider


class _SharedPool:
    """One extraction pool per crawl process, shared by every spider it runs (several sources in
    one CrawlerProcess); started by the first spider to open, stopped when the last one closes."""

    pool: ExtractionPool | None = None
    users = 0

    @classmethod
    def acquire(cls, settings: Any, model_cache: str) -> ExtractionPool:
        if cls.pool is None:
            cls.pool = ExtractionPool(
                workers=settings.getint("MEDIAWATCH_EXTRACT_WORKERS") or None,
                timeout_s=settings.getfloat("MEDIAWATCH_EXTRACT_TIMEOUT", DEFAULT_TIMEOUT_S),
                memory_mb=settings.getint("MEDIAWATCH_EXTRACT_MEMORY_MB", DEFAULT_MEMORY_MB),
                model_cache=model_cache,
            )
        cls.users += 1
        return cls.pool

    @classmethod
    def release(cls) -> None:
        cls.users -= 1
        if cls.users <= 0 and cls.pool is not None:
            pool, cls.pool, cls.users = cls.pool, None, 0
            pool.close()


class ExtractPipeline(_CrawlerAware):
    """Sends fetched pages to the extraction worker processes (off the reactor thread, on every
    core) and classifies them as article, skipped or failed; a page past its time or memory budget
    comes back failed with its reason (`extract_timeout`, `extract_memory`, `extract_crashed`)."""

    def open_spider(self) -> None:
        # Scrapy's, Twisted's and this project's modules, settings and components live as long as
        # the crawl: out of the cyclic collector's way (as in the extraction workers)
        gc.freeze()
        self.pool = _SharedPool.acquire(
            self.crawler.settings, str(self.spider.paths.data_dir / "cache")
        )

    def close_spider(self) -> None:
        _SharedPool.release()

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        spider = self.spider
        job = ExtractJob(
            kwargs={
                "source": spider.source,
                "run_id": spider.run_id,
                "url": item.url,
                "body": item.body,
                "status": item.status,
                "fetched_at": item.fetched_at,
                "final_url": item.final_url,
                "etag": item.etag,
                "last_modified": item.last_modified,
                "lastmod": item.lastmod,
                "warc_file": item.warc_file,
                "warc_record_id": item.warc_record_id,
            },
            content_type=item.content_type,
        )
        done: Deferred[Any] = Deferred()
        self.pool.submit(job, lambda page: reactor.callFromThread(done.callback, page))
        page = await maybe_deferred_to_future(done)
        if job.attempts > 1:
            spider.count("extract_retries", job.attempts - 1)
        if page.kind == FAILED and page.reason:
            spider.count_error(page.reason)
        return PageOutcome(page)


class DedupePipeline(_CrawlerAware):
    """One record per article in a run: the same canonical URL or body found via another URL is a
    duplicate and dropped (counted)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.identities: set[str] = set()
        self.hashes: set[str] = set()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageOutcome) or item.page.kind != ARTICLE:
            return item
        page = item.page
        identity = page.article.canonical_url if page.article else page.url
        if identity in self.identities or page.content_hash in self.hashes:
            self.spider.count("duplicates")
            raise DropItem(f"duplicate of {identity}: {page.url}", log_level="DEBUG")
        self.identities.add(identity or page.url)
        if page.content_hash:
            self.hashes.add(page.content_hash)
        return item


class StagePipeline(_CrawlerAware):
    """Appends each staged page to the run's `.jsonl.part` and renames it into place at the end."""

    def open_spider(self) -> None:
        spider = self.spider
        self.writer = StagingWriter(spider.paths.staging_dir, spider.name, spider.run_id)

    disk_full = False

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PageOutcome):
            if self.disk_full:
                raise DropItem("not staged: the disk is full", log_level="DEBUG")
            try:
                self.writer.write(item.page)
            except OSError as exc:
                if not is_disk_full(exc):
                    raise
                self._stop_for_full_disk(len(item.page.to_json().encode()) + 1)
                raise DropItem("not staged: the disk is full") from None
        return item

    def _stop_for_full_disk(self, needed: int) -> None:
        """Say once where and how much (the parent turns this line into its error), then stop the
        crawl: every further page would fail the same way."""
        from scrapy.utils.defer import deferred_from_coro

        self.disk_full = True
        log.error("%s", marker_line(self.writer.part_path, needed))
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="disk_full"))

    def close_spider(self) -> None:
        try:
            self.writer.close()
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            log.error("%s", marker_line(self.writer.part_path, 1))


class StatsPipeline(_CrawlerAware):
    """Counts staged pages by kind and writes `<run_id>.stats.json` (a CrawlStats record) once the
    spider has closed (after the staging file is in place)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.pages = CrawlStats(run_id="", source="", candidates=0)
        self.started_at = datetime.now(UTC)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PageOutcome):
            self.pages.count_page(item.page.kind, item.page.reason)
        return item

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        finished = datetime.now(UTC)

        def prefixed(prefix: str) -> dict[str, int]:
            return {k[len(prefix) :]: v for k, v in sorted(stats.items()) if k.startswith(prefix)}

        duplicates = stats.get("mediawatch/duplicates", 0)
        record = CrawlStats(
            run_id=spider.run_id,
            source=spider.name,
            started_at=self.started_at.isoformat(),
            finished_at=finished.isoformat(),
            duration_s=round((finished - self.started_at).total_seconds(), 3),
            requests=stats.get("downloader/request_count", 0),
            responses_by_status=prefixed("downloader/response_status_count/"),
            articles=self.pages.articles,
            skipped=self.pages.skipped,
            duplicates=duplicates,
            failed=self.pages.failed,
            errors_by_kind=prefixed("mediawatch/errors/"),
            bytes=stats.get("downloader/response_bytes", 0),
            not_modified=stats.get("mediawatch/not_modified", 0),
            endpoints=stats.get("mediawatch/endpoints", 0),
            endpoints_failed=stats.get("mediawatch/endpoints_failed", 0),
            # duplicates were articles too (dropped before this pipeline saw them)
            candidates=(self.pages.candidates or 0) + duplicates,
            not_article_by_reason=dict(sorted(self.pages.not_article_by_reason.items())),
            discovery=prefixed("mediawatch/discovery/"),
        )
        atomic_write_json(
            stats_path(spider.paths.staging_dir, spider.name, spider.run_id), record.to_dict()
        )
