"""The distributed profile for tests and benchmarks: real PostgreSQL, Redis, Airflow with Celery workers.

Everything is started by the project's own scripts (scripts/distributed_up.sh / _down.sh) in a
private folder on free ports, so it never touches `make up`, `make up-distributed` or var/.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports (all held open while choosing, so none is handed out twice)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def can_run() -> str | None:
    """None if PostgreSQL and Redis are installed or installable here, else why not."""
    if PG_BIN and shutil.which("redis-server"):
        return None
    if os.geteuid() != 0:
        return "PostgreSQL/redis-server are not installed and installing them needs root (apt-get)"
    if not shutil.which("apt-get"):
        return "PostgreSQL/redis-server are not installed and there is no apt-get to install them"
    return None


@dataclass
class Cluster:
    """One private distributed profile: its folder, ports and the environment that points at it."""

    folder: Path
    env: dict[str, str] = field(default_factory=dict)
    token: str = ""

    @classmethod
    def create(cls, **settings: str) -> Cluster:
        folder = Path(tempfile.mkdtemp(prefix="mw-dist-", dir="/tmp"))
        folder.chmod(0o755)  # PostgreSQL runs as `postgres` and must reach its data dir inside
        pg, redis, api, log_base = free_ports(4)
        env = dict(
            os.environ,
            MW_DIST_DIR=str(folder),
            MW_PG_PORT=str(pg),
            MW_REDIS_PORT=str(redis),
            MW_API_PORT=str(api),
            MW_LOG_PORT_BASE=str(log_base),
            **settings,
        )
        # a test's own environment must not pick another warehouse or profile
        for key in ("MEDIAWATCH_WAREHOUSE", "MEDIAWATCH_REPORTS", "MEDIAWATCH_WAREHOUSE_BACKEND",
                    "MEDIAWATCH_DUCKLAKE_CATALOG", "MEDIAWATCH_DUCKLAKE_DATA", "MW_SHARED"):
            if key not in settings:
                env.pop(key, None)
        cluster = cls(folder, env)
        cluster.env.update(cluster.profile_env())
        return cluster

    def profile_env(self) -> dict[str, str]:
        """The variables scripts/distributed_env.sh exports for this cluster."""
        out = subprocess.run(
            ["bash", "-c", ". scripts/distributed_env.sh && env -0"],
            cwd=REPO_ROOT, env=self.env, capture_output=True, check=True,
        ).stdout.decode()
        pairs = (item.split("=", 1) for item in out.split("\0") if "=" in item)
        return {k: v for k, v in pairs if k.startswith(("MW_", "AIRFLOW__", "MEDIAWATCH_", "PGPASSFILE"))}

    def up(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(["bash", "scripts/distributed_up.sh", *args], cwd=REPO_ROOT, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"distributed_up.sh failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
        return done.stdout

    def down(self) -> str:
        done = subprocess.run(["bash", "scripts/distributed_down.sh"], cwd=REPO_ROOT, env=self.env,
                              capture_output=True, text=True, timeout=180)
        return done.stdout

    def destroy(self) -> None:
        self.down()
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- PostgreSQL --------------------------------------------------------------------------------

    def psql(self, sql: str, db: str = "postgres") -> str:
        cmd = [str(PG_BIN[-1] / "psql"), "-h", "127.0.0.1", "-p", self.env["MW_PG_PORT"],
               "-U", self.env["MW_PG_USER"], "-d", db, "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-c", sql]
        return subprocess.run(cmd, env=self.env, capture_output=True, text=True, check=True).stdout

    def new_lake(self, name: str, data: Path) -> dict[str, str]:
        """A fresh, empty DuckLake (catalog database `name`, data folder `data`): its environment."""
        self.psql(f"drop database if exists {name}")
        self.psql(f"create database {name}")
        return {
            "MEDIAWATCH_WAREHOUSE_BACKEND": "ducklake",
            "MEDIAWATCH_DUCKLAKE_CATALOG": f"dbname={name} host=127.0.0.1 port={self.env['MW_PG_PORT']} "
                                           f"user={self.env['MW_PG_USER']}",
            "MEDIAWATCH_DUCKLAKE_DATA": str(data),
            "PGPASSFILE": self.env["PGPASSFILE"],
        }

    # --- Airflow REST API --------------------------------------------------------------------------

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.env['MW_API_PORT']}"

    def request(self, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = json.dumps(data).encode() if data is not None else None
        req = urllib.request.Request(self.api + path, data=body, headers=headers, method=method)
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"{}")

    def login(self) -> None:
        passwords = Path(self.env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
        password = json.loads(passwords.read_text())["admin"]
        self.token = ""
        self.token = self.request("POST", "/auth/token", {"username": "admin", "password": password})[
            "access_token"
        ]

    def wait_for_dags(self, dag_ids: set[str], timeout: float = 180) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            listed = {d["dag_id"] for d in self.request("GET", "/api/v2/dags?limit=100").get("dags", [])}
            if dag_ids <= listed:
                return
            time.sleep(2)
        raise TimeoutError(f"DAGs {dag_ids - listed} not parsed within {timeout} s")

    def unpause(self, dag_id: str) -> None:
        self.request("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})

    def trigger(self, dag_id: str) -> str:
        run = self.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None})
        return str(run["dag_run_id"])

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return list(self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns?limit=100")["dag_runs"])

    def wait_run(self, dag_id: str, run_id: str | None = None, timeout: float = 300,
                 after: int = 0) -> dict[str, Any]:
        """Wait for a run (`run_id`, else the first run beyond the first `after`) to finish."""
        deadline = time.time() + timeout
        run: dict[str, Any] = {}
        while time.time() < deadline:
            runs = sorted(self.runs(dag_id), key=lambda r: r.get("queued_at") or "")
            chosen = [r for r in runs if r["dag_run_id"] == run_id] if run_id else runs[after:after + 1]
            if chosen:
                run = chosen[0]
                if run["state"] in ("success", "failed"):
                    return run
            time.sleep(3)
        raise TimeoutError(f"{dag_id} run {run_id or after} not finished within {timeout} s: {run}")

    def wait_new_runs(self, dag_id: str, before: set[str], timeout: float = 300) -> list[dict[str, Any]]:
        """Wait until runs of `dag_id` not in `before` exist and have all finished; return them."""
        deadline = time.time() + timeout
        new: list[dict[str, Any]] = []
        while time.time() < deadline:
            new = [r for r in self.runs(dag_id) if r["dag_run_id"] not in before]
            if new and all(r["state"] in ("success", "failed") for r in new):
                return new
            time.sleep(2)
        raise TimeoutError(f"new {dag_id} runs not finished within {timeout} s: {new}")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=100"
        return list(self.request("GET", urllib.request.quote(path, safe="/?=&"))["task_instances"])

    # --- workers -----------------------------------------------------------------------------------

    def worker_log(self, number: int) -> str:
        path = self.folder / "logs" / f"worker-{number}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def running_crawl(self, number: int) -> bool:
        """Whether worker `number` is running a crawl subprocess (`python -m spiders.scrapy_cli crawl`,
        Scrapy's own command line behind a faster start and exit) right now."""
        import psutil

        try:
            root = psutil.Process(int((self.folder / "run" / f"worker-{number}.pid").read_text()))
            for child in root.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    if "scrapy" in " ".join(child.cmdline()):
                        return True
        except (OSError, ValueError, psutil.Error):
            return False
        return False

    def kill_worker(self, number: int) -> list[int]:
        """SIGKILL a worker and every process it started (task runners, crawls): a machine dying.

        Airflow's task runners start their own process groups, so killing the worker's group alone
        would leave its crawls running (that is a network partition, not a dead machine)."""
        import psutil

        pid = int((self.folder / "run" / f"worker-{number}.pid").read_text())
        root = psutil.Process(pid)
        victims = [root, *root.children(recursive=True)]
        for proc in victims:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.send_signal(signal.SIGKILL)
        return [p.pid for p in victims]


def start_fixture_web(folder: Path, articles: int) -> tuple[subprocess.Popen[bytes], Path]:
    """The fixture web on free ports; returns the process and its source registry."""
    registry = folder / "fixture-sources.yaml"
    port = free_port()
    proc = subprocess.Popen(
        [str(REPO_ROOT / ".venv/bin/mediawatch"), "fixture-web", "serve", "--port", str(port),
         "--articles", str(articles), "--sources-out", str(registry)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    for _ in range(100):
        if registry.exists() and registry.stat().st_size:
            return proc, registry
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the fixture web did not write its registry")
