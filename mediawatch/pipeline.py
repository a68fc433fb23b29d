"""The four pipeline steps as plain functions: what the Airflow tasks and the CLI both call.

crawl -> staging files (never the warehouse); load -> the one writer of the warehouse, which also
publishes the analyst copy; check -> the quality gate; report -> the reports, only after the gate.
Each returns a small summary dict that the caller logs (Airflow task log) or prints (CLI).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mediawatch.config import Paths, default_paths

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


def paths_from_env() -> Paths:
    """Paths for a scheduled run: MEDIAWATCH_* environment variables, else the repository defaults."""
    return default_paths()


def safe_run_id(run_id: str) -> str:
    """An Airflow run id made safe for file names (`manual__2026-01-01T00:00:00+00:00` has ':' and '+')."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id).strip("_") or new_run_id()


def log_summary(step: str, summary: dict[str, Any]) -> dict[str, Any]:
    """Log a step's counts as one readable line (Airflow task logs) and return the summary unchanged."""
    flat = dict(summary)
    for key, value in summary.items():  # e.g. the report's {"counts": {...}}
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": v for k, v in value.items()})
    counts = ", ".join(f"{k}={v}" for k, v in flat.items() if isinstance(v, int | float | bool))
    log.info("mediawatch %s: %s", step, counts)
    for key, value in summary.items():
        if isinstance(value, list) and value:
            log.info("mediawatch %s %s: %s", step, key, value)
    return summary


def new_run_id(prefix: str = "run") -> str:
    """A sortable id for a CLI run: prefix, UTC time, and a short random suffix."""
    return f"{prefix}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def source_names(paths: Paths) -> list[str]:
    """Names of the sources in the registry (validated)."""
    from mediawatch.sources import load_registry

    return [source.name for source in load_registry(paths.sources).sources]


def crawl(
    paths: Paths,
    run_id: str,
    sources: list[str] | None = None,
    settings: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Crawl sources (one `scrapy crawl` subprocess each) into staging files. Never opens the warehouse."""
    from mediawatch.crawl import crawl_all

    paths.ensure()
    results = crawl_all(paths, run_id, sources=sources, settings=settings)
    summary: dict[str, Any] = {"run_id": run_id, "sources": len(results), "failed_sources": []}
    for key in ("requests", "articles", "skipped", "duplicates", "failed", "not_modified"):
        summary[key] = sum(int(r.get(key) or 0) for r in results)
    summary["failed_sources"] = [r["source"] for r in results if r.get("error")]
    return summary


def crawl_one(
    paths: Paths, source: str, run_id: str, settings: dict[str, str] | None = None
) -> dict[str, Any]:
    """Crawl one source. A crawl that dies still leaves a stats file saying why, so it is counted."""
    from mediawatch.crawl import CrawlError, crawl_source

    paths.ensure()
    try:
        return crawl_source(paths, source, run_id, settings=settings)
    except CrawlError as exc:
        # under the attempt's own id, so a failed retry is recorded beside the earlier attempt
        record_failed_crawl(paths, source, exc.run_id or run_id, str(exc))
        raise


def record_failed_crawl(paths: Paths, source: str, run_id: str, error: str) -> Path:
    """Write a stats file for a crawl that could not finish, unless the crawl wrote its own."""
    target = paths.staging_dir / source / f"{run_id}.stats.json"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC).isoformat()
        stats = {"run_id": run_id, "source": source, "started_at": now, "finished_at": now,
                 "error": error[-2000:], "requests": 0, "articles": 0, "failed": 0}
        target.write_text(json.dumps(stats))
    return target


def load(paths: Paths, load_id: str | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Load new staging files, sync the registry, build what they changed, publish the analyst copy."""
    from mediawatch.warehouse.backend import retry_conflicts

    load_id = load_id or new_run_id("load")
    # on a DuckLake another loader may commit first; the load is idempotent, so run it again
    return retry_conflicts(lambda: _load_once(paths, load_id, progress))


def _load_once(paths: Paths, load_id: str, progress: Progress | None) -> dict[str, Any]:
    from mediawatch.sources import load_registry
    from mediawatch.warehouse.build import Change, build
    from mediawatch.warehouse.db import connect_writer
    from mediawatch.warehouse.load import load_files
    from mediawatch.warehouse.loads import (
        finish_load,
        hand_on,
        start_load,
        sync_registry,
        warehouse_counts,
    )
    from mediawatch.warehouse.migrate import migrate

    paths.ensure()
    registry = load_registry(paths.sources)
    con = connect_writer(paths.warehouse)
    try:
        migrate(con)
        start_load(con, load_id)
        registry_changed = sync_registry(con, registry)
        files = load_files(con, paths.staging_dir, load_id)
        built = build(con, {"raw.source_registry": Change()} if registry_changed else {},
                      watchlist=paths.watchlist, reason=f"load {load_id}", progress=progress)
        finish_load(con, load_id, files.files_loaded, files.pages, built.analysis.versions)
        counts = warehouse_counts(con)
        publish_s = hand_on(con, paths, changed=bool(built.built))
    finally:
        con.close()
    summary = {
        "load_id": load_id,
        "files_loaded": files.files_loaded,
        "files_already_loaded": files.files_already_loaded,
        "pages_loaded": files.pages,
        "new_versions": built.analysis.versions,
        "new_mentions": built.analysis.mentions,
        "joined_clusters": built.analysis.clusters_joined,
        "alerts": built.alerts,
        "models_built": len(built.built),
        "build_s": round(built.seconds, 3),
        "build_steps_s": built.node_seconds,
        "publish_s": round(publish_s, 3),
        "problems": files.problems,
        **counts,
        "warehouse": str(paths.warehouse),
        "analyst_db": str(paths.analyst_db),
    }
    for problem in files.problems:
        log.warning("load problem: %s", problem)
    return summary


def reanalyze(paths: Paths, progress: Progress | None = None) -> dict[str, Any]:
    """Recompute mentions, sentiment, clusters and alerts of every version (after a watchlist change):
    the build with the analysis step treated as all-new."""
    built, counts = _build_command(paths, reanalyze=True, reason="reanalyze", progress=progress)
    return {"versions": built.analysis.versions, "mentions": built.analysis.mentions,
            "alerts": built.alerts, "build_s": round(built.seconds, 3), **counts}


def rebuild(paths: Paths, progress: Progress | None = None) -> dict[str, Any]:
    """Rebuild every model from the raw and analysis tables: the same graph, every model treated as new."""
    built, counts = _build_command(paths, full=True, reason="rebuild", progress=progress)
    return {"models_built": len(built.built), "new_versions": built.analysis.versions,
            "alerts": built.alerts, "build_s": round(built.seconds, 3), **counts}


def _build_command(
    paths: Paths, *, full: bool = False, reanalyze: bool = False, reason: str, progress: Progress | None
) -> tuple[Any, dict[str, int]]:
    from mediawatch.warehouse.backend import retry_conflicts
    from mediawatch.warehouse.build import build
    from mediawatch.warehouse.db import connect_writer
    from mediawatch.warehouse.loads import hand_on, warehouse_counts
    from mediawatch.warehouse.migrate import migrate

    def once() -> tuple[Any, dict[str, int]]:
        con = connect_writer(paths.warehouse)
        try:
            migrate(con)
            built = build(con, watchlist=paths.watchlist, full=full, reanalyze=reanalyze, reason=reason,
                          progress=progress)
            counts = warehouse_counts(con)
            hand_on(con, paths, changed=True)
        finally:
            con.close()
        return built, counts

    return retry_conflicts(once)


def check(paths: Paths, run_id: str) -> dict[str, Any]:
    """The quality gate. Raises mediawatch.checks.GateFailed on a critical failure (results are kept)."""
    from mediawatch.checks import run_gate

    return run_gate(paths, run_id)


def report(
    paths: Paths,
    date_from: Any = None,
    date_to: Any = None,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Build the report for a period (default: the latest day with articles) and deliver it if configured."""
    from mediawatch.report import build_report, deliver

    built = build_report(paths, date_from=date_from, date_to=date_to, run_id=run_id)
    built["delivery"] = deliver(built)  # off unless MEDIAWATCH_REPORT_EMAIL_TO / _WEBHOOK are set
    return built


def export(paths: Paths, folder: Path) -> list[Path]:
    """Parquet files of every mart, read from the analyst copy (never blocks a load)."""
    from mediawatch.warehouse.db import connect_reader
    from mediawatch.warehouse.publish import export_parquet

    # our own fixed SQL writes the files, so this reader keeps file access
    con = connect_reader(paths.analyst_db, external_access=True)
    try:
        return export_parquet(con, folder)
    finally:
        con.close()


def status(paths: Paths) -> dict[str, Any]:
    """What the published analyst copy holds, and where every output is."""
    from mediawatch.warehouse.db import connect_reader
    from mediawatch.warehouse.loads import newest_fetch, warehouse_counts

    con = connect_reader(paths.analyst_db)
    try:
        counts = warehouse_counts(con)
        newest = newest_fetch(con)
    finally:
        con.close()
    reports = sorted(paths.reports.glob("*/report.html"), key=lambda p: p.stat().st_mtime)
    return {
        "warehouse": str(paths.warehouse),
        "analyst_db": str(paths.analyst_db),
        "report": str(reports[-1]) if reports else None,
        "report_index": str(paths.reports / "index.html"),
        "newest_fetch": str(newest) if newest else None,
        **counts,
    }
