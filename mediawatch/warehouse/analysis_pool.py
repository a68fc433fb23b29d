"""Per-article analysis of a load, spread over the machine's cores.

`analyse_rows` is the one function that turns new versions into analysis rows (mentions with
sentiment, article sentiment, MinHash signature). It is pure: same rows and watchlist in, same rows
out, whichever process runs it. `AnalysisPool` runs it in worker processes
(`python -m mediawatch.warehouse.analysis_pool`, started as plain subprocesses so that a load inside
an Airflow task, a daemonic process, may still use them) while the loader's own process reads the
next rows and writes the previous results to DuckDB.

Faults: a worker that fails to start, dies or answers garbage is not retried in a loop. Its batch is
analysed in the loader's process instead, the pool is closed for the rest of the load, and the
fault is counted (`AnalysisPool.faults`) and logged, so a broken worker costs speed, never rows.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from mediawatch.extract_pool import FramedProcess, read_frame, worker_pipes, write_frame

log = logging.getLogger(__name__)

# below this many versions a load analyses in its own process: starting workers (~1 s of imports on a
# loaded 2-core machine) costs more than it saves
MIN_POOL_VERSIONS = 300
BATCH = 100  # versions per message to a worker
STARTUP_TIMEOUT_S = 120.0
BATCH_TIMEOUT_S = 600.0  # a batch of 100 articles takes ~1 s; this only catches a hung worker

Row = dict[str, Any]
Columns = dict[str, list[Any]]
# (article_analysis columns, mentions columns): insert-ready, one list per table column. Columns,
# not one dict per row: a load's 24 mentions per article cost a dict each to build, pickle, unpickle
# and turn into a DataFrame again (1.6 dicts per stored value on the synthetic corpus)
# (article_analysis columns, mentions columns, each row's LSH band keys)
Result = tuple[Columns, Columns, list[list[str]]]
ANALYSIS_COLUMNS = ("article_id", "content_hash", "sentiment", "sentiment_label", "signature",
                    "cluster_id", "analyzed_at", "watchlist_hash")
MENTION_COLUMNS = ("article_id", "content_hash", "entity", "entity_type", "matched_text", "field",
                   "start_pos", "end_pos", "snippet", "sentence_id", "sentiment", "sentiment_label")

_watchlists: dict[tuple[str, str], Any] = {}


def analyse_rows(rows: Sequence[Row], watchlist_path: str, digest: str, now: datetime) -> Result:
    """(analysis columns, mention columns, band keys) of `rows`, in their order
    (`ANALYSIS_COLUMNS`, `MENTION_COLUMNS`; the band keys of each row's signature).

    Each row carries the columns of the loader's pending versions (article_id, content_hash, url,
    title, body, language, canonical_url, authors)."""
    from mediawatch.monitor.analysis import analyze_article
    from mediawatch.monitor.clusters import band_keys, minhash_signature
    from mediawatch.monitor.watchlist import load_watchlist
    from mediawatch.records import ArticleRecord

    watchlist = _watchlists.get((watchlist_path, digest))
    if watchlist is None:  # once per process and watchlist version (digest: its file's hash)
        watchlist = _watchlists[(watchlist_path, digest)] = load_watchlist(Path(watchlist_path))
    analysis = _empty(ANALYSIS_COLUMNS)
    mentions = _empty(MENTION_COLUMNS)
    a_id, a_hash, a_score, a_label, a_signature = (
        analysis[c].append for c in ANALYSIS_COLUMNS[:5]
    )
    m_columns = [mentions[c] for c in MENTION_COLUMNS]
    bands: list[list[str]] = []
    count = 0
    for row in rows:
        record = ArticleRecord(
            url=row["url"],
            title=row["title"],
            body=row["body"],
            language=row["language"],
            canonical_url=row["canonical_url"],
            authors=list(row["authors"] or []),
        )
        result = analyze_article(record, watchlist)
        sentiment = result.sentiment
        article_id, content_hash = row["article_id"], row["content_hash"]
        a_id(article_id)
        a_hash(content_hash)
        a_score(sentiment.score if sentiment else None)
        a_label(sentiment.label if sentiment else None)
        signature = minhash_signature(row["body"] or "")
        a_signature(signature)
        bands.append(band_keys(signature))
        count += 1
        found = result.mentions
        if not found:
            continue
        values = [
            (
                m.entity, m.entity_type, m.matched_text, m.field, m.start, m.end, m.snippet,
                m.sentence_id,
                m.sentiment.score if m.sentiment else None,
                m.sentiment.label if m.sentiment else None,
            )
            for m in found
        ]
        m_columns[0] += [article_id] * len(values)
        m_columns[1] += [content_hash] * len(values)
        for column, column_values in zip(m_columns[2:], zip(*values, strict=True), strict=True):
            column += column_values
    analysis["cluster_id"] += [None] * count
    analysis["analyzed_at"] += [now] * count
    analysis["watchlist_hash"] += [digest] * count
    return analysis, mentions, bands


def _empty(names: Sequence[str]) -> Columns:
    return {name: [] for name in names}


def pool_size(pending: int) -> int:
    """Workers for a load of `pending` new versions: one per core, none for a small load.
    MEDIAWATCH_ANALYSIS_WORKERS overrides it (0 = always in process)."""
    configured = os.environ.get("MEDIAWATCH_ANALYSIS_WORKERS")
    if configured is not None and configured.strip():
        try:
            return max(0, int(configured))
        except ValueError:
            raise ValueError(
                f"MEDIAWATCH_ANALYSIS_WORKERS={configured!r} is not a whole number; "
                "unset it or give e.g. 2 (0 analyses in the loader's own process)"
            ) from None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 0 if pending < MIN_POOL_VERSIONS or (cores or 1) < 2 else int(cores or 1)


class _Worker(FramedProcess):
    def __init__(self, watchlist_path: str, digest: str) -> None:
        super().__init__("mediawatch.warehouse.analysis_pool")
        write_frame(self.send_fd, ("init", watchlist_path, digest))

    def run(self, rows: Sequence[Row], now: datetime) -> Result:
        write_frame(self.send_fd, ("rows", list(rows), now))
        answer = read_frame(self.recv_fd, time.monotonic() + BATCH_TIMEOUT_S + STARTUP_TIMEOUT_S)
        if not (isinstance(answer, tuple) and len(answer) == 3 and answer[0] == "ok"):
            raise RuntimeError(f"analysis worker answered {str(answer)[:200]!r}")
        self.cpu = answer[2]  # the worker's CPU seconds so far
        return answer[1]


class AnalysisPool:
    """`workers` analysis processes; `map(rows, now)` analyses rows in batches across them and
    returns the results in row order. With 0 workers everything runs in the calling process."""

    def __init__(self, workers: int, watchlist_path: Path, digest: str) -> None:
        self.workers = workers
        self.watchlist_path = str(watchlist_path)
        self.digest = digest
        self.faults = 0
        self.batches_in_process = 0
        self._broken = workers <= 0
        self._local = threading.local()
        self._started: list[_Worker] = []
        self._idle: list[_Worker] = []  # started, not yet taken by an executor thread
        self._closed_cpu = 0.0
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=workers) if workers > 0 else None

    def __enter__(self) -> AnalysisPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start every worker process now (their imports then overlap with the caller's own work,
        e.g. the query that finds what to analyse) instead of on their first batch."""
        if self._broken:
            return
        with self._lock:
            missing = self.workers - len(self._started)
        for _ in range(missing):
            try:
                worker = _Worker(self.watchlist_path, self.digest)
            except Exception as exc:  # noqa: BLE001 - a worker that cannot start: analyse here
                self._fault(exc)
                return
            with self._lock:
                self._started.append(worker)
                self._idle.append(worker)

    def _worker(self) -> _Worker:
        worker = getattr(self._local, "worker", None)
        if worker is None:
            with self._lock:
                worker = self._idle.pop() if self._idle else None
            if worker is None:
                worker = _Worker(self.watchlist_path, self.digest)
                with self._lock:
                    self._started.append(worker)
            self._local.worker = worker
        return worker

    def _fault(self, exc: Exception) -> None:
        with self._lock:
            self.faults += 1
            self._broken = True
        log.warning(
            "analysis worker failed (%s); the rest of this load is analysed in the "
            "loader's own process (slower, nothing lost)", exc,
        )

    def _run(self, rows: Sequence[Row], now: datetime) -> Result:
        if not self._broken:
            try:
                return self._worker().run(rows, now)
            except Exception as exc:  # noqa: BLE001 - any worker fault: analyse here instead
                self._fault(exc)
        with self._lock:
            self.batches_in_process += 1
        return analyse_rows(rows, self.watchlist_path, self.digest, now)

    def map(self, rows: Sequence[Row], now: datetime) -> Result:
        return joined([batch() for batch in self.submit(rows, now)])

    def submit(self, rows: Sequence[Row], now: datetime) -> list[Callable[[], Result]]:
        """Start analysing `rows` on the workers, `BATCH` rows at a time; one function per batch,
        in the rows' order, waits for that batch's result. The loader submits the next chunk
        before it writes this one's batches, and writes each batch as soon as it is done, so the
        workers are not idle while it writes and little is left to write after the last batch.
        Without workers (or once they are broken) a batch is analysed here, when it is asked for."""
        batches = [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]
        if self._executor is None or self._broken:
            return [partial(self._local_batch, batch, now) for batch in batches]
        return [self._executor.submit(self._run, batch, now).result for batch in batches]

    def _local_batch(self, rows: Sequence[Row], now: datetime) -> Result:
        return analyse_rows(rows, self.watchlist_path, self.digest, now)

    @property
    def worker_cpu(self) -> float:
        """CPU seconds the workers reported (start-up included), for the node's timings."""
        return self._closed_cpu + sum(getattr(w, "cpu", 0.0) for w in self._started)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        for worker in self._started:
            self._closed_cpu += getattr(worker, "cpu", 0.0)
            worker.close()
        self._started.clear()
        self._idle.clear()


def joined(parts: Sequence[Result]) -> Result:
    """The results of consecutive batches as one."""
    analysis, mentions = _empty(ANALYSIS_COLUMNS), _empty(MENTION_COLUMNS)
    bands: list[list[str]] = []
    for a, m, b in parts:
        for name, values in a.items():
            analysis[name] += values
        for name, values in m.items():
            mentions[name] += values
        bands += b
    return analysis, mentions, bands


def _warm_up(watchlist_path: str, digest: str) -> None:
    """Import the analysis modules, load the watchlist and VADER's lexicons now, while the loader
    is still finding and reading the first rows (0.3 CPU-s that otherwise delay the first batch).
    Only caches of pure functions are filled, so no result changes."""
    from datetime import UTC

    row = {"article_id": "", "content_hash": "", "url": "https://example.invalid/warm-up",
           "canonical_url": None, "title": "Warm-up", "language": "en", "authors": None,
           "body": "The analysis worker reads this sentence once before its first batch."}
    try:
        analyse_rows([row], watchlist_path, digest, datetime.now(UTC))
    except Exception:  # noqa: BLE001 - the first real batch reports whatever is wrong
        log.debug("analysis worker warm-up failed", exc_info=True)


def main() -> int:
    """Worker loop: ("init", watchlist, digest) once, then ("rows", rows, now) -> ("ok", result)."""
    # normal priority: the loader mostly waits for these answers, and niced workers get a fraction
    # of a core on a busy machine (measured on the crawl's extraction workers)
    recv_fd, send_fd = worker_pipes()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    first = read_frame(recv_fd)
    if not (isinstance(first, tuple) and first and first[0] == "init"):
        return 2
    _, watchlist_path, digest = first
    _warm_up(watchlist_path, digest)
    while True:
        message = read_frame(recv_fd)
        if message is None:
            return 0
        _, rows, now = message
        try:
            result = analyse_rows(rows, watchlist_path, digest, now)
        except Exception as exc:  # noqa: BLE001 - reported to the loader, which redoes the batch
            write_frame(send_fd, ("error", f"{type(exc).__name__}: {exc}"))
            continue
        write_frame(send_fd, ("ok", result, time.process_time()))


if __name__ == "__main__":
    sys.exit(main())
