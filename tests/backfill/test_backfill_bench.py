"""The `backfill` group of `make bench` at tiny sizes: every figure measured, the ratio judged.
Speed itself is the benchmark's business, not this test's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mediawatch.config import REPO_ROOT


def test_quick_backfill_group_measures_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "latest.json"
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "run_bench.py"), "--quick", "--only", "backfill",
         "--work", str(tmp_path / "work"), "--out", str(out)],
        capture_output=True, text=True, timeout=300, cwd=REPO_ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    assert not data["details"].get("errors"), data["details"].get("errors")
    figures = {f["name"]: f for f in data["figures"]}
    assert {f["group"] for f in figures.values()} == {"7 backfill"}
    assert all(f["value"] for f in figures.values()), figures
    assert figures["ratio backfill (2 workers) / trafilatura"]["verdict"] in {"ok", "MISS"}
    details = data["details"]["backfill"]
    # every record of the WARC went through extraction and was staged or counted
    assert details["backfill_1"]["records"] == details["records"] > 0
    assert details["backfill_1"]["articles"] == details["backfill_2"]["articles"] > 0
    for name in figures:
        assert name in proc.stdout
