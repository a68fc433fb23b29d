"""Airflow UI plugin: mediawatch reports inside the Airflow UI, behind the Airflow login.

- "Reports" in the navigation opens the reports index (`<reports>/index.html`).
- Each run of `mediawatch_process` gets a "Report" tab opening the report that run built.
- The report pages, their CSV/Parquet extracts and the Data Docs are served from the reports folder
  (MEDIAWATCH_REPORTS, else mediawatch's default), refusing any path that leaves it.

Airflow does not protect plugin endpoints by itself, so every request is authenticated here with
Airflow's own helpers: the JWT from the `Authorization: Bearer` header or the UI's `_token` cookie is
validated by the configured auth manager (`airflow.api_fastapi.core_api.security.get_user`), and the
user must be allowed to see the website. Browsers without a token are sent to the login page.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
from pathlib import Path
from urllib.parse import quote

from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

URL_PREFIX = "/mediawatch-reports"
REPORT_DAG_ID = "mediawatch_process"
# the reports are self-contained: forbid scripts and any request leaving the page's own origin
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'"


def reports_root() -> Path:
    """Folder holding the reports: MEDIAWATCH_REPORTS, else mediawatch's default path."""
    configured = os.environ.get("MEDIAWATCH_REPORTS")
    if configured:
        return Path(configured).expanduser().resolve()
    try:
        from mediawatch.config import default_paths

        return default_paths().reports
    except ImportError:  # plugin deployed without the package: fall back to the repo layout
        return Path(os.environ.get("AIRFLOW_HOME", ".")).resolve() / "var" / "reports"


class _LoginRequired(Exception):
    """No credential at all on a browser request: answer with a redirect to the login page."""

    def __init__(self, location: str):
        self.location = location


async def require_login(request: Request) -> None:
    """Authenticate with Airflow's JWT validation and check the user may see the UI."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN
    from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
    from airflow.api_fastapi.core_api.security import bearer_scheme, get_user

    credentials = await bearer_scheme(request)
    has_token = bool(credentials) or bool(request.cookies.get(COOKIE_NAME_JWT_TOKEN))
    if not has_token and "text/html" in request.headers.get("accept", ""):
        raise _LoginRequired(get_auth_manager().get_url_login(next_url=str(request.url)))
    # raises 401 (no or expired token) or 403 (invalid token), exactly like Airflow's own API
    user = await get_user(request, None, credentials)
    if not get_auth_manager().is_authorized_view(access_view=AccessView.WEBSITE, user=user):
        raise HTTPException(status_code=403, detail="Forbidden: your Airflow role may not view the UI")


def safe_file(root: Path, relative: str) -> Path:
    """The file under `root` that `relative` names; 404 for anything outside, hidden or missing."""
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    if any(p == ".." or p.startswith(".") or "\\" in p or "\x00" in p for p in parts):
        raise HTTPException(status_code=404, detail="Not found")
    candidate = root.joinpath(*parts) if parts else root
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        raise HTTPException(status_code=404, detail="Not found") from None
    if resolved.is_dir():
        resolved = resolved / "index.html"
    if not resolved.is_relative_to(root.resolve()) or not resolved.is_file():
        raise HTTPException(status_code=404, detail="Not found")
    return resolved


def run_id_forms(run_id: str) -> set[str]:
    """The run id as Airflow shows it and as the DAG stores it (made safe for file names)."""
    try:
        from mediawatch.pipeline import safe_run_id
    except ImportError:  # same rule as mediawatch.pipeline.safe_run_id
        def safe_run_id(value: str) -> str:
            return re.sub(r"[^A-Za-z0-9_.-]+", "_", value).strip("_")
    return {run_id, safe_run_id(run_id)}


def report_for_run(root: Path, run_id: str) -> str | None:
    """Folder name of the newest report a given run built (from each report's meta.json)."""
    wanted = run_id_forms(run_id)
    best: tuple[str, str] | None = None
    for meta_path in root.glob("*/meta.json"):
        if meta_path.parent.name.startswith("."):
            continue
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if meta.get("run_id") in wanted:
            key = (str(meta.get("generated_at", "")), meta_path.parent.name)
            best = max(best, key) if best else key
    return best[1] if best else None


_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body style="font-family:system-ui,sans-serif;margin:24px"><h1>{{ title }}</h1><p>{{ text }}</p>
<p><a href="{{ prefix }}/view/index.html">All reports</a></p></body></html>
"""


def _page(title: str, text: str, status: int = 200) -> HTMLResponse:
    import jinja2

    body = jinja2.Environment(autoescape=True).from_string(_PAGE).render(title=title, text=text, prefix=URL_PREFIX)
    return HTMLResponse(body, status_code=status, headers={"Content-Security-Policy": CSP})


def create_app() -> FastAPI:
    """The plugin's FastAPI app (mounted by Airflow's API server under URL_PREFIX)."""
    app = FastAPI(title="mediawatch reports", dependencies=[Depends(require_login)], docs_url=None,
                  redoc_url=None, openapi_url=None)

    @app.exception_handler(_LoginRequired)
    async def _to_login(_: Request, exc: _LoginRequired) -> Response:
        return RedirectResponse(exc.location, status_code=303)

    @app.get("/")
    async def index(request: Request) -> Response:
        return RedirectResponse(f"{request.scope.get('root_path', '')}/view/index.html", status_code=307)

    @app.get("/view/{relative:path}")
    async def view(relative: str) -> Response:
        root = reports_root()
        if relative in ("", "index.html") and not (root / "index.html").exists():
            return _page("mediawatch reports", "No reports yet: run the mediawatch_process DAG or `mediawatch report`.")
        path = safe_file(root, relative)
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return FileResponse(path, media_type=media_type, headers={"Content-Security-Policy": CSP})

    @app.get("/run/{dag_id}/{run_id}")
    async def run_report(request: Request, dag_id: str, run_id: str) -> Response:
        if dag_id != REPORT_DAG_ID:
            return _page("No report", f"Reports are built by {REPORT_DAG_ID} runs; {dag_id} does not build one.")
        folder = report_for_run(reports_root(), run_id)
        if folder is None:
            return _page("No report yet", f"Run {run_id} has not written a report (yet): its report task may "
                         "not have run, or the gate stopped it.", status=404)
        target = f"{request.scope.get('root_path', '')}/view/{quote(folder)}/report.html"
        return RedirectResponse(target, status_code=307)

    return app


class MediawatchReportsPlugin(AirflowPlugin):
    """Adds the Reports page and a per-run Report tab to the Airflow UI."""

    name = "mediawatch_reports"
    fastapi_apps = [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "mediawatch reports"}]
    external_views = [
        {
            "name": "Reports",
            "href": f"{URL_PREFIX}/",
            "destination": "nav",
            "url_route": "mediawatch-reports",
        },
        {
            "name": "Report",
            "href": f"{URL_PREFIX}/run/{{DAG_ID}}/{{RUN_ID}}",
            "destination": "dag_run",
            "url_route": "mediawatch-run-report",
        },
    ]
