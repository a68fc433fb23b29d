"""The extraction worker pool: real worker processes, real pages; a slow, crashing or memory-hungry
page is recorded with its reason and the pool goes on."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from datetime import UTC, datetime

import psutil
import pytest

from mediawatch.extract_pool import ExtractionPool, ExtractJob
from mediawatch.fixture_web.realpages import real_pages, unique_copy
from mediawatch.records import ARTICLE, FAILED, StagedPage
from mediawatch.sources import Source

SOURCE = Source(
    name="realpages", homepage="http://127.0.0.1/", language="en", country="US",
    crawl_interval="1h", allowed_domains=("127.0.0.1",),
)


def job(html: str, n: int) -> ExtractJob:
    return ExtractJob(
        kwargs={
            "source": SOURCE, "run_id": "r1", "url": f"http://127.0.0.1/news/{n}/a.html",
            "body": html.encode("utf-8"), "status": 200,
            "fetched_at": datetime.now(UTC).isoformat(),
        },
        content_type="text/html; charset=utf-8",
    )


def run_all(pool: ExtractionPool, jobs: list[ExtractJob], timeout: float = 120) -> list[StagedPage]:
    results: list[StagedPage] = []
    done = threading.Event()
    lock = threading.Lock()

    def back(page: StagedPage) -> None:
        with lock:
            results.append(page)
            if len(results) == len(jobs):
                done.set()

    for j in jobs:
        pool.submit(j, back)
    assert done.wait(timeout), f"only {len(results)} of {len(jobs)} pages came back"
    return results


def huge_page() -> str:
    """A legitimate but large article (2.8 MB of distinct paragraphs, under the 3 MB too_large
    bound): seconds of extraction."""
    paragraphs = "".join(
        "<p>" + " ".join(f"word{j}x{i} and the text" for i in range(50)) + "</p>\n"
        for j in range(2300)
    )
    return f"<html><head><title>Huge</title></head><body><article>{paragraphs}</article></body></html>"


def workers_of(pool: ExtractionPool | None, name: str = "mw-extract") -> list[psutil.Process]:
    """Live worker processes of this test process, forked by the zygote or not (a killed one may
    linger as a zombie); `name="mw-extract-zyg"`: the zygote."""
    workers = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and proc.name() == name:
                workers.append(proc)
        except psutil.Error:
            continue
    return workers


def test_pages_are_extracted_on_every_worker_and_none_is_lost() -> None:
    pages = [unique_copy(html, n) for n, (_, html) in enumerate(real_pages()[:12])]
    pool = ExtractionPool(workers=2, timeout_s=60)
    try:
        results = run_all(pool, [job(h, n) for n, h in enumerate(pages)])
        assert len(workers_of(pool)) == 2
    finally:
        pool.close()
    assert sorted(p.url for p in results) == sorted(f"http://127.0.0.1/news/{n}/a.html"
                                                    for n in range(12))
    assert sum(p.kind == ARTICLE for p in results) >= 10
    assert not workers_of(pool), "close() leaves no worker behind"


def test_a_page_past_the_time_limit_is_recorded_and_the_next_page_is_extracted() -> None:
    real = real_pages()[0][1]
    pool = ExtractionPool(workers=1, timeout_s=0.5)
    try:
        started = time.monotonic()
        slow, fine = run_all(pool, [job(huge_page(), 0), job(real, 1)])
        elapsed = time.monotonic() - started
    finally:
        pool.close()
    assert (slow.kind, slow.reason) == (FAILED, "extract_timeout")
    assert slow.bytes > 2_000_000 and slow.content_hash
    assert fine.kind == ARTICLE, "a fresh worker took the next page"
    assert pool.counts["extract_timeout"] == 1
    assert elapsed < 30


def busy_killer(pool: ExtractionPool, kills: int, stop: threading.Event) -> threading.Thread:
    """SIGKILLs the worker that holds the page once it has spent 0.5 s of CPU on it: the warm one,
    then (kills=2) the fresh worker that took the page over."""

    def run() -> None:
        (warm,) = workers_of(pool)
        base = warm.cpu_times().user
        while not stop.is_set() and warm.cpu_times().user < base + 0.5:
            time.sleep(0.05)
        os.kill(warm.pid, signal.SIGKILL)
        if kills < 2:
            return
        while not stop.is_set():
            fresh = [w for w in workers_of(pool) if w.pid != warm.pid]
            # past its start-up (the warm worker's CPU at the same point) and on the page
            try:
                if fresh and fresh[0].cpu_times().user > base + 0.5:
                    os.kill(fresh[0].pid, signal.SIGKILL)
                    return
            except psutil.Error:
                pass
            time.sleep(0.02)

    return threading.Thread(target=run)


@pytest.mark.parametrize("kills", [1, 2])
def test_a_worker_killed_mid_page_costs_a_retry_then_a_record_never_the_page(kills: int) -> None:
    pool = ExtractionPool(workers=1, timeout_s=120)
    stop = threading.Event()
    try:
        run_all(pool, [job(real_pages()[0][1], 0)])  # the worker is warm
        killer = busy_killer(pool, kills, stop)
        killer.start()
        (page,) = run_all(pool, [job(huge_page(), 1)])
    finally:
        stop.set()
        pool.close()
    killer.join()
    assert pool.counts["worker_restarts"] == kills
    if kills == 1:
        assert page.kind == ARTICLE, "the retry on a fresh worker extracted it"
        assert "extract_crashed" not in pool.counts
    else:
        assert (page.kind, page.reason) == (FAILED, "extract_crashed")
        assert page.bytes > 2_000_000


@pytest.mark.timeout(120)
def test_a_page_over_the_memory_bound_is_recorded_not_swollen() -> None:
    # the worker's address space after its imports, plus a little: a 3 MB page does not fit
    probe = ExtractionPool(workers=1, timeout_s=60)
    try:
        run_all(probe, [job(real_pages()[0][1], 0)])
        (worker,) = workers_of(probe)
        baseline_mb = worker.memory_info().vms // (1024 * 1024)
    finally:
        probe.close()
    pool = ExtractionPool(workers=1, timeout_s=60, memory_mb=int(baseline_mb) + 40)
    try:
        big, real = run_all(pool, [job(huge_page(), 0), job(real_pages()[1][1], 1)])
    finally:
        pool.close()
    assert (big.kind, big.reason) == (FAILED, "extract_memory")
    assert pool.counts["extract_memory"] == 1
    assert real.url.endswith("/news/1/a.html") and real.kind == ARTICLE, "a fresh worker took it"


def test_the_cached_language_model_gives_the_same_pages(tmp_path) -> None:
    """Workers with a model cache (the first pool makes the copy, the second loads it) stage every
    page exactly as workers loading py3langid's own compressed model."""
    # every language of the committed pages, not just English
    chosen = {}
    for n, (_, html) in enumerate(real_pages()):
        lang = html[:3000].lower().split("lang=", 1)[-1][:4]
        chosen.setdefault(lang, (n, html))
    jobs = [job(unique_copy(html, 1), n) for n, html in list(chosen.values())[:12]]

    def staged(model_cache: str | None) -> dict[str, str]:
        pool = ExtractionPool(workers=1, timeout_s=60, model_cache=model_cache)
        try:
            return {p.url: p.to_json() for p in run_all(pool, jobs)}
        finally:
            pool.close()

    plain = staged(None)
    cache = tmp_path / "cache"
    assert staged(str(cache)) == plain
    copies = list(cache.glob("py3langid-*.npz"))
    assert len(copies) == 1 and copies[0].stat().st_size > 1_000_000
    assert staged(str(cache)) == plain
    assert len({json.loads(line)["article"]["language"] for line in plain.values()
                if json.loads(line)["article"]}) >= 3


def test_the_page_sent_ahead_of_a_killed_worker_is_extracted_once_by_the_next() -> None:
    """A worker holds the next page in its pipe while it extracts the current one; when it is
    killed mid-page that next page was never started: it goes to the fresh worker, not counted as
    an attempt, and comes back once."""
    pool = ExtractionPool(workers=1, timeout_s=120)
    stop = threading.Event()
    try:
        run_all(pool, [job(real_pages()[0][1], 0)])  # the worker is warm
        killer = busy_killer(pool, 1, stop)
        killer.start()
        jobs = [job(huge_page(), 1), job(real_pages()[1][1], 2), job(real_pages()[2][1], 3)]
        pages = run_all(pool, jobs)
    finally:
        stop.set()
        pool.close()
    killer.join()
    assert sorted(p.url for p in pages) == [f"http://127.0.0.1/news/{n}/a.html" for n in (1, 2, 3)]
    assert all(p.kind == ARTICLE for p in pages)
    assert pool.counts["worker_restarts"] == 1
    assert [j.attempts for j in jobs] == [2, 1, 1]


def test_forked_workers_stage_what_workers_of_their_own_stage() -> None:
    """Workers forked from the warmed-up zygote (the default) and workers that each import and
    warm up themselves give the same staged pages; the forked ones are the zygote's children."""
    jobs = [job(unique_copy(html, 3), n) for n, (_, html) in enumerate(real_pages()[:8])]

    def staged(fork_workers: bool) -> dict[str, str]:
        pool = ExtractionPool(workers=2, timeout_s=60, fork_workers=fork_workers)
        try:
            pages = {p.url: p.to_json() for p in run_all(pool, jobs)}
            zygotes, workers = workers_of(pool, "mw-extract-zyg"), workers_of(pool)
            assert len(workers) == 2
            if fork_workers:
                assert len(zygotes) == 1
                assert {w.ppid() for w in workers} == {zygotes[0].pid}
            else:
                assert zygotes == []
                assert {w.ppid() for w in workers} == {os.getpid()}
            return pages
        finally:
            pool.close()
            assert not workers_of(pool) and not workers_of(pool, "mw-extract-zyg")

    assert staged(True) == staged(False)


def test_a_killed_zygote_takes_its_workers_but_no_page() -> None:
    """SIGKILL of the zygote ends the workers it forked (they die with it); their pages are
    retried on workers of a new zygote, and every page comes back once."""
    pool = ExtractionPool(workers=2, timeout_s=120)
    try:
        run_all(pool, [job(real_pages()[0][1], 0)])  # the zygote and a worker are up
        (zygote,) = workers_of(pool, "mw-extract-zyg")
        jobs = [job(huge_page(), 1), job(huge_page(), 2), job(real_pages()[1][1], 3)]
        killer = threading.Timer(1.0, os.kill, (zygote.pid, signal.SIGKILL))
        killer.start()
        pages = run_all(pool, jobs)
        killer.join()
        (new_zygote,) = workers_of(pool, "mw-extract-zyg")
    finally:
        pool.close()
    assert new_zygote.pid != zygote.pid
    assert sorted(p.url for p in pages) == [f"http://127.0.0.1/news/{n}/a.html" for n in (1, 2, 3)]
    assert all(p.kind == ARTICLE for p in pages)
    assert pool.counts["worker_restarts"] >= 1


def test_a_zygote_started_early_is_the_one_the_pool_forks_from() -> None:
    """`prestart` (a crawl process, before Scrapy's imports) starts the zygote; the pool made
    later with the same memory bound and model cache forks its workers from that one."""
    from mediawatch import extract_pool

    extract_pool.prestart(extract_pool.DEFAULT_MEMORY_MB, None)
    extract_pool.prestart(extract_pool.DEFAULT_MEMORY_MB + 1, None)  # no pool asks for this one
    try:
        time.sleep(0.5)
        pool_made = time.time()
        pool = ExtractionPool(workers=2, timeout_s=60)
        try:
            (page,) = run_all(pool, [job(real_pages()[0][1], 0)])
            zygotes = {z.pid: z for z in workers_of(pool, "mw-extract-zyg")}
            (worker,) = workers_of(pool)
            used = zygotes[worker.ppid()]
        finally:
            pool.close()
        assert page.kind == ARTICLE
        assert used.create_time() < pool_made, "the workers came from the zygote started early"
        (waiting,) = extract_pool._EARLY.values()  # for a pool with its memory bound
        assert waiting.proc.poll() is None
    finally:
        extract_pool.end_prestarted()  # what exit does with an unused one
    assert waiting.proc.poll() is not None


def test_the_forked_workers_cpu_time_is_counted_in_the_resource_usage_of_their_parents() -> None:
    """The zygote reaps its workers (they are not auto-reaped), and exits once the pool is closed:
    so the CPU the workers spent reaches this process's RUSAGE_CHILDREN, as a benchmark reads it."""
    import resource

    def children_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    before = children_cpu()
    pool = ExtractionPool(workers=2, timeout_s=60)
    try:
        run_all(pool, [job(unique_copy(html, 4), n) for n, (_, html) in enumerate(real_pages()[:8])])
        workers = workers_of(pool)
        processes = [*workers, *workers_of(pool, "mw-extract-zyg")]
        spent = sum(sum(p.cpu_times()[:2]) for p in processes)  # the zygote's start-up and all
        workers_spent = sum(sum(w.cpu_times()[:2]) for w in workers)
    finally:
        pool.close()
    assert len(processes) == 3 and workers_spent > 0.1
    assert children_cpu() - before >= 0.95 * spent
