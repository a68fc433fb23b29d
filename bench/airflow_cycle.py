"""Figure 6: the demo cycle under `airflow dags test` (both DAGs, as scripts/demo.sh runs them)
against the same cycle run by `mediawatch run`, on the same fixture web with polite defaults.

Each side gets its own bench-private warehouse, reports and staging (MEDIAWATCH_* for Airflow,
options for the CLI), so both crawl everything from scratch.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchlib import REPO_ROOT

from mediawatch.fixture_web import FixtureWeb

FAILED = re.compile(r"state=failed|DagRunState.FAILED|Marking run .* failed")
LOADED = re.compile(r"mediawatch load: .*?\barticles=(\d+)")


def _articles_in(log: Path) -> int | None:
    """Articles in the warehouse after the load, as the step's summary line states it."""
    found = LOADED.findall(log.read_text(errors="replace")) if log.exists() else []
    return int(found[-1]) if found else None


def _paths(root: Path, sources: Path) -> dict[str, str]:
    return {
        "MEDIAWATCH_SOURCES": str(sources),
        "MEDIAWATCH_WATCHLIST": str(REPO_ROOT / "watchlist.yaml"),
        "MEDIAWATCH_WAREHOUSE": str(root / "data" / "warehouse.duckdb"),
        "MEDIAWATCH_REPORTS": str(root / "reports"),
    }


def _run(command: list[str], env: dict[str, str], log: Path, timeout: float) -> tuple[float, int]:
    started = time.perf_counter()
    with log.open("w") as handle:
        try:
            proc = subprocess.run(
                command,
                cwd=REPO_ROOT,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                timeout=timeout,
            )
            code = proc.returncode
        except subprocess.TimeoutExpired:
            code = -9
    return time.perf_counter() - started, code


def run_cycle(web: FixtureWeb, root: Path, timeout: float = 1200) -> dict[str, Any]:
    """Wall seconds of both DAGs under `airflow dags test` and of `mediawatch run`."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    sources = web.write_sources(root / "sources.yaml")
    out: dict[str, Any] = {"articles_per_site": web.catalog.count("techpress")}

    cli_root = root / "cli"
    cli_env = dict(os.environ)
    paths = _paths(cli_root, sources)
    command = [
        str(Path(sys.executable).parent / "mediawatch"),
        "run",
        "--sources",
        paths["MEDIAWATCH_SOURCES"],
        "--watchlist",
        paths["MEDIAWATCH_WATCHLIST"],
        "--warehouse",
        paths["MEDIAWATCH_WAREHOUSE"],
        "--reports",
        paths["MEDIAWATCH_REPORTS"],
    ]
    cli_s, cli_code = _run(command, cli_env, root / "mediawatch_run.log", timeout)
    out["cli"] = {"seconds": cli_s, "exit": cli_code, "log": str(root / "mediawatch_run.log")}
    try:
        last = (root / "mediawatch_run.log").read_text(errors="replace").strip().splitlines()[-1]
        out["cli"]["articles"] = json.loads(last)["load"]["articles"]
    except (IndexError, KeyError, ValueError):
        out["cli"]["articles"] = None

    airflow_env = {**os.environ, **_paths(root / "airflow", sources)}
    total, problems = 0.0, []
    for dag in ("mediawatch_crawl", "mediawatch_process"):
        log = root / f"{dag}.log"
        seconds, code = _run(
            [str(REPO_ROOT / "bin" / "airflow"), "dags", "test", dag], airflow_env, log, timeout
        )
        total += seconds
        out[dag] = {"seconds": seconds, "exit": code, "log": str(log)}
        if code != 0 or FAILED.search(log.read_text(errors="replace")):
            problems.append(f"{dag} failed (exit {code}); see {log}")
    out["airflow"] = {
        "seconds": total,
        "problems": problems,
        "articles": _articles_in(root / "mediawatch_process.log"),
    }
    if cli_code != 0:
        problems.append(
            f"mediawatch run failed (exit {cli_code}); see {root / 'mediawatch_run.log'}"
        )
    return out
