"""`mediawatch analyze`: preview what the monitor finds in saved pages, one JSON line per page.

It runs the same `extract_article` and `analyze_article` the loader runs, so the preview shows what
the warehouse would store.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

EXIT_BAD_WATCHLIST = 2


def read_page(name: str) -> bytes:
    """Bytes of a page file ('-' is stdin); gzip is recognised by its magic bytes, not the name."""
    data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def analyze_page(name: str, url: str | None, watchlist: Any, explain: bool) -> dict[str, Any]:
    """The JSON object printed for one page: extraction fields, mentions, sentiment, entities."""
    from mediawatch.extract import extract_article
    from mediawatch.monitor.analysis import analyze_article
    from mediawatch.monitor.dropped import dropped_text

    try:
        html = read_page(name)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        return {"file": name, "error": f"unreadable: {exc}"}
    page_url = url or ("file:///dev/stdin" if name == "-" else Path(name).resolve().as_uri())
    record = extract_article(html, page_url)
    out: dict[str, Any] = {"file": name, **record.to_dict()}
    out.update(analyze_article(record, watchlist).to_dict())
    if explain:
        body = record.body if not record.error else None
        dropped = dropped_text(html, record.title, body)
        out["explain"] = watchlist.explain(record.title, body, dropped_text=dropped)
    return out


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""

    @app.command("analyze")
    def analyze(
        files: Annotated[
            list[str], typer.Argument(help="Saved pages: .html, .html.gz, or - for stdin.")
        ],
        url: Annotated[
            str | None, typer.Option("--url", help="URL the page(s) came from (default: file URI).")
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

        Exit code 0 when every page was read, 1 when some page could not be read (its line has
        `error`), 2 when the watchlist is invalid.
        """
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
            failed += str(result.get("error") or "").startswith("unreadable:")
            typer.echo(json.dumps(result, ensure_ascii=False, sort_keys=False))
        if failed:
            typer.echo(f"{failed} of {len(files)} page(s) could not be read", err=True)
            raise typer.Exit(1)
