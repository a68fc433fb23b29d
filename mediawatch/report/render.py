"""Render a Report as one self-contained HTML file (inline CSS and SVG, no script) and as Markdown.

Both come from Jinja2 templates in `templates/`: the HTML environment autoescapes everything (only
the SVG charts, drawn by `charts` with every text escaped, are marked safe); the Markdown one escapes every value with
the `md` filter, so a headline holding `<b>` or `*` is shown as written, never as markup. Only
article links are absolute URLs, and only http(s) ones become links; everything else the page refers
to (CSV extracts, the data-quality page, the index) is a relative path inside the reports folder.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2

from mediawatch.report.model import Report, format_cell

TEMPLATES = Path(__file__).parent / "templates"
LINK_COLUMNS = {"links"}
# the page loads nothing: no script, no fonts, no images beyond inline SVG; a browser enforces it
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CSS = (TEMPLATES / "report.css").read_text(encoding="utf-8")
NUMERIC_TYPES = ("BIGINT", "INTEGER", "HUGEINT", "DOUBLE", "SMALLINT", "FLOAT")
# Markdown punctuation that could start markup, plus the HTML that Markdown passes through
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def is_web_url(text: object) -> bool:
    """True for http(s) URLs with a host: the only absolute links a report may carry."""
    if not isinstance(text, str):
        return False
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def is_numeric_type(duckdb_type: str) -> bool:
    return duckdb_type in NUMERIC_TYPES or duckdb_type.startswith("DECIMAL")


def md_escape(text: object) -> str:
    """Markdown-safe text: markup characters backslash-escaped, `&` as an entity, one line."""
    value = str(text).replace("\r", " ").replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", value).replace("&", "&amp;")


def md_cell(column: str, value: object) -> str:
    """A Markdown table cell: article URLs as autolinks, everything else escaped."""
    if column in LINK_COLUMNS and isinstance(value, str):
        return " ".join(f"<{u}>" if is_web_url(u) and ">" not in u else md_escape(u) for u in value.split())
    return md_escape(format_cell(value))


@cache
def _environment(kind: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=kind == "html",
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["cell"] = format_cell
    env.filters["md"] = md_escape
    env.filters["is_numeric_type"] = is_numeric_type
    env.tests["web_url"] = is_web_url
    env.globals.update(link_columns=LINK_COLUMNS, md_cell=md_cell, css=CSS, csp=PAGE_CSP)
    return env


def render_template(name: str, **context: Any) -> str:
    """Render one template of `templates/` (HTML templates autoescape, Markdown ones do not)."""
    return _environment("md" if name.endswith(".md.j2") else "html").get_template(name).render(**context)


def render_html(report: Report) -> str:
    """The whole report as one HTML document."""
    return render_template("report.html.j2", report=report, warnings=report.warnings(),
                           title=f"mediawatch report {report.period_label}")


def render_markdown(report: Report) -> str:
    """The report as Markdown: the same tables and numbers, charts left to the HTML version."""
    text = render_template("report.md.j2", report=report, warnings=report.warnings())
    return re.sub(r"\n{3,}", "\n\n", text)
