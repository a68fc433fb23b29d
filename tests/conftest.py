"""Shared test set-up: Airflow home is the repository root, and nothing reaches the network."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("AIRFLOW_HOME", str(REPO_ROOT))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
