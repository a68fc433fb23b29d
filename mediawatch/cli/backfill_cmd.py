"""`mediawatch backfill WARC...`: stage article pages from web archives, as a crawl would."""

from __future__ import annotations

from typing import Annotated

import typer

from mediawatch.cli.common import (
    SourcesOpt,
    WarehouseOpt,
    emit_json,
    fail,
    friendly_errors,
    progress,
    resolve,
    say,
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""

    @app.command()
    def backfill(
        warcs: Annotated[
            list[str],
            typer.Argument(help="WARC or ARC files (.gz or not), local paths or http(s) URLs."),
        ],
        source: Annotated[
            str | None,
            typer.Option("--source", help="Stage every HTML response record for this source, "
                         "whatever its host (default: by allowed_domains)."),
        ] = None,
        since: Annotated[
            str | None,
            typer.Option("--since", help="Only records captured (WARC-Date) on or after this "
                         "date (YYYY-MM-DD) or ISO time."),
        ] = None,
        until: Annotated[
            str | None,
            typer.Option("--until", help="Only records captured on or before this date/time."),
        ] = None,
        workers: Annotated[
            int, typer.Option("--workers", min=1, help="Extraction processes.")
        ] = 1,
        max_bytes: Annotated[
            int, typer.Option("--max-bytes", min=1, help="Size limit of a downloaded WARC URL.")
        ] = 4 * 1024**3,
        sources: SourcesOpt = None,
        warehouse: WarehouseOpt = None,
    ) -> None:
        """Stage the article pages of web archives (CC-NEWS, our own WARCs, any crawler's) as a
        crawl would; the next `mediawatch load` stores them. Idempotent, resumable after a crash.
        Exit code 1 if an input could not be read at all."""
        from mediawatch.backfill import BackfillError
        from mediawatch.backfill import backfill as run_backfill

        paths = resolve(sources, None, warehouse, None)
        with friendly_errors():
            try:
                with progress("backfill (bytes read)") as update:
                    summary = run_backfill(
                        paths, warcs, source=source, since=since, until=until,
                        workers=workers, max_download=max_bytes, progress=update,
                    )
            except (BackfillError, KeyError) as exc:
                fail(str(exc).strip('"'))
        for result in summary["results"]:
            for damage in result["damage"]:
                say(f"warning: {result['input']}: read up to byte {damage['offset']}, "
                    f"{damage['bytes_unread']} bytes unreadable ({damage['error']})")
        for why in summary["failed_inputs"].values():
            say(f"error: {why}")
        skipped = ", ".join(f"{k}={v}" for k, v in summary["skipped"].items() if v)
        say(
            f"mediawatch backfill: inputs={summary['inputs']}, records={summary['records']}, "
            f"articles={summary['articles']}, staged_skipped={summary['staged']['skipped']}, "
            f"staged_failed={summary['staged']['failed']}, damaged={summary['damaged_inputs']}, "
            f"failed_inputs={len(summary['failed_inputs'])}, {summary['records_per_s']} records/s"
            + (f"; skipped {skipped}" if skipped else "")
        )
        emit_json(summary)
        if summary["failed_inputs"]:
            raise typer.Exit(1)
