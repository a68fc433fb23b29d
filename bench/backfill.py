"""Backfill throughput: records/s of `mediawatch.backfill` on a WARC built from the corpus pages,
against plain single-core extraction (trafilatura.extract, and our extract_article) of the same
HTML, in the same run.

Run alone: `.venv/bin/python bench/backfill.py [--copies 2] [--pages 88]`; `make bench` runs it as
the `backfill` group. The WARC holds each corpus page under its original URL (`copies` > 1 adds
copies under `?copy=N`), all registered as one source, so every record is decoded, extracted and
staged. Without ../shared the committed test pages are used (and the note says so).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sys
import time
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from mediawatch.config import Paths  # noqa: E402

# shared/ sits beside a clone (CI), or beside the folder of worktrees (developers)
CORPUS = next(
    (p for p in (Path(os.environ.get("MEDIAWATCH_BENCH_CORPUS", "/nonexistent")),
                 REPO_ROOT.parent / "shared" / "corpus" / "article-extraction-dev",
                 REPO_ROOT.parent.parent / "shared" / "corpus" / "article-extraction-dev")
     if (p / "ground-truth.json").exists()),
    REPO_ROOT.parent / "shared" / "corpus" / "article-extraction-dev",
)
FALLBACK_PAGES = {
    "https://gadgetany.example/2024/03/14/samsung-foldable-tablet/":
        "tests/extract/pages/wordpress_tech_news.html",
    "https://techwire.example/news/chipmakers-2nm-fabs-europe": "tests/extract/golden/generic.html",
    "https://www.macrumors.example/2025/01/20/ipad-mini-larger-battery/":
        "tests/extract/golden/macrumors.html",
    "https://evdaily.example/2024/05/01/hyundai-battery-plant/":
        "tests/monitor/pages/wordpress_related.html",
}


def corpus_pages(limit: int) -> tuple[dict[str, bytes], str]:
    """url -> raw HTML bytes of the corpus pages (only their URLs are read from the truth file)."""
    truth_file = CORPUS / "ground-truth.json"
    if truth_file.exists():
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        pages = {}
        for page_id in sorted(truth)[:limit]:
            path = CORPUS / "html" / f"{page_id}.html.gz"
            if path.exists():
                pages[truth[page_id]["url"]] = gzip.decompress(path.read_bytes())
        return pages, f"{len(pages)} pages of {CORPUS.name}"
    pages = {url: (REPO_ROOT / rel).read_bytes() for url, rel in FALLBACK_PAGES.items()}
    return pages, f"{len(pages)} committed test pages (no ../shared corpus here)"


def build_warc(path: Path, pages: dict[str, bytes], copies: int) -> int:
    """A gzipped WARC (one member per record) of every page, `copies` times; returns records."""
    count = 0
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for copy in range(copies):
            for url, html in pages.items():
                target = url if copy == 0 else f"{url}{'&' if '?' in url else '?'}copy={copy}"
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                        protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(
                    target, "response", payload=BytesIO(html), http_headers=http,
                    warc_headers_dict={"WARC-Date": "2025-02-10T08:00:00Z"}))
                count += 1
    return count


def registry(path: Path, pages: dict[str, bytes]) -> Path:
    hosts = sorted({(urlsplit(u).hostname or "").removeprefix("www.") for u in pages})
    path.write_text(
        "version: 1\nsources:\n  - name: corpus\n    homepage: https://corpus.example/\n"
        f"    allowed_domains: [{', '.join(hosts)}]\n    feeds: [https://corpus.example/feed/]\n"
        "    language: en\n    country: US\n    crawl_interval: 1h\n"
    )
    return path


def one_core() -> Any:
    """Pin this thread to one core (restored on exit), so 'single-core' means one core."""

    class Pinned:
        def __enter__(self) -> None:
            self.previous = os.sched_getaffinity(0)
            os.sched_setaffinity(0, {min(self.previous)})

        def __exit__(self, *exc: object) -> None:
            os.sched_setaffinity(0, self.previous)

    return Pinned()


def time_plain(pages: dict[str, bytes], copies: int) -> dict[str, float]:
    """records/s of plain trafilatura.extract and of our extract_article, one core each."""
    import trafilatura

    from mediawatch.extract import extract_article

    items = list(pages.items()) * copies
    trafilatura.extract(items[0][1].decode("utf-8", "replace"), url=items[0][0])  # warm-up
    extract_article(items[0][1], items[0][0])
    out = {}
    with one_core():
        started = time.perf_counter()
        for url, html in items:
            trafilatura.extract(html.decode("utf-8", "replace"), url=url)
        out["trafilatura"] = len(items) / (time.perf_counter() - started)
        started = time.perf_counter()
        for url, html in items:
            extract_article(html, url)
        out["extract_article"] = len(items) / (time.perf_counter() - started)
    return out


def time_backfill(work: Path, warc: Path, sources: Path, workers: int) -> dict[str, Any]:
    """One backfill of `warc` into a fresh pipeline instance (pool start-up included)."""
    from mediawatch.backfill import backfill

    shutil.rmtree(work, ignore_errors=True)
    paths = Paths(sources=sources, watchlist=REPO_ROOT / "watchlist.yaml",
                  warehouse=work / "data" / "warehouse.duckdb", reports=work / "reports")
    started = time.perf_counter()
    if workers == 1:
        with one_core():
            out = backfill(paths, [str(warc)], workers=1)
    else:
        out = backfill(paths, [str(warc)], workers=workers)
    seconds = time.perf_counter() - started
    start = float(out.get("pool_start_s") or 0.0)
    return {"records": out["records"], "articles": out["articles"], "seconds": seconds,
            "records_per_s": out["records"] / seconds, "pool_start_s": start,
            "records_per_s_after_start": out["records"] / (seconds - start),
            "skipped": {k: v for k, v in out["skipped"].items() if v}}


def run_backfill_bench(work: Path, pages_limit: int = 88, copies: int = 2) -> dict[str, Any]:
    """Everything the `backfill` group reports, measured in one run."""
    work.mkdir(parents=True, exist_ok=True)
    pages, what = corpus_pages(pages_limit)
    warc = work / "corpus.warc.gz"
    records = build_warc(warc, pages, copies)
    sources = registry(work / "sources.yaml", pages)
    from mediawatch.backfill import _warm_up

    _warm_up()  # imports and lazy models (language detection) are not throughput
    plain = time_plain(pages, copies)
    one = time_backfill(work / "w1", warc, sources, workers=1)
    two = time_backfill(work / "w2", warc, sources, workers=2)
    return {"what": what, "records": records, "warc_bytes": warc.stat().st_size, "plain": plain,
            "backfill_1": one, "backfill_2": two}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=88)
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--work", type=Path, default=REPO_ROOT / "var" / "bench" / "backfill")
    args = parser.parse_args()
    print(json.dumps(run_backfill_bench(args.work, args.pages, args.copies), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
