"""Full-text search: kept per article (never re-indexed), BM25 as the textbook computes it, and
reachable from the bare DuckDB CLI on the analyst database."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
from collections import Counter
from itertools import pairwise
from pathlib import Path

import duckdb
import pytest
from warehouse_builders import make_paths, write_staging

from mediawatch import pipeline
from mediawatch.config import REPO_ROOT, Paths
from mediawatch.warehouse.db import connect_reader, connect_writer
from mediawatch.warehouse.search import sync_search_index, update_search_index


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    paths = make_paths(tmp_path_factory.mktemp("search"))
    write_staging(paths, "alpha", "run1", range(0, 30))
    pipeline.load(paths)
    write_staging(paths, "beta", "run1", range(20, 45))
    # new versions of five alpha articles: their postings are replaced
    write_staging(paths, "alpha", "run2", range(0, 5), variant="Update: a foldable tablet appeared.")
    pipeline.load(paths)
    return paths


def stopwords() -> set[str]:
    text = (REPO_ROOT / "sql" / "macros" / "02_is_search_term.sql").read_text()
    return set(re.findall(r"'([a-z]+)'", text.split("not in", 1)[1]))


def python_bm25(docs: dict[str, str], query: str, k1: float = 1.2, b: float = 0.75) -> dict[str, float]:
    """Okapi BM25 written out in Python, independently of the SQL."""
    stop = stopwords()

    def tokens(text: str) -> list[str]:
        return [t for t in re.split(r"[^\w]+|_", text.lower()) if t and t not in stop]

    terms = {d: Counter(tokens(text)) for d, text in docs.items()}
    lengths = {d: sum(c.values()) for d, c in terms.items()}
    avg = sum(lengths.values()) / len(lengths)
    scores: dict[str, float] = {}
    for term in set(tokens(query)):
        df = sum(1 for c in terms.values() if term in c)
        idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
        for d, c in terms.items():
            if term in c:
                tf = c[term]
                scores[d] = scores.get(d, 0.0) + idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[d] / avg))
    return scores


def test_search_articles_ranks_as_bm25_does(loaded: Paths) -> None:
    con = connect_reader(loaded.analyst_db)
    docs = {a: f"{t or ''} {b or ''}" for a, t, b in con.execute("select article_id, title, body from articles").fetchall()}
    for query in ["foldable tablet", "Xiaomi BAIC", "battery NIO millionth"]:
        expected = python_bm25(docs, query)
        found = con.execute("select article_id, score from search_articles(?, max_results := 1000)", [query]).fetchall()
        assert found, query
        assert {a for a, _ in found} == set(expected), query
        for article_id, score in found:
            assert score == pytest.approx(expected[article_id], abs=1e-3), (query, article_id)
        assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)


def test_snippet_shows_the_first_query_term(loaded: Paths) -> None:
    con = connect_reader(loaded.analyst_db)
    rows = con.execute("select title, source, published_at, snippet from search_articles('tablet')").fetchall()
    assert rows and all("tablet" in snippet.lower() for *_, snippet in rows)
    assert all(title and source and published_at for title, source, published_at, _ in rows)


def test_incremental_index_equals_indexing_everything_at_once(loaded: Paths, tmp_path: Path) -> None:
    scratch = tmp_path / "scratch.duckdb"
    shutil.copyfile(loaded.warehouse, scratch)
    con = duckdb.connect(str(scratch))
    try:
        incremental = con.execute("select * exclude (seq) from search_postings order by all").fetchall()
        docs = con.execute("select * exclude (seq) from search_docs order by all").fetchall()
        con.execute("delete from search_postings")
        con.execute("delete from search_docs")
        con.execute("create temp table everything as select article_id from articles")
        assert update_search_index(con, "everything") == len(docs) == 55
        assert con.execute("select * exclude (seq) from search_postings order by all").fetchall() == incremental
        assert con.execute("select * exclude (seq) from search_docs order by all").fetchall() == docs
    finally:
        con.close()


def test_only_changed_articles_are_reindexed(loaded: Paths, tmp_path: Path) -> None:
    scratch = make_paths(tmp_path / "w")
    shutil.copyfile(loaded.warehouse, scratch.warehouse)
    con = connect_writer(scratch.warehouse)
    try:
        assert sync_search_index(con) == 0  # everything is indexed already
        # the index's rows are kept: only the changed article's postings are replaced
        before = con.execute("select count(*) from search_postings").fetchone()
        con.execute("create temp table gone as select article_id from articles order by article_id limit 1")
        (gone,) = con.execute("select article_id from gone").fetchone()  # type: ignore[misc]
        postings = con.execute("select count(*) from search_postings where article_id = ?", [gone]).fetchone()
        con.execute("delete from articles where article_id = ?", [gone])
        assert update_search_index(con, "gone") == 0
        after = con.execute("select count(*) from search_postings").fetchone()
        assert before and after and postings and after[0] == before[0] - postings[0] > 0
        assert con.execute("select count(*) from search_docs where article_id = ?", [gone]).fetchone() == (0,)
    finally:
        con.close()


def test_search_works_in_the_bare_duckdb_cli_read_only_and_offline(loaded: Paths, tmp_path: Path) -> None:
    cli = Path(sys.executable).parent / "duckdb"
    assert cli.exists(), "duckdb-cli is part of the lock"
    version = subprocess.run([str(cli), "--version"], capture_output=True, text=True, timeout=60)
    assert version.stdout.startswith(f"v{duckdb.__version__} "), version.stdout
    # an empty HOME: no extension folder, no ~/.duckdbrc; nothing to download from
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run(
        [str(cli), "-readonly", str(loaded.analyst_db), "-csv", "-noheader", "-c",
         "select article_id, title from search_articles('Xiaomi BAIC')"],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert out.returncode == 0, out.stderr
    rows = [line.split(",", 1) for line in out.stdout.splitlines() if line]
    con = connect_reader(loaded.analyst_db)
    both = {a for (a,) in con.execute(
        "select article_id from articles where body like '%Xiaomi%' and body like '%BAIC%'").fetchall()}
    assert rows and {a for a, _ in rows} <= both | {a for (a,) in con.execute(
        "select article_id from articles where body ilike '%xiaomi%' or body ilike '%baic%'").fetchall()}
    # articles naming both rank above those naming one
    assert {a for a, _ in rows[: len(both)]} == both


def test_indexing_in_small_batches_gives_the_same_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A big load is indexed SEARCH_BATCH articles at a time (bounded memory): the postings and
    docs are the same as when every article is indexed in one batch."""
    from mediawatch.warehouse import search

    def indexed(root: Path) -> tuple[list[tuple], list[tuple]]:
        paths = make_paths(root)
        write_staging(paths, "alpha", "run1", range(0, 23))
        write_staging(paths, "beta", "run1", range(10, 30))
        pipeline.load(paths)
        con = connect_reader(paths.warehouse)
        try:
            postings = con.execute("select term, article_id, tf, doc_length from search_postings order by all").fetchall()
            docs = con.execute("select article_id, content_hash, title_hash, doc_length from search_docs order by all").fetchall()
        finally:
            con.close()
        return postings, docs

    whole = indexed(tmp_path / "whole")
    monkeypatch.setattr(search, "SEARCH_BATCH", 7)
    batched = indexed(tmp_path / "batched")
    assert len(whole[1]) == 43 and len(whole[0]) > 43 * 10
    assert batched == whole


def test_a_rebuild_writes_the_postings_ordered_by_term(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loads append their postings batch by batch; a rebuild re-indexes every article in one pass
    ordered by term (so a search reads only its terms' row groups), with the same rows."""
    from mediawatch.warehouse import search

    monkeypatch.setattr(search, "SEARCH_BATCH", 7)
    paths = make_paths(tmp_path)
    write_staging(paths, "alpha", "run1", range(0, 23))
    pipeline.load(paths)  # the first load builds every model: indexed in one ordered pass
    write_staging(paths, "beta", "run1", range(10, 30))
    pipeline.load(paths)

    def postings() -> tuple[list[tuple], list[str]]:
        con = connect_reader(paths.warehouse)
        try:
            rows = con.execute("select term, article_id, tf, doc_length from search_postings order by all").fetchall()
            stored = [r[0] for r in con.execute("select term from search_postings order by rowid").fetchall()]
        finally:
            con.close()
        return rows, stored

    loaded, loaded_order = postings()
    assert loaded_order != sorted(loaded_order)  # the second load's batches of seven are appended
    pipeline.rebuild(paths)
    rebuilt, rebuilt_order = postings()
    assert rebuilt == loaded
    assert rebuilt_order == sorted(rebuilt_order)


TRICKY_TEXTS = [
    None, "", "   ", "The", "A-B c_d e.f", "Xiaomi's SU7: 800-km range, 2025!", "x" * 64, "y" * 65,
    "Größe Straße ÄUSSERN café naïve", "İstanbul ǅemal ΣΊΣΥΦΟΣ", "北京 汽车 BAIC 北汽", "٣ ٤ Ⅻ ½ ²",
    "emoji 🚗⚡ mixed\u00a0space\u200bzero\ttab\nline", "it is not the one that was there, then",
    "AND Or NOT", "e\u0301 combining mark", "x_y__z 1_000",
]


def test_the_indexer_splits_text_as_search_tokens_does(loaded: Paths) -> None:
    """The indexer applies search_split and is_search_term row by row; search_articles() splits a
    query with search_tokens (the two on a list): they give the same terms, on tricky text and on
    every indexed article."""
    con = connect_reader(loaded.analyst_db)
    try:
        for text in TRICKY_TEXTS:
            rows = con.execute(
                "select coalesce(list(term order by n), []) from (select unnest(search_split($1)) as term, "
                "generate_subscripts(search_split($1), 1) as n) where is_search_term(term)", [text],
            ).fetchone()
            listed = con.execute("select search_tokens($1)", [text]).fetchone()
            assert rows is not None and listed is not None
            assert rows[0] == listed[0], text
        mismatched = con.execute(
            """
            with expected as (
                select article_id, unnest(search_tokens(concat_ws(' ', title, body))) as term from articles
            )
            select count(*) from (
                (select term, article_id, count(*)::integer as tf from expected group by all)
                except all
                (select term, article_id, tf from search_postings)
            )
            """
        ).fetchone()
        lengths = con.execute(
            "select count(*) from articles join search_docs using (article_id) "
            "where len(search_tokens(concat_ws(' ', title, body))) != search_docs.doc_length"
        ).fetchone()
        postings = con.execute("select count(*) from search_postings").fetchone()
        expected = con.execute(
            "select count(*) from (select distinct article_id, unnest(search_tokens(concat_ws(' ', title, body))) "
            "from articles)"
        ).fetchone()
    finally:
        con.close()
    assert mismatched == (0,) and lengths == (0,)
    assert postings is not None and postings == expected and postings[0] > 1000


def test_the_index_is_the_straightforward_sql_of_its_definition(
    loaded: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The indexer's postings and docs are exactly the rows of the plain SQL definition (terms of
    search_tokens(title + body) counted per article; doc_length their number), on tricky Unicode
    text and empty documents, re-indexed in several batches whose row spans hold unchanged rows;
    and each batch's postings are stored ordered by term (what the search's zone maps need)."""
    from mediawatch.warehouse import search

    monkeypatch.setattr(search, "SEARCH_BATCH", 6)
    scratch = tmp_path / "scratch.duckdb"
    shutil.copyfile(loaded.warehouse, scratch)
    con = duckdb.connect(str(scratch))
    try:
        search.define_macros(con, persist=False)
        con.execute("create temp table template as select * from articles order by article_id limit 1")
        for n, (title, body) in enumerate(
            [(t, b) for t in [None, "Größe İstanbul"] for b in TRICKY_TEXTS] + [(None, None), ("", "")]
        ):
            con.execute(
                "insert into articles select * replace ($1 as article_id, $2 as title, $3 as body, "
                "md5(coalesce($3, '')) as content_hash) from template",
                [f"tricky{n:04d}", title, body],
            )
        # changed: every tricky article and every third stored one (stale postings to replace,
        # unchanged rows inside each batch's row span)
        con.execute(
            "create temp table changed as select article_id from articles "
            "where article_id like 'tricky%' or hash(article_id) % 3 = 0"
        )
        (changed,) = con.execute("select count(*) from changed").fetchone()  # type: ignore[misc]
        (before,) = con.execute("select max(seq) from search_docs").fetchone()  # type: ignore[misc]
        assert update_search_index(con, "changed") == changed > 40
        postings = con.execute("select term, article_id, tf, doc_length from search_postings order by all").fetchall()
        docs = con.execute("select article_id, content_hash, title_hash, doc_length from search_docs order by all").fetchall()
        expected_postings = con.execute(
            """
            with

            texts as (
                select articles.article_id, search_tokens(concat_ws(' ', articles.title, articles.body)) as terms
                from articles
            ),

            words as (
                select texts.article_id, unnest(texts.terms) as term, len(texts.terms) as doc_length from texts
            )

            select words.term, words.article_id, cast(count(*) as integer), cast(any_value(words.doc_length) as integer)
            from words
            group by words.term, words.article_id
            order by all
            """
        ).fetchall()
        expected_docs = con.execute(
            "select article_id, content_hash, hash(coalesce(title, '')), "
            "cast(len(search_tokens(concat_ws(' ', title, body))) as integer) from articles order by all"
        ).fetchall()
        batch_terms = [t for (t,) in con.execute(
            "select term from search_postings where seq > ? order by rowid", [before]).fetchall()]
    finally:
        con.close()
    assert postings == expected_postings
    assert docs == expected_docs
    assert any(d[3] == 0 for d in docs) and any(not p[0].isascii() for p in postings)
    # appended batch by batch, each ordered by term: the order breaks at most once per batch
    breaks = sum(1 for a, b in pairwise(batch_terms) if b < a)
    assert 0 < breaks < -(-changed // 6)


def test_the_search_index_bench_leaves_its_copy_as_it_was(loaded: Paths, tmp_path: Path) -> None:
    """bench/search_index.py re-indexes a copy's last articles in transactions it rolls back,
    and checks that old and new code (here: the same) write the same rows."""
    scratch = tmp_path / "scratch.duckdb"
    shutil.copyfile(loaded.warehouse, scratch)

    def index_rows() -> tuple:
        con = duckdb.connect(str(scratch), read_only=True)
        try:
            return con.execute(
                "select (select count(*) from search_docs), (select count(*) from search_postings), "
                "(select sum(hash(term, article_id, tf, doc_length)) from search_postings)"
            ).fetchone() or ()
        finally:
            con.close()

    before = index_rows()
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "search_index.py"), str(scratch),
         "--last", "10", "--repeats", "2", "--old-rev", "HEAD"],
        capture_output=True, text=True, timeout=300, cwd=REPO_ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert "same rows at the same positions" in proc.stdout
    assert "old: median wall" in proc.stdout and "new: median wall" in proc.stdout
    assert index_rows() == before
