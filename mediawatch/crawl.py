"""Run crawls: one `python -m spiders.scrapy_cli crawl <source>` subprocess per source (Scrapy's command line).

A subprocess per crawl keeps Twisted's one-reactor-per-process rule out of callers (CLI, Airflow
tasks, tests) and isolates sources: one crashing does not take the others down. The subprocess
leads its own process group (with its extraction workers) and dies with the thread that started it
(PR_SET_PDEATHSIG), so a killed caller leaves no crawl behind holding the source lock. The spider writes
staging files and a stats JSON; this module returns that stats dict.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from mediawatch.config import REPO_ROOT, Paths
from mediawatch.crawl_stats import FAILED, CrawlStats
from mediawatch.diskspace import MARKER as DISK_FULL_MARKER
from mediawatch.procs import die_with_parent, kill_group
from mediawatch.sources import load_registry
from mediawatch.staging import atomic_write_json, attempt_run_id, stats_path

__all__ = ["CrawlError", "crawl_all", "crawl_source"]

log = logging.getLogger(__name__)

_LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
    "CRITICAL": logging.CRITICAL,
}


class CrawlError(RuntimeError):
    """A crawl subprocess failed; carries the source, exit code and the last log lines."""

    def __init__(
        self, source: str, returncode: int, tail: list[str], hint: str = "", run_id: str = ""
    ) -> None:
        self.source = source
        self.run_id = run_id  # the attempt's run id (a retry may have crawled under `<run>.2`)
        self.returncode = returncode
        self.tail = tail
        last = "\n".join(f"    {line}" for line in tail)
        super().__init__(
            f"crawl of {source!r} failed (exit code {returncode}){': ' + hint if hint else ''}.\n"
            f"  last log lines:\n{last}\n"
            "  Check the registry entry and the site, then rerun `mediawatch crawl --source "
            f"{source}`."
        )


def _level(line: str) -> int:
    # Scrapy's default log format: "2024-05-01 10:00:00 [logger] LEVEL: message"
    for name, level in _LEVELS.items():
        if f"] {name}:" in line:
            return level
    return logging.INFO


def settings_from_env() -> dict[str, str]:
    """Scrapy setting overrides stated in MEDIAWATCH_CRAWL_SETTINGS ("KEY=VALUE,KEY=VALUE").

    The way a deployment (or `make demo`, against the local fixture web) says explicitly that it
    wants something other than the polite defaults, without a code change; logged on every crawl."""
    raw = os.environ.get("MEDIAWATCH_CRAWL_SETTINGS", "").strip()
    overrides: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(
                f"MEDIAWATCH_CRAWL_SETTINGS: {pair!r} is not KEY=VALUE "
                "(example: AUTOTHROTTLE_ENABLED=False,DOWNLOAD_DELAY=0)"
            )
        overrides[key.strip()] = value.strip()
    if overrides:
        log.warning("crawl settings overridden by MEDIAWATCH_CRAWL_SETTINGS: %s", overrides)
    return overrides


def _finished_stats(paths: Paths, source: str, run_id: str) -> dict[str, Any] | None:
    staged = paths.staging_dir / source / f"{run_id}.jsonl"
    try:
        stats = CrawlStats.read(stats_path(paths.staging_dir, source, run_id))
    except (OSError, ValueError, KeyError):
        return None
    # a failed crawl is not "finished": its retry crawls again (under its own attempt id)
    return stats.to_dict() if staged.exists() and stats.outcome != FAILED else None


def http_state_path(paths: Paths, source: str) -> Path:
    """Where a source's listing validators live between runs (`spiders.state.HttpState`)."""
    return paths.data_dir / "crawl_http_state" / f"{source}.json"


def _prestart(paths: Paths, sources: list[str], settings: dict[str, str]) -> str | None:
    """`extract_pool.PRESTART_ENV` for a crawl sure to extract pages: one of its sources was never
    crawled (no saved listing validators), so every article it lists is new. Its extraction
    zygote then starts with the crawl process, beside Scrapy's start-up. Any other crawl starts it
    at its first page, so a crawl with nothing new starts none."""
    if all(http_state_path(paths, name).exists() for name in sources):
        return None
    from mediawatch.extract_pool import DEFAULT_MEMORY_MB

    try:
        memory_mb = int(settings.get("MEDIAWATCH_EXTRACT_MEMORY_MB") or DEFAULT_MEMORY_MB)
    except ValueError:
        return None
    return f"{memory_mb}:{paths.data_dir / 'cache'}"


def _crawl_env(paths: Paths, prestart: str | None = None) -> dict[str, str]:
    from mediawatch.extract_pool import PRESTART_ENV

    env = dict(os.environ)
    env.pop(PRESTART_ENV, None)
    env.update(
        MEDIAWATCH_SOURCES=str(paths.sources),
        MEDIAWATCH_WAREHOUSE=str(paths.warehouse),
        SCRAPY_SETTINGS_MODULE="spiders.settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
    )
    if prestart:
        env[PRESTART_ENV] = prestart
    return env


def _run_crawl_process(
    paths: Paths, command: list[str], label: str, prestart: str | None = None
) -> tuple[int, list[str]]:
    """Run one crawl process, its output logged line by line; (exit code, last 30 lines)."""
    tail: deque[str] = deque(maxlen=30)
    disk_full: list[str] = []
    crawl_log = logging.getLogger(f"{__name__}.{label}")
    with subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=_crawl_env(paths, prestart),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        # its own process group, SIGKILLed by the kernel if this thread dies (even by SIGKILL)
        preexec_fn=die_with_parent(new_group=True),  # noqa: PLW1509 - setpgid + prctl only
    ) as process:
        try:
            assert process.stdout is not None
            for raw in process.stdout:
                line = raw.rstrip()
                tail.append(line)
                if DISK_FULL_MARKER in line and not disk_full:
                    disk_full.append(line)  # kept apart: later lines may push it out of the tail
                crawl_log.log(_level(line), "%s", line)
            returncode = process.wait()
        finally:
            # a task timeout or kill raises here: end the crawl and its extraction workers too
            kill_group(process.pid)
    return returncode, [*disk_full, *(line for line in tail if line not in disk_full)]


def crawl_source(
    paths: Paths, source: str, run_id: str, settings: dict[str, str] | None = None
) -> dict[str, Any]:
    """Crawl one source into staging; return its stats dict or raise CrawlError.

    Re-running a crawl that already finished under this run id (an Airflow retry after a lost
    heartbeat) returns that crawl's stats and fetches nothing: the task behaves like a transaction.
    A retry after a failed attempt crawls again under a new attempt id, never over earlier files."""
    finished = _finished_stats(paths, source, run_id)
    if finished is not None:
        log.info("crawl %s of %s already finished; returning its stats", run_id, source)
        return finished
    run_id = attempt_run_id(paths.staging_dir, source, run_id)
    # `scrapy crawl`, with the extraction zygote started first when pages are expected
    command = [sys.executable, "-m", "spiders.scrapy_cli", "crawl", source]
    command += ["-s", f"MEDIAWATCH_RUN_ID={run_id}"]
    overrides = {**settings_from_env(), **(settings or {})}
    for key, value in overrides.items():
        command += ["-s", f"{key}={value}"]
    returncode, tail = _run_crawl_process(
        paths, command, source, _prestart(paths, [source], overrides)
    )
    disk_full = [line for line in tail if DISK_FULL_MARKER in line][:1]
    if returncode != 0:
        raise CrawlError(source, returncode, list(tail), run_id=run_id)
    path = stats_path(paths.staging_dir, source, run_id)
    try:
        stats = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        hint = _no_stats_hint(path, exc, list(tail))
        raise CrawlError(source, returncode, list(tail), hint, run_id=run_id) from None
    if disk_full:  # it stopped early: the stats must not pass for a finished crawl on a retry
        hint = _no_stats_hint(path, FileNotFoundError(), disk_full)
        try:
            atomic_write_json(path, {**stats, "error": hint})
        except OSError:
            pass  # the disk is still full; the parent records the failure where it can
        raise CrawlError(source, returncode, list(tail), hint, run_id=run_id)
    return stats


def _no_stats_hint(path: Path, exc: Exception, tail: list[str]) -> str:
    """Why a crawl that exited left no stats file, as precisely as the log and the disk say."""
    from mediawatch.diskspace import DiskFull, free_bytes, is_disk_full, parse_marker

    marker = parse_marker(tail)
    if marker is not None:
        return str(DiskFull(marker[0], marker[1], "The crawl stopped.")).rstrip(".")
    free = free_bytes(path.parent)
    if any(is_disk_full(Exception(line)) for line in tail) or (free is not None and free < 1 << 20):
        return str(DiskFull(path, None, "The crawl could not write its staging or stats files.")).rstrip(".")
    missing = "is missing" if isinstance(exc, FileNotFoundError) else f"is unreadable ({exc})"
    return (f"its stats file {path} {missing}: the crawl ended before writing it (killed, or "
            "failed on start; see the log lines below)")


def crawl_all(
    paths: Paths,
    run_id: str,
    sources: list[str] | None = None,
    settings: dict[str, str] | None = None,
    parallel: int = 2,
) -> list[dict[str, Any]]:
    """Crawl several sources (default: all in the registry) in one crawl process (`spiders.run`:
    one interpreter and Scrapy start-up, one extraction pool, for all of them). A failing source
    does not stop the others; if the shared process itself dies, each source it did not finish is
    crawled again on its own (`crawl_source`, `parallel` at a time). Each result is that source's
    stats dict (`CrawlStats.to_dict()`) with "error" None when the crawl completed, else the
    message (and the attempt's run id)."""
    names = sources or load_registry(paths.sources).names
    results: dict[str, dict[str, Any]] = {}
    attempts: dict[str, str] = {}
    for name in names:
        finished = _finished_stats(paths, name, run_id)
        if finished is not None:
            log.info("crawl %s of %s already finished; returning its stats", run_id, name)
            results[name] = {**finished, "error": None}
        else:
            attempts[name] = attempt_run_id(paths.staging_dir, name, run_id)
    if len(attempts) > 1:
        results.update(_crawl_together(paths, attempts, settings))
    left = [name for name in names if name not in results]

    def one(name: str) -> dict[str, Any]:
        try:
            stats = crawl_source(paths, name, run_id, settings)
        except Exception as exc:  # noqa: BLE001 - reported per source, never fatal for the rest
            log.error("%s", exc)
            attempt = getattr(exc, "run_id", "") or run_id
            return CrawlStats.crashed(name, attempt, str(exc)).to_dict()
        return {**stats, "error": None}

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        results.update(zip(left, pool.map(one, left), strict=True))
    return [results[name] for name in names]


def _crawl_together(
    paths: Paths, attempts: dict[str, str], settings: dict[str, str] | None
) -> dict[str, dict[str, Any]]:
    """Run the sources in one `spiders.run` process. Returns the sources it settled (finished, or
    failed on their own); a source left out was not finished because the process died."""
    from spiders.run import RESULT_PREFIX

    command = [sys.executable, "-m", "spiders.run"]
    command += [f"{name}={attempt}" for name, attempt in attempts.items()]
    overrides = {**settings_from_env(), **(settings or {})}
    for key, value in overrides.items():
        command += ["-s", f"{key}={value}"]
    returncode, tail = _run_crawl_process(
        paths, command, "all", _prestart(paths, list(attempts), overrides)
    )
    reported: dict[str, str | None] | None = None
    for line in reversed(tail):
        if line.startswith(RESULT_PREFIX):
            reported = json.loads(line[len(RESULT_PREFIX) :])
            break
    settled: dict[str, dict[str, Any]] = {}
    for name, attempt in attempts.items():
        error = (reported or {}).get(name)
        stats = None
        try:
            stats = json.loads(stats_path(paths.staging_dir, name, attempt).read_text("utf-8"))
        except (OSError, ValueError):
            pass
        if error is None and stats is not None and not stats.get("error"):
            settled[name] = {**stats, "error": None}
        elif reported is not None and returncode == 0:
            message = str(CrawlError(name, returncode, [error or "no readable stats file"],
                                     run_id=attempt))
            log.error("%s", message)
            settled[name] = {"source": name, "run_id": attempt, "error": message}
    if len(settled) < len(attempts):
        log.error(
            "the shared crawl process ended with exit code %s before %s finished; crawling them "
            "one by one", returncode, ", ".join(sorted(set(attempts) - set(settled))),
        )
    return settled
