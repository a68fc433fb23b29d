"""The incremental build equals a full rebuild of the same warehouse, whatever the history.

Hypothesis draws a history of loads (new articles, updated versions of the same URL, republished
copies under other URLs, pages without dates), quarantines and releases of versions, and watchlist
changes followed by `reanalyze`. After every step, each mart the incremental build kept current is
compared (order-insensitive) with what a full rebuild of the same raw and analysis tables gives.
The full rebuild runs in a transaction that is rolled back, so the history continues unchanged.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import registry_text

from mediawatch.checks.quarantine import hold, release
from mediawatch.config import Paths
from mediawatch.records import ARTICLE, ArticleRecord, StagedPage
from mediawatch.sources import load_registry
from mediawatch.warehouse.build import Change, build
from mediawatch.warehouse.db import connect_reader, connect_writer
from mediawatch.warehouse.graph import analyst_tables, mart_names
from mediawatch.warehouse.load import load_files
from mediawatch.warehouse.loads import finish_load, start_load, sync_registry
from mediawatch.warehouse.migrate import migrate
from mediawatch.warehouse.publish import publish

SOURCES = ["alpha", "beta"]
BASE = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
WATCHLISTS = [
    "entities:\n  - {name: Xiaomi, type: company}\n  - {name: BAIC, type: company}\n"
    "  - {name: Tesla, type: company}\n",
    "entities:\n  - {name: Xiaomi, type: company}\n  - {name: BYD, type: company}\n"
    "  - {name: Samsung, type: company}\n  - {name: Tesla, type: company, aliases: [Tesla Motors]}\n",
]
# bodies: several mentions each, so some days spike; the same body under two URLs is one story
LEADS = [
    "Xiaomi Xiaomi Xiaomi Xiaomi showed a car beside BAIC. Xiaomi said sales were great.",
    "Tesla cut prices again while BYD reported record deliveries. Tesla Motors and Tesla agreed.",
    "Samsung and Xiaomi announced foldable phones. BAIC stayed quiet about its plans.",
    "BYD BYD BYD BYD opened a factory; Tesla and Samsung watched. It was a terrible day.",
]

page = st.tuples(
    st.integers(0, 5),  # which URL (same URL, new body = an updated version)
    st.integers(0, len(LEADS) - 1),  # which lead
    st.integers(0, 2),  # body variant
    st.one_of(st.none(), st.integers(0, 35)),  # published day offset (None: no date on the page)
)
step = st.one_of(
    st.tuples(st.just("load"), st.lists(page, min_size=1, max_size=5)),
    st.tuples(st.just("hold"), st.integers(0, 50)),
    st.tuples(st.just("release"), st.integers(0, 50)),
    st.tuples(st.just("reanalyze"), st.integers(0, len(WATCHLISTS) - 1)),
)


def _paths(root: Path) -> Paths:
    root.mkdir(parents=True, exist_ok=True)
    (root / "sources.yaml").write_text(registry_text(SOURCES))
    (root / "watchlist.yaml").write_text(WATCHLISTS[0])
    return Paths(sources=root / "sources.yaml", watchlist=root / "watchlist.yaml",
                 warehouse=root / "data" / "warehouse.duckdb", reports=root / "reports").ensure()


def _body(lead: int, variant: int) -> str:
    filler = " ".join(hashlib.md5(f"{lead}-{variant}-{i}".encode()).hexdigest()[:7] for i in range(80))
    return f"{LEADS[lead]}\n\nVariant {variant} of the story. {filler}."


def _write_batch(paths: Paths, n: int, pages: list[tuple[int, int, int, int | None]]) -> None:
    when = BASE + timedelta(hours=n)
    by_source: dict[str, list[str]] = {}
    for i, (url_index, lead, variant, day) in enumerate(pages):
        source = SOURCES[url_index % 2]
        url = f"https://{source}.example.com/story-{url_index}/"
        body = _body(lead, variant)
        record = ArticleRecord(
            url=url, title=f"Story {url_index}", authors=["Jane Doe"], language="en",
            published_at=None if day is None else (BASE + timedelta(days=day)).isoformat(),
            site_name=source, canonical_url=url, body=body, word_count=len(body.split()),
        )
        by_source.setdefault(source, []).append(StagedPage(
            run_id=f"run{n}", source=source, url=url, fetched_at=(when + timedelta(seconds=i)).isoformat(),
            kind=ARTICLE, status=200, content_hash=hashlib.sha256(body.encode()).hexdigest(),
            bytes=len(body), article=record,
        ).to_json())
    for source, lines in by_source.items():
        folder = paths.staging_dir / source
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"run{n}.jsonl").write_text("\n".join(lines) + "\n")


def _load(paths: Paths, n: int) -> None:
    """What pipeline.load does to the warehouse (without publishing the analyst copy)."""
    con = connect_writer(paths.warehouse)
    try:
        migrate(con)
        start_load(con, f"load{n}")
        changes = {"raw.source_registry": Change()} if sync_registry(con, load_registry(paths.sources)) else {}
        files = load_files(con, paths.staging_dir, f"load{n}")
        built = build(con, changes, watchlist=paths.watchlist, reason=f"load{n}")
        finish_load(con, f"load{n}", files.files_loaded, files.pages, built.analysis.versions)
    finally:
        con.close()


def _hold(paths: Paths, pick: int) -> None:
    """What the gate does: hold a version in its own table, then build what that changed."""
    con = connect_writer(paths.warehouse)
    try:
        versions = con.execute(
            "select article_id, content_hash, url, source from prep.prep_article_versions "
            "order by article_id, content_hash"
        ).df()
        if versions.empty:
            return
        row = versions.iloc[[pick % len(versions)]].assign(reason="failed a test check")
        con.execute("begin transaction")
        hold(con, row, f"gate{pick}")
        build(con, {"main.quarantine": Change.rows("article_id", list(row["article_id"]))},
              watchlist=paths.watchlist, in_transaction=True)
        con.execute("commit")
    finally:
        con.close()


def _release(paths: Paths, pick: int) -> None:
    con = connect_writer(paths.warehouse)
    try:
        held = [r[0] for r in con.execute(
            "select distinct article_id from quarantine where released_at is null order by 1").fetchall()]
    finally:
        con.close()
    if held:
        release(paths, held[pick % len(held)], "test")


def _reanalyze(paths: Paths, watchlist: int) -> None:
    paths.watchlist.write_text(WATCHLISTS[watchlist])
    con = connect_writer(paths.warehouse)
    try:
        build(con, watchlist=paths.watchlist, reanalyze=True, reason="reanalyze")
    finally:
        con.close()


def _comparable(con: Any, table: str) -> str:
    """A select of the table with doubles rounded (sums in another order differ in the last bits)."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position", table.split(".")
    ).fetchall()
    return "select " + ", ".join(
        f"round({name}, 9) as {name}" if kind == "DOUBLE" else name for name, kind in columns
    ) + f" from {table}"


def assert_incremental_equals_rebuild(paths: Paths) -> dict[str, int]:
    """Every mart equals its full rebuild (multiset equality). Returns the row count of each."""
    con = connect_writer(paths.warehouse)
    sizes: dict[str, int] = {}
    try:
        marts = mart_names()
        for name in marts:
            con.execute(f"create temp table kept_{name} as {_comparable(con, 'main.' + name)}")
        con.execute("begin transaction")
        try:
            built = build(con, watchlist=paths.watchlist, full=True, in_transaction=True)
            assert set(marts) <= set(built.built)
            assert built.analysis.versions == 0, "a full rebuild found versions the load left unanalysed"
            for name in marts:
                rebuilt = _comparable(con, "main." + name)
                extra = con.execute(f"select count(*) from (select * from kept_{name} except all {rebuilt})")
                only_incremental = extra.fetchone()[0]
                missing = con.execute(f"select count(*) from ({rebuilt} except all select * from kept_{name})")
                counts = (only_incremental, missing.fetchone()[0])
                assert counts == (0, 0), f"{name}: {counts[0]} rows only incremental, {counts[1]} only rebuilt"
                sizes[name] = con.execute(f"select count(*) from kept_{name}").fetchone()[0]
        finally:
            con.execute("rollback")
    finally:
        con.close()
    return sizes


def assert_published_equals_warehouse(paths: Paths) -> None:
    """Publish (a free generation takes the logged changes since its own build, which alternate
    between two generations: deletes only for keys the generation can hold), then every analyst
    table equals the warehouse's."""
    con = connect_writer(paths.warehouse)
    try:
        publish(con, paths.analyst_db)
        expected = {name: sorted(con.execute(f"select * from main.{name}").fetchall(), key=repr)
                    for name, _ in analyst_tables()}
    finally:
        con.close()
    analyst = connect_reader(paths.analyst_db)
    try:
        for name, rows in expected.items():
            assert sorted(analyst.execute(f"select * from {name}").fetchall(), key=repr) == rows, name
    finally:
        analyst.close()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=2, max_size=7))
def test_incremental_build_equals_full_rebuild(tmp_path_factory: Any, steps: list[tuple[str, Any]]) -> None:
    paths = _paths(tmp_path_factory.mktemp("history"))
    for n, (action, arg) in enumerate(steps):
        if action == "load":
            _write_batch(paths, n, arg)
            _load(paths, n)
        elif not paths.warehouse.exists():
            continue
        elif action == "hold":
            _hold(paths, arg)
        elif action == "release":
            _release(paths, arg)
        else:
            _reanalyze(paths, arg)
        if paths.warehouse.exists():
            assert_incremental_equals_rebuild(paths)
            assert_published_equals_warehouse(paths)


def test_a_fixed_history_touches_every_kind_of_change(tmp_path: Path) -> None:
    """One history that surely has updates, copies, spikes, holds, releases and a reanalysis."""
    paths = _paths(tmp_path)
    early = [(0, 1, 0, 0), (1, 2, 0, 1), (2, 3, 0, 2), (3, 1, 1, 3)]
    _write_batch(paths, 0, early)
    _load(paths, 0)
    # an update of story 0, a copy of story 2's body under URL 4, and a spike of Xiaomi on day 20
    _write_batch(paths, 1, [(0, 2, 1, 0), (4, 3, 0, 2), (5, 0, 0, 20), (3, 0, 1, 20)])
    _load(paths, 1)
    sizes = assert_incremental_equals_rebuild(paths)
    assert sizes["articles"] == 6 and sizes["article_versions"] == 8
    assert sizes["entity_alerts"] >= 1, "the history was meant to spike"
    assert sizes["clusters"] < sizes["articles"], "the copy was meant to join a cluster"
    assert_published_equals_warehouse(paths)
    _hold(paths, 3)
    assert_incremental_equals_rebuild(paths)
    assert_published_equals_warehouse(paths)
    _release(paths, 0)
    assert_incremental_equals_rebuild(paths)
    assert_published_equals_warehouse(paths)
    _reanalyze(paths, 1)
    assert_incremental_equals_rebuild(paths)
    assert_published_equals_warehouse(paths)


def test_a_load_with_nothing_new_builds_nothing(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    _write_batch(paths, 0, [(0, 0, 0, 1), (1, 1, 0, 2)])
    _load(paths, 0)
    con = connect_writer(paths.warehouse)
    try:
        before = con.execute("select count(*) from meta.builds").fetchone()[0]
        start_load(con, "again")
        files = load_files(con, paths.staging_dir, "again")
        built = build(con, watchlist=paths.watchlist)
        assert files.files_loaded == 0 and built.built == [] and built.build_id is None
        assert con.execute("select count(*) from meta.builds").fetchone()[0] == before
        assert con.execute("select status from raw.loads where load_id = 'again'").fetchone()[0] == "done"
    finally:
        con.close()


def test_the_change_log_names_the_keys_each_build_replaced(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    _write_batch(paths, 0, [(0, 0, 0, 1), (1, 1, 0, 2)])
    _load(paths, 0)
    _write_batch(paths, 1, [(2, 2, 0, 5)])
    _load(paths, 1)
    con = connect_writer(paths.warehouse)
    try:
        first, second = (r[0] for r in con.execute("select build_id from meta.builds order by 1").fetchall())
        # the first build made every model: whole tables
        whole = con.execute("select model from meta.changes where build_id = ? and key is null", [first]).fetchall()
        assert {m for (m,) in whole} >= set(mart_names())
        # the second: only the new article's keys, and whole small tables
        logged = con.execute("select model, key from meta.changes where build_id = ?", [second]).fetchall()
        new_id = con.execute("select article_id from articles where url like '%story-2/'").fetchone()[0]
        assert ("articles", new_id) in logged and ("mentions", new_id) in logged
        assert ("sources", None) in logged
        assert ("daily_entity_mentions", "2026-10-06") in logged
        assert not any(m == "articles" and k != new_id for m, k in logged)
        # a new article's keys had no rows before the build; the sources table was logged whole
        existed = dict(((m, k), e) for m, k, e in con.execute(
            "select model, key, existed from meta.changes where build_id = ?", [second]).fetchall())
        assert existed[("articles", new_id)] is False and existed[("mentions", new_id)] is False
        assert existed[("sources", None)] is None
    finally:
        con.close()
    _write_batch(paths, 2, [(0, 0, 1, 1)])  # a new version of story 0: its keys had rows
    _load(paths, 2)
    con = connect_writer(paths.warehouse)
    try:
        updated = con.execute("select article_id from articles where url like '%story-0/'").fetchone()[0]
        flags = con.execute("select model, existed from meta.changes where key = ? and build_id = "
                            "(select max(build_id) from meta.builds)", [updated]).fetchall()
        assert ("articles", True) in flags and ("mentions", True) in flags
    finally:
        con.close()


def test_analyst_tables_say_how_to_copy_each_table() -> None:
    tables = dict(analyst_tables())
    assert tables["articles"] == "article_id" and tables["clusters"] == "cluster_id"
    assert tables["daily_entity_mentions"] == "day"
    assert tables["sources"] is None and tables["crawl_runs"] is None
    assert tables["quarantine"] is None and tables["dq_results"] is None
