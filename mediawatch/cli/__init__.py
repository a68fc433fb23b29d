"""The `mediawatch` command line. Each area registers its commands from its own module.

Commands run the same package functions the Airflow tasks call. Heavy imports happen inside the
command bodies so `mediawatch --help` stays fast.
"""

from __future__ import annotations

import importlib
import os
from typing import Annotated

import typer

app = typer.Typer(
    name="mediawatch",
    help="Media monitoring for tech news: crawl, load, check and report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

# one module per area; each defines register(app)
COMMAND_MODULES = [
    "pipeline_cmd",  # crawl, load, check, report, run, export, reanalyze, quarantine
    "fixture_web_cmd",  # fixture-web serve
    "extract_cmd",  # extract
    "analyze_cmd",  # analyze
    "crawl_tools_cmd",  # reextract
    "quality_cmd",  # quarantine list|release
    "sources_cmd",  # sources add|check
    "backfill_cmd",  # backfill
]

for _name in COMMAND_MODULES:
    importlib.import_module(f"mediawatch.cli.{_name}").register(app)


def _version(value: bool) -> None:
    if value:
        from mediawatch.cli.common import version_text

        typer.echo(version_text())
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Media monitoring for tech news: crawl, load, check and report."""


def main() -> None:
    # what the pipeline writes (warehouse, staging, WARC archives, reports) is its owner's alone
    os.umask(0o077)
    app()
