"""`mediawatch analyze`: preview what the monitor finds in saved pages.

By default a readable table per page: each entity found (or nearly found) with its mentions, tone
and the reason; `--json` prints one JSON object per page instead. It runs the same
`extract_article` and `analyze_article` the loader runs, so the preview shows what the warehouse
would store.
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


def entity_rows(result: dict[str, Any], everything: bool) -> list[dict[str, Any]]:
    """One row per watchlist entry worth showing: those mentioned, those an alias nearly matched
    (query failed, only in dropped text) and, with `everything`, all others."""
    counts: dict[str, int] = {}
    tones: dict[str, list[float]] = {}
    for mention in result.get("mentions") or []:
        counts[mention["entity"]] = counts.get(mention["entity"], 0) + 1
        score = (mention.get("sentiment") or {}).get("score")
        if score is not None:
            tones.setdefault(mention["entity"], []).append(float(score))
    rows = []
    for entry in result.get("explain") or []:
        near = bool(entry["aliases_found"]) or entry["found_only_in_dropped_text"]
        if not (entry["mentioned"] or near or everything):
            continue
        tone = tones.get(entry["entity"])
        rows.append({"entity": entry["entity"], "type": entry["type"], "mentioned": entry["mentioned"],
                     "mentions": counts.get(entry["entity"], 0),
                     "tone": round(sum(tone) / len(tone), 3) if tone else None, "reason": entry["reason"]})
    return sorted(rows, key=lambda r: (not r["mentioned"], -r["mentions"], r["entity"].lower()))


def print_table(result: dict[str, Any], everything: bool) -> None:
    """The page's headline facts and a table of entities with the reason each was (not) counted."""
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=False, width=None if typer.get_text_stream("stdout").isatty() else 140)
    console.print(f"[bold]{result['file']}[/bold]", highlight=False)
    if result.get("error"):
        console.print(f"  error: {result['error']}", highlight=False, markup=False)
        if str(result["error"]).startswith("unreadable_file"):
            return
    sentiment = result.get("sentiment") or {}
    facts = [("title", result.get("title")), ("url", result.get("url")),
             ("published", result.get("published_at")), ("words", result.get("word_count")),
             ("sentiment", f"{sentiment.get('score')} ({sentiment.get('label')})" if sentiment else None)]
    for label, value in facts:
        console.print(f"  {label:>9}: {value if value not in (None, '') else '–'}", highlight=False, markup=False)
    rows = entity_rows(result, everything)
    table = Table(show_lines=False, pad_edge=False, expand=False)
    for column, justify in (("entity", "left"), ("type", "left"), ("counted", "left"), ("mentions", "right"),
                            ("tone", "right"), ("reason", "left")):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for row in rows:
        table.add_row(row["entity"], row["type"], "yes" if row["mentioned"] else "no", str(row["mentions"]),
                      "–" if row["tone"] is None else f"{row['tone']:+.3f}", row["reason"])
    if rows:
        console.print(table, markup=False)
    else:
        console.print("  no watchlist entity found on this page (--explain lists every entry)")
    console.print()


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
            bool,
            typer.Option("--explain", help="Every watchlist entry with its reason (JSON: add the `explain` list)."),
        ] = False,
        as_json: Annotated[
            bool, typer.Option("--json", help="One JSON object per page and line instead of the table.")
        ] = False,
    ) -> None:
        """Extract and analyze pages: a table of entities and reasons per page (--json: JSON lines).

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
            result = analyze_page(name, url, loaded, explain or not as_json)
            failed += str(result.get("error") or "").startswith("unreadable_file")
            if as_json:
                typer.echo(json.dumps(result, ensure_ascii=False, sort_keys=False))
            else:
                print_table(result, everything=explain)
        if failed:
            typer.echo(f"{failed} of {len(files)} page(s) could not be read", err=True)
            raise typer.Exit(1)
