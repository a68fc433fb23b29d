"""The quality gate: Great Expectations suites over each new batch and the whole warehouse.

`run_gate(paths, run_id)` is what the Airflow task and `mediawatch check` call; it raises
`GateFailed` (after recording everything) when a critical check fails. `latest_gate_status(con)`
is what the report shows. Suites and their severities: mediawatch.checks.suites; limits:
mediawatch.checks.thresholds.

The names below are imported on first use, so `mediawatch.checks.thresholds` stays cheap to import
(the registry validates per-source thresholds with it, in every crawl process).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mediawatch.checks.gate import DATA_DOCS_FOLDER, GateFailed, latest_gate_status, run_gate
    from mediawatch.checks.quarantine import held, release
    from mediawatch.checks.thresholds import Thresholds

_WHERE = {
    "DATA_DOCS_FOLDER": "gate",
    "GateFailed": "gate",
    "latest_gate_status": "gate",
    "run_gate": "gate",
    "held": "quarantine",
    "release": "quarantine",
    "Thresholds": "thresholds",
}

__all__ = [
    "DATA_DOCS_FOLDER",
    "GateFailed",
    "Thresholds",
    "held",
    "latest_gate_status",
    "release",
    "run_gate",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
