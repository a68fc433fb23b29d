"""The whole pipeline through the CLI on the fixture web: `mediawatch run`, twice, and `analyze`
agreeing with what the warehouse stored for the same pages."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from mediawatch.config import REPO_ROOT
from mediawatch.fixture_web import FixtureWeb
from mediawatch.warehouse.db import connect_reader

MEDIAWATCH = str(Path(sys.executable).parent / "mediawatch")
FAST = ["--setting", "AUTOTHROTTLE_ENABLED=False", "--setting", "DOWNLOAD_DELAY=0"]


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("e2e")
    with FixtureWeb(seed=3, articles=4) as web:
        sources = web.write_sources(root / "sources.yaml")
        args = ["--sources", str(sources), "--warehouse", str(root / "wh.duckdb"),
                "--reports", str(root / "reports"), "--watchlist", str(REPO_ROOT / "watchlist.yaml")]
        first = subprocess.run([MEDIAWATCH, "run", *args, *FAST], capture_output=True, text=True, timeout=600)
        second = subprocess.run([MEDIAWATCH, "run", *args, *FAST], capture_output=True, text=True, timeout=600)
        yield {"web": web, "root": root, "args": args, "first": first, "second": second,
               "truth": web.ground_truth()}


def last_json(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_run_ends_with_one_json_line_of_paths_and_counts(pipeline_run: dict) -> None:
    result = last_json(pipeline_run["first"])
    for key in ("warehouse", "analyst_db", "report"):
        assert Path(result[key]).exists(), key
    assert result["load"]["articles"] == len(pipeline_run["truth"])
    assert result["gate"]["passed"] is True


def test_every_fixture_article_is_stored_exactly_once(pipeline_run: dict) -> None:
    con = connect_reader(Path(last_json(pipeline_run["first"])["analyst_db"]))
    stored = [u for (u,) in con.execute("select canonical_url from articles").fetchall()]
    assert len(stored) == len(set(stored))
    assert sorted(stored) == sorted(pipeline_run["truth"])


def test_a_second_run_adds_no_duplicates(pipeline_run: dict) -> None:
    second = last_json(pipeline_run["second"])
    assert second["load"]["new_versions"] == 0
    assert second["load"]["articles"] == len(pipeline_run["truth"])


def test_analyze_gives_exactly_the_mentions_the_warehouse_stored(pipeline_run: dict, tmp_path: Path) -> None:
    con = connect_reader(Path(last_json(pipeline_run["first"])["analyst_db"]))
    urls = sorted(pipeline_run["truth"])[:: max(1, len(pipeline_run["truth"]) // 6)]
    files = []
    for i, url in enumerate(urls):
        with urllib.request.urlopen(url, timeout=30) as resp:  # the same page the crawl fetched
            page = tmp_path / f"page{i}.html"
            page.write_bytes(resp.read())
            files.append((url, page))
    compared = 0
    for url, page in files:
        out = subprocess.run([MEDIAWATCH, "analyze", str(page), "--url", url, "--json"], capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        preview = json.loads(out.stdout)
        mine = sorted((m["entity"], m["matched_text"], m["field"], m["start"], m["end"], m["snippet"])
                      for m in preview["mentions"])
        stored = sorted(con.execute(
            "select m.entity, m.matched_text, m.field, m.start_pos, m.end_pos, m.snippet from mentions m "
            "join articles a using (article_id) where a.canonical_url = ?", [url]).fetchall())
        assert mine == stored, url
        compared += len(mine)
    assert compared > 0


def test_the_syndicated_story_forms_one_cluster_across_two_sites(pipeline_run: dict) -> None:
    con = connect_reader(Path(last_json(pipeline_run["first"])["analyst_db"]))
    pairs = [(url, meta["syndicated_of"]) for url, meta in pipeline_run["truth"].items() if meta["syndicated_of"]]
    assert pairs, "the fixture web republishes at least one story"
    for copy, original in pairs:
        rows = dict(con.execute(
            "select canonical_url, cluster_id from articles where canonical_url in (?, ?)", [copy, original]
        ).fetchall())
        assert rows[copy] == rows[original], (copy, original)
        sources = con.execute("select sources from clusters where cluster_id = ?", [rows[copy]]).fetchone()
        assert sources == (2,)
