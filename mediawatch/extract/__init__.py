"""Article extraction: HTML and URL in, `ArticleRecord` out. Pure: no I/O, no network, never raises."""

from __future__ import annotations

import trafilatura

from mediawatch.records import ArticleRecord

__all__ = ["extract_article"]


def extract_article(html: bytes | str, url: str, site: str | None = None) -> ArticleRecord:
    """Extract one article from `html` (baseline: plain trafilatura); errors land in `record.error`."""
    try:
        if isinstance(html, bytes):
            html = html.decode("utf-8", errors="replace")
        if not html or not html.strip():
            return ArticleRecord(url=url, error="empty_body")
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, as_dict=True)
        if not doc or not doc.get("text"):
            return ArticleRecord(url=url, error="empty_body")
        body = doc["text"]
        return ArticleRecord(
            url=url,
            title=doc.get("title"),
            authors=[a.strip() for a in (doc.get("author") or "").split(";") if a.strip()],
            published_at=None,
            language=doc.get("language"),
            site_name=doc.get("sitename"),
            canonical_url=doc.get("url"),
            tags=list(doc.get("tags") or []),
            image_url=doc.get("image"),
            body=body,
            word_count=len(body.split()),
        )
    except Exception as exc:  # noqa: BLE001 - extraction must never raise on bad input
        return ArticleRecord(url=url, error=f"unparseable_html:{type(exc).__name__}")
