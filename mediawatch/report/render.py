"""Render a Report as one self-contained HTML file (inline CSS and SVG, no script) and as Markdown.

Only article links are absolute URLs, and only http(s) ones become links; everything else the page
refers to (CSV extracts, Data Docs, the index) is a relative path inside the reports folder.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

from mediawatch.report.model import Report, Section, format_cell
from mediawatch.report.queries import Table

LINK_COLUMNS = {"links"}
# the page loads nothing: no script, no fonts, no images beyond inline SVG; a browser enforces it
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

CSS = """
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:0;background:#f4f6f9;color:#1d2330;
line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:34px 0 6px;border-bottom:2px solid #dfe4ec;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
.meta{color:#5a6475;font-size:14px}
nav{margin:14px 0;font-size:14px}nav a{margin-right:14px;color:#2f6fb0;text-decoration:none}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{background:#fff;border:1px solid #dfe4ec;border-radius:8px;padding:12px 18px;min-width:140px}
.card b{display:block;font-size:28px}.card span{color:#5a6475;font-size:13px}
.warn{background:#fff6e0;border:1px solid #e8b84a;border-left:6px solid #e8a317;border-radius:6px;padding:10px 14px;
margin:10px 0;font-size:14px}
.bad{background:#fdecec;border-color:#d9534f;border-left-color:#c9302c}
.ok{background:#eaf6ee;border:1px solid #8cc79f;border-left:6px solid #3a9b5c;border-radius:6px;padding:10px 14px;
font-size:14px}
table{border-collapse:collapse;background:#fff;font-size:13px;margin:8px 0 4px;width:100%}
th,td{border:1px solid #dfe4ec;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef1f6;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.flag td{background:#fdecec}
.chart{background:#fff;border:1px solid #dfe4ec;border-radius:8px;padding:12px;margin:10px 0}
.files{font-size:13px;color:#5a6475}.files a{color:#2f6fb0}
td a{color:#2f6fb0;word-break:break-all}
"""


def is_web_url(text: str) -> bool:
    """True for http(s) URLs with a host: the only absolute links a report may carry."""
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _cell_html(column: str, value: object) -> str:
    if column in LINK_COLUMNS and isinstance(value, str):
        links = []
        for url in value.split():
            if is_web_url(url):
                links.append(f'<a href="{escape(url, quote=True)}" rel="noopener noreferrer">{escape(url)}</a>')
            else:
                links.append(escape(url))
        return "<br>".join(links)
    return escape(format_cell(value))


def table_html(table: Table, flag_column: str | None = None) -> str:
    """An HTML table; numeric columns right-aligned; rows with a true `flag_column` highlighted."""
    numeric = [t in ("BIGINT", "INTEGER", "HUGEINT", "DOUBLE", "SMALLINT") or t.startswith("DECIMAL")
               for t in table.types]
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    body = []
    flag_index = table.columns.index(flag_column) if flag_column in table.columns else None
    for row in table.rows:
        cls = ' class="flag"' if flag_index is not None and row[flag_index] is True else ""
        cells = "".join(
            f'<td class="num">{_cell_html(c, v)}</td>' if num else f"<td>{_cell_html(c, v)}</td>"
            for c, v, num in zip(table.columns, row, numeric, strict=True)
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    if not table.rows:
        body.append(f'<tr><td colspan="{len(table.columns)}">none in this period</td></tr>')
    return (f'<h3>{escape(table.title)}</h3><table data-table="{escape(table.name, quote=True)}">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f'<div class="files">extract: <a href="tables/{escape(table.name)}.csv">{escape(table.name)}.csv</a> · '
            f'<a href="tables/{escape(table.name)}.parquet">{escape(table.name)}.parquet</a></div>')


def section_html(section: Section) -> str:
    """One section: heading, intro, warnings, charts, tables, links."""
    parts = [f'<section id="{escape(section.key)}"><h2>{escape(section.title)}</h2>',
             f"<p>{escape(section.intro)}</p>"]
    for warning in section.warnings:
        parts.append(f'<div class="warn">{escape(warning)}</div>')
    for label, href in section.links:  # before the tables, so the way to the details is seen first
        parts.append(f'<p><a href="{escape(href, quote=True)}">{escape(label)}</a></p>')
    charts = [f'<div class="chart">{c}</div>' if c else "" for c in section.charts]
    tables = [table_html(t, flag_column="failing") for t in section.tables]
    if len(charts) == len(tables):  # one chart per table: keep each chart next to its numbers
        parts += [part for pair in zip(charts, tables, strict=True) for part in pair]
    else:
        parts += charts + tables
    parts.append("</section>")
    return "".join(parts)


def render_html(report: Report) -> str:
    """The whole report as one HTML document."""
    title = f"mediawatch report {report.period_label}"
    cards = "".join(f'<div class="card"><b>{value:,}</b><span>{escape(key.replace("_", " "))}</span></div>'
                    for key, value in report.counts.items())
    warnings = report.warnings()
    summary = ("".join(f'<div class="warn bad">{escape(w)}</div>' for w in warnings) if warnings
               else '<div class="ok">No warnings: data quality checks passed and every source is crawling.</div>')
    nav = "".join(f'<a href="#{escape(s.key)}">{escape(s.title)}</a>' for s in report.sections)
    run = f" · run {escape(report.run_id)}" if report.run_id else ""
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        f'<meta http-equiv="Content-Security-Policy" content="{PAGE_CSP}">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body><main>"
        f"<h1>{escape(title)}</h1>"
        f'<div class="meta">Period {escape(report.period_label)} (compared with '
        f"{escape(report.previous_from.isoformat())} to {escape(report.previous_to.isoformat())}) · generated "
        f"{escape(format_cell(report.generated_at))}{run} · <a href=\"../index.html\">all reports</a> · "
        f'<a href="report.md">Markdown</a></div>'
        f"<nav>{nav}</nav><div class=\"cards\">{cards}</div>{summary}"
        + "".join(section_html(s) for s in report.sections)
        + "</main></body></html>\n"
    )


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_cell(column: str, value: object) -> str:
    if column in LINK_COLUMNS and isinstance(value, str):
        return " ".join(f"<{u}>" if is_web_url(u) else _md_escape(u) for u in value.split())
    return _md_escape(format_cell(value))


def table_markdown(table: Table) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = [f"### {table.title}", "", "| " + " | ".join(_md_escape(c) for c in table.columns) + " |",
             "|" + "|".join("---" for _ in table.columns) + "|"]
    for row in table.rows:
        lines.append("| " + " | ".join(_md_cell(c, v) for c, v in zip(table.columns, row, strict=True)) + " |")
    if not table.rows:
        lines.append("| " + " | ".join(["none in this period"] + [""] * (len(table.columns) - 1)) + " |")
    lines.append(f"\nExtract: tables/{table.name}.csv, tables/{table.name}.parquet\n")
    return "\n".join(lines)


def render_markdown(report: Report) -> str:
    """The report as Markdown: the same tables and numbers, charts left to the HTML version."""
    lines = [f"# mediawatch report {report.period_label}", "",
             f"Period {report.period_label} (compared with {report.previous_from} to {report.previous_to}); "
             f"generated {format_cell(report.generated_at)}" + (f"; run {report.run_id}" if report.run_id else ""),
             ""]
    lines += [f"- **{key.replace('_', ' ')}**: {value}" for key, value in report.counts.items()]
    lines.append("")
    for warning in report.warnings():
        lines.append(f"> **Warning:** {_md_escape(warning)}")
    lines.append("")
    for section in report.sections:
        lines += [f"## {section.title}", "", section.intro, ""]
        lines += [f"> **Warning:** {_md_escape(w)}\n" for w in section.warnings]
        lines += [table_markdown(t) for t in section.tables]
        lines += [f"[{label}]({href})\n" for label, href in section.links]
    return "\n".join(lines) + "\n"
