"""`mediawatch analyze`: preview what the monitor finds in saved pages, one JSON line per page.

It runs the same `extract_article` and `analyze_article` the loader runs, so the preview shows what
the warehouse would store.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from mediawatch.monitor.watchlist import Watchlist

EXIT_BAD_WATCHLIST = 2


def analyze_page(name: str, url: str | None, watchlist: Watchlist, explain: bool) -> dict[str, Any]:
    """The JSON object printed for one page: the `mediawatch extract` row plus mentions, sentiment
    and entities (and `explain`). An unreadable file gives a row with `error` and no analysis."""
    from mediawatch.cli.extract_cmd import OUTPUT_KEYS, read_page
    from mediawatch.extract import extract_article
    from mediawatch.monitor.analysis import analyze_article
    from mediawatch.monitor.dropped import dropped_text

    row: dict[str, Any] = dict.fromkeys(OUTPUT_KEYS)
    row.update(
        file=name, authors=[], tags=[], word_count=0, mentions=[], sentiment=None, entities=[]
    )
    try:
        html = read_page(name)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        row["error"] = f"unreadable_file: {exc.__class__.__name__}: {exc}"
        return row
    # same URL rule as `mediawatch extract`, so both commands show the same record
    page_url = url or (Path("/dev/stdin") if name == "-" else Path(name).resolve()).as_uri()
    record = extract_article(html, page_url)
    if url is None and record.canonical_url and record.canonical_url != page_url:
        record = extract_article(html, record.canonical_url)
    data = record.to_dict()
    row.update({key: data[key] for key in OUTPUT_KEYS if key in data})
    analysis = analyze_article(record, watchlist).to_dict()
    row.update(
        mentions=analysis["mentions"],
        sentiment=analysis["sentiment"],
        entities=analysis["entities"],
    )
    if explain:
        body = record.body if not record.error else None
        row["explain"] = watchlist.explain(
            record.title, body, dropped_text=dropped_text(html, record.title, body)
        )
    return row


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""

    @app.command("analyze")
    def analyze(
        files: Annotated[
            list[str], typer.Argument(help="Saved pages: .html, .html.gz, or - for stdin.")
        ],
        url: Annotated[
            str | None,
            typer.Option(
                "--url", help="Page URL (default: the page's canonical URL, else file://path)."
            ),
        ] = None,
        watchlist: Annotated[
            Path | None,
            typer.Option(
                "--watchlist",
                help="Watchlist YAML (default: MEDIAWATCH_WATCHLIST or ./watchlist.yaml).",
            ),
        ] = None,
        explain: Annotated[
            bool, typer.Option("--explain", help="Add per-entity reasons for match / no match.")
        ] = False,
    ) -> None:
        """Extract and analyze pages: prints one JSON object per file per line.

        Exit code 0 when every page was read, 1 when some page could not be read (its line has an
        error), 2 when the watchlist is invalid."""
        from mediawatch.config import default_paths
        from mediawatch.monitor.watchlist import WatchlistError, load_watchlist

        path = default_paths(watchlist=watchlist).watchlist
        try:
            loaded = load_watchlist(path)
        except WatchlistError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_BAD_WATCHLIST) from None
        failed = 0
        for name in files:
            result = analyze_page(name, url, loaded, explain)
            failed += str(result.get("error") or "").startswith("unreadable_file")
            typer.echo(json.dumps(result, ensure_ascii=False, sort_keys=False))
        if failed:
            typer.echo(f"{failed} of {len(files)} page(s) could not be read", err=True)
            raise typer.Exit(1)
