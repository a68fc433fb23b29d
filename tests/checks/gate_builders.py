"""Warehouses for quality-gate tests: staging JSONL written here, loaded by the real pipeline.load."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from support import registry_text

from mediawatch import pipeline
from mediawatch.config import REPO_ROOT, Paths
from mediawatch.records import ARTICLE, FAILED, ArticleRecord, StagedPage

SOURCES = ["alpha", "beta"]


def make_paths(root: Path, sources: list[str] = SOURCES) -> Paths:  # noqa: B006
    root.mkdir(parents=True, exist_ok=True)
    (root / "sources.yaml").write_text(registry_text(sources))
    return Paths(
        sources=root / "sources.yaml",
        watchlist=REPO_ROOT / "watchlist.yaml",
        warehouse=root / "data" / "warehouse.duckdb",
        reports=root / "reports",
    ).ensure()


def body_text(key: str, chars: int = 900) -> str:
    """A body of about `chars` characters whose words are unique to `key` (no accidental near-duplicates)."""
    words, i = [], 0
    while sum(len(w) + 1 for w in words) < chars:
        words.append(hashlib.md5(f"{key}-{i}".encode()).hexdigest()[:7])
        i += 1
    return f"Story {key}. " + " ".join(words)


def page(
    source: str,
    run_id: str,
    key: str,
    when: datetime,
    page_source: str | None = None,
    page_url: str | None = None,
    **article: Any,
) -> StagedPage:
    """A good article page; keyword arguments override ArticleRecord fields (and `fetched_at`);
    `page_source` / `page_url` override what the crawl recorded as the page's source and URL."""
    fetched_at = article.pop("fetched_at", when.isoformat())
    url = f"https://{source}.example.com/2026/11/{key}/"
    fields: dict[str, Any] = {
        "url": url, "canonical_url": url, "title": f"Story {key}", "language": "en",
        "published_at": (when - timedelta(hours=2)).isoformat(), "body": body_text(key),
    }
    fields.update(article)
    body = fields["body"] or ""
    record = ArticleRecord(**fields, word_count=len(body.split()))
    return StagedPage(
        run_id=run_id, source=source if page_source is None else page_source,
        url=url if page_url is None else page_url, fetched_at=fetched_at, kind=ARTICLE,
        status=200, content_hash=hashlib.sha256(body.encode()).hexdigest(), bytes=len(body), article=record,
    )


def failed_page(source: str, run_id: str, key: str, when: datetime) -> StagedPage:
    return StagedPage(run_id=run_id, source=source, url=f"https://{source}.example.com/broken/{key}/",
                      fetched_at=when.isoformat(), kind=FAILED, reason="http_503", status=503)


def stage(
    paths: Paths,
    source: str,
    run_id: str,
    pages: list[StagedPage],
    when: datetime,
    error: str | None = None,
) -> Path:
    """Write one finished staging file and its crawl stats, as a crawl would."""
    folder = paths.staging_dir / source
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{run_id}.jsonl"
    target.write_text("".join(p.to_json() + "\n" for p in pages))
    stats: dict[str, Any] = {
        "run_id": run_id, "source": source, "started_at": when.isoformat(),
        "finished_at": (when + timedelta(seconds=30)).isoformat(), "duration_s": 30.0,
        "requests": len(pages), "articles": sum(p.kind == ARTICLE for p in pages),
        "failed": sum(p.kind == FAILED for p in pages), "skipped": 0,
    }
    if error:
        stats["error"] = error
    (folder / f"{run_id}.stats.json").write_text(json.dumps(stats))
    return target


def good_batch(paths: Paths, run_id: str, when: datetime, per_source: int = 5, prefix: str = "") -> list[str]:
    """`per_source` good articles from each source; returns their keys."""
    keys = []
    for source in SOURCES:
        batch = [f"{prefix}{source}-{run_id}-{i}" for i in range(per_source)]
        stage(paths, source, run_id, [page(source, run_id, k, when) for k in batch], when)
        keys += batch
    return keys


def article_id(source: str, key: str) -> str:
    url = f"https://{source}.example.com/2026/11/{key}/"
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def recently(hours: float = 1.0) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours)


def load(paths: Paths) -> dict[str, Any]:
    return pipeline.load(paths)


def query(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Rows from a DuckDB file opened read-only (the gate has closed its writer by then)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
