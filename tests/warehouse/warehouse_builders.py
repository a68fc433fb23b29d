"""Build staging files and registries for warehouse tests: real files, read by the real loader."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
from support import registry_text

from mediawatch.config import REPO_ROOT, Paths
from mediawatch.records import ARTICLE, FAILED, SKIPPED, ArticleRecord, StagedPage

TOPICS = [
    "Xiaomi showed its new SU7 electric car beside a concept from BAIC in Beijing.",
    "Tesla cut prices again while BYD reported record deliveries for the quarter.",
    "Apple and Samsung both announced foldable phones with brighter screens.",
    "Huawei opened a chip plant; analysts expect more AI accelerators next year.",
    "NIO swapped its millionth battery as Lei Jun praised the pace of Chinese EV makers.",
]


def make_paths(root: Path, sources: list[str] = ["alpha", "beta"]) -> Paths:  # noqa: B006
    root.mkdir(parents=True, exist_ok=True)
    registry = root / "sources.yaml"
    registry.write_text(registry_text(sources))
    return Paths(
        sources=registry,
        watchlist=REPO_ROOT / "watchlist.yaml",
        warehouse=root / "data" / "warehouse.duckdb",
        reports=root / "reports",
    ).ensure()


def article_body(index: int, words: int = 220, variant: str = "") -> str:
    lead = TOPICS[index % len(TOPICS)]
    # distinct words per story, so unrelated stories never look like near-duplicates
    filler = " ".join(hashlib.md5(f"{index}-{i}".encode()).hexdigest()[:7] for i in range(words))
    return f"{lead} {variant}\n\nStory number {index} continues here. {filler}."


def write_staging(
    paths: Paths,
    source: str,
    run_id: str,
    indexes: range,
    *,
    when: datetime | None = None,
    variant: str = "",
    extra: list[StagedPage] | None = None,
) -> Path:
    """One finished staging file with an article page per index (plus a skipped and a failed page)."""
    when = when or datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    folder = paths.staging_dir / source
    folder.mkdir(parents=True, exist_ok=True)
    pages: list[StagedPage] = []
    for i in indexes:
        url = f"https://{source}.example.com/2026/11/story-{i}/"
        body = article_body(i, variant=variant)
        record = ArticleRecord(
            url=url, title=f"Story {i}: {TOPICS[i % len(TOPICS)][:40]}", authors=["Jane Doe"],
            published_at=(when - timedelta(days=i % 10)).isoformat(), language="en",
            site_name=source.title(), canonical_url=url, body=body, word_count=len(body.split()),
        )
        pages.append(StagedPage(
            run_id=run_id, source=source, url=url, fetched_at=when.isoformat(), kind=ARTICLE, status=200,
            content_hash=hashlib.sha256(body.encode()).hexdigest(), bytes=len(body), article=record,
        ))
    pages.append(StagedPage(run_id=run_id, source=source, url=f"https://{source}.example.com/tag/ev/",
                            fetched_at=when.isoformat(), kind=SKIPPED, reason="not_article:tag_page", status=200))
    pages.append(StagedPage(run_id=run_id, source=source, url=f"https://{source}.example.com/broken/",
                            fetched_at=when.isoformat(), kind=FAILED, reason="http_503", status=503))
    pages += extra or []
    path = folder / f"{run_id}.jsonl"
    path.write_text("".join(p.to_json() + "\n" for p in pages))
    stats = {"run_id": run_id, "source": source, "started_at": when.isoformat(),
             "finished_at": (when + timedelta(seconds=30)).isoformat(), "duration_s": 30.0,
             "requests": len(pages) + 2, "articles": len(indexes), "skipped": 1, "failed": 1,
             "duplicates": 0, "not_modified": 0, "bytes": 1000, "responses_by_status": {"200": len(pages) - 1},
             "errors_by_kind": {"http_503": 1}}
    (folder / f"{run_id}.stats.json").write_text(json.dumps(stats))
    return path


def rows(paths: Paths, sql: str) -> list[tuple]:
    """`sql`'s rows from the warehouse, opened read-only."""
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
