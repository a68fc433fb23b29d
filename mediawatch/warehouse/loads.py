"""A load's bookkeeping in the warehouse: its row in raw.loads, the source registry, headline counts.

The order of a load (mediawatch.pipeline.load): `start_load`, `sync_registry`, `load_files`
(mediawatch.warehouse.load, which stamps the pages with bounded sub-loads), `build_loads` (one
build per sub-load, each marking its sub-load built, each `finish_load`ed); then the analyst copy
is published once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from mediawatch.config import Paths
from mediawatch.warehouse.backend import guard, rollback
from mediawatch.warehouse.models import sql_literal

log = logging.getLogger(__name__)


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


def models_current(con: Any) -> bool:
    """Does every SQL model exist, built from its current SQL (meta.model_state)?"""
    from mediawatch.warehouse.models import load_models

    built = dict(con.execute("select model, sql_hash from meta.model_state").fetchall())
    relations = {f"{schema}.{name}" for schema, name in con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database()").fetchall()}
    return all(m.qualified in relations and built.get(m.name) == m.sql_hash for m in load_models())


def load_and_build(
    con: Any, staging_dir: Path, load_id: str, *, watchlist: Path, registry_changed: bool,
    progress: Any = None,
) -> tuple[Any, Any, int]:
    """Load the new staging files, then build them one sub-load at a time (`build_loads`).
    Returns (FileLoadSummary, the builds' BuildSummary added up, number of builds).

    A model missing (a new warehouse) or whose SQL changed is rebuilt whole by the next build, from
    every raw page there is: that build runs first, before the new files are in raw, so that the
    new pages still go through bounded sub-loads."""
    from mediawatch.warehouse.build import Change, build
    from mediawatch.warehouse.db import bound_build_memory, bound_memory, release_memory
    from mediawatch.warehouse.load import load_files

    bound_memory(con)
    first = None
    if not models_current(con):
        first = build(con, {"raw.source_registry": Change()} if registry_changed else {},
                      watchlist=watchlist, reason=f"load {load_id}: models", progress=progress, loads=[])
        registry_changed = False
    files = load_files(con, staging_dir, load_id)
    if files.pages:  # (a full collection costs ~15 ms: not for a load of crawl stats alone)
        release_memory()
    bound_build_memory(con)  # the builds and the publish after them: see its docstring
    built, builds = build_loads(con, load_id, files.loads, files.files_loaded, watchlist=watchlist,
                                registry_changed=registry_changed, reason=f"load {load_id}",
                                progress=progress)
    return files, (built if first is None else _add(first, built)), builds + (first is not None)


def unbuilt_loads(con: Any) -> list[str]:
    """Loads whose build has not committed, oldest first (a crashed load's sub-loads, then ours)."""
    return [str(r[0]) for r in con.execute(
        "select load_id from raw.loads where status is distinct from 'done' order by started_at, load_id"
    ).fetchall()]


def build_loads(
    con: Any, load_id: str, pages: Mapping[str, int], files: int, *, watchlist: Path,
    registry_changed: bool, reason: str, progress: Any = None,
) -> tuple[Any, int]:
    """Build every unbuilt load, one build (and transaction) per load, oldest first, so that a big
    load holds one sub-load in memory at a time (`pages`: this load's sub-load id -> pages, from
    load_files). Each build commits, so a crash leaves only the loads not built yet to the next
    load. This load's rows in raw.loads get their pages and new versions (the files on its own
    id). Returns the builds' summaries added up, and how many builds ran."""
    from mediawatch.warehouse.build import BuildSummary, Change, build
    from mediawatch.warehouse.db import release_memory

    total: BuildSummary | None = None
    todo: list[str | None] = [*unbuilt_loads(con)] or [None]  # none left: build what changed
    for number, unbuilt in enumerate(todo):
        changes = {"raw.source_registry": Change()} if registry_changed and number == 0 else {}
        try:
            built = build(con, changes, watchlist=watchlist, reason=reason, progress=progress,
                          loads=None if unbuilt is None else [unbuilt])
        except duckdb.OutOfMemoryException as exc:
            raise _build_out_of_memory(con, unbuilt or load_id, exc) from exc
        if unbuilt == load_id or unbuilt in pages:
            finish_load(con, unbuilt, files if unbuilt == load_id else 0, pages.get(unbuilt, 0),
                        built.analysis.versions)
        total = built if total is None else _add(total, built)
        if built.analysis.versions or pages.get(unbuilt or "", 0):
            release_memory()
    if load_id not in todo:  # its row was built before (a retried load): still record the files
        finish_load(con, load_id, files, pages.get(load_id, 0), 0)
    assert total is not None
    return total, len(todo)


def _build_out_of_memory(con: Any, load: str, exc: BaseException) -> MemoryError:
    """A build DuckDB had no memory for: its pages are stored and the next load builds them; the
    message names the cap in force and the setting that raises it."""
    from mediawatch.warehouse.db import (
        BUILD_MEMORY_LIMIT_ENV,
        MEMORY_LIMIT_ENV,
        build_memory_limit,
        out_of_memory,
    )

    return out_of_memory(
        con, f"load {load}: DuckDB ran out of memory building the marts", exc,
        BUILD_MEMORY_LIMIT_ENV if build_memory_limit() else MEMORY_LIMIT_ENV,
        " (the pages are stored: the next load builds them)",
    )


def _add(total: Any, built: Any) -> Any:
    """Two builds' summaries as one (counts and times added; the last build's id)."""
    analysis = total.analysis
    for name in ("versions", "mentions", "clusters_joined", "alerts", "worker_faults"):
        setattr(analysis, name, getattr(analysis, name) + getattr(built.analysis, name))
    analysis.workers = max(analysis.workers, built.analysis.workers)
    timings = getattr(analysis, "timings", None)  # the analysis node's seconds by stage, where kept
    if isinstance(timings, dict):
        for name, value in getattr(built.analysis, "timings", {}).items():
            timings[name] = round(timings.get(name, 0.0) + value, 3)
    total.build_id = built.build_id if built.build_id is not None else total.build_id
    total.built += [name for name in built.built if name not in total.built]
    for name, keys in built.keys_replaced.items():
        before = total.keys_replaced.get(name, 0)
        total.keys_replaced[name] = -1 if -1 in (before, keys) else before + keys
    total.alerts += built.alerts
    for name in ("seconds", "cpu_seconds", "commit_seconds"):
        setattr(total, name, getattr(total, name) + getattr(built, name))
    for times, more in ((total.node_seconds, built.node_seconds), (total.node_cpu_seconds, built.node_cpu_seconds)):
        for name, value in more.items():
            times[name] = round(times.get(name, 0.0) + value, 3)
    return total


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
    from mediawatch.warehouse.db import PUBLISH_MEMORY_LIMIT, publish_memory
    from mediawatch.warehouse.publish import analyst_copy_healthy, publish_analyst_db

    started = time.perf_counter()
    stale = not paths.analyst_db.exists() or not paths.crawl_state.exists()
    if changed or stale or not analyst_copy_healthy(paths.analyst_db):
        con.execute("checkpoint")
        crawl_state.export(con, paths.crawl_state)
        try:
            with publish_memory(con):  # a loader's lower cap for the copy (see db)
                publish_analyst_db(con, paths.analyst_db)
        except duckdb.OutOfMemoryException:
            log.warning("the analyst copy needed more memory than %s: published again under the "
                        "load's cap", PUBLISH_MEMORY_LIMIT)
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
        if not models_current(con):
            return None
        counts = warehouse_counts(con)
    except duckdb.Error:
        return None
    finally:
        con.close()
    if not analyst_copy_healthy(paths.analyst_db):
        return None
    return {"files_already_loaded": todo.already_loaded, **counts}
