"""Errors that say which file and what to do, with no traceback: a corrupt warehouse, a corrupt
analyst copy, a full disk under a crawl and under a load (a real tiny tmpfs when this user may mount
one, else a file-size limit), and a crawl whose stats file could not be written. All through the
real `mediawatch` command against the local fixture web."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mediawatch.fixture_web import FixtureWeb

MEDIAWATCH = str(Path(sys.executable).with_name("mediawatch"))
FAST_SETTINGS = ("AUTOTHROTTLE_ENABLED=False,DOWNLOAD_DELAY=0,CONCURRENT_REQUESTS_PER_DOMAIN=8,"
                 "DOWNLOAD_TIMEOUT=5")


def env_for(root: Path, sources: Path) -> dict[str, str]:
    return {**os.environ, "MEDIAWATCH_SOURCES": str(sources),
            "MEDIAWATCH_WAREHOUSE": str(root / "data" / "warehouse.duckdb"),
            "MEDIAWATCH_REPORTS": str(root / "reports"), "MEDIAWATCH_CRAWL_SETTINGS": FAST_SETTINGS}


def cli(args: list[str], env: dict[str, str], fsize: int | None = None) -> subprocess.CompletedProcess:
    def limit() -> None:  # the fallback "full disk": writes past `fsize` bytes fail with EFBIG
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run([MEDIAWATCH, *args], env=env, capture_output=True, text=True, timeout=300,
                          preexec_fn=limit if fsize else None)


def assert_clear(done: subprocess.CompletedProcess, *needles: str) -> None:
    assert done.returncode != 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    for needle in needles:
        assert needle in done.stderr, f"{needle!r} not in:\n{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def web() -> Iterator[FixtureWeb]:
    with FixtureWeb(seed=5, articles=6) as running:
        yield running


@pytest.fixture(scope="module")
def loaded(web: FixtureWeb, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One crawled and loaded instance (warehouse + analyst copy), for the corruption tests."""
    root = tmp_path_factory.mktemp("loaded")
    env = env_for(root, web.write_sources(root / "sources.yaml"))
    for step in (["crawl", "--source", "techpress"], ["load", "--init"]):
        done = cli(step, env)
        assert done.returncode == 0, done.stderr[-3000:]
    return {"root": root, "env": env, "warehouse": root / "data" / "warehouse.duckdb",
            "analyst": root / "data" / "warehouse_analyst.duckdb"}


def test_a_corrupt_warehouse_names_the_file_and_rebuild(loaded: dict[str, Any], tmp_path: Path) -> None:
    env = {**loaded["env"], "MEDIAWATCH_WAREHOUSE": str(tmp_path / "data" / "warehouse.duckdb")}
    shutil.copytree(loaded["root"] / "data" / "staging", tmp_path / "data" / "staging")
    (tmp_path / "data" / "warehouse.duckdb").write_bytes(b"not a database at all " * 500)
    done = cli(["load"], env)
    assert_clear(done, str(tmp_path / "data" / "warehouse.duckdb"), "damaged", "mediawatch rebuild")
    assert "Another process holds it" not in done.stderr


def test_a_corrupt_analyst_copy_names_the_file_and_load_publishes_a_new_one(
    loaded: dict[str, Any],
) -> None:
    analyst: Path = loaded["analyst"]
    good = analyst.read_bytes()
    try:
        analyst.write_bytes(b"\0garbage" * 4096)  # not a DuckDB file at all
        assert_clear(cli(["report"], loaded["env"]), str(analyst), "analyst copy", "mediawatch load")
        # a valid header, every block after it overwritten: a checksum error whatever is read
        # (damage to a few blocks only goes unseen when the report reads none of them)
        damaged = bytearray(good)
        damaged[16384:] = os.urandom(len(good) - 16384)
        analyst.write_bytes(bytes(damaged))
        assert_clear(cli(["report"], loaded["env"]), str(analyst), "damaged", "mediawatch load")
        # what the message says to do works
        assert cli(["load"], loaded["env"]).returncode == 0
        done = cli(["report"], loaded["env"])
        assert done.returncode == 0, done.stderr[-3000:]
    finally:
        if analyst.read_bytes() != good and not analyst.exists():
            analyst.write_bytes(good)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[tuple[Path, int | None]]:
    """(folder, fsize): a 48 MiB tmpfs when mounting works (fsize None), else a plain folder and a
    256 KiB file-size limit for the command (also with MW_TEST_NO_MOUNT=1)."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    may_mount = os.geteuid() == 0 and not os.environ.get("MW_TEST_NO_MOUNT")
    mounted = shutil.which("mount") and may_mount and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(folder)], capture_output=True
    ).returncode == 0
    try:
        yield folder, None if mounted else 256 * 1024
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Fill the filesystem of `folder` up to the last few KB."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_under_a_crawl_says_where_and_how_much(web: FixtureWeb, tiny_disk: Any) -> None:
    folder, fsize = tiny_disk
    root = folder / "instance"
    env = env_for(root, web.write_sources(folder.parent / "sources.yaml"))
    if fsize is None:  # leave ~20 KB: a page or two fit, the rest do not
        (folder / "ballast").write_bytes(b"\0" * (shutil.disk_usage(folder).free - 20_000))
    done = cli(["crawl", "--source", "techpress"], env, fsize=fsize and 16 * 1024)
    assert_clear(done, "the disk is full", str(root / "data"), "more", "free")
    assert "needed about" in done.stderr or "needed more space" in done.stderr
    assert "no readable stats file" not in done.stderr
    # Scrapy logs the items by URL only: no page body anywhere in the output
    assert "<!DOCTYPE" not in done.stderr and "<html" not in done.stderr
    assert len(done.stderr) < 200_000


def test_a_full_disk_under_a_load_says_where_and_how_much(web: FixtureWeb, tiny_disk: Any) -> None:
    folder, fsize = tiny_disk
    root = folder / "instance"
    env = env_for(root, web.write_sources(folder.parent / "sources.yaml"))
    crawled = cli(["crawl", "--source", "techpress"], env)  # enough room for the staging files
    assert crawled.returncode == 0, crawled.stderr[-3000:]
    filler = fill(folder) if fsize is None else None
    done = cli(["load", "--init"], env, fsize=fsize)
    assert_clear(done, str(root / "data"), "the disk is full", "needed about", "free")
    if filler is not None:  # nothing was lost: with room again, the same command works
        filler.unlink()
        again = cli(["load", "--init"], env)
        assert again.returncode == 0, again.stderr[-3000:]
        assert '"articles": ' in again.stdout
