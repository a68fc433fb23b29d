"""The data that passes between mediawatch DAGs, named once.

`STAGING` is updated when a crawl cycle has written its staging files; the processing DAG is
scheduled on it. `REPORTS` is updated when the gate passed and the reports were rebuilt.
"""

from __future__ import annotations

from airflow.sdk import Asset

STAGING = Asset("mediawatch://staging", extra={"what": "crawl staging files (JSONL per source and run)"})
REPORTS = Asset("mediawatch://reports", extra={"what": "daily report, built only when the gate passed"})
WAREHOUSE_WRITER_POOL = "mediawatch_warehouse_writer"
