"""Article extraction: HTML and URL in, `ArticleRecord` out. Pure: no I/O, no network, never raises.

    record = extract_article(html_bytes, "https://example.com/2024/05/01/story", site="wordpress")

The page is parsed once; metadata comes from JSON-LD/OpenGraph first and falls back to trafilatura's
and htmldate's searches only when needed; the body is trafilatura's, cleaned of captions, share and
related blocks, bios and comment forms. `site` names a registered site extractor (see `sites`).
"""

from __future__ import annotations

import re

from mediawatch.extract.sites import SITES, Registry, SiteExtractor
from mediawatch.records import ArticleRecord

__all__ = ["SITES", "Registry", "SiteExtractor", "extract_article"]


# Extraction time grows with page size (10 MB of markup took about a minute): above this, after
# dropping scripts and styles, a page is refused instead of stalling the crawl that extracts it.
MAX_HTML_CHARS = 3_000_000
_SCRIPT = r"<(script|style|svg|noscript)\b[^>]*>.*?</\1\s*>"
_SCRIPT_STR = re.compile(_SCRIPT, re.S | re.I)
_SCRIPT_BYTES = re.compile(_SCRIPT.encode(), re.S | re.I)


def _drop_scripts(html: bytes | str) -> bytes | str:
    if isinstance(html, bytes):
        return _SCRIPT_BYTES.sub(b"", html)
    return _SCRIPT_STR.sub("", html)


def extract_article(html: bytes | str, url: str, site: str | None = None) -> ArticleRecord:
    """Extract one article from `html`; pages without an article get `error` set and no body."""
    from trafilatura.utils import load_html

    try:
        if html is None or (isinstance(html, (bytes, str)) and not html.strip()):
            return ArticleRecord(url=url, error="empty_body")
        if len(html) > MAX_HTML_CHARS:
            # scripts, styles and inline SVG make most of a big real page; what remains must fit
            html = _drop_scripts(html)
            if len(html) > MAX_HTML_CHARS:
                return ArticleRecord(url=url, error="too_large")
        tree = load_html(html)
        if tree is None:
            return ArticleRecord(url=url, error="unparseable_html")
        return SITES.get(site)(tree, url).record()
    except (TypeError, ValueError, LookupError):
        return ArticleRecord(url=url, error="unparseable_html")
    except Exception as exc:  # noqa: BLE001 - a bug in one page's extraction must not stop a crawl
        return ArticleRecord(url=url, error=f"extraction_failed:{type(exc).__name__}")
