"""DuckLake upkeep: compaction and snapshot expiry, run on a schedule (dags/mediawatch_lake_maintenance).

Every load commits several snapshots and writes small Parquet files, so an unattended lake grows
in file count and metadata forever. This merges adjacent small files, expires snapshots older than
a retention period (time travel stays possible within it), and deletes the files those snapshots
alone referenced once they have been scheduled for deletion long enough that no reader still scans
them. On the DuckDB-file backend there is nothing to do and it says so.
"""

from __future__ import annotations

from typing import Any

from mediawatch.warehouse import backend

# how far back time travel reaches, and how long a file unused by any snapshot is kept for readers
EXPIRE_OLDER_THAN_DAYS = 7
DELETE_OLDER_THAN_HOURS = 24


def lake_stats(con: Any) -> dict[str, int]:
    """Snapshots and live data files of the lake (what maintenance reduces)."""
    meta = f"__ducklake_metadata_{backend.LAKE}"
    snapshots = con.execute(f"select count(*) from ducklake_snapshots('{backend.LAKE}')").fetchone()[0]
    files = con.execute(f"select count(*) from {meta}.ducklake_data_file where end_snapshot is null").fetchone()[0]
    scheduled = con.execute(f"select count(*) from {meta}.ducklake_files_scheduled_for_deletion").fetchone()[0]
    return {"snapshots": int(snapshots), "data_files": int(files), "files_scheduled_for_deletion": int(scheduled)}


def maintain_lake(
    expire_older_than_days: float = EXPIRE_OLDER_THAN_DAYS,
    delete_older_than_hours: float = DELETE_OLDER_THAN_HOURS,
) -> dict[str, Any]:
    """Compact, expire and clean up the configured DuckLake; counts before and after."""
    lake = backend.current()
    if not lake.is_lake:
        return {"skipped": f"the warehouse is a DuckDB file ({backend.BACKEND_ENV}=duckdb): nothing to maintain"}
    con = backend._open_lake(lake, read_only=False)
    try:
        before = lake_stats(con)

        def run() -> None:
            # a concurrent load may commit in between: a conflict rolls this step back, it is retried
            con.execute(f"call ducklake_merge_adjacent_files('{backend.LAKE}')")
            con.execute(
                f"call ducklake_expire_snapshots('{backend.LAKE}', "
                f"older_than => now() - to_milliseconds({int(expire_older_than_days * 86_400_000)}))"
            )
            con.execute(
                f"call ducklake_cleanup_old_files('{backend.LAKE}', "
                f"older_than => now() - to_milliseconds({int(delete_older_than_hours * 3_600_000)}))"
            )

        backend.retry_conflicts(run)
        return {"before": before, "after": lake_stats(con)}
    finally:
        con.close()
