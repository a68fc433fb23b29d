"""`make bench`: throughput, incremental cost, memory and warehouse-scale figures, one table.

Run: `.venv/bin/python bench/run_bench.py [--n 2000] [--big-n 20000] [--scale-rows 1000000] ...`
(`--help` lists every size). Prints one table, each figure with its target and `ok` or `MISS`, and
writes the same figures plus machine info to bench/results/latest.json. Every step runs the
project's own code (`mediawatch.pipeline.crawl/load/check`, `mediawatch.report.build_report`,
`airflow dags test`), in child processes so peak RSS is that of the step alone.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(1, str(BENCH_DIR.parent))

from benchlib import FAST_CRAWL, GIB, MIB, REPO_ROOT, Figure, Results, machine_info, render_table  # noqa: E402

GROUPS = ("ingest", "peer", "incremental", "memory", "scale", "airflow", "backfill")
QUICK = {
    "real_pages": 20,
    "n": 25,
    "big_n": 50,
    "scale_rows": 3000,
    "incremental": 40,
    "peer_n": 10,
    "airflow_articles": 2,
    "backfill_pages": 8,
    "backfill_copies": 1,
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--n", type=int, default=2000, help="articles on the fixture web (5 sites) for figures 1-4"
    )
    p.add_argument(
        "--real-pages",
        type=int,
        default=2000,
        help="unique copies of the committed real pages served for figure 1 (the issue's site)",
    )
    p.add_argument(
        "--big-n",
        type=int,
        default=20000,
        help="articles for the memory-growth run (figure 4)",
    )
    p.add_argument(
        "--scale-rows", type=int, default=1_000_000, help="synthetic warehouse size (figure 5)"
    )
    p.add_argument(
        "--incremental", type=int, default=10000, help="new articles loaded into it (figure 5)"
    )
    p.add_argument(
        "--scale-growth-rows",
        type=int,
        default=None,
        help="smaller warehouse the same load also goes into, for the growth ratio "
        "(default: a quarter of --scale-rows; 0 = skip)",
    )
    p.add_argument(
        "--body-words", type=int, default=150, help="approx. body words of synthetic rows"
    )
    p.add_argument(
        "--peer-n", type=int, default=1000, help="fixture URLs given to news-please (sample)"
    )
    p.add_argument(
        "--airflow-articles",
        type=int,
        default=20,
        help="articles per site in figure 6 (as make demo)",
    )
    p.add_argument(
        "--backfill-pages", type=int, default=88, help="corpus pages in the backfill WARC (figure 7)"
    )
    p.add_argument(
        "--backfill-copies", type=int, default=3, help="copies of each page in it (figure 7)"
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--only", default=",".join(GROUPS), help=f"comma list of groups: {', '.join(GROUPS)}"
    )
    p.add_argument("--quick", action="store_true", help=f"tiny sizes for the smoke test: {QUICK}")
    p.add_argument(
        "--profile", action="store_true", help="run the loads under pyinstrument (slower)"
    )
    p.add_argument("--work", type=Path, default=REPO_ROOT / "var" / "bench", help="scratch folder")
    p.add_argument("--out", type=Path, default=BENCH_DIR / "results" / "latest.json")
    args = p.parse_args(argv)
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    args.groups = {g.strip() for g in args.only.split(",") if g.strip()}
    unknown = args.groups - set(GROUPS)
    if unknown:
        p.error(f"unknown group(s) {sorted(unknown)}; choose from {', '.join(GROUPS)}")
    return args


def guarded(results: Results, group: str, name: str, fn: Callable[[], None]) -> None:
    """Run one group; a failure becomes a row saying why instead of ending the bench."""
    started = time.perf_counter()
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - reported in the table, the other groups still run
        results.add(
            Figure(group, name, None, "", note=f"FAILED: {type(exc).__name__}: {str(exc)[:160]}")
        )
        results.details.setdefault("errors", {})[group] = traceback.format_exc()[-4000:]
    results.details.setdefault("group_seconds", {})[group] = round(time.perf_counter() - started, 1)


def per_source(paths: Any) -> str:
    """Stored articles per source, e.g. a feed-only source holds only what its feed lists."""
    from mediawatch.warehouse.db import connect_reader

    con = connect_reader(paths.analyst_db)
    try:
        rows = con.execute("select source, count(*) from articles group by 1 order by 1").fetchall()
    finally:
        con.close()
    return ", ".join(f"{source} {count}" for source, count in rows)


def mib(n: int) -> float:
    return n / MIB


def ingest_figures(args: argparse.Namespace, results: Results, state: dict[str, Any]) -> None:
    """Figures 1-3 (and the N half of 4) on one fixture web."""
    from ingest import (
        crawl_and_load,
        fetch_pages,
        start_web,
        stored_bodies,
        time_trafilatura,
    )

    web = start_web(args.n, args.seed)
    try:
        truth = web.ground_truth()
        state["pool"] = list(truth.values())
        want_noop = "incremental" in args.groups
        profile = args.work / "profile_ingest_load.txt" if args.profile else None
        run = crawl_and_load(web, args.work / "ingest", noop=want_noop, profile=profile)
        state["ingest"] = run
        crawl_s, load_s = float(run.crawl.result["seconds"]), float(run.load.result["seconds"])
        ours = run.stored / run.ingest_s if run.ingest_s else 0.0
        details = results.details.setdefault("ingest", {})
        details.update(crawl=run.crawl.result, load=run.load.result, crawl_settings=FAST_CRAWL)
        if "ingest" in args.groups:
            results.add(
                Figure(
                    "1 ingest",
                    f"crawl+load N={run.expected} (fast settings)",
                    ours,
                    "articles/s",
                    note=f"crawl {crawl_s:.1f} s + load {load_s:.1f} s for {run.stored} stored",
                )
            )
            results.add(
                Figure(
                    "1 ingest",
                    "articles stored / on fixture web",
                    run.stored,
                    "articles",
                    note=f"of {run.expected}; per source: {per_source(run.extra['paths'])}",
                )
            )
        pages = fetch_pages(sorted(truth))
        traf_rate, traf_bodies = time_trafilatura(pages)
        if "ingest" in args.groups:
            results.add(
                Figure(
                    "1 ingest",
                    "plain trafilatura.extract, 1 process 1 core",
                    traf_rate,
                    "pages/s",
                    note=f"same {len(pages)} pages' HTML, fetched once with urllib",
                )
            )
            ratio = ours / traf_rate if traf_rate else None
            results.add(
                Figure(
                    "1 ingest",
                    "ratio mediawatch ingest / trafilatura",
                    ratio,
                    "x",
                    note="generated fixture pages, crawl+load only; the target is on real pages",
                )
            )
        if "peer" in args.groups:
            peer_figures(args, results, web, truth, stored_bodies(run.extra["paths"]), traf_bodies)
        if want_noop and run.noop is not None:
            noop_s = float(run.noop.result["seconds"])
            results.add(
                Figure(
                    "3 incremental",
                    "no-op crawl / full crawl",
                    100 * noop_s / crawl_s,
                    "%",
                    "<= 5%",
                    noop_s / crawl_s <= 0.05,
                    f"{noop_s:.1f} s vs {crawl_s:.1f} s; {run.noop.result.get('requests')} requests",
                )
            )
            details["noop"] = run.noop.result
    finally:
        web.stop()


def real_page_figures(args: argparse.Namespace, results: Results) -> None:
    """Figure 1 on real pages: `mediawatch run` over unique copies of the committed real pages
    against plain single-core trafilatura on the same HTML, the run's split, the no-op run, memory
    and the stored share of distinct bodies."""
    from ingest import run_real_pages

    run, traf, served, distinct = run_real_pages(args.work / "realpages", args.real_pages)
    full_s, noop_s = run.seconds(run.full), run.seconds(run.noop)

    def split(steps: dict[str, Any]) -> str:
        return ", ".join(f"{k} {float(v.result['seconds']):.1f} s" for k, v in steps.items())

    ours = run.stored / full_s if full_s else 0.0
    ratio = ours / traf if traf else None
    stored_pct = 100 * run.stored / distinct if distinct else None
    results.details["real_pages"] = {
        "pages": served,
        "distinct_bodies": distinct,
        "stored": run.stored,
        "full": {k: v.result for k, v in run.full.items()},
        "noop": {k: v.result for k, v in run.noop.items()},
        "peak_rss_mib": {k: round(mib(v.peak_rss)) for k, v in run.full.items()},
    }
    g = "1 ingest"
    results.add(
        Figure(
            g,
            f"real pages: mediawatch run, {served} pages",
            ours,
            "articles/s",
            note=f"{run.stored} stored in {full_s:.1f} s: {split(run.full)}",
        )
    )
    from ingest import LAST_TRAFILATURA_CPU_S

    crawl = run.full["crawl"].result
    crawl_s, crawl_cpu = float(crawl["seconds"]), float(crawl.get("tree_cpu_s") or 0)
    traf_cpu_ms = 1000 * LAST_TRAFILATURA_CPU_S[0] / served if served else 0.0
    results.add(
        Figure(
            g,
            "real pages: crawl",
            served / crawl_s if crawl_s else None,
            "pages/s",
            note=f"{served} pages in {crawl_s:.1f} s using {crawl_cpu / crawl_s:.2f} cores; CPU "
            f"{1000 * crawl_cpu / served:.1f} ms/page (process tree), plain trafilatura's "
            f"{traf_cpu_ms:.1f} ms/page",
        )
    )
    results.add(
        Figure(
            g,
            "real pages: plain trafilatura.extract, 1 core",
            traf,
            "pages/s",
            note="same HTML, fetched once with urllib, one thread pinned to one core",
        )
    )
    results.add(
        Figure(
            g,
            "real pages: ratio mediawatch run / trafilatura",
            ratio,
            "x",
            ">= 1.0 (1.3)",
            None if ratio is None else ratio >= 1.0,
            "measured in the same run; 2 cores for ours, 1 for trafilatura",
        )
    )
    # the same definition for both runs: each step's own seconds (the pipeline call in its child);
    # the note adds the children's whole wall time (interpreter start-up and imports included)
    full_wall, noop_wall = (sum(s.wall_s for s in steps.values()) for steps in (run.full, run.noop))
    results.add(
        Figure(
            g,
            "real pages: run with nothing new / full run",
            100 * noop_s / full_s if full_s else None,
            "%",
            "<= 5%",
            noop_s <= 0.05 * full_s,
            f"{noop_s:.2f} s: {split(run.noop)}; step processes' wall time {noop_wall:.2f} s "
            f"of {full_wall:.1f} s ({100 * noop_wall / max(full_wall, 1e-9):.1f} %)",
        )
    )
    noop_crawl_s = float(run.noop["crawl"].result["seconds"])
    results.add(
        Figure(
            g,
            "real pages: no-op crawl / full run",
            100 * noop_crawl_s / full_s if full_s else None,
            "%",
            "<= 5%",
            noop_crawl_s <= 0.05 * full_s,
            f"{noop_crawl_s:.2f} s; {run.noop['crawl'].result.get('requests')} requests, "
            f"{run.noop['crawl'].result.get('not_modified')} answered 304",
        )
    )
    results.add(
        Figure(
            g,
            "real pages: peak RSS of a step",
            mib(run.peak_rss),
            "MiB",
            "<= 1024 MiB",
            run.peak_rss <= GIB,
            "process tree (crawl: scrapy process + extraction workers)",
        )
    )
    results.add(
        Figure(
            g,
            "real pages: stored / distinct bodies",
            stored_pct,
            "%",
            ">= 95%",
            None if stored_pct is None else stored_pct >= 95,
            f"{run.stored} of {distinct} distinct non-empty trafilatura bodies ({served} pages)",
        )
    )


def peer_figures(
    args: argparse.Namespace,
    results: Results,
    web: Any,
    truth: dict[str, Any],
    ours: dict[str, str],
    traf: dict[str, str | None],
) -> None:
    """Figure 2: news-please against the same fixture web; body F1 of all three."""
    from ingest import body_f1
    from peer import run_peer

    urls = sorted(truth)
    step = max(1, len(urls) // max(1, args.peer_n))
    sample = urls[::step][: args.peer_n]
    peer = run_peer(sample, args.work / "peer")
    mine, plain = body_f1(truth, ours), body_f1(truth, traf)
    results.details["peer"] = {
        "reason": peer.reason,
        "version": peer.version,
        "install_s": peer.install_s,
        "urls": len(sample),
        "mediawatch_f1": mine,
        "trafilatura_f1": plain,
    }
    if not peer.ok:
        results.add(
            Figure(
                "2 peer", "news-please (PyPI)", None, "articles/s", note=f"not run: {peer.reason}"
            )
        )
    else:
        got = sum(1 for b in peer.bodies.values() if b)
        installed = (
            "reused venv" if peer.install_s is None else f"installed in {peer.install_s:.0f} s"
        )
        results.add(
            Figure(
                "2 peer",
                f"news-please {peer.version} from_urls, {len(sample)} URLs",
                len(sample) / peer.seconds if peer.seconds else None,
                "articles/s",
                note=f"fetch+extract {peer.seconds:.1f} s, {got} bodies; {installed}",
            )
        )
        theirs = body_f1(truth, peer.bodies)
        results.details["peer"]["newsplease_f1"] = theirs
        results.add(
            Figure(
                "2 peer",
                "news-please body F1",
                theirs["f1"],
                "F1",
                note=f"P {theirs['precision']:.3f} R {theirs['recall']:.3f} over {theirs['pages']}",
            )
        )
    results.add(
        Figure(
            "2 peer",
            "mediawatch body F1 (stored articles)",
            mine["f1"],
            "F1",
            note=f"P {mine['precision']:.3f} R {mine['recall']:.3f} over {mine['pages']}",
        )
    )
    results.add(
        Figure(
            "2 peer",
            "plain trafilatura body F1 (same HTML)",
            plain["f1"],
            "F1",
            note=f"P {plain['precision']:.3f} R {plain['recall']:.3f} over {plain['pages']}",
        )
    )


def memory_figures(args: argparse.Namespace, results: Results, state: dict[str, Any]) -> None:
    """Figure 4: peak tree RSS of crawl and load at N (from the ingest run) and at big-N."""
    from ingest import crawl_and_load, start_web

    small = state["ingest"]
    web = start_web(args.big_n, args.seed)
    try:
        big = crawl_and_load(web, args.work / "ingest_big", noop=False)
    finally:
        web.stop()
    results.details["memory"] = {"big_crawl": big.crawl.result, "big_load": big.load.result}
    results.add(
        Figure(
            "4 memory",
            f"crawl+load big-N={big.expected}",
            big.stored / big.ingest_s,
            "articles/s",
            note=f"{big.stored} stored; crawl {big.crawl.result['seconds']:.0f} s, "
            f"load {big.load.result['seconds']:.0f} s",
        )
    )
    for step in ("crawl", "load"):
        at_n, at_big = getattr(small, step).peak_rss, getattr(big, step).peak_rss
        for label, run, n in (("N", small, small.expected), ("big-N", big, big.expected)):
            value = getattr(run, step).peak_rss
            results.add(
                Figure(
                    "4 memory",
                    f"{step} peak RSS at {label}={n}",
                    mib(value),
                    "MiB",
                    "<= 1024 MiB",
                    value <= GIB,
                    "process tree (scrapy children included)" if step == "crawl" else _load_note(run.load.result),
                )
            )
        growth = at_big / at_n if at_n else None
        results.add(
            Figure(
                "4 memory",
                f"{step} RSS growth big-N/N",
                growth,
                "x",
                "<= 1.2",
                None if growth is None else growth <= 1.2,
            )
        )


def _load_note(result: dict[str, Any]) -> str:
    """How a load was split: its builds (one per sub-load, see mediawatch.warehouse.load) and the
    loader's memory settings."""
    from mediawatch.warehouse.db import (
        MEMORY_LIMIT,
        MEMORY_LIMIT_ENV,
        PUBLISH_MEMORY_LIMIT,
        build_memory_limit,
    )
    from mediawatch.warehouse.load import BATCH_PAGES_ENV, batch_pages

    limit = os.environ.get(MEMORY_LIMIT_ENV, "").strip() or MEMORY_LIMIT
    build_limit = build_memory_limit()
    return (f"loader and analysis workers; {result.get('builds', '?')} builds "
            f"(sub-loads of at most {batch_pages()} pages, even: {BATCH_PAGES_ENV}), DuckDB memory_limit {limit}"
            + (f", {build_limit} for the builds" if build_limit else "")
            + f", {PUBLISH_MEMORY_LIMIT} for the publish")


def scale_figures(args: argparse.Namespace, results: Results, state: dict[str, Any]) -> None:
    """Figure 5: synthetic million-article warehouse, then the real load, gate, report, queries."""
    from warehouse_scale import run_scale

    pool = state.get("pool")
    if not pool:
        from ingest import start_web

        web = start_web(max(args.n, 500), args.seed)
        try:
            pool = list(web.ground_truth().values())
        finally:
            web.stop()
    profile = args.work / "profile_incremental_load.txt" if args.profile else None
    small_rows = args.scale_rows // 4 if args.scale_growth_rows is None else args.scale_growth_rows
    small = None
    if small_rows > 0:
        # the same load into a smaller warehouse, first, so both loads run in this one bench run
        small = run_scale(
            args.work / "scale-small", small_rows, args.incremental, pool, args.body_words
        )
        shutil.rmtree(args.work / "scale-small", ignore_errors=True)
    out = run_scale(
        args.work / "scale", args.scale_rows, args.incremental, pool, args.body_words, profile
    )
    built = out["built"]
    rows = sum(built["rows"].values())
    big = args.scale_rows >= 1_000_000
    results.details["scale"] = {
        "built": built,
        "load": out["load"].result,
        "noop_load": out["noop"].result,
        "check": out["check"].result,
        "queries": out["queries"],
        "peak_rss_mib": {k: round(mib(out[k].peak_rss)) for k in ("load", "noop", "check", "report")},
    }
    results.add(
        Figure(
            "5 scale",
            f"synthetic warehouse {args.scale_rows:,} articles: insert",
            rows / built["insert_s"],
            "rows/s",
            note=f"{rows:,} rows in {built['insert_s']:.0f} s (pages, analysis, "
            f"{built['rows']['analysis.mentions']:,} mentions, bands); "
            f"~{built['mean_body_words']:.0f} body words",
        )
    )
    results.add(Figure("5 scale", "full build of every model (mediawatch rebuild)", built["models_s"], "s"))
    results.add(
        Figure(
            "5 scale",
            "first publish of the analyst database (every table, once)",
            built["first_publish_s"],
            "s",
            note=f"then a second generation in {built['second_generation_s']:.1f} s (a file copy); "
            "later loads bring a free generation up to date from the change log",
        )
    )
    load = out["load"].result
    load_s = float(load["seconds"])
    load_target = 15 if big else 10
    results.add(
        Figure(
            "5 scale",
            f"incremental load {args.incremental:,} new (pipeline.load)",
            load_s,
            "s",
            f"<= {load_target} s",
            load_s <= load_target,
            f"{args.incremental / load_s:.0f} articles/s; build {load.get('build_s')} s, "
            f"publish {load.get('publish_s')} s; CPU {float(load.get('cpu_seconds') or 0):.1f} s",
        )
    )
    results.add(
        Figure(
            "5 scale",
            "incremental load: build (warehouse.build)",
            float(load.get("build_s") or 0),
            "s",
            note=f"CPU {load.get('build_cpu_s')} s; per node (wall): {load.get('build_steps_s')}",
        )
    )
    results.add(
        Figure(
            "5 scale",
            "incremental load: publish (analyst copy, crawl state)",
            float(load.get("publish_s") or 0),
            "s",
            note="a free analyst generation brought up to date from meta.changes, plus the crawl state",
        )
    )
    rss_gib = out["load"].peak_rss / GIB
    results.add(
        Figure(
            "5 scale",
            "incremental load peak RSS",
            rss_gib,
            "GiB",
            "<= 1.5 GiB" if args.scale_rows <= 200_000 else "",
            rss_gib <= 1.5 if args.scale_rows <= 200_000 else None,
        )
    )
    if small is not None:
        small_s = float(small["load"].result["seconds"])
        growth = load_s / small_s if small_s else None
        results.add(
            Figure(
                "5 scale",
                f"incremental load growth: {args.incremental:,} into {args.scale_rows:,} "
                f"vs into {small_rows:,}",
                growth,
                "x",
                "<= 1.25",
                None if growth is None else growth <= 1.25,
                f"{load_s:.2f} s vs {small_s:.2f} s (build {load.get('build_s')} s vs "
                f"{small['load'].result.get('build_s')} s)",
            )
        )
        small_cpu = float(small["load"].result.get("build_cpu_s") or 0)
        big_cpu = float(load.get("build_cpu_s") or 0)
        results.add(
            Figure(
                "5 scale",
                "incremental load growth, build CPU time only",
                big_cpu / small_cpu if small_cpu else None,
                "x",
                "<= 1.25",
                None if not small_cpu else big_cpu / small_cpu <= 1.25,
                f"{big_cpu:.1f} s vs {small_cpu:.1f} s CPU; wall figures on a shared machine are noisy",
            )
        )
        results.details["scale_small_load"] = small["load"].result
    noop_s = float(out["noop"].result["seconds"])
    results.add(
        Figure(
            "5 scale",
            "load with nothing new (pipeline.load)",
            noop_s,
            "s",
            "<= 1 s",
            noop_s <= 1,
            f"models built: {out['noop'].result.get('models_built')}; "
            f"CPU {float(out['noop'].result.get('cpu_seconds') or 0):.2f} s",
        )
    )
    check_s = float(out["check"].result["seconds"])
    results.add(
        Figure(
            "5 scale",
            "quality gate (checks.run_gate)",
            check_s,
            "s",
            "<= 5 s",
            check_s <= 5,
            f"passed={out['check'].result.get('passed')}",
        )
    )
    report_s = float(out["report"].result["seconds"])
    results.add(
        Figure(
            "5 scale",
            "daily report (report.build_report)",
            report_s,
            "s",
            "<= 2 s",
            report_s <= 2,
        )
    )
    for label, q in out["queries"].items():
        target = 0.3 if "full-text" in label else 1
        results.add(
            Figure(
                "5 scale",
                f"query: {label}",
                q["median_s"],
                "s",
                f"<= {target} s",
                q["median_s"] <= target,
                f"median of 3; first {q['first_s']:.2f} s; {q['rows']} rows",
            )
        )


def airflow_figures(args: argparse.Namespace, results: Results, state: dict[str, Any]) -> None:
    """Figure 6: both DAGs under `airflow dags test` vs `mediawatch run`, same fixture web."""
    from airflow_cycle import run_cycle
    from ingest import start_web

    web = start_web(args.airflow_articles * 5, args.seed)
    try:
        out = run_cycle(web, args.work / "airflow")
    finally:
        web.stop()
    results.details["airflow"] = out
    cli_s, af_s = out["cli"]["seconds"], out["airflow"]["seconds"]
    note = "; ".join(out["airflow"]["problems"]) or "polite default crawl settings on both sides"
    stored = f"articles stored: CLI {out['cli'].get('articles')}, Airflow {out['airflow'].get('articles')}"
    results.add(
        Figure(
            "6 airflow",
            f"mediawatch run ({args.airflow_articles}/site)",
            cli_s,
            "s",
            note=f"{note}; {stored}",
        )
    )
    results.add(
        Figure(
            "6 airflow",
            "airflow dags test crawl + process",
            af_s,
            "s",
            note=f"crawl {out['mediawatch_crawl']['seconds']:.0f} s + "
            f"process {out['mediawatch_process']['seconds']:.0f} s",
        )
    )
    results.add(
        Figure(
            "6 airflow",
            "Airflow overhead (difference)",
            af_s - cli_s,
            "s",
            note=f"{af_s / cli_s:.2f}x the CLI's wall time" if cli_s else "",
        )
    )


def backfill_figures(args: argparse.Namespace, results: Results, state: dict[str, Any]) -> None:
    """Figure 7: `mediawatch backfill` on a WARC of the corpus pages vs plain single-core extraction."""
    from backfill import run_backfill_bench

    out = run_backfill_bench(args.work / "backfill", args.backfill_pages, args.backfill_copies)
    results.details["backfill"] = out
    traf = out["plain"]["trafilatura"]
    one, two = out["backfill_1"], out["backfill_2"]
    results.add(Figure("7 backfill", "plain trafilatura.extract, 1 core", traf, "records/s",
                       note=f"same HTML; {out['what']} x {args.backfill_copies}"))
    results.add(Figure("7 backfill", "mediawatch extract_article, 1 core",
                       out["plain"]["extract_article"], "records/s", note="extraction alone"))
    results.add(Figure("7 backfill", "backfill 1 worker, 1 core", one["records_per_s"], "records/s",
                       note=f"{one['records']} records ({out['warc_bytes'] / MIB:.1f} MiB WARC), "
                            f"{one['articles']} articles staged in {one['seconds']:.1f} s"))
    results.add(Figure("7 backfill", "backfill --workers 2", two["records_per_s"], "records/s",
                       note=f"{two['seconds']:.1f} s incl. {two['pool_start_s']:.1f} s pool start-up; "
                            f"{two['records_per_s_after_start']:.1f} records/s after it"))
    ratio = two["records_per_s"] / traf if traf else None
    results.add(Figure("7 backfill", "ratio backfill (2 workers) / trafilatura", ratio, "x",
                       ">= 1.0", None if ratio is None else ratio >= 1.0,
                       f"1 worker: {one['records_per_s'] / traf:.2f}x" if traf else ""))


def compile_project() -> None:
    """Write the project's bytecode before timing anything (`make venv` does too): every step runs
    in a fresh process, and where Python may not write bytecode itself (PYTHONDONTWRITEBYTECODE,
    as on the machines this project is developed on) each of them compiled the project again,
    0.3 s of a run with nothing new. Only files changed since their bytecode are compiled."""
    import compileall

    for folder in ("mediawatch", "spiders", "dags", "bench"):
        compileall.compile_dir(str(REPO_ROOT / folder), quiet=1)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    compile_project()
    started = time.perf_counter()
    args.work.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    results = Results()
    state: dict[str, Any] = {}
    if "ingest" in args.groups:
        guarded(results, "1 ingest", "real-page run", lambda: real_page_figures(args, results))
    needs_ingest = args.groups & {"ingest", "peer", "incremental", "memory"}
    if needs_ingest:
        guarded(results, "1 ingest", "ingest run", lambda: ingest_figures(args, results, state))
    if "memory" in args.groups and "ingest" in state:
        guarded(results, "4 memory", "memory run", lambda: memory_figures(args, results, state))
    if "scale" in args.groups:
        guarded(results, "5 scale", "warehouse scale", lambda: scale_figures(args, results, state))
    if "airflow" in args.groups:
        guarded(
            results, "6 airflow", "airflow cycle", lambda: airflow_figures(args, results, state)
        )
    if "backfill" in args.groups:
        guarded(results, "7 backfill", "backfill", lambda: backfill_figures(args, results, state))
    total = time.perf_counter() - started
    results.details["total_seconds"] = round(total, 1)
    results.details["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results.details["sizes"] = {
        k: getattr(args, k)
        for k in (
            "n",
            "big_n",
            "scale_rows",
            "incremental",
            "body_words",
            "peer_n",
            "airflow_articles",
            "backfill_pages",
            "backfill_copies",
        )
    }
    print(
        f"mediawatch bench: {machine['cores']} cores, {machine['ram_gib']} GiB, {machine['cpu_model']}, "
        f"Python {machine['python']}, {machine['date_utc']}, commit {machine['git_commit']}"
    )
    print(
        "crawl settings for the local fixture web (figures 1-4): "
        + ", ".join(f"{k}={v}" for k, v in FAST_CRAWL.items())
        + " (the real-page crawl also CONCURRENT_REQUESTS=8)"
        + "; figure 6 uses the polite defaults"
    )
    # the figures are written first: a long run's numbers survive a bug in the table below
    args.out.parent.mkdir(parents=True, exist_ok=True)
    command = [
        Path(sys.executable).name,
        "bench/run_bench.py",
        *(argv if argv is not None else sys.argv[1:]),
    ]
    args.out.write_text(json.dumps(results.to_json(machine, command), indent=1, default=str) + "\n")
    print(render_table(results.figures))
    misses = sum(1 for f in results.figures if f.verdict() == "MISS")
    failed = sum(1 for f in results.figures if f.value is None)
    print(
        f"{len(results.figures)} figures, {misses} MISS, {failed} not measured; total {total / 60:.1f} min"
    )
    print(f"written: {args.out}")
    if args.work.exists() and args.quick:
        shutil.rmtree(args.work / "scale", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
