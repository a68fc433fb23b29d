"""Build one report from the analyst copy: period, sections, files, index.

Reads only the analyst database (read-only, external access off) through the named queries in
`sql/reports/`, writes `<reports>/<period>/` (report.html, report.md, meta.json, tables/*.csv and
*.parquet) into a temporary folder and renames it into place, then refreshes the index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from mediawatch.config import Paths
from mediawatch.report.files import recover
from mediawatch.report.queries import QUERY_DIR, run_query

if TYPE_CHECKING:
    from mediawatch.report.model import Report

log = logging.getLogger(__name__)


DEFAULT_DAYS = 7  # the weekly report: long enough for a story to be carried by several outlets
# inputs that a crawl which found nothing new moves on; the content stamp stands in for them
MOVING_INPUTS = ("content", "build_id", "gate_run")
OLD_CHART_CACHE = ".charts"  # charts rendered by vl-convert were kept here; nothing reads it any more


class ReportError(ValueError):
    """The report cannot be built as asked; the message says what to change."""


def parse_day(value: date | str | None, label: str) -> date | None:
    """A date from a date or an ISO `YYYY-MM-DD` string; anything else is refused with a clear error."""
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ReportError(f"{label} {value!r} is not a date: use YYYY-MM-DD, e.g. 2026-11-26") from None


def folder_name(date_from: date, date_to: date) -> str:
    """`2026-11-26` for a daily report, `2026-11-20_2026-11-26` for a longer period."""
    return date_from.isoformat() if date_from == date_to else f"{date_from.isoformat()}_{date_to.isoformat()}"


def build_report(
    paths: Paths,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    run_id: str | None = None,
    *,
    days: int | None = None,
    force: bool = False,
    _before_swap: Any = None,
) -> dict[str, Any]:
    """Build the report of a period; returns where it went.

    Default: the `days` (7) days ending with the latest day with articles. Given only `date_to`,
    the `days` ending then; given only `date_from`, up to the latest day (or `days` from it).
    A report whose inputs (the analyst copy's build and gate run, the period, the watchlist, the
    report code) are those it was built from is not rebuilt (`unchanged`, `note`), unless `force`;
    nor is one whose build and gate run moved on while what it shows did not (`content_stamp`: a
    crawl that found nothing new). Deciding either loads no template, chart code, delivery or pandas.
    """
    from mediawatch.warehouse.db import connect_reader

    start, end = parse_day(date_from, "date_from"), parse_day(date_to, "date_to")
    if days is not None and days < 1:
        raise ReportError(f"days must be 1 or more, not {days}")
    length = days or DEFAULT_DAYS
    paths.reports.mkdir(parents=True, exist_ok=True)
    recover(paths.reports)
    con = connect_reader(paths.analyst_db)
    try:
        if start is None and end is None:
            end = run_query(con, "latest_day").rows[0][0] or datetime.now(UTC).date()
        if start is None:
            assert end is not None
            start = end - timedelta(days=length - 1)
        elif end is None:
            latest = run_query(con, "latest_day").rows[0][0] or datetime.now(UTC).date()
            end = start + timedelta(days=days - 1) if days else max(start, latest)
        if start > end:
            raise ReportError(f"date_from {start} is after date_to {end}: swap them")
        inputs = report_inputs(con, paths, start, end)
        previous = _built_from(paths.reports / folder_name(start, end))
        built_from = (previous or {}).get("inputs") or {}
        if not force and previous is not None and _but(built_from, "content") == inputs:
            return _unchanged(paths, start, end, previous, inputs)
        stamp = content_stamp(con, start, end)
        if (not force and previous is not None and built_from.get("content") == stamp
                and _but(built_from, *MOVING_INPUTS) == _but(inputs, *MOVING_INPUTS)):
            return _unchanged(paths, start, end, previous, inputs, since=built_from)
        inputs["content"] = stamp
        # the unchanged case above needs none of this: templates, charts and Parquet load from here on
        from mediawatch.report.files import new_tmp_folder, swap_into_place, write_text_atomic
        from mediawatch.report.index import QUALITY_PAGE, render_index, render_quality_page

        report = _collect(con, paths, start, end, run_id)
        quality_page = render_quality_page(con, paths.reports)
    finally:
        con.close()
    target = paths.reports / report.name
    tmp = new_tmp_folder(paths.reports, report.name)
    table_names = _write_folder(report, tmp, inputs)
    if _before_swap is not None:  # test hook: fail or stall between writing and renaming
        _before_swap(tmp)
    swap_into_place(tmp, target)
    write_text_atomic(paths.reports / QUALITY_PAGE, quality_page)
    write_text_atomic(paths.reports / "index.html", render_index(paths.reports))
    shutil.rmtree(paths.reports / OLD_CHART_CACHE, ignore_errors=True)
    info = {
        "report": str(target / "report.html"),
        "markdown": str(target / "report.md"),
        "tables": [str(target / "tables" / f"{name}.csv") for name in table_names],
        "period": {"from": start.isoformat(), "to": end.isoformat(), "name": report.name},
        "counts": report.counts,
        "warnings": report.warnings(),
        "run_id": run_id,
        "unchanged": False,
        "build_id": inputs["build_id"],
    }
    log.info("report %s written to %s (%d warnings)", report.name, target, len(info["warnings"]))
    return info


def report_inputs(con: Any, paths: Paths, start: date, end: date) -> dict[str, Any]:
    """What a report is a function of: the analyst copy's build and latest gate run, the period,
    the watchlist (competitor sets) and the report's own code and queries."""
    try:
        build = con.execute("select max(build_id) from main.published_build").fetchone()
    except duckdb.Error:  # an analyst copy published before the publish record existed
        build = None
    gate = run_query(con, "dq_latest").rows
    held = con.execute("select count(*) from main.quarantine where released_at is null").fetchone()
    code = hashlib.sha256()
    for path in sorted(_CODE_FILES()):
        code.update(path.name.encode() + path.read_bytes())
    watchlist = hashlib.sha256(paths.watchlist.read_bytes()).hexdigest()[:16] if paths.watchlist.exists() else None
    return {
        "build_id": None if not build or build[0] is None else int(build[0]),
        "gate_run": gate[0][0] if gate else None,
        "quarantined": int(held[0]) if held else 0,
        "period": [start.isoformat(), end.isoformat()],
        "watchlist": watchlist,
        "code": code.hexdigest()[:16],
    }


def content_stamp(con: Any, start: date, end: date) -> list[Any]:
    """A fingerprint of the rows the report of start..end shows (sql/reports/content_stamp.sql): a
    build that left them as they were (a crawl that found nothing new) does not rebuild the report."""
    length = (end - start).days + 1
    # the earliest day a section reads: the previous period, the 14 days of context and of spike baselines
    window_from = min(start - timedelta(days=length), end - timedelta(days=13), start - timedelta(days=14))
    rows = run_query(con, "content_stamp", params={"window_from": window_from}, date_to=end).rows
    return list(rows[0]) if rows else []


def _but(inputs: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in inputs.items() if key not in keys}


def _CODE_FILES() -> list[Path]:  # noqa: N802 - a constant computed on use
    here = Path(__file__).parent
    return [*here.glob("*.py"), *(here / "templates").glob("*"), *QUERY_DIR.glob("*.sql")]


def _built_from(folder: Path) -> dict[str, Any] | None:
    """The meta.json of a complete report folder, None when there is none (or it is unreadable)."""
    try:
        if not (folder / "report.html").exists():
            return None
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def _unchanged(paths: Paths, start: date, end: date, meta: dict[str, Any], inputs: dict[str, Any],
               since: dict[str, Any] | None = None) -> dict[str, Any]:
    target = paths.reports / folder_name(start, end)
    if since is None:
        note = (f"report {target.name} unchanged since build {inputs['build_id']} "
                f"(gate run {inputs['gate_run']}): not rebuilt")
    else:
        note = (f"report {target.name} unchanged since build {since.get('build_id')} (gate run "
                f"{since.get('gate_run')}): build {inputs['build_id']} (gate run {inputs['gate_run']}) "
                "changed nothing it shows, not rebuilt")
    log.info("%s", note)
    return {
        "report": str(target / "report.html"),
        "markdown": str(target / "report.md"),
        "tables": [str(target / "tables" / f"{name}.csv") for name in meta.get("tables", [])],
        "period": {"from": start.isoformat(), "to": end.isoformat(), "name": target.name},
        "counts": meta.get("counts", {}),
        "warnings": meta.get("warning_texts", []),
        "run_id": meta.get("run_id"),
        "unchanged": True,
        "build_id": inputs["build_id"],
        "note": note,
    }


def _collect(con: Any, paths: Paths, start: date, end: date, run_id: str | None) -> Report:
    from mediawatch.report import sections
    from mediawatch.report.index import QUALITY_PAGE
    from mediawatch.report.model import Report

    length = (end - start).days + 1
    name = folder_name(start, end)
    # relative from <reports>/<name>/report.html: the project's own page, which works offline
    quality_href = f"../{QUALITY_PAGE}"
    head, counts = sections.headline(con, start, end)
    spikes = sections.alerts(con, start, end)
    counts["spikes"] = len(spikes.tables[0].rows)
    parts = [
        head,
        sections.clusters(con, start, end),
        sections.entity_mentions(con, start, end),
        sections.share_of_voice(con, start, end, paths.watchlist),
        sections.outlet_tone(con, start, end),
        sections.sentiment(con, start, end),
        spikes,
        sections.source_health(con, start, end),
        sections.data_quality(con, quality_href),
    ]
    return Report(
        name=name, date_from=start, date_to=end,
        previous_from=start - timedelta(days=length), previous_to=start - timedelta(days=1),
        generated_at=datetime.now(UTC), run_id=run_id, counts=counts, sections=parts,
    )


def _write_folder(report: Report, folder: Path, inputs: dict[str, Any]) -> list[str]:
    from mediawatch.report.files import parquet_writer, write_csv
    from mediawatch.report.render import render_html, render_markdown

    tables_dir = folder / "tables"
    tables_dir.mkdir()
    names = []
    with parquet_writer() as write_parquet:
        for table in report.tables():
            write_csv(table, tables_dir / f"{table.name}.csv")
            write_parquet(table, tables_dir / f"{table.name}.parquet")
            names.append(table.name)
    (folder / "report.html").write_text(render_html(report), encoding="utf-8")
    (folder / "report.md").write_text(render_markdown(report), encoding="utf-8")
    meta = {
        "name": report.name, "date_from": report.date_from.isoformat(), "date_to": report.date_to.isoformat(),
        "run_id": report.run_id, "generated_at": report.generated_at.isoformat(), "counts": report.counts,
        "warnings": len(report.warnings()), "tables": names,
        "warning_texts": report.warnings(), "inputs": inputs,
    }
    (folder / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return names
