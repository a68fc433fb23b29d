"""The Airflow UI plugin served by a real uvicorn on 127.0.0.1: login required, files served safely.

The server runs in a subprocess with its own AIRFLOW_HOME and config (SimpleAuthManager, a JWT secret
set here, a throwaway SQLite metadata DB), loads the plugin through Airflow's plugins manager and
mounts it the way the API server does; tokens come from Airflow's own JWT generator.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socketserver
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from conftest import RUN_ID

from mediawatch.config import Paths

REPO = Path(__file__).resolve().parents[2]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with OPENER.open(request, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture(scope="module")
def server(warehouse: Paths, built: dict[str, Any], weekly: dict[str, Any],
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    from mediawatch.pipeline import safe_run_id
    from mediawatch.report import build_report

    build_report(warehouse, "2026-11-24", "2026-11-24", run_id=safe_run_id("scheduled__2026-11-24T00:00:00+00:00"))
    home = tmp_path_factory.mktemp("airflow_home")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__API_AUTH__JWT_SECRET": "report-plugin-test-secret-" + "x" * 40,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "MEDIAWATCH_REPORTS": str(warehouse.reports),
    }
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("plugin_server.py"))], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        info = None
        for line in proc.stdout or []:
            if line.startswith("PLUGIN-SERVER "):
                info = json.loads(line[len("PLUGIN-SERVER "):])
                break
        assert info, "plugin server did not start"
        info["base"] = f"http://127.0.0.1:{info['port']}/mediawatch-reports"
        yield info
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_plugin_registers_app_and_views() -> None:
    sys.path.insert(0, str(REPO / "plugins"))
    try:
        import mediawatch_reports as plugin
    finally:
        sys.path.remove(str(REPO / "plugins"))
    views = {v["destination"]: v for v in plugin.MediawatchReportsPlugin.external_views}
    assert views["nav"]["name"] == "Reports" and views["nav"]["href"] == "/mediawatch-reports/"
    assert views["dag_run"]["href"] == "/mediawatch-reports/run/{DAG_ID}/{RUN_ID}"
    assert plugin.MediawatchReportsPlugin.fastapi_apps[0]["url_prefix"] == "/mediawatch-reports"


def test_anonymous_requests_are_refused(server: dict) -> None:
    for path in ("/", "/view/index.html", "/view/2026-11-26/report.html", f"/run/mediawatch_process/{RUN_ID}"):
        status, _, _ = get(server["base"] + path)
        assert status == 401, path
    status, headers, _ = get(server["base"] + "/view/index.html", {"Accept": "text/html"})
    assert status == 303 and "/auth/login" in headers["location"]  # a browser is sent to log in
    status, _, body = get(server["base"] + "/view/index.html", {"Authorization": "Bearer not-a-jwt"})
    assert status == 403 and b"Invalid JWT" in body
    forged = server["token"][:-4] + ("AAAA" if not server["token"].endswith("AAAA") else "BBBB")
    assert get(server["base"] + "/view/index.html", {"Cookie": f"_token={forged}"})[0] == 403


def test_authenticated_requests_are_served(server: dict, built: dict[str, Any]) -> None:
    bearer = {"Authorization": f"Bearer {server['token']}"}
    status, headers, body = get(server["base"] + "/view/index.html", bearer)
    assert status == 200 and b'href="2026-11-26/report.html"' in body
    assert "default-src 'none'" in headers["content-security-policy"]
    cookie = {"Cookie": f"_token={server['token']}"}  # what the UI's iframe sends
    status, headers, body = get(server["base"] + "/view/2026-11-26/report.html", cookie)
    assert status == 200 and body == Path(built["report"]).read_bytes()
    assert headers["content-type"].startswith("text/html")
    status, _, body = get(server["base"] + "/view/2026-11-26/tables/entity_mentions.csv", cookie)
    assert status == 200 and body.startswith(b"entity,entity_type,articles")
    status, _, body = get(server["base"] + "/view/quality.html", cookie)
    assert status == 200 and b"mediawatch data quality" in body
    status, _, body = get(server["base"] + "/view/data-docs/local_site/index.html", cookie)
    assert status == 200 and b"validation results" in body
    status, headers, _ = get(server["base"] + "/", cookie)
    assert status == 307 and headers["location"].endswith("/mediawatch-reports/view/index.html")


def test_run_link_opens_that_runs_report(server: dict, warehouse: Paths) -> None:
    auth = {"Authorization": f"Bearer {server['token']}"}
    run = urllib.request.quote(RUN_ID, safe="")
    status, headers, _ = get(f"{server['base']}/run/mediawatch_process/{run}", auth)
    # a run builds the daily digest, then the weekly report: its link opens the newest it built
    newest = max((json.loads(p.read_text())["generated_at"], p.parent.name)
                 for p in warehouse.reports.glob("*/meta.json") if json.loads(p.read_text())["run_id"] == RUN_ID)
    assert status == 307 and headers["location"].endswith(f"/mediawatch-reports/view/{newest[1]}/report.html")
    # the DAG stores the run id made safe for file names; the UI link carries Airflow's own form
    airflow_run_id = "scheduled__2026-11-24T00:00:00+00:00"
    status, headers, _ = get(f"{server['base']}/run/mediawatch_process/{urllib.request.quote(airflow_run_id)}", auth)
    assert status == 307 and headers["location"].endswith("/view/2026-11-24/report.html")
    status, _, body = get(f"{server['base']}/run/mediawatch_process/never-ran", auth)
    assert status == 404 and b"has not written a report" in body
    status, _, body = get(f"{server['base']}/run/mediawatch_crawl/{run}", auth)
    assert status == 200 and b"does not build one" in body


def test_path_traversal_is_refused(server: dict, warehouse: Paths) -> None:
    auth = {"Authorization": f"Bearer {server['token']}"}
    secret = warehouse.reports.parent / "secret.txt"
    secret.write_text("not for the web")
    (warehouse.reports / "escape").symlink_to(secret)
    for path in ("/view/../secret.txt", "/view/..%2Fsecret.txt", "/view/%2e%2e/secret.txt", "/view/escape",
                 "/view/2026-11-26/..%2F..%2Fsecret.txt", "/view/.tmp-x/report.html", "/view/%00"):
        status, _, body = get(server["base"] + path, auth)
        assert status == 404 and b"not for the web" not in body, path


class _TokenProxy(BaseHTTPRequestHandler):
    """A forward proxy for the browser: adds the Airflow UI's `_token` cookie (what a logged-in
    browser carries) and records every URL asked for; anything not for the plugin server gets 502."""

    def do_GET(self) -> None:
        server = self.server
        server.seen.append(self.path)  # type: ignore[attr-defined]
        if not self.path.startswith(server.allowed):  # type: ignore[attr-defined]
            self.send_response(502)
            self.end_headers()
            return
        status, headers, body = get(self.path, {"Cookie": f"_token={server.token}",  # type: ignore[attr-defined]
                                                "Accept": self.headers.get("Accept", "*/*")})
        self.send_response(status)
        for key, value in headers.items():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_CONNECT = do_POST = do_HEAD = do_GET

    def log_message(self, *args: Any) -> None:
        pass


def test_reports_pages_render_in_chromium_behind_the_login(server: dict, weekly: dict[str, Any],
                                                           tmp_path: Path) -> None:
    """The Reports page as the Airflow UI opens it: index and a run's report, in headless Chromium,
    through the plugin's login check, with no console error and no request beyond the server."""
    from test_report_chromium import console_lines, render

    proxy = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _TokenProxy)
    proxy.daemon_threads = True
    proxy.seen, proxy.token = [], server["token"]  # type: ignore[attr-defined]
    proxy.allowed = f"http://127.0.0.1:{server['port']}/"  # type: ignore[attr-defined]
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        run = urllib.request.quote(RUN_ID, safe="")
        for name, path in (("index", "/view/index.html"), ("run-report", f"/run/mediawatch_process/{run}")):
            shot = tmp_path / f"plugin-{name}.png"
            stderr = render(server["base"] + path, shot, tmp_path / f"profile-{name}", proxy.server_address[1])
            assert console_lines(stderr) == [], name
            assert shot.stat().st_size > 20_000, name  # a real page, not an error or a blank
        seen = proxy.seen  # type: ignore[attr-defined]
        assert any(re.search(r"/view/[0-9_-]+/report\.html$", p) for p in seen)  # the redirect was followed
        assert page_requests_outside(seen, proxy.allowed) == []  # type: ignore[attr-defined]
    finally:
        proxy.shutdown()
        proxy.server_close()
    keep = REPO / "var" / "screenshots"
    keep.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "plugin-run-report.png", keep / "plugin-run-report.png")


def page_requests_outside(seen: list[str], allowed: str) -> list[str]:
    from test_report_chromium import BROWSER_OWN_HOSTS

    return [p for p in seen if not p.startswith(allowed)
            and not BROWSER_OWN_HOSTS.search(p.split("/")[2] if "://" in p else p)]
