"""`mediawatch check` and `mediawatch report` with nothing new: they say so on stderr, end with JSON on
stdout, and `--force` does the work again."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from gate_builders import good_batch, load, make_paths, recently

MEDIAWATCH = str(Path(sys.executable).parent / "mediawatch")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MEDIAWATCH, *args], capture_output=True, text=True, timeout=300, check=True)


def test_check_and_report_say_when_nothing_changed(tmp_path: Path) -> None:
    paths = make_paths(tmp_path)
    good_batch(paths, "run1", recently(2))
    load(paths)
    where = ["--sources", str(paths.sources), "--warehouse", str(paths.warehouse), "--reports", str(paths.reports)]

    first = json.loads(run("check", *where).stdout.splitlines()[-1])
    again = run("check", *where)
    summary = json.loads(again.stdout.splitlines()[-1])
    assert "reused_from" not in first and summary["reused_from"] == first["run_id"]
    assert f"verdict of gate run {first['run_id']} reused" in again.stderr
    forced = json.loads(run("check", "--force", *where).stdout.splitlines()[-1])
    assert "reused_from" not in forced and forced["validated_suites"]

    built = json.loads(run("report", "--days", "1", *where).stdout.splitlines()[-1])
    same = run("report", "--days", "1", *where)
    assert built["unchanged"] is False and json.loads(same.stdout.splitlines()[-1])["unchanged"] is True
    assert "unchanged since build" in same.stderr and "not rebuilt" in same.stderr
    rebuilt = json.loads(run("report", "--days", "1", "--force", *where).stdout.splitlines()[-1])
    assert rebuilt["unchanged"] is False
