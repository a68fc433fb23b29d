"""A small real HTTP client (urllib) for the fixture web tests: statuses returned, redirects not followed."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass


@dataclass
class Fetched:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # let the test see the 3xx itself


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(
    url: str, headers: dict[str, str] | None = None, method: str = "GET", data: bytes | None = None
) -> Fetched:
    """One real HTTP request; non-2xx statuses are returned, not raised."""
    request = urllib.request.Request(url, headers=headers or {}, method=method, data=data)
    try:
        with _OPENER.open(request, timeout=30) as response:
            return Fetched(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Fetched(error.code, error.headers, error.read())
