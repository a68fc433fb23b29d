"""The `mediawatch` command line as a user runs it: subprocesses, real files, the real fixture web.

Progress is checked under a real pseudo-terminal (the CLI shows it only when stderr is a terminal).
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from mediawatch.fixture_web import FixtureWeb

MEDIAWATCH = str(Path(sys.executable).parent / "mediawatch")
FAST = ["--setting", "AUTOTHROTTLE_ENABLED=False", "--setting", "DOWNLOAD_DELAY=0"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MEDIAWATCH, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def run_on_terminal(*args: str, timeout: float = 300) -> tuple[int, str]:
    """Run with stdin/stdout/stderr on a pseudo-terminal; returns the exit code and all output."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([MEDIAWATCH, *args], stdin=follower, stdout=follower, stderr=follower,
                            env={**os.environ, "COLUMNS": "160", "TERM": "xterm"}, close_fds=True)
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(leader)
    return proc.wait(timeout=30), b"".join(chunks).decode(errors="replace")


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("mediawatch 0.1.0 (duckdb 1.5.5, scrapy ")


def test_unknown_registry_and_watchlist_keys_suggest_the_right_one(tmp_path: Path) -> None:
    registry = tmp_path / "sources.yaml"
    registry.write_text(
        "version: 1\nsources:\n  - name: alpha\n    homepage: https://alpha.example/\n"
        "    allowed_domains: [alpha.example]\n    feeds: [https://alpha.example/feed/]\n"
        "    language: en\n    country: US\n    crawl_intervall: 1h\n")
    result = run("crawl", "--sources", str(registry))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "'crawl_intervall': unknown key; did you mean 'crawl_interval'?" in result.stderr
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text("entities:\n  - {name: BYD, type: company, alias: [x]}\n")
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>BYD</p></body></html>")
    result = run("analyze", str(page), "--watchlist", str(watchlist))
    assert result.returncode == 2
    assert "unknown key 'alias'" in result.stderr and "did you mean 'aliases'?" in result.stderr


def test_load_creates_a_new_warehouse_only_when_asked(tmp_path: Path) -> None:
    registry = tmp_path / "sources.yaml"
    with FixtureWeb(seed=2, articles=1) as web:
        web.write_sources(registry)
    typo = tmp_path / "typo.duckdb"
    args = ["--sources", str(registry), "--reports", str(tmp_path / "reports")]
    refused = run("load", "--warehouse", str(typo), *args)
    assert refused.returncode == 2 and not typo.exists()
    assert f"warehouse {typo} does not exist" in refused.stderr and "--init" in refused.stderr
    by_env = run("load", *args, env={"MEDIAWATCH_WAREHOUSE": str(typo)})  # same rule for the variable
    assert by_env.returncode == 2 and not typo.exists()
    created = run("load", "--warehouse", str(typo), "--init", *args)
    assert created.returncode == 0, created.stderr
    assert typo.exists() and json.loads(created.stdout.splitlines()[-1])["articles"] == 0
    again = run("load", "--warehouse", str(typo), *args)  # it exists now: no --init needed
    assert again.returncode == 0, again.stderr


def test_crawl_shows_progress_per_source_on_a_terminal_only(tmp_path: Path) -> None:
    with FixtureWeb(seed=4, articles=3) as web:
        registry = web.write_sources(tmp_path / "sources.yaml")
        common = ["--sources", str(registry), "--warehouse", str(tmp_path / "wh.duckdb"),
                  "--source", "techpress", "--source", "newsmodern", *FAST]
        code, screen = run_on_terminal("crawl", *common)
        assert code == 0, screen[-3000:]
        assert "techpress" in screen and "newsmodern" in screen
        assert "pages staged · done: 3 articles" in screen  # each source's line ends with its outcome
        quiet = run("crawl", *common)  # stderr is a pipe: no progress, just the summary
        assert quiet.returncode == 0, quiet.stderr
        assert "pages staged" not in quiet.stderr and "crawl: " in quiet.stderr
        assert json.loads(quiet.stdout.splitlines()[-1])["sources"] == 2


def test_report_period_options(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
    try:
        from warehouse_builder import build_warehouse
    finally:
        sys.path.pop(0)
    paths = build_warehouse(tmp_path / "known")  # latest day with articles: 2026-11-26
    where = ["--sources", str(paths.sources), "--watchlist", str(paths.watchlist),
             "--warehouse", str(paths.warehouse), "--reports", str(paths.reports)]
    default = run("report", *where)
    assert default.returncode == 0, default.stderr
    built = json.loads(default.stdout.splitlines()[-1])
    assert built["period"]["name"] == "2026-11-20_2026-11-26"  # the weekly report
    assert built["digest"].endswith("/2026-11-26/report.html") and Path(built["digest"]).is_file()
    assert "daily digest" in default.stderr
    three = json.loads(run("report", "--days", "3", "--to", "2026-11-25", *where).stdout.splitlines()[-1])
    assert three["period"]["name"] == "2026-11-23_2026-11-25" and "digest" not in three
    since = json.loads(run("report", "--from", "2026-11-24", *where).stdout.splitlines()[-1])
    assert since["period"]["name"] == "2026-11-24_2026-11-26"  # up to the latest day
    for bad, message in ((["--days", "0"], "greater than or equal to 1"), (["--from", "2026-11-20", "--to", "2026-11-26", "--days", "2"],
                                                  "over-determine"), (["--to", "26.11.2026"], "YYYY-MM-DD")):
        refused = run("report", *bad, *where)
        assert refused.returncode == 2 and message in refused.stderr and "Traceback" not in refused.stderr, bad
