"""Probing a site before and after it is registered: `mediawatch sources add` and `sources check`.

`probe_site(url)` looks at a site the way a crawl would - robots.txt, the homepage, the feeds it
advertises, the sitemaps robots.txt names (else the usual paths), the section pages its homepage
links to - then runs a sample of article pages through the real `extract_article`, and proposes a
registry entry with an estimate of how many articles a crawl would find. `check_source(source)`
re-checks the endpoints of a registered source. Every request goes through the SSRF guard (each
redirect hop too), with a size limit and a timeout; nothing here writes the warehouse.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from mediawatch import __version__
from mediawatch.netguard import BlockedAddress, check_url
from mediawatch.sources import Source
from mediawatch.urls import normalize_url

MAX_BYTES = 10 * 1024 * 1024  # the crawl's DOWNLOAD_MAXSIZE
TIMEOUT_S = 15.0
MAX_REDIRECTS = 5
USER_AGENT = f"mediawatch/{__version__} (source probe)"
_NAME_CHARS = re.compile(r"[^a-z0-9_]+")


@dataclass
class Fetched:
    """One guarded GET: the final URL, status, headers we use and the body (at most MAX_BYTES)."""

    url: str
    status: int | None = None
    content_type: str | None = None
    last_modified: str | None = None
    body: bytes = b""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status == 200


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # each hop is checked by fetch()
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, allowlist: Iterable[str] = (), max_bytes: int = MAX_BYTES) -> Fetched:
    """GET `url`, following up to MAX_REDIRECTS redirects, each hop checked by the SSRF guard."""
    allowed = list(allowlist)
    for _ in range(MAX_REDIRECTS + 1):
        try:
            check_url(url, allowed)
        except BlockedAddress as exc:
            return Fetched(url, error=f"blocked: {exc.reason}")
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
        try:
            with _OPENER.open(request, timeout=TIMEOUT_S) as response:
                body = response.read(max_bytes + 1)
                if len(body) > max_bytes:
                    return Fetched(url, response.status, error=f"larger than {max_bytes} bytes")
                return Fetched(
                    url,
                    response.status,
                    response.headers.get("Content-Type"),
                    response.headers.get("Last-Modified"),
                    body,
                )
        except urllib.error.HTTPError as exc:
            location = exc.headers.get("Location") if exc.code in (301, 302, 303, 307, 308) else None
            if location:
                url = urljoin(url, location)
                continue
            return Fetched(url, exc.code, exc.headers.get("Content-Type"), error=f"http_{exc.code}")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return Fetched(url, error=f"connection_error: {str(reason)[:200]}")
    return Fetched(url, error="too_many_redirects")


@dataclass
class Endpoint:
    """One discovery endpoint and what it answered."""

    kind: str  # robots, homepage, feed, sitemap, section
    url: str
    found_by: str  # declared, homepage, robots.txt, usual path
    status: int | None = None
    items: int = 0  # entries (feed, sitemap) or article links (homepage, section)
    last_modified: str | None = None
    error: str | None = None


@dataclass
class SampledArticle:
    url: str
    article: bool
    reason: str | None = None
    title: str | None = None
    language: str | None = None


@dataclass
class Probe:
    """What probing a site found, and the registry entry it proposes."""

    homepage: str
    endpoints: list[Endpoint] = field(default_factory=list)
    article_urls: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    sample: list[SampledArticle] = field(default_factory=list)
    disallowed: list[str] = field(default_factory=list)
    entry: dict[str, Any] = field(default_factory=dict)

    @property
    def estimated_articles(self) -> int:
        """Article URLs found, scaled by the share of sampled ones that extracted as articles."""
        if not self.sample:
            return 0
        share = sum(s.article for s in self.sample) / len(self.sample)
        return round(len(self.article_urls) * share)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["estimated_articles"] = self.estimated_articles
        return data


def suggest_name(url: str) -> str:
    """A registry name from a host: `www.gadget-any.com` -> `gadget_any`."""
    host = (urlsplit(url).hostname or "site").lower()
    parts = [p for p in host.split(".") if p not in ("www", "m", "amp")]
    if len(parts) >= 3 and parts[-2] in ("co", "com", "net", "org"):
        label = parts[-3]
    elif len(parts) >= 2:
        label = parts[-2]
    else:
        label = parts[0] if parts else "site"
    name = _NAME_CHARS.sub("_", label).strip("_")
    return name if name and not name[0].isdigit() else f"site_{name or 'x'}"


def _xml_entries(body: bytes) -> tuple[list[str], list[str], str]:
    """(child sitemaps, page URLs, kind) of a feed or sitemap body; ValueError when unreadable."""
    from spiders.discovery import XmlRejected, feed_entries, parse_xml, sitemap_entries, xml_body

    try:
        root = parse_xml(xml_body(body, MAX_BYTES))
        if root.tag.endswith(("sitemapindex", "urlset")):
            children, pages = sitemap_entries(root)
            return [c.url for c in children], [p.url for p in pages], "sitemap"
        return [], [e.url for e in feed_entries(root)], "feed"
    except XmlRejected as exc:
        raise ValueError(str(exc)) from None


def _selector(page: Fetched) -> Any:
    from parsel import Selector

    from mediawatch.staging import decode_html

    return Selector(text=decode_html(page.body, page.content_type) or "")


def _next_page(page: Fetched) -> str | None:
    from spiders.discovery import NEXT_PAGE_CSS

    href = _selector(page).css(NEXT_PAGE_CSS).get()
    return urljoin(page.url, href.strip()) if href else None


def _html_links(page: Fetched) -> tuple[list[str], list[str]]:
    """(feed links, all links) of an HTML page."""
    selector = _selector(page)
    feeds = []
    for link in selector.css("link[href]"):
        rel = (link.attrib.get("rel") or "").lower().split()
        kind = (link.attrib.get("type") or "").lower()
        title = (link.attrib.get("title") or "").lower()
        url = urljoin(page.url, link.attrib["href"].strip())
        if "alternate" in rel and ("rss" in kind or "atom" in kind) and "comment" not in title and "/comments/" not in url:
            feeds.append(url)
    links = [urljoin(page.url, href.strip()) for href in selector.css("a::attr(href)").getall()]
    return list(dict.fromkeys(feeds)), links


class _Robots:
    def __init__(self, text: str) -> None:
        from protego import Protego

        self.parser = Protego.parse(text)

    def allows(self, url: str) -> bool:
        return bool(self.parser.can_fetch(url, USER_AGENT))


def _candidate_source(homepage: str, name: str, country: str, crawl_interval: str) -> Source:
    host = (urlsplit(homepage).hostname or "").lower()
    domains = tuple(dict.fromkeys([host, host.removeprefix("www.")]))
    return Source(
        name=name, homepage=homepage, language="en", country=country,
        crawl_interval=crawl_interval, allowed_domains=domains,
    )


def probe_site(
    url: str,
    *,
    name: str | None = None,
    allowlist: Iterable[str] = (),
    sample: int = 5,
    country: str = "US",
    crawl_interval: str = "1h",
) -> Probe:
    """Probe the site at `url` and propose a registry entry (see the module docstring)."""
    from spiders.discovery import is_section_candidate, robots_sitemaps, usual_sitemap_urls

    allowed = list(allowlist)
    home = fetch(url, allowed)
    homepage = home.url if home.ok else url
    source = _candidate_source(homepage, name or suggest_name(homepage), country, crawl_interval)
    probe = Probe(homepage=homepage)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(homepage))

    robots_page = fetch(origin + "/robots.txt", allowed)
    robots = _Robots(robots_page.body.decode("utf-8", "replace") if robots_page.ok else "")
    probe.endpoints.append(Endpoint("robots", robots_page.url, "usual path", robots_page.status,
                                    error=robots_page.error, last_modified=robots_page.last_modified))
    probe.endpoints.append(Endpoint("homepage", homepage, "declared", home.status, error=home.error,
                                    last_modified=home.last_modified))
    found: dict[str, None] = {}

    def note_article(link: str) -> None:
        link = normalize_url(link)
        if not source.allows_host(link):
            return
        if not robots.allows(link):
            probe.disallowed.append(link)
        elif source.looks_like_article(link):
            found[link] = None

    feeds: list[str] = []
    if home.ok:
        feed_links, links = _html_links(home)
        feeds = [f for f in feed_links if source.allows_host(f)]
        for link in links:
            normal = normalize_url(link)
            if source.looks_like_article(normal) or not source.allows_host(normal):
                note_article(normal)
            elif (
                is_section_candidate(normal) and normal != normalize_url(homepage)
                and normal not in probe.sections and len(probe.sections) < source.max_sections
            ):
                if robots.allows(normal):
                    probe.sections.append(normal)
                else:
                    probe.disallowed.append(normal)
        probe.endpoints[-1].items = len(found)

    for feed in feeds:
        page = fetch(feed, allowed)
        endpoint = Endpoint("feed", feed, "homepage", page.status, error=page.error, last_modified=page.last_modified)
        if page.ok:
            try:
                _, entries, _ = _xml_entries(page.body)
                endpoint.items = len(entries)
                for entry in entries:
                    note_article(entry)
            except ValueError as exc:
                endpoint.error = str(exc)
        probe.endpoints.append(endpoint)

    robots_text = robots_page.body.decode("utf-8", "replace") if robots_page.ok else ""
    named = [u for u in robots_sitemaps(robots_text, robots_page.url) if source.allows_host(u)]
    candidates = [(u, "robots.txt") for u in named] or [(u, "usual path") for u in usual_sitemap_urls(homepage)]
    sitemaps: list[str] = []
    for sitemap, found_by in candidates:
        page = fetch(sitemap, allowed)
        endpoint = Endpoint("sitemap", sitemap, found_by, page.status, error=page.error, last_modified=page.last_modified)
        if page.ok:
            try:
                children, entries, kind = _xml_entries(page.body)
                if kind != "sitemap":
                    raise ValueError("not a sitemap")
                for child in children[:5]:  # a sitemap index: look into a few children
                    sub = fetch(urljoin(sitemap, child), allowed)
                    if sub.ok:
                        try:
                            entries += _xml_entries(sub.body)[1]
                        except ValueError:
                            pass
                endpoint.items = len(entries)
                for entry in entries:
                    note_article(entry)
                sitemaps.append(sitemap)
            except ValueError as exc:
                endpoint.error = str(exc)
        if found_by == "robots.txt" or endpoint.error is None:
            probe.endpoints.append(endpoint)

    for section in probe.sections:  # and their next pages, as far as a crawl would follow them
        page = fetch(section, allowed)
        endpoint = Endpoint("section", section, "homepage", page.status, error=page.error, last_modified=page.last_modified)
        before = len(found)
        for _ in range(source.section_max_pages):
            if not page.ok:
                break
            for link in _html_links(page)[1]:
                note_article(link)
            following = _next_page(page)
            if not following or not robots.allows(following) or not source.allows_host(following):
                break
            page = fetch(following, allowed)
        endpoint.items = len(found) - before
        probe.endpoints.append(endpoint)

    probe.article_urls = list(found)
    probe.sample = [sample_article(u, allowed) for u in probe.article_urls[:sample]]
    languages = Counter(s.language for s in probe.sample if s.article and s.language)
    probe.entry = {
        "name": source.name,
        "homepage": homepage,
        "allowed_domains": list(source.allowed_domains),
        **({"feeds": feeds} if feeds else {}),
        **({"sitemaps": sitemaps} if sitemaps else {}),
        "language": languages.most_common(1)[0][0] if languages else "en",
        "country": country,
        "crawl_interval": crawl_interval,
    }
    return probe


def sample_article(url: str, allowlist: Iterable[str]) -> SampledArticle:
    """Fetch one page and run it through the real extraction."""
    from mediawatch.extract import extract_article
    from mediawatch.staging import decode_html

    page = fetch(url, allowlist)
    if not page.ok:
        return SampledArticle(url, False, page.error or f"http_{page.status}")
    text = decode_html(page.body, page.content_type)
    if text is None:
        return SampledArticle(url, False, "not_html")
    record = extract_article(text, page.url)
    if record.error:
        return SampledArticle(url, False, record.error)
    return SampledArticle(url, True, None, record.title, record.language)


def check_source(source: Source, allowlist: Iterable[str] = (), sample: int = 3) -> dict[str, Any]:
    """Check every endpoint of a registered source live, and extract a sample of its articles."""
    allowed = list(allowlist)
    endpoints: list[Endpoint] = []
    articles: dict[str, None] = {}
    robots_page = fetch("{0.scheme}://{0.netloc}/robots.txt".format(urlsplit(source.homepage)), allowed)
    robots = _Robots(robots_page.body.decode("utf-8", "replace") if robots_page.ok else "")
    declared = [("homepage", source.homepage)] + [("feed", u) for u in source.feeds]
    declared += [("sitemap", u) for u in source.sitemaps] + [("section", s.url) for s in source.sections]
    for kind, url in declared:
        page = fetch(url, allowed)
        endpoint = Endpoint(kind, url, "declared", page.status, error=page.error, last_modified=page.last_modified)
        if page.ok:
            try:
                if kind in ("feed", "sitemap"):
                    _, entries, _ = _xml_entries(page.body)
                else:
                    entries = [normalize_url(u) for u in _html_links(page)[1]]
                    entries = [
                        u for u in entries
                        if source.allows_host(u) and source.looks_like_article(u) and robots.allows(u)
                    ]
                endpoint.items = len(entries)
                articles.update(dict.fromkeys(normalize_url(e) for e in entries))
            except ValueError as exc:
                endpoint.error = str(exc)
        endpoints.append(endpoint)
    sampled = [sample_article(u, allowed) for u in list(articles)[:sample]]
    return {
        "source": source.name,
        "endpoints": [asdict(e) for e in endpoints],
        "failed_endpoints": sum(1 for e in endpoints if e.error),
        "article_urls": len(articles),
        "sampled": len(sampled),
        "sampled_articles": sum(s.article for s in sampled),
        "sample": [asdict(s) for s in sampled],
    }


def entry_yaml(entry: dict[str, Any], indent: str = "  ") -> str:
    """The entry as a YAML list item, indented to sit under `sources:`."""
    import yaml

    text = yaml.safe_dump([entry], sort_keys=False, default_flow_style=None, width=100)
    return "".join(indent + line + "\n" for line in text.splitlines())


def append_entry(registry_path: Any, entry: dict[str, Any]) -> None:
    """Append `entry` to the registry file's `sources:` list, keeping the file's comments, after
    checking that the result is a valid registry. ValueError (saying what to do) otherwise."""
    from pathlib import Path

    from mediawatch.sources import RegistryError, load_registry

    path = Path(registry_path)
    if path.exists():
        text = path.read_text(encoding="utf-8")
        lines = text.rstrip("\n").splitlines()
        top = [i for i, line in enumerate(lines) if re.match(r"^[A-Za-z_]+\s*:", line)]
        if not top or not lines[top[-1]].startswith("sources"):
            raise ValueError(
                f"{path}: `sources:` is not the last section of the file, so the entry cannot be "
                "appended safely; paste the printed entry into its `sources:` list by hand"
            )
        items = [line for line in lines[top[-1] + 1 :] if line.lstrip().startswith("- ")]
        indent = items[0][: len(items[0]) - len(items[0].lstrip())] if items else "  "
        new_text = text.rstrip("\n") + "\n" + entry_yaml(entry, indent)
    else:
        new_text = "version: 1\nsources:\n" + entry_yaml(entry)
    tmp = path.with_name(f".{path.name}.add.tmp")
    tmp.write_text(new_text, encoding="utf-8")
    try:
        load_registry(tmp)
    except RegistryError as exc:
        tmp.unlink(missing_ok=True)
        raise ValueError(f"the new entry would make {path} invalid: {exc}") from None
    tmp.replace(path)
