"""Polite defaults: a source may only slow down; explicit -s settings win; UA names the contact."""

import logging
import urllib.request
from dataclasses import replace

from scrapy.settings import Settings

from mediawatch import __version__
from mediawatch.fixture_web import FixtureWeb
from mediawatch.records import SKIPPED
from mediawatch.sources import Registry, Source
from mediawatch.staging import build_staged_page
from spiders.policy import apply_polite_overrides

SOURCE = Source(
    name="s",
    homepage="https://s.example/",
    language="en",
    country="US",
    crawl_interval="1h",
    feeds=("https://s.example/feed",),
    allowed_domains=("s.example",),
)


def project_settings() -> Settings:
    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    return settings


def test_polite_defaults_are_on():
    settings = project_settings()
    assert settings.getbool("ROBOTSTXT_OBEY") and settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert settings.getint("DOWNLOAD_MAXSIZE") == 10 * 1024 * 1024
    assert settings.getint("REDIRECT_MAX_TIMES") == 5 and settings.getfloat("DOWNLOAD_TIMEOUT") > 0
    # no control ports open while crawling untrusted sites
    assert not settings.getbool("TELNETCONSOLE_ENABLED")
    assert not settings.getbool("REMOTE_CONTROL_ENABLED")
    # only http/https download handlers
    assert all(
        settings.getdict("DOWNLOAD_HANDLERS")[s] is None for s in ("file", "data", "s3", "ftp")
    )


def test_slower_source_delay_applies_faster_one_is_ignored(caplog):
    settings = project_settings()
    apply_polite_overrides(replace(SOURCE, delay=3.0), Registry(sources=[SOURCE]), settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == 3.0
    settings = project_settings()
    with caplog.at_level(logging.WARNING):
        apply_polite_overrides(replace(SOURCE, delay=0.1), Registry(sources=[SOURCE]), settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == 1.0
    assert "allow_faster" in caplog.text


def test_allow_faster_and_explicit_command_line_settings():
    settings = project_settings()
    registry = Registry(sources=[SOURCE], settings={"allow_faster": True, "concurrency": 4})
    apply_polite_overrides(replace(SOURCE, delay=0.1), registry, settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == 0.1
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 4
    settings = project_settings()
    settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    apply_polite_overrides(replace(SOURCE, delay=5.0), Registry(sources=[SOURCE]), settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == 0  # explicit -s wins (tests, benchmarks)


def test_user_agent_names_version_and_contact():
    settings = project_settings()
    registry = Registry(sources=[SOURCE], settings={"contact_url": "https://example.org/bot"})
    apply_polite_overrides(SOURCE, registry, settings)
    assert settings["USER_AGENT"] == f"mediawatch/{__version__} (+https://example.org/bot)"


def test_listing_pages_are_skipped_by_extraction_verdict():
    """A page no URL pattern catches (the home page) is skipped on extraction's verdict; a tag
    page is skipped on its URL before extraction runs."""
    with FixtureWeb(seed=0, articles=12) as web:
        base = web.base_urls["techpress"]
        home = urllib.request.urlopen(base + "/", timeout=10).read()
        body = urllib.request.urlopen(base + "/tag/xiaomi/", timeout=10).read()
    source = replace(SOURCE, allowed_domains=("127.0.0.1",))
    page = build_staged_page(
        source=source,
        run_id="r",
        url=base + "/",
        body=home,
        text=home.decode("utf-8"),
        status=200,
        fetched_at="2024-05-01T00:00:00+00:00",
    )
    assert page.kind == SKIPPED and page.reason.startswith("not_article:")
    tagged = build_staged_page(
        source=source,
        run_id="r",
        url=base + "/tag/xiaomi/",
        body=body,
        text=body.decode("utf-8"),
        status=200,
        fetched_at="2024-05-01T00:00:00+00:00",
    )
    assert tagged.kind == SKIPPED and tagged.reason == "not_article:url_pattern"
