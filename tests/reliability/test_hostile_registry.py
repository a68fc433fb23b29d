"""Hostile registries and watchlists: an alias bomb, an oversized file, a catastrophic pattern, a
typo'd key. Each is refused (or matched) within a bound, with a short message naming the file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mediawatch import sources as sources_module
from mediawatch.config import REPO_ROOT
from mediawatch.monitor.watchlist import WatchlistError, load_watchlist
from mediawatch.sources import RegistryError, load_registry

SOURCE_HEAD = (
    "version: 1\nsources:\n  - name: bomb\n    homepage: https://example.com/\n"
    "    language: en\n    country: US\n    crawl_interval: 1h\n"
)


def alias_bomb() -> str:
    """A billion-laughs registry: 9 levels of 9 aliases in `feeds` (9**9 strings when expanded)."""
    lines = [SOURCE_HEAD + "    feeds:",
             '      - &a ["https://example.com/lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels = "abcdefghi"
    for prev, cur in zip(levels, levels[1:], strict=False):
        lines.append(f"      - &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    lines.append("    # padding: the registry of the report was 693 bytes" + " " * 100)
    return "\n".join(lines) + "\n"


# a fresh parent per run, so RUSAGE_CHILDREN's peak is this command's alone
_MEASURE = ("import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
            "sys.stderr.write(f'\\nPEAK_KB={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}'); "
            "sys.exit(code)")


def run_cli(args: list[str], env: dict[str, str], timeout: float) -> tuple[subprocess.CompletedProcess, float, int]:
    """Run `mediawatch ARGS`; the result, the seconds it took, and its peak RSS in bytes."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(Path(sys.executable).with_name("mediawatch")),
                           *args], env=env, capture_output=True, text=True, timeout=timeout)
    elapsed = time.monotonic() - started
    done.stderr, _, peak = done.stderr.rpartition("\nPEAK_KB=")
    return done, elapsed, int(peak) * 1024


def test_the_alias_bomb_is_refused_fast_and_small(tmp_path: Path) -> None:
    registry = tmp_path / "sources.yaml"
    registry.write_text(alias_bomb())
    assert 600 <= registry.stat().st_size <= 800
    env = {**os.environ, "MEDIAWATCH_WAREHOUSE": str(tmp_path / "w.duckdb"),
           "MEDIAWATCH_REPORTS": str(tmp_path / "reports")}
    done, elapsed, peak = run_cli(["crawl", "--sources", str(registry)], env, timeout=20)
    assert done.returncode == 2, done.stderr[-2000:]
    assert elapsed < 20
    assert peak < 500 * 1024 * 1024, f"peak RSS {peak / 1e6:.0f} MB"
    assert str(registry) in done.stderr
    assert "anchors and aliases" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr) < 2000


def test_the_watchlist_refuses_aliases_too(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.yaml"
    path.write_text("entities:\n  - &x {name: Tesla, type: company}\n  - *x\n")
    with pytest.raises(WatchlistError, match=r"watchlist.yaml: line 2 .*anchors and aliases"):
        load_watchlist(path)


def test_an_oversized_registry_is_refused_before_parsing(tmp_path: Path) -> None:
    registry = tmp_path / "sources.yaml"
    feeds = "".join(f"      - https://example.com/{i}/feed\n" for i in range(120_000))
    registry.write_text(SOURCE_HEAD + "    feeds:\n" + feeds)
    assert registry.stat().st_size > 3_000_000
    started = time.monotonic()
    with pytest.raises(RegistryError, match="larger than") as caught:
        load_registry(registry)
    assert time.monotonic() - started < 1
    assert str(registry) in str(caught.value)
    path = tmp_path / "watchlist.yaml"
    path.write_text("entities:\n" + "  - {name: E%d, type: company}\n" * 1 * 200_000)
    with pytest.raises(WatchlistError, match="larger than"):
        load_watchlist(path)


def test_huge_values_are_cut_short_in_messages(tmp_path: Path) -> None:
    registry = tmp_path / "sources.yaml"
    registry.write_text(SOURCE_HEAD.replace("language: en", "language: " + "x" * 1_000_000)
                        + "    feeds: ['ftp://" + "y" * 1_000_000 + "']\n")
    with pytest.raises(RegistryError) as caught:
        load_registry(registry)
    message = str(caught.value)
    assert "language" in message and "feeds" in message
    assert len(message) < 2000


def test_many_problems_are_listed_up_to_a_limit(tmp_path: Path) -> None:
    registry = tmp_path / "sources.yaml"
    registry.write_text("version: 1\nsources:\n" + "  - {name: 'Bad Name'}\n" * 5000)
    with pytest.raises(RegistryError, match=r"\.\.\. and \d+ more") as caught:
        load_registry(registry)
    assert len(str(caught.value)) < 20_000


def test_unknown_keys_get_a_did_you_mean(tmp_path: Path) -> None:
    registry = tmp_path / "sources.yaml"
    registry.write_text(SOURCE_HEAD + "    feed: ['https://example.com/feed']\n"
                        "    sitemaps: ['https://example.com/sitemap.xml']\n")
    with pytest.raises(RegistryError, match=r"field 'feed': unknown key; did you mean 'feeds'\?"):
        load_registry(registry)
    good = tmp_path / "good.yaml"
    good.write_text(SOURCE_HEAD + "    feeds: ['https://example.com/feed']\n")
    with pytest.raises(KeyError, match="did you mean 'bomb'"):
        load_registry(good).get("bommb")
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text("entities:\n  - {name: Tesla, type: company, alias: [TSLA]}\n")
    with pytest.raises(WatchlistError, match="did you mean 'aliases'"):
        load_watchlist(watchlist)


def test_the_registry_is_parsed_once_per_process(tmp_path: Path) -> None:
    registry = tmp_path / "sources.yaml"
    registry.write_text(SOURCE_HEAD + "    feeds: ['https://example.com/feed']\n")
    before = sources_module.parse_count
    first = load_registry(registry)
    assert load_registry(registry) is first
    assert load_registry(str(registry)) is first
    assert sources_module.parse_count == before + 1
    # an edited file is read again
    registry.write_text(SOURCE_HEAD.replace("bomb", "bombs") + "    feeds: ['https://example.com/feed']\n")
    assert load_registry(registry).names == ["bombs"]
    assert load_watchlist(REPO_ROOT / "watchlist.yaml") is load_watchlist(REPO_ROOT / "watchlist.yaml")


def test_a_catastrophic_pattern_is_matched_in_linear_time(tmp_path: Path) -> None:
    registry = tmp_path / "sources.yaml"
    registry.write_text(SOURCE_HEAD + "    feeds: ['https://example.com/feed']\n"
                        "    article_patterns: ['(a+)+$']\n    exclude_patterns: ['(x|x)*y']\n")
    source = load_registry(registry).get("bomb")
    # Python's re needs about 2.4 s at 25 characters and 4x more per extra one; RE2 is linear
    url = "https://example.com/" + "a" * 5000 + "!"
    started = time.monotonic()
    assert source.looks_like_article(url) is False
    assert source.looks_like_article("https://example.com/" + "x" * 5000 + "/aaa") is True
    assert time.monotonic() - started < 1


def test_a_pattern_re2_cannot_match_gets_a_clear_error(tmp_path: Path) -> None:
    registry = tmp_path / "sources.yaml"
    registry.write_text(SOURCE_HEAD + "    feeds: ['https://example.com/feed']\n"
                        "    article_patterns: ['(a)\\1', '/(?!tag)/']\n")
    with pytest.raises(RegistryError) as caught:
        load_registry(registry)
    message = str(caught.value)
    assert message.count("is not a usable pattern") == 2
    assert "no backreferences or lookaround" in message
