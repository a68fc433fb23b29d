"""A load's bookkeeping in the warehouse: its row in raw.loads, the source registry, headline counts.

The order of a load (mediawatch.pipeline.load): `start_load`, `sync_registry`, `load_files`
(mediawatch.warehouse.load), `build` (mediawatch.warehouse.build, which marks the load built),
`finish_load`; then the analyst copy is published.
"""

from __future__ import annotations

import time
from typing import Any

from mediawatch.config import Paths
from mediawatch.warehouse.backend import guard, rollback


def start_load(con: Any, load_id: str) -> None:
    """Record a load as running (a retried load keeps its first row)."""
    con.execute(
        # now() in SQL: a Python datetime parameter would make duckdb import pandas (a second)
        "insert into raw.loads (load_id, started_at, status) values (?, now(), 'running') on conflict do nothing",
        [load_id],
    )


def finish_load(con: Any, load_id: str, files: int, pages: int, new_versions: int) -> None:
    """What the load did (its status was set to 'done' by the build that covered it)."""
    con.execute(
        "update raw.loads set finished_at = now(), files = ?, pages = ?, new_versions = ? where load_id = ?",
        [files, pages, new_versions, load_id],
    )


def sync_registry(con: Any, registry: Any) -> bool:
    """Make raw.source_registry match the registry file. Returns whether it changed."""
    rows = sorted(
        (s.name, s.homepage, s.language, s.country, str(s.crawl_interval), list(s.feeds), list(s.sitemaps))
        for s in registry.sources
    )
    current = sorted(
        tuple(r) for r in con.execute(
            "select source, homepage, language, country, crawl_interval, feeds, sitemaps "
            "from raw.source_registry"
        ).fetchall()
    )
    if [tuple(r) for r in rows] == current:
        return False
    con.execute("begin transaction")
    try:
        guard(con, "source_registry")
        con.execute("delete from raw.source_registry")
        if rows:
            con.executemany("insert into raw.source_registry values (?, ?, ?, ?, ?, ?, ?)", [list(r) for r in rows])
        con.execute("commit")
    except Exception:
        rollback(con)
        raise
    return True


def warehouse_counts(con: Any) -> dict[str, int]:
    """Headline counts of the marts (the warehouse or the analyst copy)."""
    row = con.execute(
        "select (select count(*) from articles), (select count(distinct source) from articles), "
        "(select count(*) from mentions), (select count(*) from clusters where articles > 1), "
        "(select count(*) from quarantine where released_at is null)"
    ).fetchone()
    keys = ("articles", "sources_with_articles", "mentions", "multi_article_clusters", "quarantined")
    return dict(zip(keys, (int(v) for v in row), strict=True)) if row else {}


def newest_fetch(con: Any) -> Any:
    """When the newest stored article was fetched (None for an empty warehouse)."""
    row = con.execute("select max(fetched_at) from articles").fetchone()
    return row[0] if row else None


def hand_on(con: Any, paths: Paths, *, changed: bool) -> float:
    """After a build: checkpoint, export the crawl state (a delta of the new loads, see
    mediawatch.crawl_state), publish the analyst copy; skipped when the
    build changed nothing and both exist already (and the copy is not damaged). Returns seconds."""
    from mediawatch import crawl_state
    from mediawatch.warehouse.publish import analyst_copy_healthy, publish_analyst_db

    started = time.perf_counter()
    stale = not paths.analyst_db.exists() or not paths.crawl_state.exists()
    if changed or stale or not analyst_copy_healthy(paths.analyst_db):
        con.execute("checkpoint")
        crawl_state.export(con, paths.crawl_state)
        publish_analyst_db(con, paths.analyst_db)
    return time.perf_counter() - started
