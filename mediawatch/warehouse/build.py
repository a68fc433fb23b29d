"""The one writer of derived data: `build(con, changes)` brings the graph up to date.

Callers say what changed in the graph's inputs (rows of `raw.*` a load added, versions the quality
gate held or released, ...); the runner walks the graph (mediawatch.warehouse.graph) in dependency
order and redoes only what those changes reach, dbt/SQLMesh style:

- a prep view is (re)created only when missing or when its SQL changed; it passes its inputs'
  changes on;
- a `table` mart is rebuilt whole when any input changed;
- an `incremental` mart with key K: the changed key values are the K values of the rows its
  inputs deleted or inserted. The runner puts them in the temp table `changed_keys`, keeps the
  current rows of those keys (for the marts downstream), deletes them, and inserts what the model's
  SQL now yields for them. The old and new rows' keys are what it changed, for its consumers;
- a Python step gets its inputs' changed keys and reports its own (see graph.py).

A model that is missing, whose SQL changed, or every model in a full build (`mediawatch rebuild`)
is rebuilt whole, and so is everything downstream of it. Each build is one transaction, recorded in
`meta.builds` with the keys it replaced in `meta.changes` (the analyst publisher reads them).
Loads are picked up by their status in `raw.loads`: a load whose build never committed is built
by the next one, so a crash loses nothing.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediawatch.warehouse.backend import guard, rollback
from mediawatch.warehouse.db import drop_cached_blocks
from mediawatch.warehouse.graph import INCREMENTAL, PYTHON, TABLE, VIEW, Node, consumers, graph
from mediawatch.warehouse.models import CHANGED_KEYS, Model, key_list, pages_of, sql_literal
from mediawatch.warehouse.summaries import FULL, INCREMENTAL_BUILD, BuildSummary

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]

# the article id of a raw page, as prep.prep_article_versions computes it
_PAGE_ARTICLE_ID = "pages.article_id"  # stored when the page is loaded (migration 0007)
_PENDING_LOADS = "select loads.load_id from raw.loads as loads where loads.status is distinct from 'done'"


@dataclass(frozen=True)
class Change:
    """What changed in one input relation: the key values of some rows, or (the default) all of it."""

    column: str | None = None
    keys: Sequence[Any] | None = None
    query: str | None = None  # SQL yielding the changed rows' keys, in a column named `column`

    @classmethod
    def rows(cls, column: str, keys: Sequence[Any]) -> Change:
        return cls(column=column, keys=list(keys))

    @property
    def whole(self) -> bool:
        return self.column is None


@dataclass
class _Delta:
    """What a node (or an input) changed: `full`, and/or temp tables holding changed rows' keys."""

    full: bool
    tables: list[tuple[str, frozenset[str]]] = field(default_factory=list)


@dataclass
class _Run:
    con: Any
    watchlist: Path
    build_id: int
    full: bool
    reanalyze: bool
    progress: Progress | None
    summary: BuildSummary
    relations: set[str]
    state: dict[str, str]
    temp: list[str] = field(default_factory=list)

    def temp_table(self, sql: str, params: Any = None) -> str:
        name = f"build_delta_{len(self.temp)}"
        self.con.execute(f"create or replace temp table {name} as {sql}", params)
        self.temp.append(name)
        return name

    def empty(self, table: str) -> bool:
        return self.con.execute(f"select count(*) from (select 1 from {table} limit 1)").fetchone()[0] == 0


def build(
    con: Any,
    changes: Mapping[str, Change] | None = None,
    *,
    watchlist: Path,
    full: bool = False,
    reanalyze: bool = False,
    reason: str = "",
    progress: Progress | None = None,
    in_transaction: bool = False,
    loads: Sequence[str] | None = None,
) -> BuildSummary:
    """Bring every node downstream of `changes` (input relation -> Change) up to date.

    Loads not built yet (`raw.loads.status`) are added to the changes (with `loads`, only those of
    them: the loader builds a big load's bounded sub-loads one at a time). `full` rebuilds every model
    (the analysis step still only analyses versions it has not seen); `reanalyze` redoes the analysis
    of every version, and so everything downstream of it. Runs in one transaction, or inside the
    caller's with `in_transaction` (the gate writes its tables and builds atomically)."""
    started, cpu_started = time.perf_counter(), _cpu_with_children()
    if not in_transaction:
        con.execute("begin transaction")
    try:
        summary = _build(con, dict(changes or {}), watchlist, full, reanalyze, reason, progress,
                         _pending_loads(loads))
        if not in_transaction:
            committing = time.perf_counter()
            con.execute("commit")  # DuckDB checkpoints here when the load's WAL is big enough
            summary.commit_seconds = round(time.perf_counter() - committing, 3)
    except Exception:
        if not in_transaction:
            rollback(con)
        raise
    summary.seconds = time.perf_counter() - started
    summary.cpu_seconds = _cpu_with_children() - cpu_started
    return summary


def _cpu_with_children() -> float:
    """CPU seconds of this process plus its finished children (the analysis workers)."""
    times = os.times()
    return time.process_time() + times.children_user + times.children_system


def _build(
    con: Any, changes: dict[str, Change], watchlist: Path, full: bool, reanalyze: bool, reason: str,
    progress: Progress | None, pending_loads: str,
) -> BuildSummary:
    guard(con, "build")  # on a lake, two concurrent builds conflict and one is retried
    row = con.execute("select coalesce(max(build_id), 0) + 1 from meta.builds").fetchone()
    kind = FULL if full else INCREMENTAL_BUILD
    summary = BuildSummary(build_id=int(row[0]), kind=kind)
    run = _Run(con, watchlist, summary.build_id or 0, full, reanalyze, progress, summary,
               _relations(con), dict(con.execute("select model, sql_hash from meta.model_state").fetchall()))
    deltas: dict[str, _Delta] = {}
    pending = _pending_load_changes(con, pending_loads)
    for relation, change in {**pending, **changes}.items():
        delta = _input_delta(run, change)
        if delta is not None:
            deltas[relation] = delta
    for node in graph():
        inputs = [deltas[r] for r in sorted(node.reads) if r in deltas]
        forced = full or _stale(run, node) or (node.name == "analysis" and reanalyze)
        if not inputs and not forced:
            continue
        drop_cached_blocks(con)  # a loader's cached table blocks, not its new rows (see db)
        node_started, node_cpu = time.perf_counter(), _cpu_with_children()
        delta = _run_node(run, node, inputs, forced or any(d.full for d in inputs))
        summary.node_seconds[node.name] = round(time.perf_counter() - node_started, 3)
        summary.node_cpu_seconds[node.name] = round(_cpu_with_children() - node_cpu, 3)
        if delta is not None:
            summary.built.append(node.name)
            for relation in node.writes:
                deltas[relation] = delta
    con.execute(f"update raw.loads set status = 'done' where load_id in ({pending_loads})")
    if summary.built:
        # now() is the transaction's start; get_current_timestamp() the time of this statement
        con.execute("insert into meta.builds values "
                    f"({int(summary.build_id)}, now(), get_current_timestamp(), {sql_literal(kind)}, "
                    f"{sql_literal(reason) if reason else 'null'})")
    else:
        summary.build_id = None
    # dropped only after a build that worked: a failed one's transaction is rolled back by the
    # caller, which drops them too, and dropping them in the aborted transaction would fail and hide
    # the real error (out of memory, an interrupt, a broken model) behind "transaction is aborted"
    for name in run.temp:
        con.execute(f"drop table if exists {name}")
    con.execute(f"drop table if exists {CHANGED_KEYS}")
    return summary


def _relations(con: Any) -> set[str]:
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database()"
    ).fetchall()
    return {f"{schema}.{name}" for schema, name in rows}


def _stale(run: _Run, node: Node) -> bool:
    """A SQL model that does not exist yet, or whose SQL differs from what built it."""
    model = node.model
    if model is None:
        return False
    return model.qualified not in run.relations or run.state.get(model.name) != model.sql_hash


def _pending_loads(loads: Sequence[str] | None) -> str:
    """SQL of the unbuilt loads a build takes: all of them, or those of `loads`."""
    if loads is None:
        return _PENDING_LOADS
    return f"{_PENDING_LOADS} and loads.load_id in ({', '.join(map(sql_literal, loads)) or 'null'})"


def _pending_load_changes(con: Any, pending_loads: str = _PENDING_LOADS) -> dict[str, Change]:
    """Inputs changed by loads whose build has not committed yet (normally just the current load)."""
    out: dict[str, Change] = {}
    row = con.execute(f"select count(*) from ({pending_loads})").fetchone()
    if not row or not row[0]:
        return out
    out["raw.pages"] = Change(
        column="article_id",
        query=f"select distinct {_PAGE_ARTICLE_ID} as article_id from raw.pages as pages "
              f"where pages.kind = 'article' and pages.load_id in ({pending_loads})",
    )
    stats = con.execute(
        f"select count(*) from raw.crawl_stats where load_id in ({pending_loads})"
    ).fetchone()
    if stats and stats[0]:
        out["raw.crawl_stats"] = Change()
    return out


def _input_delta(run: _Run, change: Change) -> _Delta | None:
    if change.whole:
        return _Delta(full=True)
    assert change.column is not None
    if change.query is not None:
        table = run.temp_table(change.query)
    else:
        if not change.keys:
            return None
        table = run.temp_table(f"select distinct unnest(?) as {change.column}", [list(change.keys)])
    if run.empty(table):
        return None
    return _Delta(full=False, tables=[(table, frozenset({change.column}))])


def _run_node(run: _Run, node: Node, inputs: list[_Delta], full: bool) -> _Delta | None:
    if node.kind == VIEW:
        assert node.model is not None
        if run.full or _stale(run, node):  # a view is only replaced when its definition changed
            _create(run, node.model, VIEW)
            return _Delta(full=True)
        return _Delta(full=full, tables=[t for d in inputs for t in d.tables])
    if node.kind == TABLE:
        assert node.model is not None
        _create(run, node.model, TABLE)
        _log_whole(run, node.name)
        return _Delta(full=True)
    if node.kind == INCREMENTAL:
        return _incremental(run, node, inputs, full)
    if node.kind == PYTHON:
        return _python(run, node, inputs, full)
    raise ValueError(f"unknown node kind {node.kind!r} of {node.name}")


def _create(run: _Run, model: Model, kind: str) -> None:
    run.con.execute(f"create or replace {kind} {model.qualified} as\n{model.sql}")
    if model.description:
        run.con.execute(f"comment on {kind} {model.qualified} is {sql_literal(model.description)}")
    for column, meaning in model.columns.items():
        run.con.execute(f"comment on column {model.qualified}.{column} is {sql_literal(meaning)}")
    run.con.execute(
        f"insert into meta.model_state values ({sql_literal(model.name)}, {sql_literal(model.sql_hash)}, "
        f"{int(run.build_id)}) on conflict (model) do update set "
        "sql_hash = excluded.sql_hash, build_id = excluded.build_id",
    )
    run.relations.add(model.qualified)
    run.state[model.name] = model.sql_hash


def _log_whole(run: _Run, model: str) -> None:
    run.con.execute("insert into meta.changes (build_id, model, key) "
                    f"values ({int(run.build_id)}, {sql_literal(model)}, null)")
    run.summary.keys_replaced[model] = -1


def _captured_columns(node: Node) -> list[str]:
    """The key columns its consumers track changes by (and its own), as far as it has them."""
    wanted = {node.key} | {c.key for c in consumers(node.name) if c.key}
    return sorted(c for c in wanted if c and c in node.columns)


def _union(tables: list[tuple[str, frozenset[str]]], column: str) -> str | None:
    """SQL of the distinct `column` values over the delta tables, None if one lacks that column."""
    if any(column not in cols for _, cols in tables):
        return None
    return " union ".join(f"select {column} as key from {name}" for name, _ in tables)


def _incremental(run: _Run, node: Node, inputs: list[_Delta], full: bool) -> _Delta | None:
    model, key, con = node.model, node.key, run.con
    assert model is not None and key is not None
    captured = _captured_columns(node)
    names = ", ".join(captured)
    keys_sql = None if full else _union([t for d in inputs for t in d.tables], key)
    if keys_sql is None:  # rebuilt whole: every key, as the contract's changed_keys says
        old = (run.temp_table(f"select distinct {names} from {model.qualified}")
               if model.qualified in run.relations else None)
        every = " union ".join(
            f"select {key} as key from {relation}" for relation in sorted(node.reads)
            if key in _columns(con, relation)
        )
        if not every:
            raise ValueError(f"{model.path}: no input has the key column {key!r}")
        con.execute(f"create or replace temp table {CHANGED_KEYS} as select distinct key from ({every})")
        _create(run, model, TABLE)
        new = run.temp_table(f"select distinct {names} from {model.qualified}")
        _log_whole(run, node.name)
        return _Delta(full=True, tables=[(t, frozenset(captured)) for t in (old, new) if t])
    con.execute(f"create or replace temp table {CHANGED_KEYS} as select distinct key from ({keys_sql})")
    if run.empty(CHANGED_KEYS):
        return None
    match = f"semi join {CHANGED_KEYS} on {model.qualified}.{key} is not distinct from {CHANGED_KEYS}.key"
    old = run.temp_table(f"select distinct {names} from {model.qualified} {match}")
    if not run.empty(old):  # keys all new (a load of new articles): nothing to delete, no scan
        con.execute(  # a null key (e.g. a day that no page stated) is a key like any other
            f"delete from {model.qualified} where {key} in (select key from {CHANGED_KEYS}) "
            f"or ({key} is null and exists (select 1 from {CHANGED_KEYS} where key is null))"
        )
    # the model's rows for the changed keys (its SQL selects those only, by the contract) are
    # staged once: inserted, and their key columns read back from the small table, not the mart
    keys = key_list(con, CHANGED_KEYS, "key")
    with _pages_of_keys(con, node, keys):
        rows = run.temp_table(f"select * from (\n{_with_key_list(model.sql, keys)}\n)")
    con.execute(f"insert into {model.qualified} select * from {rows}")
    new = run.temp_table(f"select distinct {names} from {rows}")
    con.execute(f"drop table {rows}")  # held in memory: not kept to the end of the build
    replaced = f"select {key} as key from {old} union select {key} as key from {new}"
    # each key once, with whether it had rows before this build (the publisher deletes only those)
    logged = (f"select key, bool_or(existed) as existed from (select {key} as key, true as existed "
              f"from {old} union all select {key}, false from {new}) group by key")
    con.execute(f"insert into meta.changes (build_id, model, key, existed) select {int(run.build_id)}, "
                f"{sql_literal(node.name)}, cast(key as varchar), existed from ({logged})")
    row = con.execute(f"select count(*) from ({replaced})").fetchone()
    run.summary.keys_replaced[node.name] = int(row[0]) if row else 0
    return _Delta(full=False, tables=[(old, frozenset(captured)), (new, frozenset(captured))])


# the contract's filter on the changed keys, as the models write it
_KEY_FILTER = f"in (select {CHANGED_KEYS}.key from {CHANGED_KEYS})"


def _with_key_list(sql: str, keys: str) -> str:
    """The model's SQL with its changed-keys subquery replaced by `keys` (`models.key_list`: the
    keys themselves when they are few enough): the same rows, but DuckDB applies a constant list in
    the scan and through the prep view's window, so the build reads the changed articles' rows only."""
    return sql.replace(_KEY_FILTER, "in " + keys)


def _pages_of_keys(con: Any, node: Node, keys: str) -> Any:
    """A model keyed by article that reads the prep view reads only the changed articles' span of
    raw pages (models.pages_of); other models read the view as it is."""
    if node.key != "article_id" or "prep.prep_article_versions" not in node.reads:
        return nullcontext()
    return pages_of(con, keys)


def _columns(con: Any, relation: str) -> set[str]:
    schema, _, name = relation.partition(".")
    rows = con.execute(
        "select column_name from information_schema.columns where table_catalog = current_database() "
        f"and table_schema = {sql_literal(schema)} and table_name = {sql_literal(name)}"
    ).fetchall()
    return {r[0] for r in rows}


def _python(run: _Run, node: Node, inputs: list[_Delta], full: bool) -> _Delta | None:
    # the analysis modules (pandas, VADER, datasketch) load only when there is something to analyse
    from mediawatch.warehouse.analyze import ANALYSED_IDS, analyze_versions, refresh_alerts

    tables = [t for d in inputs for t in d.tables]
    if node.name == "analysis":
        everything = run.reanalyze
        only = None if (full or everything) else _union(tables, "article_id")
        if only is not None:
            only = run.temp_table(f"select distinct key as article_id from ({only})")
        elif not (full or everything):
            full = True  # an input without article ids: look at every version
        result = analyze_versions(run.con, run.watchlist, only_articles=only, everything=everything,
                                  progress=run.progress)
        run.summary.analysis = result
        analysed = run.temp_table(f"select article_id from {ANALYSED_IDS}")
        run.con.execute(f"drop table if exists {ANALYSED_IDS}")
        if everything or full:
            return _Delta(full=True, tables=[(analysed, frozenset({"article_id"}))])
        return None if result.versions == 0 else _Delta(False, [(analysed, frozenset({"article_id"}))])
    if node.name == "alerts":
        days_sql = None if full else _union(tables, "day")
        days = None if days_sql is None else [r[0] for r in run.con.execute(days_sql).fetchall()]
        count, redone = refresh_alerts(run.con, days)
        run.summary.alerts = count
        if redone is None:
            return _Delta(full=True)
        if not redone:
            return None
        table = run.temp_table("select unnest(?::date[]) as day", [redone])
        return _Delta(full=False, tables=[(table, frozenset({"day"}))])
    if node.name == "search_index":
        from mediawatch.warehouse import search  # type: ignore[attr-defined]

        ids = _union(tables, "article_id")
        source = ids if ids is not None else "select article_id as key from main.articles"
        run.con.execute(
            f"create or replace temp table changed_article_ids as select distinct key as article_id from ({source})"
        )
        run.temp.append("changed_article_ids")
        # a rebuild of the articles mart re-indexes everything: in one pass ordered by term
        whole = full or ids is None or any(d.full for d in inputs)
        search.update_search_index(run.con, "changed_article_ids", whole=whole)
        return None
    raise ValueError(f"no runner for the Python step {node.name!r}")

