"""Real page material committed in `real_pages/` (88 MIT-licensed pages, see its README) and a
loopback site that serves unique copies of them: the ingest benchmark's "2,000 real pages".

    with RealPageSite(pages=2000) as site:           # 127.0.0.1, ephemeral port
        site.write_sources(tmp / "sources.yaml")     # one source `realpages`, sitemap + allowlist
        site.urls()                                  # the article URLs, each a distinct body

A copy is made unique by marking every non-empty paragraph (`<p>` starts with "Copy 17.3:") and
dropping what would make copies one article (rel=canonical, og:url, JSON-LD url/mainEntityOfPage),
so content dedupe keeps every copy whose article text has a paragraph (5 of the 88 pages have none
in it: their copies are one body, and are counted as such). Test, demo and benchmark tool only: no pipeline module imports it.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import yaml

__all__ = ["REAL_PAGES_DIR", "RealPageSite", "real_pages", "unique_copy", "prose_paragraphs"]

REAL_PAGES_DIR = Path(__file__).resolve().parent / "real_pages"
SOURCE_NAME = "realpages"
LASTMOD = "2025-02-20T08:00:00+00:00"
_LAST_MODIFIED = "Thu, 20 Feb 2025 08:00:00 GMT"

# an empty paragraph is left unmarked: a lone mark there is the copies' only difference, which one
# extractor keeps as a line of text and another drops as no content (then its copies are one body)
_P_OPEN = re.compile(r"(<p\b[^>]*>)(?!\s*</p\s*>)", re.I)
_CANONICAL = re.compile(r"<link\b[^>]*\brel\s*=\s*[\"']?canonical\b[^>]*>", re.I)
_OG_URL = re.compile(r"<meta\b[^>]*\bproperty\s*=\s*[\"']?og:url\b[^>]*>", re.I)
_JSONLD_URL = re.compile(r"\"(url|mainEntityOfPage|@id)\"\s*:\s*\"[^\"]*\"")
_TAG = re.compile(r"<[^>]+>")
_SCRIPTISH = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)


@functools.lru_cache(maxsize=1)
def real_pages() -> tuple[tuple[str, str], ...]:
    """(page id, HTML) of every committed page, sorted by id."""
    pages = []
    for path in sorted((REAL_PAGES_DIR / "html").glob("*.html.gz")):
        html = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
        pages.append((path.name.split(".", 1)[0], html))
    if not pages:
        raise FileNotFoundError(f"no real pages under {REAL_PAGES_DIR / 'html'}")
    return tuple(pages)


def unique_copy(html: str, copy: int) -> str:
    """The page with every paragraph marked for this copy and its canonical identity removed."""
    counter = iter(range(1, 1_000_000))
    marked = _P_OPEN.sub(lambda m: f"{m.group(1)}Copy {copy}.{next(counter)}: ", html)
    marked = _CANONICAL.sub("", marked)
    marked = _OG_URL.sub("", marked)
    return _JSONLD_URL.sub(lambda m: f'"{m.group(1)}-dropped": ""', marked)


@functools.lru_cache(maxsize=1)
def prose_paragraphs() -> tuple[str, ...]:
    """English prose paragraphs (30-220 words) of the real pages' `<p>` elements, for generated
    fixture articles. Taken from the markup directly, not from any extractor's output."""
    from html import unescape

    seen: set[str] = set()
    paragraphs = []
    for _, html in real_pages():
        html = _SCRIPTISH.sub(" ", html)
        for chunk in re.findall(r"<p\b[^>]*>(.*?)</p\s*>", html, re.I | re.S):
            text = " ".join(unescape(_TAG.sub(" ", chunk)).split())
            text = re.sub(r"\s+([,.;:!?])", r"\1", text)
            english = len(re.findall(r"\b(the|and|of|to)\b", text)) >= 3
            if 30 <= len(text.split()) <= 220 and english and text not in seen:
                seen.add(text)
                paragraphs.append(text)
    return tuple(paragraphs)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        site = self.server.site
        with site.lock:
            site.requests += 1
        path = self.path.split("?", 1)[0]
        if path == "/robots.txt":
            self._send(b"User-agent: *\nAllow: /\n", "text/plain")
        elif path == "/sitemap.xml":
            self._send(site.sitemap(), "application/xml", conditional=True)
        elif path in site.extra:
            self._send(site.extra[path], "text/html; charset=utf-8", conditional=True)
        elif path in site.paths:
            self._send(site.page(site.paths[path]), "text/html; charset=utf-8", conditional=True)
        else:
            self._send(b"not found", "text/plain", status=404)

    def _send(
        self, body: bytes, ctype: str, status: int = 200, conditional: bool = False
    ) -> None:
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if conditional and (
            self.headers.get("If-None-Match") == etag
            or self.headers.get("If-Modified-Since") == _LAST_MODIFIED
        ):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if conditional:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", _LAST_MODIFIED)
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, site: RealPageSite) -> None:
        self.site = site
        super().__init__(("127.0.0.1", site.port), _Handler)


class RealPageSite:
    """`pages` unique copies of the committed real pages, one sitemap, on 127.0.0.1; `extra` adds
    pages of its own ({path: html}, listed in the sitemap too), e.g. a hostile one."""

    def __init__(self, pages: int = 2000, port: int = 0, extra: dict[str, str] | None = None) -> None:
        self.pages = pages
        self.port = port
        self.extra = {path: html.encode("utf-8") for path, html in (extra or {}).items()}
        self.lock = threading.Lock()
        self.requests = 0
        originals = real_pages()
        # copy i serves original i % 88 (copy number i // 88): every original equally often
        self.paths = {
            f"/news/{i // len(originals)}/{originals[i % len(originals)][0][:12]}.html": i
            for i in range(pages)
        }
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def page(self, index: int) -> bytes:
        originals = real_pages()
        html = originals[index % len(originals)][1]
        return unique_copy(html, index // len(originals)).encode("utf-8")

    @functools.cached_property
    def _sitemap(self) -> bytes:
        entries = "".join(
            f"<url><loc>{escape(self.base_url + path)}</loc><lastmod>{LASTMOD}</lastmod></url>"
            for path in [*self.paths, *self.extra]
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>\n'
        ).encode()

    def sitemap(self) -> bytes:
        return self._sitemap

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def urls(self) -> list[str]:
        return [self.base_url + path for path in self.paths]

    def start(self) -> RealPageSite:
        self._server = _Server(self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> RealPageSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def sources_yaml(self) -> str:
        registry = {
            "version": 1,
            "network": {"allowlist": [f"127.0.0.1:{self.port}"]},
            "sources": [
                {
                    "name": SOURCE_NAME,
                    "homepage": self.base_url + "/",
                    "allowed_domains": ["127.0.0.1"],
                    "sitemaps": [self.base_url + "/sitemap.xml"],
                    "article_patterns": [r"/news/\d+/[0-9a-f]+\.html$"],
                    "language": "en",
                    "country": "US",
                    "crawl_interval": "1h",
                }
            ],
        }
        return "# Generated by mediawatch.fixture_web.realpages\n" + yaml.safe_dump(
            registry, sort_keys=False
        )

    def write_sources(self, path: str | Path) -> Path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.sources_yaml(), encoding="utf-8")
        return target

