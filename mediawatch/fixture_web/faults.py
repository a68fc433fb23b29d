"""Fault modes: dedicated techpress pages, feeds and sitemaps that misbehave in one specific way.

Healthy articles never change when a fault is switched on; the faulty resources are extra URLs that
appear in techpress's feed and sitemap index (or, for feed faults, in its registry entry) while their
mode is active, and answer 404 while it is not.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import datetime
from html import escape

from mediawatch.fixture_web import material
from mediawatch.fixture_web.response import HTML, RSS, XML, Response

FAULT_MODES = (
    "burst_5xx",
    "slow",
    "reset",
    "truncated",
    "redirect_loop",
    "redirect_loopback",
    "huge_page",
    "bad_charset",
    "binary_as_html",
    "malformed_feed",
    "huge_feed",
    "xml_bomb",
)
# page faults: path slug under techpress's date folder -> mode; the crawler meets them as articles
PAGE_SLUGS = {
    "fault-burst-5xx": "burst_5xx",
    "fault-slow": "slow",
    "fault-reset": "reset",
    "fault-truncated": "truncated",
    "fault-redirect-loop-a": "redirect_loop",
    "fault-redirect-loopback": "redirect_loopback",
    "fault-huge-page": "huge_page",
    "fault-bad-charset": "bad_charset",
    "fault-no-charset": "bad_charset",
    "fault-binary": "binary_as_html",
}
HIDDEN_SLUGS = {"fault-redirect-loop-b": "redirect_loop"}  # reachable only by redirect
FEED_PATHS = {"/feed/malformed/": "malformed_feed", "/feed/huge/": "huge_feed"}
SITEMAP_PATHS = {"/bomb-sitemap.xml": "xml_bomb", "/xxe-sitemap.xml": "xml_bomb"}
HUGE_PAGE_BYTES = 12 * 1024 * 1024
HUGE_FEED_BYTES = 16 * 1024 * 1024


def parse_modes(modes: object) -> set[str]:
    """Validate fault names (a comma string or an iterable); `all` means every mode."""
    names = modes.split(",") if isinstance(modes, str) else list(modes or ())  # type: ignore[call-overload]
    chosen = {str(n).strip() for n in names if str(n).strip()}
    if "all" in chosen:
        return set(FAULT_MODES)
    unknown = chosen - set(FAULT_MODES)
    if unknown:
        raise ValueError(
            f"unknown fault mode(s) {sorted(unknown)}; choose from {', '.join(FAULT_MODES)} or all"
        )
    return chosen


def _article_html(title: str, seed: int, extra_bytes: int = 0) -> str:
    rng = random.Random(f"{seed}:fault:{title}")
    paragraphs = material.body_paragraphs(rng, rng.choice(material.COMPANIES))
    body = "".join(f"<p>{escape(p)}</p>\n" for p in paragraphs)
    if extra_bytes:
        body = body * (extra_bytes // max(len(body), 1) + 1)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"</head><body><article><h1>{escape(title)}</h1>\n{body}</article></body></html>\n"
    )


class FaultPlan:
    """Active fault modes and the per-URL state they need (5xx counters, cached huge bodies)."""

    def __init__(
        self, seed: int, date: datetime, loopback: tuple[str, int], slow_seconds: float
    ) -> None:
        self.seed = seed
        self.folder = f"/{date:%Y/%m/%d}/"
        self.loopback = loopback
        self.slow_seconds = slow_seconds
        self.active: set[str] = set()
        self._hits: dict[str, int] = {}
        self._cache: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def set(self, modes: object) -> None:
        chosen = parse_modes(modes)
        with self._lock:
            # switching a mode (back) on restarts its 5xx burst
            self._hits = {
                p: n for p, n in self._hits.items() if self.mode_of(p) in self.active & chosen
            }
            self.active = chosen

    def mode_of(self, path: str) -> str | None:
        """The fault mode a techpress path belongs to, active or not."""
        if path.startswith(self.folder):
            slug = path[len(self.folder) :].rstrip("/")
            return PAGE_SLUGS.get(slug) or HIDDEN_SLUGS.get(slug)
        return FEED_PATHS.get(path) or SITEMAP_PATHS.get(path)

    def page_paths(self) -> dict[str, str]:
        """Active fault pages (paths on techpress) that feeds and sitemaps list."""
        return {f"{self.folder}{slug}/": m for slug, m in PAGE_SLUGS.items() if m in self.active}

    def feed_paths(self) -> dict[str, str]:
        return {p: m for p, m in FEED_PATHS.items() if m in self.active}

    def sitemap_paths(self) -> dict[str, str]:
        return {p: m for p, m in SITEMAP_PATHS.items() if m in self.active}

    def _cached(self, key: str, make: Callable[[], bytes]) -> bytes:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = make()
            return self._cache[key]

    def respond(self, path: str, base: str, healthy_urls: list[str]) -> Response | None:
        """The faulty answer for `path`, or None when `path` is no active fault resource."""
        mode = self.mode_of(path)
        if mode is None or mode not in self.active:
            return None
        slug = path[len(self.folder) :].rstrip("/") if path.startswith(self.folder) else path
        page = _article_html(f"Fault page {slug}", self.seed).encode()
        if mode == "burst_5xx":
            with self._lock:
                self._hits[path] = self._hits.get(path, 0) + 1
                hit = self._hits[path]
            if hit <= 2:
                return Response(
                    500 if hit == 1 else 503,
                    b"<h1>Server busy, try again</h1>",
                    headers={"Retry-After": "1"},
                )
            return Response(body=page)
        if mode == "slow":
            return Response(body=page, delay=self.slow_seconds)
        if mode == "reset":
            return Response(body=page, reset_after=len(page) // 3)
        if mode == "truncated":
            return Response(body=page, declared_length=len(page) + 4096)
        if mode == "redirect_loop":
            other = "fault-redirect-loop-b" if slug.endswith("-a") else "fault-redirect-loop-a"
            return Response(302, b"", headers={"Location": f"{base}{self.folder}{other}/"})
        if mode == "redirect_loopback":
            host, port = self.loopback
            return Response(302, b"", headers={"Location": f"http://{host}:{port}/internal/admin"})
        if mode == "huge_page":
            return Response(
                body=self._cached(
                    "huge", lambda: _article_html("Huge page", self.seed, HUGE_PAGE_BYTES).encode()
                )
            )
        if mode == "bad_charset":
            text = _article_html("Café Müller: Straße, Größe, naïve façade", self.seed)
            body = text.encode("latin-1", errors="replace")
            ctype = HTML if slug == "fault-bad-charset" else "text/html"
            if slug != "fault-bad-charset":
                body = body.replace(b'<meta charset="utf-8">', b"")
            return Response(body=body, content_type=ctype)
        if mode == "binary_as_html":
            return Response(body=random.Random(f"{self.seed}:binary").randbytes(64 * 1024))
        if mode == "malformed_feed":
            return Response(body=self._malformed_feed(base, healthy_urls), content_type=RSS)
        if mode == "huge_feed":
            return Response(
                body=self._cached("huge_feed", lambda: self._huge_feed(base, healthy_urls)),
                content_type=RSS,
            )
        return Response(
            body=self._bomb(base) if path == "/bomb-sitemap.xml" else self._xxe(base),
            content_type=XML,
        )

    def _malformed_feed(self, base: str, urls: list[str]) -> bytes:
        items = "".join(
            f"<item><title>Story & more <b>{i}</title><link>{u}</link>"
            for i, u in enumerate(urls[:5])
        )
        # unescaped ampersands, unclosed items, a control character and no closing tags
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>TechPress & Friends</title><link>{base}/</link>{items}\x0c<item><title>"
        ).encode()

    def _huge_feed(self, base: str, urls: list[str]) -> bytes:
        filler = (
            "Lorem ipsum dolor sit amet, Tesla BYD Xiaomi consectetur adipiscing elit. " * 60
        ).strip()
        head = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>TechPress (everything)</title><link>{base}/</link>\n"
        )
        parts, size, i = [head], len(head), 0
        while size < HUGE_FEED_BYTES:
            link = urls[i % len(urls)] if urls else f"{base}/"
            item = f"<item><title>Archive item {i}</title><link>{link}</link><description>{filler}</description></item>\n"
            parts.append(item)
            size += len(item)
            i += 1
        parts.append("</channel></rss>\n")
        return "".join(parts).encode()

    def _bomb(self, base: str) -> bytes:
        levels = ['<!ENTITY lol0 "lol">'] + [
            f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(1, 10)
        ]
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE urlset [\n{chr(10).join(levels)}\n]>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{base}/&lol9;</loc></url></urlset>\n"
        ).encode()

    def _xxe(self, base: str) -> bytes:
        host, port = self.loopback
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE urlset [\n'
            f'<!ENTITY xxe SYSTEM "file:///etc/passwd">\n'
            f'<!ENTITY probe SYSTEM "http://{host}:{port}/xxe-probe">\n]>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{base}/leak?d=&xxe;</loc></url><url><loc>{base}/&probe;</loc></url></urlset>\n"
        ).encode()
