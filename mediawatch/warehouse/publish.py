"""What the loader hands on after a load: the analyst copy, the crawl state, Parquet exports.

Analysts never open the warehouse file: DuckDB allows one writer or many readers, never both, so an
analyst holding the warehouse open would fail the next load. Instead each successful load builds a
fresh analyst database next to it and renames it into place. A session that has the old copy open
keeps reading the old file (the rename does not touch its open inode); new sessions get the new one.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from pathlib import Path

import duckdb

from mediawatch.warehouse.db import load_extension
from mediawatch.warehouse.models import load_models, sql_literal

# state tables analysts also read, beside the marts
EXTRA_TABLES = ["dq_results", "quarantine"]


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _unique() -> str:
    """A temp-file suffix no other writer uses, even on another machine sharing the folder."""
    return f"{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:8]}"


def mart_names() -> list[str]:
    return [m.name for m in load_models() if m.layer == "marts"]


def publish_analyst_db(con: duckdb.DuckDBPyConnection, target: Path) -> Path:
    """Copy marts into a new DuckDB file with a full-text index, then rename it over `target`."""
    tmp = target.with_name(f".{target.name}.{_unique()}.tmp")
    tmp.unlink(missing_ok=True)
    con.execute(f"attach '{_sql_path(tmp)}' as publish")
    try:
        for name in mart_names() + EXTRA_TABLES:
            con.execute(f"create table publish.main.{name} as select * from main.{name}")
        for model in load_models():
            if model.layer != "marts":
                continue
            if model.description:
                con.execute(f"comment on table publish.main.{model.name} is {sql_literal(model.description)}")
            for column, meaning in model.columns.items():
                con.execute(f"comment on column publish.main.{model.name}.{column} is {sql_literal(meaning)}")
    finally:
        con.execute("detach publish")
    build_search_index(tmp)
    os.replace(tmp, target)
    return target


def refresh_analyst_tables(con: duckdb.DuckDBPyConnection, target: Path) -> Path:
    """Republish only dq_results and quarantine, for a gate run that changed no mart.

    The marts and their full-text index are as the load published them, so the current analyst
    file is copied and only these tables replaced in the copy before it is renamed into place.
    Rebuilding the whole copy would redo the BM25 index: about 180 s at a million articles, against
    about 2 s for the copy."""
    if not target.exists():
        return publish_analyst_db(con, target)
    tmp = target.with_name(f".{target.name}.{_unique()}.tmp")
    shutil.copyfile(target, tmp)
    con.execute(f"attach '{_sql_path(tmp)}' as publish")
    try:
        for name in EXTRA_TABLES:
            con.execute(f"create or replace table publish.main.{name} as select * from main.{name}")
    finally:
        con.execute("detach publish")
    os.replace(tmp, target)
    return target


def build_search_index(path: Path) -> None:
    """BM25 full-text index over article titles and bodies (fts extension, English stemmer)."""
    with duckdb.connect(str(path), config={"autoinstall_known_extensions": False}) as pub:
        load_extension(pub, "fts")
        pub.execute(
            "pragma create_fts_index('articles', 'article_id', 'title', 'body', "
            "stemmer = 'porter', stopwords = 'english', overwrite = 1)"
        )
        pub.execute("checkpoint")


def export_crawl_state(con: duckdb.DuckDBPyConnection, target: Path) -> Path:
    """What the spiders need to crawl incrementally: the latest fetch of every stored article URL."""
    tmp = target.with_name(f".{target.name}.{_unique()}.tmp")
    con.execute(
        f"""
        copy (
            select url, canonical_url, content_hash, lastmod, etag, last_modified, fetched_at
            from raw.pages
            where kind = 'article'
            qualify row_number() over (partition by url order by fetched_at desc) = 1
            order by url
        ) to '{_sql_path(tmp)}' (format parquet)
        """
    )
    os.replace(tmp, target)
    return target


def export_parquet(con: duckdb.DuckDBPyConnection, folder: Path) -> list[Path]:
    """Write every mart (and dq_results, quarantine) as `<folder>/<name>.parquet`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in mart_names() + EXTRA_TABLES:
        target = folder / f"{name}.parquet"
        tmp = folder / f".{name}.parquet.tmp"
        con.execute(f"copy (select * from main.{name}) to '{_sql_path(tmp)}' (format parquet)")
        os.replace(tmp, target)
        written.append(target)
    return written

