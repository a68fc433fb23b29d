"""Items passed from the spider to the pipelines (typed dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass

from mediawatch.records import StagedPage


@dataclass
class FetchedPage:
    """A downloaded page that still needs extraction (ExtractPipeline turns it into a PageOutcome)."""

    url: str  # normalised URL as requested
    final_url: str  # after redirects
    status: int
    body: bytes
    content_type: str | None
    fetched_at: str
    etag: str | None = None
    last_modified: str | None = None
    lastmod: str | None = None  # from the feed/sitemap entry that led here
    warc_file: str | None = None
    warc_record_id: str | None = None


@dataclass
class PageOutcome:
    """A page ready for staging: article, skipped (with reason) or failed (with reason)."""

    page: StagedPage
