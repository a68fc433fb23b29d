"""`mediawatch extract FILE...`: run article extraction on stored pages, one JSON line per file."""

from __future__ import annotations

import gzip
import json
import sys
import zlib
from pathlib import Path
from typing import Annotated

import typer

OUTPUT_KEYS = (
    "file", "url", "title", "authors", "published_at", "updated_at", "language", "site_name",
    "canonical_url", "section", "tags", "body", "word_count", "error",
)  # fmt: skip


def read_page(name: str) -> str:
    """Text of a .html/.html.gz file, or of stdin for `-` (gzip detected by magic bytes), decoded
    by the crawl's own `decode_html` so a preview sees the characters the warehouse stores."""
    from mediawatch.decode import decode_html

    data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return decode_html(data) or ""


def extract_file(name: str, url: str | None, site: str | None) -> dict[str, object]:
    """One output row for one file; a file that cannot be read gives a row with only `error` set."""
    from mediawatch.extract import extract_article  # heavy import, only when the command runs

    row: dict[str, object] = dict.fromkeys(OUTPUT_KEYS)
    row.update(file=name, authors=[], tags=[], word_count=0)
    try:
        html = read_page(name)
    except (OSError, EOFError, zlib.error) as exc:  # missing, unreadable, or corrupt gzip
        row["error"] = f"unreadable_file: {exc.__class__.__name__}: {exc}"
        return row
    page_url = url or (Path("/dev/stdin") if name == "-" else Path(name).resolve()).as_uri()
    record = extract_article(html, page_url, site=site)
    if url is None and record.canonical_url and record.canonical_url != page_url:
        # the page knows its own address: extract again so URL-based fallbacks see the real one
        record = extract_article(html, record.canonical_url, site=site)
    data = record.to_dict()
    row.update({key: data[key] for key in OUTPUT_KEYS if key in data})
    return row


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""

    @app.command("extract")
    def extract(
        files: Annotated[
            list[str], typer.Argument(help="HTML files (.html or .html.gz), or - for stdin.")
        ],
        url: Annotated[
            str | None,
            typer.Option(help="Page URL (default: the page's canonical/og:url, else file://path)."),
        ] = None,
        site: Annotated[
            str | None,
            typer.Option(help="Registered site extractor name (as `extraction:` in sources.yaml)."),
        ] = None,
    ) -> None:
        """Extract the article from each FILE and print one JSON object per file per line.

        Files that cannot be read get an `error` and the rest still run; the exit code is 1 if any
        file could not be read."""
        unreadable = 0
        for name in files:
            row = extract_file(name, url, site)
            if str(row["error"] or "").startswith("unreadable_file"):
                unreadable += 1
            typer.echo(json.dumps(row, ensure_ascii=False))
        if unreadable:
            typer.echo(
                f"{unreadable} of {len(files)} file(s) could not be read; see their error.",
                err=True,
            )
            raise typer.Exit(1)
