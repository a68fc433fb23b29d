"""Read WARC and ARC files (gzipped per record or not) record by record, with byte offsets.

Every record comes with the offset of the record after it, so a backfill can checkpoint and resume
by seeking there. A damaged file (truncated, torn gzip member, garbage) is read up to the damage;
the damage is returned as data (offset and why), never raised, and a partly read record is never
yielded as if it were whole.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

__all__ = ["Damage", "WarcRecord", "iter_records"]

# a valid file may end with the blank lines that separate uncompressed records
_TRAILER_SLACK = 64


@dataclass
class WarcRecord:
    """One WARC record (ARC records are converted to WARC response records)."""

    offset: int  # where the record starts
    next_offset: int  # where the record after it starts (the resume point)
    rec_type: str  # response | revisit | request | metadata | warcinfo | resource | ...
    target_uri: str
    date: str | None  # WARC-Date (ISO 8601, UTC): when the page was captured
    record_id: str | None
    payload_digest: str | None  # WARC-Payload-Digest, or sha256 of the payload we read
    status: int | None  # HTTP status (None for records without HTTP headers)
    headers: dict[str, str]  # HTTP headers, lower-case names
    body: bytes | None  # the HTTP payload (chunked/content encodings removed); None if not read
    too_large: bool = False  # the payload is over the size limit (body is None)
    skip: str | None = None  # set by the caller's `want_body` when it declines the payload


@dataclass
class Damage:
    """Where and why reading a file stopped before its end."""

    offset: int
    error: str
    bytes_unread: int


# which payloads to read, judged on a record whose body is not read yet
WantBody = Callable[[WarcRecord], bool]


def iter_records(
    path: Path,
    start: int = 0,
    damage: list[Damage] | None = None,
    want_body: WantBody | None = None,
    max_body: int = 10 * 1024 * 1024,
) -> Iterator[WarcRecord]:
    """The records of `path` from byte `start` (a record boundary from `next_offset`), in order.

    Only payloads `want_body` accepts are read into memory (default: all), at most `max_body` bytes
    each (a larger one is marked `too_large`). Damage found on the way is appended to `damage` (one entry at most: reading stops there)."""
    size = path.stat().st_size
    next_offset = start
    problem: str | None = None
    with path.open("rb") as handle:
        handle.seek(_skip_blank_lines(handle, start))
        iterator = ArchiveIterator(handle, arc2warc=True, ensure_http_headers=False)
        try:
            for record in iterator:
                item = _to_record(record)
                if want_body is None or want_body(item):
                    item.body = record.content_stream().read(max_body + 1)
                    if len(item.body) > max_body:
                        item.body, item.too_large = None, True
                    elif not item.payload_digest:
                        item.payload_digest = "sha256:" + hashlib.sha256(item.body).hexdigest()
                offset, length = iterator.get_record_offset(), iterator.get_record_length()
                if getattr(record.raw_stream, "limit", 0) > 0:
                    # the file ended inside this record: its payload is incomplete
                    problem = f"record at offset {offset} is cut short (truncated file)"
                    break
                next_offset = offset + length
                item.offset, item.next_offset = offset, next_offset
                yield item
        except Exception as exc:  # noqa: BLE001 - any parse error is damage at the current offset
            problem = f"{type(exc).__name__}: {str(exc)[:200]}"
    unread = size - next_offset
    if problem is None and unread > 0:
        with path.open("rb") as handle:
            handle.seek(next_offset)
            tail = handle.read(_TRAILER_SLACK + 1)
        if len(tail) > _TRAILER_SLACK or tail.strip():
            # warcio stops silently at a torn gzip member or unparseable bytes: the rest is lost
            problem = "unreadable bytes after the last complete record (truncated or corrupt file)"
    if problem is not None and damage is not None:
        damage.append(Damage(offset=next_offset, error=problem, bytes_unread=max(0, unread)))


def _skip_blank_lines(handle: object, start: int) -> int:
    """Uncompressed records are separated by blank lines that belong to neither record; a resume
    point may sit before them, and the parser must start on the record itself."""
    handle.seek(start)  # type: ignore[attr-defined]
    head = handle.read(_TRAILER_SLACK)  # type: ignore[attr-defined]
    return start + len(head) - len(head.lstrip(b"\r\n"))


def _status(record: object) -> int | None:
    http = record.http_headers  # type: ignore[attr-defined]
    if http is None:
        return None
    try:
        return int(http.get_statuscode() or 0)
    except ValueError:
        return 0


def _to_record(record: object) -> WarcRecord:
    """The record's headers; body and offsets are filled in by the caller."""
    rec = record.rec_headers  # type: ignore[attr-defined]
    http = record.http_headers  # type: ignore[attr-defined]
    return WarcRecord(
        offset=-1,
        next_offset=-1,
        rec_type=str(record.rec_type),  # type: ignore[attr-defined]
        target_uri=rec.get_header("WARC-Target-URI") or "",
        date=rec.get_header("WARC-Date"),
        record_id=rec.get_header("WARC-Record-ID"),
        payload_digest=rec.get_header("WARC-Payload-Digest"),
        status=_status(record),
        headers={k.lower(): v for k, v in http.headers} if http is not None else {},
        body=None,
    )
