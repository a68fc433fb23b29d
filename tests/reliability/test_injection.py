"""Injection: SQL in source names, watchlist names, aliases and queries, and report dates is data or
a clear validation error, end to end (load -> report -> analyst query), never SQL.

Already proven elsewhere: an entity named `Robert'); DROP TABLE articles;--`, a competitor set named
`Phones' OR 1=1 --` and a staged source `evil'); DROP TABLE sources;--` are stored and shown escaped,
and bad report dates raise ReportError (tests/report/test_report_numbers.py::
test_injection_attempts_are_data); report plugin path traversal (tests/report/test_report_plugin.py).
"""

from __future__ import annotations

import hashlib
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from mediawatch import pipeline
from mediawatch.config import REPO_ROOT, Paths
from mediawatch.records import ARTICLE, ArticleRecord, StagedPage
from mediawatch.sources import RegistryError, load_registry
from mediawatch.warehouse.db import connect_reader

from .conftest import query

EVIL_NAME = "Acme'); DROP TABLE mentions; --"
EVIL_ALIAS = "Acme\" OR 1=1; --"
EVIL_TERM = "x' UNION SELECT body FROM articles --"
REGISTRY = """version: 1
sources:
  - name: {name}
    homepage: https://news.example.com/
    allowed_domains: [news.example.com]
    feeds: [https://news.example.com/feed/]
    language: en
    country: US
    crawl_interval: 1h
"""
WATCHLIST = yaml.safe_dump({"entities": [
    {"name": EVIL_NAME, "type": "company", "aliases": [EVIL_ALIAS]},
    {"name": "Globex", "type": "company", "query": f'"{EVIL_TERM}" OR Globex'},
]})


@pytest.mark.parametrize("name", ["news'); drop table articles; --", "news; DROP", "News", "a b"])
def test_a_source_name_that_is_not_an_identifier_is_rejected(tmp_path: Path, name: str) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(REGISTRY.format(name=repr(name)))
    with pytest.raises(RegistryError, match="name"):
        load_registry(path)


def stage_articles(paths: Paths) -> None:
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    folder = paths.staging_dir / "news"
    folder.mkdir(parents=True)
    bodies = {
        "evil-name": f"{EVIL_NAME} said on Monday that results beat forecasts. " * 4,
        "evil-alias": f"Analysts wrote {EVIL_ALIAS} in a note about the quarter. " * 4,
        "evil-term": f"The phrase {EVIL_TERM} appeared in a Globex filing this week. " * 4,
    }
    lines = []
    for slug, body in bodies.items():
        url = f"https://news.example.com/2026/11/{slug}/"
        record = ArticleRecord(url=url, canonical_url=url, title=f"Story {slug}", language="en",
                               published_at=when.isoformat(), body=body, word_count=len(body.split()))
        lines.append(StagedPage(run_id="r1", source="news", url=url, fetched_at=when.isoformat(),
                                kind=ARTICLE, status=200, article=record,
                                content_hash=hashlib.sha256(body.encode()).hexdigest()).to_json())
    (folder / "r1.jsonl").write_text("\n".join(lines) + "\n")
    (folder / "r1.stats.json").write_text('{"run_id": "r1", "source": "news", "articles": 3}')


@pytest.fixture(scope="module")
def evil_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    root = tmp_path_factory.mktemp("injection")
    (root / "sources.yaml").write_text(REGISTRY.format(name="news"))
    (root / "watchlist.yaml").write_text(WATCHLIST)
    paths = Paths(sources=root / "sources.yaml", watchlist=root / "watchlist.yaml",
                  warehouse=root / "data" / "warehouse.duckdb", reports=root / "reports").ensure()
    stage_articles(paths)
    pipeline.load(paths)
    return paths


def test_watchlist_names_aliases_and_query_terms_are_data(evil_warehouse: Paths) -> None:
    mentions = dict(query(evil_warehouse.warehouse,
                          "select entity, count(distinct article_id) from mentions group by 1"))
    assert mentions[EVIL_NAME] == 2  # by its name, and by its alias
    assert mentions["Globex"] == 1
    tables = {r[0] for r in query(evil_warehouse.warehouse, "select table_name from duckdb_tables()")}
    assert {"articles", "mentions", "sources"} <= tables
    assert query(evil_warehouse.warehouse, "select count(*) from articles") == [(3,)]


def test_the_report_and_analyst_queries_take_them_as_data(evil_warehouse: Paths) -> None:
    built = pipeline.report(evil_warehouse, run_id="r1'; drop table articles; --")
    html = Path(built["report"]).read_text()
    # html.escape writes &#x27;, Jinja2's autoescape &#39;: either way the quote is text, not markup
    assert ("Acme&#39;); DROP TABLE mentions; --" in html or "Acme&#x27;); DROP TABLE mentions; --" in html)
    assert EVIL_NAME not in html
    con = connect_reader(evil_warehouse.analyst_db)
    try:
        (count,) = con.execute("select count(*) from mentions where entity = ?", [EVIL_NAME]).fetchone()
        hits = con.execute("select count(*) from articles where body like '%' || ? || '%'",
                           [EVIL_TERM]).fetchone()
    finally:
        con.close()
    assert count >= 2 and hits == (1,)
    assert query(evil_warehouse.warehouse, "select count(*) from articles") == [(3,)]


@pytest.mark.parametrize("bad", ["2026-11-26'; drop table articles; --", "2026-11-26 or 1=1"])
def test_report_dates_from_the_command_line_are_validated(evil_warehouse: Paths, bad: str) -> None:
    done = subprocess.run(
        [str(REPO_ROOT / ".venv" / "bin" / "mediawatch"), "report", "--from", bad,
         "--sources", str(evil_warehouse.sources), "--watchlist", str(evil_warehouse.watchlist),
         "--warehouse", str(evil_warehouse.warehouse), "--reports", str(evil_warehouse.reports)],
        capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "--from" in done.stderr or "date" in done.stderr.lower(), done.stderr[-500:]
    assert query(evil_warehouse.warehouse, "select count(*) from articles") == [(3,)]
