"""The source registry (sources.yaml): which sites we crawl and how. Loaded and validated in one place.

The format is a shared contract (see docs / the registry format note): `version`, optional
`settings` (polite defaults for every source), `network.allowlist` (exact host:port pairs exempt from
the private-address guard) and `sources`. Every problem in a file is reported at once, each naming
the file, the source and the field, and saying what to do.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

__all__ = [
    "Registry",
    "RegistryError",
    "Section",
    "Source",
    "load_registry",
    "parse_interval",
]

_NAME = re.compile(r"^[a-z0-9_]+$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_INTERVAL = re.compile(r"^(\d+)([smhd])$")
_INTERVAL_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

TOP_KEYS = {"version", "settings", "network", "sources"}
NETWORK_KEYS = {"allowlist"}
# registry-wide settings; anything else is a typo we would rather report than ignore
SETTINGS_KEYS = {
    "contact_url",  # goes into the User-Agent
    "allow_faster",  # let `delay`/`concurrency` go below the polite defaults
    "delay",  # seconds between requests to one site
    "concurrency",  # parallel requests per site
    "download_timeout",  # seconds for connect + download
    "news_sitemap_window_days",  # default lastmod window for Google News sitemaps
}
SOURCE_KEYS = {
    "name",
    "homepage",
    "allowed_domains",
    "feeds",
    "sitemaps",
    "sections",
    "article_patterns",
    "exclude_patterns",
    "language",
    "country",
    "crawl_interval",
    "delay",
    "news_sitemap_window_days",
    "extraction",
}
SECTION_KEYS = {"url", "pagination", "max_pages"}

# paths that are never single articles, on any site; sources add their own `exclude_patterns`
DEFAULT_EXCLUDE_PATTERNS = (
    r"/tags?/",
    r"/authors?/",
    r"/category/",
    r"/categories/",
    r"/topics?/",
    r"/galler(y|ies)/",
    r"/page/\d+/?$",
    r"[?&]page=\d+",
    r"/feed/?$",
    r"/wp-admin/",
    r"/wp-login",
    r"/search(/|$|\?)",
    r"\.(xml|rss|atom|json|jpe?g|png|gif|webp|svg|pdf|zip|mp4|mp3)$",
)
# what an article URL usually looks like when a source gives no `article_patterns`
_ARTICLE_SHAPE = re.compile(r"/\d{4}/\d{1,2}/|\.s?html?$|/[^/?]*\w+-\w+-\w+[^/]*/?$")


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


class RegistryError(ValueError):
    """The registry file is unusable; the message lists every problem found."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"{self.path}: {len(problems)} problem(s) in the source registry:\n{lines}\n"
            "Fix these entries (see the registry format: docs/ or sources.yaml comments) and retry."
        )


@dataclass(frozen=True)
class Section:
    """A section (category/archive) page whose article links are followed."""

    url: str
    pagination: str | None = None  # template with "{page}", e.g. ".../page/{page}/"
    max_pages: int = 5


@dataclass(frozen=True)
class Source:
    """One site to crawl, as declared in the registry."""

    name: str
    homepage: str
    language: str
    country: str
    crawl_interval: str
    allowed_domains: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    article_patterns: tuple[str, ...] = ()
    exclude_patterns: tuple[str, ...] = ()
    delay: float | None = None
    news_sitemap_window_days: float | None = None
    extraction: str | None = None

    @property
    def crawl_interval_seconds(self) -> int:
        return parse_interval(self.crawl_interval)

    def is_excluded(self, url: str) -> bool:
        """True when the URL path is a known non-article page (tag, author, category, gallery, ...)."""
        path = _path_and_query(url)
        return any(re.search(p, path) for p in (*DEFAULT_EXCLUDE_PATTERNS, *self.exclude_patterns))

    def looks_like_article(self, url: str) -> bool:
        """True when a URL may be an article: not excluded, and matching `article_patterns` if given,
        else shaped like one (dated path, .html page or a slug of several words)."""
        if self.is_excluded(url):
            return False
        path = _path_and_query(url)
        if self.article_patterns:
            return any(re.search(p, path) for p in self.article_patterns)
        return bool(_ARTICLE_SHAPE.search(path))

    def allows_host(self, url: str) -> bool:
        """True when the URL's host is one of `allowed_domains` or a subdomain of one."""
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)


@dataclass(frozen=True)
class Registry:
    """All sources plus the network allowlist ("host:port") and registry-wide settings."""

    sources: list[Source]
    allowlist: frozenset[str] = frozenset()
    settings: dict[str, Any] = field(default_factory=dict)
    path: str | None = None

    def get(self, name: str) -> Source:
        """The source called `name`; KeyError naming the known sources otherwise."""
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise KeyError(f"no source {name!r} in {self.path or 'the registry'} (known: {known})")

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.sources]


def parse_interval(text: str) -> int:
    """Seconds in an interval like "15m", "1h", "1d"; ValueError when malformed or zero."""
    match = _INTERVAL.match(str(text).strip())
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"bad interval {text!r}: use a positive number and s, m, h or d, e.g. 1h")
    return int(match.group(1)) * _INTERVAL_SECONDS[match.group(2)]


def _url_problem(value: Any) -> str | None:
    """Why `value` is not an absolute http(s) URL with a host, or None when it is."""
    if not isinstance(value, str) or not value.strip():
        return "must be a URL string"
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"must start with http:// or https:// (got {parts.scheme or 'no scheme'!r})"
    if not parts.hostname:
        return "has no host"
    return None


def normalize_allow_entry(entry: str) -> str:
    """Canonical "host:port" spelling used for allowlist lookups (lowercase, IPv6 in brackets)."""
    host, _, port = entry.strip().rpartition(":")
    host = host.strip("[]").lower()
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class _Checker:
    """Collects problems while converting the raw YAML into dataclasses."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []

    def add(self, where: str, field_name: str, message: str) -> None:
        self.problems.append(f"{where}, field {field_name!r}: {message}")

    def unknown_keys(self, where: str, data: dict[str, Any], allowed: set[str]) -> None:
        for key in sorted(set(data) - allowed, key=str):
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            self.add(where, str(key), f"unknown key; {hint}allowed keys are {', '.join(sorted(allowed))}")

    def url_list(self, where: str, data: dict[str, Any], key: str) -> tuple[str, ...]:
        value = data.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.add(where, key, "must be a list of URLs")
            return ()
        urls = []
        for item in value:
            problem = _url_problem(item)
            if problem:
                self.add(where, key, f"{item!r} {problem}")
            else:
                urls.append(item.strip())
        return tuple(urls)

    def str_list(self, where: str, data: dict[str, Any], key: str, regex: bool = False) -> tuple:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(where, key, "must be a list of strings")
            return ()
        if regex:
            for pattern in value:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    self.add(where, key, f"{pattern!r} is not a valid regex ({exc})")
        return tuple(value)

    def number(self, where: str, data: dict[str, Any], key: str) -> float | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            self.add(where, key, f"must be a non-negative number (got {value!r})")
            return None
        return float(value)

    def sections(self, where: str, data: dict[str, Any]) -> tuple[Section, ...]:
        value = data.get("sections") or []
        if not isinstance(value, list):
            self.add(where, "sections", "must be a list of {url, pagination, max_pages}")
            return ()
        result = []
        for index, raw in enumerate(value):
            spot = f"{where} sections[{index}]"
            if isinstance(raw, str):
                raw = {"url": raw}
            if not isinstance(raw, dict):
                self.add(spot, "url", "must be a mapping with at least `url`")
                continue
            self.unknown_keys(spot, raw, SECTION_KEYS)
            problem = _url_problem(raw.get("url"))
            if problem:
                self.add(spot, "url", f"{raw.get('url')!r} {problem}")
                continue
            pagination = raw.get("pagination")
            if pagination is not None and (
                _url_problem(pagination) or "{page}" not in str(pagination)
            ):
                self.add(spot, "pagination", "must be an http(s) URL containing {page}")
                pagination = None
            max_pages = raw.get("max_pages", 5)
            if isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1:
                self.add(spot, "max_pages", f"must be a positive integer (got {max_pages!r})")
                max_pages = 5
            result.append(
                Section(url=raw["url"].strip(), pagination=pagination, max_pages=max_pages)
            )
        return tuple(result)

    def source(self, index: int, raw: Any, seen: set[str]) -> Source | None:
        if not isinstance(raw, dict):
            self.add(f"sources[{index}]", "name", "each source must be a mapping")
            return None
        name = raw.get("name")
        where = f"source {name!r}" if isinstance(name, str) and name else f"sources[{index}]"
        before = len(self.problems)
        self.unknown_keys(where, raw, SOURCE_KEYS)
        if not isinstance(name, str) or not _NAME.match(name):
            self.add(where, "name", "required; lowercase letters, digits and _ only")
        elif name in seen:
            self.add(where, "name", "duplicate source name; rename one of them")
        else:
            seen.add(name)
        homepage = raw.get("homepage")
        problem = _url_problem(homepage)
        if problem:
            self.add(where, "homepage", f"{homepage!r} {problem}")
        feeds = self.url_list(where, raw, "feeds")
        sitemaps = self.url_list(where, raw, "sitemaps")
        sections = self.sections(where, raw)
        if not (raw.get("feeds") or raw.get("sitemaps") or raw.get("sections")):
            self.add(
                where,
                "feeds",
                "no discovery method: give at least one of feeds, sitemaps, sections",
            )
        domains = self.str_list(where, raw, "allowed_domains")
        for domain in domains:
            if "/" in domain or ":" in domain:
                self.add(
                    where, "allowed_domains", f"{domain!r} must be a bare hostname (no scheme/port)"
                )
        language = raw.get("language")
        if not isinstance(language, str) or not _LANGUAGE.match(language):
            self.add(where, "language", f"{language!r} must be an ISO 639-1 code like 'en'")
        country = raw.get("country")
        if not isinstance(country, str) or not _COUNTRY.match(country):
            self.add(where, "country", f"{country!r} must be an ISO 3166-1 alpha-2 code like 'US'")
        interval = raw.get("crawl_interval")
        try:
            parse_interval(interval)
        except ValueError as exc:
            self.add(where, "crawl_interval", str(exc))
        extraction = raw.get("extraction")
        if extraction is not None and not isinstance(extraction, str):
            self.add(where, "extraction", "must be the name of an extraction override")
        source_kwargs = dict(
            article_patterns=self.str_list(where, raw, "article_patterns", regex=True),
            exclude_patterns=self.str_list(where, raw, "exclude_patterns", regex=True),
            delay=self.number(where, raw, "delay"),
            news_sitemap_window_days=self.number(where, raw, "news_sitemap_window_days"),
        )
        if len(self.problems) > before:
            return None
        if not domains:  # default: the hosts of the declared URLs
            hosts = [urlsplit(u).hostname for u in (homepage, *feeds, *sitemaps)]
            domains = tuple(dict.fromkeys(h for h in hosts if h))
        return Source(
            name=name,
            homepage=homepage.strip(),
            language=language,
            country=country,
            crawl_interval=str(interval),
            allowed_domains=domains,
            feeds=feeds,
            sitemaps=sitemaps,
            sections=sections,
            extraction=extraction,
            **source_kwargs,
        )


def load_registry(path: str | Path) -> Registry:
    """Load and validate the registry at `path`; RegistryError lists every problem found."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(path, ["file not found: create it or set MEDIAWATCH_SOURCES"]) from None
    except yaml.YAMLError as exc:
        raise RegistryError(path, [f"not valid YAML: {exc}"]) from None
    check = _Checker(path)
    if not isinstance(data, dict):
        raise RegistryError(path, ["top level must be a mapping with `sources:`"])
    check.unknown_keys("registry", data, TOP_KEYS)
    if data.get("version", 1) != 1:
        check.add("registry", "version", f"unsupported version {data.get('version')!r}; use 1")
    settings = data.get("settings") or {}
    if not isinstance(settings, dict):
        check.add("registry", "settings", "must be a mapping")
        settings = {}
    check.unknown_keys("registry settings", settings, SETTINGS_KEYS)
    if "contact_url" in settings and _url_problem(settings["contact_url"]):
        check.add("registry settings", "contact_url", "must be an http(s) URL people can visit")
    for key in ("delay", "concurrency", "download_timeout", "news_sitemap_window_days"):
        check.number("registry settings", settings, key)
    network = data.get("network") or {}
    allowlist: set[str] = set()
    if not isinstance(network, dict):
        check.add("registry", "network", "must be a mapping with `allowlist`")
        network = {}
    check.unknown_keys("registry network", network, NETWORK_KEYS)
    for entry in network.get("allowlist") or []:
        if not isinstance(entry, str) or not re.match(r"^\[?[^\s/\]]+\]?:\d{1,5}$", entry.strip()):
            check.add("registry network", "allowlist", f"{entry!r} must be an exact 'host:port'")
        else:
            allowlist.add(normalize_allow_entry(entry))
    raw_sources = data.get("sources")
    sources: list[Source] = []
    if not isinstance(raw_sources, list) or not raw_sources:
        check.add("registry", "sources", "must be a non-empty list of sources")
    else:
        seen: set[str] = set()
        for index, raw in enumerate(raw_sources):
            source = check.source(index, raw, seen)
            if source is not None:
                sources.append(source)
    if check.problems:
        raise RegistryError(path, check.problems)
    return Registry(
        sources=sources, allowlist=frozenset(allowlist), settings=settings, path=str(path)
    )
