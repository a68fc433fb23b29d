"""The crawl's WARC archive: one gzip member per record (at our own gzip level), read back whole."""

from __future__ import annotations

import zlib
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from mediawatch.warc import KIND_HEADER, WarcArchive, iter_archived


def _members(data: bytes) -> list[bytes]:
    """The decompressed gzip members of `data`, in order."""
    members = []
    while data:
        inflate = zlib.decompressobj(zlib.MAX_WBITS + 16)
        members.append(inflate.decompress(data) + inflate.flush())
        data = inflate.unused_data
    return members


def test_records_are_separate_gzip_members_and_read_back(tmp_path: Path) -> None:
    archive = WarcArchive(tmp_path, "src", "run1")
    bodies = [f"<p>page {i} ".encode() * 2000 * i for i in range(1, 4)]
    ids = [
        archive.write_response(
            f"http://example.test/{i}",
            200,
            [("Content-Type", "text/html")],
            body,
            extra={KIND_HEADER: "article"},
        )
        for i, body in enumerate(bodies, 1)
    ]
    # each record is complete on disk as soon as it is written (a crashed crawl keeps it)
    assert len(_members(archive.path.read_bytes())) == 3
    archive.close()

    raw = archive.path.read_bytes()
    members = _members(raw)
    assert len(members) == 3
    assert all(m.startswith(b"WARC/1.") for m in members)
    assert len(raw) < sum(map(len, bodies)) / 5  # compressed, not stored
    back = list(iter_archived(archive.path))
    assert [r.record_id for r in back] == ids
    assert [r.body for r in back] == bodies
    assert {r.kind for r in back} == {"article"}
    # the digests warcio computed from the stated length match what was written
    with archive.path.open("rb") as handle:
        checked = 0
        for record in ArchiveIterator(handle, check_digests=True):
            record.content_stream().read()
            assert record.digest_checker.passed is True, record.digest_checker.problems
            checked += 1
    assert checked == 3
