"""Options and helpers every command shares: the four paths, progress, summaries, clean errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from mediawatch.config import Paths, default_paths

SourcesOpt = Annotated[
    Path | None,
    typer.Option("--sources", help="Source registry (default: sources.yaml, or $MEDIAWATCH_SOURCES)."),
]
WatchlistOpt = Annotated[
    Path | None,
    typer.Option("--watchlist", help="Watchlist (default: watchlist.yaml, or $MEDIAWATCH_WATCHLIST)."),
]
WarehouseOpt = Annotated[
    Path | None,
    typer.Option(
        "--warehouse", help="Warehouse DuckDB file (default: var/warehouse.duckdb, or $MEDIAWATCH_WAREHOUSE)."
    ),
]
ReportsOpt = Annotated[
    Path | None,
    typer.Option("--reports", help="Reports folder (default: var/reports, or $MEDIAWATCH_REPORTS)."),
]


def resolve(sources: Path | None, watchlist: Path | None, warehouse: Path | None, reports: Path | None) -> Paths:
    return default_paths(sources, watchlist, warehouse, reports)


def is_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def progress(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr when it is a terminal; nothing otherwise (logs, CI, pipes)."""
    if not is_terminal():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def version_text() -> str:
    """`mediawatch 0.1.0 (duckdb 1.5.5, scrapy 2.19.0, apache-airflow 3.3.2)`: what a bug report needs."""
    from importlib.metadata import PackageNotFoundError, version

    def of(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    try:
        own = version("mediawatch")
    except PackageNotFoundError:
        from mediawatch import __version__ as own
    parts = ", ".join(f"{name} {of(name)}" for name in ("duckdb", "scrapy", "apache-airflow"))
    return f"mediawatch {own} ({parts})"


def say(message: str) -> None:
    """Human-readable line on stderr (stdout is kept for machine-readable output)."""
    typer.echo(message, err=True)


def emit_json(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data, default=str, sort_keys=True))


def fail(message: str, code: int = 2) -> None:
    say(f"error: {message}")
    raise typer.Exit(code)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn the errors users can fix into one clear line and a non-zero exit, not a traceback."""
    from mediawatch.diskspace import DiskFull
    from mediawatch.warehouse.db import LoadOutOfMemory, WarehouseBusy, WarehouseCorrupt

    known: tuple[type[BaseException], ...] = (WarehouseBusy, WarehouseCorrupt, DiskFull, FileNotFoundError,
                                              LoadOutOfMemory)
    try:
        from mediawatch.sources import RegistryError

        known += (RegistryError,)
    except ImportError:
        pass
    try:
        from mediawatch.monitor.watchlist import WatchlistError

        known += (WatchlistError,)
    except ImportError:
        pass
    try:
        yield
    except known as exc:
        fail(str(exc))
