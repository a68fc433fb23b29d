"""`mediawatch sources add URL` (probe a site, propose a registry entry) and `sources check`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mediawatch.cli.common import (
    SourcesOpt,
    emit_json,
    fail,
    friendly_errors,
    is_terminal,
    resolve,
    say,
)


def _table(title: str, endpoints: list[dict[str, Any]]) -> None:
    """Endpoints as a table on stderr (rich on a terminal, plain lines otherwise)."""
    columns = ("kind", "found_by", "status", "items", "last_modified", "url", "error")
    if is_terminal():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title)
        for column in columns:
            table.add_column(column)
        for e in endpoints:
            table.add_row(*(str(e.get(c) if e.get(c) is not None else "") for c in columns))
        Console(stderr=True).print(table)
        return
    say(title)
    for e in endpoints:
        say("  " + "  ".join(f"{c}={e.get(c)}" for c in columns if e.get(c) not in (None, "")))


def register(app: typer.Typer) -> None:
    """Add the `sources` command group to the main app."""
    group = typer.Typer(help="Add a site by its homepage; check registered sources live.", no_args_is_help=True)
    app.add_typer(group, name="sources")

    @group.command("add")
    def add(
        url: Annotated[str, typer.Argument(help="The site's homepage, e.g. https://www.gadgetany.com/")],
        name: Annotated[str | None, typer.Option("--name", help="Registry name (default: from the host).")] = None,
        country: Annotated[str, typer.Option("--country", help="ISO 3166-1 alpha-2 code of the site.")] = "US",
        interval: Annotated[str, typer.Option("--interval", help="crawl_interval of the entry.")] = "1h",
        sample: Annotated[int, typer.Option("--sample", help="Article pages to fetch and extract.")] = 5,
        write: Annotated[bool, typer.Option("--write", help="Append the entry to the registry.")] = False,
        sources: SourcesOpt = None,
    ) -> None:
        """Probe a site (robots.txt, homepage, feeds, sitemaps, sections, sample articles) and print
        a registry entry with an estimate of its article yield. Nothing is written without --write."""
        from mediawatch.probe import append_entry, entry_yaml, probe_site
        from mediawatch.sources import load_registry

        paths = resolve(sources, None, None, None)
        allowlist: frozenset[str] = frozenset()
        names: list[str] = []
        if paths.sources.exists():
            with friendly_errors():
                registry = load_registry(paths.sources)
            allowlist, names = registry.allowlist, registry.names
        probe = probe_site(url, name=name, allowlist=allowlist, sample=sample, country=country,
                           crawl_interval=interval)
        _table(f"probe of {probe.homepage}", [vars(e) for e in probe.endpoints])
        sampled = sum(s.article for s in probe.sample)
        say(f"article URLs found: {len(probe.article_urls)}; sample: {sampled}/{len(probe.sample)} "
            f"extracted as articles; estimated articles per full crawl: {probe.estimated_articles}")
        for s in probe.sample:
            say(f"  {'article' if s.article else s.reason:<24} {s.url}")
        if probe.disallowed:
            say(f"robots.txt disallows {len(probe.disallowed)} linked URL(s), e.g. {probe.disallowed[0]}")
        say("proposed registry entry:")
        say(entry_yaml(probe.entry).rstrip())
        home = next(e for e in probe.endpoints if e.kind == "homepage")
        if home.error:
            fail(f"{url}: the homepage could not be fetched ({home.error}); check the address")
        if write:
            if probe.entry["name"] in names:
                fail(f"{paths.sources} already has a source named {probe.entry['name']!r}; pass --name")
            try:
                append_entry(paths.sources, probe.entry)
            except ValueError as exc:
                fail(str(exc))
            say(f"appended {probe.entry['name']!r} to {paths.sources}")
        else:
            say(f"not written: re-run with --write to append it to {paths.sources}")
        emit_json({**probe.as_dict(), "written": write})

    @group.command("check")
    def check(
        name: Annotated[str | None, typer.Argument(help="Only this source (default: every source).")] = None,
        sample: Annotated[int, typer.Option("--sample", help="Article pages to extract per source.")] = 3,
        sources: SourcesOpt = None,
    ) -> None:
        """Check every endpoint of the registered sources live: status, items, last modified, and
        how many of a sample of their articles extract. Exit 1 when an endpoint failed."""
        from mediawatch.probe import check_source
        from mediawatch.sources import load_registry

        paths = resolve(sources, None, None, None)
        with friendly_errors():
            registry = load_registry(paths.sources)
        try:
            chosen = [registry.get(name)] if name else registry.sources
        except KeyError as exc:
            fail(str(exc.args[0]))
        results = []
        for source in chosen:
            result = check_source(source, registry.allowlist, sample=sample)
            _table(f"{source.name}: {result['sampled_articles']}/{result['sampled']} sampled pages "
                   f"are articles, {result['article_urls']} article URLs listed", result["endpoints"])
            results.append(result)
        failed = [r["source"] for r in results if r["failed_endpoints"]]
        say(f"checked {len(results)} source(s): {len(failed)} with failing endpoints"
            + (f" ({', '.join(failed)})" if failed else ""))
        emit_json({"sources": results, "failed_sources": failed})
        if failed:
            raise typer.Exit(1)
