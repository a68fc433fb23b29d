"""The committed real pages: present with their licence, served as unique copies over loopback."""

from __future__ import annotations

import hashlib
import urllib.request

from mediawatch.fixture_web.material import corpus_paragraphs
from mediawatch.fixture_web.realpages import REAL_PAGES_DIR, RealPageSite, real_pages


def test_the_pages_and_their_mit_licence_are_committed():
    assert len(real_pages()) == 88
    assert "MIT License" in (REAL_PAGES_DIR / "LICENSE").read_text()
    # the fixture web's real paragraphs come from these files, never from ../shared
    assert len(corpus_paragraphs()) > 300


def test_copies_are_distinct_pages_without_a_shared_identity():
    with RealPageSite(pages=180) as site:
        urls = site.urls()
        bodies = [urllib.request.urlopen(u, timeout=10).read() for u in (urls[0], urls[88], urls[176])]
        sitemap = urllib.request.urlopen(site.base_url + "/sitemap.xml", timeout=10).read()
        etag = urllib.request.urlopen(site.base_url + "/sitemap.xml", timeout=10).headers["ETag"]
        again = urllib.request.Request(site.base_url + "/sitemap.xml", headers={"If-None-Match": etag})
        try:
            status = urllib.request.urlopen(again, timeout=10).status
        except urllib.error.HTTPError as exc:
            status = exc.code
    assert len({hashlib.sha256(b).hexdigest() for b in bodies}) == 3, "one original, three copies"
    for body in bodies:
        text = body.decode()
        assert 'rel="canonical"' not in text and "og:url" not in text
    assert b"Copy 1.1: " in bodies[1] and b"Copy 2.1: " in bodies[2]
    assert sitemap.count(b"<loc>") == 180 and status == 304
