"""A dead source is a failed source: over real HTTP on 127.0.0.1, `mediawatch crawl` of a healthy
fixture site and a registered source whose every endpoint refuses connections names the dead one
in `failed_sources` and its summary and exits non-zero; the healthy one's articles still load."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import duckdb
import pytest
import yaml

from mediawatch import pipeline
from mediawatch.config import REPO_ROOT, Paths
from mediawatch.crawl_stats import FAILED, OK, CrawlStats
from mediawatch.fixture_web import FixtureWeb

from .conftest import FAST

MEDIAWATCH = REPO_ROOT / ".venv" / "bin" / "mediawatch"


def refused_port() -> int:
    """A loopback port nothing listens on (bound, then closed): connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def with_dead_source(web: FixtureWeb, path: Path, port: int) -> Path:
    registry = yaml.safe_load(web.sources_yaml())
    registry["network"]["allowlist"].append(f"127.0.0.1:{port}")
    base = f"http://127.0.0.1:{port}"
    registry["sources"].append({
        "name": "deadsite", "homepage": f"{base}/", "allowed_domains": ["127.0.0.1"],
        "feeds": [f"{base}/feed/"], "sitemaps": [f"{base}/sitemap.xml"],
        "language": "en", "country": "US", "crawl_interval": "1h",
    })
    path.write_text(yaml.safe_dump(registry, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("outcome")
    with FixtureWeb(seed=5, articles=3) as web:
        paths = Paths(sources=with_dead_source(web, root / "sources.yaml", refused_port()),
                      watchlist=REPO_ROOT / "watchlist.yaml", warehouse=root / "data" / "warehouse.duckdb",
                      reports=root / "reports")
        command = [str(MEDIAWATCH), "crawl", "--sources", str(paths.sources),
                   "--warehouse", str(paths.warehouse), "--source", "techpress", "--source", "deadsite"]
        for key, value in FAST.items():
            command += ["--setting", f"{key}={value}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=root,
                              env={**os.environ, "MEDIAWATCH_CRAWL_SETTINGS": ""})
        truth = [u for u, m in web.ground_truth().items() if m["site"] == "techpress"]
    loaded = pipeline.load(paths)
    return {"paths": paths, "done": done, "truth": truth, "loaded": loaded}


def test_the_dead_source_is_named_failed_and_the_crawl_exits_non_zero(crawled: dict) -> None:
    done = crawled["done"]
    assert done.returncode == 1, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["failed_sources"] == ["deadsite"]
    assert summary["sources_failed"] == 1 and summary["sources_ok"] + summary["sources_degraded"] == 1
    summary_line = next(line for line in done.stderr.splitlines() if line.startswith("crawl: "))
    assert "sources_failed=1" in summary_line
    assert "failed sources: deadsite" in done.stderr


def test_the_staged_stats_carry_the_outcome(crawled: dict) -> None:
    staging = crawled["paths"].staging_dir
    (dead,) = [CrawlStats.read(p) for p in (staging / "deadsite").glob("*.stats.json")]
    assert dead.outcome == FAILED and dead.endpoints == 3 and dead.endpoints_failed == 3  # feed, sitemap, homepage
    assert set(dead.errors_by_kind) <= {"connection_refused", "connection_error"}, dead.errors_by_kind
    (healthy,) = [CrawlStats.read(p) for p in (staging / "techpress").glob("*.stats.json")]
    assert healthy.outcome == OK and healthy.articles == len(crawled["truth"])


def test_the_healthy_source_loads_and_the_dead_one_is_recorded_failed(crawled: dict) -> None:
    with duckdb.connect(str(crawled["paths"].warehouse), read_only=True) as con:
        urls = {r[0] for r in con.execute("select canonical_url from articles where source = 'techpress'").fetchall()}
        runs = dict(con.execute("select source, outcome from crawl_runs").fetchall())
        succeeded = dict(con.execute("select source, succeeded from crawl_runs").fetchall())
    assert urls == set(crawled["truth"])
    assert runs == {"techpress": OK, "deadsite": FAILED}
    assert succeeded == {"techpress": True, "deadsite": False}


def test_status_shows_the_dead_sources_last_failure(crawled: dict) -> None:
    health = {h["source"]: h for h in pipeline.status(crawled["paths"])["sources"]}
    assert health["deadsite"]["last_outcome"] == FAILED and health["deadsite"]["last_failure_at"]
    assert health["deadsite"]["last_success_at"] is None and health["deadsite"]["article_yield"] is None
    assert health["techpress"]["last_outcome"] == OK and health["techpress"]["last_success_at"]
    assert health["techpress"]["last_failure_at"] is None and health["techpress"]["article_yield"] == 1.0
