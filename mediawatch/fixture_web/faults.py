"""Fault modes: dedicated techpress pages, feeds and sitemaps that misbehave in one specific way.

Healthy articles never change when a fault is switched on; the faulty resources are extra URLs that
appear in techpress's feed and sitemap index (or, for feed faults, in its registry entry) while their
mode is active, and answer 404 while it is not.
"""

from __future__ import annotations

import gzip
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
# the hostile site (issue 21): heavier faults, chosen by name or all together with "hostile"; never
# part of "all", which the fault matrix runs in every test pass
HOSTILE_MODES = (
    "giant_page",  # 60 MB of article
    "very_slow",  # answers after 120 s
    "gzip_bomb",  # 1 GiB of zeros in about 1 MB of gzip
    "unavailable_twice",  # a story that answers 503 twice, then the article
    "unclosed_scripts",  # 3.5 MB of `<script x>` that never close
    "deep_nesting",  # a real article nested 300 elements deep: it must be stored
)
HOSTILE = (*HOSTILE_MODES, "truncated", "xml_bomb")  # what "hostile" switches on
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
    "fault-giant-page": "giant_page",
    "fault-very-slow": "very_slow",
    "fault-gzip-bomb": "gzip_bomb",
    "fault-unavailable-twice": "unavailable_twice",
    "fault-unclosed-scripts": "unclosed_scripts",
    "fault-deep-nesting": "deep_nesting",
}
HIDDEN_SLUGS = {"fault-redirect-loop-b": "redirect_loop"}  # reachable only by redirect
FEED_PATHS = {"/feed/malformed/": "malformed_feed", "/feed/huge/": "huge_feed"}
SITEMAP_PATHS = {"/bomb-sitemap.xml": "xml_bomb", "/xxe-sitemap.xml": "xml_bomb"}
HUGE_PAGE_BYTES = 12 * 1024 * 1024
HUGE_FEED_BYTES = 16 * 1024 * 1024
GIANT_PAGE_BYTES = 60 * 1024 * 1024
VERY_SLOW_SECONDS = 120.0
GZIP_BOMB_BYTES = 1024 * 1024 * 1024
UNCLOSED_SCRIPTS_BYTES = 3_500_000
NESTING_DEPTH = 300
DEEP_TITLE = "Deeply nested story: Xiaomi and BAIC sign a battery deal"


def parse_modes(modes: object) -> set[str]:
    """Validate fault names (a comma string or an iterable); `all` means every mode."""
    names = modes.split(",") if isinstance(modes, str) else list(modes or ())  # type: ignore[call-overload]
    chosen = {str(n).strip() for n in names if str(n).strip()}
    if "all" in chosen:
        chosen = (chosen - {"all"}) | set(FAULT_MODES)
    if "hostile" in chosen:
        chosen = (chosen - {"hostile"}) | set(HOSTILE)
    unknown = chosen - set(FAULT_MODES) - set(HOSTILE_MODES)
    if unknown:
        raise ValueError(
            f"unknown fault mode(s) {sorted(unknown)}; choose from "
            f"{', '.join((*FAULT_MODES, *HOSTILE_MODES))}, all or hostile"
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


def _gzip_bomb() -> bytes:
    """GZIP_BOMB_BYTES of zeros as a multi-member gzip stream (valid gzip; built in well under a second)."""
    member = gzip.compress(b"\0" * (8 * 1024 * 1024), compresslevel=9, mtime=0)
    return member * (GZIP_BOMB_BYTES // (8 * 1024 * 1024))


def _unclosed_scripts_html(seed: int) -> bytes:
    head = _article_html("Unclosed scripts", seed).replace("</article></body></html>\n", "")
    filler = "<script x>var a = 1;\n"
    return (head + filler * (UNCLOSED_SCRIPTS_BYTES // len(filler))).encode()


def _deep_html(seed: int) -> bytes:
    """A real article inside NESTING_DEPTH nested elements (layout wrappers of a page builder)."""
    rng = random.Random(f"{seed}:fault:deep")
    paragraphs = material.body_paragraphs(rng, "Xiaomi")
    body = "".join(f"<p>{escape(p)}</p>\n" for p in paragraphs)
    opening = "".join(f'<div class="wrap-{i % 7}">' for i in range(NESTING_DEPTH - 2)) + "<section><main>"
    closing = "</main></section>" + "</div>" * (NESTING_DEPTH - 2)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(DEEP_TITLE)}</title>'
        f'<meta property="og:title" content="{escape(DEEP_TITLE)}">'
        f'<meta property="article:published_time" content="2025-03-01T09:00:00Z"></head><body>'
        f"{opening}<article><h1>{escape(DEEP_TITLE)}</h1>\n{body}</article>{closing}</body></html>\n"
    ).encode()


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
        hostile = self._hostile(mode, path, page)
        if hostile is not None:
            return hostile
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

    def _hostile(self, mode: str, path: str, page: bytes) -> Response | None:
        """The answers of HOSTILE_MODES (None for the other modes)."""
        if mode == "giant_page":
            big = self._cached("giant", lambda: _article_html("Giant page", self.seed, GIANT_PAGE_BYTES).encode())
            return Response(body=big)
        if mode == "very_slow":
            return Response(body=page, delay=VERY_SLOW_SECONDS)
        if mode == "gzip_bomb":
            return Response(body=self._cached("gzip_bomb", _gzip_bomb), headers={"Content-Encoding": "gzip"})
        if mode == "unavailable_twice":
            with self._lock:
                self._hits[path] = self._hits.get(path, 0) + 1
                hit = self._hits[path]
            if hit <= 2:
                return Response(503, b"<h1>Service unavailable</h1>", headers={"Retry-After": "1"})
            return Response(body=page)
        if mode == "unclosed_scripts":
            return Response(body=self._cached("scripts", lambda: _unclosed_scripts_html(self.seed)))
        if mode == "deep_nesting":
            return Response(body=self._cached("deep", lambda: _deep_html(self.seed)))
        return None

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
