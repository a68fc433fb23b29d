"""Crawl processes end with their parent, a stale source lock is released, and a slow page is
recorded as `extract_timeout` while the crawl goes on (real crawls of real pages over loopback)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from mediawatch.crawl import crawl_source
from mediawatch.fixture_web.realpages import RealPageSite
from mediawatch.staging import SourceBusy, iter_staged_pages, lock_source, staging_files
from tests.crawl.conftest import FAST, make_paths

SLOW_PATH = "/news/999999/deadbeef.html"


def slow_page() -> str:
    """A real-looking article that needs seconds of extraction (2.8 MB of distinct paragraphs)."""
    paragraphs = "".join(
        "<p>" + " ".join(f"word{j}x{i} and the text" for i in range(50)) + "</p>\n"
        for j in range(2300)
    )
    return f"<html><head><title>Slow</title></head><body><article>{paragraphs}</article></body></html>"


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def staged(paths) -> list:
    return [page for path in staging_files(paths.staging_dir, "realpages")
            for page in iter_staged_pages(path)]


@pytest.mark.timeout(300)
def test_sigkill_of_the_parent_leaves_no_crawl_process_and_the_next_crawl_runs(tmp_path: Path):
    with RealPageSite(pages=120) as site:
        paths = make_paths(tmp_path, site.write_sources(tmp_path / "sources.yaml"))
        slow = {**FAST, "DOWNLOAD_DELAY": "0.3", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}
        parent_code = textwrap.dedent(f"""
            import sys
            from tests.crawl.conftest import make_paths
            from mediawatch.crawl import crawl_source
            from pathlib import Path
            paths = make_paths(Path({str(tmp_path)!r}), Path({str(paths.sources)!r}))
            crawl_source(paths, "realpages", "killed", {slow!r})
        """)
        parent = subprocess.Popen([sys.executable, "-c", parent_code], cwd=Path(__file__).parents[2])
        part = paths.staging_dir / "realpages" / "killed.jsonl.part"
        try:
            deadline = time.monotonic() + 120
            family: list[psutil.Process] = []
            while time.monotonic() < deadline:
                family = psutil.Process(parent.pid).children(recursive=True)
                workers = [p for p in family if "extract_worker" in " ".join(p.cmdline())]
                if len(workers) >= 2 and part.exists() and part.stat().st_size > 0:
                    break
                time.sleep(0.2)
            else:
                pytest.fail(f"the crawl never got going: {[p.cmdline() for p in family]}")
            pids = [p.pid for p in family]
            assert len(pids) >= 3, "scrapy process plus two extraction workers"
            parent.send_signal(signal.SIGKILL)
            parent.wait()
            deadline = time.monotonic() + 20
            while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
                time.sleep(0.1)
            survivors = [pid for pid in pids if alive(pid)]
        finally:
            if parent.poll() is None:
                parent.kill()
        for pid in survivors:  # never leave them behind, even when the test fails
            os.kill(pid, signal.SIGKILL)
        assert survivors == [], "children outlived their SIGKILLed parent"

        stats = crawl_source(paths, "realpages", "next", FAST)
    assert stats["articles"] > 0, "the next crawl got the lock and ran"
    pages = staged(paths)
    urls = [p.url for p in pages if p.kind == "article"]
    assert len(urls) == len(set(urls)), "each article staged once across the killed and next run"
    assert len(set(urls)) >= 110, "the killed run's pages were kept, the rest fetched next"
    killed = json.loads((paths.staging_dir / "realpages" / "killed.stats.json").read_text())
    assert killed["errors_by_kind"] == {"crashed_run": 1}


def test_a_lock_held_by_a_dead_crawls_leftover_child_is_released(tmp_path: Path):
    lock = tmp_path / "staging" / "s" / ".crawl.lock"
    lock.parent.mkdir(parents=True)
    # the "crawl" takes the lock, forks a child that inherits the descriptor, and dies
    holder = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(f"""
            import fcntl, os, time
            f = open({str(lock)!r}, "a+")
            fcntl.flock(f, fcntl.LOCK_EX)
            f.write(str(os.getpid())); f.flush()
            child = os.fork()
            if child == 0:
                os.setsid()
                devnull = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(devnull, fd)  # let the caller see EOF on its pipes
                time.sleep(300)
                os._exit(0)
            print(child, flush=True)
            os._exit(0)
        """)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    orphan = int(holder.stdout.strip())
    try:
        assert alive(orphan)
        handle = lock_source(tmp_path / "staging", "s")
        assert not alive(orphan), "the leftover holder was ended"
        assert lock.read_text().strip() == str(os.getpid())
        handle.close()
    finally:
        if alive(orphan):
            os.kill(orphan, signal.SIGKILL)


def test_a_lock_of_a_live_crawl_is_never_taken(tmp_path: Path):
    held = lock_source(tmp_path, "s")
    try:
        with pytest.raises(SourceBusy):
            lock_source(tmp_path, "s")
        assert (tmp_path / "s" / ".crawl.lock").read_text().strip() == str(os.getpid())
    finally:
        held.close()


@pytest.mark.timeout(300)
def test_a_page_past_the_extraction_time_limit_is_staged_as_extract_timeout(tmp_path: Path):
    with RealPageSite(pages=30, extra={SLOW_PATH: slow_page()}) as site:
        paths = make_paths(tmp_path, site.write_sources(tmp_path / "sources.yaml"))
        stats = crawl_source(
            paths, "realpages", "r1", {**FAST, "MEDIAWATCH_EXTRACT_TIMEOUT": "1.5"}
        )
        slow_url = site.base_url + SLOW_PATH
    assert stats["errors_by_kind"].get("extract_timeout") == 1
    by_url = {p.url: p for p in staged(paths)}
    assert (by_url[slow_url].kind, by_url[slow_url].reason) == ("failed", "extract_timeout")
    assert by_url[slow_url].bytes > 2_000_000
    assert stats["articles"] >= 28, "every other page was extracted"


@pytest.mark.timeout(300)
def test_sources_share_one_crawl_process_and_a_busy_source_fails_alone(tmp_path: Path):
    from mediawatch.crawl import crawl_all
    from mediawatch.fixture_web import FixtureWeb

    with FixtureWeb(seed=0, articles=4) as web:
        paths = make_paths(tmp_path, web.write_sources(tmp_path / "sources.yaml"))
        held = lock_source(paths.staging_dir, "techblatt")  # as if another crawl ran it
        try:
            results = {r["source"]: r for r in crawl_all(paths, "r1", settings=FAST)}
        finally:
            held.close()
    assert "another crawl of 'techblatt'" in results["techblatt"]["error"]
    others = sorted(set(results) - {"techblatt"})
    assert len(others) == 4
    assert all(results[n]["error"] is None and results[n]["articles"] > 0 for n in others)
    # each crawl writes its process id into its source lock: one process crawled all four
    pids = {(paths.staging_dir / n / ".crawl.lock").read_text().strip() for n in others}
    assert len(pids) == 1 and pids != {str(os.getpid())}


@pytest.mark.timeout(400)
def test_when_the_shared_crawl_process_dies_each_unfinished_source_is_crawled_alone(tmp_path):
    import threading

    from mediawatch.crawl import crawl_all
    from mediawatch.fixture_web import FixtureWeb

    with FixtureWeb(seed=0, articles=10) as web:
        paths = make_paths(tmp_path, web.write_sources(tmp_path / "sources.yaml"))
        slow = {**FAST, "DOWNLOAD_DELAY": "0.3", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}
        out: list = []
        runner = threading.Thread(target=lambda: out.extend(crawl_all(paths, "r1", settings=slow)))
        runner.start()
        deadline = time.monotonic() + 120
        killed = None
        while killed is None and time.monotonic() < deadline:
            for proc in psutil.Process().children(recursive=True):
                try:
                    shared = "spiders.run" in " ".join(proc.cmdline())
                except psutil.Error:
                    continue
                parts = list(paths.staging_dir.glob("*/r1.jsonl.part"))
                if shared and any(p.stat().st_size for p in parts):
                    proc.kill()
                    killed = proc.pid
            time.sleep(0.1)
        runner.join(300)
        truth = web.ground_truth()
    assert killed, "the shared crawl process never started staging"
    results = {r["source"]: r for r in out}
    assert len(results) == 5 and all(r["error"] is None for r in results.values()), results
    for source in results:
        pages = [p for path in staging_files(paths.staging_dir, source)
                 for p in iter_staged_pages(path) if p.kind == "article" and p.article]
        identities = {p.url for p in pages} | {p.article.canonical_url for p in pages}
        expected = {u for u, m in truth.items() if m["site"] == source}
        assert expected <= identities, f"{source}: every article staged by the killed or the retry run"
