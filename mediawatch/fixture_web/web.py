"""`FixtureWeb`: start the five fixture sites on 127.0.0.1 and control them from a test or the CLI."""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from mediawatch.fixture_web.catalog import SITE_BY_NAME, SITES, Catalog
from mediawatch.fixture_web.faults import FaultPlan, parse_modes
from mediawatch.fixture_web.registry import registry_yaml
from mediawatch.fixture_web.response import Response
from mediawatch.fixture_web.routes import Router
from mediawatch.fixture_web.server import LOOPBACK_SITE, FixtureHTTPServer, ResponseCache


class FixtureWeb:
    """Deterministic tech-news sites on 127.0.0.1, one HTTP server (own port) per site.

    `articles` is the number of articles per site. `port=0` picks ephemeral ports; otherwise site i
    listens on port+i. `loopback_target` is where `redirect_loopback` points; by default a separate
    listener that is not in the registry's allowlist (its hits are logged as site `__loopback__`).
    """

    def __init__(
        self,
        seed: int = 0,
        articles: int = 60,
        port: int = 0,
        faults: Any = (),
        loopback_target: tuple[str, int] | None = None,
        slow_seconds: float = 3.0,
        host: str = "127.0.0.1",
    ) -> None:
        if articles < 1:
            raise ValueError("articles must be at least 1")
        self.seed, self.host, self.port = seed, host, port
        self.catalog = Catalog(seed, articles)
        self._initial_faults = parse_modes(faults)
        self._loopback_request = loopback_target
        self._slow_seconds = slow_seconds
        self.request_log: list[dict[str, Any]] = []
        self._log_lock = threading.Lock()
        self._servers: list[FixtureHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self._cache = ResponseCache()
        self._version = 0
        self.base_urls: dict[str, str] = {}
        self.loopback_target: tuple[str, int] = loopback_target or (host, 0)
        self.plan = FaultPlan(seed, self.catalog.reference, self.loopback_target, slow_seconds)
        self.router = Router(self.catalog, self.plan, self.base_urls)

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> FixtureWeb:
        """Bind every site (and the loopback listener) and serve in background threads."""
        try:
            for i, spec in enumerate(SITES):
                server = self._listen(self.port + i if self.port else 0, spec.name)
                self.base_urls[spec.name] = f"http://{self.host}:{server.server_address[1]}"
            if self._loopback_request is None:
                server = self._listen(0, LOOPBACK_SITE)
                self.loopback_target = (self.host, server.server_address[1])
                self.plan.loopback = self.loopback_target
        except OSError as exc:
            self.stop()
            raise OSError(
                f"fixture web cannot listen ({exc}); choose another --port or use port=0"
            ) from exc
        self.set_faults(self._initial_faults)
        return self

    def _listen(self, port: int, site: str) -> FixtureHTTPServer:
        server = FixtureHTTPServer((self.host, port), self, site)
        thread = threading.Thread(target=server.serve_forever, name=f"fixture-{site}", daemon=True)
        thread.start()
        self._servers.append(server)
        self._threads.append(thread)
        return server

    def stop(self) -> None:
        """Stop every server and close its socket."""
        # shutdown() waits for the serve loop's next poll; doing the six in parallel saves seconds
        stoppers = [threading.Thread(target=s.shutdown) for s in self._servers]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join(timeout=5)
        for server in self._servers:
            server.server_close()
            server.close_connections()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = [], []

    def __enter__(self) -> FixtureWeb:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- serving ----------------------------------------------------------------------------------
    def respond(self, site: str, path: str) -> Response:
        """The (cached) response for GET `path` on `site`; fault resources are never cached."""
        if site == "techpress" and self.plan.mode_of(path) in self.plan.active:
            return self.router.route(site, path)
        version = self._version
        cached = self._cache.get((site, path), version)
        if cached is None:
            cached = self.router.route(site, path)
            if cached.status == 200:
                self._cache.put((site, path), version, cached)
        return cached

    def log_request(
        self, site: str, method: str, path: str, status: int, headers: dict[str, str]
    ) -> None:
        with self._log_lock:
            self.request_log.append(
                {"site": site, "method": method, "path": path, "status": status, "headers": headers}
            )

    def clear_log(self) -> None:
        """Forget all logged requests."""
        with self._log_lock:
            self.request_log.clear()

    # --- control ----------------------------------------------------------------------------------
    @property
    def faults(self) -> set[str]:
        return set(self.plan.active)

    def set_faults(self, modes: Any) -> None:
        """Switch the active fault modes (names, a comma string, or `all`); unknown names raise."""
        self.plan.set(modes)
        self._version += 1

    def update_article(self, url: str) -> None:
        """Revise an article: one more body paragraph, a later lastmod, hence a new ETag."""
        site, index = self._locate(url)
        self.catalog.update(site, index)
        self._version += 1

    def add_articles(self, n: int) -> None:
        """Publish n new articles on every site (they show up in feeds, sitemaps and sections)."""
        self.catalog.add(n)
        self._version += 1

    def _locate(self, url: str) -> tuple[str, int]:
        for site, base in self.base_urls.items():
            if url.startswith(base + "/") and site in SITE_BY_NAME:
                index = self.catalog.lookup(site, url[len(base) :])
                if index is not None:
                    return site, index
        raise KeyError(f"{url} is no article of this fixture web; use one from article_urls()")

    # --- what is there --------------------------------------------------------------------------
    def article_urls(self, site: str | None = None) -> list[str]:
        """Canonical URLs of healthy articles, oldest first per site."""
        sites = [site] if site else [s.name for s in SITES]
        return [
            self.base_urls[s] + self.catalog.meta(s, i).path
            for s in sites
            for i in range(self.catalog.count(s))
        ]

    def ground_truth(self) -> dict[str, dict[str, Any]]:
        """What a perfect extractor returns for each healthy article (body paragraphs joined by a
        blank line, captions excluded; dates in UTC)."""
        truth = {}
        for spec in SITES:
            for i in range(self.catalog.count(spec.name)):
                meta = self.catalog.meta(spec.name, i)
                origin = meta.syndicated_of
                truth[self.base_urls[spec.name] + meta.path] = {
                    "site": spec.name,
                    "title": meta.title,
                    "body": "\n\n".join(self.catalog.body(spec.name, i)),
                    "authors": list(meta.authors),
                    "published_at": meta.published.isoformat(),
                    "language": spec.language,
                    "syndicated_of": (self.base_urls[origin[0]] + self.catalog.meta(*origin).path)
                    if origin
                    else None,
                }
        return truth

    def fault_urls(self) -> dict[str, str]:
        """{url: fault mode} of the resources that exist only to be faulty (active modes only)."""
        base = self.base_urls["techpress"]
        paths = {**self.plan.page_paths(), **self.plan.feed_paths(), **self.plan.sitemap_paths()}
        return {base + path: mode for path, mode in paths.items()}

    def sources_yaml(self) -> str:
        """The registry (shared sources.yaml format) of all sites, allowlisting their host:port."""
        return registry_yaml(self.catalog, self.plan, self.base_urls)

    def write_sources(self, path: str | Path) -> Path:
        """Write sources_yaml() to `path` and return it."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        # write-then-rename: a script polling for the file never reads half of it
        partial = target.with_name(target.name + ".partial")
        partial.write_text(self.sources_yaml(), encoding="utf-8")
        partial.replace(target)
        return target
