"""What backfills remember between runs, in one SQLite file beside the warehouse.

- `seen`: every record a backfill staged, keyed by (URL, payload digest): a second backfill of the
  same archive stages nothing.
- `jobs`: one row per (input, options): its run id, the offset of the next record to read, the size
  of each of its staging `.part` files at that point, and its counts. Written in the same
  transaction as the `seen` rows of the records read so far, so a crash loses at most the records
  since the last checkpoint, and resuming truncates the `.part` files back to the checkpoint.

SQLite (not the warehouse) because the loader is the warehouse's only writer, and mapped Airflow
tasks backfill several files at once: SQLite serialises their short transactions.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["BackfillState", "Job"]

_SCHEMA = """
create table if not exists seen (
    url text not null,
    payload_digest text not null,
    source text not null,
    run_id text not null,
    primary key (url, payload_digest)
);
create table if not exists jobs (
    job_key text primary key,
    input text not null,
    run_id text not null,
    status text not null,            -- running | done
    next_offset integer not null,
    part_sizes text not null,        -- JSON {source: bytes of its .part at the checkpoint}
    counts text not null,            -- JSON of the counts so far
    updated_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
"""


@dataclass
class Job:
    """The checkpoint of one backfill of one input."""

    job_key: str
    input: str
    run_id: str
    status: str = "running"
    next_offset: int = 0
    part_sizes: dict[str, int] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)


class BackfillState:
    """The ledger of staged records and the job checkpoints (one SQLite file)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.con = sqlite3.connect(path, timeout=60, isolation_level=None)
        self.con.execute("pragma journal_mode=wal")
        self.con.execute("pragma synchronous=normal")
        self.con.executescript(_SCHEMA)

    def close(self) -> None:
        self.con.close()

    def seen(self, url: str, payload_digest: str) -> bool:
        """True when a backfill already staged this URL with this payload."""
        row = self.con.execute(
            "select 1 from seen where url = ? and payload_digest = ?", [url, payload_digest]
        ).fetchone()
        return row is not None

    def job(self, job_key: str) -> Job | None:
        row = self.con.execute(
            "select job_key, input, run_id, status, next_offset, part_sizes, counts "
            "from jobs where job_key = ?",
            [job_key],
        ).fetchone()
        if row is None:
            return None
        key, name, run_id, status, offset, sizes, counts = row
        return Job(key, name, run_id, status, int(offset), json.loads(sizes), json.loads(counts))

    def checkpoint(self, job: Job, staged: Iterable[tuple[str, str, str]]) -> None:
        """Record the job's progress and the (url, digest, source) it staged since the last one."""
        self.con.execute("begin immediate")
        try:
            self.con.executemany(
                "insert or ignore into seen values (?, ?, ?, ?)",
                [(url, digest, source, job.run_id) for url, digest, source in staged],
            )
            self.con.execute(
                "insert or replace into jobs (job_key, input, run_id, status, next_offset, "
                "part_sizes, counts) values (?, ?, ?, ?, ?, ?, ?)",
                [job.job_key, job.input, job.run_id, job.status, job.next_offset,
                 json.dumps(job.part_sizes, sort_keys=True), json.dumps(job.counts, sort_keys=True)],
            )
            self.con.execute("commit")
        except BaseException:
            self.con.execute("rollback")
            raise
