"""The load's analysis across worker processes gives exactly what the loader's own process gives,
and a worker that dies costs speed, never rows."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mediawatch.warehouse.analysis_pool import AnalysisPool, analyse_rows, pool_size

WATCHLIST = (
    "entities:\n  - {name: Xiaomi, type: company}\n  - {name: BAIC, type: company}\n"
    "  - {name: Tesla, type: company, aliases: [Tesla Motors]}\n"
)
SENTENCES = [
    "Xiaomi showed a new car beside BAIC at the show.",
    "Tesla Motors cut prices again, a terrible day for rivals.",
    "Analysts said the launch was a great success for Xiaomi.",
    "BAIC stayed quiet about its plans for next year.",
    "Nobody mentioned anything of note in this sentence.",
]
NOW = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def _rows(count: int) -> list[dict[str, object]]:
    rows = []
    for i in range(count):
        body = "\n".join(SENTENCES[(i + k) % len(SENTENCES)] + f" Item {i}." for k in range(4))
        rows.append(
            {
                "article_id": f"a{i:04d}",
                "content_hash": hashlib.sha256(body.encode()).hexdigest(),
                "url": f"https://example.test/news/{i}",
                "canonical_url": None,
                "title": "Xiaomi and BAIC" if i % 3 == 0 else "Car news",
                "body": body,
                "language": "en" if i % 5 else None,  # some detected, not declared
                "authors": ["Jane Doe"] if i % 2 else None,
            }
        )
    return rows


@pytest.fixture
def watchlist(tmp_path: Path) -> Path:
    path = tmp_path / "watchlist.yaml"
    path.write_text(WATCHLIST)
    return path


def test_workers_give_what_the_loader_gives(watchlist: Path) -> None:
    rows = _rows(250)
    expected = analyse_rows(rows, str(watchlist), "digest", NOW)
    with AnalysisPool(2, watchlist, "digest") as pool:
        got = pool.map(rows, NOW)
        assert len(pool._started) == 2  # really ran in two other processes
    assert got == expected
    analysis, mentions, bands = got
    assert analysis["article_id"] == [r["article_id"] for r in rows]  # every row, in order
    assert len(mentions["article_id"]) > 250  # mentions found
    assert {len(v) for v in analysis.values()} == {250}  # insert-ready: one value a row a column
    assert len({len(v) for v in mentions.values()}) == 1
    assert [len(keys) for keys in bands] == [16] * 250  # each row's LSH band keys


def test_a_dead_worker_loses_no_row(watchlist: Path) -> None:
    rows = _rows(300)
    expected = analyse_rows(rows, str(watchlist), "digest", NOW)
    with AnalysisPool(2, watchlist, "digest") as pool:
        assert pool.map(rows[:200], NOW) == analyse_rows(rows[:200], str(watchlist), "digest", NOW)
        for worker in pool._started:
            worker.proc.kill()
            worker.proc.wait()
        got = pool.map(rows, NOW)
        assert pool.faults >= 1
        assert pool.batches_in_process >= 1
    assert got == expected


def test_pool_size_defaults_and_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDIAWATCH_ANALYSIS_WORKERS", raising=False)
    assert pool_size(10) == 0  # a small load never pays for worker start-up
    monkeypatch.setenv("MEDIAWATCH_ANALYSIS_WORKERS", "3")
    assert pool_size(10) == 3
    monkeypatch.setenv("MEDIAWATCH_ANALYSIS_WORKERS", "two")
    with pytest.raises(ValueError, match="MEDIAWATCH_ANALYSIS_WORKERS"):
        pool_size(10)


MENTION_ROWS = (
    "select article_id, content_hash, entity, field, start_pos, end_pos, snippet, sentence_id, "
    "sentiment from analysis.mentions order by all"
)


def test_a_load_analysed_by_workers_equals_one_analysed_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb
    from warehouse_builders import make_paths, write_staging

    from mediawatch import pipeline

    tables = {}
    for workers in ("0", "2"):
        monkeypatch.setenv("MEDIAWATCH_ANALYSIS_WORKERS", workers)
        paths = make_paths(tmp_path / f"workers-{workers}")
        write_staging(paths, "alpha", "run1", range(0, 30))
        write_staging(paths, "beta", "run1", range(0, 20))
        summary = pipeline.load(paths)
        assert summary["articles"] == 50
        con = duckdb.connect(str(paths.warehouse), read_only=True)
        try:
            tables[workers] = (
                con.execute(MENTION_ROWS).fetchall(),
                con.execute("select article_id, sentiment, signature, cluster_id "
                            "from analysis.article_analysis order by all").fetchall(),
            )
        finally:
            con.close()
    assert tables["0"] == tables["2"]
    assert tables["0"][0]  # the fixture bodies do mention watched entities
