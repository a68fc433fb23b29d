"""What a fixture route answers: a status, headers and bytes, plus the misbehaviour fault pages need."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
JSON = "application/json; charset=utf-8"


@dataclass
class Response:
    """A response to send. The last three fields exist for fault pages only."""

    status: int = 200
    body: bytes = b""
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None
    etag: str | None = None  # computed from the body when None and status is 200
    delay: float = 0.0  # seconds to wait before answering
    declared_length: int | None = None  # Content-Length to claim instead of the real one
    reset_after: int | None = None  # send this many body bytes, then reset the connection


def not_found(what: str = "page") -> Response:
    return Response(404, f"<html><body><h1>404</h1><p>No such {what}.</p></body></html>".encode())
