"""`mediawatch fixture-web serve`: run the local fixture news sites until interrupted."""

from __future__ import annotations

import signal
import threading
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

fixture_web_app = typer.Typer(
    name="fixture-web",
    help="Deterministic local tech-news sites for tests, demos and benchmarks.",
    no_args_is_help=True,
)


@fixture_web_app.command("serve")
def serve(
    port: Annotated[
        int, typer.Option(help="Port of the first site; site i listens on port+i.")
    ] = 8765,
    articles: Annotated[int, typer.Option(help="Articles per site (up to 100,000).")] = 60,
    seed: Annotated[int, typer.Option(help="Seed: the same seed serves the same pages.")] = 0,
    faults: Annotated[str, typer.Option(help="Comma-separated fault modes, or 'all'.")] = "",
    sources_out: Annotated[
        Path | None,
        typer.Option("--sources-out", help="Write the source registry (sources.yaml) here."),
    ] = None,
) -> None:
    """Serve the fixture sites on 127.0.0.1 until SIGINT/SIGTERM."""
    from mediawatch.fixture_web import FixtureWeb
    from mediawatch.fixture_web.faults import parse_modes

    try:
        modes = parse_modes(faults)
        web = FixtureWeb(seed=seed, articles=articles, port=port, faults=modes).start()
    except (ValueError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        if sources_out:
            typer.echo(f"registry written to {web.write_sources(sources_out)}")
        for site, url in web.base_urls.items():
            typer.echo(f"{site:12} {url}/")
        typer.echo(
            f"faults: {', '.join(sorted(web.faults)) or 'none'}; control: GET /__log, POST /__faults"
        )
        typer.echo("serving; press Ctrl-C to stop", err=True)
        while not stop.wait(0.5):
            pass
    finally:
        web.stop()
        statuses = Counter(entry["status"] for entry in web.request_log)
        detail = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
        typer.echo(f"served {len(web.request_log)} requests ({detail or 'none'})")


def register(app: typer.Typer) -> None:
    """Add the `fixture-web` command group to the main app."""
    app.add_typer(fixture_web_app, name="fixture-web")
