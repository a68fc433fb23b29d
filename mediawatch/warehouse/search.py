"""Full-text search that grows with the articles: BM25 tables kept current article by article.

`main.search_postings` (term, article_id, tf, doc_length) and `main.search_docs` live in the writer
warehouse beside the marts and are published to analysts like them. A build passes the articles
whose row in the `articles` mart changed; only their postings are deleted and inserted again, so
the corpus is never re-indexed. Terms come from the SQL macros in `sql/macros/`: the indexer applies
`search_split` and `is_search_term` row by row, `search_articles()` splits the query with
`search_tokens`, which is those two on a list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mediawatch.config import REPO_ROOT
from mediawatch.warehouse.models import in_stored_rows, key_list, sql_literal

MACROS_DIR = REPO_ROOT / "sql" / "macros"
SEARCH_TABLES = ["search_postings", "search_docs"]
SEARCH_BATCH = 2000  # articles indexed per statement: bounds the memory of a big load's indexing
_CREATE = re.compile(r"create\s+or\s+replace\s+macro\s+([a-z_][a-z0-9_]*)\s*\((.*?)\)\s+as\s+(table\b)?", re.I | re.S)


@dataclass(frozen=True)
class Macro:
    name: str
    is_table: bool
    sql: str  # `create or replace macro ...`
    description: str


def load_macros(folder: Path = MACROS_DIR) -> list[Macro]:
    """The macros of sql/macros, in file order (a macro may call the ones before it)."""
    macros = []
    for path in sorted(folder.glob("*.sql")):
        text = path.read_text()
        match = _CREATE.search(text)
        if not match:
            raise ValueError(f"{path}: expected one `create or replace macro name(...) as ...`")
        description = " ".join(
            line.lstrip("-").strip() for line in text.splitlines() if line.startswith("--")
        ).strip()
        macros.append(Macro(match.group(1), bool(match.group(3)), text.strip().rstrip(";"), description))
    return macros


def define_macros(con: duckdb.DuckDBPyConnection, *, persist: bool, schema: str = "") -> None:
    """Create the macros: persisted in database `schema` (the analyst database) or as temp macros
    (the writer, where a DuckLake session could not store them)."""
    previous = con.execute("select current_database()").fetchone()
    if persist and schema:
        con.execute(f"use {schema}")  # a table macro resolves the functions it calls where it is made
    try:
        for macro in load_macros():
            if persist:
                con.execute(macro.sql)
                kind = "macro table" if macro.is_table else "macro"
                con.execute(f"comment on {kind} {macro.name} is {sql_literal(macro.description)}")
            else:
                con.execute(macro.sql.replace("create or replace macro", "create or replace temp macro", 1))
    finally:
        if persist and schema and previous:
            con.execute(f"use {previous[0]}")


def update_search_index(con: duckdb.DuckDBPyConnection, changed_article_ids: str, *, whole: bool = False) -> int:
    """Re-index the articles named in temp table `changed_article_ids` (column article_id): delete
    their postings, insert those of their current row in `articles` (none if it was deleted).
    Runs inside the caller's transaction. Returns how many articles are indexed now.

    `whole` (they are every article: a rebuild) writes all postings in one pass ordered by term, so
    that each term's rows sit in one or two row groups and a search reads only those (zone maps);
    an incremental load appends its batches, each ordered by term within itself."""
    define_macros(con, persist=False)
    changed = key_list(con, changed_article_ids, "article_id")
    stale = con.execute(f"select count(*) from main.search_docs where article_id in {changed}").fetchone()
    if stale and stale[0]:
        # new articles have nothing to delete; only then is the big postings table scanned
        con.execute(f"delete from main.search_postings where article_id in {changed}")
        con.execute(f"delete from main.search_docs where article_id in {changed}")
    # the batch number only grows (the clock, or one more than any batch still indexed), so the
    # publisher finds what was indexed after a given batch by `seq > n`
    row = con.execute(
        "select greatest(epoch_us(now()), (select coalesce(max(seq), 0) + 1 from main.search_docs))"
    ).fetchone()
    seq = int(row[0]) if row else 1
    # the changed articles' row ids, read once: each batch's span comes from here, not from
    # another scan of every stored article id (six of them for 10,000 new among 1M: 0.4 s)
    con.execute(
        "create or replace temp table search_todo as select articles.article_id, articles.rowid as row_id, "
        f"row_number() over (order by articles.rowid) as n from main.articles as articles where article_id in {changed}"
    )
    total = con.execute("select count(*) from search_todo").fetchone()
    indexed = int(total[0]) if total else 0
    clustered = whole and indexed > SEARCH_BATCH  # one batch is ordered by term already
    postings = "search_all_postings" if clustered else "main.search_postings"
    if clustered:
        con.execute(f"create or replace temp table {postings} as from main.search_postings limit 0")
    for first in range(0, indexed, SEARCH_BATCH):
        con.execute(
            "create or replace temp table search_chunk as select article_id, row_id from search_todo "
            f"where n > {first} and n <= {first + SEARCH_BATCH}"
        )
        _index_batch(con, _chunk_rows(con), seq, postings)
    if clustered:
        con.execute(f"insert into main.search_postings select * from {postings} order by term, article_id")
        con.execute(f"drop table {postings}")
    con.execute("drop table if exists search_chunk")
    con.execute("drop table search_todo")
    return indexed


def _chunk_rows(con: duckdb.DuckDBPyConnection) -> str:
    """The filter on main.articles of the rows in temp table `search_chunk`: their keys, within
    their row-id span, which search_chunk lists (no scan of every stored article id)."""
    condition = f"article_id in {key_list(con, 'search_chunk', 'article_id')}"
    return in_stored_rows(con, "main.articles", condition,
                          span="select min(row_id), max(row_id) from search_chunk") or "false"


def _index_batch(con: duckdb.DuckDBPyConnection, rows: str, seq: int, postings: str) -> None:
    """Docs (into main.search_docs) and postings (into table `postings`) of the articles matching
    `rows` (a filter on main.articles), batch `seq`.

    The words are unnested and then filtered as rows: search_tokens() (the same two macros on a
    list, with a lambda) cost 2.5 times as much CPU here, most of it keeping the lists. The terms
    are counted as they are split (one statement, no table of every word) and an article's length
    is the sum of its terms' counts (a join: a window over the article cost more)."""
    con.execute(
        f"""
        create or replace temp table search_batch_postings as
        with

        words as (
            select
                articles.article_id,
                unnest(search_split(concat_ws(' ', articles.title, articles.body))) as term,
            from main.articles as articles
            where {rows}
        ),

        counted as materialized (
            select
                words.term,
                words.article_id,
                cast(count(*) as integer) as tf,
            from words
            where is_search_term(words.term)
            group by words.term, words.article_id
        ),

        lengths as (
            select counted.article_id, cast(sum(counted.tf) as integer) as doc_length
            from counted
            group by counted.article_id
        ),

        final as (
            select
                counted.term,
                counted.article_id,
                counted.tf,
                lengths.doc_length,
            from counted
            inner join lengths on counted.article_id = lengths.article_id
        )

        select * from final
        order by final.term, final.article_id
        """
    )
    con.execute(
        f"""
        insert into main.search_docs
        with

        batch as (
            select articles.article_id, articles.content_hash, articles.title
            from main.articles as articles
            where {rows}
        ),

        lengths as (
            select postings.article_id, any_value(postings.doc_length) as doc_length
            from search_batch_postings as postings
            group by postings.article_id
        ),

        final as (
            select
                batch.article_id,
                batch.content_hash,
                hash(coalesce(batch.title, '')) as title_hash,
                coalesce(lengths.doc_length, 0) as doc_length,
                cast({int(seq)} as bigint) as seq,
            from batch
            left join lengths on batch.article_id = lengths.article_id
        )

        select * from final
        """
    )
    # a plain scan keeps the table's order (by term): that is what the search's zone maps need
    con.execute(
        f"insert into {postings} select postings.*, cast({int(seq)} as bigint) as seq "
        "from search_batch_postings as postings"
    )
    con.execute("drop table search_batch_postings")


def sync_search_index(con: duckdb.DuckDBPyConnection) -> int:
    """Re-index every article whose title or body differs from what the index holds (and drop the
    ones no longer in `articles`). For paths that do not pass the changed articles: with nothing
    changed it costs one anti-join over two narrow columns. Returns the articles re-indexed."""
    con.execute(
        """
        create or replace temp table search_changed as
        with

        current_articles as (
            select
                articles.article_id,
                articles.content_hash,
                hash(coalesce(articles.title, '')) as title_hash,
            from main.articles as articles
        ),

        indexed as (
            select docs.article_id, docs.content_hash, docs.title_hash
            from main.search_docs as docs
        ),

        final as (
            select coalesce(current_articles.article_id, indexed.article_id) as article_id
            from current_articles
            full outer join indexed on current_articles.article_id = indexed.article_id
            where
                current_articles.article_id is null
                or indexed.article_id is null
                or current_articles.content_hash != indexed.content_hash
                or current_articles.title_hash != indexed.title_hash
        )

        select * from final
        """
    )
    row = con.execute("select count(*) from search_changed").fetchone()
    changed = int(row[0]) if row else 0
    if changed:
        update_search_index(con, "search_changed")
    con.execute("drop table search_changed")
    return changed


def index_is_complete(con: duckdb.DuckDBPyConnection) -> bool:
    """Cheap check that every article is indexed (both counts come from table metadata)."""
    row = con.execute("select (select count(*) from main.articles) = (select count(*) from main.search_docs)").fetchone()
    return bool(row and row[0])
