"""Quarantine round trip through the CLI: the gate holds bad versions, `quarantine list` shows them,
`quarantine release` puts them back in every mart (with their mentions), and the gate leaves them be."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gate_builders import (
    article_id,
    body_text,
    good_batch,
    load,
    make_paths,
    page,
    query,
    recently,
    stage,
)
from typer.testing import CliRunner

from mediawatch.checks import release, run_gate
from mediawatch.cli import app
from mediawatch.config import Paths


def cli(paths: Paths, *args: str) -> tuple[int, str]:
    options = ["--sources", str(paths.sources), "--watchlist", str(paths.watchlist),
               "--warehouse", str(paths.warehouse), "--reports", str(paths.reports)]
    # a wide virtual terminal, so the table does not wrap the values the test looks for
    result = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["quarantine", *args, *options])
    return result.exit_code, result.stdout


@pytest.fixture
def held_paths(tmp_path: Path) -> Paths:
    """A warehouse where the gate has quarantined two untitled articles that mention Tesla."""
    paths = make_paths(tmp_path)
    when = recently()
    good_batch(paths, "run1", when)
    untitled = [
        page("alpha", "run2", f"untitled-{i}", when, title=None, body=f"Tesla cut prices. {body_text(str(i))}")
        for i in range(2)
    ]
    stage(paths, "alpha", "run2", untitled, when)
    load(paths)
    assert query(paths.warehouse, "select count(*) from mentions where entity = 'Tesla'") == [(2,)]
    assert run_gate(paths, "gate1")["quarantined"] == 2
    return paths


def test_list_shows_held_versions_and_release_needs_a_target(held_paths: Paths) -> None:
    code, out = cli(held_paths, "list", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert sorted(r["article_id"] for r in rows) == sorted(article_id("alpha", f"untitled-{i}") for i in range(2))
    assert {r["reason"] for r in rows} == {"failed title_present"}
    code, out = cli(held_paths, "list")
    assert code == 0 and "title_present" in out
    # release needs exactly one target, and an unknown article is an error
    assert cli(held_paths, "release")[0] == 2
    assert cli(held_paths, "release", "abc", "--all")[0] == 2
    assert cli(held_paths, "release", "no-such-article")[0] == 1
    assert query(held_paths.warehouse, "select count(*) from quarantine where released_at is null") == [(2,)]


def test_release_puts_an_article_back_everywhere(held_paths: Paths) -> None:
    released_id = article_id("alpha", "untitled-0")
    summary = release(held_paths, released_id, "titles are optional for this source")

    assert summary["released"] == 1 and summary["articles"] == [released_id]
    for db in (held_paths.warehouse, held_paths.analyst_db):
        assert query(db, "select count(*) from articles where article_id = ?", [released_id]) == [(1,)]
        assert query(db, "select count(*) from mentions where article_id = ?", [released_id]) == [(1,)]
    assert query(held_paths.warehouse, "select release_reason, released_at is not null from quarantine "
                 "where article_id = ?", [released_id]) == [("titles are optional for this source", True)]
    # checked once: the next gate run does not quarantine it again
    again = run_gate(held_paths, "gate2")
    assert again["quarantined"] == 0 and again["passed"] is True
    assert query(held_paths.analyst_db, "select count(*) from articles where article_id = ?", [released_id]) == [(1,)]


def test_release_all_from_the_cli(held_paths: Paths) -> None:
    code, out = cli(held_paths, "release", "--all", "--reason", "false alarm")
    assert code == 0 and json.loads(out)["released"] == 2
    assert query(held_paths.analyst_db, "select count(*) from articles") == [(12,)]
    assert query(held_paths.analyst_db, "select count(*) from mentions where entity = 'Tesla'") == [(2,)]
    code, out = cli(held_paths, "list", "--json")
    assert code == 0 and out.strip() == ""
    code, out = cli(held_paths, "list", "--released", "--json")
    assert {json.loads(line)["release_reason"] for line in out.splitlines()} == {"false alarm"}
    # nothing left to release: a clear error, not a silent success
    code, _ = cli(held_paths, "release", "--all")
    assert code == 1
