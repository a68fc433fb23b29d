"""Quarantine: article versions held out of the marts because they failed a row-level check.

Nothing is deleted. A held (article_id, content_hash) stays in raw.pages; `prep.prep_article_versions`
leaves it out while `released_at` is null, so the build that follows makes it disappear from every
analyst-facing table, and releasing it (then building) brings it back. The quarantine writes only
its own table and tells the build which articles changed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import duckdb

from mediawatch.config import Paths

if TYPE_CHECKING:
    import pandas as pd


def hold(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, run_id: str) -> int:
    """Quarantine versions (columns article_id, content_hash, url, source, reason) inside the caller's
    transaction. A version held before and released is held again only if a run finds it again."""
    if rows.empty:
        return 0
    con.register("gate_hold", rows)
    try:
        con.execute(
            """
            insert into main.quarantine
                (article_id, content_hash, url, source, reason, run_id, quarantined_at)
            select article_id, content_hash, url, source, reason, $run_id, now() from gate_hold
            on conflict (article_id, content_hash) do update set
                reason = excluded.reason, run_id = excluded.run_id,
                quarantined_at = excluded.quarantined_at, released_at = null, release_reason = null
            """,
            {"run_id": run_id},
        )
    finally:
        con.unregister("gate_hold")
    return len(rows)


def held(con: duckdb.DuckDBPyConnection, include_released: bool = False) -> list[dict[str, Any]]:
    """Quarantined versions, newest first (works on the warehouse and on the analyst copy)."""
    where = "" if include_released else "where released_at is null"
    cursor = con.execute(
        f"select * from main.quarantine {where} order by quarantined_at desc, article_id, content_hash"
    )
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def release(paths: Paths, article_id: str | None, reason: str | None = None) -> dict[str, Any]:
    """Let held versions back in: one article's (all its held versions) or, with None, every one.

    Builds what that changed and republishes the analyst copy so the articles reappear everywhere. The gate
    does not quarantine a released version again (it was checked already)."""
    from mediawatch.warehouse.backend import rollback
    from mediawatch.warehouse.build import Change, build
    from mediawatch.warehouse.db import connect_writer
    from mediawatch.warehouse.migrate import migrate
    from mediawatch.warehouse.publish import publish_analyst_db

    con = connect_writer(paths.warehouse)
    try:
        migrate(con)
        params: dict[str, Any] = {"now": datetime.now(UTC), "reason": reason or "released by operator"}
        condition = "released_at is null"
        if article_id is not None:
            condition += " and article_id = $article_id"
            params["article_id"] = article_id
        con.execute("begin transaction")
        try:
            released = con.execute(
                f"update main.quarantine set released_at = $now, release_reason = $reason "
                f"where {condition} returning article_id, content_hash",
                params,
            ).fetchall()
            if released:
                build(con, {"main.quarantine": Change.rows("article_id", sorted({r[0] for r in released}))},
                      watchlist=paths.watchlist, reason="quarantine release", in_transaction=True)
            con.execute("commit")
        except Exception:
            rollback(con)
            raise
        if released:
            con.execute("checkpoint")
            publish_analyst_db(con, paths.analyst_db)
    finally:
        con.close()
    return {
        "released": len(released),
        "articles": sorted({row[0] for row in released}),
        "analyst_db": str(paths.analyst_db),
    }
