"""One article, one record: URL variants (tracking parameters, AMP, a print view) that the page's
rel=canonical ties together are stored once. A tiny site of our own on 127.0.0.1."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mediawatch.crawl import crawl_source
from mediawatch.records import ARTICLE
from mediawatch.staging import iter_staged_pages

from .conftest import FAST, make_paths

WORDS = (
    "Regulators in Brussels asked the phone maker to explain how its new assistant stores voice "
    "recordings, and the company said it would publish a detailed answer within two weeks. "
)


def article(base: str, extra: str = "") -> bytes:
    paragraphs = "".join(f"<p>{WORDS * 3} Paragraph {i}.</p>" for i in range(8))
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Phone maker questioned over voice recordings</title>"
        f"<link rel='canonical' href='{base}/2024/05/01/voice-recordings-questioned/'>"
        "<meta property='og:type' content='article'></head><body><article>"
        "<h1>Phone maker questioned over voice recordings</h1>"
        f"{paragraphs}{extra}</article></body></html>"
    ).encode()


class Site(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        Site.hits.append(self.path)
        if self.path == "/feed/":
            items = "".join(
                f"<item><link>{base}{p.replace('&', '&amp;')}</link></item>"
                for p in (
                    "/2024/05/01/voice-recordings-questioned/?utm_source=rss&utm_medium=feed",
                    "/2024/05/01/voice-recordings-questioned/amp/",
                    "/print/voice-recordings-questioned?id=7",
                )
            )
            body, ctype = f"<rss><channel>{items}</channel></rss>".encode(), "application/rss+xml"
        elif self.path == "/2024/05/01/voice-recordings-questioned/":
            body, ctype = article(base), "text/html; charset=utf-8"
        elif self.path.startswith("/print/"):
            body, ctype = article(base, "<p>Printed from the web edition.</p>"), "text/html"
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Site.hits = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_url_variants_of_one_article_make_one_record(site, tmp_path):
    port = site.rsplit(":", 1)[1]
    registry = tmp_path / "sources.yaml"
    registry.write_text(
        f"version: 1\nnetwork: {{allowlist: ['127.0.0.1:{port}']}}\nsources:\n"
        f"  - name: tiny\n    homepage: {site}/\n    feeds: ['{site}/feed/']\n"
        "    language: en\n    country: US\n    crawl_interval: 1h\n"
        "    discover_homepage: false\n"  # this site serves only its feed and article
    )
    paths = make_paths(tmp_path, registry)
    stats = crawl_source(paths, "tiny", "r1", FAST)
    pages = list(iter_staged_pages(paths.staging_dir / "tiny" / "r1.jsonl"))
    articles = [p for p in pages if p.kind == ARTICLE]
    assert len(articles) == 1
    assert articles[0].article.canonical_url == f"{site}/2024/05/01/voice-recordings-questioned/"
    assert stats["articles"] == 1 and stats["duplicates"] == 1 and stats["errors_by_kind"] == {}
    # tracking and AMP variants normalise to the plain URL: requested once, never as a variant
    assert Site.hits.count("/2024/05/01/voice-recordings-questioned/") == 1
    assert not [h for h in Site.hits if "utm_" in h or "/amp/" in h]
