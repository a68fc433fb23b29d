"""The bad-input corpus (`cases/`) and a tiny HTTP server on 127.0.0.1 that serves it to a crawl.

Small cases are committed files; the big ones (a 50 MB page, gzip bombs that inflate to 2 GiB) are
generated at test time. Feeds and sitemaps in the corpus carry `{{BASE}}` (this server) and
`{{PROBE}}` (a listener that must never be contacted) placeholders.
"""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "cases"
ARTICLE_FOLDER = "/2026/11/01/"
BIG_PAGE_BYTES = 50 * 1024 * 1024
BOMB_INFLATED_BYTES = 2 * 1024 * 1024 * 1024


def gzip_bomb(inflated: int = BOMB_INFLATED_BYTES) -> bytes:
    """A gzip member of a few MB that inflates to `inflated` bytes of spaces (built streaming)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    chunk = b" " * (1024 * 1024)
    parts = [packer.compress(b"<html><body><article><p>")]
    for _ in range(inflated // len(chunk)):
        parts.append(packer.compress(chunk))
    parts.append(packer.flush())
    return b"".join(parts)


@dataclass
class Route:
    """What the server answers for one path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    stream_bytes: int = 0  # > 0: send this many bytes of filler after `body`, with no Content-Length


class CorpusServer(ThreadingHTTPServer):
    """Serves a fixed route table; logs every requested path."""

    daemon_threads = True

    def __init__(self, routes: dict[str, Route]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes = routes
        self.requests: list[str] = []
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def start(self) -> CorpusServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    server: CorpusServer
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass  # the server keeps its own log

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self.server.requests.append(self.path)
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        for key, value in route.headers.items():
            self.send_header(key, value)
        if not route.stream_bytes:
            self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        try:
            self.wfile.write(route.body)
            sent, filler = len(route.body), b"<p>" + b"x" * 1021 + b"</p>"
            while sent < route.stream_bytes:  # the client hangs up once it has had enough
                self.wfile.write(filler)
                sent += len(filler)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="session")
def bomb() -> bytes:
    """A gzip bomb: about 2 MB that inflates to 2 GiB."""
    return gzip_bomb()


def case_bytes(name: str, base: str = "http://127.0.0.1:9", probe: str = "http://127.0.0.1:9") -> bytes:
    """A corpus file with its placeholders filled in."""
    data = (CASES / name).read_bytes()
    return data.replace(b"{{BASE}}", base.encode()).replace(b"{{PROBE}}", probe.encode())
