"""A load with nothing new is one read-only look: it writes nothing, records no load, publishes
nothing. Anything it would have to do (a new staging or stats file, a changed registry, a load left
unbuilt, a changed SQL model, a missing analyst copy, a changed file) sends it down the usual path."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest
from warehouse_builders import make_paths, rows, write_staging

from mediawatch import pipeline
from mediawatch.config import Paths
from mediawatch.warehouse.load import DIGESTS_FILE


def files_state(paths: Paths) -> dict[str, tuple[int, int]]:
    """(size, mtime_ns) of every file under the data folder: what a load could have written."""
    out = {}
    for path in sorted(paths.data_dir.rglob("*")):
        if path.is_file():
            stat = path.stat()
            out[str(path.relative_to(paths.data_dir))] = (stat.st_size, stat.st_mtime_ns)
    return out


@pytest.fixture
def loaded(tmp_path: Path) -> tuple[Paths, dict]:
    paths = make_paths(tmp_path)
    write_staging(paths, "alpha", "run1", range(0, 6))
    write_staging(paths, "beta", "run1", range(0, 4))
    first = pipeline.load(paths, load_id="load-1")
    assert first["nothing_new"] is False and first["files_loaded"] == 2
    return paths, first


def test_a_load_with_nothing_new_writes_nothing(loaded) -> None:
    paths, first = loaded
    before = files_state(paths)
    again = pipeline.load(paths, load_id="load-2")
    assert again["nothing_new"] is True
    assert files_state(paths) == before  # no warehouse, analyst copy or crawl-state write
    assert again["files_loaded"] == 0 and again["files_already_loaded"] == 2
    assert again["models_built"] == 0 and again["publish_s"] == 0
    for key in ("articles", "sources_with_articles", "mentions", "multi_article_clusters", "quarantined"):
        assert again[key] == first[key], key
    assert set(again) == set(first)
    assert rows(paths, "select load_id from raw.loads order by 1") == [("load-1",)]


def test_a_new_stats_file_alone_is_loaded(loaded) -> None:
    paths, _ = loaded
    stats = json.loads((paths.staging_dir / "alpha" / "run1.stats.json").read_text())
    (paths.staging_dir / "alpha" / "run2.jsonl").write_text("")  # a crawl that found nothing new
    (paths.staging_dir / "alpha" / "run2.stats.json").write_text(json.dumps({**stats, "run_id": "run2"}))
    again = pipeline.load(paths, load_id="load-2")
    assert again["nothing_new"] is False and again["files_loaded"] == 1 and again["pages_loaded"] == 0
    assert ("run2",) in rows(paths, "select run_id from crawl_runs where source = 'alpha'")
    assert pipeline.load(paths, load_id="load-3")["nothing_new"] is True


def test_a_new_staging_file_is_loaded(loaded) -> None:
    paths, first = loaded
    write_staging(paths, "alpha", "run2", range(6, 9))
    again = pipeline.load(paths, load_id="load-2")
    assert again["nothing_new"] is False and again["files_loaded"] == 1
    assert again["articles"] == first["articles"] + 3


def test_a_changed_registry_is_synced(loaded, tmp_path: Path) -> None:
    paths, _ = loaded
    paths.sources.write_text(paths.sources.read_text().replace("crawl_interval: 1h", "crawl_interval: 2h"))
    assert pipeline.load(paths, load_id="load-2")["nothing_new"] is False
    assert rows(paths, "select distinct crawl_interval from raw.source_registry") == [("2h",)]


@pytest.mark.parametrize("damage", ["unbuilt load", "changed model", "no analyst copy", "no crawl state"])
def test_what_is_left_to_build_or_publish_is_done(loaded, damage: str) -> None:
    paths, first = loaded
    if damage in ("unbuilt load", "changed model"):
        con = duckdb.connect(str(paths.warehouse))
        if damage == "unbuilt load":
            con.execute("update raw.loads set status = 'running'")
        else:
            con.execute("update meta.model_state set sql_hash = 'older' where model = 'clusters'")
        con.close()
    elif damage == "no analyst copy":
        paths.analyst_db.unlink()
    else:
        paths.crawl_state.unlink()
    again = pipeline.load(paths, load_id="load-2")
    assert again["nothing_new"] is False and again["articles"] == first["articles"]
    assert paths.analyst_db.exists() and paths.crawl_state.exists()
    if damage == "changed model":
        assert again["models_built"] >= 1
    assert pipeline.load(paths, load_id="load-3")["nothing_new"] is True


def test_a_staging_file_changed_after_loading_is_reported_every_time(loaded) -> None:
    paths, _ = loaded
    staged = paths.staging_dir / "alpha" / "run1.jsonl"
    assert json.loads((paths.staging_dir / DIGESTS_FILE).read_text())["alpha/run1.jsonl"][2]
    staged.write_text(staged.read_text().replace("Story number", "Story No."))
    for load_id in ("load-2", "load-3"):
        again = pipeline.load(paths, load_id=load_id)
        assert again["nothing_new"] is False
        assert any("alpha/run1.jsonl changed after it was loaded" in p for p in again["problems"])


def test_the_digest_cache_is_only_a_cache(loaded) -> None:
    paths, _ = loaded
    cache = paths.staging_dir / DIGESTS_FILE
    cache.write_text("{not json")
    assert pipeline.load(paths, load_id="load-2")["nothing_new"] is True
    cache.unlink()
    os.utime(paths.staging_dir / "beta" / "run1.jsonl")  # a new mtime: hashed again, and it matches
    assert pipeline.load(paths, load_id="load-4")["nothing_new"] is True
