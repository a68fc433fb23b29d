"""Backfill from web archives: WARC/ARC files (CC-NEWS, our own archive, any crawler's) -> staging.

A backfill is a crawl that reads its responses from an archive instead of the web. It keeps the
HTML response records whose host belongs to a registered source (or, with `source`, every HTML
response record, staged for that source), runs the crawl's own decode and `build_staged_page`
(hence `extract_article`), and writes staging files a crawl would write: `<source>/<run_id>.jsonl`
plus `<run_id>.stats.json`, so the next `load` stores them. Nothing here opens the warehouse.

- Idempotent: a record already staged by a backfill (same URL and payload digest) is skipped; an
  article whose URL and body the warehouse already holds (`crawl_state.parquet`) or an unloaded
  staging file holds is skipped too. A changed body is staged, and the loader makes it a new
  version.
- Resumable: progress is checkpointed (`state.py`) every batch of records; a rerun after a crash
  continues from the last checkpoint under the same run id.
- Counted: every record read is staged or skipped for a reason (`SKIP_KINDS`); a damaged file is
  read up to the damage, and the damage is reported.

Work files live in `Paths.data_dir/backfill/` (state, downloads, staging files being written); a
finished staging file is moved into `Paths.staging_dir` in one rename.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from mediawatch import crawl_state
from mediawatch.backfill.fetch import DownloadError, download
from mediawatch.backfill.reader import Damage, WarcRecord, iter_records
from mediawatch.backfill.state import BackfillState, Job
from mediawatch.config import Paths
from mediawatch.records import ARTICLE, FAILED, SKIPPED, StagedPage
from mediawatch.sources import Registry, Source, load_registry
from mediawatch.staging import (
    PART_SUFFIX,
    StagingWriter,
    atomic_write_json,
    build_staged_page,
    decode_html,
    iter_staged_pages,
    stats_path,
)
from mediawatch.urls import normalize_url

__all__ = [
    "SKIP_KINDS",
    "BackfillError",
    "backfill",
    "backfill_from_params",
    "backfill_one",
    "check_params",
    "parse_when",
]

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

# why a record was not staged, in the order they are checked
SKIP_KINDS = (
    "not_response",  # request, metadata, warcinfo, resource ... records
    "revisit",  # a revisit record holds no payload of its own
    "redirect",  # HTTP 3xx
    "non_200",  # any other status but 200
    "non_html",  # images, feeds, scripts, PDFs ...
    "out_of_scope",  # host not in any registered source's allowed_domains
    "out_of_date_range",  # WARC-Date outside --since/--until
    "too_large",  # payload over the page size limit a crawl applies
    "already_backfilled",  # this URL with this payload digest was staged by an earlier backfill
    "already_stored",  # the warehouse (or an unloaded staging file) holds this URL with this body
    "duplicate",  # the same article (URL and body, or body under another URL) earlier in this run
)
HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_PAGE_BYTES = 10 * 1024 * 1024  # the crawl's page size cap
DEFAULT_MAX_DOWNLOAD = 4 * 1024**3  # a CC-NEWS file is about 1 GB
BATCH = 32  # records extracted between checkpoints
CHECKPOINT_S = 5.0  # at most this long between checkpoints


class BackfillError(RuntimeError):
    """An input cannot be backfilled (missing, blocked, too large, busy); the message says why."""


def parse_when(text: str | None, end: bool = False) -> datetime | None:
    """`2025-02-01` (a whole day: `end` means its last instant) or an ISO 8601 time, as UTC."""
    if not text:
        return None
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
            return day + timedelta(days=1) - timedelta(microseconds=1) if end else day
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BackfillError(f"{text!r} is not a date (YYYY-MM-DD) or ISO 8601 time") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def work_dir(paths: Paths) -> Path:
    """Where backfills keep their state, downloads and staging files still being written."""
    return paths.data_dir / "backfill"


@dataclass
class Options:
    """What one backfill keeps: the registry, an optional forced source, a date range."""

    registry: Registry
    source: Source | None = None
    since: datetime | None = None
    until: datetime | None = None
    workers: int = 1
    max_download: int = DEFAULT_MAX_DOWNLOAD

    def __post_init__(self) -> None:
        # host -> source, so each record costs a few dict lookups whatever the registry's size
        self._by_domain = {
            domain.lower().rstrip("."): source
            for source in self.registry.sources
            for domain in source.allowed_domains
        }

    def source_for(self, url: str) -> Source | None:
        if self.source is not None:
            return self.source
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
        labels = host.split(".")
        for i in range(len(labels) - 1):  # the longest registered domain the host is under
            found = self._by_domain.get(".".join(labels[i:]))
            if found is not None:
                return found
        return None

    def key(self, name: str) -> str:
        """One job per input and options: the same file with other options is another backfill."""
        text = json.dumps(
            [name, self.source.name if self.source else None, str(self.since), str(self.until)]
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _is_html(content_type: str | None) -> bool | None:
    """True/False from the Content-Type; None when there is none (then the body decides)."""
    if not content_type:
        return None
    return any(kind in content_type.lower() for kind in HTML_TYPES)


def _sniff_html(body: bytes) -> bool:
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<!--")) or b"<html" in head


@dataclass
class _Counts:
    records: int = 0
    staged: dict[str, int] = field(default_factory=lambda: {ARTICLE: 0, SKIPPED: 0, FAILED: 0})
    skipped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SKIP_KINDS, 0))
    payload_bytes: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"records": self.records, "staged": self.staged, "skipped": self.skipped,
                "payload_bytes": self.payload_bytes}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Counts:
        counts = cls()
        counts.records = int(data.get("records", 0))
        counts.staged.update(data.get("staged") or {})
        counts.skipped.update(data.get("skipped") or {})
        counts.payload_bytes = int(data.get("payload_bytes", 0))
        return counts


class _KnownArticles:
    """What the pipeline already holds: (URL, body hash) pairs, from the loader's crawl-state export
    (queried per batch, never loaded whole) and from staging files not loaded yet."""

    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        self.export = crawl_state.files(paths.crawl_state) or None  # base, then its deltas
        self.exported_at = crawl_state.exported_at(paths.crawl_state)
        self._con: Any = None
        self._unloaded: dict[str, set[tuple[str, str]]] = {}

    def _staged(self, source: str) -> set[tuple[str, str]]:
        if source not in self._unloaded:
            pairs: set[tuple[str, str]] = set()
            exported = self.exported_at
            folder = self.paths.staging_dir / source
            for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
                if exported is not None and path.stat().st_mtime < exported - 300:
                    continue  # loaded before the export was written: the export has it
                for page in iter_staged_pages(path):
                    if page.kind == ARTICLE and page.content_hash:
                        pairs.add((normalize_url(page.url), page.content_hash))
                        if page.article and page.article.canonical_url:
                            pairs.add((page.article.canonical_url, page.content_hash))
            self._unloaded[source] = pairs
        return self._unloaded[source]

    def holds(self, pages: list[StagedPage]) -> set[int]:
        """Indexes of `pages` whose URL or canonical URL is held with the same body hash."""
        found: set[int] = set()
        keys: list[tuple[int, str, str]] = []
        for i, page in enumerate(pages):
            identity = page.article.canonical_url if page.article else None
            for url in {normalize_url(page.url), identity or ""} - {""}:
                if (url, page.content_hash) in self._staged(page.source):
                    found.add(i)
                keys.append((i, url, page.content_hash or ""))
        if self.export is not None and keys:
            import duckdb

            if self._con is None:
                self._con = duckdb.connect(":memory:")
            try:
                # the latest fetch of each URL over the base and the deltas, as one whole export
                rows = self._con.execute(
                    f"select url, canonical_url, content_hash from ({crawl_state.read_sql([p for p in self.export if p.exists()])}) "
                    "where url in (select unnest(?)) or canonical_url in (select unnest(?))",
                    [[k[1] for k in keys], [k[1] for k in keys]],
                ).fetchall()
            except duckdb.Error as exc:
                log.warning("cannot read %s (%s): backfilling as if it were empty", self.export[0], exc)
                self.export = None
                return found
            held = {(u, h) for url, canonical, h in rows for u in (url, canonical) if u}
            found |= {i for i, url, digest in keys if (url, digest) in held}
        return found

    def close(self) -> None:
        if self._con is not None:
            self._con.close()


def _extract(task: tuple[Source, dict[str, Any]]) -> StagedPage:
    """The crawl's own staging of one response (module level: runs in worker processes too)."""
    source, fields = task
    body, content_type = fields.pop("body"), fields.pop("content_type")
    return build_staged_page(
        source=source, body=body, text=decode_html(body, content_type), **fields
    )


@contextmanager
def _job_lock(folder: Path, key: str, name: str) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = (folder / f"{key}.lock").open("w")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackfillError(f"another backfill of {name} is running; wait for it") from None
        yield
    finally:
        handle.close()


class _Run:
    """One backfill of one input file: read, filter, extract, stage, checkpoint, publish."""

    def __init__(self, paths: Paths, options: Options, state: BackfillState, name: str,
                 local: Path, pool: Any, progress: Progress | None) -> None:
        self.paths, self.options, self.state = paths, options, state
        self.name, self.local, self.pool, self.progress = name, local, pool, progress
        self.work_staging = work_dir(paths) / "staging"
        self.known = _KnownArticles(paths)
        self.writers: dict[str, StagingWriter] = {}
        self.identities: set[tuple[str, str]] = set()  # (canonical URL, body hash) in this run
        self.hashes: set[str] = set()
        self.pending: list[tuple[str, str, str]] = []  # (url, digest, source) since the checkpoint
        self.damage: list[Damage] = []
        self.checkpointed = time.monotonic()
        key = options.key(name)
        job = state.job(key)
        self.resumed = job is not None and job.status == "running"
        if job is None or not self.resumed:
            from mediawatch.pipeline import new_run_id

            job = Job(job_key=key, input=name, run_id=new_run_id("backfill"))
        self.job = job
        self.counts = _Counts.from_json(job.counts)
        if self.resumed:
            self._rewind()

    def _part(self, source: str) -> Path:
        return self.work_staging / source / f"{self.job.run_id}{PART_SUFFIX}"

    def _rewind(self) -> None:
        """Cut each `.part` back to its size at the checkpoint (later lines will be read again)
        and remember what they hold, so the run's own dedupe goes on where it stopped."""
        for part in sorted(self.work_staging.glob(f"*/{self.job.run_id}{PART_SUFFIX}")):
            keep = int(self.job.part_sizes.get(part.parent.name, 0))
            with part.open("r+b") as handle:
                handle.truncate(keep)
            for page in iter_staged_pages(part):
                self._remember(page)
        log.info("%s: resuming run %s at offset %d", self.name, self.job.run_id,
                 self.job.next_offset)

    def _remember(self, page: StagedPage) -> None:
        if page.kind == ARTICLE and page.content_hash:
            identity = page.article.canonical_url if page.article else None
            self.identities.add((identity or page.url, page.content_hash))
            self.hashes.add(page.content_hash)

    def _skip(self, record: WarcRecord) -> str | None:
        """Why a record is skipped before its payload is read, or None to read it."""
        if record.rec_type == "revisit":
            return "revisit"
        if record.rec_type != "response" or record.status is None:
            return "not_response"
        if 300 <= record.status < 400:
            return "redirect"
        if record.status != 200:
            return "non_200"
        if _is_html(record.headers.get("content-type")) is False:
            return "non_html"
        if self.options.source_for(record.target_uri) is None:
            return "out_of_scope"
        when = _when(record.date)
        since, until = self.options.since, self.options.until
        if (since or until) and (
            when is None or (since and when < since) or (until and when > until)
        ):
            return "out_of_date_range"
        return None

    def _skip_after_read(self, record: WarcRecord) -> str | None:
        if record.too_large or record.body is None:
            return "too_large"
        if _is_html(record.headers.get("content-type")) is None and not _sniff_html(record.body):
            return "non_html"
        if self.state.seen(normalize_url(record.target_uri), record.payload_digest or ""):
            return "already_backfilled"
        return None

    def run(self) -> dict[str, Any]:
        size = self.local.stat().st_size

        def want(record: WarcRecord) -> bool:
            record.skip = self._skip(record)
            return record.skip is None

        batch: list[WarcRecord] = []
        last_report = 0.0
        for record in iter_records(self.local, self.job.next_offset, self.damage, want,
                                   MAX_PAGE_BYTES):
            self.counts.records += 1
            reason = record.skip or self._skip_after_read(record)
            if reason:
                self.counts.skipped[reason] += 1
            else:
                batch.append(record)
            self.job.next_offset = record.next_offset
            # checkpoint every batch, and every few seconds through long runs of skipped records
            if len(batch) >= BATCH or time.monotonic() - self.checkpointed > CHECKPOINT_S:
                self._stage(batch)
                batch = []
            if self.progress and time.monotonic() - last_report > 0.2:
                self.progress(record.next_offset, size)
                last_report = time.monotonic()
        self._stage(batch)
        if self.progress:
            self.progress(size, size)
        return self._publish()

    def _stage(self, batch: list[WarcRecord]) -> None:
        """Extract a batch, write what is new, and checkpoint (at `job.next_offset`)."""
        tasks = []
        for record in batch:
            source = self.options.source_for(record.target_uri)
            assert source is not None and record.body is not None
            tasks.append((source, {
                "run_id": self.job.run_id,
                "url": normalize_url(record.target_uri),
                "body": record.body,
                "content_type": record.headers.get("content-type"),
                "status": record.status or 0,
                "fetched_at": (_when(record.date) or datetime.now(UTC)).isoformat(),
                "final_url": record.target_uri,
                "etag": record.headers.get("etag"),
                "last_modified": record.headers.get("last-modified"),
                "warc_file": self.name,
                "warc_record_id": record.record_id,
            }))
        if self.pool is not None and len(tasks) > 1:
            pages = self.pool.map(_extract, tasks, chunksize=max(1, len(tasks) // 8))
        else:
            pages = [_extract(task) for task in tasks]
        held = self.known.holds([p for p in pages if p.kind == ARTICLE])
        articles = iter(range(len(pages)))
        article_index = {}
        for i, page in enumerate(pages):
            if page.kind == ARTICLE:
                article_index[i] = next(articles)
        for i, (record, page) in enumerate(zip(batch, pages, strict=True)):
            self.counts.payload_bytes += len(record.body or b"")
            reason = None
            if page.kind == ARTICLE:
                identity = (page.article.canonical_url if page.article else None) or page.url
                if article_index[i] in held:
                    reason = "already_stored"
                elif (identity, page.content_hash) in self.identities or (
                    page.content_hash in self.hashes
                ):
                    reason = "duplicate"
            if reason:
                self.counts.skipped[reason] += 1
            else:
                self._writer(page.source).write(page)
                self.counts.staged[page.kind] += 1
                self._remember(page)
            # a skipped duplicate is remembered too: the next backfill need not extract it again
            self.pending.append((page.url, record.payload_digest or "", page.source))
        self._checkpoint()

    def _writer(self, source: str) -> StagingWriter:
        if source not in self.writers:
            self.writers[source] = StagingWriter(self.work_staging, source, self.job.run_id)
        return self.writers[source]

    def _checkpoint(self) -> None:
        self.job.part_sizes = {
            source: writer.part_path.stat().st_size for source, writer in self.writers.items()
        } | {k: v for k, v in self.job.part_sizes.items() if k not in self.writers}
        self.job.counts = self.counts.to_json()
        self.state.checkpoint(self.job, self.pending)
        self.pending = []
        self.checkpointed = time.monotonic()

    def _publish(self) -> dict[str, Any]:
        """Move each finished staging file into place, write its stats, mark the job done."""
        started = datetime.now(UTC)
        published = []
        sources = sorted(set(self.job.part_sizes) | set(self.writers))
        for source in sources:
            # each step can be repeated: a crash half-way through publishing resumes here
            if source in self.writers:
                self.writers[source].close()
            elif self._part(source).exists():
                StagingWriter(self.work_staging, source, self.job.run_id).close()
            done = self.work_staging / source / f"{self.job.run_id}.jsonl"
            final = self.paths.staging_dir / source / done.name
            final.parent.mkdir(parents=True, exist_ok=True)
            if done.exists():
                os.replace(done, final)
            if not final.exists():
                continue
            counts = {ARTICLE: 0, SKIPPED: 0, FAILED: 0}
            for page in iter_staged_pages(final):
                counts[page.kind] = counts.get(page.kind, 0) + 1
            atomic_write_json(
                stats_path(self.paths.staging_dir, source, self.job.run_id),
                {
                    "run_id": self.job.run_id,
                    "source": source,
                    "mode": "backfill",
                    "input": self.name,
                    "started_at": started.isoformat(),
                    "finished_at": datetime.now(UTC).isoformat(),
                    "duration_s": None,
                    "requests": 0,
                    "responses_by_status": {},
                    "articles": counts[ARTICLE],
                    "skipped": counts[SKIPPED],
                    "duplicates": 0,
                    "failed": counts[FAILED],
                    "errors_by_kind": {},
                    "bytes": 0,
                    "not_modified": 0,
                    "backfill_skipped": self.counts.skipped,
                },
            )
            published.append(str(final))
        self.writers = {}
        self.job.status = "done"
        self.job.part_sizes = {}
        self._checkpoint()
        self.known.close()
        return {
            "input": self.name,
            "run_id": self.job.run_id,
            "resumed": self.resumed,
            **self.counts.to_json(),
            "damage": [vars(d) for d in self.damage],
            "staging_files": published,
        }


def _local_input(paths: Paths, name: str, options: Options) -> Path:
    if urlsplit(name).scheme in ("http", "https"):
        try:
            return download(name, work_dir(paths) / "downloads", options.registry.allowlist,
                            options.max_download)
        except DownloadError as exc:
            raise BackfillError(str(exc)) from None
    path = Path(name).expanduser()
    if not path.is_file():
        raise BackfillError(f"{name}: no such file")
    return path.resolve()


def _input_name(name: str) -> str:
    return name if urlsplit(name).scheme in ("http", "https") else str(Path(name).expanduser().resolve())


def backfill_one(paths: Paths, name: str, options: Options, state: BackfillState | None = None,
                 pool: Any = None, progress: Progress | None = None) -> dict[str, Any]:
    """Backfill one WARC/ARC file or URL; resumes a crashed backfill of the same input and options.
    Raises BackfillError when the input cannot be read at all."""
    paths.ensure()
    own = state is None
    state = state or BackfillState(work_dir(paths) / "state.sqlite")
    try:
        name = _input_name(name)
        with _job_lock(work_dir(paths) / "locks", options.key(name), name):
            local = _local_input(paths, name, options)
            return _Run(paths, options, state, name, local, pool, progress).run()
    finally:
        if own:
            state.close()


def backfill(
    paths: Paths,
    inputs: list[str],
    source: str | None = None,
    since: str | None = None,
    until: str | None = None,
    workers: int = 1,
    max_download: int = DEFAULT_MAX_DOWNLOAD,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Backfill several inputs; one that cannot be read is reported and the others still run.
    Returns totals, per-input results and `failed_inputs` (input -> why)."""
    registry = load_registry(paths.sources)
    options = Options(
        registry=registry,
        source=registry.get(source) if source else None,
        since=parse_when(since),
        until=parse_when(until, end=True),
        workers=max(1, workers),
        max_download=max_download,
    )
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    failed: dict[str, str] = {}
    state = BackfillState(work_dir(paths) / "state.sqlite")
    pool, pool_start_s = None, 0.0
    if options.workers > 1:
        import multiprocessing

        # spawn, not fork: the caller may hold threads (progress bar, Airflow's task runner)
        context = multiprocessing.get_context("spawn")
        ready = context.Barrier(options.workers)
        pool = context.Pool(options.workers, initializer=_warm_up, initargs=(ready,))
        pool.map(abs, range(options.workers))  # returns once every worker has warmed up
        pool_start_s = time.perf_counter() - started
    try:
        for name in inputs:
            try:
                results.append(backfill_one(paths, name, options, state, pool, progress))
            except BackfillError as exc:
                log.error("%s", exc)
                failed[name] = str(exc)
    finally:
        state.close()
        if pool is not None:
            pool.close()
            pool.join()
    summary = summarize(results, failed, time.perf_counter() - started)
    summary["workers"], summary["pool_start_s"] = options.workers, round(pool_start_s, 3)
    return summary


_WARM_UP_PARAGRAPH = (
    "<p>Each worker process loads its parsers and its language model once, before the first "
    "record of the archive reaches it, so that no record of a real backfill has to wait for a "
    "cold start and the throughput measured is the throughput of extraction itself.</p>"
)
_WARM_UP_PAGE = (
    '<html><head><title>Warm-up</title><script type="application/ld+json">'
    '{"@type": "NewsArticle", "headline": "Warm-up", "datePublished": "2025-01-01T08:00:00Z"}'
    '</script></head><body><article><h1>Warm-up</h1><time datetime="2025-01-01">1 Jan</time>'
    + _WARM_UP_PARAGRAPH * 6
    + "</article></body></html>"
)


def _warm_up(ready: Any = None) -> None:
    """Pool initializer: the heavy imports and lazy models, once per worker, before any record;
    the barrier holds every worker until all are ready, so no record waits for a cold one."""
    from mediawatch.extract import extract_article

    extract_article(_WARM_UP_PAGE, "https://warm-up.invalid/2025/01/01/warm-up")
    if ready is not None:
        ready.wait(timeout=300)


def summarize(results: list[dict[str, Any]], failed: dict[str, str], seconds: float) -> dict[str, Any]:
    """Totals over inputs, for the CLI's summary line and JSON."""
    records = sum(r["records"] for r in results)
    staged = {k: sum(r["staged"].get(k, 0) for r in results) for k in (ARTICLE, SKIPPED, FAILED)}
    skipped = {k: sum(r["skipped"].get(k, 0) for r in results) for k in SKIP_KINDS}
    return {
        "inputs": len(results) + len(failed),
        "records": records,
        "articles": staged[ARTICLE],
        "staged": staged,
        "skipped": skipped,
        "damaged_inputs": sum(1 for r in results if r["damage"]),
        "failed_inputs": failed,
        "resumed_inputs": sum(1 for r in results if r["resumed"]),
        "staging_files": [f for r in results for f in r["staging_files"]],
        "seconds": round(seconds, 3),
        "records_per_s": round(records / seconds, 1) if seconds > 0 else None,
        "results": results,
    }


def check_params(params: dict[str, Any], paths: Paths | None = None) -> list[str]:
    """The inputs of a `mediawatch_backfill` run, after checking its params (a clear error for a
    bad date, an unknown source or an empty list, before any task is mapped)."""
    warcs = [str(w).strip() for w in params.get("warcs") or [] if str(w).strip()]
    if not warcs:
        raise BackfillError('no input: trigger with params {"warcs": ["/path/or/url.warc.gz"]}')
    parse_when(params.get("since") or None)
    parse_when(params.get("until") or None, end=True)
    if params.get("source") and paths is not None:
        try:
            load_registry(paths.sources).get(str(params["source"]))
        except KeyError as exc:
            raise BackfillError(str(exc).strip('"')) from None
    return warcs


def backfill_from_params(paths: Paths, warc: str, params: dict[str, Any]) -> dict[str, Any]:
    """One mapped task of `mediawatch_backfill`: backfill one input; raise if it cannot be read
    (the task fails and its retry resumes)."""
    summary = backfill(paths, [warc], source=params.get("source") or None,
                       since=params.get("since") or None, until=params.get("until") or None)
    if summary["failed_inputs"]:
        raise BackfillError("; ".join(summary["failed_inputs"].values()))
    return summary
