"""The quality gate: Great Expectations suites over each new batch and the whole warehouse.

`run_gate(paths, run_id)` is what the Airflow task and `mediawatch check` call; it raises
`GateFailed` (after recording everything) when a critical check fails. `latest_gate_status(con)`
is what the report shows. Suites and their severities: mediawatch.checks.suites; limits:
mediawatch.checks.thresholds.
"""

from __future__ import annotations

from mediawatch.checks.gate import DATA_DOCS_FOLDER, GateFailed, latest_gate_status, run_gate
from mediawatch.checks.quarantine import held, release
from mediawatch.checks.thresholds import Thresholds

__all__ = [
    "DATA_DOCS_FOLDER",
    "GateFailed",
    "Thresholds",
    "held",
    "latest_gate_status",
    "release",
    "run_gate",
]
