"""The reports index (every report folder, newest period first) and the data-quality page.

Both are rendered from Jinja2 templates, self-contained like the reports. The data-quality page
(`<reports>/quality.html`) lists the latest gate runs' checks from the analyst copy; it is what the
reports link to, because Great Expectations' own Data Docs load their styling from CDNs.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mediawatch.report.render import render_template

QUALITY_PAGE = "quality.html"
QUALITY_RUNS = 10


def list_reports(reports: Path) -> list[dict[str, Any]]:
    """Metadata of each complete report folder (those with meta.json and report.html), newest first."""
    found = []
    for meta_path in reports.glob("*/meta.json"):
        folder = meta_path.parent
        if folder.name.startswith(".") or not (folder / "report.html").exists():
            continue
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a damaged folder is skipped, not fatal
        meta["folder"] = folder.name
        meta.setdefault("counts", {})
        meta["counts"] = {k: meta["counts"].get(k, "") for k in ("articles", "sources", "entities_mentioned")}
        meta["generated_at"] = str(meta.get("generated_at") or "")
        meta.setdefault("run_id", None)
        meta.setdefault("warnings", "")
        found.append(meta)
    return sorted(found, key=lambda m: (str(m.get("date_to")), str(m.get("date_from"))), reverse=True)


def find_data_docs(reports: Path) -> Path | None:
    """The Data Docs index page under `<reports>/data-docs/`, if the quality gate built one."""
    root = reports / "data-docs"
    pages = sorted(root.rglob("index.html"), key=lambda p: (len(p.parts), str(p))) if root.exists() else []
    return pages[0] if pages else None


def render_index(reports: Path) -> str:
    """HTML of the index page (relative links only)."""
    has_quality = (reports / QUALITY_PAGE).exists()
    return render_template("index.html.j2", reports=list_reports(reports),
                           quality_href=QUALITY_PAGE if has_quality else None, quality_label="Data quality")


def render_quality_page(con: Any, reports: Path) -> str:
    """HTML of the data-quality page: every check of the latest gate runs."""
    from mediawatch.report.queries import run_query

    table = run_query(con, "dq_runs", title="Checks of the latest gate runs", params={"runs": QUALITY_RUNS})
    records = table.records()
    totals: Counter[str] = Counter(r["run_id"] for r in records)
    passed: Counter[str] = Counter(r["run_id"] for r in records if r["success"])
    summary = [(run_id, passed[run_id], total) for run_id, total in totals.items()]
    docs = find_data_docs(reports)
    return render_template("quality.html.j2", results=table, runs_summary=summary, runs=QUALITY_RUNS,
                           generated_at=datetime.now(UTC),
                           data_docs=docs.relative_to(reports).as_posix() if docs else None)
