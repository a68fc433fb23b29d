"""Where things live: the four user-facing paths and everything derived from them.

Every command and DAG task takes the same four paths (sources, watchlist, warehouse, reports).
Defaults are the repository's own files; MEDIAWATCH_* environment variables override them, so an
Airflow deployment can point the same DAGs elsewhere without code changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = REPO_ROOT / "var"


@dataclass(frozen=True)
class Paths:
    """The user-facing paths of one pipeline instance, plus the working folders derived from them."""

    sources: Path
    watchlist: Path
    warehouse: Path
    reports: Path

    @property
    def data_dir(self) -> Path:
        """Folder holding the warehouse; staging files, WARC archives and the analyst DB sit beside it."""
        return self.warehouse.parent

    @property
    def staging_dir(self) -> Path:
        return self.data_dir / "staging"

    @property
    def warc_dir(self) -> Path:
        return self.data_dir / "warc"

    @property
    def analyst_db(self) -> Path:
        """Read-only copy for analysts, republished atomically after each successful load."""
        return self.warehouse.with_name(self.warehouse.stem + "_analyst.duckdb")

    @property
    def crawl_state(self) -> Path:
        """What the warehouse already holds (url, content hash, lastmod), exported for the spiders."""
        return self.data_dir / "crawl_state.parquet"

    def ensure(self) -> Paths:
        for folder in (self.data_dir, self.staging_dir, self.warc_dir, self.reports):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def default_paths(
    sources: str | Path | None = None,
    watchlist: str | Path | None = None,
    warehouse: str | Path | None = None,
    reports: str | Path | None = None,
) -> Paths:
    """Resolve paths: explicit argument, else MEDIAWATCH_* environment variable, else the repo default."""

    def pick(value: str | Path | None, env: str, default: Path) -> Path:
        chosen = value if value is not None else os.environ.get(env) or default
        return Path(chosen).expanduser().resolve()

    return Paths(
        sources=pick(sources, "MEDIAWATCH_SOURCES", REPO_ROOT / "sources.yaml"),
        watchlist=pick(watchlist, "MEDIAWATCH_WATCHLIST", REPO_ROOT / "watchlist.yaml"),
        warehouse=pick(warehouse, "MEDIAWATCH_WAREHOUSE", VAR_DIR / "warehouse.duckdb"),
        reports=pick(reports, "MEDIAWATCH_REPORTS", VAR_DIR / "reports"),
    )
