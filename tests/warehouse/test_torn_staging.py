"""A torn or unreadable staging file, after a real crawl of the fixture web on 127.0.0.1: its
complete lines are loaded under their own line numbers, the torn tail is kept byte for byte in
`<run>.jsonl.rejected` (the staging file is not changed), the load reports it, and the next gate
run warns once, naming the file."""

from __future__ import annotations

import json
from typing import Any

import pytest
from reliability.conftest import FAST, make_paths, query

from mediawatch import pipeline
from mediawatch.fixture_web import FixtureWeb


@pytest.fixture(scope="module")
def torn(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("torn")
    with FixtureWeb(seed=17, articles=8) as web:
        paths = make_paths(root, web.write_sources(root / "sources.yaml"))
        pipeline.crawl_one(paths, "techpress", "crawl-1", dict(FAST))
        pipeline.crawl_one(paths, "newsmodern", "crawl-1", dict(FAST))
    folder = paths.staging_dir / "techpress"
    staged = folder / "crawl-1.jsonl"
    data = staged.read_bytes()
    lines = data.splitlines(keepends=True)
    cut = len(data) - len(lines[-1]) // 2  # the disk filled up half-way through the last line
    staged.write_bytes(data[:cut])
    # another run's file with a corrupt line in the middle, and one that is not text at all
    other = (paths.staging_dir / "newsmodern" / "crawl-1.jsonl")
    other_lines = other.read_bytes().splitlines(keepends=True)
    other.write_bytes(b"".join(other_lines[:2]) + b'{"run_id": "crawl-1", "url": \n' + b"".join(other_lines[2:]))
    (folder / "garbage.jsonl").write_bytes(b"\xff\xfe\x00binary\x00\n" * 3)
    loaded = pipeline.load(paths)
    gate_1 = pipeline.check(paths, "gate-1")
    gate_2 = pipeline.check(paths, "gate-2")
    return {"paths": paths, "lines": lines, "cut": cut, "data": data, "other_lines": other_lines,
            "loaded": loaded, "gates": (gate_1, gate_2)}


def test_the_complete_lines_are_loaded_under_their_line_numbers(torn: dict[str, Any]) -> None:
    paths = torn["paths"]
    complete = len(torn["lines"]) - 1
    rows = query(paths.warehouse, "select line_no, url from raw.pages where staging_file = "
                 "'techpress/crawl-1.jsonl' order by line_no")
    assert [r[0] for r in rows] == list(range(1, complete + 1))
    assert [r[1] for r in rows] == [json.loads(line)["url"] for line in torn["lines"][:complete]]
    # the corrupt middle line is skipped, the lines after it keep their numbers
    numbers = [r[0] for r in query(paths.warehouse, "select line_no from raw.pages where staging_file = "
                                   "'newsmodern/crawl-1.jsonl' order by line_no")]
    assert numbers == [1, 2, *range(4, len(torn["other_lines"]) + 2)]


def test_the_torn_tail_is_kept_and_the_staging_file_unchanged(torn: dict[str, Any]) -> None:
    folder = torn["paths"].staging_dir / "techpress"
    assert (folder / "crawl-1.jsonl").read_bytes() == torn["data"][: torn["cut"]]
    tail_start = len(torn["data"]) - len(torn["lines"][-1])
    assert (folder / "crawl-1.jsonl.rejected").read_bytes() == torn["data"][tail_start : torn["cut"]]


def test_the_load_reports_each_file(torn: dict[str, Any]) -> None:
    problems = " | ".join(torn["loaded"]["problems"])
    assert f"techpress/crawl-1.jsonl: loaded {len(torn['lines']) - 1} complete line(s); 1 unreadable" in problems
    assert "newsmodern/crawl-1.jsonl: loaded" in problems
    assert "techpress/garbage.jsonl: could not be read" in problems
    rows = dict(query(torn["paths"].warehouse, "select staging_file, lines_rejected from raw.staging_rejects"))
    assert rows == {"techpress/crawl-1.jsonl": 1, "newsmodern/crawl-1.jsonl": 1, "techpress/garbage.jsonl": 3}
    # the unreadable file is not marked loaded: it is retried (and recorded) by the next load
    (marked,) = query(torn["paths"].warehouse, "select count(*) from raw.loaded_files "
                      "where staging_file = 'techpress/garbage.jsonl'")
    assert marked == (0,)


def test_the_gate_warns_once_naming_the_files(torn: dict[str, Any]) -> None:
    paths = torn["paths"]
    gate_1, gate_2 = torn["gates"]
    warning = next(w for w in gate_1["warnings"] if w["check"] == "staging_files_intact")
    assert "techpress/crawl-1.jsonl" in warning["observed"] and ".rejected" in warning["observed"]
    assert gate_1["passed"] is True
    assert "staging_files_intact" not in {w["check"] for w in gate_2["warnings"]}
    ((severity, success),) = query(paths.warehouse, "select severity, success from dq_results "
                                   "where run_id = 'gate-1' and expectation = 'staging_files_intact'")
    assert (severity, success) == ("warning", False)
