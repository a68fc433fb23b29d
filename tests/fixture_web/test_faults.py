"""Fault modes: each dedicated resource misbehaves as documented; healthy articles stay healthy."""

from __future__ import annotations

import http.client
import json
import socket
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from fixture_http import fetch

from mediawatch.fixture_web import FAULT_MODES, FixtureWeb


def url_of(web: FixtureWeb, mode: str, contains: str = "") -> str:
    return next(u for u, m in web.fault_urls().items() if m == mode and contains in u)


def raw_get(url: str) -> tuple[int, int, bytes, BaseException | None]:
    """GET over a bare socket: (status, declared length, bytes received, error while reading)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", parts.path)
    response = conn.getresponse()
    received, error = b"", None
    try:
        received = response.read()
    except (http.client.IncompleteRead, ConnectionError) as exc:
        error = exc
        received = getattr(exc, "partial", b"")
    conn.close()
    return response.status, int(response.getheader("Content-Length") or -1), received, error


def test_all_switches_every_mode_on_and_lists_fault_urls(web: FixtureWeb) -> None:
    assert web.fault_urls() == {}
    web.set_faults({"all"})
    assert web.faults == set(FAULT_MODES)
    assert set(web.fault_urls().values()) == set(FAULT_MODES)
    feed = fetch(web.base_urls["techpress"] + "/feed/").text
    sitemap_index = fetch(web.base_urls["techpress"] + "/sitemap.xml").text
    for url, mode in web.fault_urls().items():
        listed = (
            url in feed
            or url in sitemap_index
            or url in fetch(web.base_urls["techpress"] + "/fault-sitemap.xml").text
            or url in web.sources_yaml()
        )
        assert listed, (url, mode)
        assert url not in web.ground_truth()
    with pytest.raises(ValueError, match="unknown fault"):
        web.set_faults(["bogus"])


def test_healthy_articles_unaffected_and_inactive_faults_absent(web: FixtureWeb) -> None:
    url = web.article_urls("techpress")[2]
    before = fetch(url)
    web.set_faults(["all"])
    fault_pages = list(web.fault_urls())
    assert fetch(url).body == before.body
    web.set_faults([])
    assert all(fetch(u).status == 404 for u in fault_pages)
    assert "fault-" not in fetch(web.base_urls["techpress"] + "/feed/").text


def test_burst_5xx_then_success(web: FixtureWeb) -> None:
    web.set_faults(["burst_5xx"])
    url = url_of(web, "burst_5xx")
    assert [fetch(url).status for _ in range(4)] == [500, 503, 200, 200]
    web.set_faults([])
    web.set_faults(["burst_5xx"])
    assert fetch(url).status == 500  # switching the mode on again restarts the burst


def test_slow_page_still_answers(web: FixtureWeb) -> None:
    web.set_faults(["slow"])
    page = fetch(url_of(web, "slow"))
    assert page.status == 200 and "<article>" in page.text


def test_reset_and_truncated_break_the_body(web: FixtureWeb) -> None:
    web.set_faults(["reset", "truncated"])
    status, declared, received, error = raw_get(url_of(web, "reset"))
    assert status == 200 and error is not None and len(received) < declared
    status, declared, received, error = raw_get(url_of(web, "truncated"))
    assert (
        status == 200 and isinstance(error, http.client.IncompleteRead) and len(received) < declared
    )


def test_redirect_loop_and_loopback(web: FixtureWeb) -> None:
    web.set_faults(["redirect_loop", "redirect_loopback"])
    start = url_of(web, "redirect_loop")
    first = fetch(start)
    second = fetch(first.headers["Location"])
    assert first.status == second.status == 302 and second.headers["Location"] == start
    hop = fetch(url_of(web, "redirect_loopback"))
    target = urlsplit(hop.headers["Location"])
    assert hop.status == 302 and target.hostname == "127.0.0.1"
    assert f"127.0.0.1:{target.port}" not in web.sources_yaml()
    assert fetch(hop.headers["Location"]).status == 200  # the forbidden listener exists and answers
    assert any(e["site"] == "__loopback__" for e in web.request_log)


def test_loopback_target_is_configurable() -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        port = blocker.getsockname()[1]
        with FixtureWeb(
            articles=3, faults=["redirect_loopback"], loopback_target=("127.0.0.1", port)
        ) as web:
            assert (
                fetch(url_of(web, "redirect_loopback"))
                .headers["Location"]
                .startswith(f"http://127.0.0.1:{port}/")
            )


def test_huge_page_binary_and_bad_charset(web: FixtureWeb) -> None:
    web.set_faults(["huge_page", "binary_as_html", "bad_charset"])
    huge = fetch(url_of(web, "huge_page"))
    assert huge.status == 200 and len(huge.body) >= 12 * 1024 * 1024
    binary = fetch(url_of(web, "binary_as_html"))
    assert binary.headers["Content-Type"].startswith("text/html")
    with pytest.raises(UnicodeDecodeError):
        binary.body.decode("utf-8")
    declared = fetch(url_of(web, "bad_charset", "fault-bad-charset"))
    assert "charset=utf-8" in declared.headers["Content-Type"]
    with pytest.raises(UnicodeDecodeError):
        declared.body.decode("utf-8")
    assert "Müller" in declared.body.decode("latin-1")
    bare = fetch(url_of(web, "bad_charset", "fault-no-charset"))
    assert bare.headers["Content-Type"] == "text/html" and b"charset" not in bare.body


def test_feed_faults(web: FixtureWeb) -> None:
    web.set_faults(["malformed_feed", "huge_feed"])
    with pytest.raises(ET.ParseError):
        ET.fromstring(fetch(url_of(web, "malformed_feed")).body)
    huge = fetch(url_of(web, "huge_feed"))
    assert len(huge.body) > 15 * 1024 * 1024 and huge.body.rstrip().endswith(b"</rss>")
    assert url_of(web, "huge_feed") in web.sources_yaml()


def test_xml_bomb_sitemaps(web: FixtureWeb) -> None:
    web.set_faults(["xml_bomb"])
    index = fetch(web.base_urls["techpress"] + "/sitemap.xml").text
    bomb, xxe = url_of(web, "xml_bomb", "bomb"), url_of(web, "xml_bomb", "xxe")
    assert bomb in index and xxe in index
    assert b"<!ENTITY lol9" in fetch(bomb).body
    body = fetch(xxe).body
    assert (
        b'SYSTEM "file:///etc/passwd"' in body
        and json.dumps(web.loopback_target[1]).encode() in body
    )
