"""The quality gate: run the suites, record results, quarantine bad rows, and stop the pipeline on
critical failures.

Order within a run (all through the one writer connection, like the load):
1. forget a previous attempt of the same run id, so a retried task gives the same result;
2. validate the new batch; quarantine offending versions; mark the batch as checked; then ask the
   build (mediawatch.warehouse.build) to bring what the quarantine changed up to date;
3. validate the whole-warehouse and per-source suites on the rebuilt marts;
4. write dq_results and dq_gate_runs, render Data Docs, republish the analyst copy;
5. raise GateFailed when a critical check failed, so the report task does not run and the last good
   report stays published.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from mediawatch.checks.frames import batch_frame, sources_frame, warehouse_frame
from mediawatch.checks.gx_runner import CheckResult, Validation
from mediawatch.checks.quarantine import hold
from mediawatch.checks.suites import CRITICAL, WARNING, build_checks
from mediawatch.checks.thresholds import Thresholds
from mediawatch.config import Paths

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


def run_gate(paths: Paths, run_id: str) -> dict[str, Any]:
    """Run every suite on the warehouse, record the outcome, raise GateFailed on a critical failure."""
    from mediawatch.warehouse.backend import rollback
    from mediawatch.warehouse.build import Change, build
    from mediawatch.warehouse.db import connect_writer
    from mediawatch.warehouse.migrate import migrate
    from mediawatch.warehouse.publish import publish_analyst_db, refresh_analyst_tables

    thresholds = Thresholds.from_env()
    checks = build_checks(thresholds)
    started = datetime.now(UTC)
    if not paths.warehouse.exists():
        raise FileNotFoundError(
            f"{paths.warehouse} does not exist yet: run `mediawatch load` before the quality gate"
        )
    con = connect_writer(paths.warehouse)
    validation: Validation | None = None
    try:
        migrate(con)
        _require_marts(con, paths)
        validation = Validation(paths.reports / DATA_DOCS_FOLDER, run_id)
        # one transaction: forget an earlier attempt, hold the offenders, mark the batch checked, and
        # build what the quarantine changed, so a crash leaves the gate either undone or done
        con.execute("begin transaction")
        try:
            forgot = _forget_run(con, run_id)
            batch = batch_frame(con, thresholds)
            results = validation.run("new_articles", batch, checks)
            results = [_effective_severity(r, len(batch), thresholds) for r in results]
            offenders = _offending_versions(results, batch)
            quarantined = hold(con, offenders, run_id)
            _mark_checked(con, batch, run_id)
            changed = sorted(set(forgot) | set(offenders["article_id"]))
            if changed:
                build(con, {"main.quarantine": Change.rows("article_id", changed)},
                      watchlist=paths.watchlist, reason=f"gate {run_id}", in_transaction=True)
            con.execute("commit")
        except Exception:
            rollback(con)
            raise

        results += validation.run("warehouse", warehouse_frame(con), checks)
        results += validation.run("sources", sources_frame(con, thresholds), checks)
        docs = validation.publish_docs()
        summary = _summary(run_id, results, quarantined, len(batch), str(docs))
        _record(con, run_id, started, results, summary)
        con.execute("checkpoint")
        if changed:
            publish_analyst_db(con, paths.analyst_db)  # marts changed: rebuild the copy
        else:
            refresh_analyst_tables(con, paths.analyst_db)  # only the gate's own tables changed
    finally:
        if validation is not None:
            validation.discard()
        con.close()
    for warning in summary["warnings"]:
        log.warning("quality warning %s.%s: %s", warning["suite"], warning["check"], warning["observed"])
    if not summary["passed"]:
        raise GateFailed(summary)
    return summary


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
    for table in ("dq_results", "dq_checked_versions", "dq_gate_runs"):
        con.execute(f"delete from main.{table} where run_id = ?", [run_id])
    rows = con.execute(
        "delete from main.quarantine where run_id = ? and released_at is null returning article_id",
        [run_id],
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


def _offending_versions(results: list[CheckResult], batch: pd.DataFrame) -> pd.DataFrame:
    """One row per version that failed any row-level check, with every failed check as the reason."""
    reasons: dict[tuple[str, str], list[str]] = {}
    for result in results:
        if result.row_level and not result.success:
            for row in result.offenders:
                reasons.setdefault((row["article_id"], row["content_hash"]), []).append(result.name)
    columns = ["article_id", "content_hash", "url", "source", "reason"]
    if not reasons:
        return pd.DataFrame(columns=columns)
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


def _mark_checked(con: duckdb.DuckDBPyConnection, batch: pd.DataFrame, run_id: str) -> None:
    if batch.empty:
        return
    con.register("gate_batch", batch[["article_id", "content_hash"]])
    try:
        con.execute(
            "insert or ignore into main.dq_checked_versions "
            "select distinct article_id, content_hash, ?, now() from gate_batch",
            [run_id],
        )
    finally:
        con.unregister("gate_batch")


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
) -> None:
    """dq_results (one row per check) and dq_gate_runs, in one transaction."""
    now = datetime.now(UTC)
    rows = [
        [run_id, r.suite, r.name, r.severity, r.success, r.observed_value,
         json.dumps(r.details, default=str, sort_keys=True), now]
        for r in results
    ]
    con.execute("begin transaction")
    try:
        con.executemany("insert into main.dq_results values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute(
            "insert into main.dq_gate_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, started, now, summary["passed"], len(summary["critical_failures"]),
             len(summary["warnings"]), summary["checked_articles"], summary["quarantined"],
             summary["data_docs"]],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def latest_gate_status(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The last gate run's results (from dq_results and quarantine; works on the analyst copy too)."""
    row = con.execute(
        "select run_id, max(checked_at) as checked_at from main.dq_results "
        "group by run_id order by checked_at desc limit 1"
    ).fetchone()
    held_row = con.execute("select count(*) from main.quarantine where released_at is null").fetchone()
    held = int(held_row[0]) if held_row else 0
    if not row:
        return {"run_id": None, "checked_at": None, "passed": None, "critical_failures": [],
                "warnings": [], "results": [], "quarantined": held}
    cursor = con.execute(
        "select suite, expectation, severity, success, observed_value, details from main.dq_results "
        "where run_id = ? order by suite, expectation",
        [row[0]],
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
        "run_id": row[0],
        "checked_at": row[1],
        "passed": not critical,
        "critical_failures": critical,
        "warnings": [brief(r) for r in results if not r["success"] and r["severity"] != CRITICAL],
        "results": results,
        "quarantined": held,
    }
