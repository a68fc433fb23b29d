"""Analyse new article versions inside the load: mentions, sentiment and story clusters.

The per-article work is `mediawatch.monitor.analysis.analyze_article`, the same function
`mediawatch analyze` calls, so the preview never disagrees with the warehouse. Clustering is
incremental: a new version looks up near-duplicate candidates through LSH band keys stored in
`analysis.lsh_bands` (a join), never by re-clustering the warehouse.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from contextlib import ExitStack, nullcontext
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from mediawatch.warehouse.analysis_pool import (
    BATCH,
    AnalysisPool,
    Columns,
    Result,
    joined,
    pool_size,
)
from mediawatch.warehouse.backend import guard
from mediawatch.warehouse.models import key_list, pages_of
from mediawatch.warehouse.summaries import AnalysisSummary

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


def watchlist_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


_VERSIONS = """
    select v.article_id, v.content_hash, v.url, v.canonical_url, v.source, v.title, v.body,
           v.language, v.published_at, v.fetched_at, v.authors
    from (select * from prep.prep_article_versions {only}) as v
    anti join analysis.article_analysis as a
        on v.article_id = a.article_id and v.content_hash = a.content_hash
"""
# new versions are read and analysed this many at a time, so memory stays flat however big a load is
CHUNK = 1000
# results are inserted this many versions at a time, as their batches come back: an insert per
# 100-version batch cost 0.20 CPU-s per 1,000 versions against 0.13 for one per 1,000, and a bigger
# group leaves more to write after the workers' last batch
WRITE_ROWS = 500
ANALYSED_IDS = "analysed_article_ids"


def analyze_versions(
    con: duckdb.DuckDBPyConnection,
    watchlist_path: Path,
    *,
    only_articles: str | None = None,
    everything: bool = False,
    progress: Progress | None = None,
) -> AnalysisSummary:
    """Analyse the versions not analysed yet, inside the caller's transaction.

    `only_articles` names a relation with a column `article_id`: only their versions are looked at
    (a load passes the articles it touched, so the cost follows the load, not the warehouse).
    `everything` forgets all earlier analysis first (a watchlist change). Leaves the temp table
    `analysed_article_ids` (one column article_id) naming the articles whose analysis changed."""
    import pandas as pd

    from mediawatch.monitor.clusters import assign_clusters
    from mediawatch.monitor.watchlist import load_watchlist

    summary = AnalysisSummary()
    clock = _Clock(summary.timings)
    load_watchlist(watchlist_path)  # a bad watchlist fails here, before any worker starts
    digest = watchlist_hash(watchlist_path)
    clock.lap("watchlist")
    guard(con, "analysis")  # two lake loaders analysing the same new versions: one must lose
    if everything:
        for table in ("article_analysis", "mentions", "lsh_bands"):
            con.execute(f"delete from analysis.{table}")
    # the workers start first, so that their imports overlap with the query of what to analyse;
    # how many is judged from the touched articles here (a load analyses about one new version
    # each), and from the new versions themselves when there is no such list
    expected = None
    if only_articles and not everything:
        row = con.execute(f"select count(*) from {only_articles}").fetchone()
        expected = int(row[0]) if row else 0
    with ExitStack() as stack:
        pool = stack.enter_context(
            AnalysisPool(pool_size(expected) if expected else 0, watchlist_path, digest)
        )
        pool.start()
        total = _pending(con, only_articles, everything)
        clock.lap("pending")
        if pool.workers == 0 and total and pool_size(total) > 0:
            pool = stack.enter_context(AnalysisPool(pool_size(total), watchlist_path, digest))
            pool.start()
        clock.lap("pool_start")
        latest = _analyse_pending(con, pool, total, summary, clock, progress)
    clock.lap("pool_close")
    summary.workers = pool.workers if total else 0  # started for nothing when no version was new
    summary.worker_faults = pool.faults
    summary.timings["workers_cpu"] = round(pool.worker_cpu, 3)
    if pool.faults:
        log.warning("analysis: %d worker fault(s); their batches were analysed in the loader",
                    pool.faults)
    con.execute("drop table pending_versions")
    summary.versions = total

    # clusters: only the latest new version of each article takes part
    new_bands = [(article_id, key) for article_id, entry in latest.items() for key in entry[4]]
    candidates, candidate_keys = _candidates(con, new_bands, set(latest))
    clock.lap("candidates")
    assignment = assign_clusters(
        [
            (article_id, signature, published, source)
            for article_id, (published, _, source, signature, _) in latest.items()
        ],
        candidates,
        keys={**candidate_keys, **{article_id: entry[4] for article_id, entry in latest.items()}},
    )
    clock.lap("assign")
    summary.clusters_joined = sum(
        1 for article_id, cluster in assignment.items() if cluster != article_id
    )
    clustered = pd.DataFrame(
        [(aid, latest[aid][1], cluster) for aid, cluster in assignment.items()],
        columns=["article_id", "content_hash", "cluster_id"],
    )
    if not clustered.empty:
        con.register("clustered_frame", clustered)
        try:
            con.execute(
                "update analysis.article_analysis as a set cluster_id = c.cluster_id "
                "from clustered_frame as c "
                "where a.article_id = c.article_id and a.content_hash = c.content_hash"
            )
        finally:
            con.unregister("clustered_frame")
    clock.lap("cluster_update")
    reanalysed = con.execute(f"select count(*) from {_REANALYSED}").fetchone()
    if reanalysed and reanalysed[0]:
        # an updated article's bands are replaced by those of its new version; as a key list:
        # list_contains(?, article_id) compared every stored band with every new id, 1.9 s for 2,000
        # new among 200,000 articles and ~25 times that at 1M
        con.execute(
            "delete from analysis.lsh_bands "
            f"where article_id in {key_list(con, _REANALYSED, 'article_id')}"
        )
    con.execute(f"drop table {_REANALYSED}")
    _insert(con, "analysis.lsh_bands", pd.DataFrame(new_bands, columns=["article_id", "band_key"]))
    clock.lap("bands")
    log.info("analysis of %d versions, seconds by stage: %s", total, summary.timings)
    return summary


class _Clock:
    """Adds the wall time since the last lap to `timings[stage]`, and this process's CPU time
    (DuckDB's threads and the pool's reader threads included) to `timings[stage + "_cpu"]`."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings
        self.last = time.perf_counter()
        self.last_cpu = time.process_time()

    def lap(self, stage: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        for key, spent in ((stage, now - self.last), (f"{stage}_cpu", cpu - self.last_cpu)):
            self.timings[key] = round(self.timings.get(key, 0.0) + spent, 3)
        self.last, self.last_cpu = now, cpu



def _pending(con: duckdb.DuckDBPyConnection, only_articles: str | None, everything: bool) -> int:
    """Make the temp tables `pending_versions` (the versions to analyse, numbered in load order)
    and ANALYSED_IDS (their articles); return how many versions."""
    ids = key_list(con, only_articles, "article_id") if only_articles and not everything else None
    only = f"where article_id in {ids}" if ids else ""
    with pages_of(con, ids) if ids else nullcontext():  # only those articles' span of raw pages
        con.execute(
            "create or replace temp table pending_versions as select row_number() over "
            f"(order by fetched_at, article_id) as n, * from ({_VERSIONS.format(only=only)})"
        )
    con.execute(f"create or replace temp table {ANALYSED_IDS} as "
                "select distinct article_id from pending_versions")
    # those analysed before (updated articles): the only ones with LSH bands to replace. Read now,
    # before this load's rows go in; most loads have none, and skip deleting from the band table
    con.execute(f"create or replace temp table {_REANALYSED} as select article_id from {ANALYSED_IDS} "
                "semi join analysis.article_analysis using (article_id)")
    count = con.execute("select count(*) from pending_versions").fetchone()
    return int(count[0]) if count else 0


_REANALYSED = "reanalysed_article_ids"


# the latest new version of each article: article_id -> (published, content_hash, source, signature,
# its band keys)
Latest = dict[str, tuple[Any, str, str, list[int], list[str]]]


def _analyse_pending(
    con: duckdb.DuckDBPyConnection,
    pool: AnalysisPool,
    total: int,
    summary: AnalysisSummary,
    clock: _Clock,
    progress: Progress | None,
) -> Latest:
    """Analyse `pending_versions` CHUNK rows at a time on the pool and insert the results; the
    next chunk is on the workers while the loader writes this one's batches."""
    latest: Latest = {}
    now = datetime.now(UTC)

    def write(chunk: list[dict[str, Any]], batches: list[Callable[[], Result]], done: int) -> None:
        parts: list[Result] = []
        for index, batch in enumerate(batches):
            part = batch()
            clock.lap("wait")
            analysis, _, bands = part
            rows = chunk[index * BATCH : (index + 1) * BATCH]
            for row, signature, keys in zip(rows, analysis["signature"], bands, strict=True):
                published = row["published_at"] or row["fetched_at"]
                latest[row["article_id"]] = (
                    published, row["content_hash"], row["source"], signature, keys
                )
            parts.append(part)
            if len(parts) * BATCH >= WRITE_ROWS or index == len(batches) - 1:
                analysis, mentions, _ = joined(parts) if len(parts) > 1 else parts[0]
                _insert_columns(con, "analysis.article_analysis", analysis)
                _insert_columns(con, "analysis.mentions", mentions)
                summary.mentions += len(mentions["article_id"])
                parts = []
            clock.lap("write")
        if progress:
            progress(done, total)

    waiting = None  # the chunk on the workers: written once the next one is on its way
    for first in range(0, total, CHUNK):
        rows = con.execute(
            "select * exclude (n) from pending_versions "
            f"where n > {first:d} and n <= {first + CHUNK:d} order by n"
        ).fetchall()
        columns = [d[0] for d in con.description or []]
        chunk = [dict(zip(columns, values, strict=True)) for values in rows]
        clock.lap("fetch")
        submitted = (chunk, pool.submit(chunk, now), min(first + CHUNK, total))
        if waiting is not None:
            write(*waiting)
        waiting = submitted
    if waiting is not None:
        write(*waiting)
    return latest


def _candidates(
    con: duckdb.DuckDBPyConnection, new_bands: list[tuple[str, str]], new_ids: set[str]
) -> tuple[dict[str, tuple[str, list[int]]], dict[str, list[str]]]:
    """Existing articles sharing an LSH band with a new one: (article_id -> (cluster_id,
    signature), article_id -> the band keys it shares with new articles). Those shared keys are
    the only ones of a candidate that `assign_clusters` can look up (it looks up new articles'
    keys), so its other keys are not recomputed from its signature."""
    import pandas as pd

    if not new_bands:
        return {}, {}
    # distinct, in no particular order: the join's result does not depend on it (sorting 160,000
    # keys cost 0.12 s at 1M/10k)
    frame = pd.DataFrame({"band_key": list({key for _, key in new_bands})})
    con.register("new_bands_frame", frame)
    try:
        con.execute(
            "create or replace temp table candidate_bands as "
            "select bands.article_id, bands.band_key from analysis.lsh_bands as bands "
            "semi join new_bands_frame as fresh on bands.band_key = fresh.band_key"
        )
    finally:
        con.unregister("new_bands_frame")
    try:
        shared: dict[str, list[str]] = {}
        for article_id, key in con.execute("select article_id, band_key from candidate_bands").fetchall():
            if article_id not in new_ids:
                shared.setdefault(article_id, []).append(key)
        rows = con.execute(
            """
            select a.article_id, a.cluster_id, a.signature
            from analysis.article_analysis as a
            semi join candidate_bands using (article_id)
            where a.cluster_id is not null
            qualify row_number() over (partition by a.article_id order by a.analyzed_at desc) = 1
            """
        ).fetchall()
    finally:
        con.execute("drop table if exists candidate_bands")
    candidates = {aid: (cluster, list(sig)) for aid, cluster, sig in rows if aid not in new_ids}
    return candidates, {aid: shared[aid] for aid in candidates}


def _insert_columns(con: duckdb.DuckDBPyConnection, table: str, columns: Columns) -> None:
    """Insert a batch given as one list per column (a DataFrame made from lists, not row dicts)."""
    import pandas as pd

    if columns and next(iter(columns.values())):
        _insert(con, table, pd.DataFrame(columns, copy=False))


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    con.register("insert_frame", frame)
    try:
        names = ", ".join(frame.columns)
        con.execute(f"insert into {table} ({names}) select {names} from insert_frame")
    finally:
        con.unregister("insert_frame")


ALERT_WINDOW = 14  # days of trailing baseline (mediawatch.monitor.spikes.detect_spikes' default)


def refresh_alerts(con: duckdb.DuckDBPyConnection, changed_days: list[date] | None = None) -> tuple[int, list[date] | None]:
    """Recompute spike alerts (robust z-score over a trailing window) from daily_entity_mentions.

    With `changed_days`, only the days whose judgement can have changed are redone: each changed day
    and the `ALERT_WINDOW` days after it (their baselines hold it), and, where an entity's first day
    may have moved, every day from there to its old first judged day. Returns (alerts written, days
    redone; None = all).
    """
    import pandas as pd

    from mediawatch.monitor.spikes import detect_spikes

    affected: set[date] | None = None
    if changed_days is not None:
        changed = sorted(d for d in changed_days if d is not None)
        if not changed:
            return 0, []
        affected = {d + timedelta(days=i) for d in changed for i in range(ALERT_WINDOW + 1)}
        # judging starts ALERT_WINDOW days after an entity's first day. Its old first day is at most
        # its earliest unchanged day (that day was there before), else the last changed day; if a
        # changed day lies at or before that bound, the first day may have moved, and every day
        # between the earliest candidate and the bound plus the window may be judged differently
        bounds = con.execute(
            "select min(day), min(day) filter (where not list_contains(?::date[], day)) "
            "from main.daily_entity_mentions where day is not null group by entity",
            [changed],
        ).fetchall()
        for first, first_unchanged in bounds:
            upper = first_unchanged if first_unchanged is not None else changed[-1]
            if changed[0] <= upper:
                low = min(first, changed[0])
                span = (upper - low).days + ALERT_WINDOW
                affected |= {low + timedelta(days=i) for i in range(span + 1)}
        needed = sorted({d - timedelta(days=i) for d in affected for i in range(ALERT_WINDOW + 1)})
        rows = con.execute(
            "select day, entity, mentions from main.daily_entity_mentions "
            "where day in (select unnest(?::date[]))", [needed]
        ).fetchall()
        # the series starts at the entity's first day, as over the whole history
        rows += con.execute(
            "select day, entity, mentions from main.daily_entity_mentions as d "
            "where day is not null and day = (select min(day) from main.daily_entity_mentions as f "
            "where f.entity = d.entity)"
        ).fetchall()
    else:
        rows = con.execute(
            "select day, entity, mentions from main.daily_entity_mentions where day is not null"
        ).fetchall()
    series: dict[str, dict[Any, int]] = {}
    for day, entity, mentions in rows:
        series.setdefault(entity, {})[day] = int(mentions)
    alerts = [
        {
            "day": spike.day,
            "entity": entity,
            "mentions": spike.count,
            "baseline_median": float(spike.baseline_median),
            "mad": float(spike.mad),
            "z": float(spike.z),
        }
        for entity, days in sorted(series.items())
        for spike in detect_spikes(days, window=ALERT_WINDOW)
        if affected is None or spike.day in affected
    ]
    if affected is None:
        con.execute("delete from analysis.entity_alerts")
    else:
        con.execute("delete from analysis.entity_alerts where day in (select unnest(?::date[]))",
                    [sorted(affected)])
    _insert(con, "analysis.entity_alerts", pd.DataFrame(alerts))
    return len(alerts), (sorted(affected) if affected is not None else None)
