"""The article catalog: what every fixture site publishes, computed lazily from (seed, site, index).

Nothing is generated up front, so a site with 100,000 articles costs nothing until a page is asked
for. Dates hang off a reference date derived from the seed (never the wall clock), so two runs with
the same seed serve byte-identical pages.
"""

from __future__ import annotations

import dataclasses
import functools
import random
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from mediawatch.fixture_web import material


@dataclass(frozen=True)
class SiteSpec:
    """One fixture site: its name in the registry, what it calls itself, its language."""

    name: str
    display: str
    language: str
    country: str
    index_pattern: str  # regex finding the article number in a URL path
    article_pattern: str  # the registry's article_patterns entry


SITES: tuple[SiteSpec, ...] = (
    SiteSpec("techpress", "TechPress", "en", "US", r"-(\d+)/$", r"/\d{4}/\d{2}/\d{2}/[a-z0-9-]+/$"),
    SiteSpec("newsmodern", "NewsModern", "en", "GB", r"-(\d+)$", r"/news/\d{4}/\d{2}/"),
    SiteSpec("archivepost", "The Archive Post", "en", "US", r"-(\d+)\.html$", r"/tech/\d{4}/"),
    SiteSpec(
        "sitemaponly", "Sitemap Only Times", "en", "US", r"/articles/(\d+)-", r"/articles/\d+-"
    ),
    SiteSpec("techblatt", "TechBlatt", "de", "DE", r"-(\d+)\.html$", r"/artikel/\d{4}/\d{2}/"),
)
SITE_BY_NAME = {spec.name: spec for spec in SITES}

# (site, index) of a republished copy -> (site, index) of the original story; a negative index counts
# from the newest article, so one republished story always falls in the last week (weekly reports)
SYNDICATION = {("newsmodern", 3): ("techpress", 2), ("newsmodern", -2): ("techpress", -3)}
CATEGORIES = ["tech", "ev", "mobile", "business"]
SECTION_PAGE_SIZE = 20


@dataclass(frozen=True)
class ArticleMeta:
    """Everything about one article except its body text."""

    site: str
    index: int
    path: str
    title: str
    authors: tuple[str, ...]
    company: str
    category: str
    tags: tuple[str, ...]
    published: datetime
    modified: datetime
    revision: int = 0
    syndicated_of: tuple[str, int] | None = None


@dataclass(eq=False)  # identity hash: the lru caches below key on self
class Catalog:
    """Lazily generated articles of all fixture sites; `articles` is the count per site."""

    seed: int
    articles: int
    counts: dict[str, int] = field(default_factory=dict)
    # (site, index) -> modification times of its revisions, oldest first
    revisions: dict[tuple[str, int], list[datetime]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.counts = {spec.name: self.articles for spec in SITES}
        base = datetime(2025, 3, 1, 12, 0, tzinfo=UTC) + timedelta(days=self.seed % 200)
        # the fixed base is in the past; the clamp only guards a machine whose clock is behind it
        self.reference = min(base, datetime.now(UTC).replace(microsecond=0) - timedelta(days=2))
        self._clock = self.reference

    # --- dates and identity -------------------------------------------------------------------
    def rng(self, site: str, index: int, purpose: str) -> random.Random:
        """A random generator private to one article and purpose (string seeds hash stably)."""
        return random.Random(f"{self.seed}:{site}:{index}:{purpose}")

    def published(self, site: str, index: int) -> datetime:
        """Initial articles spread over the 30 days before the reference; added ones follow it."""
        offset = timedelta(minutes=11 * [s.name for s in SITES].index(site))
        if index < self.articles:
            step = 29.5 * 86400 / max(self.articles, 1)
            jitter = self.rng(site, index, "date").uniform(0, min(step / 2, 3600))
            seconds = int(index * step + jitter)
            return self.reference - timedelta(days=30) + timedelta(seconds=seconds) + offset
        return self.reference + timedelta(minutes=7 * (index - self.articles + 1)) + offset

    def count(self, site: str) -> int:
        return self.counts[site]

    def meta(self, site: str, index: int) -> ArticleMeta:
        """Metadata of one article, including its current revision."""
        base = self._base_meta(site, index)
        revs = self.revisions.get((site, index))
        if not revs:
            return base
        return dataclasses.replace(base, modified=revs[-1], revision=len(revs))

    @functools.lru_cache(maxsize=8192)  # noqa: B019 - the catalog lives as long as its server
    def _base_meta(self, site: str, index: int) -> ArticleMeta:
        spec = SITE_BY_NAME[site]
        german = spec.language == "de"
        original = self._original_of(site, index)
        if original and original[1] < self.articles:
            source = self._base_meta(*original)
            # republished copy: same story, the partner's own headline and a later date
            rng = self.rng(site, index, "meta")
            company, authors = source.company, source.authors
            title = f"{source.title}, sources say"
        else:
            original = None
            rng = self.rng(site, index, "meta")
            company = rng.choice(material.COMPANIES)
            title = material.title(rng, company, german)
            authors = tuple(
                dict.fromkeys(
                    material.person_name(rng, german) for _ in range(rng.choice([1, 1, 2]))
                )
            )
        published = self.published(site, index)
        modified = published
        if index < self.articles and rng.random() < 0.3:
            modified = min(published + timedelta(hours=rng.randint(1, 36)), self.reference)
            modified = max(modified, published)
        category = rng.choice(CATEGORIES)
        tags = (material.slugify(company), rng.choice(["ev", "smartphones", "chips", "markets"]))
        return ArticleMeta(
            site=site,
            index=index,
            path=self._path(site, index, published, title),
            title=title,
            authors=authors,
            company=company,
            category=category,
            tags=tags,
            published=published,
            modified=modified,
            syndicated_of=original,
        )

    def _original_of(self, site: str, index: int) -> tuple[str, int] | None:
        """The (site, index) a republished copy copies, or None; negative indexes count from the end."""
        def resolve(i: int) -> int:
            return i + self.articles if i < 0 else i

        for (copy_site, copy_index), (origin_site, origin_index) in SYNDICATION.items():
            if copy_site == site and resolve(copy_index) == index and 0 <= resolve(origin_index) < index:
                return origin_site, resolve(origin_index)
        return None

    def _path(self, site: str, index: int, day: datetime, title: str) -> str:
        slug = material.slugify(title)
        if site == "techpress":
            return f"/{day:%Y/%m/%d}/{slug}-{index}/"
        if site == "newsmodern":
            return f"/news/{day:%Y/%m}/{slug}-{index}"
        if site == "archivepost":
            return f"/tech/{day:%Y/%m/%d}/{slug}-{index}.html"
        if site == "sitemaponly":
            return f"/articles/{index}-{slug}"
        return f"/artikel/{day:%Y/%m}/{slug}-{index}.html"

    def lookup(self, site: str, path: str) -> int | None:
        """The index of the article served at `path`, or None when no article lives there."""
        match = re.search(SITE_BY_NAME[site].index_pattern, path)
        if not match:
            return None
        index = int(match.group(1))
        if index >= self.count(site) or self._base_meta(site, index).path != path:
            return None
        return index

    # --- bodies ---------------------------------------------------------------------------------
    def body(self, site: str, index: int) -> list[str]:
        """Body paragraphs of the article's current revision."""
        meta = self.meta(site, index)
        origin = meta.syndicated_of or (site, index)
        german = SITE_BY_NAME[origin[0]].language == "de"
        paragraphs = list(self._base_body(origin[0], origin[1], meta.company, german))
        for rev in range(1, meta.revision + 1):
            rng = self.rng(site, index, f"update{rev}")
            lead = "Aktualisierung" if german else "Update"
            text = material.generated_paragraph(rng, meta.company, german)
            paragraphs.append(f"{lead} {rev}: {text}")
        return paragraphs

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - see _base_meta
    def _base_body(self, site: str, index: int, company: str, german: bool) -> tuple[str, ...]:
        return tuple(material.body_paragraphs(self.rng(site, index, "body"), company, german))

    # --- changes ----------------------------------------------------------------------------------
    def update(self, site: str, index: int) -> ArticleMeta:
        """Add a revision: one more paragraph and a lastmod later than anything published so far."""
        with self.lock:
            latest = self.published(site, self.count(site) - 1)
            current = self.meta(site, index).modified
            self._clock = max(self._clock, latest, current) + timedelta(minutes=10)
            self.revisions.setdefault((site, index), []).append(self._clock)
            return self.meta(site, index)

    def add(self, n: int) -> None:
        """Publish n more articles on every site."""
        with self.lock:
            for site in self.counts:
                self.counts[site] += n

    def latest(self, site: str, limit: int, skip: int = 0) -> list[ArticleMeta]:
        """Newest articles first (index order is publication order)."""
        top = self.count(site) - 1 - skip
        return [self.meta(site, i) for i in range(top, max(top - limit, -1), -1)]

    def url_of(self, meta: ArticleMeta, base_urls: dict[str, str]) -> str:
        return base_urls[meta.site] + meta.path
