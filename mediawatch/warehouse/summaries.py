"""What a build and its analysis step report: plain dataclasses in a module that imports nothing
heavy, so a load with nothing to do reports an empty summary without importing the build."""

from __future__ import annotations

from dataclasses import dataclass, field

FULL, INCREMENTAL_BUILD = "full", "incremental"


@dataclass
class AnalysisSummary:
    versions: int = 0
    mentions: int = 0
    clusters_joined: int = 0
    alerts: int = 0
    workers: int = 0  # analysis worker processes used (0: the loader's own process)
    worker_faults: int = 0  # batches a failed worker left to the loader's process
    # where the node's wall time went, in the loader's process (seconds per stage; "wait" is the
    # loader idle until the workers' answer) plus "workers_cpu", the workers' own CPU seconds
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class BuildSummary:
    build_id: int | None = None
    kind: str = INCREMENTAL_BUILD
    built: list[str] = field(default_factory=list)
    keys_replaced: dict[str, int] = field(default_factory=dict)  # incremental model -> keys (-1: whole)
    analysis: AnalysisSummary = field(default_factory=AnalysisSummary)
    alerts: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # CPU time of the process (DuckDB's threads included) during the build
    node_seconds: dict[str, float] = field(default_factory=dict)  # the nodes that ran
    node_cpu_seconds: dict[str, float] = field(default_factory=dict)  # CPU, analysis workers included
    commit_seconds: float = 0.0
