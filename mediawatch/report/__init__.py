"""Reports: the period's coverage as one self-contained HTML page, Markdown and CSV/Parquet extracts.

`build_report(paths, date_from, date_to, run_id)` reads the analyst copy through the named queries in
`sql/reports/`; `deliver(report_info, config)` optionally mails it and posts a summary to a webhook.
"""

from mediawatch.report.build import ReportError, build_report
from mediawatch.report.deliver import DeliveryConfig, deliver

__all__ = ["DeliveryConfig", "ReportError", "build_report", "deliver"]
