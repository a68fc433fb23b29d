"""crawl, load, check, report and run: the pipeline steps, as the Airflow tasks run them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from mediawatch.cli.common import (
    ReportsOpt,
    SourcesOpt,
    WarehouseOpt,
    WatchlistOpt,
    emit_json,
    fail,
    friendly_errors,
    progress,
    resolve,
    say,
)

SourceOpt = Annotated[
    list[str] | None, typer.Option("--source", "-s", help="Crawl only this source (repeatable).")
]
ForceOpt = Annotated[
    bool,
    typer.Option("--force", help="Check / rebuild even when nothing changed since the last run (which is "
                                 "otherwise reused and said so)."),
]
SettingOpt = Annotated[
    list[str] | None,
    typer.Option("--setting", help="Scrapy setting override KEY=VALUE for this crawl (repeatable)."),
]


def _settings(pairs: list[str] | None) -> dict[str, str]:
    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            fail(f"--setting {pair!r}: expected KEY=VALUE, e.g. --setting DOWNLOAD_DELAY=2")
        out[key] = value
    return out


def _print_counts(step: str, summary: dict[str, Any]) -> None:
    parts = [f"{k}={v}" for k, v in summary.items() if isinstance(v, int | float) and not isinstance(v, bool)]
    say(f"{step}: " + ", ".join(parts))
    for problem in summary.get("problems") or []:
        say(f"  problem: {problem}")
    if summary.get("note"):
        say(f"  {summary['note']}")


def register(app: typer.Typer) -> None:
    @app.command()
    def crawl(
        source: SourceOpt = None,
        setting: SettingOpt = None,
        sources: SourcesOpt = None,
        watchlist: WatchlistOpt = None,
        warehouse: WarehouseOpt = None,
        reports: ReportsOpt = None,
    ) -> None:
        """Crawl sources into staging files (one scrapy subprocess per source). Never opens the warehouse.

        On a terminal, one line per source shows the pages staged so far and its outcome."""
        from mediawatch import pipeline
        from mediawatch.cli.crawl_progress import crawl_progress

        paths = resolve(sources, watchlist, warehouse, reports)
        run_id = pipeline.new_run_id("crawl")
        with friendly_errors(), crawl_progress(paths.staging_dir, run_id, source or pipeline.source_names(paths)):
            summary = pipeline.crawl(paths, run_id, source, _settings(setting))
        _print_counts("crawl", summary)
        emit_json(summary)
        if summary["failed_sources"]:
            say(f"failed sources: {', '.join(summary['failed_sources'])} (see their logs above)")
            raise typer.Exit(1)

    @app.command()
    def load(
        init: Annotated[
            bool, typer.Option("--init", help="Create the warehouse if it does not exist yet (any path).")
        ] = False,
        sources: SourcesOpt = None,
        watchlist: WatchlistOpt = None,
        warehouse: WarehouseOpt = None,
        reports: ReportsOpt = None,
    ) -> None:
        """Load new staging files into the warehouse, analyse them and publish the analyst copy.

        A missing warehouse is created only on first use of the default path or with --init, so a
        mistyped --warehouse is an error, not a new empty warehouse."""
        from mediawatch import pipeline

        paths = resolve(sources, watchlist, warehouse, reports)
        problem = new_warehouse_refusal(paths.warehouse, init)
        if problem:
            fail(problem)
        with friendly_errors(), progress("analysing new article versions") as update:
            summary = pipeline.load(paths, progress=update)
        _print_counts("load", summary)
        emit_json(summary)

    @app.command()
    def check(
        force: ForceOpt = False,
        sources: SourcesOpt = None,
        watchlist: WatchlistOpt = None,
        warehouse: WarehouseOpt = None,
        reports: ReportsOpt = None,
    ) -> None:
        """Run the quality gate on what changed. Exit 1 on a critical failure (results are still recorded).

        With nothing new since the last passing run its verdict is reused (and said so); --force checks again."""
        from mediawatch import pipeline
        from mediawatch.checks import GateFailed

        paths = resolve(sources, watchlist, warehouse, reports)
        try:
            with friendly_errors():
                summary = pipeline.check(paths, pipeline.new_run_id("check"), force=force)
        except GateFailed as failed:
            fail(str(failed), code=1)
        _print_counts("check", summary)
        emit_json(summary)

    @app.command()
    def report(
        date_from: Annotated[
            str | None, typer.Option("--from", help="First day (YYYY-MM-DD); default: --days before --to.")
        ] = None,
        date_to: Annotated[
            str | None, typer.Option("--to", help="Last day (YYYY-MM-DD), inclusive; default: latest day with articles.")
        ] = None,
        days: Annotated[
            int | None,
            typer.Option("--days", min=1, help="Length of the period in days (default 7; --days 1 is the daily digest)."),
        ] = None,
        force: ForceOpt = False,
        sources: SourcesOpt = None,
        watchlist: WatchlistOpt = None,
        warehouse: WarehouseOpt = None,
        reports: ReportsOpt = None,
    ) -> None:
        """Build the report (HTML, Markdown, CSV/Parquet) from the analyst copy.

        A report whose inputs (analyst build, gate run, period) are unchanged is not rebuilt (it says so); --force rebuilds."""
        from mediawatch import pipeline

        paths = resolve(sources, watchlist, warehouse, reports)
        first, last = _day(date_from, "--from"), _day(date_to, "--to")
        if first and last and first > last:
            fail(f"--from {first} is after --to {last}")
        if first and last and days:
            fail("--from, --to and --days together over-determine the period: give two of them at most")
        from mediawatch.report import ReportError

        try:
            with friendly_errors():
                summary = pipeline.report(paths, first, last, run_id=pipeline.new_run_id("report"), days=days,
                                          force=force)
        except ReportError as exc:
            fail(str(exc))
        say(f"report {summary['period']['name']}: {summary.get('report')}"
            + (f" (daily digest: {summary['digest']})" if summary.get("digest") else ""))
        if summary.get("note"):
            say(f"  {summary['note']}")
        emit_json(summary)

    @app.command()
    def run(
        source: SourceOpt = None,
        setting: SettingOpt = None,
        force: ForceOpt = False,
        sources: SourcesOpt = None,
        watchlist: WatchlistOpt = None,
        warehouse: WarehouseOpt = None,
        reports: ReportsOpt = None,
    ) -> None:
        """crawl, load, check and report in order; ends with one JSON line of paths and counts."""
        from mediawatch import pipeline
        from mediawatch.checks import GateFailed

        paths = resolve(sources, watchlist, warehouse, reports)
        run_id = pipeline.new_run_id("run")
        result: dict[str, Any] = {"run_id": run_id, "warehouse": str(paths.warehouse),
                                  "analyst_db": str(paths.analyst_db), "report": None}
        from mediawatch.cli.crawl_progress import crawl_progress

        with friendly_errors():
            with crawl_progress(paths.staging_dir, run_id, source or pipeline.source_names(paths)):
                crawled = pipeline.crawl(paths, run_id, source, _settings(setting))
            _print_counts("crawl", crawled)
            with progress("analysing new article versions") as update:
                loaded = pipeline.load(paths, progress=update)
            _print_counts("load", loaded)
            result["crawl"] = {k: v for k, v in crawled.items() if k != "run_id"}
            result["load"] = {k: v for k, v in loaded.items() if k not in ("warehouse", "analyst_db")}
            try:
                gate = pipeline.check(paths, run_id, force=force)
            except GateFailed as failed:
                say(f"quality gate failed, report not rebuilt (the last good one stays): {failed}")
                result["gate"] = {"passed": False, "error": str(failed)}
                emit_json(result)
                raise typer.Exit(1) from failed
            _print_counts("check", gate)
            result["gate"] = gate
            built = pipeline.report(paths, run_id=run_id, force=force)
            if built.get("note"):
                say(built["note"])
            result["report"] = built.get("report")
            result["report_unchanged"] = built.get("unchanged")
        say(f"warehouse: {paths.warehouse}\nanalyst copy: {paths.analyst_db}\nreport: {result['report']}")
        emit_json(result)

    @app.command()
    def reanalyze(
        sources: SourcesOpt = None,
        watchlist: WatchlistOpt = None,
        warehouse: WarehouseOpt = None,
        reports: ReportsOpt = None,
    ) -> None:
        """Recompute mentions, sentiment, clusters and alerts for the whole warehouse (after a watchlist change)."""
        from mediawatch import pipeline

        paths = resolve(sources, watchlist, warehouse, reports)
        with friendly_errors(), progress("re-analysing every article version") as update:
            summary = pipeline.reanalyze(paths, progress=update)
        _print_counts("reanalyze", summary)
        emit_json(summary)

    @app.command()
    def rebuild(
        sources: SourcesOpt = None,
        watchlist: WatchlistOpt = None,
        warehouse: WarehouseOpt = None,
        reports: ReportsOpt = None,
    ) -> None:
        """Rebuild every model from the raw and analysis tables (the build graph, all treated as new)."""
        from mediawatch import pipeline

        paths = resolve(sources, watchlist, warehouse, reports)
        with friendly_errors(), progress("analysing versions not analysed yet") as update:
            summary = pipeline.rebuild(paths, progress=update)
        _print_counts("rebuild", summary)
        emit_json(summary)

    @app.command()
    def export(
        out: Annotated[Path, typer.Option("--out", help="Folder for the Parquet files.")] = Path("var/export"),
        sources: SourcesOpt = None,
        watchlist: WatchlistOpt = None,
        warehouse: WarehouseOpt = None,
        reports: ReportsOpt = None,
    ) -> None:
        """Export every mart as Parquet (read from the analyst copy; never blocks a load)."""
        from mediawatch import pipeline

        paths = resolve(sources, watchlist, warehouse, reports)
        with friendly_errors():
            written = pipeline.export(paths, out.resolve())
        say(f"export: {len(written)} files in {out}")
        emit_json({"files": [str(p) for p in written]})

    @app.command()
    def status(
        sources: SourcesOpt = None,
        watchlist: WatchlistOpt = None,
        warehouse: WarehouseOpt = None,
        reports: ReportsOpt = None,
    ) -> None:
        """Where the warehouse, analyst copy and latest report are, and what they hold."""
        from mediawatch import pipeline

        paths = resolve(sources, watchlist, warehouse, reports)
        with friendly_errors():
            summary = pipeline.status(paths)
        for key, value in summary.items():
            if key != "sources":
                say(f"{key:>22}: {value}")
        for health in summary.get("sources") or []:
            say(_health_line(health))
        emit_json(summary)

    @app.command()
    def docs(
        out: Annotated[Path, typer.Option("--out", help="Where to write the data dictionary.")] = Path(
            "docs/warehouse.md"
        ),
    ) -> None:
        """Regenerate the warehouse data dictionary from the SQL model files."""
        from mediawatch.warehouse.models import data_dictionary

        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(data_dictionary())
        say(f"wrote {out}")


def _health_line(h: dict[str, Any]) -> str:
    """One source's health for `mediawatch status`: outcome, last success / failure, yield."""
    share = "-" if h["article_yield"] is None else f"{h['article_yield']:.0%}"
    flags = [f for f, on in (("FAILING", h["failing"]),
                             (f"YIELD COLLAPSED ({h['yield_reason']})", h["yield_collapsed"])) if on]
    return (f"{h['source']:>22}: {h['last_outcome'] or 'never crawled'}, last success "
            f"{h['last_success_at'] or 'never'}, last failure {h['last_failure_at'] or 'never'}, "
            f"yield {share}" + (f"  {' '.join(flags)}" if flags else ""))
def new_warehouse_refusal(warehouse: Path, init: bool) -> str | None:
    """Why `load` must not create `warehouse`, or None when it exists or may be created here."""
    import os

    from mediawatch.config import VAR_DIR

    if init or warehouse.exists() or os.environ.get("MEDIAWATCH_WAREHOUSE_BACKEND", "").lower() == "ducklake":
        return None
    if warehouse == (VAR_DIR / "warehouse.duckdb").resolve():
        return None  # first use of the default path
    return (f"warehouse {warehouse} does not exist. A load creates a new, empty warehouse only at the "
            "default path (var/warehouse.duckdb) or when asked: check --warehouse / $MEDIAWATCH_WAREHOUSE, "
            f"or run `mediawatch load --warehouse {warehouse} --init` to create it there")


def _day(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{flag} {value!r}: expected a date as YYYY-MM-DD")
    return None
