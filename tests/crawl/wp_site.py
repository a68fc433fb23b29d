"""A small WordPress-like news site on 127.0.0.1 for discovery tests (homepage, sections, feeds,
sitemaps, robots.txt), with a log of every path requested.

Eleven articles, newest first. The feed lists the five newest; the gzipped sitemap (named by
robots.txt) the nine newest; the paginated /news/ section lists all of them, so the two oldest are
reachable only through /news/page/2/, which the homepage reaches by its "News" link. /private/ is
disallowed by robots.txt and linked from the homepage: it must never be requested.
"""

from __future__ import annotations

import gzip
import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

WORDS = (
    "the company said its new phone would ship with a faster chip and a larger battery while "
    "analysts expect prices to rise as suppliers struggle with demand for memory and displays in "
    "the coming quarter regulators in europe are reviewing the deal after rivals complained that "
    "the merger could reduce competition in electric cars batteries and charging networks across "
    "several markets the startup raised money from investors to expand its software platform for "
    "factories and logistics firms that want to automate warehouses with robots and cameras"
).split()
TOPICS = ("Xiaomi", "BAIC", "Nvidia", "Samsung", "Huawei", "Apple", "Tesla", "Sony", "Intel", "Oppo", "Vivo")


@dataclass
class Article:
    index: int
    title: str
    slug: str
    published: datetime
    paragraphs: list[str]

    @property
    def path(self) -> str:
        return f"/{self.published:%Y/%m}/{self.slug}/"


def _paragraph(rng: random.Random, topic: str) -> str:
    sentences = []
    for _ in range(4):
        words = [rng.choice(WORDS) for _ in range(rng.randint(12, 20))]
        words.insert(rng.randint(0, len(words)), topic)
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


def make_articles(count: int = 11) -> list[Article]:
    day = datetime(2025, 2, 27, 9, 0, tzinfo=UTC)
    articles = []
    for i in range(count):
        rng = random.Random(f"wp-{i}")
        topic = TOPICS[i % len(TOPICS)]
        title = f"{topic} {rng.choice(['unveils', 'delays', 'expands', 'cuts'])} {rng.choice(['phone', 'car', 'chip', 'plan'])} number {i + 1}"
        slug = title.lower().replace(" ", "-")
        articles.append(
            Article(i, title, slug, day - timedelta(hours=7 * i), [_paragraph(rng, topic) for _ in range(6)])
        )
    return articles


def _page(title: str, main: str, base: str, head: str = "") -> str:
    nav = (
        '<nav class="main-menu"><ul>'
        f'<li><a href="{base}/">Home</a></li><li><a href="{base}/news/">News</a></li>'
        f'<li><a href="{base}/category/phones/">Phones</a></li>'
        f'<li><a href="{base}/tag/xiaomi/">Xiaomi</a></li>'
        f'<li><a href="{base}/author/jane-doe/">Jane Doe</a></li>'
        f'<li><a href="{base}/about/">About</a></li>'
        f'<li><a href="{base}/private/">Members</a></li></ul></nav>'
    )
    return (
        f'<!DOCTYPE html><html lang="en-US"><head><meta charset="UTF-8"><title>{escape(title)} - Gadget Daily</title>'
        f"{head}</head><body><header>{nav}</header><main>{main}</main>"
        '<footer><p>&copy; 2025 Gadget Daily</p></footer></body></html>'
    )


def _teasers(articles: list[Article], base: str) -> str:
    return "".join(
        f'<article class="post"><h2><a href="{base}{a.path}">{escape(a.title)}</a></h2></article>'
        for a in articles
    )


def article_html(article: Article, base: str, related: list[Article]) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    main = (
        f'<nav class="breadcrumb"><a href="{base}/">Home</a> » <a href="{base}/news/">News</a></nav>'
        f'<article class="post"><h1 class="entry-title">{escape(article.title)}</h1>'
        f'<div class="byline">By <a href="{base}/author/jane-doe/" rel="author">Jane Doe</a> '
        f'<time datetime="{article.published.isoformat()}">{article.published:%B %d, %Y}</time></div>'
        '<div class="share"><a href="#">Share on X</a> <a href="#">Facebook</a></div>'
        f'<div class="entry-content">{body}'
        '<figure><img src="/img.jpg" alt=""><figcaption>Photo: press handout</figcaption></figure></div>'
        '<div class="author-bio">Jane Doe writes about phones and cars.</div></article>'
        '<div id="respond"><h3>Leave a Reply</h3><form><textarea></textarea></form></div>'
        f'<section class="related"><h3>Related news</h3>{_teasers(related, base)}</section>'
    )
    head = f'<meta property="og:type" content="article"><link rel="canonical" href="{base}{article.path}">'
    return _page(article.title, main, base, head)


@dataclass
class WordPressSite:
    """The site; `robots_sitemap` / `feed_link` switch off what autodiscovery would find."""

    robots_sitemap: bool = True
    feed_link: bool = True
    sitemap_at_usual_path: bool = False  # serve /sitemap_index.xml (plain XML) too
    articles: list[Article] = field(default_factory=make_articles)
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WordPressSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.server.shutdown()
        self.server.server_close()

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def article_paths(self) -> set[str]:
        return {a.path for a in self.articles}

    def article_urls(self) -> set[str]:
        return {self.base + a.path for a in self.articles}

    # --- pages --------------------------------------------------------------------------------
    def route(self, path: str) -> tuple[int, str, bytes]:
        base, arts = self.base, self.articles
        html = "text/html; charset=utf-8"
        if path == "/":
            head = ""
            if self.feed_link:
                head = (
                    f'<link rel="alternate" type="application/rss+xml" title="Gadget Daily &raquo; Feed" href="{base}/feed/">'
                    f'<link rel="alternate" type="application/rss+xml" title="Gadget Daily &raquo; Comments Feed" href="{base}/comments/feed/">'
                )
            main = _teasers(arts[:3], base) + f'<a href="{base}/private/2025/02/members-only-story-about-chips/">Members</a>'
            return 200, html, _page("Gadget Daily", main, base, head).encode()
        if path == "/robots.txt":
            lines = ["User-agent: *", "Disallow: /private/"]
            if self.robots_sitemap:
                lines.append(f"Sitemap: {base}/sitemap.xml.gz")
            return 200, "text/plain", ("\n".join(lines) + "\n").encode()
        if path == "/feed/":
            items = "".join(
                f"<item><title>{escape(a.title)}</title><link>{base}{a.path}</link>"
                f"<pubDate>{a.published:%a, %d %b %Y %H:%M:%S +0000}</pubDate></item>"
                for a in arts[:5]
            )
            rss = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Gadget Daily</title>{items}</channel></rss>'
            return 200, "application/rss+xml", rss.encode()
        if path in ("/sitemap.xml.gz", "/sitemap_index.xml"):
            if path == "/sitemap_index.xml" and not self.sitemap_at_usual_path:
                return 404, html, b"<h1>Not found</h1>"
            urls = "".join(
                f"<url><loc>{base}{a.path}</loc><lastmod>{a.published.isoformat()}</lastmod></url>"
                for a in arts[:9]
            )
            xml = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
            if path.endswith(".gz"):
                return 200, "application/x-gzip", gzip.compress(xml.encode())
            return 200, "application/xml", xml.encode()
        if path in ("/news/", "/news/page/2/"):
            page = 2 if "page/2" in path else 1
            listed = arts[:6] if page == 1 else arts[6:]
            more = f'<a class="next page-numbers" href="{base}/news/page/2/">Next &raquo;</a>' if page == 1 else ""
            return 200, html, _page("News", _teasers(listed, base) + more, base).encode()
        if path == "/category/phones/":
            return 200, html, _page("Phones", _teasers(arts[1::3], base), base).encode()
        if path in ("/tag/xiaomi/", "/author/jane-doe/", "/about/"):
            return 200, html, _page(path.strip("/"), _teasers(arts[::4], base), base).encode()
        for i, article in enumerate(arts):
            if path == article.path:
                related = [arts[(i + 1) % len(arts)], arts[(i + 2) % len(arts)]]
                return 200, html, article_html(article, base, related).encode()
        return 404, html, b"<h1>Not found</h1>"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = self.path.split("?")[0]
                with site._lock:
                    site.requests.append(path)
                status, ctype, body = site.route(path)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def registry_yaml(site: WordPressSite, name: str = "gadgetdaily", **extra: object) -> str:
    """A registry with one source for the site; `extra` adds source keys (feeds=[...], ...)."""
    import yaml

    source: dict[str, object] = {
        "name": name,
        "homepage": f"{site.base}/",
        "allowed_domains": ["127.0.0.1"],
        "language": "en",
        "country": "US",
        "crawl_interval": "1h",
        **extra,
    }
    return yaml.safe_dump(
        {"version": 1, "network": {"allowlist": [f"127.0.0.1:{site.port}"]}, "sources": [source]},
        sort_keys=False,
    )
