"""`make up` serves the Airflow UI and REST API with the project's DAGs, behind a login."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(url: str, token: str | None = None, data: dict | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, {}


@pytest.fixture(scope="module")
def airflow_up() -> str:
    port = free_port()
    env = dict(os.environ, AIRFLOW__API__PORT=str(port))
    up = subprocess.run(["bash", "scripts/airflow_up.sh"], cwd=REPO_ROOT, env=env,
                        capture_output=True, text=True, timeout=300)
    try:
        assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
        assert "password:" in up.stdout and "admin:admin" not in up.stdout
        yield f"http://127.0.0.1:{port}"
    finally:
        down = subprocess.run(["bash", "scripts/airflow_down.sh"], cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=120)
        assert "stopped api-server" in down.stdout or up.returncode != 0


def login(base: str) -> str:
    passwords = REPO_ROOT / "var/airflow/simple_auth_manager_passwords.json.generated"
    password = json.loads(passwords.read_text())["admin"]
    assert password != "admin"
    status, body = request(f"{base}/auth/token", data={"username": "admin", "password": password})
    assert status in (200, 201), status
    return str(body["access_token"])


def test_the_api_requires_login(airflow_up: str) -> None:
    status, _ = request(f"{airflow_up}/api/v2/dags")
    assert status == 401
    status, _ = request(f"{airflow_up}/auth/token", data={"username": "admin", "password": "admin"})
    assert status in (401, 403)


def test_every_dag_is_listed_with_no_import_errors(airflow_up: str) -> None:
    token = login(airflow_up)
    expected = sorted(p.stem for p in (REPO_ROOT / "dags").glob("*.py") if p.stem != "mediawatch_assets")
    deadline = time.time() + 120
    listed: list[str] = []
    while time.time() < deadline:  # the dag-processor parses the folder shortly after start
        _, body = request(f"{airflow_up}/api/v2/dags", token)
        listed = sorted(d["dag_id"] for d in body.get("dags", []))
        if listed == expected:
            break
        time.sleep(2)
    assert listed == expected
    _, errors = request(f"{airflow_up}/api/v2/importErrors", token)
    assert errors["total_entries"] == 0, errors


def test_the_secrets_file_is_private_and_ignored() -> None:
    secrets = REPO_ROOT / "var/airflow/secrets.env"
    assert secrets.stat().st_mode & 0o077 == 0
    tracked = subprocess.run(["git", "ls-files", "var"], cwd=REPO_ROOT, capture_output=True, text=True)
    assert tracked.stdout.strip() == ""
    cfg = (REPO_ROOT / "airflow.cfg").read_text()
    for key in ("fernet_key", "jwt_secret", "secret_key"):
        assert f"\n{key} =" not in cfg


def test_api_server_binds_loopback_only(airflow_up: str) -> None:
    cfg = (REPO_ROOT / "airflow.cfg").read_text()
    assert "host = 127.0.0.1" in cfg
    port = int(airflow_up.rsplit(":", 1)[1])
    out = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout if shutil.which("ss") else ""
    if out:  # where iproute2 is installed, check the listening socket itself
        listeners = [line.split()[3] for line in out.splitlines() if line.split()[3].endswith(f":{port}")]
        assert listeners and all(addr.startswith("127.0.0.1:") for addr in listeners), listeners



def test_no_file_under_var_airflow_is_readable_by_others(airflow_up: str) -> None:
    """After `make up` (issue 21): the password file, secrets, metadata DB and logs are owner-only,
    whoever created them (symlinks carry no mode of their own and are skipped)."""
    home = REPO_ROOT / "var/airflow"
    assert (home / "simple_auth_manager_passwords.json.generated").exists()
    open_to_others = [f"{oct(p.lstat().st_mode & 0o777)} {p.relative_to(home)}"
                      for p in [home, *home.rglob("*")] if not p.is_symlink() and p.lstat().st_mode & 0o077]
    assert open_to_others == []
