"""What a report is made of, independent of its format: sections holding tables, charts and notes.

`format_cell` is the one place a value becomes display text, so the HTML and the Markdown show the
same strings; `csv_cell` is the machine-friendly form written to the CSV extracts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from mediawatch.report.queries import Table

MISSING = "–"


@dataclass
class Section:
    """One part of the report: a heading, a sentence of context, tables, SVG charts, warnings."""

    key: str
    title: str
    intro: str
    tables: list[Table] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, relative href)


@dataclass
class Report:
    """Everything rendered into report.html and report.md."""

    name: str  # folder name: the day, or <from>_<to>
    date_from: date
    date_to: date
    previous_from: date
    previous_to: date
    generated_at: datetime
    run_id: str | None
    counts: dict[str, int]
    sections: list[Section]

    @property
    def period_label(self) -> str:
        if self.date_from == self.date_to:
            return self.date_from.isoformat()
        return f"{self.date_from.isoformat()} to {self.date_to.isoformat()}"

    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]

    def warnings(self) -> list[str]:
        return [w for s in self.sections for w in s.warnings]


def format_cell(value: Any) -> str:
    """Display text of one value (HTML and Markdown)."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return format(value, ".6g")
    return str(value)


def csv_cell(value: Any) -> str:
    """CSV text of one value: empty for null, ISO 8601 for times, true/false for booleans."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
