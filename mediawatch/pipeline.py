"""The four pipeline steps as plain functions: what the Airflow tasks and the CLI both call.

crawl -> staging files (never the warehouse); load -> the one writer of the warehouse, which also
publishes the analyst copy; check -> the quality gate; report -> the reports, only after the gate.
Each returns a small summary dict that the caller logs (Airflow task log) or prints (CLI).
"""

from __future__ import annotations

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


class SourceFailed(RuntimeError):
    """A source's crawl delivered nothing (outcome `failed`); its stats are recorded and loadable."""

    def __init__(self, stats: dict[str, Any]) -> None:
        from mediawatch.crawl_stats import CrawlStats

        self.stats = stats
        record = CrawlStats.from_dict(stats)
        super().__init__(
            f"crawl of {record.source!r} failed (run {record.run_id}): {record.describe()}. "
            "Its stats are staged and the other sources are unaffected; check the site and the "
            f"registry entry, then rerun `mediawatch crawl --source {record.source}`."
        )


def crawl(
    paths: Paths,
    run_id: str,
    sources: list[str] | None = None,
    settings: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Crawl sources (one `scrapy crawl` subprocess each) into staging files. Never opens the warehouse.

    The summary names each source's outcome; `failed_sources` are those whose crawl delivered
    nothing (the CLI then exits non-zero). A crawl that died is recorded with its error, so the
    loader counts it."""
    from mediawatch.crawl import crawl_all
    from mediawatch.crawl_stats import CrawlStats, crawl_summary

    paths.ensure()
    results = [CrawlStats.from_dict(r) for r in crawl_all(paths, run_id, sources=sources, settings=settings)]
    for result in results:
        if result.error:
            record_failed_crawl(paths, result.source, result.run_id, result.error)
    return crawl_summary(run_id, results)


def crawl_one(
    paths: Paths, source: str, run_id: str, settings: dict[str, str] | None = None
) -> dict[str, Any]:
    """Crawl one source and return its stats (`CrawlStats.to_dict()`). A crawl that dies still
    leaves a stats file saying why, so it is counted; a crawl whose outcome is `failed` raises
    SourceFailed (its stats are staged first), so an Airflow task for it fails and is retried."""
    from mediawatch.crawl import CrawlError, crawl_source
    from mediawatch.crawl_stats import FAILED, CrawlStats

    paths.ensure()
    try:
        stats = crawl_source(paths, source, run_id, settings=settings)
    except CrawlError as exc:
        # under the attempt's own id, so a failed retry is recorded beside the earlier attempt
        record_failed_crawl(paths, source, exc.run_id or run_id, str(exc))
        raise
    record = CrawlStats.from_dict(stats)
    if record.outcome == FAILED:
        raise SourceFailed(record.to_dict())
    return record.to_dict()


def record_failed_crawl(paths: Paths, source: str, run_id: str, error: str) -> Path:
    """Write a stats file for a crawl that could not finish, unless the crawl wrote its own."""
    from mediawatch.crawl_stats import CrawlStats
    from mediawatch.staging import atomic_write_json, stats_path

    target = stats_path(paths.staging_dir, source, run_id)
    if not target.exists():
        try:
            atomic_write_json(target, CrawlStats.crashed(source, run_id, error).to_dict())
        except OSError as exc:  # e.g. the full disk that ended the crawl: the error still reaches
            log.error("could not record the failed crawl of %s in %s: %s", source, target, exc)
    return target


def load(paths: Paths, load_id: str | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Load new staging files, sync the registry, build what they changed, publish the analyst copy."""
    from mediawatch.warehouse.backend import retry_conflicts
    from mediawatch.warehouse.db import database_errors

    load_id = load_id or new_run_id("load")
    # a corrupt warehouse or a full disk: an error naming the file and what to do, not a traceback
    with database_errors(paths.warehouse, needed=_load_space_needed(paths)):
        # on a DuckLake another loader may commit first; the load is idempotent, so run it again
        return retry_conflicts(lambda: _load_once(paths, load_id, progress))


def _load_space_needed(paths: Paths) -> int:
    """Rough room a load needs: the staging files (an upper bound of what is new) plus one more
    warehouse-sized analyst copy while it is published."""
    staged = sum(f.stat().st_size for f in paths.staging_dir.glob("*/*.jsonl")) if paths.staging_dir.exists() else 0
    return staged + (paths.warehouse.stat().st_size if paths.warehouse.exists() else 0)


def _load_once(paths: Paths, load_id: str, progress: Progress | None) -> dict[str, Any]:
    from mediawatch.sources import load_registry
    from mediawatch.warehouse.load import FileLoadSummary
    from mediawatch.warehouse.loads import nothing_to_load

    paths.ensure()
    registry = load_registry(paths.sources)
    # nothing new staged and nothing left to build or publish: one read-only look, no load recorded
    unchanged = nothing_to_load(paths, registry)
    if unchanged is not None:
        files = FileLoadSummary(files_already_loaded=unchanged.pop("files_already_loaded"))
        # an empty summary, without importing the build (0.1 s) for it
        from mediawatch.warehouse.summaries import BuildSummary

        built: Any = BuildSummary()
        builds = 0
        build_rss, counts, publish_s = _peak_rss_mib(), unchanged, 0.0
    else:
        from mediawatch.warehouse.db import connect_writer
        from mediawatch.warehouse.loads import (
            hand_on,
            load_and_build,
            start_load,
            sync_registry,
            warehouse_counts,
        )
        from mediawatch.warehouse.migrate import migrate

        con = connect_writer(paths.warehouse)
        try:
            migrate(con)
            start_load(con, load_id)
            registry_changed = sync_registry(con, registry)
            # one build per sub-load of at most MEDIAWATCH_LOAD_BATCH_PAGES pages: bounded memory
            files, built, builds = load_and_build(con, paths.staging_dir, load_id, watchlist=paths.watchlist,
                                                  registry_changed=registry_changed, progress=progress)
            build_rss = _peak_rss_mib()  # so far: loading and building, before the analyst copy
            counts = warehouse_counts(con)
            publish_s = hand_on(con, paths, changed=bool(built.built))
        finally:
            con.close()
    summary = {
        "load_id": load_id,
        "nothing_new": unchanged is not None,
        "files_loaded": files.files_loaded,
        "files_already_loaded": files.files_already_loaded,
        "pages_loaded": files.pages,
        "new_versions": built.analysis.versions,
        "new_mentions": built.analysis.mentions,
        "joined_clusters": built.analysis.clusters_joined,
        "alerts": built.alerts,
        "models_built": len(built.built),
        "builds": builds,  # one per sub-load (mediawatch.warehouse.load: MEDIAWATCH_LOAD_BATCH_PAGES)
        "build_s": round(built.seconds, 3),
        "build_cpu_s": round(built.cpu_seconds, 3),
        "build_steps_s": built.node_seconds,
        "build_steps_cpu_s": built.node_cpu_seconds,
        "commit_s": round(built.commit_seconds, 3),  # summed over sub-loads
        "analysis_workers": built.analysis.workers,
        "analysis_worker_faults": built.analysis.worker_faults,
        "analysis_timings": built.analysis.timings,  # the analysis node's seconds by stage
        "publish_s": round(publish_s, 3),
        "peak_rss_mib_until_built": build_rss,
        "problems": files.problems,
        **counts,
        "warehouse": str(paths.warehouse),
        "analyst_db": str(paths.analyst_db),
    }
    for problem in files.problems:
        log.warning("load problem: %s", problem)
    return summary


def _peak_rss_mib() -> int:
    """This process's peak resident memory so far (MiB)."""
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)


def reanalyze(paths: Paths, progress: Progress | None = None) -> dict[str, Any]:
    """Recompute mentions, sentiment, clusters and alerts of every version (after a watchlist change):
    the build with the analysis step treated as all-new."""
    from mediawatch.warehouse.db import database_errors

    with database_errors(paths.warehouse):
        built, counts = _build_command(paths, reanalyze=True, reason="reanalyze", progress=progress)
    return {"versions": built.analysis.versions, "mentions": built.analysis.mentions,
            "alerts": built.alerts, "build_s": round(built.seconds, 3), **counts}


def rebuild(paths: Paths, progress: Progress | None = None) -> dict[str, Any]:
    """Rebuild every model from the raw and analysis tables: the same graph, every model treated as new."""
    from mediawatch.warehouse.db import database_errors

    with database_errors(paths.warehouse):
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


def check(paths: Paths, run_id: str, force: bool = False) -> dict[str, Any]:
    """The quality gate. Raises mediawatch.checks.GateFailed on a critical failure (results are kept).
    With nothing new since the last passing run it reuses that verdict (`note` says so) unless `force`."""
    from mediawatch.checks import run_gate
    from mediawatch.warehouse.db import database_errors

    with database_errors(paths.warehouse):
        return run_gate(paths, run_id, force=force)


def report(
    paths: Paths,
    date_from: Any = None,
    date_to: Any = None,
    run_id: str | None = None,
    days: int | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Build the report for a period and deliver it if configured.

    Default (no period given): the weekly report (7 days ending with the latest day with articles),
    and beside it the daily digest of that latest day (its path is under `digest`). A report whose
    inputs are unchanged is not rebuilt nor delivered again (`unchanged`, `note`) unless `force`.
    """
    from mediawatch.report import build_report, deliver
    from mediawatch.warehouse.db import ANALYST, database_errors

    digest = None
    with database_errors(paths.analyst_db, ANALYST):
        if date_from is None and date_to is None and days is None:
            digest = build_report(paths, run_id=run_id, days=1, force=force)
        built = build_report(paths, date_from=date_from, date_to=date_to, run_id=run_id, days=days, force=force)
    if digest is not None:
        built["digest"] = digest["report"]
        built["digest_unchanged"] = digest["unchanged"]
        if digest.get("note"):
            built["note"] = "; ".join(n for n in (built.get("note"), digest["note"]) if n)
    # off unless MEDIAWATCH_REPORT_EMAIL_TO / _WEBHOOK are set; an unchanged report was delivered already
    built["delivery"] = None if built["unchanged"] else deliver(built)
    return built


def export(paths: Paths, folder: Path) -> list[Path]:
    """Parquet files of every mart, read from the analyst copy (never blocks a load)."""
    from mediawatch.warehouse.db import ANALYST, connect_reader, database_errors
    from mediawatch.warehouse.publish import export_parquet

    with database_errors(paths.analyst_db, ANALYST):
        # our own fixed SQL writes the files, so this reader keeps file access
        con = connect_reader(paths.analyst_db, external_access=True)
        try:
            return export_parquet(con, folder)
        finally:
            con.close()


def status(paths: Paths) -> dict[str, Any]:
    """What the published analyst copy holds, where every output is, and each source's health."""
    from mediawatch.warehouse.db import connect_reader
    from mediawatch.warehouse.loads import newest_fetch, warehouse_counts

    con = connect_reader(paths.analyst_db)
    try:
        counts = warehouse_counts(con)
        newest = newest_fetch(con)
        health = source_health(con)
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
        "sources": health,
    }


HEALTH_FIELDS = ("source", "last_outcome", "last_success_at", "last_failure_at", "failing",
                 "consecutive_failures", "article_yield", "yield_collapsed", "yield_reason")


def source_health(con: Any) -> list[dict[str, Any]]:
    """Each source's health, from the report's source-health query: latest outcome, last success
    and failure, article yield and whether the quality gate flagged its yield."""
    from datetime import date

    from mediawatch.report.queries import run_query

    today = datetime.now(UTC).date()
    table = run_query(con, "source_health", date_from=date.min, date_to=today)
    return [
        {key: (str(value) if isinstance(value, datetime) else value)
         for key, value in record.items() if key in HEALTH_FIELDS}
        for record in table.records()
    ]
