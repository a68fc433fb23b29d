"""Feeds and sitemaps: entries and dates are read; entity tricks are refused, never expanded."""

import pytest

from spiders.discovery import XmlRejected, feed_entries, parse_date, parse_xml, sitemap_entries

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://x/&lol2;</loc></url></urlset>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r SYSTEM "http://127.0.0.1:1/evil.dtd"><urlset/>"""


def test_entity_declarations_are_rejected_before_parsing():
    with pytest.raises(XmlRejected) as caught:
        parse_xml(BOMB)
    assert caught.value.kind == "xml_bomb"
    with pytest.raises(XmlRejected) as caught:
        parse_xml(XXE)
    assert caught.value.kind == "xml_external_dtd"


def test_malformed_xml_is_an_error_but_recoverable():
    broken = b'<?xml version="1.0"?><rss><channel><item><link>http://x.com/a-b-c</link></item>'
    with pytest.raises(XmlRejected) as caught:
        parse_xml(broken)
    assert caught.value.kind == "malformed_xml"
    assert [e.url for e in feed_entries(parse_xml(broken, recover=True))] == ["http://x.com/a-b-c"]


def test_rss_and_atom_entries_with_update_times():
    rss = b"""\xef\xbb\xbf <?xml version="1.0"?><rss version="2.0"><channel>
      <item><link> http://x.com/1 </link><pubDate>Wed, 01 May 2024 08:30:00 +0200</pubDate></item>
      <item><guid isPermaLink="true">http://x.com/2</guid></item>
      <item><guid isPermaLink="false">tag:1</guid></item></channel></rss>"""
    entries = feed_entries(parse_xml(rss))
    assert [(e.url, e.lastmod) for e in entries] == [
        ("http://x.com/1", "2024-05-01T06:30:00+00:00"),
        ("http://x.com/2", None),
    ]
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry>
      <link rel="alternate" href="http://x.com/a"/><link rel="edit" href="http://x.com/e"/>
      <updated>2024-05-02T10:00:00Z</updated></entry></feed>"""
    assert [(e.url, e.lastmod) for e in feed_entries(parse_xml(atom))] == [
        ("http://x.com/a", "2024-05-02T10:00:00+00:00")
    ]


def test_sitemap_index_sitemap_and_news_sitemap():
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>http://x.com/s1.xml</loc><lastmod>2024-05-01</lastmod></sitemap></sitemapindex>"""
    children, pages = sitemap_entries(parse_xml(index))
    assert [(c.url, c.lastmod) for c in children] == [
        ("http://x.com/s1.xml", "2024-05-01T00:00:00+00:00")
    ]
    assert pages == []
    news = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
      xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
      <url><loc>http://x.com/n</loc><news:news><news:publication_date>2024-05-03T01:02:03+00:00
      </news:publication_date></news:news></url>
      <url><loc>http://x.com/p</loc><lastmod>2024-05-04T00:00:00Z</lastmod></url></urlset>"""
    _, pages = sitemap_entries(parse_xml(news))
    assert [(p.url, p.lastmod, p.news) for p in pages] == [
        ("http://x.com/n", "2024-05-03T01:02:03+00:00", True),
        ("http://x.com/p", "2024-05-04T00:00:00+00:00", False),
    ]


def test_wrong_document_kinds_are_named():
    with pytest.raises(XmlRejected, match="not_a_feed"):
        feed_entries(parse_xml(b"<html/>"))
    with pytest.raises(XmlRejected, match="not_a_sitemap"):
        sitemap_entries(parse_xml(b"<rss/>"))


def test_parse_date_handles_bad_input():
    assert parse_date("yesterday") is None and parse_date(None) is None
    assert parse_date("2024-05-01T08:30:00").isoformat() == "2024-05-01T08:30:00+00:00"
