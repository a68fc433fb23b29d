"""Smoke test of `make bench`: the harness at tiny sizes (`--quick`) still runs the real pipeline
end to end and writes a complete results file. Speed is not asserted here; that is the bench's job."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mediawatch.config import REPO_ROOT

BENCH = REPO_ROOT / "bench" / "run_bench.py"


def test_quick_bench_measures_every_selected_figure(tmp_path: Path) -> None:
    out = tmp_path / "latest.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--quick",
            "--only",
            "ingest,incremental,scale",
            "--work",
            str(tmp_path / "work"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO_ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    assert {"cores", "ram_gib", "cpu_model", "python", "date_utc"} <= set(data["machine"])
    figures = {f["name"]: f for f in data["figures"]}
    assert not data["details"].get("errors"), data["details"].get("errors")
    # every figure was measured, and every figure with a target carries a verdict
    assert all(f["value"] is not None for f in figures.values()), figures
    assert all(f["verdict"] in {"ok", "MISS"} for f in figures.values() if f["target"])
    groups = {f["group"] for f in figures.values()}
    assert groups == {"1 ingest", "3 incremental", "5 scale"}
    stored = figures["articles stored / on fixture web"]
    assert stored["value"] > 0
    # the printed table shows the same figures, MISS rows included
    for f in figures.values():
        assert f["name"] in proc.stdout
    assert proc.stdout.count("MISS") >= sum(1 for f in figures.values() if f["verdict"] == "MISS")


def test_unknown_group_is_a_clear_usage_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--only", "nonsense", "--out", str(tmp_path / "x.json")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
    )
    assert proc.returncode == 2
    assert "unknown group" in proc.stderr and "ingest" in proc.stderr
    assert not (tmp_path / "x.json").exists()
