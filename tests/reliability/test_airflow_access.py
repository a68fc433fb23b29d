"""Airflow access, without starting Airflow: login required, nothing secret committed, generated
secrets private and ignored, the api-server bound to 127.0.0.1.

Already proven against a running `make up` (tests/dags/test_airflow_up.py): the REST API answers 401
without a token and refuses admin/admin; the generated password is not "admin"; secrets.env is 0600;
the listening socket is 127.0.0.1 only. The report plugin refuses anonymous requests and path
traversal (tests/report/test_report_plugin.py).
"""

from __future__ import annotations

import configparser
import os
import re
import stat
import subprocess
from pathlib import Path

from mediawatch.config import REPO_ROOT

SECRET_NAME = r"(?i)(password|passwd|secret|token|fernet_key|jwt_secret|api_key)"
SECRET_LOOKING = [
    # a literal value: quoted anywhere, or bare in config/env files (code assigns variables bare)
    re.compile(SECRET_NAME + r"\w*\s*[=:]\s*['\"][A-Za-z0-9_\-+/]{8,}['\"]"),
    re.compile(r"\b[A-Za-z0-9_-]{43}=(?![A-Za-z0-9])"),  # a Fernet key
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
]
BARE_SECRET = re.compile(SECRET_NAME + r"\w*\s*[=:]\s*[A-Za-z0-9+/]{12,}\s*$", re.MULTILINE)


def tracked_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True)
    return [REPO_ROOT / name for name in out.stdout.decode().split("\0") if name]


def test_no_secret_or_default_password_is_committed() -> None:
    hits = []
    for path in tracked_files():
        if path.suffix in {".gz", ".png", ".parquet", ".duckdb"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        patterns = SECRET_LOOKING if path.suffix == ".py" else [*SECRET_LOOKING, BARE_SECRET]
        hits += [f"{path.relative_to(REPO_ROOT)}: {m.group(0)[:40]}"
                 for rx in patterns for m in rx.finditer(text)]
    assert hits == []
    assert not [p for p in tracked_files() if p.relative_to(REPO_ROOT).parts[0] == "var"]


def test_airflow_cfg_requires_login_and_binds_loopback() -> None:
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(REPO_ROOT / "airflow.cfg")
    assert cfg["core"]["auth_manager"].endswith("SimpleAuthManager")
    assert cfg["core"]["simple_auth_manager_all_admins"] == "False"  # True would skip the login
    # "user:role" pairs only; the password is generated into var/ on first start
    assert all(entry.count(":") == 1 for entry in cfg["core"]["simple_auth_manager_users"].split(","))
    assert cfg["core"]["simple_auth_manager_passwords_file"].startswith("${AIRFLOW_HOME}/var/")
    assert cfg["api"]["host"] == "127.0.0.1"
    assert cfg["api"]["base_url"].startswith("http://127.0.0.1:")
    for key in ("fernet_key", "jwt_secret", "secret_key"):
        assert not any(cfg.has_option(section, key) for section in cfg.sections()), key
    assert "--host 127.0.0.1" in (REPO_ROOT / "scripts" / "airflow_up.sh").read_text()


def _scratch_root(root: Path, stand_in: str) -> None:
    """A scratch copy of the repository's bin/airflow and scripts/private.sh, with the venv's real
    python and `stand_in` as the venv's `airflow` (a shell script)."""
    (root / "bin").mkdir()
    (root / "bin" / "airflow").write_bytes((REPO_ROOT / "bin" / "airflow").read_bytes())
    (root / "scripts").mkdir()
    (root / "scripts" / "private.sh").write_bytes((REPO_ROOT / "scripts" / "private.sh").read_bytes())
    venv_bin = root / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "python").symlink_to(REPO_ROOT / ".venv" / "bin" / "python")
    (venv_bin / "airflow").write_text(stand_in)
    (venv_bin / "airflow").chmod(0o755)


def test_bin_airflow_generates_private_ignored_secrets(tmp_path: Path) -> None:
    """Run the real bin/airflow in a scratch root whose `airflow` only reports what it was given."""
    _scratch_root(tmp_path, (
        "#!/bin/sh\necho \"fernet=${#AIRFLOW__CORE__FERNET_KEY} jwt=${#AIRFLOW__API_AUTH__JWT_SECRET} "
        "home=$AIRFLOW_HOME\"\n"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env["HOME"] = str(tmp_path)
    first = subprocess.run(["bash", str(tmp_path / "bin" / "airflow"), "version"], env=env,
                           capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    secrets = tmp_path / "var" / "airflow" / "secrets.env"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert f"fernet=44 jwt=43 home={tmp_path}" in first.stdout
    before = secrets.read_text()
    assert {line.split("=", 1)[0] for line in before.splitlines()} == {
        "AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY"}
    subprocess.run(["bash", str(tmp_path / "bin" / "airflow"), "version"], env=env, check=True,
                   capture_output=True, timeout=60)
    assert secrets.read_text() == before  # generated once, then reused
    for generated in ("var/airflow/secrets.env",
                      "var/airflow/simple_auth_manager_passwords.json.generated"):
        ignored = subprocess.run(["git", "check-ignore", "-q", generated], cwd=REPO_ROOT)
        assert ignored.returncode == 0, f"{generated} is not ignored by git"


def test_bin_airflow_keeps_everything_under_var_airflow_private(tmp_path: Path) -> None:
    """Files left readable by an older run are fixed on start, and whatever Airflow then creates
    (here a stand-in `airflow` writing the password file and a log) is owner-only too."""
    _scratch_root(tmp_path, (
        "#!/bin/sh\nmkdir -p \"$AIRFLOW_HOME/var/airflow/logs/dag_id=x\"\n"
        "echo '{\"admin\": \"pw\"}' > \"$AIRFLOW_HOME/var/airflow/simple_auth_manager_passwords.json.generated\"\n"
        "echo log > \"$AIRFLOW_HOME/var/airflow/logs/dag_id=x/1.log\"\n"))
    old = tmp_path / "var" / "airflow" / "old"
    old.mkdir(parents=True, mode=0o755)
    (old / "airflow.db").write_text("x")
    (old / "airflow.db").chmod(0o644)
    (old.parent).chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env["HOME"] = str(tmp_path)
    done = subprocess.run(["bash", "-c", f"umask 022; exec bash {tmp_path / 'bin' / 'airflow'} version"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    readable = [f"{p.relative_to(tmp_path)} {stat.S_IMODE(p.stat().st_mode):o}"
                for p in [old.parent, *old.parent.rglob("*")] if p.stat().st_mode & 0o077]
    assert readable == []
    assert (tmp_path / "var/airflow/simple_auth_manager_passwords.json.generated").exists()


def test_every_entry_point_sets_the_umask() -> None:
    """bin/airflow and each script source scripts/private.sh; make recipes get it through BASH_ENV;
    the mediawatch CLI sets it itself."""
    for path in [REPO_ROOT / "bin" / "airflow", *sorted((REPO_ROOT / "scripts").glob("*.sh"))]:
        if path.name in ("private.sh",):
            continue
        text = path.read_text()
        assert "scripts/private.sh" in text or "distributed_env.sh" in text, path
    assert "umask 077" in (REPO_ROOT / "scripts" / "private.sh").read_text()
    made = subprocess.run(["make", "-s", "--no-print-directory", "-f", "-", "show"], cwd=REPO_ROOT,
                          input=(REPO_ROOT / "Makefile").read_text() + "\nshow:\n\t@umask\n",
                          capture_output=True, text=True, timeout=60)
    assert made.stdout.strip().endswith("0077"), made.stdout + made.stderr
    cli = subprocess.run([str(REPO_ROOT / ".venv" / "bin" / "python"), "-c",
                          "import os, sys; sys.argv = ['mediawatch', '--help'];"
                          "from mediawatch.cli import main\ntry: main()\nexcept SystemExit: pass\n"
                          "print('UMASK', oct(os.umask(0)))"],
                         capture_output=True, text=True, timeout=60)
    assert "UMASK 0o77" in cli.stdout, cli.stdout[-500:] + cli.stderr[-500:]
