"""The quality gate: run the suites, record results, quarantine bad rows, and stop the pipeline on
critical failures. Its cost follows the new work, not the history.

Order within a run (all through the one writer connection, like the load):
0. nothing new since the latest run, which passed (no build, no unchecked load with articles, no torn
   staging file, same checks, freshness on the same side of its limit: mediawatch.checks.reuse)?
   Then its verdict is reused and recorded as such (`dq_gate_runs.reused_from`), without GX;
   else the frames are built (DuckDB temp tables, mediawatch.checks.frames): no new article
   version and the warehouse and sources frames hold that run's values? Its verdict is reused too.
   Neither case republishes the analyst copy, and neither imports GX or pandas unless an
   unchecked load recorded new versions (then the import starts ahead, see below);
1. forget a previous attempt of the same run id, so a retried task gives the same result;
2. validate the new batch (the versions of the loads no run has looked at); quarantine offending
   versions; mark the batch and its loads as checked; then ask the build
   (mediawatch.warehouse.build) to bring what the quarantine changed up to date;
3. the whole-warehouse and per-source suites on the rebuilt marts: a suite whose frame holds the
   values a run validated before takes that run's results; the others are validated;
4. write dq_results, dq_suite_runs and dq_gate_runs, render Data Docs (when anything was validated),
   republish the analyst copy. That publish starts with step 1: a thread on a second connection
   brings a free generation up to the load's build while GX validates (`_PublishAhead`); what the
   gate itself changed is applied after, then the generation is swapped in;
5. raise GateFailed when a critical check failed, so the report task does not run and the last good
   report stays published.

Great Expectations is imported only when a suite is validated (its import is most of a gate's cost).
When an unchecked load brought new versions, that import starts on a thread at step 0, beside
DuckDB's work on the frames (`_Session.warm`).
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from mediawatch.checks import reuse
from mediawatch.checks.frames import (
    BATCH,
    SOURCES,
    SUITE_TABLES,
    UNCHECKED_LOADS,
    WAREHOUSE,
    batch_table,
    frame,
    sources_table,
    staging_rejects_since_previous_run,
    warehouse_table,
)
from mediawatch.checks.frames import rows as frames_rows
from mediawatch.checks.gx_runner import CheckResult, Validation
from mediawatch.checks.quarantine import hold
from mediawatch.checks.suites import (
    CRITICAL,
    SUITE_COLUMNS,
    SUITE_KEYS,
    WARNING,
    Check,
    build_checks,
    load_gx,
)
from mediawatch.checks.thresholds import Thresholds
from mediawatch.config import Paths

if TYPE_CHECKING:  # pandas loads only when a frame is built: a gate with nothing new needs none
    import pandas as pd

log = logging.getLogger(__name__)
DATA_DOCS_FOLDER = "data-docs"


class GateFailed(RuntimeError):
    """A critical quality check failed; results are recorded. `summary` is what run_gate would return."""

    def __init__(self, summary: dict[str, Any]) -> None:
        self.summary = summary
        failed = "; ".join(
            f"{f['suite']}.{f['check']} (observed {f['observed']})" for f in summary["critical_failures"]
        )
        super().__init__(
            f"quality gate {summary['run_id']} failed {len(summary['critical_failures'])} critical "
            f"check(s): {failed}. The report was not rebuilt; the last good one stays published. "
            f"Details: Data Docs at {summary['data_docs']}, table dq_results where run_id = "
            f"'{summary['run_id']}', held rows via `mediawatch quarantine list`."
        )


def run_gate(paths: Paths, run_id: str, *, force: bool = False) -> dict[str, Any]:
    """Run the suites on what changed, record the outcome, raise GateFailed on a critical failure.

    With nothing new since the latest (passing) run, or nothing the checks read changed, its verdict
    is reused and recorded as such; `force` validates every suite again regardless."""
    from mediawatch.warehouse.db import connect_writer
    from mediawatch.warehouse.migrate import migrate

    thresholds = Thresholds.from_env()
    hashed = reuse.checks_hash(thresholds, paths.sources)
    checks = build_checks(thresholds)
    started = datetime.now(UTC)
    if not paths.warehouse.exists():
        raise FileNotFoundError(
            f"{paths.warehouse} does not exist yet: run `mediawatch load` before the quality gate"
        )
    con = connect_writer(paths.warehouse)
    session = _Session(paths.reports / DATA_DOCS_FOLDER, run_id, force)
    ahead: _PublishAhead | None = None
    try:
        migrate(con)
        _require_marts(con, paths)
        unchanged = None if force else reuse.nothing_new(con, thresholds, hashed, run_id)
        if unchanged is not None:
            summary = _reuse_verdict(con, run_id, started, *unchanged, build_id=None)
            log.info("quality gate %s: %s", run_id, summary["note"])
            return summary
        # with new versions, the analyst generation the load did not write is brought up to the
        # load's build on a second connection while this one reads the frames and validates (its
        # SQL runs beside GX's Python); a verdict reused below leaves it unpublished, up to date
        # for the next publish. Without (only crawl stats are new) that publish is a few small
        # tables, and most such gates reuse their verdict: it starts once the gate validates.
        # The loads' own count starts it before the batch is read (0.6 s of a gate at 1M articles)
        if _unchecked_loads_brought_versions(con):
            ahead = _PublishAhead(con, paths.analyst_db)
            session.warm()
        # the frames, as temp tables; fingerprints read them as plain rows (no pandas)
        new_versions = batch_table(con, thresholds)
        if new_versions and ahead is None:
            ahead = _PublishAhead(con, paths.analyst_db)
        overrides = _source_thresholds(paths, thresholds)
        retried = _recorded(con, run_id)
        prints = _whole_frames(con, thresholds, overrides, hashed)
        unchanged = None if force else reuse.same_values(con, thresholds, hashed, run_id, new_versions, prints)
        if unchanged is not None:
            summary = _reuse_verdict(con, run_id, started, *unchanged, build_id=reuse.current_build(con))
            log.info("quality gate %s: %s", run_id, summary["note"])
            return summary
        if ahead is None:
            ahead = _PublishAhead(con, paths.analyst_db)

        # the build and the publisher load only for a gate that validates
        from mediawatch.warehouse.backend import rollback
        from mediawatch.warehouse.build import Change, build

        # one transaction: forget an earlier attempt, hold the offenders, mark the batch checked, and
        # build what the quarantine changed, so a crash leaves the gate either undone or done
        con.execute("begin transaction")
        try:
            forgot = _forget_run(con, run_id)
            if retried:  # its own earlier attempt was in the batch's and the frames' inputs
                new_versions = batch_table(con, thresholds)
            if new_versions:
                batch = session.frame(con, BATCH)
                results = session.validate("new_articles", batch, checks, None)
            else:
                batch, results = None, reuse.empty_batch_results(checks)
            results = [_effective_severity(r, new_versions, thresholds) for r in results]
            offenders = _offending_versions(results, batch)
            quarantined = hold(con, offenders, run_id) if offenders is not None else 0
            _mark_checked(con, run_id)
            changed = sorted(set(forgot) | (set(offenders["article_id"]) if offenders is not None else set()))
            if changed:
                build(con, {"main.quarantine": Change.rows("article_id", changed)},
                      watchlist=paths.watchlist, reason=f"gate {run_id}", in_transaction=True)
            con.execute("commit")
        except Exception:
            rollback(con)
            raise
        if changed or retried:  # the marts or the gate's own history changed since the frames were read
            prints = _whole_frames(con, thresholds, overrides, hashed)

        results += [_explain_freshness(_explain_rejects(r, con), con)
                    for r in session.check_suite(con, "warehouse", checks, prints["warehouse"])]
        results += [_explain_yield(r, con)
                    for r in session.check_suite(con, "sources", checks, prints["sources"])]
        docs = session.publish_docs()
        summary = _summary(run_id, results, quarantined, new_versions, str(docs))
        summary["validated_suites"] = session.validated
        summary["reused_suites"] = session.reused
        summary["note"] = _note(session, new_versions)
        _record(con, run_id, started, results, summary, hashed, session.suite_rows, reuse.current_build(con))
        ahead.publish()  # what the gate changed (its tables, a quarantine's build) goes in too
    finally:
        if ahead is not None:
            ahead.close()
        session.discard()
        con.close()
    log.info("quality gate %s: %s", run_id, summary["note"])
    for warning in summary["warnings"]:
        log.warning("quality warning %s.%s: %s", warning["suite"], warning["check"], warning["observed"])
    if not summary["passed"]:
        raise GateFailed(summary)
    return summary


class _PublishAhead:
    """The gate's publish, started early: a thread brings a free analyst generation up to the
    load's build (`publish.prepare`, on its own connection to the warehouse) while the gate
    validates; `publish` then applies what the gate changed since, checkpoints and swaps.

    The thread only reads the warehouse and writes the generation, so it never conflicts with the
    gate's own transaction; what that transaction changes meanwhile is logged in meta.changes and
    applied by `publish` (delete and insert by key converge on the current rows). If the thread
    failed, `publish` publishes the usual way and the error is logged."""

    def __init__(self, con: duckdb.DuckDBPyConnection, target: Path) -> None:
        self.con, self.target = con, target
        self.cursor = con.cursor()
        self.prepared: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._prepare, name="gate-publish", daemon=True)
        self.thread.start()

    def _prepare(self) -> None:
        from mediawatch.warehouse.publish import prepare
        from mediawatch.warehouse.search import index_is_complete

        try:
            if index_is_complete(self.cursor):  # else publish_analyst_db indexes first, after the gate
                self.prepared = prepare(self.cursor, self.target)
        except Exception as exc:  # noqa: BLE001 - reported, then published the usual way
            self.error = exc

    def publish(self) -> None:
        from mediawatch.warehouse.publish import finish, publish_analyst_db

        # the warehouse's checkpoint (the gate's own writes) runs while the thread may still be
        # applying: it only reads the warehouse, so it does not hold the checkpoint back
        self.con.execute("checkpoint")
        self.thread.join()
        prepared, self.prepared = self.prepared, None
        if self.error is not None:  # reported here, not again by close()
            log.warning("analyst copy: publishing ahead of the gate failed (%s); publishing now", self.error)
            self.error = None
        if prepared is None:
            publish_analyst_db(self.con, self.target)
        else:
            finish(self.con, prepared)

    def close(self) -> None:
        """Unless published: stop the thread's statement, leave its generation unpublished. It is
        free and consistent with the build it records (a stopped apply records none), so the next
        publish brings it up to date from there."""
        from mediawatch.warehouse.publish import abandon

        if self.thread.is_alive():
            self.cursor.interrupt()
        self.thread.join()
        if isinstance(self.error, duckdb.InterruptException):
            self.error = None
        elif self.error is not None:
            log.warning("analyst copy: publishing ahead of the gate failed (%s)", self.error)
        if self.prepared is not None:
            abandon(self.con)
            self.prepared = None
        self.cursor.close()


def _unchecked_loads_brought_versions(con: duckdb.DuckDBPyConnection) -> bool:
    """True when a load no gate has checked recorded new article versions (raw.loads, a few rows
    per load: no page is read)."""
    row = con.execute(
        "select coalesce(sum(loads.new_versions), 0) from raw.loads as loads "
        f"semi join ({UNCHECKED_LOADS}) as unchecked on loads.load_id = unchecked.load_id"
    ).fetchone()
    return bool(row and row[0])


def _recorded(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    row = con.execute(f"select count(*) from main.dq_gate_runs where run_id = {reuse.literal(run_id)}").fetchone()
    return bool(row and row[0])


def _whole_frames(con: duckdb.DuckDBPyConnection, t: Thresholds, overrides: dict[str, Thresholds],
                  hashed: str) -> dict[str, str]:
    """Build the warehouse and sources frames (temp tables); returns their fingerprints by suite."""
    warehouse_table(con)
    sources_table(con, t, overrides)
    return {
        suite: reuse.fingerprint(
            hashed, suite, frames_rows(con, SUITE_TABLES[suite], SUITE_KEYS[suite] + SUITE_COLUMNS[suite]), t)
        for suite in ("warehouse", "sources")
    }


class _Session:
    """One gate run's validations: Great Expectations starts only when a suite needs validating."""

    def __init__(self, docs_dir: Path, run_id: str, force: bool) -> None:
        self.docs_dir, self.run_id, self.force = docs_dir, run_id, force
        self.validation: Validation | None = None
        self.warming: threading.Thread | None = None
        self.validated: list[str] = []
        self.reused: dict[str, str] = {}
        self.suite_rows: list[tuple[str, str, str]] = []  # (suite, fingerprint, validated_in)

    def warm(self) -> None:
        """Import Great Expectations and pandas on a thread, while this one has DuckDB read the
        frames (it releases the GIL in a query): about 2.4 CPU-s of imports, the largest part of
        a validation's own time, off the gate's path when a core is free. An import error is
        left for the validation to raise."""
        def imports() -> None:
            try:
                import pandas  # noqa: F401

                load_gx()
            except Exception:  # noqa: BLE001 - raised again by the validation's own import
                log.debug("importing Great Expectations ahead failed", exc_info=True)

        if self.warming is None:
            self.warming = threading.Thread(target=imports, name="gate-imports", daemon=True)
            self.warming.start()

    def frame(self, con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
        """A suite's frame (pandas), once `warm`'s imports are done: this thread imports nothing of
        theirs half-done. Every validation's frame is built here, so GX is imported by then too."""
        if self.warming is not None:
            self.warming.join()
        return frame(con, table)

    def validate(self, suite: str, data: pd.DataFrame, checks: list[Check], fp: str | None) -> list[CheckResult]:
        if self.validation is None:
            self.validation = Validation(self.docs_dir, self.run_id)
        self.validated.append(suite)
        if fp is not None:
            self.suite_rows.append((suite, fp, self.run_id))
        return self.validation.run(suite, data, checks)

    def check_suite(self, con: duckdb.DuckDBPyConnection, suite: str, checks: list[Check],
                    fp: str) -> list[CheckResult]:
        """Reuse the results of a run that validated the same values (fingerprint `fp`), else
        validate the suite's frame."""
        earlier = None if self.force else reuse.validated_before(con, suite, fp)
        if earlier is not None:
            results = reuse.reused_results(con, earlier, suite, checks)
            if results:
                self.reused[suite] = earlier
                self.suite_rows.append((suite, fp, earlier))
                return results
        return self.validate(suite, self.frame(con, SUITE_TABLES[suite]), checks, fp)

    def publish_docs(self) -> Path:
        """Data Docs of this run's validations; with none, the last site stays."""
        if self.validation is None:
            return self.docs_dir / "index.html"
        return self.validation.publish_docs()

    def discard(self) -> None:
        if self.validation is not None:
            self.validation.discard()


def _note(session: _Session, checked: int) -> str:
    validated = ", ".join(session.validated) or "none"
    reused = ", ".join(f"{suite} (same values as gate run {run})" for suite, run in session.reused.items())
    return (f"{checked} new article versions; suites validated: {validated}"
            + (f"; results reused: {reused}" if reused else ""))


def _reuse_verdict(con: duckdb.DuckDBPyConnection, run_id: str, started: datetime,
                   prior: reuse.PriorRun, note: str, *, build_id: int | None) -> dict[str, Any]:
    """Record a run that takes over `prior`'s verdict (nothing it judged has changed), as of build
    `build_id` (None: prior's). Its SQL binds no parameters (see reuse.literal), so it never imports
    pandas. The analyst copy is not republished: it holds that verdict already."""
    status = _verdict_of(con, prior.results_run)
    run, results_run = reuse.literal(run_id), reuse.literal(prior.results_run)
    con.execute("begin transaction")
    try:
        _forget_run(con, run_id)
        con.execute(f"create or replace temp table gate_loads as {UNCHECKED_LOADS}")
        con.execute(f"insert or ignore into main.dq_checked_loads select load_id, {run}, now() from gate_loads")
        con.execute(
            f"insert into main.dq_gate_runs by name select {run} as run_id, "
            f"timestamptz {reuse.literal(started.isoformat())} as started_at, now() as finished_at, "
            "passed, critical_failures, warnings, 0 as checked_articles, 0 as quarantined, data_docs, "
            f"coalesce({reuse.literal(build_id)}, build_id) as build_id, {results_run} as reused_from, "
            "checks_hash from main.dq_gate_runs "
            f"where run_id = {reuse.literal(prior.run_id)}"
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    docs = con.execute(f"select data_docs from main.dq_gate_runs where run_id = {run}").fetchone()
    return {
        "run_id": run_id,
        "passed": True,
        "critical_failures": [],
        "warnings": status["warnings"],
        "quarantined": 0,
        "checked_articles": 0,
        "checks": len(status["results"]),
        "data_docs": docs[0] if docs else None,
        "validated_suites": [],
        "reused_suites": {},
        "reused_from": prior.results_run,
        "build_id": prior.build_id if build_id is None else build_id,
        "note": note,
    }


def _source_thresholds(paths: Paths, t: Thresholds) -> dict[str, Thresholds]:
    """Per-source limits from the registry's `thresholds:` entries (none without a registry file)."""
    if not paths.sources.exists():
        log.info("no registry at %s: every source uses the default thresholds", paths.sources)
        return {}
    from mediawatch.sources import load_registry

    return {
        source.name: t.for_source(dict(source.thresholds))
        for source in load_registry(paths.sources).sources
        if source.thresholds
    }


def _explain_yield(result: CheckResult, con: duckdb.DuckDBPyConnection) -> CheckResult:
    """A collapsed yield names each source, its yield and the dominant not_article reason."""
    if result.name != "source_yield" or result.success or "error" in result.details:
        return result
    rows = [
        {
            "source": row["source"],
            "run_id": row["yield_latest_run_id"],
            "crawls": int(row["yield_runs"]),
            "candidates": int(row["yield_candidates"]),
            "articles": int(row["yield_articles"]),
            "yield": round(float(row["article_yield"]), 4),
            "limit": round(float(row["yield_limit"]), 4),
            "history_yield": None if row["history_yield"] is None else round(float(row["history_yield"]), 4),
            "dominant_not_article_reason": row["dominant_not_article_reason"],
            "dominant_reason_pages": int(row["dominant_reason_pages"]),
        }
        for row in frames_rows(con, SOURCES) if row["yield_collapsed"] is True
    ]
    result.details["collapsed"] = rows
    result.observed_value = "; ".join(
        f"{r['source']}: {r['articles']} of {r['candidates']} pages became articles "
        f"(yield {r['yield']:.0%}, limit {r['limit']:.0%}), mostly {r['dominant_not_article_reason']} "
        f"({r['dominant_reason_pages']} pages)"
        for r in rows
    )
    return result


def _explain_freshness(result: CheckResult, con: duckdb.DuckDBPyConnection) -> CheckResult:
    """A reused freshness result shows the hours measured now (its verdict cannot differ: the
    fingerprint holds which side of the limit they are on)."""
    if result.name != "newest_article_fresh" or "reused_from" not in result.details:
        return result
    warehouse = frames_rows(con, WAREHOUSE, ["hours_since_newest_article"])
    if not warehouse:
        return result
    hours = warehouse[0]["hours_since_newest_article"]
    value = None if hours is None else float(hours)
    result.observed_value = str(value)
    result.details["observed_value"] = value
    return result


def _explain_rejects(result: CheckResult, con: duckdb.DuckDBPyConnection) -> CheckResult:
    """A torn staging file warning names each file, what was loaded and where the rest is kept."""
    if result.name != "staging_files_intact" or result.success or "error" in result.details:
        return result
    files = staging_rejects_since_previous_run(con)
    result.details["files"] = files
    result.observed_value = "; ".join(
        f"{f['staging_file']}: {f['lines_loaded']} line(s) loaded, {f['lines_rejected']} rejected"
        + (f" (kept in {f['kept_at']})" if f["kept_at"] else "")
        for f in files
    )
    return result


def _require_marts(con: duckdb.DuckDBPyConnection, paths: Paths) -> None:
    row = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'main' and table_name = 'articles'"
    ).fetchone()
    if not row or not row[0]:
        # FileNotFoundError like a missing warehouse: the same fix, and the CLI reports it cleanly
        raise FileNotFoundError(
            f"{paths.warehouse} has no marts yet: run `mediawatch load` before the quality gate"
        )


def _forget_run(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """Undo what an earlier attempt of `run_id` recorded (in the caller's transaction). Returns the
    articles whose held versions it let go."""
    run = reuse.literal(run_id)
    for table in ("dq_results", "dq_checked_versions", "dq_gate_runs", "dq_checked_loads", "dq_suite_runs"):
        con.execute(f"delete from main.{table} where run_id = {run}")
    rows = con.execute(
        f"delete from main.quarantine where run_id = {run} and released_at is null returning article_id"
    ).fetchall()
    return [row[0] for row in rows]


def _effective_severity(result: CheckResult, batch_size: int, t: Thresholds) -> CheckResult:
    """Row-level checks warn (their rows are quarantined) unless the fault is systemic, then critical."""
    if not result.row_level or result.success:
        return result
    count = len(result.offenders)
    systemic = count >= t.systemic_min_rows and count > t.systemic_max_share * batch_size
    result.severity = CRITICAL if systemic else WARNING
    result.details["quarantined"] = count
    result.details["systemic"] = systemic
    return result


def _offending_versions(results: list[CheckResult], batch: pd.DataFrame | None) -> pd.DataFrame | None:
    """One row per version that failed any row-level check, with every failed check as the reason
    (None when there is none)."""
    reasons: dict[tuple[str, str], list[str]] = {}
    for result in results:
        if result.row_level and not result.success:
            for row in result.offenders:
                reasons.setdefault((row["article_id"], row["content_hash"]), []).append(result.name)
    if not reasons or batch is None:
        return None
    import pandas as pd

    columns = ["article_id", "content_hash", "url", "source", "reason"]
    keyed = batch.drop_duplicates(["article_id", "content_hash"]).set_index(["article_id", "content_hash"])
    rows = [
        {
            "article_id": article_id,
            "content_hash": content_hash,
            "url": keyed.at[(article_id, content_hash), "url"],
            "source": keyed.at[(article_id, content_hash), "source"],
            "reason": "failed " + ", ".join(names),
        }
        for (article_id, content_hash), names in reasons.items()
    ]
    return pd.DataFrame(rows, columns=columns).astype(object).where(lambda f: f.notna(), None)


def _mark_checked(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """The batch's versions (`gate_batch`) and the loads it came from (`gate_loads`, see
    frames.batch_table)."""
    run = reuse.literal(run_id)
    con.execute(f"insert or ignore into main.dq_checked_loads select load_id, {run}, now() from gate_loads")
    con.execute(
        # an anti-join, not a key: DuckDB rewrote the key's whole index at every checkpoint
        # (migration 0009), a cost following the history
        f"insert into main.dq_checked_versions "
        f"select distinct batch.article_id, batch.content_hash, {run}, now() from {BATCH} as batch "
        "anti join main.dq_checked_versions as checked "
        "on batch.article_id = checked.article_id and batch.content_hash = checked.content_hash"
    )


def _summary(
    run_id: str, results: list[CheckResult], quarantined: int, checked: int, docs: str
) -> dict[str, Any]:
    def brief(result: CheckResult) -> dict[str, Any]:
        return {"check": result.name, "suite": result.suite, "observed": result.observed_value,
                "description": result.details.get("description", result.name)}

    failed = [r for r in results if not r.success]
    critical = [brief(r) for r in failed if r.severity == CRITICAL]
    return {
        "run_id": run_id,
        "passed": not critical,
        "critical_failures": critical,
        "warnings": [brief(r) for r in failed if r.severity != CRITICAL],
        "quarantined": quarantined,
        "checked_articles": checked,
        "checks": len(results),
        "data_docs": docs,
    }


def _record(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    started: datetime,
    results: list[CheckResult],
    summary: dict[str, Any],
    hashed: str,
    suite_rows: list[tuple[str, str, str]],
    build_id: int | None,
) -> None:
    """dq_results (one row per check), dq_suite_runs and dq_gate_runs, in one transaction."""
    now = datetime.now(UTC)
    rows = [
        [run_id, r.suite, r.name, r.severity, r.success, r.observed_value,
         json.dumps(r.details, default=str, sort_keys=True), now]
        for r in results
    ]
    # literals, not bound parameters: binding would import pandas (see reuse.literal)
    con.execute("begin transaction")
    try:
        if rows:
            con.execute(f"insert into main.dq_results values {reuse.values(rows)}")
        if suite_rows:
            con.execute(f"insert into main.dq_suite_runs values {reuse.values([[run_id, *row] for row in suite_rows])}")
        con.execute(
            "insert into main.dq_gate_runs (run_id, started_at, finished_at, passed, critical_failures, "
            "warnings, checked_articles, quarantined, data_docs, build_id, reused_from, checks_hash) "
            "values " + reuse.values([[
                run_id, started, now, summary["passed"], len(summary["critical_failures"]),
                len(summary["warnings"]), summary["checked_articles"], summary["quarantined"],
                summary["data_docs"], build_id, None, hashed,
            ]])
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def latest_gate_status(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> dict[str, Any]:
    """The last gate run's results, or `run_id`'s (from dq_results and quarantine; works on the
    analyst copy too)."""
    row = con.execute(
        "select run_id, max(checked_at) as checked_at from main.dq_results "
        f"where run_id = coalesce({reuse.literal(run_id)}, run_id) "
        "group by run_id order by checked_at desc limit 1"
    ).fetchone()
    held_row = con.execute("select count(*) from main.quarantine where released_at is null").fetchone()
    held = int(held_row[0]) if held_row else 0
    if not row:
        return {"run_id": None, "checked_at": None, "passed": None, "critical_failures": [],
                "warnings": [], "results": [], "quarantined": held}
    return {"run_id": row[0], "checked_at": row[1], **_verdict_of(con, row[0]), "quarantined": held}


def _verdict_of(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """`run_id`'s results, whether it passed, its critical failures and warnings (no timestamp is
    read: that would import pytz, for a gate with nothing new)."""
    cursor = con.execute(
        "select suite, expectation, severity, success, observed_value, details from main.dq_results "
        f"where run_id = {reuse.literal(run_id)} order by suite, expectation"
    )
    columns = [d[0] for d in cursor.description or []]
    results = []
    for values in cursor.fetchall():
        item = dict(zip(columns, values, strict=True))
        details = json.loads(item.pop("details") or "{}")
        item["description"] = details.get("description", item["expectation"])
        results.append(item)

    def brief(item: dict[str, Any]) -> dict[str, Any]:
        return {"check": item["expectation"], "suite": item["suite"], "observed": item["observed_value"],
                "description": item["description"]}

    critical = [brief(r) for r in results if not r["success"] and r["severity"] == CRITICAL]
    return {
        "passed": not critical,
        "critical_failures": critical,
        "warnings": [brief(r) for r in results if not r["success"] and r["severity"] != CRITICAL],
        "results": results,
    }
