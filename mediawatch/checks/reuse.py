"""What a gate run can take over from earlier runs instead of validating again.

- **Nothing new** (`nothing_new`): no build since the latest gate run (which passed), no unchecked
  load holding article pages, no torn staging file since (nor one named by that run), the same
  checks and thresholds, and the freshness check still on the same side of its limit. The verdict
  of that run is reused (recorded in `dq_gate_runs.reused_from`); no frame is read, and neither
  Great Expectations nor pandas is imported.
- **Same values** (`same_values`): builds happened (a crawl that found nothing still loads its
  stats), but there is no new article version and the warehouse and sources frames hold the values
  the latest run's results came from. Its verdict is reused the same way, without pandas or GX.
- **An unchanged suite** (`fingerprint` / `validated_before`): Great Expectations' results depend only
  on the checks and on the values of the frame they read (`suites.SUITE_COLUMNS`). A suite whose
  frame holds the same values as one validated before gets that validation's results, copied into
  `dq_results` with `details.reused_from`; only changed suites are validated.

Time is the one input outside the frames: `hours_since_newest_article` enters a fingerprint as
"within the freshness limit or not", and the observed hours are always the current ones.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from mediawatch.checks.frames import UNCHECKED_LOADS
from mediawatch.checks.gx_runner import CheckResult
from mediawatch.checks.suites import SUITE_COLUMNS, SUITE_KEYS, Check
from mediawatch.checks.thresholds import Thresholds
from mediawatch.warehouse.models import sql_literal

_CODE = [Path(__file__).with_name(name) for name in ("suites.py", "frames.py", "gx_runner.py")]


@dataclass(frozen=True)
class PriorRun:
    """The latest gate run and where its results are (itself, or the run whose verdict it reused)."""

    run_id: str
    results_run: str
    build_id: int | None
    passed: bool
    checks_hash: str | None
    warnings: int
    checks: int


def checks_hash(t: Thresholds, registry: Path) -> str:
    """A hash of everything that defines the checks: thresholds, the source registry (its per-source
    overrides; hashed as bytes, so a gate with nothing new need not parse it), the code."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"thresholds": t.as_dict()}, sort_keys=True).encode())
    digest.update(registry.read_bytes() if registry.exists() else b"no registry")
    for path in _CODE:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def literal(value: Any) -> str:
    """A SQL literal, for the gate's queries, which bind no parameters: DuckDB's Python binding
    imports pandas and numpy on the first bound parameter (0.5 s of a 1 s gate with nothing new)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "null" if math.isnan(value) else f"{value!r}::double"
    if isinstance(value, datetime):
        return f"timestamptz {literal(value.isoformat())}"
    return sql_literal(str(value))


def values(rows: list[list[Any]]) -> str:
    """`(a, b), (c, d)`: rows as a SQL VALUES list of literals."""
    return ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)


def current_build(con: duckdb.DuckDBPyConnection) -> int | None:
    row = con.execute("select max(build_id) from meta.builds").fetchone()
    return None if not row or row[0] is None else int(row[0])


def latest_run(con: duckdb.DuckDBPyConnection) -> PriorRun | None:
    row = con.execute(
        """
        select runs.run_id, coalesce(runs.reused_from, runs.run_id), runs.build_id, runs.passed, runs.checks_hash, runs.warnings,
               (select count(*) from main.dq_results as results
                where results.run_id = coalesce(runs.reused_from, runs.run_id))
        from main.dq_gate_runs as runs
        order by runs.started_at desc, runs.run_id desc
        limit 1
        """
    ).fetchone()
    if not row:
        return None
    return PriorRun(row[0], row[1], None if row[2] is None else int(row[2]), bool(row[3]),
                    row[4], int(row[5] or 0), int(row[6] or 0))


def hours_since_newest(con: duckdb.DuckDBPyConnection) -> float | None:
    row = con.execute("select epoch(now() - max(fetched_at)) / 3600.0 from main.articles").fetchone()
    return None if not row or row[0] is None else float(row[0])


def _usable_prior(
    con: duckdb.DuckDBPyConnection, t: Thresholds, hashed: str, run_id: str
) -> PriorRun | None:
    """The latest run, if a verdict of it may stand for this run at all: it passed with the same
    checks, this is not a retry of it, it named no torn staging file, and freshness is on the same
    side of its limit. A retried run (`run_id` already recorded) is redone, never reused."""
    prior = latest_run(con)
    if prior is None or not prior.passed or prior.checks_hash != hashed or prior.checks == 0:
        return None
    row = con.execute(f"select count(*) from main.dq_gate_runs where run_id = {literal(run_id)}").fetchone()
    if run_id == prior.results_run or (row and row[0]):
        return None  # a retried run: redone as it was (its quarantine included), never reused
    recorded = dict(con.execute(
        f"select expectation, success from main.dq_results where run_id = {literal(prior.results_run)} "
        "and expectation in ('newest_article_fresh', 'staging_files_intact')"
    ).fetchall())
    # torn staging files are named once, by the run after their load: a warning about them never
    # carries over to the next run
    if recorded.get("staging_files_intact") is not True:
        return None
    hours = hours_since_newest(con)
    fresh_now = hours is not None and hours <= t.freshness_max_hours
    if recorded.get("newest_article_fresh") is None or bool(recorded["newest_article_fresh"]) != fresh_now:
        return None
    return prior


def nothing_new(
    con: duckdb.DuckDBPyConnection, t: Thresholds, hashed: str, run_id: str
) -> tuple[PriorRun, str] | None:
    """(the latest run, why its verdict stands) when nothing it judged can have changed: no build
    since, no unchecked load with articles, no torn staging file since. Reads no frame."""
    prior = _usable_prior(con, t, hashed, run_id)
    build = current_build(con)
    if prior is None or prior.build_id is None or prior.build_id != build:
        return None
    row = con.execute(
        f"select count(*) from (select 1 from raw.pages where kind = 'article' "
        f"and load_id in ({UNCHECKED_LOADS}) limit 1)"
    ).fetchone()
    if row and row[0]:
        return None
    row = con.execute(
        "select count(*) from raw.staging_rejects where recorded_at > "
        f"(select started_at from main.dq_gate_runs where run_id = {literal(prior.run_id)})"
    ).fetchone()
    if row and row[0]:
        return None
    return prior, f"nothing new since build {build}, verdict of gate run {prior.results_run} reused"


def same_values(
    con: duckdb.DuckDBPyConnection, t: Thresholds, hashed: str, run_id: str, new_versions: int,
    prints: Mapping[str, str],
) -> tuple[PriorRun, str] | None:
    """(the latest run, why its verdict stands) when builds happened since (a crawl that found
    nothing still loads its stats) but nothing the checks read changed: no new article version,
    and the warehouse and sources frames hold the values that run's results came from (`prints`,
    this run's fingerprints by suite)."""
    if new_versions:
        return None
    prior = _usable_prior(con, t, hashed, run_id)
    if prior is None:
        return None
    recorded = dict(con.execute(
        "select suite, fingerprint from main.dq_suite_runs "
        f"where run_id = {literal(prior.results_run)}"
    ).fetchall())
    if any(recorded.get(suite) != fp for suite, fp in prints.items()):
        return None
    return prior, (f"no new article versions and the checked values are those of gate run "
                   f"{prior.results_run}: its verdict reused")


def fingerprint(hashed: str, suite: str, rows: list[dict[str, Any]], t: Thresholds) -> str:
    """What Great Expectations' results for `suite` depend on: the checks and the values of the
    frame's columns they read (`rows`, see frames.rows)."""
    columns = SUITE_KEYS[suite] + SUITE_COLUMNS[suite]
    values = []
    for row in rows:
        line = [_plain(row.get(column)) for column in columns]
        if "hours_since_newest_article" in columns:
            at = columns.index("hours_since_newest_article")
            line[at] = None if line[at] is None else bool(line[at] <= t.freshness_max_hours)
        values.append(line)
    payload = json.dumps([hashed, suite, columns, values], default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _plain(value: Any) -> Any:
    """A frame value as the fingerprint holds it: NaN is null; integral numbers of any type alike."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def validated_before(con: duckdb.DuckDBPyConnection, suite: str, fp: str) -> str | None:
    """The latest run that validated a frame with this fingerprint and still has its results."""
    row = con.execute(
        f"""
        select suite_runs.validated_in
        from main.dq_suite_runs as suite_runs
        inner join main.dq_gate_runs as runs on suite_runs.run_id = runs.run_id
        where suite_runs.suite = {literal(suite)} and suite_runs.fingerprint = {literal(fp)}
            and exists (select 1 from main.dq_results as results
                        where results.run_id = suite_runs.validated_in and results.suite = {literal(suite)})
        order by runs.started_at desc
        limit 1
        """
    ).fetchone()
    return row[0] if row else None


def reused_results(con: duckdb.DuckDBPyConnection, run_id: str, suite: str, checks: list[Check]) -> list[CheckResult]:
    """The results `run_id` recorded for `suite`, as this run's (details say where they came from)."""
    by_name = {c.name: c for c in checks if c.suite == suite}
    rows = con.execute(
        "select expectation, severity, success, observed_value, details from main.dq_results "
        f"where run_id = {literal(run_id)} and suite = {literal(suite)} order by expectation"
    ).fetchall()
    out = []
    for name, severity, success, observed, details in rows:
        check = by_name.get(name)
        if check is None:
            continue
        info = json.loads(details or "{}")
        info["reused_from"] = info.get("reused_from", run_id)
        out.append(CheckResult(name, suite, severity, bool(success), observed, check.row_level, info))
    if {r.name for r in out} != set(by_name):
        return []  # not the same checks: validate instead
    return out


def empty_batch_results(checks: list[Check]) -> list[CheckResult]:
    """The new_articles checks over a batch of no rows: each passes over 0 of 0 rows (not validated)."""
    return [
        CheckResult(c.name, c.suite, c.severity, True, "0 of 0 rows", c.row_level,
                    {"description": c.description, "unexpected_count": 0, "element_count": 0,
                     "unexpected_percent": None, "sample": [], "not_validated": "no new article versions"})
        for c in checks if c.suite == "new_articles"
    ]
