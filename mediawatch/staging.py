"""Staging files: the hand-over from a crawl to the loader.

Layout (contract with the loader): `Paths.staging_dir/<source>/<run_id>.jsonl`, one
`StagedPage.to_json()` per line, plus `<run_id>.stats.json`. A crawl appends to
`<run_id>.jsonl.part` (flushed line by line) and renames it into place when it ends; a `.part` left by
a crashed run is finalised by the next run of that source, so nothing fetched is lost.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from mediawatch.decode import decode_html  # re-exported: the one decode function lives there
from mediawatch.records import ARTICLE, FAILED, SKIPPED, StagedPage
from mediawatch.sources import Source
from mediawatch.urls import normalize_url

__all__ = [
    "SourceBusy",
    "StagingWriter",
    "lock_source",
    "atomic_write_json",
    "build_staged_page",
    "decode_html",
    "finalize_leftovers",
    "iter_staged_pages",
    "staging_files",
    "stats_path",
]

log = logging.getLogger(__name__)

PART_SUFFIX = ".jsonl.part"


def atomic_write_json(path: Path, data: Any) -> None:
    """Write JSON to `path` via a temporary file + rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1, sort_keys=True)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class SourceBusy(RuntimeError):
    """Another crawl of the same source is running (it holds the source's staging lock)."""


def lock_source(staging_dir: Path, source: str) -> IO[str]:
    """Take the per-source crawl lock (released when the returned file is closed or the process
    ends); SourceBusy when another crawl of `source` holds it. Finalising a crashed run's `.part`
    is only safe while holding it."""
    folder = staging_dir / source
    folder.mkdir(parents=True, exist_ok=True)
    lock_path = folder / ".crawl.lock"
    handle = lock_path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # held, but maybe only by a leftover child of a crawl that died: release it and retry
            from mediawatch.procs import release_stale_lock

            killed = release_stale_lock(lock_path)
            if not killed:
                raise
            log.warning("released the stale crawl lock %s (killed leftover pids %s)", lock_path,
                        killed)
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise SourceBusy(
            f"another crawl of {source!r} is running (lock {folder / '.crawl.lock'}); "
            "wait for it to finish (the lock frees itself when that process ends)"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def stats_path(staging_dir: Path, source: str, run_id: str) -> Path:
    """Where a run's stats JSON lives."""
    return staging_dir / source / f"{run_id}.stats.json"


def attempt_run_id(staging_dir: Path, source: str, run_id: str) -> str:
    """The run id this crawl attempt writes under. A retry of a crawl that already finished (the
    same Airflow run id, e.g. after a lost heartbeat) gets `<run_id>.2`, `.3`, ...: it must never
    replace a staging file the loader may not have read yet. A crashed attempt (only a `.part`
    left) keeps the id, and the retry appends to its `.part`."""
    candidate, attempt = run_id, 1
    while (staging_dir / source / f"{candidate}.jsonl").exists() or stats_path(
        staging_dir, source, candidate
    ).exists():
        attempt += 1
        candidate = f"{run_id}.{attempt}"
    return candidate


def staging_files(staging_dir: Path, source: str) -> list[Path]:
    """Finished staging files of `source`, oldest first (by name; run ids sort by time)."""
    folder = staging_dir / source
    return sorted(folder.glob("*.jsonl")) if folder.is_dir() else []


def iter_staged_pages(path: Path) -> Iterator[StagedPage]:
    """The pages of one staging file; a torn or corrupt line is logged and skipped."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                yield StagedPage.from_json(line)
            except (ValueError, TypeError) as exc:
                log.warning("%s:%d: skipping unreadable staged line (%s)", path, number, exc)


def _recovered_stats(path: Path, source: str, run_id: str) -> dict[str, Any]:
    counts = {ARTICLE: 0, SKIPPED: 0, FAILED: 0}
    for page in iter_staged_pages(path):
        counts[page.kind] = counts.get(page.kind, 0) + 1
    return {
        "run_id": run_id,
        "source": source,
        "started_at": None,
        "finished_at": None,
        "duration_s": None,
        "requests": None,
        "responses_by_status": {},
        "articles": counts[ARTICLE],
        "skipped": counts[SKIPPED],
        "duplicates": 0,
        "failed": counts[FAILED],
        "errors_by_kind": {"crashed_run": 1},
        "bytes": None,
        "not_modified": None,
    }


def finalize_leftovers(staging_dir: Path, source: str, keep: str | None = None) -> list[Path]:
    """Rename `.part` files left by crashed runs of `source` into place (dropping a torn last line)
    and give them a stats file; `keep` is the current run id, whose `.part` is left alone."""
    folder = staging_dir / source
    finished = []
    for part in sorted(folder.glob(f"*{PART_SUFFIX}")) if folder.is_dir() else []:
        run_id = part.name[: -len(PART_SUFFIX)]
        if run_id == keep:
            continue
        data = part.read_bytes()
        if data and not data.endswith(b"\n"):
            # the crash interrupted a write: keep only whole lines
            data = data[: data.rfind(b"\n") + 1]
            part.write_bytes(data)
        final = folder / f"{run_id}.jsonl"
        os.replace(part, final)
        stats = stats_path(staging_dir, source, run_id)
        if not stats.exists():
            atomic_write_json(stats, _recovered_stats(final, source, run_id))
        log.warning("finalised staging file %s left by an interrupted run", final)
        finished.append(final)
    return finished


class StagingWriter:
    """Appends staged pages of one run to `<run_id>.jsonl.part`; `close()` renames it into place."""

    def __init__(self, staging_dir: Path, source: str, run_id: str) -> None:
        self.folder = staging_dir / source
        self.folder.mkdir(parents=True, exist_ok=True)
        self.part_path = self.folder / f"{run_id}{PART_SUFFIX}"
        self.path = self.folder / f"{run_id}.jsonl"
        self.count = 0
        self._handle = self.part_path.open("a", encoding="utf-8")

    def write(self, page: StagedPage) -> None:
        """Append one page and flush, so a crash loses at most the line being written."""
        self._handle.write(page.to_json() + "\n")
        self._handle.flush()
        self.count += 1

    def close(self) -> Path:
        """Finish the file (rename `.part` into place) and return its final path."""
        if not self._handle.closed:
            self._handle.close()
            os.replace(self.part_path, self.path)
        return self.path


def looks_binary(body: bytes) -> bool:
    """True for bodies that are not text (NUL bytes or mostly control bytes near the start)."""
    head = body[:2048]
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return bool(head) and control / len(head) > 0.1


def build_staged_page(
    *,
    source: Source,
    run_id: str,
    url: str,
    body: bytes,
    text: str | None,
    status: int,
    fetched_at: str,
    final_url: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    lastmod: str | None = None,
    warc_file: str | None = None,
    warc_record_id: str | None = None,
) -> StagedPage:
    """Classify one fetched page (article / skipped / failed) by URL pattern and extraction.

    `text` is the decoded HTML (None when the response is not text). Pure apart from running
    extraction, so the crawl and `mediawatch reextract` stage the same bytes the same way.
    """
    from mediawatch.extract import extract_article  # heavy import, only where pages are staged

    page = StagedPage(
        run_id=run_id,
        source=source.name,
        url=url,
        fetched_at=fetched_at,
        kind=FAILED,
        status=status,
        final_url=final_url or url,
        content_hash=hashlib.sha256(body).hexdigest(),
        etag=etag,
        last_modified=last_modified,
        lastmod=lastmod,
        warc_file=warc_file,
        warc_record_id=warc_record_id,
        bytes=len(body),
    )
    landed = final_url or url
    if source.is_excluded(landed):
        page.kind, page.reason = SKIPPED, "not_article:url_pattern"
        return page
    if text is None or looks_binary(body):
        page.reason = "binary_content"
        return page
    record = extract_article(text, landed, site=source.extraction or source.name)
    if record.error:
        if record.error.startswith("not_article"):
            page.kind, page.reason = SKIPPED, record.error
        else:
            page.reason = f"extraction:{record.error}"
        return page
    # identity: the page's rel=canonical when it stays on the site, else the URL we landed on
    canonical = record.canonical_url
    if not canonical or not source.allows_host(canonical):
        canonical = landed
    record.canonical_url = normalize_url(canonical)
    page.kind = ARTICLE
    page.content_hash = hashlib.sha256((record.body or "").encode("utf-8")).hexdigest()
    page.article = record
    return page
