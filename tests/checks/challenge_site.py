"""A tiny news site on 127.0.0.1 for the yield check: each section has an RSS feed and article pages;
a section can be switched behind a bot wall, after which every new story answers HTTP 200 with a
"Just a moment..." challenge page (what Cloudflare-style walls serve), while old stories stay."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHALLENGE = (
    "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    "<h1>Just a moment...</h1><p>Checking your browser before accessing the site.</p>"
    "<noscript>Enable JavaScript and cookies to continue</noscript></body></html>"
)
WORDS = ("battery charging network factory pricing software update regulators investors quarter "
         "deliveries platform prototype supplier launch market analysts revenue design range "
         "engineers chip production dealers testing expansion customers warranty").split()


def story_html(section: str, index: int) -> str:
    rng = random.Random(f"{section}:{index}")
    title = f"{section.title()} story {index}: " + " ".join(rng.sample(WORDS, 5))
    paragraphs = []
    for _ in range(6):
        sentences = [
            " ".join(rng.sample(WORDS, 9)).capitalize() + f", the company said on day {rng.randint(1, 28)}."
            for _ in range(4)
        ]
        paragraphs.append("<p>" + escape(" ".join(sentences)) + "</p>")
    published = (datetime(2025, 2, 1, tzinfo=UTC) + timedelta(hours=index)).isoformat()
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta property="article:published_time" content="{published}"></head><body>'
        f"<article><h1>{escape(title)}</h1><p class=\"byline\">By Jane Doe</p>{''.join(paragraphs)}"
        "</article></body></html>"
    )


class ChallengeSite:
    """Sections (`/<section>/feed.xml`, `/<section>/2025/02/story-<i>/`) with `stories` each; `wall`
    puts a section behind the challenge for stories added from then on (`publish`)."""

    def __init__(self) -> None:
        self.stories: dict[str, int] = {}
        self.walled_from: dict[str, int] = {}
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                status, ctype, body = site.respond(self.path)
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ChallengeSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def publish(self, section: str, n: int) -> None:
        with self.lock:
            self.stories[section] = self.stories.get(section, 0) + n

    def wall(self, section: str) -> None:
        """New stories of `section` (published after this) answer with the challenge page."""
        with self.lock:
            self.walled_from[section] = self.stories.get(section, 0)

    def url(self, section: str, index: int) -> str:
        return f"{self.base}/{section}/2025/02/story-{index}/"

    def respond(self, path: str) -> tuple[int, str, str]:
        if path == "/robots.txt":
            return 200, "text/plain", "User-agent: *\nAllow: /\n"
        parts = path.strip("/").split("/")
        section = parts[0]
        if section not in self.stories:
            return 404, "text/html", "<h1>Not found</h1>"
        if parts[1:] == ["feed.xml"]:
            return 200, "application/rss+xml", self.feed(section)
        if len(parts) == 4 and parts[3].startswith("story-"):
            index = int(parts[3].removeprefix("story-"))
            if index >= self.stories[section]:
                return 404, "text/html", "<h1>Not found</h1>"
            if index >= self.walled_from.get(section, 1 << 30):
                return 200, "text/html; charset=utf-8", CHALLENGE
            return 200, "text/html; charset=utf-8", story_html(section, index)
        return 404, "text/html", "<h1>Not found</h1>"

    def feed(self, section: str) -> str:
        items = "".join(
            f"<item><title>Story {i}</title><link>{self.url(section, i)}</link>"
            f"<pubDate>{format_datetime(datetime(2025, 2, 1, tzinfo=UTC) + timedelta(hours=i))}</pubDate></item>"
            for i in range(self.stories[section])
        )
        return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{section}</title>'
                f"<link>{self.base}/{section}/</link>{items}</channel></rss>")

    def registry(self, overrides: dict[str, dict[str, float]] | None = None) -> str:
        netloc = self.base.split("//")[1]
        lines = ["version: 1", "network:", f"  allowlist: ['{netloc}']", "sources:"]
        for section in self.stories:
            lines += [
                f"  - name: {section}",
                f"    homepage: {self.base}/{section}/",
                "    allowed_domains: ['127.0.0.1']",
                f"    feeds: ['{self.base}/{section}/feed.xml']",
                "    article_patterns: ['/story-\\d+/$']",
                "    language: en",
                "    country: US",
                "    crawl_interval: 1h",
                "    discover_homepage: false",  # the site serves feeds and stories only
            ]
            for name, value in (overrides or {}).get(section, {}).items():
                lines += ["    thresholds:", f"      {name}: {value}"]
        return "\n".join(lines) + "\n"
