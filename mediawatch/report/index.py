"""The reports index: one page listing every report folder, newest period first."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from mediawatch.report.render import CSS


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
        found.append(meta)
    return sorted(found, key=lambda m: (str(m.get("date_to")), str(m.get("date_from"))), reverse=True)


def render_index(reports: Path) -> str:
    """HTML of the index page (relative links only)."""
    rows = []
    for meta in list_reports(reports):
        counts = meta.get("counts") or {}
        folder = escape(meta["folder"], quote=True)
        rows.append(
            f'<tr><td><a href="{folder}/report.html">{escape(meta["folder"])}</a></td>'
            f"<td>{escape(str(meta.get('generated_at', ''))[:16].replace('T', ' '))}</td>"
            f"<td>{escape(str(meta.get('run_id') or ''))}</td>"
            f'<td class="num">{counts.get("articles", "")}</td><td class="num">{counts.get("sources", "")}</td>'
            f'<td class="num">{counts.get("entities_mentioned", "")}</td>'
            f'<td class="num">{meta.get("warnings", "")}</td>'
            f'<td><a href="{folder}/report.md">md</a></td></tr>'
        )
    docs = (reports / "data-docs")
    docs_link = ""
    if docs.exists():
        pages = sorted(docs.rglob("index.html"), key=lambda p: (len(p.parts), str(p)))
        if pages:
            docs_link = f'<p><a href="{escape(pages[0].relative_to(reports).as_posix(), quote=True)}">Data Docs</a></p>'
    body = "".join(rows) or '<tr><td colspan="8">no reports yet</td></tr>'
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>mediawatch reports</title>'
        f"<style>{CSS}</style></head><body><main><h1>mediawatch reports</h1>{docs_link}"
        "<table><thead><tr><th>period</th><th>generated (UTC)</th><th>run</th><th>articles</th><th>sources</th>"
        "<th>entities mentioned</th><th>warnings</th><th>markdown</th></tr></thead>"
        f"<tbody>{body}</tbody></table></main></body></html>\n"
    )
