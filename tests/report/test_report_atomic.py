"""A build that dies before its rename leaves the previous report exactly as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from mediawatch.config import Paths
from mediawatch.report import build_report
from mediawatch.report.files import recover

DAY = date(2026, 11, 25)  # a folder the other test modules do not read
REPO = Path(__file__).resolve().parents[2]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def previous(warehouse: Paths) -> tuple[Path, dict[str, bytes]]:
    info = build_report(warehouse, DAY, DAY, run_id="good-run")
    folder = Path(info["report"]).parent
    return folder, snapshot(folder)


def test_injected_failure_before_rename_keeps_previous(warehouse: Paths, previous: Any) -> None:
    folder, before = previous

    def fail(tmp: Path) -> None:
        assert (tmp / "report.html").is_file()  # the new version was complete, just not renamed
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError, match="disk gone"):
        build_report(warehouse, DAY, DAY, run_id="bad-run", force=True, _before_swap=fail)
    assert snapshot(folder) == before
    assert b"good-run" in before["meta.json"]


def test_sigkill_during_build_keeps_previous(warehouse: Paths, previous: Any) -> None:
    folder, before = previous
    script = f"""
import sys, time
from datetime import date
from pathlib import Path
from mediawatch.config import Paths
from mediawatch.report import build_report
paths = Paths(sources=Path({str(warehouse.sources)!r}), watchlist=Path({str(warehouse.watchlist)!r}),
              warehouse=Path({str(warehouse.warehouse)!r}), reports=Path({str(warehouse.reports)!r}))
def stall(tmp):
    print("READY", tmp, flush=True)
    time.sleep(120)
build_report(paths, date(2026, 11, 25), date(2026, 11, 25), run_id="killed-run", force=True, _before_swap=stall)
"""
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("READY"), line
        tmp = Path(line.split(" ", 1)[1].strip())
        assert (tmp / "report.html").is_file()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(folder) == before  # readers still get the last good report
    info = build_report(warehouse, DAY, DAY, run_id="next-run", force=True)  # the next build cleans up and replaces it
    assert not tmp.exists()
    assert b"next-run" in (Path(info["report"]).parent / "meta.json").read_bytes()


def test_killed_between_renames_is_recovered(warehouse: Paths, previous: Any) -> None:
    folder, before = previous
    aside = folder.with_name(f".old-{folder.name}-999999-deadbeef")
    os.rename(folder, aside)  # the state a build killed between its two renames leaves
    recover(warehouse.reports)
    assert snapshot(folder) == before and not aside.exists()
