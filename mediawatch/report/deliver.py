"""Optional delivery of a built report: an email with the report attached, and a webhook summary.

Off unless configured. Environment variables:
  MEDIAWATCH_REPORT_EMAIL_TO     comma-separated recipients (email is sent only when set)
  MEDIAWATCH_REPORT_EMAIL_FROM   sender address (default mediawatch@localhost)
  MEDIAWATCH_SMTP_CONN_ID        an Airflow connection id (host, port, login, password) to send through
  MEDIAWATCH_SMTP_HOST / _PORT   plain SMTP server, used when no connection id is set (port default 25)
  MEDIAWATCH_SMTP_STARTTLS       "true" to upgrade the SMTP session with STARTTLS
  MEDIAWATCH_REPORT_WEBHOOK      Slack-compatible incoming-webhook URL (JSON POST {"text": ...})
A delivery that fails is reported in the returned dict and logged; it never raises, because the
report itself is already built and the next run retries delivery of its own report.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryConfig:
    """Where a report goes; empty means nowhere."""

    email_to: list[str] = field(default_factory=list)
    email_from: str = "mediawatch@localhost"
    smtp_conn_id: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_starttls: bool = False
    webhook_url: str | None = None
    timeout_s: float = 20.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DeliveryConfig:
        """Read the MEDIAWATCH_* delivery variables (see the module docstring)."""
        env = os.environ if env is None else env
        port = env.get("MEDIAWATCH_SMTP_PORT", "").strip()
        return cls(
            email_to=[a.strip() for a in env.get("MEDIAWATCH_REPORT_EMAIL_TO", "").split(",") if a.strip()],
            email_from=env.get("MEDIAWATCH_REPORT_EMAIL_FROM", "").strip() or "mediawatch@localhost",
            smtp_conn_id=env.get("MEDIAWATCH_SMTP_CONN_ID", "").strip() or None,
            smtp_host=env.get("MEDIAWATCH_SMTP_HOST", "").strip() or None,
            smtp_port=int(port) if port.isdigit() else 25,
            smtp_starttls=env.get("MEDIAWATCH_SMTP_STARTTLS", "").strip().lower() in ("1", "true", "yes"),
            webhook_url=env.get("MEDIAWATCH_REPORT_WEBHOOK", "").strip() or None,
        )


def summary_text(info: Mapping[str, Any]) -> str:
    """A short plain-text summary: period, headline counts, warnings, where the report is."""
    counts = info.get("counts") or {}
    period = (info.get("period") or {}).get("name", "")
    lines = [f"mediawatch report {period}: {counts.get('articles', 0)} articles from "
             f"{counts.get('sources', 0)} sources, {counts.get('entities_mentioned', 0)} entities mentioned."]
    warnings = list(info.get("warnings") or [])
    if warnings:
        lines.append(f"{len(warnings)} warning(s):")
        lines += [f"- {w}" for w in warnings[:10]]
    lines.append(f"Report: {info.get('report')}")
    return "\n".join(lines)


def deliver(report_info: Mapping[str, Any], config: DeliveryConfig | None = None) -> dict[str, str]:
    """Send the report by email and/or webhook as configured; returns each channel's outcome."""
    config = config or DeliveryConfig.from_env()
    outcome = {"email": "off", "webhook": "off"}
    if config.email_to:
        try:
            send_email(report_info, config)
            outcome["email"] = "sent"
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            outcome["email"] = f"failed: {exc}"
            log.warning("report email failed: %s; check MEDIAWATCH_SMTP_* / the SMTP connection", exc)
    if config.webhook_url:
        try:
            post_webhook(report_info, config)
            outcome["webhook"] = "sent"
        except (OSError, ValueError) as exc:
            outcome["webhook"] = f"failed: {exc}"
            log.warning("report webhook failed: %s; check MEDIAWATCH_REPORT_WEBHOOK", exc)
    return outcome


def _smtp_settings(config: DeliveryConfig) -> tuple[str, int, str | None, str | None]:
    if config.smtp_conn_id:
        # only this branch needs Airflow; the package stays importable without it
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(config.smtp_conn_id)
        return conn.host or "localhost", int(conn.port or 25), conn.login or None, conn.password or None
    if not config.smtp_host:
        raise ValueError("email is configured but no SMTP server: set MEDIAWATCH_SMTP_HOST or MEDIAWATCH_SMTP_CONN_ID")
    return config.smtp_host, config.smtp_port, None, None


def send_email(info: Mapping[str, Any], config: DeliveryConfig) -> None:
    """Mail the summary with report.html attached (it is self-contained, so it opens offline)."""
    host, port, login, password = _smtp_settings(config)
    message = EmailMessage()
    message["Subject"] = f"mediawatch report {(info.get('period') or {}).get('name', '')}"
    message["From"] = config.email_from
    message["To"] = ", ".join(config.email_to)
    message.set_content(summary_text(info))
    html_path = Path(str(info.get("report", "")))
    if html_path.is_file():
        message.add_attachment(html_path.read_bytes(), maintype="text", subtype="html", filename="report.html")
    with smtplib.SMTP(host, port, timeout=config.timeout_s) as smtp:
        if config.smtp_starttls:
            smtp.starttls()
        if login:
            smtp.login(login, password or "")
        smtp.send_message(message)


def post_webhook(info: Mapping[str, Any], config: DeliveryConfig) -> None:
    """POST {"text": summary, "report": path, ...} as JSON (Slack incoming-webhook compatible)."""
    url = config.webhook_url or ""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"webhook URL {url!r} must start with http:// or https://")
    payload = {"text": summary_text(info), "report": info.get("report"), "period": info.get("period"),
               "counts": info.get("counts")}
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=config.timeout_s) as response:  # noqa: S310 (scheme checked)
        if response.status >= 300:
            raise OSError(f"webhook answered HTTP {response.status}")
