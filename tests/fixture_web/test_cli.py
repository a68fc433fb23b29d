"""`mediawatch fixture-web serve` as a real process: registry file, serving, clean exit on SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import yaml
from fixture_http import fetch


def free_port_block(size: int = 5) -> int:
    """A first port with `size` free ports after it (best effort: another process may still race us)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        if first + size > 65535:
            continue
        try:
            sockets = []
            for port in range(first, first + size):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no block of free ports found")


def test_serve_writes_registry_serves_and_stops(tmp_path: Path) -> None:
    port = free_port_block()
    sources = tmp_path / "sources.yaml"
    command = [
        sys.executable,
        "-c",
        "from mediawatch.cli import main; main()",
        "fixture-web",
        "serve",
        "--port",
        str(port),
        "--articles",
        "5",
        "--faults",
        "burst_5xx",
        "--sources-out",
        str(sources),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not sources.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        registry = yaml.safe_load(sources.read_text(encoding="utf-8"))
        assert registry["network"]["allowlist"] == [f"127.0.0.1:{port + i}" for i in range(5)]
        assert fetch(f"http://127.0.0.1:{port + 4}/robots.txt").status == 200
        assert "fault-burst-5xx" in fetch(f"http://127.0.0.1:{port}/feed/").text
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert f"techpress    http://127.0.0.1:{port}/" in out
    assert "served 2 requests (200: 2)" in out


def test_serve_rejects_unknown_fault() -> None:
    command = [
        sys.executable,
        "-c",
        "from mediawatch.cli import main; main()",
        "fixture-web",
        "serve",
        "--port",
        "0",
        "--faults",
        "nonsense",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "unknown fault mode" in result.stderr
