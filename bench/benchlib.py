"""Shared pieces of `make bench`: figures with targets, machine info, timing a step in a child
process while sampling the peak RSS of its whole process tree, and the one printed table."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

REPO_ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
GIB = 1024 * MIB

# explicit overrides for the local fixture web only; production keeps the polite defaults
FAST_CRAWL = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
}


@dataclass
class Figure:
    """One benchmark figure. `ok` is None when the figure has no target (or was not measured)."""

    group: str
    name: str
    value: float | None
    unit: str
    target: str = ""
    ok: bool | None = None
    note: str = ""

    def verdict(self) -> str:
        if self.value is None:
            return "n/a"
        if self.ok is None:
            return ""
        return "ok" if self.ok else "MISS"


@dataclass
class Results:
    """Everything one bench run measured, as printed and as written to JSON."""

    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure

    def to_json(self, machine: dict[str, Any], command: list[str]) -> dict[str, Any]:
        return {
            "machine": machine,
            "command": command,
            "figures": [asdict(f) | {"verdict": f.verdict()} for f in self.figures],
            "details": self.details,
        }


def machine_info() -> dict[str, Any]:
    """Cores, RAM, CPU model, Python, OS, date and git commit of this run."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {
        "cores": os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / GIB, 1),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": commit,
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


class TreeRssSampler:
    """Samples the summed RSS of a process and all its descendants every `interval` seconds."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid, self.interval = pid, interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            total = 0
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            for proc in procs:
                try:
                    total += proc.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue  # a child that ended between listing and reading
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeRssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@dataclass
class StepRun:
    """A step run in a child process: its JSON result, wall time and peak tree RSS (bytes)."""

    result: dict[str, Any]
    wall_s: float
    peak_rss: int
    log_tail: str = ""


def run_step(step: str, args: dict[str, Any], log_path: Path, timeout: float = 3600) -> StepRun:
    """Run `bench/steps.py <step>` (the project's own pipeline function) in a child process.

    The child's stderr/stdout go to `log_path`; its last stdout line is a JSON result. A child keeps
    the bench process's own memory (fixture web, fetched HTML) out of the RSS figures.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    out_path = log_path.with_suffix(".json")
    out_path.unlink(missing_ok=True)
    command = [
        sys.executable,
        str(REPO_ROOT / "bench" / "steps.py"),
        step,
        json.dumps(args),
        str(out_path),
    ]
    started = time.perf_counter()
    with log_path.open("w") as log:
        proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
        with TreeRssSampler(proc.pid) as sampler:
            try:
                returncode = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                returncode = -9
    wall = time.perf_counter() - started
    tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-15:])
    if returncode != 0 or not out_path.exists():
        raise RuntimeError(f"bench step {step} failed (exit {returncode}); log {log_path}:\n{tail}")
    return StepRun(json.loads(out_path.read_text()), wall, sampler.peak, tail)


def fmt_value(value: float | None, unit: str) -> str:
    """Three significant figures, thousands separators for large values, F1 to three decimals."""
    if value is None:
        return "-"
    if unit == "F1":
        return f"{value:.3f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3g}"


def render_table(figures: list[Figure]) -> str:
    """The one table: group, figure, value, unit, target, verdict, note."""
    rows = [("group", "figure", "value", "unit", "target", "verdict", "note")]
    for f in figures:
        rows.append(
            (f.group, f.name, fmt_value(f.value, f.unit), f.unit, f.target or "", f.verdict(), f.note or "")
        )
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    lines = []
    for i, row in enumerate(rows):
        cells = [row[c].rjust(widths[c]) if c == 2 else row[c].ljust(widths[c]) for c in range(6)]
        lines.append("  ".join(cells) + "  " + row[6])
        if i == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 4)
    return "\n".join(line.rstrip() for line in lines)
