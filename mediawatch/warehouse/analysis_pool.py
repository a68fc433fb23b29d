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
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
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
Result = tuple[list[Row], list[Row], list[tuple[str, list[int]]]]

_watchlists: dict[tuple[str, str], Any] = {}


def analyse_rows(rows: Sequence[Row], watchlist_path: str, digest: str, now: datetime) -> Result:
    """(analysis rows, mention rows, [(article_id, signature)]) of `rows`, in their order.

    Each row carries the columns of the loader's pending versions (article_id, content_hash, url,
    title, body, language, canonical_url, authors)."""
    from mediawatch.monitor.analysis import analyze_article
    from mediawatch.monitor.clusters import minhash_signature
    from mediawatch.monitor.watchlist import load_watchlist
    from mediawatch.records import ArticleRecord

    watchlist = _watchlists.get((watchlist_path, digest))
    if watchlist is None:  # once per process and watchlist version (digest: its file's hash)
        watchlist = _watchlists[(watchlist_path, digest)] = load_watchlist(Path(watchlist_path))
    analysis_rows: list[Row] = []
    mention_rows: list[Row] = []
    signatures: list[tuple[str, list[int]]] = []
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
        signature = minhash_signature(row["body"] or "")
        analysis_rows.append(
            {
                "article_id": row["article_id"],
                "content_hash": row["content_hash"],
                "sentiment": sentiment.score if sentiment else None,
                "sentiment_label": sentiment.label if sentiment else None,
                "signature": signature,
                "cluster_id": None,
                "analyzed_at": now,
                "watchlist_hash": digest,
            }
        )
        mention_rows += [
            {
                "article_id": row["article_id"],
                "content_hash": row["content_hash"],
                "entity": m.entity,
                "entity_type": m.entity_type,
                "matched_text": m.matched_text,
                "field": m.field,
                "start_pos": m.start,
                "end_pos": m.end,
                "snippet": m.snippet,
                "sentence_id": m.sentence_id,
                "sentiment": m.sentiment.score if m.sentiment else None,
                "sentiment_label": m.sentiment.label if m.sentiment else None,
            }
            for m in result.mentions
        ]
        signatures.append((row["article_id"], signature))
    return analysis_rows, mention_rows, signatures


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
        import time

        write_frame(self.send_fd, ("rows", list(rows), now))
        answer = read_frame(self.recv_fd, time.monotonic() + BATCH_TIMEOUT_S + STARTUP_TIMEOUT_S)
        if not (isinstance(answer, tuple) and len(answer) == 2 and answer[0] == "ok"):
            raise RuntimeError(f"analysis worker answered {str(answer)[:200]!r}")
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
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=workers) if workers > 0 else None

    def __enter__(self) -> AnalysisPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _worker(self) -> _Worker:
        worker = getattr(self._local, "worker", None)
        if worker is None:
            worker = self._local.worker = _Worker(self.watchlist_path, self.digest)
            with self._lock:
                self._started.append(worker)
        return worker

    def _run(self, rows: Sequence[Row], now: datetime) -> Result:
        if not self._broken:
            try:
                return self._worker().run(rows, now)
            except Exception as exc:  # noqa: BLE001 - any worker fault: analyse here instead
                with self._lock:
                    self.faults += 1
                    self._broken = True
                log.warning(
                    "analysis worker failed (%s); the rest of this load is analysed in the "
                    "loader's own process (slower, nothing lost)", exc,
                )
        with self._lock:
            self.batches_in_process += 1
        return analyse_rows(rows, self.watchlist_path, self.digest, now)

    def map(self, rows: Sequence[Row], now: datetime) -> Result:
        return self.submit(rows, now)()

    def submit(self, rows: Sequence[Row], now: datetime) -> Callable[[], Result]:
        """Start analysing `rows` on the workers; the returned function waits for the result (in
        the rows' order). The loader submits the next chunk before it writes the last one's
        results, so the workers are not idle while it writes. Without workers (or once they are
        broken) the rows are analysed here, when the result is asked for."""
        if self._executor is None or self._broken:
            return lambda: _joined(
                [analyse_rows(rows, self.watchlist_path, self.digest, now)] if rows else []
            )
        futures = [
            self._executor.submit(self._run, rows[i : i + BATCH], now)
            for i in range(0, len(rows), BATCH)
        ]
        return lambda: _joined([future.result() for future in futures])

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        for worker in self._started:
            worker.close()
        self._started.clear()


def _joined(parts: list[Result]) -> Result:
    analysis: list[Row] = []
    mentions: list[Row] = []
    signatures: list[tuple[str, list[int]]] = []
    for a, m, s in parts:
        analysis += a
        mentions += m
        signatures += s
    return analysis, mentions, signatures


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
        write_frame(send_fd, ("ok", result))


if __name__ == "__main__":
    sys.exit(main())
