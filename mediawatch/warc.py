"""WARC archive of raw responses, and re-extraction of staging files from it.

Every response a crawl receives is kept at `Paths.warc_dir/<source>/<run_id>.warc.gz` (warcio, one
gzip member per record), so when extraction improves, `reextract` rebuilds staging files from the
archive without touching the sites again. StagedPage.warc_file is relative to `Paths.warc_dir`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO

from isal import isal_zlib
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from mediawatch.config import Paths
from mediawatch.decode import decode_html
from mediawatch.records import ARTICLE, FAILED, SKIPPED
from mediawatch.sources import Registry, load_registry
from mediawatch.staging import (
    StagingWriter,
    atomic_write_json,
    build_staged_page,
    stats_path,
)

__all__ = ["ArchivedResponse", "WarcArchive", "iter_archived", "reextract", "warc_path"]

log = logging.getLogger(__name__)

# our own WARC headers: what the crawl knew about the response when it archived it
KIND_HEADER = "WARC-Mediawatch-Kind"  # article | feed | sitemap | section | robots
URL_HEADER = "WARC-Mediawatch-Url"  # normalised URL as requested (before redirects)
LASTMOD_HEADER = "WARC-Mediawatch-Lastmod"  # feed/sitemap lastmod that led to the page

# hop-by-hop or transfer headers that no longer describe the (decoded) body we store
_DROP_HEADERS = {"content-encoding", "transfer-encoding", "content-length", "connection"}


def warc_path(warc_dir: Path, source: str, run_id: str) -> Path:
    """Where the WARC file of one crawl run lives."""
    return warc_dir / source / f"{run_id}.warc.gz"


# gzip of the archive: the crawl archives every response on its reactor thread, and warcio's own
# (zlib level 9) cost 14 ms per 180 KB real page, as much as half an extraction. ISA-L's deflate at
# its level 1 costs 0.6 ms there (zlib level 1: 3.5 ms) for a file 18 % larger than level 9's.
WARC_GZIP_LEVEL = 1


class _GzipMembers:
    """File wrapper that writes each record as its own gzip member (what warcio's gzip=True does,
    with ISA-L at `level`, 0-3): warcio writes a record, then calls flush() once."""

    def __init__(self, out: BinaryIO, level: int) -> None:
        self.out, self.level = out, level
        self._deflate: Any = None

    def write(self, data: bytes) -> None:
        if self._deflate is None:
            self._deflate = isal_zlib.compressobj(
                self.level, isal_zlib.DEFLATED, isal_zlib.MAX_WBITS + 16
            )
        self.out.write(self._deflate.compress(data))

    def abandon(self) -> None:
        """Drop a member a failed write left unfinished."""
        self._deflate = None

    def flush(self) -> None:
        if self._deflate is not None:
            self.out.write(self._deflate.flush())
            self._deflate = None
        self.out.flush()


class WarcArchive:
    """Appends response records to one run's WARC file (one gzip member per record)."""

    def __init__(
        self, warc_dir: Path, source: str, run_id: str, level: int = WARC_GZIP_LEVEL
    ) -> None:
        self.path = warc_path(warc_dir, source, run_id)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.relative = f"{source}/{self.path.name}"
        self._handle: BinaryIO = self.path.open("ab")
        self._members = _GzipMembers(self._handle, level)
        self._writer = WARCWriter(self._members, gzip=False)

    def write_response(
        self,
        url: str,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
        extra: dict[str, str] | None = None,
    ) -> str:
        """Archive one response (body already decoded from gzip etc.) and return its record id."""
        kept = [(k, v) for k, v in headers if k.lower() not in _DROP_HEADERS]
        kept.append(("Content-Length", str(len(body))))
        http_headers = StatusAndHeaders(f"{status} -", kept, protocol="HTTP/1.1")
        record = self._writer.create_warc_record(
            url,
            "response",
            payload=BytesIO(body),
            # a known length: warcio neither spools the body to a temp file nor hashes it twice
            length=len(body),
            http_headers=http_headers,
            warc_headers_dict={k: v for k, v in (extra or {}).items() if v},
        )
        try:
            self._writer.write_record(record)  # ends with flush(): the member is complete on disk
        except BaseException:
            self._members.abandon()  # e.g. a full disk: the next record starts a member of its own
            raise
        return str(record.rec_headers.get_header("WARC-Record-ID"))

    def close(self) -> None:
        self._handle.close()


@dataclass
class ArchivedResponse:
    """One response read back from a WARC file."""

    record_id: str
    target_uri: str
    url: str  # as requested (normalised), falls back to the target URI
    kind: str | None
    lastmod: str | None
    date: str | None
    status: int
    headers: dict[str, str]
    body: bytes


def iter_archived(path: Path) -> Iterator[ArchivedResponse]:
    """The response records of one WARC file, in order; a truncated tail ends the iteration."""
    with path.open("rb") as handle:
        try:
            for record in ArchiveIterator(handle):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                rec = record.rec_headers
                target = rec.get_header("WARC-Target-URI") or ""
                yield ArchivedResponse(
                    record_id=str(rec.get_header("WARC-Record-ID")),
                    target_uri=target,
                    url=rec.get_header(URL_HEADER) or target,
                    kind=rec.get_header(KIND_HEADER),
                    lastmod=rec.get_header(LASTMOD_HEADER),
                    date=rec.get_header("WARC-Date"),
                    status=int(record.http_headers.get_statuscode() or 0),
                    headers={k.lower(): v for k, v in record.http_headers.headers},
                    body=record.content_stream().read(),
                )
        except Exception as exc:  # noqa: BLE001 - a torn archive (crashed run) keeps what is readable
            log.warning("%s: stopped reading at a damaged record (%s)", path, exc)


def _reextract_file(
    paths: Paths, registry: Registry, source_name: str, warc_file: Path
) -> Path | None:
    run_id = warc_file.name.removesuffix(".warc.gz")
    # staging files are immutable once loaded: each re-extraction gets a run id of its own
    new_run, n = f"{run_id}-reextract", 1
    while (paths.staging_dir / source_name / f"{new_run}.jsonl").exists():
        n += 1
        new_run = f"{run_id}-reextract-{n}"
    try:
        source = registry.get(source_name)
    except KeyError as exc:
        log.warning("skipping %s: %s", warc_file, exc)
        return None
    started = datetime.now(UTC)
    writer = StagingWriter(paths.staging_dir, source_name, new_run)
    counts = {ARTICLE: 0, SKIPPED: 0, FAILED: 0}
    seen: set[str] = set()
    seen_identities: set[str] = set()
    duplicates = 0
    for response in iter_archived(warc_file):
        # only final article responses are staged, once each (retries archive earlier attempts too)
        if response.kind != "article" or not 200 <= response.status < 300:
            continue
        if response.url in seen:
            continue
        seen.add(response.url)
        page = build_staged_page(
            source=source,
            run_id=new_run,
            url=response.url,
            body=response.body,
            text=decode_html(response.body, response.headers.get("content-type")),
            status=response.status,
            fetched_at=response.date or started.isoformat(),
            final_url=response.target_uri,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            lastmod=response.lastmod,
            warc_file=f"{source_name}/{warc_file.name}",
            warc_record_id=response.record_id,
        )
        if page.kind == ARTICLE and page.article is not None:
            # same rule as the crawl's dedupe: one record per canonical URL and per body
            identity = page.article.canonical_url or page.url
            if identity in seen_identities or page.content_hash in seen_identities:
                duplicates += 1
                continue
            seen_identities.update({identity, page.content_hash or identity})
        counts[page.kind] += 1
        writer.write(page)
    final = writer.close()
    finished = datetime.now(UTC)
    atomic_write_json(
        stats_path(paths.staging_dir, source_name, new_run),
        {
            "run_id": new_run,
            "source": source_name,
            "started_at": started.isoformat(),
            "finished_at": finished.isoformat(),
            "duration_s": round((finished - started).total_seconds(), 3),
            "requests": 0,
            "responses_by_status": {},
            "articles": counts[ARTICLE],
            "skipped": counts[SKIPPED],
            "duplicates": duplicates,
            "failed": counts[FAILED],
            "errors_by_kind": {},
            "bytes": 0,
            "not_modified": 0,
        },
    )
    return final


def reextract(paths: Paths, source: str | None = None, run: str | None = None) -> list[Path]:
    """Rebuild staging files from archived WARC files (all, or one source and/or run) by re-running
    extraction; each gets a new run id `<run>-reextract` (then `-reextract-2`, ...). Returns the
    new staging files."""
    registry = load_registry(paths.sources)
    folders = [paths.warc_dir / source] if source else sorted(paths.warc_dir.glob("*"))
    written = []
    for folder in folders:
        pattern = f"{run}.warc.gz" if run else "*.warc.gz"
        for warc_file in sorted(folder.glob(pattern)) if folder.is_dir() else []:
            result = _reextract_file(paths, registry, folder.name, warc_file)
            if result is not None:
                written.append(result)
    return written
