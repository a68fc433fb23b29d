"""Download a WARC given as an http(s) URL, through the SSRF guard and with a size limit.

Every hop (the URL and each redirect) is checked with `mediawatch.netguard.check_url`, and the
connection goes to an address that was checked for this very request (no second DNS answer can
send it to 127.0.0.1). The file lands beside the backfill's state as `<sha>.warc[.gz]`, written
to a `.part` and renamed when complete, so a resumed backfill reads it again without re-fetching.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
import ssl
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from mediawatch.netguard import BlockedAddress, blocked_reason, check_url, system_resolver

__all__ = ["DownloadError", "download"]

MAX_REDIRECTS = 5
TIMEOUT_S = 60
_CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """A WARC URL could not be fetched (blocked, too large, HTTP error, network error)."""


def _pinned_address(url: str, allowlist: frozenset[str]) -> str:
    """An address of the URL's host that the guard allows, resolved once, for this connection."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    check_url(url, allowlist)
    try:
        addresses = [host] if _is_literal(host) else system_resolver(host, port)
    except OSError as exc:
        raise BlockedAddress(url, f"dns_error:{exc}") from None
    for address in addresses:
        plain = address.split("%", 1)[0]
        spelled = f"[{plain}]:{port}" if ":" in plain else f"{plain}:{port}"
        named = f"[{host}]:{port}" if ":" in host else f"{host.lower()}:{port}"
        if blocked_reason(address) is None or spelled in allowlist or named in allowlist:
            return address
    raise BlockedAddress(url, "no allowed address at connect time")


def _is_literal(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int | None, address: str) -> None:
        super().__init__(host, port, timeout=TIMEOUT_S)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int | None, address: str) -> None:
        super().__init__(host, port, timeout=TIMEOUT_S, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


def download(url: str, folder: Path, allowlist: frozenset[str], max_bytes: int) -> Path:
    """Fetch `url` into `folder` (once: a finished download is reused) and return the file.

    Raises DownloadError naming the URL and the reason; nothing partial is left behind as final."""
    key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:24]
    suffix = ".warc.gz" if urlsplit(url).path.endswith(".gz") else ".warc"
    target = folder / f"{key}{suffix}"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    current = url
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            parts = urlsplit(current)
            address = _pinned_address(current, allowlist)
            conn_cls = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
            conn = conn_cls(parts.hostname or "", parts.port, address)
            try:
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                conn.request("GET", path, headers={"User-Agent": "mediawatch-backfill",
                                                   "Accept-Encoding": "identity"})
                response = conn.getresponse()
                if response.status in (301, 302, 303, 307, 308):
                    location = response.getheader("Location")
                    if not location:
                        raise DownloadError(f"{url}: redirect without Location")
                    current = urljoin(current, location)
                    continue
                if response.status != 200:
                    raise DownloadError(f"{url}: HTTP {response.status} {response.reason}")
                declared = int(response.getheader("Content-Length") or 0)
                if declared > max_bytes:
                    raise DownloadError(
                        f"{url}: {declared} bytes is over the limit of {max_bytes} "
                        "(raise it with --max-bytes)"
                    )
                _save(response, part, url, max_bytes)
                os.replace(part, target)
                return target
            finally:
                conn.close()
        raise DownloadError(f"{url}: more than {MAX_REDIRECTS} redirects")
    except BlockedAddress as exc:
        raise DownloadError(f"{url}: {exc}") from None
    except (OSError, http.client.HTTPException) as exc:
        raise DownloadError(f"{url}: {type(exc).__name__}: {exc}") from None
    finally:
        part.unlink(missing_ok=True)


def _save(response: http.client.HTTPResponse, part: Path, url: str, max_bytes: int) -> None:
    written = 0
    with part.open("wb") as handle:
        while chunk := response.read(_CHUNK):
            written += len(chunk)
            if written > max_bytes:
                raise DownloadError(
                    f"{url}: more than {max_bytes} bytes (the limit; raise it with --max-bytes)"
                )
            handle.write(chunk)
        declared = response.getheader("Content-Length")
        if declared is not None and written != int(declared):
            raise DownloadError(f"{url}: connection closed after {written} of {declared} bytes")
