"""Figure 2: news-please (PyPI) in its own venv, pointed at the same fixture web.

The venv lives in var/bench/newsplease-venv and is created on first use (pip install, time-boxed);
news-please never enters the project's lock. Everything that can go wrong comes back as a reason
string for the table instead of an exception.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchlib import REPO_ROOT

VENV = REPO_ROOT / "var" / "bench" / "newsplease-venv"
WORKER = REPO_ROOT / "bench" / "newsplease_worker.py"


@dataclass
class PeerRun:
    """news-please's result: bodies by URL and the time of its fetch + extract, or why not."""

    ok: bool
    reason: str = ""
    seconds: float = 0.0
    version: str = ""
    install_s: float | None = None
    bodies: dict[str, str | None] = field(default_factory=dict)


def ensure_venv(install_timeout: float) -> tuple[Path | None, float | None, str]:
    """(python of the venv, install seconds or None when reused, reason when unusable)."""
    python = VENV / "bin" / "python"
    check = [str(python), "-c", "import newsplease"]
    if python.exists() and subprocess.run(check, capture_output=True, timeout=120).returncode == 0:
        return python, None, ""
    started = time.perf_counter()
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", "--clear", str(VENV)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        proc = subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "news-please",
            ],
            capture_output=True,
            text=True,
            timeout=install_timeout,
        )
    except subprocess.TimeoutExpired:
        return None, None, f"pip install news-please did not finish within {install_timeout:.0f} s"
    except (OSError, subprocess.CalledProcessError) as exc:
        return None, None, f"could not create {VENV}: {exc}"
    if proc.returncode != 0:
        return (
            None,
            None,
            "pip install news-please failed: " + proc.stderr.strip().splitlines()[-1:][0],
        )
    if subprocess.run(check, capture_output=True, timeout=120).returncode != 0:
        return None, None, "news-please installed but `import newsplease` fails in its venv"
    return python, time.perf_counter() - started, ""


def run_peer(
    urls: list[str], work: Path, install_timeout: float = 900, timeout: float = 1800
) -> PeerRun:
    """Fetch and extract `urls` with NewsPlease.from_urls in the news-please venv."""
    python, install_s, reason = ensure_venv(install_timeout)
    if python is None:
        return PeerRun(ok=False, reason=reason)
    work.mkdir(parents=True, exist_ok=True)
    urls_file, out_file = work / "newsplease_urls.json", work / "newsplease_out.json"
    urls_file.write_text(json.dumps(urls))
    out_file.unlink(missing_ok=True)
    try:
        proc = subprocess.run(
            [str(python), str(WORKER), str(urls_file), str(out_file)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return PeerRun(
            ok=False, reason=f"news-please did not finish {len(urls)} URLs in {timeout:.0f} s"
        )
    if proc.returncode != 0 or not out_file.exists():
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return PeerRun(
            ok=False, reason=f"news-please worker failed (exit {proc.returncode}): {tail}"
        )
    data = json.loads(out_file.read_text())
    return PeerRun(
        ok=True,
        seconds=float(data["seconds"]),
        version=str(data["version"]),
        install_s=install_s,
        bodies=data["bodies"],
    )
