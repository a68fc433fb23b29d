"""Crawl tools: `reextract` rebuilds staging files from the WARC archive with today's extraction."""

from __future__ import annotations

from typing import Annotated

import typer

from mediawatch.cli.common import (
    ReportsOpt,
    SourcesOpt,
    WarehouseOpt,
    WatchlistOpt,
    emit_json,
    friendly_errors,
    resolve,
    say,
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""

    @app.command()
    def reextract(
        source: Annotated[
            str | None, typer.Option("--source", help="Only this source's archives.")
        ] = None,
        run: Annotated[str | None, typer.Option("--run", help="Only this crawl run id.")] = None,
        sources: SourcesOpt = None,
        watchlist: WatchlistOpt = None,
        warehouse: WarehouseOpt = None,
        reports: ReportsOpt = None,
    ) -> None:
        """Re-run extraction on archived responses (WARC) into new staging files `<run>-reextract`;
        the next `mediawatch load` picks them up. No site is contacted."""
        from mediawatch.warc import reextract as rebuild

        paths = resolve(sources, watchlist, warehouse, reports)
        with friendly_errors():
            written = rebuild(paths, source=source, run=run)
        if not written:
            say(f"no WARC archive matched under {paths.warc_dir} (source={source}, run={run})")
        for path in written:
            say(f"wrote {path}")
        emit_json({"staging_files": [str(p) for p in written]})
