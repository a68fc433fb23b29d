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
from mediawatch.warehouse.models import sql_literal


def start_load(con: Any, load_id: str) -> None:
    """Record a load as running (a retried load keeps its first row)."""
    # values as SQL literals: binding any Python value makes duckdb 1.5 import pandas (0.5-1 s)
    con.execute(
        "insert into raw.loads (load_id, started_at, status) "
        f"values ({sql_literal(load_id)}, now(), 'running') on conflict do nothing"
    )


def finish_load(con: Any, load_id: str, files: int, pages: int, new_versions: int) -> None:
    """What the load did (its status was set to 'done' by the build that covered it)."""
    con.execute(
        f"update raw.loads set finished_at = now(), files = {int(files)}, pages = {int(pages)}, "
        f"new_versions = {int(new_versions)} where load_id = {sql_literal(load_id)}"
    )


def _registry_rows(registry: Any) -> list[tuple[Any, ...]]:
    return sorted(
        (s.name, s.homepage, s.language, s.country, str(s.crawl_interval), list(s.feeds), list(s.sitemaps))
        for s in registry.sources
    )


def registry_matches(con: Any, registry: Any) -> bool:
    """Does raw.source_registry hold exactly the registry file's sources?"""
    current = sorted(
        tuple(r) for r in con.execute(
            "select source, homepage, language, country, crawl_interval, feeds, sitemaps "
            "from raw.source_registry"
        ).fetchall()
    )
    return _registry_rows(registry) == current


def sync_registry(con: Any, registry: Any) -> bool:
    """Make raw.source_registry match the registry file. Returns whether it changed."""
    rows = _registry_rows(registry)
    if registry_matches(con, registry):
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


def nothing_to_load(paths: Paths, registry: Any) -> dict[str, Any] | None:
    """When a load would change nothing, what it would report (files already loaded, the headline
    counts); else None. One read-only look at the warehouse that writes nothing and binds nothing:
    no staging or stats file it has not loaded, the registry as loaded, no load left unbuilt, the
    schema and every SQL model current, the analyst copy and crawl state in place (what `hand_on`
    would otherwise publish). DuckDB file backend only; busy, missing or unreadable: None, and the
    load runs as usual (and reports the cause)."""
    import duckdb

    from mediawatch.warehouse import backend
    from mediawatch.warehouse.load import Digests, pending
    from mediawatch.warehouse.migrate import available_migrations, schema_version
    from mediawatch.warehouse.models import load_models
    from mediawatch.warehouse.publish import analyst_copy_healthy

    if backend.current().is_lake or not paths.warehouse.exists() or not paths.crawl_state.exists():
        return None
    if not paths.analyst_db.exists():
        return None
    try:
        con = duckdb.connect(str(paths.warehouse), read_only=True, config={
            "autoinstall_known_extensions": False, "autoload_known_extensions": False})
    except duckdb.Error:
        return None  # held by a writer (the load then says so), or damaged
    try:
        latest = max((m.version for m in available_migrations()), default=0)
        if schema_version(con) != latest:
            return None
        todo = pending(con, paths.staging_dir, Digests(paths.staging_dir))
        if not todo.nothing or not registry_matches(con, registry):
            return None
        unbuilt = con.execute("select count(*) from raw.loads where status is distinct from 'done'")
        if unbuilt.fetchone()[0]:
            return None
        built = dict(con.execute("select model, sql_hash from meta.model_state").fetchall())
        relations = {f"{schema}.{name}" for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database()").fetchall()}
        if any(m.qualified not in relations or built.get(m.name) != m.sql_hash for m in load_models()):
            return None
        counts = warehouse_counts(con)
    except duckdb.Error:
        return None
    finally:
        con.close()
    if not analyst_copy_healthy(paths.analyst_db):
        return None
    return {"files_already_loaded": todo.already_loaded, **counts}
