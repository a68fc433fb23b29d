"""The real-page crawl alone, once: `python bench/crawl_realpages.py [PAGES] [-s KEY=VALUE ...]`.

Serves PAGES (default 2,000) unique copies of the committed real pages on 127.0.0.1 (the loopback
server renders each copy on request, as `RealPageSite` does), runs `scrapy crawl realpages` as the
pipeline does (fast settings for the local site) and prints one line: wall time, articles/s, and
the CPU time of the scrapy process and of its extraction workers per page (sampled from /proc, so
it holds on a machine whose other work stretches the wall time). For profiling the crawl process:
`--cprofile PATH` runs it under cProfile. Work files go to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from mediawatch.config import Paths  # noqa: E402
from mediawatch.crawl import _crawl_env, _prestart  # noqa: E402
from mediawatch.fixture_web.realpages import RealPageSite  # noqa: E402

FAST = ["AUTOTHROTTLE_ENABLED=False", "DOWNLOAD_DELAY=0", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]


def _sample(pid: int, cpu: dict[int, tuple[bool, float]], stop: threading.Event) -> None:
    """Last CPU time of the crawl process (True) and each of its children (False), until stop."""
    while not stop.is_set():
        try:
            root = psutil.Process(pid)
            for proc in [root, *root.children(recursive=True)]:
                try:
                    times = proc.cpu_times()
                    cpu[proc.pid] = (proc.pid == pid, times.user + times.system)
                except psutil.Error:
                    continue
        except psutil.Error:
            pass
        stop.wait(0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", type=int, nargs="?", default=2000)
    parser.add_argument("-s", dest="settings", action="append", default=[], help="KEY=VALUE")
    parser.add_argument("--cprofile", type=Path, help="write a cProfile of the crawl process here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mw-crawl-") as tmp, RealPageSite(args.pages) as site:
        root = Path(tmp)
        paths = Paths(
            sources=site.write_sources(root / "sources.yaml"),
            watchlist=REPO_ROOT / "watchlist.yaml",
            warehouse=root / "data" / "warehouse.duckdb",
            reports=root / "reports",
        )
        command = [sys.executable]
        if args.cprofile:
            command += ["-m", "cProfile", "-o", str(args.cprofile)]
        command += ["-m", "spiders.scrapy_cli", "crawl", "realpages", "-s", "MEDIAWATCH_RUN_ID=r1"]
        for pair in [*FAST, *args.settings]:
            command += ["-s", pair]
        cpu: dict[int, tuple[bool, float]] = {}
        stop = threading.Event()
        started = time.perf_counter()
        proc = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=_crawl_env(paths, _prestart(paths, ["realpages"], {})),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        sampler = threading.Thread(target=_sample, args=(proc.pid, cpu, stop))
        sampler.start()
        code = proc.wait()
        stop.set()
        sampler.join()
        wall = time.perf_counter() - started
        stats = json.loads((paths.staging_dir / "realpages" / "r1.stats.json").read_text())
    articles = int(stats["articles"]) or 1
    scrapy_cpu = sum(t for main, t in cpu.values() if main)
    workers_cpu = sum(t for main, t in cpu.values() if not main)
    print(
        f"exit {code}: {stats['articles']} articles of {args.pages} pages in {wall:.1f} s "
        f"(crawl {stats['duration_s']} s = {articles / float(stats['duration_s']):.1f} articles/s); "
        f"CPU per article: scrapy process {1000 * scrapy_cpu / articles:.1f} ms, "
        f"extraction workers {1000 * workers_cpu / articles:.1f} ms; "
        f"errors {stats['errors_by_kind']}; load average {psutil.getloadavg()[0]:.1f}"
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
