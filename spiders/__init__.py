"""Scrapy project: one spider per registry source; discovery and dispatch only.

Extraction, staging and archiving live in the `mediawatch` package; this package wires them into
Scrapy (spider loader, middlewares, item pipelines). Run from the repository root:
`scrapy list`, `scrapy crawl <source> -s MEDIAWATCH_RUN_ID=...`.
"""
