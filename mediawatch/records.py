"""The records that cross module boundaries: what extraction returns and what a crawl stages.

These are the contracts between extraction, spiders, the loader and the CLI. Keep them flat and
JSON-friendly: a staging file is one `StagedPage.to_json()` per line.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ArticleRecord:
    """Result of extracting one HTML page. `error` is set (and `body` is None) when the page holds no
    article; the reason is a short machine-readable code such as `not_article:tag_page`."""

    url: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published_at: str | None = None  # ISO 8601, UTC, e.g. "2024-05-01T08:30:00+00:00"
    updated_at: str | None = None
    language: str | None = None  # ISO 639-1
    site_name: str | None = None
    canonical_url: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    image_url: str | None = None
    body: str | None = None
    word_count: int = 0
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# kind of a staged page
ARTICLE = "article"  # extracted and looks like an article
SKIPPED = "skipped"  # fetched but not an article (tag page, gallery, ...): reason says which
FAILED = "failed"  # fetch or extraction failed: reason says why


@dataclass
class StagedPage:
    """One fetched page as a crawl writes it to its staging file (JSONL, one object per line)."""

    run_id: str
    source: str
    url: str  # normalised URL the page was requested as
    fetched_at: str  # ISO 8601 UTC
    kind: str  # ARTICLE | SKIPPED | FAILED
    reason: str | None = None
    status: int | None = None  # HTTP status
    final_url: str | None = None  # after redirects
    content_hash: str | None = None  # sha256 of the extracted body (articles) or raw bytes
    etag: str | None = None
    last_modified: str | None = None
    lastmod: str | None = None  # from the sitemap/feed entry that led here
    warc_file: str | None = None
    warc_record_id: str | None = None
    bytes: int = 0
    article: ArticleRecord | None = None

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, line: str) -> StagedPage:
        data = json.loads(line)
        article = data.pop("article", None)
        return cls(**data, article=ArticleRecord(**article) if article else None)
