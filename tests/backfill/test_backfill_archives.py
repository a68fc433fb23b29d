"""Archives as they come: truncated files, a crash mid-run, URLs behind the SSRF guard, ARC files,
a forced source and a date range."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mediawatch.backfill import backfill
from mediawatch.config import REPO_ROOT, Paths
from mediawatch.staging import iter_staged_pages
from tests.backfill.conftest import (
    ARTICLE_PAGES,
    Rec,
    article_records,
    load,
    registry_yaml,
    warehouse_rows,
    write_warc,
)


@pytest.mark.parametrize("gzip", [True, False], ids=["gz", "plain"])
def test_truncated_warc_loads_every_complete_record(paths: Paths, tmp_path: Path, gzip: bool) -> None:
    warc = write_warc(tmp_path / "cut.warc", article_records(), gzip=gzip)
    data = warc.read_bytes()
    warc.write_bytes(data[: len(data) - 700])  # the file ends inside the last record
    out = backfill(paths, [str(warc)])
    [result] = out["results"]
    assert out["articles"] == len(ARTICLE_PAGES) - 1
    assert out["damaged_inputs"] == 1
    [damage] = result["damage"]
    assert damage["bytes_unread"] > 0 and damage["offset"] < len(data) - 700
    assert load(paths)["new_versions"] == len(ARTICLE_PAGES) - 1
    assert warehouse_rows(paths, "select count(*) from articles") == [(len(ARTICLE_PAGES) - 1,)]


def many_articles(n: int) -> list[Rec]:
    """`n` distinct article records made from the real pages (a sentence added to each)."""
    records = []
    for i in range(n):
        rec = article_records()[i % len(ARTICLE_PAGES)]
        marker = f"Update {i}: the company confirmed the figures to reporters on day {i}. ".encode()
        body = rec.body.replace(b"<p>", b"<p>" + marker, 1)
        records.append(Rec(rec.url.rstrip("/") + f"-{i}/", body))
    return records


CRASH = """
import os, sys
from mediawatch import backfill as bf
from mediawatch.config import default_paths
from mediawatch.staging import StagingWriter
written = 0
original = StagingWriter.write
def write(self, page):
    global written
    original(self, page)
    written += 1
    if written == int(sys.argv[3]):
        os._exit(9)  # like a kill -9: no clean-up, no final checkpoint
StagingWriter.write = write
bf.BATCH = 4
paths = default_paths(sources=sys.argv[1], warehouse=sys.argv[2])
bf.backfill(paths, [sys.argv[4]])
"""


def test_a_crashed_backfill_resumes_from_its_checkpoint(paths: Paths, tmp_path: Path) -> None:
    warc = write_warc(tmp_path / "many.warc.gz", many_articles(14))
    crashed = subprocess.run(
        [sys.executable, "-c", CRASH, str(paths.sources), str(paths.warehouse), "10", str(warc)],
        capture_output=True, text=True, timeout=300, cwd=REPO_ROOT,
    )
    assert crashed.returncode == 9, crashed.stderr[-2000:]
    assert not list(paths.staging_dir.glob("*/*.jsonl"))  # nothing published by the crashed run
    out = backfill(paths, [str(warc)])
    [result] = out["results"]
    assert result["resumed"] is True
    assert result["records"] == 14 and out["articles"] == 14, out
    [staged] = out["staging_files"]
    urls = [page.url for page in iter_staged_pages(Path(staged))]
    assert len(urls) == len(set(urls)) == 14  # lines written after the checkpoint were cut back
    assert load(paths)["new_versions"] == 14


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving the test's folder."""
    folder = tmp_path / "www"
    folder.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(folder), **kwargs)  # type: ignore[misc]

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()


def test_warc_urls_go_through_the_ssrf_guard_and_the_size_limit(paths: Paths, served) -> None:
    hostport, folder = served
    write_warc(folder / "a.warc.gz", article_records())
    url = f"http://{hostport}/a.warc.gz"
    blocked = backfill(paths, [url])
    assert blocked["articles"] == 0
    assert "loopback" in blocked["failed_inputs"][url]
    paths.sources.write_text(registry_yaml(allowlist=[hostport]))
    too_big = backfill(paths, [url], max_download=1000)
    assert "over the limit" in too_big["failed_inputs"][url]
    fetched = backfill(paths, [url])
    assert fetched["failed_inputs"] == {} and fetched["articles"] == len(ARTICLE_PAGES)
    assert fetched["results"][0]["input"] == url


_ARC_VERSION = b"1 0 test\nURL IP-address Archive-date Content-type Archive-length\n"
ARC_HEADER = (f"filedesc://test.arc 0.0.0.0 20250210080000 text/plain {len(_ARC_VERSION)}\n".encode()
              + _ARC_VERSION + b"\n")


def arc_file(path: Path) -> Path:
    """An ARC (v1) file of the article pages: the format older archives (and CC before 2013) use."""
    parts = [ARC_HEADER]
    for url, page in ARTICLE_PAGES.items():
        http = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + page.read_bytes()
        parts.append(f"{url} 93.184.216.34 20250210080000 text/html {len(http)}\n".encode())
        parts.append(http + b"\n")
    path.write_bytes(b"".join(parts))
    return path


def test_arc_files_are_read_too(paths: Paths, tmp_path: Path) -> None:
    out = backfill(paths, [str(arc_file(tmp_path / "old.arc"))])
    assert out["articles"] == len(ARTICLE_PAGES), {k: v for k, v in out["skipped"].items() if v}
    assert out["damaged_inputs"] == 0


def test_source_option_stages_every_html_record_for_that_source(paths: Paths, tmp_path: Path) -> None:
    foreign = [Rec(url.replace(".example", ".mirror.test"), rec.body)
               for url, rec in zip(ARTICLE_PAGES, article_records(), strict=True)]
    warc = write_warc(tmp_path / "mirror.warc.gz", foreign)
    by_host = backfill(paths, [str(warc)])
    assert by_host["articles"] == 0 and by_host["skipped"]["out_of_scope"] == len(foreign)
    forced = backfill(paths, [str(warc)], source="other")
    assert forced["articles"] == len(foreign)
    assert {Path(f).parent.name for f in forced["staging_files"]} == {"other"}


def test_date_range_is_by_capture_time(paths: Paths, tmp_path: Path) -> None:
    days = ["2025-01-31T23:59:59Z", "2025-02-01T00:00:00Z", "2025-02-28T23:59:59Z",
            "2025-03-01T00:00:00Z"]
    records = [Rec(rec.url, rec.body, date=day) for rec, day in zip(article_records(), days, strict=True)]
    warc = write_warc(tmp_path / "dated.warc.gz", records)
    out = backfill(paths, [str(warc)], since="2025-02-01", until="2025-02-28")
    assert out["articles"] == 2 and out["skipped"]["out_of_date_range"] == 2
    pages = [p for f in out["staging_files"] for p in iter_staged_pages(Path(f))]
    assert sorted(p.fetched_at[:10] for p in pages) == ["2025-02-01", "2025-02-28"]
    assert json.loads(json.dumps(out))  # the summary is plain JSON


def test_every_redirect_hop_is_checked(paths: Paths, tmp_path: Path) -> None:
    from support import CountingListener

    with CountingListener("127.0.0.2") as internal:
        target = f"http://127.0.0.2:{internal.port}/secret.warc.gz"

        class Redirect(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                self.send_response(302)
                self.send_header("Location", target)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            hostport = f"127.0.0.1:{server.server_address[1]}"
            paths.sources.write_text(registry_yaml(allowlist=[hostport]))  # only the first hop
            url = f"http://{hostport}/a.warc.gz"
            out = backfill(paths, [url])
        finally:
            server.shutdown()
            server.server_close()
        assert "127.0.0.2" in out["failed_inputs"][url] and "loopback" in out["failed_inputs"][url]
        assert internal.accepted == 0  # the redirect target was never contacted


def test_payloads_sent_gzipped_and_chunked_are_decoded(paths: Paths, tmp_path: Path) -> None:
    import gzip as gz

    records = article_records()
    packed = gz.compress(records[0].body)
    chunked = b"".join(
        f"{len(part):x}\r\n".encode() + part + b"\r\n"
        for part in (records[1].body[i : i + 1000] for i in range(0, len(records[1].body), 1000))
    ) + b"0\r\n\r\n"
    warc = write_warc(tmp_path / "encoded.warc.gz", [
        Rec(records[0].url, packed, extra_headers=(("Content-Encoding", "gzip"),)),
        Rec(records[1].url, chunked, extra_headers=(("Transfer-Encoding", "chunked"),)),
    ])
    out = backfill(paths, [str(warc)])
    assert out["articles"] == 2, {k: v for k, v in out["skipped"].items() if v}
    pages = [p for f in out["staging_files"] for p in iter_staged_pages(Path(f))]
    assert all(p.article and p.article.body and len(p.article.body) > 200 for p in pages)
