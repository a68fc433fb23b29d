"""Reports: the period's coverage as one self-contained HTML page, Markdown and CSV/Parquet extracts.

`build_report(paths, date_from, date_to, run_id)` reads the analyst copy through the named queries in
`sql/reports/`; `deliver(report_info, config)` optionally mails it and posts a summary to a webhook.
"""

from typing import Any

from mediawatch.report.build import ReportError, build_report

__all__ = ["DeliveryConfig", "ReportError", "build_report", "deliver"]


def __getattr__(name: str) -> Any:
    # delivery (smtplib, urllib) loads on first use: a report that is unchanged delivers nothing
    if name in ("DeliveryConfig", "deliver"):
        import importlib

        delivery = importlib.import_module("mediawatch.report.deliver")
        # importing the submodule bound the package's `deliver` to it: the function takes it back
        globals().update(DeliveryConfig=delivery.DeliveryConfig, deliver=delivery.deliver)
        return globals()[name]
    raise AttributeError(f"module 'mediawatch.report' has no attribute {name!r}")
