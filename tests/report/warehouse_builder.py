"""Build a small, known warehouse for report tests: staging JSONL written by hand, then `pipeline.load`.

The articles are chosen so every section of the report has something to show: mentions on several
days (for change vs the previous period), one story carried by two outlets (a cluster), a source
whose last three crawls failed, and a watchlist entity whose name is an SQL injection attempt.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from mediawatch.config import Paths
from mediawatch.records import ARTICLE, FAILED, ArticleRecord, StagedPage

# an entity name that would break any report that formats names into SQL text
EVIL_ENTITY = "Robert'); DROP TABLE articles;--"
# a source name (from a staging file) that tries the same
EVIL_SOURCE = "evil'); DROP TABLE sources;--"

WATCHLIST = f"""
entities:
  - name: Tesla
    type: company
  - name: BYD
    type: company
  - name: Xiaomi
    type: company
  - name: Apple
    type: company
    case_sensitive: true
  - name: Samsung
    type: company
  - name: "{EVIL_ENTITY}"
    type: company
    aliases: [Bobby Tables]
competitor_sets:
  - name: EV makers
    members: [Tesla, BYD, Xiaomi]
  - name: "Phones' OR 1=1 --"
    members: [Apple, Samsung, Xiaomi]
"""

REGISTRY = """
version: 1
network:
  allowlist: ["127.0.0.1:9"]
sources:
  - name: alpha
    homepage: http://127.0.0.1:9/alpha/
    allowed_domains: ["127.0.0.1"]
    feeds: ["http://127.0.0.1:9/alpha/feed/"]
    language: en
    country: US
    crawl_interval: 1h
  - name: beta
    homepage: http://127.0.0.1:9/beta/
    allowed_domains: ["127.0.0.1"]
    feeds: ["http://127.0.0.1:9/beta/feed/"]
    language: en
    country: GB
    crawl_interval: 1h
  - name: gamma
    homepage: http://127.0.0.1:9/gamma/
    allowed_domains: ["127.0.0.1"]
    feeds: ["http://127.0.0.1:9/gamma/feed/"]
    language: en
    country: DE
    crawl_interval: 1h
"""

LATEST = date(2026, 11, 26)

# distinct filler per story, so only the deliberate copy clusters with its original
FILLERS = {
    "price-war": "Dealers in Munich reported queues at showrooms as buyers rushed to lock in the lower tags.",
    "apple-good": "Services revenue from the App Store and iCloud subscriptions reached a new high.",
    "samsung-bad": "Regulators in Seoul opened an inquiry into the battery supplier behind the faulty units.",
    "bobby": "His favourite hobby is naming children after destructive statements in query languages.",
    "tesla-y1": "The plant near Austin employs four thousand workers on three shifts every weekday.",
    "xiaomi-y1": "Visitors in Beijing queued for hours to sit in the prototype during the launch weekend.",
    "evil-src": "The shop on the Avenida da Liberdade sells phones, televisions and washing machines.",
    "byd-y2": "Exports to Brazil and Thailand made up a third of the October deliveries, the firm said.",
}


@dataclass(frozen=True)
class Story:
    """One article to stage."""

    source: str
    day: date
    slug: str
    title: str
    body: str


def stories() -> list[Story]:
    """The articles of the test warehouse (bodies long enough to look like articles)."""
    d0, d1, d2 = LATEST, LATEST - timedelta(days=1), LATEST - timedelta(days=2)
    shared = (
        "Tesla cut prices of its cars in Europe again on Wednesday. BYD answered within hours with "
        "its own discounts, and Xiaomi said it would hold prices. " + FILLERS["price-war"]
    )
    return [
        Story("alpha", d0, "price-war", "Tesla and BYD start a price war", shared),
        Story("beta", d0, "price-war-copy", "Tesla and BYD start a price war", shared),
        Story("alpha", d0, "apple-good", "Apple posts excellent record quarter",
              "Apple reported an excellent, wonderful quarter with great growth. " + FILLERS["apple-good"]),
        Story("gamma", d0, "samsung-bad", "Samsung recalls faulty phones",
              "Samsung faces a terrible, awful recall of broken phones after fires. " + FILLERS["samsung-bad"]),
        Story("beta", d0, "bobby", "Bobby Tables joins the board",
              "Bobby Tables, a database expert, joined the board. Bobby Tables said little. " + FILLERS["bobby"]),
        Story(EVIL_SOURCE, d0, "evil-src", "Samsung opens a store in Lisbon",
              "Samsung opened its largest European store in Lisbon on Thursday. " + FILLERS["evil-src"]),
        Story("alpha", d1, "tesla-y1", "Tesla opens a new factory",
              "Tesla opened a factory. Tesla said production starts soon. " + FILLERS["tesla-y1"]),
        Story("gamma", d1, "xiaomi-y1", "Xiaomi unveils new car",
              "Xiaomi showed a new electric car to a happy crowd. " + FILLERS["xiaomi-y1"]),
        Story("beta", d2, "byd-y2", "BYD sales rise",
              "BYD sales rose strongly in October, a good month. " + FILLERS["byd-y2"]),
    ]


def folder_of(source: str) -> str:
    """Staging folder name for a source (the evil one gets a plain folder; its records keep the name)."""
    return "evil" if source == EVIL_SOURCE else source


def staged_page(story: Story, run_id: str) -> StagedPage:
    """A StagedPage for one story, as a crawl would stage it."""
    url = f"http://127.0.0.1:9/{folder_of(story.source)}/{story.day:%Y/%m/%d}/{story.slug}/"
    published = datetime(story.day.year, story.day.month, story.day.day, 9, 30).isoformat() + "+00:00"
    article = ArticleRecord(
        url=url, title=story.title, published_at=published, language="en", site_name=story.source,
        canonical_url=url, body=story.body, word_count=len(story.body.split()),
    )
    return StagedPage(
        run_id=run_id, source=story.source, url=url, fetched_at=published, kind=ARTICLE, status=200,
        final_url=url, content_hash=hashlib.sha256(story.body.encode()).hexdigest(), bytes=len(story.body),
        article=article,
    )


def write_staging(paths: Paths) -> None:
    """Staging files and crawl stats: alpha and beta healthy, gamma's last three crawls failed."""
    by_source: dict[str, list[Story]] = {}
    for story in stories():
        by_source.setdefault(story.source, []).append(story)
    base = datetime(LATEST.year, LATEST.month, LATEST.day, 12, 0)
    for source, items in by_source.items():
        run_id = f"run-{source}-ok"
        folder = paths.staging_dir / folder_of(source)
        folder.mkdir(parents=True, exist_ok=True)
        lines = [staged_page(s, run_id).to_json() for s in items]
        if source == "alpha":
            failed = StagedPage(run_id=run_id, source=source, url="http://127.0.0.1:9/alpha/broken/",
                                fetched_at=base.isoformat() + "+00:00", kind=FAILED, reason="http_500",
                                status=500)
            lines.append(failed.to_json())
        (folder / f"{run_id}.jsonl").write_text("\n".join(lines) + "\n")
        _stats(folder, run_id, source, base - timedelta(hours=6), articles=len(items),
               failed=1 if source == "alpha" else 0)
    for i in range(3):  # gamma: three failed crawls after its last good one
        _stats(paths.staging_dir / "gamma", f"run-gamma-bad{i}", "gamma", base + timedelta(hours=i),
               articles=0, failed=0, error="connection refused")


def _stats(folder: Path, run_id: str, source: str, start: datetime, *, articles: int, failed: int,
           error: str | None = None) -> None:
    stats = {
        "run_id": run_id, "source": source, "started_at": start.isoformat() + "+00:00",
        "finished_at": (start + timedelta(minutes=1)).isoformat() + "+00:00", "duration_s": 60.0,
        "requests": articles + failed + 2, "articles": articles, "skipped": 0, "failed": failed,
    }
    if error:
        stats["error"] = error
    (folder / f"{run_id}.stats.json").write_text(json.dumps(stats))


def make_paths(root: Path) -> Paths:
    """Paths of a test pipeline instance under `root` (registry and watchlist written there)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "sources.yaml").write_text(REGISTRY)
    (root / "watchlist.yaml").write_text(WATCHLIST)
    return Paths(sources=root / "sources.yaml", watchlist=root / "watchlist.yaml",
                 warehouse=root / "data" / "warehouse.duckdb", reports=root / "reports").ensure()


def build_warehouse(root: Path) -> Paths:
    """Write the staging files and load them; returns the paths (analyst DB published)."""
    from mediawatch import pipeline

    paths = make_paths(root)
    write_staging(paths)
    pipeline.load(paths)
    return paths
