"""Read the tables back out of a report's HTML and Markdown, to compare them with SQL and CSV."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._current: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and attributes.get("data-table"):
            self._current = attributes["data-table"]
            self.tables[self._current] = []
        elif tag == "tr" and self._current:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._current:
            self.tables[self._current].append(self._row)
            self._row = None
        elif tag == "table":
            self._current = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_tables(html: str) -> dict[str, list[list[str]]]:
    """{table name: rows of cell text, header row first} for every data table of a report."""
    parser = _TableParser()
    parser.feed(html)
    return parser.tables


def markdown_tables(markdown: str) -> dict[str, list[list[str]]]:
    """{table name: rows of cell text, header first}; the name comes from the table's extract line."""
    tables: dict[str, list[list[str]]] = {}
    rows: list[list[str]] = []
    for line in markdown.splitlines():
        if line.startswith("| "):
            # autolinks <http://...> lose their brackets; escaped characters lose their backslash
            cells = [re.sub(r"(?<!\\)[<>]", "", c.strip()) for c in _split_md(line)]
            rows.append([unescape(re.sub(r"\\(.)", r"\1", c)) for c in cells])
        elif line.startswith("|---"):
            continue
        elif line.startswith("Extract: tables/") and rows:
            name = line.split("tables/")[1].split(".csv")[0]
            tables[name] = rows
            rows = []
    return tables


def _split_md(line: str) -> list[str]:
    cells, current, escaped = [], [], False
    for ch in line.strip()[1:-1]:
        if escaped:
            current.append("\\" + ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "|":
            cells.append("".join(current))
            current = []
        else:
            current.append(ch)
    cells.append("".join(current))
    return cells
