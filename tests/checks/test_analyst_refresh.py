"""A gate run that changes no mart republishes only its own tables into the analyst copy."""

from __future__ import annotations

from pathlib import Path

from gate_builders import good_batch, load, make_paths, recently

from mediawatch.checks import run_gate
from mediawatch.warehouse.db import connect_reader


def test_a_clean_gate_refreshes_quality_tables_and_keeps_the_search_index(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    good_batch(paths, "run1", recently())
    load(paths)
    loaded_inode = paths.analyst_db.stat().st_ino
    summary = run_gate(paths, "gate-1")
    assert summary["passed"] and summary["quarantined"] == 0
    assert paths.analyst_db.stat().st_ino != loaded_inode  # another generation was swapped into place
    con = connect_reader(paths.analyst_db)
    runs = con.execute("select distinct run_id from dq_results").fetchall()
    assert runs == [("gate-1",)]
    hits = con.execute("select count(*) from search_articles('story', max_results := 1000000)").fetchone()
    total = con.execute("select count(*) from articles").fetchone()
    assert hits is not None and total is not None and 0 < hits[0] <= total[0]
