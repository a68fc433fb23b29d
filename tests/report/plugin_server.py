"""Serve the reports plugin's FastAPI app with uvicorn on 127.0.0.1, as Airflow's API server mounts it.

Run as a subprocess by test_plugin.py with an isolated AIRFLOW_HOME/config in the environment. Prints
one JSON line (port and tokens minted by Airflow's own JWT generator), then serves until killed.
"""

from __future__ import annotations

import json
import socket
import sys

import uvicorn
from fastapi import FastAPI


def main() -> None:
    from airflow import plugins_manager
    from airflow.api_fastapi.app import create_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.models.revoked_token import RevokedToken
    from airflow.settings import engine

    # token validation looks up revoked token ids in the metadata DB
    RevokedToken.__table__.create(engine, checkfirst=True)
    auth_manager = create_auth_manager()
    auth_manager.init()
    apps, _ = plugins_manager.get_fastapi_plugins()
    root = FastAPI()
    root.state.auth_manager = auth_manager
    for sub in apps:  # what airflow.api_fastapi.app.init_plugins does
        root.mount(sub["url_prefix"], sub["app"])
    admin = auth_manager.generate_jwt(SimpleAuthManagerUser(username="admin", role="ADMIN"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # connections queue from here on, so the test may connect right after the line below
    port = sock.getsockname()[1]
    print("PLUGIN-SERVER " + json.dumps({"port": port, "token": admin, "apps": [a["url_prefix"] for a in apps]}), flush=True)
    config = uvicorn.Config(root, log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    sys.exit(main())
