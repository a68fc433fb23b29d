"""Figures 1, 3 and 4: end-to-end ingest on the fixture web (crawl + load into DuckDB) against plain
trafilatura on the same pages, the incremental no-op crawl, and peak RSS of crawl and load."""

from __future__ import annotations

import os
import resource
import shutil
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchlib import FAST_CRAWL, REPO_ROOT, StepRun, run_step
from extract_bench import page_counts, score, trafilatura_body

from mediawatch.config import Paths
from mediawatch.fixture_web import FixtureWeb
from mediawatch.warehouse.db import connect_reader


@dataclass
class IngestRun:
    """What one crawl + load at one size measured."""

    n: int
    articles_per_site: int
    expected: int
    crawl: StepRun
    load: StepRun
    noop: StepRun | None = None
    stored: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ingest_s(self) -> float:
        return float(self.crawl.result["seconds"]) + float(self.load.result["seconds"])


def bench_paths(root: Path, sources: Path) -> Paths:
    """A bench-private pipeline instance under `root`, with the repository's watchlist."""
    return Paths(
        sources=sources,
        watchlist=REPO_ROOT / "watchlist.yaml",
        warehouse=root / "data" / "warehouse.duckdb",
        reports=root / "reports",
    )


def step_args(paths: Paths, **extra: Any) -> dict[str, Any]:
    return {
        "sources": str(paths.sources),
        "watchlist": str(paths.watchlist),
        "warehouse": str(paths.warehouse),
        "reports": str(paths.reports),
        **extra,
    }


def start_web(n_total: int, seed: int) -> FixtureWeb:
    """The fixture web with n_total articles over its five sites (articles is per site)."""
    return FixtureWeb(seed=seed, articles=max(1, n_total // 5)).start()


def crawl_and_load(
    web: FixtureWeb, root: Path, *, noop: bool, profile: Path | None = None
) -> IngestRun:
    """Full crawl, load, and (with `noop`) a second crawl when nothing is new, each in a child."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    paths = bench_paths(root, web.write_sources(root / "sources.yaml"))
    logs = root / "logs"
    crawl = run_step(
        "crawl", step_args(paths, run_id="bench-full", settings=FAST_CRAWL), logs / "crawl.log"
    )
    load_args = step_args(paths, load_id="bench-load-1")
    if profile is not None:
        load_args["profile"] = str(profile)
    load = run_step("load", load_args, logs / "load.log")
    run = IngestRun(
        n=len(web.ground_truth()),
        articles_per_site=web.catalog.count("techpress"),
        expected=len(web.ground_truth()),
        crawl=crawl,
        load=load,
        stored=int(load.result.get("articles", 0)),
    )
    if noop:
        run.noop = run_step(
            "crawl", step_args(paths, run_id="bench-noop", settings=FAST_CRAWL), logs / "noop.log"
        )
    run.extra["paths"] = paths
    return run


def fetch_pages(urls: list[str]) -> dict[str, str]:
    """The HTML of each URL, fetched once with urllib (8 threads; the fixture web is local)."""

    def one(url: str) -> tuple[str, str]:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return url, resp.read().decode("utf-8", errors="replace")

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(pool.map(one, urls))


def time_trafilatura(pages: dict[str, str]) -> tuple[float, dict[str, str | None]]:
    """Plain trafilatura.extract over every page in this thread, pinned to one core: pages/s."""
    items = list(pages.items())
    trafilatura_body(items[0][1], items[0][0])  # warm-up: one-time imports are not throughput
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(previous)})  # pid 0 = this thread only
    try:
        started, cpu_started = time.perf_counter(), time.thread_time()
        bodies = {url: trafilatura_body(html, url) for url, html in items}
        elapsed = time.perf_counter() - started
        LAST_TRAFILATURA_CPU_S[0] = time.thread_time() - cpu_started
    finally:
        os.sched_setaffinity(0, previous)
    return len(items) / elapsed if elapsed else 0.0, bodies


# CPU seconds of the last `time_trafilatura` loop (its thread's own): on a shared machine its wall
# time also measures the other processes, its CPU time does not
LAST_TRAFILATURA_CPU_S = [0.0]


def stored_bodies(paths: Paths) -> dict[str, str]:
    """canonical_url -> body of every article in the published analyst copy."""
    con = connect_reader(paths.analyst_db)
    try:
        return dict(con.execute("select canonical_url, body from articles").fetchall())
    finally:
        con.close()


def body_f1(truth: dict[str, dict[str, Any]], bodies: dict[str, str | None]) -> dict[str, float]:
    """Corpus-README shingle scoring of `bodies` against the fixture's ground truth, over the URLs
    present in `bodies` (coverage is reported on its own)."""
    counts = [page_counts(truth[url]["body"], body) for url, body in bodies.items() if url in truth]
    return {**score(counts), "pages": len(counts)}


# ---- the real-page benchmark (figure 1) ---------------------------------------------------------
RUN_STEPS = ("crawl", "load", "check", "report")


@dataclass
class RealPageRun:
    """`mediawatch run` (crawl, load, check, report; each step in a child) on the real-page site,
    twice: the full run, then a run with nothing new (every sitemap 304)."""

    pages: int
    full: dict[str, StepRun]
    noop: dict[str, StepRun]
    stored: int
    paths: Paths

    @staticmethod
    def seconds(steps: dict[str, StepRun]) -> float:
        return sum(float(s.result["seconds"]) for s in steps.values())

    @property
    def peak_rss(self) -> int:
        return max(s.peak_rss for s in [*self.full.values(), *self.noop.values()])


# the fast settings, and no more requests in flight than one site's connection pool keeps: with
# CONCURRENT_REQUESTS 16 over a per-domain 8, the one-site crawl opened 84 connections for 204
# requests (each next request raced a finished connection back to the pool), with 8 it opens 8
REAL_PAGE_CRAWL = {
    **FAST_CRAWL,
    "CONCURRENT_REQUESTS": FAST_CRAWL["CONCURRENT_REQUESTS_PER_DOMAIN"],
}


def _pipeline_run(paths: Paths, run_id: str, logs: Path) -> dict[str, StepRun]:
    """The four steps of `mediawatch run`, as the CLI calls them, each in its own child."""
    steps = {}
    for step in RUN_STEPS:
        extra: dict[str, Any] = {"run_id": run_id}
        if step == "crawl":
            extra["settings"] = REAL_PAGE_CRAWL
        if step == "load":
            extra = {"load_id": f"{run_id}-load"}
        before = _children_cpu()
        steps[step] = run_step(step, step_args(paths, **extra), logs / f"{run_id}-{step}.log")
        # CPU of the step's whole process tree (every descendant was waited for: the crawl waits
        # for its extraction workers): on a shared machine the wall time also measures the others
        steps[step].result["tree_cpu_s"] = round(_children_cpu() - before, 2)
    return steps


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def prerendered_site(pages: int) -> Any:
    """The real-page site with every unique copy rendered before the timed runs. The loopback
    server shares the machine's two cores with the crawl (a real site's server does not); rendering
    each copy on request cost it ~3 ms of CPU per page, 7 % of what the crawl spends on one."""
    from mediawatch.fixture_web.realpages import RealPageSite

    class PrerenderedSite(RealPageSite):
        def start(self) -> RealPageSite:
            self.rendered = {i: RealPageSite.page(self, i) for i in self.paths.values()}
            return super().start()

        def page(self, index: int) -> bytes:
            return self.rendered[index]

    return PrerenderedSite(pages=pages)


def run_real_pages(root: Path, pages: int) -> tuple[RealPageRun, float, int, int]:
    """The real-page benchmark: (runs, plain trafilatura pages/s on one core over the same HTML,
    pages served, distinct non-empty trafilatura bodies among them)."""
    from mediawatch.fixture_web.realpages import SOURCE_NAME

    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    with prerendered_site(pages) as site:
        paths = bench_paths(root, site.write_sources(root / "sources.yaml"))
        logs = root / "logs"
        full = _pipeline_run(paths, "bench-real-1", logs)
        noop = _pipeline_run(paths, "bench-real-2", logs)
        html = fetch_pages(site.urls())
    traf_rate, bodies = time_trafilatura(html)
    distinct = len({b for b in bodies.values() if b and b.strip()})
    con = connect_reader(paths.analyst_db)
    try:
        row = con.execute("select count(*) from articles where source = ?", [SOURCE_NAME]).fetchone()
    finally:
        con.close()
    run = RealPageRun(pages, full, noop, int(row[0]) if row else 0, paths)
    return run, traf_rate, len(html), distinct
