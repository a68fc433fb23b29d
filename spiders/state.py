"""What a crawl already knows, so it fetches only what is new or changed.

- Known pages: the loader's export `Paths.crawl_state` and its deltas (parquet, see
  mediawatch.crawl_state; may not exist yet; read with an
  in-memory DuckDB, never the warehouse) plus this source's staging files not loaded yet.
- Feed/sitemap validators (ETag, Last-Modified) for conditional GET:
  `Paths.data_dir/crawl_http_state/<source>.json`, written atomically.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mediawatch import crawl_state
from mediawatch.config import Paths
from mediawatch.records import ARTICLE
from mediawatch.staging import atomic_write_json, iter_staged_pages, staging_files
from mediawatch.urls import normalize_url
from mediawatch.warehouse.models import sql_literal
from spiders.discovery import parse_date

log = logging.getLogger(__name__)

LOADED_MARGIN_S = 300


@dataclass
class KnownPage:
    """A page the pipeline already holds."""

    url: str
    canonical_url: str | None
    content_hash: str | None
    lastmod: str | None
    etag: str | None
    last_modified: str | None
    fetched_at: str | None

    def changed_since(self, lastmod: str | None) -> bool:
        """True when a feed/sitemap `lastmod` is newer than what we stored (or fetched)."""
        listed = parse_date(lastmod)
        if listed is None:
            return False
        stored = parse_date(self.lastmod) or parse_date(self.fetched_at)
        return stored is None or listed > stored


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _newer(a: KnownPage | None, b: KnownPage) -> bool:
    if a is None:
        return True
    return (parse_date(b.fetched_at) or _EPOCH) >= (parse_date(a.fetched_at) or _EPOCH)


class KnownState:
    """Known pages keyed by normalised URL and by normalised canonical URL.

    Read on first use (`KnownState.load` only notes where from): a run whose every listing answers
    304 Not Modified never asks, so it never reads the export (which holds every stored article)."""

    def __init__(self, reader: Callable[[KnownState], None] | None = None) -> None:
        self.pages: dict[str, KnownPage] = {}
        self._reader = reader

    def _read(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader(self)

    def add(self, page: KnownPage) -> None:
        self._read()
        self._add(page)

    def _add(self, page: KnownPage) -> None:
        for key in {page.url, page.canonical_url}:
            if key:
                key = normalize_url(key)
                if _newer(self.pages.get(key), page):
                    self.pages[key] = page

    def get(self, url: str) -> KnownPage | None:
        self._read()
        return self.pages.get(normalize_url(url))

    @property
    def loaded(self) -> bool:
        """Whether the known pages have been read (a no-op run never reads them)."""
        return self._reader is None

    def __len__(self) -> int:
        self._read()
        return len(self.pages)

    @classmethod
    def load(cls, paths: Paths, source: str) -> KnownState:
        """The loader's parquet export (if any) and this source's staging files, read on first use."""
        return cls(lambda state: state._read_from(paths, source))

    def _read_from(self, paths: Paths, source: str) -> None:
        exported_at = crawl_state.exported_at(paths.crawl_state)
        for path in crawl_state.files(paths.crawl_state):  # the base, then its deltas
            self._load_parquet(path)
        for path in staging_files(paths.staging_dir, source):
            # the loader exports the state after loading, so files older than the export are in
            # it already; the margin only costs re-reading a file, never a missed page
            if exported_at is not None and path.stat().st_mtime < exported_at - LOADED_MARGIN_S:
                continue
            for page in iter_staged_pages(path):
                if page.kind != ARTICLE:
                    continue
                self._add(
                    KnownPage(
                        url=page.url,
                        canonical_url=page.article.canonical_url if page.article else None,
                        content_hash=page.content_hash,
                        lastmod=page.lastmod,
                        etag=page.etag,
                        last_modified=page.last_modified,
                        fetched_at=page.fetched_at,
                    )
                )
        log.info("%s: %d known pages", source, len(self.pages))

    def _load_parquet(self, path: Path) -> None:
        """One file of the loader's export (the base or a delta: `_add` keeps the newest fetch)."""
        import duckdb

        if not path.exists():
            return  # a delta a compaction removed after `files()` listed it: the base holds it
        # the path as a literal, not a parameter: binding any Python value makes duckdb 1.5 import
        # pandas (half a second of a crawl's start-up)
        literal = sql_literal(str(path))
        try:
            with duckdb.connect(":memory:") as con:
                rows = con.execute(
                    "select url, canonical_url, content_hash, cast(lastmod as varchar),"
                    f" etag, last_modified, cast(fetched_at as varchar) from read_parquet({literal})"
                ).fetchall()
        except duckdb.Error as exc:
            # a missing or broken export means a fuller crawl, not a failed one
            log.warning("cannot read crawl state %s (%s); crawling as if it were empty", path, exc)
            return
        for row in rows:
            self._add(KnownPage(*[None if v is None else str(v) for v in row]))


class HttpState:
    """Per-source crawl memory between runs: ETag / Last-Modified of each feed, sitemap and section
    URL, and the article URLs whose fetch failed transiently (retried next run even when the
    listings answer 304 Not Modified)."""

    def __init__(
        self, path: Path, validators: dict[str, dict[str, str]], retry: dict[str, int] | None = None
    ) -> None:
        self.path = path
        self.validators = validators
        self.retry = retry or {}  # url -> failed runs so far

    @classmethod
    def load(cls, paths: Paths, source: str) -> HttpState:
        from mediawatch.crawl import http_state_path

        path = http_state_path(paths, source)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            validators, retry = dict(data.get("validators") or {}), dict(data.get("retry") or {})
        except FileNotFoundError:
            validators, retry = {}, {}
        except (ValueError, TypeError) as exc:
            log.warning(
                "ignoring unreadable %s (%s): listings are fetched unconditionally", path, exc
            )
            validators, retry = {}, {}
        return cls(path, validators, retry)

    def headers_for(self, url: str) -> dict[str, str]:
        """Conditional request headers for `url` (empty when we have no validators)."""
        known = self.validators.get(url) or {}
        headers = {}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        return headers

    def remember(self, url: str, etag: str | None, last_modified: str | None) -> None:
        if etag or last_modified:
            self.validators[url] = {"etag": etag or "", "last_modified": last_modified or ""}
        else:
            self.validators.pop(url, None)

    def save(self) -> None:
        atomic_write_json(self.path, {"validators": self.validators, "retry": self.retry})
