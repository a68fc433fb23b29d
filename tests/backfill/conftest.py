"""Shared pieces of the backfill tests: real article pages under their own URLs, WARCs built with
warcio, a registry with one source for those hosts, and the CLI run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from mediawatch.config import REPO_ROOT, Paths

TESTS = REPO_ROOT / "tests"
# committed real-shaped article pages, each under the URL it names as its own (rel=canonical/og:url)
ARTICLE_PAGES = {
    "https://gadgetany.example/2024/03/14/samsung-foldable-tablet/":
        TESTS / "extract" / "pages" / "wordpress_tech_news.html",
    "https://techwire.example/news/chipmakers-2nm-fabs-europe":
        TESTS / "extract" / "golden" / "generic.html",
    "https://www.macrumors.example/2025/01/20/ipad-mini-larger-battery/":
        TESTS / "extract" / "golden" / "macrumors.html",
    "https://evdaily.example/2024/05/01/hyundai-battery-plant/":
        TESTS / "monitor" / "pages" / "wordpress_related.html",
}
HOSTS = ["gadgetany.example", "techwire.example", "macrumors.example", "evdaily.example"]
CAPTURED = "2025-02-10T08:00:00Z"


def registry_yaml(allowlist: list[str] | None = None) -> str:
    lines = [
        "version: 1",
        "sources:",
        "  - name: archive",
        "    homepage: https://gadgetany.example/",
        f"    allowed_domains: [{', '.join(HOSTS)}]",
        "    feeds: [https://gadgetany.example/feed/]",
        "    language: en",
        "    country: US",
        "    crawl_interval: 1h",
        "  - name: other",
        "    homepage: https://other.example/",
        "    allowed_domains: [other.example]",
        "    feeds: [https://other.example/feed/]",
        "    language: en",
        "    country: US",
        "    crawl_interval: 1h",
    ]
    if allowlist:
        lines += ["network:", "  allowlist:"] + [f"    - '{entry}'" for entry in allowlist]
    return "\n".join(lines) + "\n"


@dataclass
class Rec:
    """One record to write: a response unless `rec_type` says otherwise."""

    url: str
    body: bytes = b""
    status: str = "200 OK"
    content_type: str | None = "text/html; charset=utf-8"
    rec_type: str = "response"
    date: str = CAPTURED
    extra_headers: tuple[tuple[str, str], ...] = ()


def write_warc(path: Path, records: list[Rec], gzip: bool = True) -> Path:
    """A WARC file written with warcio (one gzip member per record when gzipped)."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=gzip)
        for rec in records:
            headers = {"WARC-Date": rec.date}
            if rec.rec_type == "revisit":
                record = writer.create_revisit_record(
                    rec.url, "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", rec.url, rec.date,
                    http_headers=StatusAndHeaders(rec.status, [], protocol="HTTP/1.1"),
                )
            elif rec.rec_type == "response":
                http = [("Content-Type", rec.content_type)] if rec.content_type else []
                http += list(rec.extra_headers)
                record = writer.create_warc_record(
                    rec.url, rec.rec_type, payload=BytesIO(rec.body),
                    http_headers=StatusAndHeaders(rec.status, http, protocol="HTTP/1.1"),
                    warc_headers_dict=headers,
                )
            else:
                request = f"GET {rec.url} HTTP/1.1\r\nUser-Agent: test\r\n\r\n".encode()
                record = writer.create_warc_record(
                    rec.url, rec.rec_type, payload=BytesIO(rec.body or request),
                    warc_headers_dict=headers,
                    warc_content_type="application/http; msgtype=request",
                )
            writer.write_record(record)
    return path


def article_records() -> list[Rec]:
    return [Rec(url, page.read_bytes()) for url, page in ARTICLE_PAGES.items()]


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    registry = tmp_path / "sources.yaml"
    registry.write_text(registry_yaml())
    return Paths(
        sources=registry,
        watchlist=REPO_ROOT / "watchlist.yaml",
        warehouse=tmp_path / "data" / "warehouse.duckdb",
        reports=tmp_path / "reports",
    )


def mediawatch(paths: Paths, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """`mediawatch backfill ...` as a user runs it, pointed at the test's own files."""
    cli = Path(sys.executable).with_name("mediawatch")
    return subprocess.run(
        [str(cli), *args, "--sources", str(paths.sources), "--warehouse", str(paths.warehouse)],
        capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
    )


def load(paths: Paths) -> dict:
    """The real loader (in-process: the loader is not what these tests are about)."""
    from mediawatch import pipeline

    return pipeline.load(paths)


def warehouse_rows(paths: Paths, sql: str) -> list[tuple]:
    from mediawatch.warehouse.db import connect_reader

    con = connect_reader(paths.analyst_db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def last_json(proc: subprocess.CompletedProcess[str]) -> dict:
    return json.loads(proc.stdout.strip().splitlines()[-1])
