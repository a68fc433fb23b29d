"""Render the report in headless Chromium: it loads without console errors and requests nothing.

Every request Chromium makes goes through a recording proxy on 127.0.0.1. Chromium's own service
traffic (google.com connectivity/sign-in probes, which its flags cannot fully silence) is filtered out
by host; a control page with an external image proves the proxy sees page requests. The screenshot is
kept under the test's tmp folder and copied to var/screenshots/ for a human to look at.
"""

from __future__ import annotations

import re
import shutil
import socketserver
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
BROWSER_OWN_HOSTS = re.compile(r"(^|\.)(google\.com|googleapis\.com|gstatic\.com|gvt1\.com)(:\d+)?$")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr", "--v=0",
    "--disable-extensions", "--disable-default-apps", "--no-pings", "--disable-domain-reliability",
    "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate",
    "--window-size=1280,3800",
]


def chromium() -> str:
    """Path of Debian's chromium, installing it with apt if missing; skip only if that fails, saying so."""
    found = shutil.which("chromium")
    if found:
        return found
    try:
        result = subprocess.run(["apt-get", "install", "-y", "chromium"], capture_output=True, text=True,
                                timeout=600)
        detail = result.stderr[-300:]
    except (OSError, subprocess.TimeoutExpired) as exc:
        detail = str(exc)
    found = shutil.which("chromium")
    if not found:
        pytest.skip("BROWSER CHECK NOT RUN: Debian's chromium is not installed and `apt-get install -y chromium` "
                    f"failed ({detail.strip() or 'no output'}); install it to run the report's browser checks")
    return found


class _Recorder(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.seen.append(self.path)  # type: ignore[attr-defined]
        self.send_response(502)
        self.end_headers()

    do_CONNECT = do_POST = do_HEAD = do_GET

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def proxy() -> Iterator[socketserver.ThreadingTCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Recorder)
    server.daemon_threads = True
    server.seen = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def render(page: Path | str, shot: Path, profile: Path, proxy_port: int) -> str:
    """Screenshot `page` (a file or a URL); returns Chromium's stderr (console messages are logged there)."""
    target = page.as_uri() if isinstance(page, Path) else page
    cmd = [chromium(), *FLAGS, f"--user-data-dir={profile}", f"--proxy-server=http://127.0.0.1:{proxy_port}",
           "--proxy-bypass-list=<-loopback>", f"--screenshot={shot}", target]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert shot.is_file(), result.stderr[-2000:]
    return result.stderr


def page_requests(proxy: socketserver.ThreadingTCPServer) -> list[str]:
    seen = proxy.seen  # type: ignore[attr-defined]
    return [p for p in seen if not BROWSER_OWN_HOSTS.search(re.sub(r"^https?://([^/]+).*$", r"\1", p))]


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Refused to" in line]


def test_harness_sees_console_errors_and_requests(tmp_path: Path, proxy: Any) -> None:
    control = tmp_path / "control.html"
    control.write_text('<!doctype html><title>c</title><script>console.error("canary-error")</script>'
                       '<img src="http://report-canary.invalid/x.png">')
    stderr = render(control, tmp_path / "control.png", tmp_path / "profile-control", proxy.server_address[1])
    assert any("canary-error" in line for line in console_lines(stderr))
    assert any("report-canary.invalid" in p for p in page_requests(proxy))


@pytest.mark.parametrize("which", ["weekly", "built"])
def test_report_renders_cleanly(which: str, request: pytest.FixtureRequest, tmp_path: Path, proxy: Any) -> None:
    """The weekly report and the daily digest: no console error, no request, a real page."""
    info = request.getfixturevalue(which)
    shot = tmp_path / "report.png"
    stderr = render(Path(info["report"]), shot, tmp_path / "profile", proxy.server_address[1])
    assert console_lines(stderr) == []
    assert page_requests(proxy) == []
    assert shot.stat().st_size > 50_000  # a real page, not a blank
    keep = REPO / "var" / "screenshots"
    keep.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, keep / f"report-{info['period']['name']}.png")


def test_quality_page_renders_cleanly(weekly: dict[str, Any], tmp_path: Path, proxy: Any) -> None:
    """The data-quality page the reports link to (instead of GX's CDN-styled Data Docs) works offline."""
    page = Path(weekly["report"]).parent.parent / "quality.html"
    stderr = render(page, tmp_path / "quality.png", tmp_path / "profile", proxy.server_address[1])
    assert console_lines(stderr) == [] and page_requests(proxy) == []
