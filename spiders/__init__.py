"""Scrapy project: one spider per registry source; discovery and dispatch only.

Extraction, staging and archiving live in the `mediawatch` package; this package wires them into
Scrapy (spider loader, middlewares, item pipelines). Run from the repository root:

    scrapy list                                  # the sources of $MEDIAWATCH_SOURCES (or sources.yaml)
    scrapy crawl techcrunch -s MEDIAWATCH_RUN_ID=r1

Polite defaults stay on unless overridden explicitly, e.g. against the local fixture web:
`-s AUTOTHROTTLE_ENABLED=False -s DOWNLOAD_DELAY=0 -s CONCURRENT_REQUESTS_PER_DOMAIN=8`.
Code normally runs crawls through `mediawatch.crawl.crawl_source` / `crawl_all` (one subprocess each).
"""
