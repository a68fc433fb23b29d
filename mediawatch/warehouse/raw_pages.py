"""How DuckDB reads a crawl's staging file (JSONL of mediawatch.records.StagedPage) into raw.pages."""

from __future__ import annotations

ARTICLE_STRUCT = (
    "STRUCT(url VARCHAR, title VARCHAR, authors VARCHAR[], published_at VARCHAR, updated_at VARCHAR, "
    "language VARCHAR, site_name VARCHAR, canonical_url VARCHAR, section VARCHAR, tags VARCHAR[], "
    "image_url VARCHAR, body VARCHAR, word_count INTEGER, error VARCHAR)"
)

STAGED_COLUMNS = {
    "run_id": "VARCHAR",
    "source": "VARCHAR",
    "url": "VARCHAR",
    "fetched_at": "VARCHAR",
    "kind": "VARCHAR",
    "reason": "VARCHAR",
    "status": "INTEGER",
    "final_url": "VARCHAR",
    "content_hash": "VARCHAR",
    "etag": "VARCHAR",
    "last_modified": "VARCHAR",
    "lastmod": "VARCHAR",
    "warc_file": "VARCHAR",
    "warc_record_id": "VARCHAR",
    "bytes": "BIGINT",
    "article": ARTICLE_STRUCT,
}


def columns_literal() -> str:
    """The `columns=` argument of read_json for a staging file."""
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in STAGED_COLUMNS.items()) + "}"


# raw.pages column order after (load_id, staging_file, line_no), ending with the article_id (the
# identity prep.prep_article_versions keys versions on); dates that do not parse become null
# (the quality gate then sees them as missing, instead of the load failing on one bad page)
SELECT_FROM_STAGED = """
    run_id, source, url, try_cast(fetched_at as timestamptz), kind, reason, status, final_url,
    content_hash, etag, last_modified, lastmod, warc_file, warc_record_id, bytes,
    article.title, article.authors, try_cast(article.published_at as timestamptz),
    try_cast(article.updated_at as timestamptz), article.language, article.site_name,
    article.canonical_url, article.section, article.tags, article.image_url, article.body,
    article.word_count, article.error,
    left(sha256(coalesce(nullif(article.canonical_url, ''), url)), 16)
"""
