"""What the loader hands on after a load: the analyst database and Parquet exports (the crawl state
the spiders read is mediawatch.crawl_state).

Analysts never open the warehouse file: DuckDB allows one writer or many readers, never both, so an
analyst holding the warehouse open would fail the next load. They open `warehouse_analyst.duckdb`,
a symlink to one of a few *generations* `analyst/gen-<n>.duckdb`, each a plain DuckDB file that
records the build it reflects (table `published_build`).

Publishing costs what changed, not what is stored: it takes a generation nobody holds open (a
reader's shared lock makes our read-write attach fail at once), applies the changes logged in
`meta.changes` since that generation's build (delete and insert by key; whole tables where the log
says so, and always for the small tables), checkpoints, detaches, and then swaps the symlink with
one rename. A session that opened an older generation keeps its consistent view; new sessions get
the new one; nobody ever sees a generation half-written. Only when every other generation is held
is a new one made, by copying the current file; stale generations nobody holds are deleted.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mediawatch.warehouse.models import key_list, load_models, sql_literal
from mediawatch.warehouse.search import SEARCH_TABLES

log = logging.getLogger(__name__)

GENERATIONS_KEPT = 3  # current + two more, so one reader (or a slow one) never forces a copy
_GEN = re.compile(r"^gen-(\d+)\.duckdb$")
PUBLISHED_BUILD = "published_build"
PUBLISHED_COLUMNS = {"build_id": "BIGINT", "published_at": "TIMESTAMP WITH TIME ZONE",
                     "generation": "VARCHAR", "warehouse": "VARCHAR"}

# analyst tables that are not models: their meaning, for COMMENT ON (every analyst column has one)
STATE_TABLE_DOCS: dict[str, tuple[str, dict[str, str]]] = {
    "dq_results": (
        "One row per quality check of each quality-gate run (Great Expectations): what was checked, "
        "how severe a failure is, and what was observed.",
        {
            "run_id": "the quality-gate run (Airflow run id or the CLI's timestamp)",
            "suite": "what the check covers: new_articles (this batch), warehouse, or sources",
            "expectation": "the check's name (a Great Expectations expectation with its column)",
            "severity": "critical (stops the report) or warning",
            "success": "true when the check passed",
            "observed_value": "what the check measured, as text",
            "details": "the full result as JSON (unexpected values, counts, thresholds)",
            "checked_at": "when the check ran (UTC)",
        },
    ),
    "quarantine": (
        "Article versions the quality gate held back (they are left out of every mart) and whether "
        "an operator released them (`mediawatch quarantine release`).",
        {
            "article_id": "the article (see articles)",
            "content_hash": "sha256 of the held version's body",
            "url": "URL the version was fetched from",
            "source": "registry name of the site",
            "reason": "which check the version failed",
            "run_id": "the quality-gate run that held it",
            "quarantined_at": "when it was held (UTC)",
            "released_at": "when an operator let it back in (UTC); null while held",
            "release_reason": "why it was released, as given to `quarantine release --reason`",
        },
    ),
    "search_postings": (
        "Full-text index, one row per article and search term of its title and body "
        "(terms as search_tokens() splits them); read by search_articles().",
        {
            "term": "a search term (lower case, letters and digits only)",
            "article_id": "the article (see articles)",
            "tf": "how often the term occurs in the article's title and body",
            "doc_length": "number of terms in the article's title and body",
            "seq": "the indexing batch that wrote the row (grows with each batch)",
        },
    ),
    "search_docs": (
        "Full-text index, one row per indexed article: what was indexed and its length in terms.",
        {
            "article_id": "the article (see articles)",
            "content_hash": "sha256 of the indexed body (see articles.content_hash)",
            "title_hash": "hash of the indexed title, to notice a changed title",
            "doc_length": "number of terms in the article's title and body",
            "seq": "the indexing batch that wrote the row (grows with each batch)",
        },
    ),
    PUBLISHED_BUILD: (
        "Which warehouse build this analyst database reflects (one row).",
        {
            "build_id": "the build of the writer warehouse (meta.builds); null before build logging",
            "published_at": "when this database was last published (UTC)",
            "generation": "file name of this generation (analyst/gen-<n>.duckdb)",
            "warehouse": "start of the warehouse's first build: a warehouse made again starts over",
        },
    ),
}
# small tables copied whole on every publish (state tables beside the marts)
WHOLE_TABLES = ["dq_results", "quarantine", "sources", "crawl_runs"]


@dataclass
class Published:
    """What one publish did."""

    path: Path
    generation: Path
    build_id: int | None
    full: bool
    tables_copied: int
    keys_replaced: int
    created: bool


def _text(value: str | None) -> str:
    """A text value (or null) as a SQL literal: publishing binds no parameters, since duckdb imports
    pandas to bind the first one (0.4-0.6 s)."""
    return "null" if value is None else sql_literal(value)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _unique() -> str:
    """A temp-file suffix no other writer uses, even on another machine sharing the folder."""
    return f"{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:8]}"


def mart_names() -> list[str]:
    from mediawatch.warehouse.graph import mart_names as graph_marts

    return graph_marts()


def analyst_tables() -> list[tuple[str, str | None]]:
    """(table, key column or None = copied whole when it changed) for everything analysts get:
    the build graph's list (marts and gate state), plus the search tables keyed by article_id."""
    from mediawatch.warehouse.graph import analyst_tables as graph_tables

    tables = list(graph_tables())
    names = {name for name, _ in tables}
    tables += [(t, "article_id") for t in SEARCH_TABLES if t not in names]
    return [(name, None if name in WHOLE_TABLES else key) for name, key in tables]


def generations_dir(target: Path) -> Path:
    return target.parent / "analyst"


def _generations(folder: Path) -> dict[int, Path]:
    found = {}
    for path in folder.glob("gen-*.duckdb"):
        match = _GEN.match(path.name)
        if match:
            found[int(match.group(1))] = path
    return found


def current_generation(target: Path) -> Path | None:
    """The generation the analyst path points to (None before the first publish or for an old copy)."""
    if not target.is_symlink():
        return None
    return (target.parent / os.readlink(target)).resolve()


def _open_in_this_process(path: Path) -> bool:
    """True if this process has `path` open (a file lock does not exclude its own process)."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        return False
    real = str(path.resolve())
    for fd in fds.iterdir():
        try:
            if os.readlink(fd) == real:
                return True
        except OSError:
            continue
    return False


def _attach(con: duckdb.DuckDBPyConnection, path: Path) -> bool:
    """Attach `path` read-write as `publish`; False if a reader holds it."""
    if _open_in_this_process(path):
        return False
    try:
        con.execute(f"attach '{_sql_path(path)}' as publish")
    except duckdb.IOException as exc:  # "Could not set lock on file": a reader has it open
        log.debug("analyst generation %s is held: %s", path.name, exc)
        return False
    return True


def _published_build(con: duckdb.DuckDBPyConnection, warehouse: str | None) -> tuple[bool, int | None]:
    """(has a publish record of this warehouse, its build id) of the attached generation."""
    try:
        row = con.execute(
            f"select max(build_id), count(*), bool_and(warehouse is not distinct from {_text(warehouse)}) "
            f"from publish.main.{PUBLISHED_BUILD}",
        ).fetchone()
    except (duckdb.CatalogException, duckdb.BinderException):  # not published, or by an older version
        return False, None
    if not row or not row[1] or not row[2]:
        return False, None  # none, or of another warehouse (one made again under the same path)
    return True, (int(row[0]) if row[0] is not None else None)


def _warehouse_identity(con: duckdb.DuckDBPyConnection) -> str | None:
    """What tells two warehouses apart: the start of their first logged build."""
    try:
        row = con.execute("select cast(min_by(started_at, build_id) as varchar) from meta.builds").fetchone()
    except duckdb.CatalogException:
        return None
    return str(row[0]) if row and row[0] is not None else None


def _warehouse_build(con: duckdb.DuckDBPyConnection) -> int | None:
    """The latest build of the writer warehouse, or None when it keeps no change log."""
    try:
        row = con.execute("select max(build_id) from meta.builds").fetchone()
    except duckdb.CatalogException:
        return None
    return int(row[0]) if row and row[0] is not None else None


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[tuple[str, str]]:
    return [
        (str(n), str(t))
        for n, t in con.execute(
            "select column_name, data_type from duckdb_columns() "
            f"where database_name = {_text(database)} and schema_name = 'main' "
            f"and table_name = {_text(table)} order by column_index",
        ).fetchall()
    ]


def _all_columns(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, list[tuple[str, str]]]:
    """Every main table's (column, type) list in `database`, in one catalog query."""
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in con.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        f"where database_name = {_text(database)} and schema_name = 'main' order by table_name, column_index",
    ).fetchall():
        out.setdefault(str(table), []).append((str(column), str(kind)))
    return out


def _source_database(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("select current_database()").fetchone()
    return str(row[0]) if row else "memory"


def _changed_models(con: duckdb.DuckDBPyConnection, since: int, until: int) -> dict[str, bool]:
    """Per model changed in builds (since, until]: True when a build replaced the whole table."""
    rows = con.execute(
        "select model, bool_or(key is null) from meta.changes "
        f"where build_id > {int(since)} and build_id <= {int(until)} group by model",
    ).fetchall()
    return {str(model): bool(whole) for model, whole in rows}


def _log_covers(con: duckdb.DuckDBPyConnection, since: int) -> bool:
    """True if the change log still holds every build after `since` (nothing was pruned)."""
    first = con.execute("select min(build_id) from meta.builds").fetchone()
    return bool(first and first[0] is not None and first[0] <= since + 1)


# columns search_articles() reads a few scattered rows of: stored uncompressed in the analyst
# database, since fetching 20 bodies from FSST-compressed vectors decodes whole vectors (measured
# 0.25 s against 0.03 s for 20 of 50k bodies)
UNCOMPRESSED = {"articles": ("body",)}


def _copy_whole(con: duckdb.DuckDBPyConnection, name: str, source: str) -> None:
    if name not in UNCOMPRESSED:
        con.execute(f"create or replace table publish.main.{name} as select * from main.{name}")
        return
    columns = ", ".join(
        f'"{column}" {kind}' + (" using compression uncompressed" if column in UNCOMPRESSED[name] else "")
        for column, kind in _columns(con, source, name)
    )
    con.execute(f"create or replace table publish.main.{name} ({columns})")
    con.execute(f"insert into publish.main.{name} select * from main.{name}")


def _replace_keys(
    con: duckdb.DuckDBPyConnection, name: str, key: str, models: list[str], since: int, until: int,
    pinned: bool = False,
) -> int:
    """Delete the rows of the keys logged for `models` in builds (since, until], insert the
    warehouse's current rows for them. Returns the number of keys."""
    # each key, and whether the generation can hold rows of it: it had rows in the model before
    # the first build after the generation's that logged it (`existed`; unknown counts as yes).
    # Nothing logged it between the generation's build and that one, so a key new there is new
    # here: a load of new articles deletes nothing (each delete scanned a whole published mart)
    con.execute(
        "create or replace temp table publish_keys as select key, bool_or(coalesce(existed, true)) "
        "as existed from (select key, existed, build_id = min(build_id) over (partition by key) "
        f"as first from meta.changes where build_id > {int(since)} and build_id <= {int(until)} "
        f"and model in ({', '.join(_text(m) for m in models)}) and key is not null) "
        "where first group by key",
    )
    row = con.execute("select count(*), count(*) filter (where existed) from publish_keys").fetchone()
    count, existing = (int(row[0]), int(row[1])) if row else (0, 0)
    if count:
        kinds = dict(_all_columns(con, "publish").get(name, []))
        column = key if kinds.get(key) == "VARCHAR" else f"cast({key} as varchar)"
        # a constant list when it is short enough: filtered in the scan, body columns unread
        condition = f"{column} in {key_list(con, 'publish_keys', 'key')}"
        stale = None
        if existing:
            con.execute("create or replace temp table publish_stale as "
                        "select key from publish_keys where existed")
            stale = f"{column} in {key_list(con, 'publish_stale', 'key')}"
            con.execute("drop table publish_stale")
        if name in SEARCH_TABLES:
            _replace_search_rows(con, name, None if pinned else condition, stale)
        else:
            if stale is not None:
                con.execute(f"delete from publish.main.{name} where {stale}")
            rows = _appended_rows(con, name, condition)
            con.execute(f"insert into publish.main.{name} select * from main.{name} where {rows}")
    con.execute("drop table publish_keys")
    return count


def _appended_rows(con: duckdb.DuckDBPyConnection, name: str, condition: str) -> str:
    """`condition` (the changed keys of mart `name`), with a lower bound on the row ids of the
    rows it matches in the warehouse, so the scan starts at the last row groups: the generation's
    row count, once its stale keys are deleted (call it then).

    Why that holds: the generation held the mart as of its build. Since then the builds replaced
    every logged key by delete and insert (never an update in place), so each current row of a
    changed key was appended after the generation's build, and the rows deleted are exactly what
    the generation has just deleted: its count is the number of older rows still in the
    warehouse's table. DuckDB appends after all of them and never reuses a row id (compacting
    deleted rows away keeps the order), so the changed keys' rows sit at that position or later.
    Older rows can sit there too, after deleted ones: the key filter stays. (A lookup of the
    matching rows' first and last row id scanned the key column of the whole mart: 0.7 s of a
    publish at 1M articles.) DuckLake tables get the condition as it is."""
    from mediawatch.warehouse import backend

    if backend.current().is_lake:
        return condition
    row = con.execute(f"select count(*) from publish.main.{name}").fetchone()
    return f"rowid >= {int(row[0]) if row else 0} and ({condition})"


def _replace_search_rows(
    con: duckdb.DuckDBPyConnection, name: str, condition: str | None, stale: str | None
) -> None:
    """The search tables are the largest by far: delete only when a changed article was indexed
    before (`stale`: the changed articles that were in the articles mart, None when all are new;
    of those, only the ones this generation indexed), and read only the warehouse's batches
    indexed after this generation's (column `seq` grows with each batch, so zone maps skip the
    older ones).

    Those batches are exactly the changed articles' current postings when the warehouse is read
    as of the build being applied (`condition` None: the caller checked its snapshot is that
    build). Otherwise `condition` keeps out articles of later builds (the list cost 0.22 CPU-s
    over 2.7M postings of 10,000 new articles at 1M)."""
    row = None if stale is None else con.execute(
        f"select count(*) from publish.main.search_docs where {stale}"
    ).fetchone()
    if row and row[0]:
        con.execute(f"delete from publish.main.{name} where {stale}")
    seq = con.execute(f"select coalesce(max(seq), 0) from publish.main.{name}").fetchone()
    con.execute(
        f"insert into publish.main.{name} select * from main.{name} "
        f"where seq > {int(seq[0]) if seq and seq[0] is not None else 0}"
        + (f" and {condition}" if condition is not None else ""),
    )


def _comment_everything(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    docs = {m.name: (m.description, m.columns) for m in load_models() if m.layer == "marts"}
    docs.update(STATE_TABLE_DOCS)
    for name in tables:
        if name not in docs:
            continue
        description, columns = docs[name]
        if description:
            con.execute(f"comment on table publish.main.{name} is {sql_literal(description)}")
        for column, meaning in columns.items():
            con.execute(f"comment on column publish.main.{name}.{column} is {sql_literal(meaning)}")


def _apply(
    con: duckdb.DuckDBPyConnection, generation: Path, build_id: int | None, everything: bool
) -> tuple[bool, int, int]:
    """Bring the attached generation up to the warehouse, in one transaction: a stopped or failed
    apply leaves the generation as it was (at the build it records), never half-applied. One
    commit also spares the generation a checkpoint after every large statement (DuckDB
    checkpoints a file whose WAL passed its threshold at each commit). Returns (full, tables
    copied, keys replaced)."""
    from mediawatch.warehouse.backend import rollback

    con.execute("begin transaction")
    try:
        applied = _apply_changes(con, generation, build_id, everything)
        con.execute("commit")
    except BaseException:
        rollback(con)
        raise
    return applied


def _apply_changes(
    con: duckdb.DuckDBPyConnection, generation: Path, build_id: int | None, everything: bool
) -> tuple[bool, int, int]:
    from mediawatch.warehouse import backend
    from mediawatch.warehouse.search import define_macros

    # this transaction reads the warehouse as of its first read: the build applied, when it is the
    # latest one then (a build committed after the caller read `build_id` would not be)
    pinned = not backend.current().is_lake and build_id is not None and _warehouse_build(con) == build_id
    warehouse = _warehouse_identity(con)
    recorded, since = _published_build(con, warehouse)
    full = (
        everything or build_id is None or not recorded or since is None or since > build_id
        or not _log_covers(con, since)
    )
    changes = {} if full else _changed_models(con, since, build_id)  # type: ignore[arg-type]
    source = _source_database(con)
    tables = analyst_tables()
    models = set(mart_names())
    published_columns, source_columns = _all_columns(con, "publish"), _all_columns(con, source)
    copied = replaced = 0
    recreated: list[str] = []
    # search_postings before search_docs: it finds the changed articles that were indexed before
    # by looking them up in this generation's search_docs
    for name, key in sorted(tables, key=lambda t: t[0] == "search_docs"):
        # tables the graph does not build (gate state) and the small ones: copied every time
        always = name in WHOLE_TABLES or (name not in models and name not in SEARCH_TABLES)
        related = [name] + (["articles"] if name in SEARCH_TABLES else [])
        logged = [changes[m] for m in related if m in changes]
        same_columns = published_columns.get(name) == source_columns.get(name)
        if always and same_columns and not full and name not in UNCOMPRESSED:
            # refilled in place: the table keeps its comments (re-commenting every column of
            # the small tables was a tenth of a publish with nothing else new)
            con.execute(f"delete from publish.main.{name}")
            con.execute(f"insert into publish.main.{name} select * from main.{name}")
            copied += 1
        elif (
            full
            or always
            or any(logged)  # a build replaced the whole table
            or (logged and key is None)
            or not same_columns  # new or migrated
        ):
            _copy_whole(con, name, source)
            recreated.append(name)
            copied += 1
        elif logged and key is not None:
            replaced += _replace_keys(con, name, key, related, since, build_id, pinned)  # type: ignore[arg-type]
    define_macros(con, persist=True, schema="publish")
    if not full and published_columns.get(PUBLISHED_BUILD) == list(PUBLISHED_COLUMNS.items()):
        con.execute(f"delete from publish.main.{PUBLISHED_BUILD}")
    else:
        con.execute(
            f"create or replace table publish.main.{PUBLISHED_BUILD} "
            f"({', '.join(f'{c} {t}' for c, t in PUBLISHED_COLUMNS.items())})"
        )
        recreated.append(PUBLISHED_BUILD)
    con.execute(
        f"insert into publish.main.{PUBLISHED_BUILD} values "
        f"({'null' if build_id is None else int(build_id)}, now(), {_text(generation.name)}, {_text(warehouse)})",
    )
    _comment_everything(con, recreated)  # tables updated by key keep their comments
    return full, copied, replaced


def _point(target: Path, generation: Path) -> None:
    """Swap the analyst path to `generation` in one rename (readers see the old or the new one)."""
    link = target.with_name(f".{target.name}.{_unique()}.link")
    os.symlink(os.path.relpath(generation, target.parent), link)
    os.replace(link, target)


def _prune(folder: Path, keep: set[Path]) -> None:
    """Delete generations beyond GENERATIONS_KEPT that nobody holds (oldest first)."""
    gens = sorted(_generations(folder).items())
    excess = len(gens) - GENERATIONS_KEPT
    for _, path in gens:
        if excess <= 0:
            break
        if path.resolve() in keep or _open_in_this_process(path):
            continue
        try:  # a read-write open succeeds only when no reader holds the file
            duckdb.connect(str(path)).close()
        except duckdb.Error:
            continue
        path.unlink(missing_ok=True)
        Path(f"{path}.wal").unlink(missing_ok=True)
        excess -= 1


@dataclass
class Prepared:
    """A free generation brought up to a build and still attached as `publish`, not yet pointed
    at: `finish` completes it. Made by `prepare`, possibly on another connection of the same
    database (the gate prepares while Great Expectations runs)."""

    target: Path
    folder: Path
    current: Path | None
    chosen: Path
    created: bool
    full: bool
    copied: int
    replaced: int
    build_id: int | None
    started: float


def prepare(con: duckdb.DuckDBPyConnection, target: Path, *, full: bool = False) -> Prepared:
    """Attach a free analyst generation and bring it up to the warehouse's current build.

    `full` copies every table: for writes that bypassed the build, which the change log cannot show.
    The generation stays attached as `publish` until `finish` (or `abandon`)."""
    started = time.perf_counter()
    folder = generations_dir(target)
    folder.mkdir(parents=True, exist_ok=True)
    current = current_generation(target)
    build_id = _warehouse_build(con)
    gens = _generations(folder)
    # least recently published first: it is the least likely to be opened right now
    candidates = sorted(
        (p for p in gens.values() if current is None or p.resolve() != current),
        key=lambda p: _mtime(p),
    )
    chosen = next((p for p in candidates if _attach(con, p)), None)
    created = chosen is None
    if chosen is None:
        chosen = folder / f"gen-{max(gens, default=0) + 1}.duckdb"
        source = current if current is not None and current.exists() else None
        if source is None and target.exists() and not target.is_symlink():
            source = target  # an analyst copy from before generations: start from it
        if source is not None and analyst_copy_healthy(source):
            shutil.copyfile(source, chosen)  # a damaged copy is not copied: start empty, full
        if not _attach(con, chosen):
            raise RuntimeError(f"cannot open the new analyst generation {chosen} for writing")
    try:
        try:
            applied = _apply(con, chosen, build_id, full)
        except duckdb.InterruptException:
            raise  # stopped on purpose (the gate reused a verdict): the generation is not damaged
        except duckdb.Error as exc:
            # a damaged generation (disk error, a file overwritten by hand): never patch it, replace
            # it by a fresh one holding every table
            _drop_damaged(con, chosen, exc)
            created = True
            if not _attach(con, chosen):
                raise RuntimeError(f"cannot open the new analyst generation {chosen} for writing") from exc
            applied = _apply(con, chosen, build_id, True)
        try:
            # here, not in finish: the gate prepares on a thread beside its validation, and this
            # checkpoint writes most of what the apply changed (finish's checkpoint then has only
            # the small tables left)
            con.execute("checkpoint publish")
        except duckdb.InterruptException:
            raise
        except duckdb.Error as exc:  # finish checkpoints again, and handles a damaged file there
            log.debug("checkpoint of %s deferred to finish: %s", chosen.name, exc)
    except BaseException:
        abandon(con)
        raise
    return Prepared(target, folder, current, chosen, created, *applied, build_id, started)


def _drop_damaged(con: duckdb.DuckDBPyConnection, generation: Path, exc: duckdb.Error) -> None:
    """Detach and delete a generation that failed while being written; a fresh one replaces it."""
    log.warning("analyst generation %s is unusable (%s); publishing a fresh one", generation.name, exc)
    abandon(con)
    generation.unlink(missing_ok=True)
    Path(f"{generation}.wal").unlink(missing_ok=True)


def abandon(con: duckdb.DuckDBPyConnection) -> None:
    """Detach a prepared generation without pointing at it (it stays free for a later publish)."""
    try:
        con.execute("detach database if exists publish")
    except duckdb.Error as exc:  # the connection is broken: the process exit releases the file
        log.warning("could not detach the analyst generation: %s", exc)


def finish(con: duckdb.DuckDBPyConnection, prepared: Prepared, *, again: bool = True) -> Published:
    """Checkpoint the prepared generation, detach it, point the analyst path at it, prune.

    `again` first applies what changed since `prepare` ran (builds made meanwhile; the small
    tables, copied whole every time): needed when other writes ran after it."""
    chosen = prepared.chosen
    full, copied, replaced = prepared.full, prepared.copied, prepared.replaced
    build_id = _warehouse_build(con) if again else prepared.build_id
    try:
        if again:
            _, more_copied, more_replaced = _apply(con, chosen, build_id, False)
            copied, replaced = copied + more_copied, replaced + more_replaced
        con.execute("checkpoint publish")
    except duckdb.Error as exc:
        # the generation broke while being written (disk error): drop it, publish a fresh one
        _drop_damaged(con, chosen, exc)
        return publish(con, prepared.target, full=True)
    finally:
        abandon(con)
    os.utime(chosen)
    _point(prepared.target, chosen)
    current = prepared.current
    _prune(prepared.folder, {chosen.resolve()} | ({current} if current else set()))
    log.info(
        "published %s (build %s, %s, %d tables copied, %d keys replaced%s) in %.2f s",
        chosen.name, build_id, "full" if full else "incremental", copied, replaced,
        ", new generation" if prepared.created else "", time.perf_counter() - prepared.started,
    )
    return Published(prepared.target, chosen, build_id, full, copied, replaced, prepared.created)


def publish(con: duckdb.DuckDBPyConnection, target: Path, *, full: bool = False) -> Published:
    """Bring a free analyst generation up to the warehouse (`con`, the writer) and point `target` at it.

    `full` copies every table: for writes that bypassed the build, which the change log cannot show."""
    return finish(con, prepare(con, target, full=full), again=False)


def analyst_copy_healthy(path: Path) -> bool:
    """Does the analyst copy open and its catalog read? A cheap check (it reads the catalog and the
    publish record, not every block), so a load with nothing new still replaces a damaged copy."""
    try:
        with duckdb.connect(
            str(path), read_only=True,
            config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
        ) as reader:
            reader.execute("select count(*) from duckdb_tables()").fetchone()
            reader.execute(f"select max(build_id) from main.{PUBLISHED_BUILD}").fetchone()
    except duckdb.Error:
        return False
    return True


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def publish_analyst_db(con: duckdb.DuckDBPyConnection, target: Path, *, full: bool = False) -> Path:
    """Publish the analyst database (see `publish`).

    The build graph keeps the search index current article by article; a warehouse upgraded from
    before the index (migration 0004) has articles it never indexed, which are indexed here once."""
    from mediawatch.warehouse.search import index_is_complete, sync_search_index

    if not index_is_complete(con):
        con.execute("begin transaction")
        try:
            sync_search_index(con)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    publish(con, target, full=full)
    return target


def refresh_analyst_tables(con: duckdb.DuckDBPyConnection, target: Path) -> Path:
    """A gate run that changed no mart: the same publish (it copies only the small tables then)."""
    return publish_analyst_db(con, target)


def export_parquet(con: duckdb.DuckDBPyConnection, folder: Path) -> list[Path]:
    """Write every mart (and dq_results, quarantine) as `<folder>/<name>.parquet`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in mart_names() + ["dq_results", "quarantine"]:
        target = folder / f"{name}.parquet"
        tmp = folder / f".{name}.parquet.tmp"
        con.execute(f"copy (select * from main.{name}) to '{_sql_path(tmp)}' (format parquet)")
        os.replace(tmp, target)
        written.append(target)
    return written
