"""Crawl policy shared by every spider: polite per-source settings and how a failed request is
named in stats and staging."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from mediawatch import __version__
from mediawatch.sources import Registry, Source

log = logging.getLogger(__name__)

MAX_RETRY_RUNS = 3  # a page failing transiently this many runs in a row is given up
_TRANSIENT = ("timeout", "connection_error", "connection_refused", "truncated", "dns_error")


def is_transient(kind: str) -> bool:
    """True for failures worth retrying in the next run (network trouble, 5xx, 429)."""
    if kind.startswith("http_"):
        code = kind[5:]
        return code.startswith("5") or code in ("408", "429")
    return kind in _TRANSIENT


def classify_failure(failure: Failure) -> str:
    """Short error kind for a failed request (counted in stats and staged as the reason)."""
    from scrapy.exceptions import (
        CannotResolveHostError,
        DownloadCancelledError,
        DownloadConnectionRefusedError,
        DownloadTimeoutError,
        IgnoreRequest,
        ResponseDataLossError,
    )
    from twisted.internet.error import DNSLookupError, TimeoutError
    from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

    from spiders.middlewares import BlockedRequest
    from spiders.resolver import BlockedResolution, GuardedResolver

    exc = failure.value
    if isinstance(exc, BlockedResolution) or isinstance(exc.__cause__, BlockedResolution):
        return "blocked_address"
    request = getattr(failure, "request", None)
    if isinstance(exc, DNSLookupError | CannotResolveHostError) and request is not None:
        host = (urlsplit(request.url).hostname or "").lower()
        if host in GuardedResolver.blocked_hosts:
            return "blocked_address"
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    if isinstance(exc, BlockedRequest):
        return "dns_error" if exc.reason.startswith("dns_error") else "blocked_address"
    if isinstance(exc, IgnoreRequest):
        message = str(exc).lower()
        if "maxsize" in message:  # also a gzip bomb: Scrapy stops inflating at DOWNLOAD_MAXSIZE
            return "too_large"
        if "robots" in message:
            return "robots_disallowed"
        if "redirect" in message:
            return "redirect_loop"
        return "ignored"
    kinds = (
        (DownloadTimeoutError, "timeout"),
        (TimeoutError, "timeout"),
        (DownloadCancelledError, "too_large"),
        (ResponseDataLossError, "truncated"),
        (DownloadConnectionRefusedError, "connection_refused"),
        (CannotResolveHostError, "dns_error"),
        (DNSLookupError, "dns_error"),
        (ResponseNeverReceived, "connection_error"),
        (ResponseFailed, "connection_error"),
        (ConnectionError, "connection_error"),
    )
    if type(exc).__name__ == "DownloadFailedError":  # Scrapy 2.19: connection closed or failed
        return "connection_error"
    for cls, kind in kinds:
        if isinstance(exc, cls):
            return kind
    name = type(exc).__name__
    return "connection_error" if "Connection" in name else f"error:{name}"


def apply_polite_overrides(source: Source, registry: Registry, settings: BaseSettings) -> None:
    """Registry settings and the source's `delay` may only slow the crawl down (unless
    `allow_faster`); explicit `-s` command-line settings keep priority over both."""
    options = registry.settings
    allow_faster = bool(options.get("allow_faster"))
    contact = options.get("contact_url") or settings.get("MEDIAWATCH_CONTACT_URL")
    settings.set("USER_AGENT", f"mediawatch/{__version__} (+{contact})", priority="spider")
    delay = source.delay if source.delay is not None else options.get("delay")
    if delay is not None:
        current = settings.getfloat("DOWNLOAD_DELAY")
        if float(delay) >= current or allow_faster:
            settings.set("DOWNLOAD_DELAY", float(delay), priority="spider")
            settings.set(
                "AUTOTHROTTLE_START_DELAY",
                max(float(delay), settings.getfloat("AUTOTHROTTLE_START_DELAY")),
                priority="spider",
            )
        else:
            log.warning(
                "%s: delay %.2fs is below the polite default %.2fs; ignored "
                "(set settings.allow_faster: true in the registry to allow it)",
                source.name,
                delay,
                current,
            )
    concurrency = options.get("concurrency")
    if concurrency is not None:
        current_c = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        if int(concurrency) <= current_c or allow_faster:
            settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", int(concurrency), priority="spider")
        else:
            log.warning(
                "concurrency %s above the polite default %s ignored", concurrency, current_c
            )
    if options.get("download_timeout") is not None:
        settings.set("DOWNLOAD_TIMEOUT", float(options["download_timeout"]), priority="spider")
