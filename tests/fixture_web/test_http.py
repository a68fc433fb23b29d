"""HTTP behaviour: conditional GETs, article revisions, new articles, the log and control endpoints."""

from __future__ import annotations

import http.client
import json
import re
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from fixture_http import fetch

from mediawatch.fixture_web import FixtureWeb

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def lastmods(sitemap_xml: bytes) -> dict[str, str]:
    root = ET.fromstring(sitemap_xml)
    return {u.findtext(f"{SM}loc"): u.findtext(f"{SM}lastmod") for u in root.iter(f"{SM}url")}


def test_conditional_get_answers_304(shared_web: FixtureWeb) -> None:
    base = shared_web.base_urls["techpress"]
    for url in (
        shared_web.article_urls("techpress")[3],
        base + "/feed/",
        base + "/post-sitemap.xml",
        shared_web.base_urls["newsmodern"] + "/feed.atom",
    ):
        first = fetch(url)
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        by_etag = fetch(url, {"If-None-Match": etag})
        assert by_etag.status == 304 and by_etag.body == b"" and by_etag.headers["ETag"] == etag
        assert fetch(url, {"If-Modified-Since": modified}).status == 304
        assert fetch(url, {"If-None-Match": '"something-else"'}).status == 200
        assert fetch(url, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status == 200


def test_update_article_changes_body_etag_and_lastmod(web: FixtureWeb) -> None:
    base = web.base_urls["techpress"]
    url = web.article_urls("techpress")[4]
    before = fetch(url)
    body_before = web.ground_truth()[url]["body"]
    sitemap_before = lastmods(fetch(base + "/post-sitemap.xml").body)[url]
    web.update_article(url)
    after = fetch(url)
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.headers["Last-Modified"] != before.headers["Last-Modified"]
    assert fetch(url, {"If-None-Match": before.headers["ETag"]}).status == 200
    body_after = web.ground_truth()[url]["body"]
    assert (
        body_after.startswith(body_before)
        and body_after.count("\n\n") == body_before.count("\n\n") + 1
    )
    assert body_after.split("\n\n")[-1][:50] in after.text
    assert lastmods(fetch(base + "/post-sitemap.xml").body)[url] > sitemap_before
    feed = ET.fromstring(fetch(base + "/feed/").body)
    assert url in {i.findtext("link") for i in feed.iter("item")}
    other = web.article_urls("techpress")[5]
    assert fetch(other).headers["ETag"] == fetch(other).headers["ETag"]


def test_add_articles_publishes_new_stories_and_keeps_old_pages(web: FixtureWeb) -> None:
    old = web.article_urls()
    etags = {u: fetch(u).headers["ETag"] for u in old[::7]}
    web.add_articles(3)
    new = [u for u in web.article_urls() if u not in set(old)]
    assert len(new) == 3 * 5
    assert {u: fetch(u).headers["ETag"] for u in etags} == etags
    tp, ap = web.base_urls["techpress"], web.base_urls["archivepost"]
    feed_links = re.findall(r"<link>([^<]+)</link>", fetch(tp + "/feed/").text)
    assert set(web.article_urls("techpress")[-3:]) <= set(feed_links)
    assert set(web.article_urls("sitemaponly")[-3:]) <= set(
        lastmods(fetch(web.base_urls["sitemaponly"] + "/sitemaps/articles-1.xml").body)
    )
    section = fetch(ap + "/section/tech/").text
    assert all(u.removeprefix(ap) in section for u in web.article_urls("archivepost")[-3:])
    assert all(fetch(u).status == 200 for u in new[:5])
    assert all(
        web.ground_truth()[u]["published_at"] > web.ground_truth()[old[0]]["published_at"]
        for u in new
    )


def test_request_log_and_control_endpoints(web: FixtureWeb) -> None:
    base = web.base_urls["newsmodern"]
    web.clear_log()
    fetch(base + "/robots.txt", {"User-Agent": "mediawatch-test"})
    fetch(base + "/no/such/page")
    entries = [(e["site"], e["method"], e["path"], e["status"]) for e in web.request_log]
    assert entries == [
        ("newsmodern", "GET", "/robots.txt", 200),
        ("newsmodern", "GET", "/no/such/page", 404),
    ]
    assert web.request_log[0]["headers"]["User-Agent"] == "mediawatch-test"
    over_http = json.loads(fetch(base + "/__log").body)
    assert [e["path"] for e in over_http] == ["/robots.txt", "/no/such/page"]
    answer = fetch(
        base + "/__faults", method="POST", data=json.dumps(["burst_5xx", "slow"]).encode()
    )
    assert json.loads(answer.body) == ["burst_5xx", "slow"] and web.faults == {"burst_5xx", "slow"}
    rejected = fetch(base + "/__faults", method="POST", data=b'["no_such_fault"]')
    assert rejected.status == 400 and "no_such_fault" in rejected.text
    assert fetch(base + "/__log/clear", method="POST").status == 200 and web.request_log == []


def test_concurrent_requests_all_succeed(shared_web: FixtureWeb) -> None:
    urls = shared_web.article_urls()[::3]
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(lambda u: fetch(u).status, urls))
    assert statuses == [200] * len(urls)


def test_head_and_unknown_paths(shared_web: FixtureWeb) -> None:
    url = shared_web.article_urls("sitemaponly")[0]
    head = fetch(url, method="HEAD")
    assert head.status == 200 and head.body == b"" and int(head.headers["Content-Length"]) > 1000
    assert fetch(url + "x").status == 404
    assert fetch(shared_web.base_urls["techpress"] + "/wp-admin/").status == 403


def test_stop_cuts_keep_alive_connections() -> None:
    web = FixtureWeb(articles=3).start()
    parts = urlsplit(web.base_urls["techblatt"])
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", "/robots.txt")
    first = connection.getresponse()
    assert first.status == 200 and first.read()
    web.stop()
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        connection.request("GET", "/robots.txt")
        connection.getresponse()
    connection.close()
