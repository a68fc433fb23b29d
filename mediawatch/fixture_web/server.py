"""The HTTP side of the fixture web: one threaded server per site, conditional GETs, the request log
and the `/__log` / `/__faults` control endpoints for other processes.
"""

from __future__ import annotations

import hashlib
import json
import socket
import struct
import threading
import time
from collections import OrderedDict
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from mediawatch.fixture_web.response import JSON, Response

if TYPE_CHECKING:
    from mediawatch.fixture_web.web import FixtureWeb

LOOPBACK_SITE = "__loopback__"


class FixtureHTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # keep-alive connections must not block shutdown
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], web: FixtureWeb, site: str) -> None:
        self.web = web
        self.site = site
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, SiteHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Cut open keep-alive connections so a stopped site really stops answering."""
        with self._open_lock:
            connections, self._open = list(self._open), set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the client


class ResponseCache:
    """Rendered responses keyed by (site, path), valid for one catalog/fault state version."""

    def __init__(self, size: int = 2048) -> None:
        self._items: OrderedDict[tuple[str, str], tuple[int, Response]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], version: int) -> Response | None:
        with self._lock:
            hit = self._items.get(key)
            if hit and hit[0] == version:
                self._items.move_to_end(key)
                return hit[1]
            return None

    def put(self, key: tuple[str, str], version: int, response: Response) -> None:
        with self._lock:
            self._items[key] = (version, response)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def _http_date(moment: datetime) -> str:
    return format_datetime(moment.replace(microsecond=0), usegmt=True)


def not_modified(headers: Any, etag: str, last_modified: datetime) -> bool:
    """RFC 9110 evaluation: If-None-Match wins; If-Modified-Since only when it is absent."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag in tags
    since = headers.get("If-Modified-Since")
    if since:
        try:
            return last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False  # an unparsable date is ignored, as the RFC says
    return False


class SiteHandler(BaseHTTPRequestHandler):
    """Serves one site of the fixture web."""

    protocol_version = "HTTP/1.1"
    server_version = "FixtureWeb/1.0"
    timeout = 30  # idle keep-alive connections give up their thread eventually
    server: FixtureHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Quiet: the request log replaces stderr lines."""

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._serve(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else b""
        self._send(
            self._control("POST", self.path, data) or Response(405, b"POST only on /__ paths")
        )

    def _control(self, method: str, path: str, data: bytes) -> Response | None:
        """The cross-process endpoints: GET /__log, POST /__log/clear, GET|POST /__faults."""
        web = self.server.web
        if method == "GET" and path == "/__log":
            return Response(body=json.dumps(list(web.request_log)).encode(), content_type=JSON)
        if method == "POST" and path == "/__log/clear":
            web.clear_log()
            return Response(body=b"[]", content_type=JSON)
        if path == "/__faults":
            if method == "POST":
                try:
                    modes = json.loads(data or b"[]")
                    if not isinstance(modes, list):
                        raise ValueError("expected a JSON list of fault mode names")
                    web.set_faults(modes)
                except ValueError as exc:
                    return Response(
                        400, json.dumps({"error": str(exc)}).encode(), content_type=JSON
                    )
            return Response(body=json.dumps(sorted(web.faults)).encode(), content_type=JSON)
        return None

    def _serve(self, head: bool) -> None:
        web, site = self.server.web, self.server.site
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path.startswith("/__"):
            self._send(
                self._control("GET", path, b"") or Response(404, b"unknown control path"), head
            )
            return
        if site == LOOPBACK_SITE:
            response = Response(
                body=b"<h1>Internal admin console</h1><p>You should not be here.</p>"
            )
        else:
            try:
                response = web.respond(site, path)
            except Exception as exc:  # a fixture bug must show up as a 500, not a dead connection
                response = Response(500, f"fixture error: {exc!r}".encode())
        if response.status == 200:
            response = self._validators(response)
            if not_modified(self.headers, response.etag or "", response.last_modified):  # type: ignore[arg-type]
                response = Response(
                    304, b"", etag=response.etag, last_modified=response.last_modified
                )
        web.log_request(site, self.command, self.path, response.status, dict(self.headers.items()))
        self._send(response, head)

    def _validators(self, response: Response) -> Response:
        if response.etag is None:
            response.etag = '"' + hashlib.sha1(response.body).hexdigest()[:20] + '"'
        if response.last_modified is None:
            response.last_modified = self.server.web.catalog.reference
        return response

    def _send(self, response: Response, head: bool = False) -> None:
        if response.delay:
            time.sleep(response.delay)
        self.send_response(response.status)
        if response.status != 304:
            self.send_header("Content-Type", response.content_type)
            length = (
                response.declared_length
                if response.declared_length is not None
                else len(response.body)
            )
            self.send_header("Content-Length", str(length))
        if response.etag:
            self.send_header("ETag", response.etag)
        if response.last_modified:
            self.send_header("Last-Modified", _http_date(response.last_modified))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.declared_length is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if head or response.status == 304:
            return
        if response.reset_after is not None:
            self._reset(response.body[: response.reset_after])
            return
        try:
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. a size limit); nothing to do

    def _reset(self, partial: bytes) -> None:
        """Send part of the body, then abort with a TCP RST (linger 0) instead of a clean close."""
        self.wfile.write(partial)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True
