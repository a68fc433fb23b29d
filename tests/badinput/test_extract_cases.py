"""Bad input straight into the pure extraction and XML readers: each case ends in a record (with a
clear `error` or a clean article) or a named rejection within a time bound: never a crash or a hang.

Also proven elsewhere: extract_article never raises on random HTML-ish text and bytes
(tests/extract/test_robustness.py); entity declarations and malformed XML (tests/crawl/test_discovery.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mediawatch.extract import extract_article
from spiders.discovery import XmlRejected, parse_xml

from .conftest import BIG_PAGE_BYTES, CASES, case_bytes

URL = "http://127.0.0.1:9/news/story/"  # no date in the path: dates must come from the page
HTML_CASES = sorted(p.name for p in CASES.glob("*.html"))
XML_CASES = sorted(p.name for p in CASES.glob("*.xml"))
MAX_TITLE_CHARS = 1000  # a headline longer than this is no headline


def sane_date(value: str | None) -> bool:
    if value is None:
        return True
    when = datetime.fromisoformat(value)
    return datetime(1990, 1, 1, tzinfo=UTC) <= when <= datetime.now(UTC) + timedelta(days=2)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("name", HTML_CASES)
def test_each_html_case_gives_a_clean_record_or_a_clear_error(name: str) -> None:
    record = extract_article(case_bytes(name), URL)
    assert record.url == URL
    assert (record.body is None) == (record.error is not None)
    if record.error:
        assert record.error.replace(":", "_").replace("_", "").isalnum(), record.error  # a short code
    for text in (record.title, record.body, *record.authors):
        assert text is None or "\x00" not in text
    assert sane_date(record.published_at) and sane_date(record.updated_at), (
        record.published_at, record.updated_at)


def test_binary_served_as_html_is_an_error() -> None:
    assert extract_article(case_bytes("binary.html"), URL).error == "unparseable_html"


def test_an_absurdly_long_title_is_not_kept_as_a_headline() -> None:
    record = extract_article(case_bytes("long_title.html"), URL)
    assert record.error or len(record.title or "") <= MAX_TITLE_CHARS


@pytest.mark.timeout(10)
def test_a_50_mb_page_is_refused_quickly() -> None:
    para = b"<p>Xiaomi said on Tuesday that its new car will reach dealers in Europe next spring.</p>\n"
    html = b"<html><body><article><h1>Big</h1>" + para * (BIG_PAGE_BYTES // len(para)) + b"</article>"
    record = extract_article(html, URL)
    assert record.error == "too_large"


@pytest.mark.timeout(10)
@pytest.mark.parametrize("name", XML_CASES)
def test_xml_attacks_are_rejected_before_parsing(name: str) -> None:
    with pytest.raises(XmlRejected) as rejected:
        parse_xml(case_bytes(name))
    assert rejected.value.kind in ("xml_bomb", "xml_external_dtd")
    with pytest.raises(XmlRejected):  # the salvage mode used for malformed feeds refuses them too
        parse_xml(case_bytes(name), recover=True)


@pytest.mark.timeout(20)
def test_a_gzipped_sitemap_body_is_not_inflated_by_the_reader(bomb: bytes) -> None:
    """The XML reader gets raw bytes: a .gz body is unreadable XML, not 2 GiB in memory."""
    assert bomb[:2] == b"\x1f\x8b" and len(bomb) < 5 * 1024 * 1024  # a real gzip member, a few MB
    with pytest.raises(XmlRejected) as rejected:
        parse_xml(bomb)
    assert rejected.value.kind == "malformed_xml"
