"""quarantine list | release: look at and let back the article versions the quality gate held."""

from __future__ import annotations

from typing import Annotated

import typer

from mediawatch.cli.common import (
    ReportsOpt,
    SourcesOpt,
    WarehouseOpt,
    WatchlistOpt,
    emit_json,
    fail,
    friendly_errors,
    resolve,
    say,
)


def register(app: typer.Typer) -> None:
    """Add the `quarantine` command group to the main app."""
    group = typer.Typer(
        name="quarantine",
        help="Article versions held out of the marts by the quality gate (never deleted).",
        no_args_is_help=True,
    )
    app.add_typer(group, name="quarantine")

    @group.command("list")
    def list_(
        include_released: Annotated[
            bool, typer.Option("--released", help="Also show versions already released.")
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line instead of a table.")] = False,
        sources: SourcesOpt = None,
        watchlist: WatchlistOpt = None,
        warehouse: WarehouseOpt = None,
        reports: ReportsOpt = None,
    ) -> None:
        """Held versions, newest first, read from the analyst copy (never blocks a load)."""
        from mediawatch.checks import held
        from mediawatch.warehouse.db import connect_reader

        paths = resolve(sources, watchlist, warehouse, reports)
        with friendly_errors():
            con = connect_reader(paths.analyst_db)
            try:
                rows = held(con, include_released=include_released)
            finally:
                con.close()
        if as_json:
            for row in rows:
                emit_json(row)
            return
        if not rows:
            say("nothing in quarantine" + ("" if include_released else " (use --released for history)"))
            return
        from rich.console import Console
        from rich.table import Table

        table = Table("article_id", "source", "reason", "run_id", "quarantined_at", "url")
        if include_released:
            table.add_column("released_at")
        for row in rows:
            cells = [str(row[c] or "") for c in ("article_id", "source", "reason", "run_id")]
            cells += [f"{row['quarantined_at']:%Y-%m-%d %H:%M}", str(row["url"] or "")]
            if include_released:
                cells.append(f"{row['released_at']:%Y-%m-%d %H:%M}" if row["released_at"] else "")
            table.add_row(*cells)
        Console(stderr=False).print(table)
        say(f"{len(rows)} version(s); release with `mediawatch quarantine release ARTICLE_ID --reason ...`")

    @group.command("release")
    def release_(
        article_id: Annotated[str | None, typer.Argument(help="Article to release (all its held versions).")] = None,
        release_all: Annotated[bool, typer.Option("--all", help="Release every held version.")] = False,
        reason: Annotated[
            str | None, typer.Option("--reason", help="Why it may go back in (stored with the release).")
        ] = None,
        sources: SourcesOpt = None,
        watchlist: WatchlistOpt = None,
        warehouse: WarehouseOpt = None,
        reports: ReportsOpt = None,
    ) -> None:
        """Let held versions back into the marts; rebuilds them and republishes the analyst copy."""
        from mediawatch.checks import release

        if bool(article_id) == release_all:
            fail("give either an ARTICLE_ID or --all (see `mediawatch quarantine list`)")
        paths = resolve(sources, watchlist, warehouse, reports)
        with friendly_errors():
            summary = release(paths, None if release_all else article_id, reason)
        if not summary["released"]:
            target = "nothing" if release_all else f"no held version of {article_id}"
            fail(f"{target} in quarantine; see `mediawatch quarantine list`", code=1)
        say(f"released {summary['released']} version(s) of {len(summary['articles'])} article(s)")
        emit_json(summary)
