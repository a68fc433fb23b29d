"""Known-page state: the loader's parquet export plus unloaded staging files; feed validators."""

import duckdb

from mediawatch.records import ARTICLE, FAILED, ArticleRecord, StagedPage
from mediawatch.staging import StagingWriter
from spiders.state import HttpState, KnownState

from .conftest import make_paths


def export_parquet(path, rows):
    with duckdb.connect(":memory:") as con:
        con.execute(
            "create table s (url varchar, canonical_url varchar, content_hash varchar,"
            " lastmod timestamptz, etag varchar, last_modified varchar, fetched_at timestamptz)"
        )
        if rows:
            con.executemany("insert into s values (?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute(f"copy s to '{path}' (format parquet)")


def test_known_state_merges_parquet_export_and_staging(tmp_path):
    paths = make_paths(tmp_path, tmp_path / "sources.yaml")
    paths.data_dir.mkdir(parents=True)
    export_parquet(
        paths.crawl_state,
        [
            (
                "http://x.com/a/?utm_source=t",
                "http://x.com/a-canonical/",
                "h1",
                "2024-05-01 08:00:00+00",
                '"e1"',
                None,
                "2024-05-01 09:00:00+00",
            ),
        ],
    )
    writer = StagingWriter(paths.staging_dir, "x", "r1")
    writer.write(
        StagedPage(
            run_id="r1",
            source="x",
            url="http://x.com/b/",
            kind=ARTICLE,
            fetched_at="2024-05-02T00:00:00+00:00",
            lastmod=None,
            article=ArticleRecord(url="http://x.com/b/", canonical_url="http://x.com/b/"),
        )
    )
    writer.write(
        StagedPage(
            run_id="r1",
            source="x",
            url="http://x.com/c/",
            kind=FAILED,
            fetched_at="2024-05-02T00:00:00+00:00",
            reason="timeout",
        )
    )
    writer.close()

    state = KnownState.load(paths, "x")
    a = state.get("http://x.com/a/")
    assert a is not None and a.etag == '"e1"'
    assert state.get("http://x.com/a-canonical/") is a  # known under its canonical URL too
    assert not a.changed_since("2024-05-01T07:00:00Z") and a.changed_since("2024-05-03T00:00:00Z")
    assert not a.changed_since(None)
    b = state.get("http://x.com/b/")
    assert b is not None and b.changed_since("2024-05-02T00:00:01Z")  # newer than its fetch time
    assert state.get("http://x.com/c/") is None  # failed pages are fetched again


def test_missing_or_broken_export_means_empty_state(tmp_path):
    paths = make_paths(tmp_path, tmp_path / "sources.yaml")
    assert len(KnownState.load(paths, "x")) == 0
    paths.data_dir.mkdir(parents=True)
    paths.crawl_state.write_bytes(b"not parquet")
    assert len(KnownState.load(paths, "x")) == 0


def test_http_state_round_trip_and_conditional_headers(tmp_path):
    paths = make_paths(tmp_path, tmp_path / "sources.yaml")
    state = HttpState.load(paths, "x")
    assert state.headers_for("http://x.com/feed") == {}
    state.remember("http://x.com/feed", '"v1"', "Wed, 01 May 2024 08:00:00 GMT")
    state.save()
    again = HttpState.load(paths, "x")
    assert again.headers_for("http://x.com/feed") == {
        "If-None-Match": '"v1"',
        "If-Modified-Since": "Wed, 01 May 2024 08:00:00 GMT",
    }
    assert again.path == paths.data_dir / "crawl_http_state" / "x.json"
    again.path.write_text("{broken")
    assert HttpState.load(paths, "x").validators == {}


def test_staging_files_older_than_the_export_are_taken_as_loaded(tmp_path):
    import os
    import time

    paths = make_paths(tmp_path, tmp_path / "sources.yaml")
    paths.data_dir.mkdir(parents=True)
    for run, url in (("old", "http://x.com/old/"), ("new", "http://x.com/new/")):
        writer = StagingWriter(paths.staging_dir, "x", run)
        writer.write(
            StagedPage(
                run_id=run,
                source="x",
                url=url,
                kind=ARTICLE,
                fetched_at="2024-05-02T00:00:00+00:00",
            )
        )
        writer.close()
    export_parquet(paths.crawl_state, [])
    an_hour_ago = time.time() - 3600
    os.utime(paths.staging_dir / "x" / "old.jsonl", (an_hour_ago, an_hour_ago))
    state = KnownState.load(paths, "x")
    assert state.get("http://x.com/new/") is not None  # written after the export: not loaded yet
    assert state.get("http://x.com/old/") is None  # loaded before the export (not in it: empty)
