"""Scaling benchmark: the fixture-web cycle on 1 and 2 Celery workers, DuckDB and DuckLake warehouses.

    .venv/bin/python bench/scaling.py [--articles 40] [--concurrency 1] [--backends duckdb,ducklake]

For each backend it starts a private distributed profile (scripts/distributed_up.sh on free ports,
PostgreSQL + Redis + Airflow CeleryExecutor), then runs the same workload (mediawatch_crawl over the
five fixture sites, then mediawatch_process) with one worker and again, from an empty warehouse and
empty shared folder, with two. It prints articles/s per configuration, the 2-vs-1 worker scaling
factor, the per-source crawl and per-article load costs measured here, and a paper estimate of the
machines needed for 10,000 sources every 15 minutes. Results also go to var/bench/scaling.json.

With the DuckDB backend the warehouse is one file that only one process may open: the writer pool
keeps one slot, so only crawls scale. Both backends put staging files on the shared folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests" / "distributed"))

from distributed_cluster import Cluster, start_fixture_web  # noqa: E402

FAST_CRAWL = "AUTOTHROTTLE_ENABLED=False,DOWNLOAD_DELAY=0,CONCURRENT_REQUESTS_PER_DOMAIN=8"
SITES = 5


def seconds(start: str | None, end: str | None) -> float:
    if not start or not end:
        return float("nan")
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def reset_data(cluster: Cluster) -> None:
    """An empty shared folder and an empty lake, so every configuration does the same work."""
    shared = Path(cluster.env["MW_SHARED"])
    shutil.rmtree(shared, ignore_errors=True)
    shared.mkdir(parents=True)
    if cluster.env["MEDIAWATCH_WAREHOUSE_BACKEND"] == "ducklake":
        cluster.psql("drop database if exists lake with (force)")
        cluster.psql("create database lake")
        Path(cluster.env["MEDIAWATCH_DUCKLAKE_DATA"]).mkdir(parents=True, exist_ok=True)


def articles_stored(cluster: Cluster) -> int:
    import duckdb

    analyst = Path(cluster.env["MEDIAWATCH_WAREHOUSE"]).with_name("warehouse_analyst.duckdb")
    with duckdb.connect(str(analyst), read_only=True) as con:
        row = con.execute("select count(*) from articles").fetchone()
    return int(row[0]) if row else 0


def settle(cluster: Cluster, timeout: float = 1200) -> None:
    """Wait until no crawl or process run is queued or running (e.g. the hourly scheduled one)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        runs = cluster.runs("mediawatch_crawl") + cluster.runs("mediawatch_process")
        if not any(r["state"] in ("queued", "running") for r in runs):
            return
        time.sleep(2)
    raise TimeoutError("runs still active")


def staged_articles(cluster: Cluster) -> int:
    """Articles the crawls staged this cycle (from their stats files), to check the warehouse against."""
    total = 0
    for stats in Path(cluster.env["MW_SHARED"]).glob("staging/*/*.stats.json"):
        total += int(json.loads(stats.read_text()).get("articles") or 0)
    return total


def one_cycle(cluster: Cluster) -> dict[str, Any]:
    """From an empty warehouse: trigger mediawatch_crawl through the REST API, wait for it and for
    the process run(s) its asset update schedules."""
    settle(cluster)
    reset_data(cluster)
    before = {r["dag_run_id"] for r in cluster.runs("mediawatch_process")}
    started = time.monotonic()
    run_id = cluster.trigger("mediawatch_crawl")
    crawl = cluster.wait_run("mediawatch_crawl", run_id, timeout=1200)
    deadline = time.time() + 1200
    while time.time() < deadline:
        new = sorted((r for r in cluster.runs("mediawatch_process") if r["dag_run_id"] not in before),
                     key=lambda r: r.get("queued_at") or "")
        if new and all(r["state"] in ("success", "failed") for r in new):
            break
        time.sleep(1)
    wall = time.monotonic() - started
    if crawl["state"] != "success" or any(r["state"] != "success" for r in new):
        raise RuntimeError(f"cycle failed: crawl {crawl['state']}, process {[r['state'] for r in new]}")
    process = new[-1]
    crawls = [t for t in cluster.task_instances("mediawatch_crawl", run_id) if t["task_id"] == "crawl"]
    loads = [t for t in cluster.task_instances("mediawatch_process", process["dag_run_id"]) if t["task_id"] == "load"]
    return {
        "wall_s": round(wall, 1),
        "crawl_run_s": round(seconds(crawl["start_date"], crawl["end_date"]), 1),
        "process_run_s": round(seconds(process["start_date"], process["end_date"]), 1),
        "crawl_task_s": [round(seconds(t["start_date"], t["end_date"]), 1) for t in crawls],
        "crawl_pools": sorted({t.get("pool", "?") for t in crawls}),
        "load_task_s": round(seconds(loads[0]["start_date"], loads[0]["end_date"]), 1) if loads else None,
    }


def run_backend(name: str, articles: int, concurrency: int) -> list[dict[str, Any]]:
    cluster = Cluster.create(
        MEDIAWATCH_WAREHOUSE_BACKEND=name,
        MEDIAWATCH_CRAWL_SETTINGS=FAST_CRAWL,
        MW_WORKER_CONCURRENCY=str(concurrency),
        MW_WRITER_SLOTS="1" if name == "duckdb" else "2",
        AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="True",
        MW_WORKERS="1",
    )
    web, registry = start_fixture_web(cluster.folder, articles)
    cluster.env["MEDIAWATCH_SOURCES"] = str(registry)
    results = []
    try:
        cluster.up()
        cluster.login()
        cluster.wait_for_dags({"mediawatch_crawl", "mediawatch_process"})
        cluster.unpause("mediawatch_process")
        cluster.unpause("mediawatch_crawl")  # starts its latest hourly run: the warm-up cycle
        cluster.wait_run("mediawatch_crawl", after=0, timeout=1200)
        cluster.wait_run("mediawatch_process", after=0, timeout=1200)
        for workers in (1, 2):
            if workers == 2:
                cluster.env["MW_WORKERS"] = "2"
                cluster.up()  # everything else is running already: this adds worker-2
            measured = one_cycle(cluster)
            stored = articles_stored(cluster)
            staged = staged_articles(cluster)
            if stored != staged:
                print(f"WARNING: {staged} articles staged by the crawls, {stored} in the warehouse", flush=True)
            measured["staged_articles"] = staged
            measured.update(backend=name, workers=workers, concurrency=concurrency, articles=stored,
                            articles_per_s=round(stored / measured["wall_s"], 2))
            print(json.dumps(measured), flush=True)
            results.append(measured)
    finally:
        web.terminate()
        if os.environ.get("MW_KEEP_CLUSTER"):  # debugging: keep data and logs, stop the processes
            cluster.down()
            print(f"kept {cluster.folder}")
        else:
            cluster.destroy()
    return results


def estimate(results: list[dict[str, Any]], articles_per_source: int) -> list[str]:
    """A paper estimate for 10,000 sources every 15 minutes, from the costs measured here."""
    crawl_costs = [s for r in results for s in r["crawl_task_s"]]
    per_source = sum(crawl_costs) / len(crawl_costs)
    load_costs = [r["load_task_s"] / r["articles"] for r in results if r["load_task_s"] and r["articles"]]
    per_article = sum(load_costs) / len(load_costs)
    sources, interval = 10_000, 15 * 60
    crawl_slots = sources * per_source / interval
    new_articles = sources * 0.5  # assumption: half a new or changed article per source per 15 min
    return [
        f"measured: {per_source:.1f} s per source crawl task ({articles_per_source} articles, incl. "
        f"~scrapy start-up), {per_article * 1000:.0f} ms per article in the load task (analysis, marts, publish)",
        f"10,000 sources / 15 min: {sources * per_source:,.0f} crawl-task-seconds per interval -> "
        f"{crawl_slots:,.0f} busy crawl slots; at 2 slots per 2-core worker (a crawl is ~1 core) "
        f"-> ~{crawl_slots / 2:,.0f} worker machines",
        f"load: ~{new_articles:,.0f} new versions per interval (0.5 per source, assumed) x "
        f"{per_article * 1000:.0f} ms = {new_articles * per_article:,.0f} s per interval on one writer "
        f"({'fits' if new_articles * per_article < interval else 'does NOT fit'} in {interval} s)",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=40, help="articles per fixture site (5 sites)")
    parser.add_argument("--concurrency", type=int, default=1, help="task slots per Celery worker")
    parser.add_argument("--backends", default="duckdb,ducklake")
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    for name in args.backends.split(","):
        results += run_backend(name.strip(), args.articles, args.concurrency)

    print(f"\n{'backend':9} {'workers':>7} {'articles':>8} {'wall s':>7} {'crawl s':>7} {'process s':>9} {'art/s':>6}")
    for r in results:
        print(f"{r['backend']:9} {r['workers']:>7} {r['articles']:>8} {r['wall_s']:>7} "
              f"{r['crawl_run_s']:>7} {r['process_run_s']:>9} {r['articles_per_s']:>6}")
    for name in {r["backend"] for r in results}:
        by_workers = {r["workers"]: r for r in results if r["backend"] == name}
        if 1 in by_workers and 2 in by_workers:
            factor = by_workers[2]["articles_per_s"] / by_workers[1]["articles_per_s"]
            crawl = by_workers[1]["crawl_run_s"] / by_workers[2]["crawl_run_s"]
            print(f"{name}: scaling factor 2 vs 1 worker: {factor:.2f} (whole cycle), {crawl:.2f} (crawl DAG)")
    for line in estimate(results, args.articles):
        print(line)
    out = REPO_ROOT / "var" / "bench" / "scaling.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
