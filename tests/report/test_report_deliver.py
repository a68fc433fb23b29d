"""Delivery to a real local SMTP sink and a real local webhook receiver (127.0.0.1 only)."""

from __future__ import annotations

import email
import json
import socket
import socketserver
import threading
from collections.abc import Iterator
from email import policy
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from mediawatch.report import DeliveryConfig, deliver


class SMTPSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP for smtplib: greets, accepts one message per DATA, stores the raw bytes."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.messages: list[dict[str, Any]] = []


class _SMTPHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: SMTPSink = self.server  # type: ignore[assignment]
        envelope: dict[str, Any] = {"rcpt": []}
        self.wfile.write(b"220 sink ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250-sink\r\n250 8BITMIME\r\n")
            elif verb == "MAIL":
                envelope["from"] = line.decode().strip()
                self.wfile.write(b"250 ok\r\n")
            elif verb == "RCPT":
                envelope["rcpt"].append(line.decode().strip())
                self.wfile.write(b"250 ok\r\n")
            elif verb == "DATA":
                self.wfile.write(b"354 go ahead\r\n")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                server.messages.append({**envelope, "data": b"".join(data)})
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.server.posts.append({"type": self.headers.get("Content-Type"),  # type: ignore[attr-defined]
                                  "body": json.loads(self.rfile.read(length))})
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def smtp() -> Iterator[SMTPSink]:
    server = SMTPSink()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture()
def hook() -> Iterator[HTTPServer]:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    server.posts = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_config_from_env_is_off_by_default() -> None:
    config = DeliveryConfig.from_env({})
    assert config.email_to == [] and config.webhook_url is None
    assert deliver({"report": "x"}, config) == {"email": "off", "webhook": "off"}
    config = DeliveryConfig.from_env({"MEDIAWATCH_REPORT_EMAIL_TO": "a@x.test, b@x.test",
                                      "MEDIAWATCH_SMTP_HOST": "127.0.0.1", "MEDIAWATCH_SMTP_PORT": "2525",
                                      "MEDIAWATCH_REPORT_WEBHOOK": "http://127.0.0.1:1/hook"})
    assert config.email_to == ["a@x.test", "b@x.test"] and config.smtp_port == 2525
    assert config.webhook_url == "http://127.0.0.1:1/hook"


def test_email_and_webhook_delivery(built: dict[str, Any], smtp: SMTPSink, hook: HTTPServer) -> None:
    env = {"MEDIAWATCH_REPORT_EMAIL_TO": "analysts@example.test",
           "MEDIAWATCH_SMTP_HOST": "127.0.0.1", "MEDIAWATCH_SMTP_PORT": str(smtp.server_address[1]),
           "MEDIAWATCH_REPORT_WEBHOOK": f"http://127.0.0.1:{hook.server_address[1]}/hook"}
    outcome = deliver(built, DeliveryConfig.from_env(env))
    assert outcome == {"email": "sent", "webhook": "sent"}
    (message,) = smtp.messages
    assert "analysts@example.test" in message["rcpt"][0]
    parsed = email.message_from_bytes(message["data"], policy=policy.default)
    assert parsed["Subject"] == "mediawatch report 2026-11-26"
    body = parsed.get_body(("plain",)).get_content()
    assert f"{built['counts']['articles']} articles from {built['counts']['sources']} sources" in body
    assert "Source gamma is failing" in body
    (attachment,) = list(parsed.iter_attachments())
    assert attachment.get_filename() == "report.html"
    assert "mediawatch report 2026-11-26" in attachment.get_content()
    (post,) = hook.posts  # type: ignore[attr-defined]
    assert post["type"] == "application/json"
    assert post["body"]["text"].startswith("mediawatch report 2026-11-26:")
    assert post["body"]["report"] == built["report"] and post["body"]["counts"] == built["counts"]


def test_unreachable_targets_are_reported_not_raised(built: dict[str, Any]) -> None:
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    config = DeliveryConfig(email_to=["a@example.test"], smtp_host="127.0.0.1", smtp_port=dead,
                            webhook_url=f"http://127.0.0.1:{dead}/hook", timeout_s=5)
    outcome = deliver(built, config)
    assert outcome["email"].startswith("failed:") and outcome["webhook"].startswith("failed:")
    bad = deliver(built, DeliveryConfig(webhook_url="file:///etc/passwd", email_to=["a@example.test"]))
    assert "must start with http" in bad["webhook"] and "MEDIAWATCH_SMTP_HOST" in bad["email"]


def test_email_through_airflow_connection_id(built: dict[str, Any], smtp: SMTPSink, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # an Airflow connection defined the env-var way; Airflow's own BaseHook resolves it
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "airflow"))
    monkeypatch.setenv("AIRFLOW_CONN_MEDIAWATCH_SMTP", f"smtp://127.0.0.1:{smtp.server_address[1]}")
    env = {"MEDIAWATCH_REPORT_EMAIL_TO": "desk@example.test", "MEDIAWATCH_SMTP_CONN_ID": "mediawatch_smtp"}
    assert deliver(built, DeliveryConfig.from_env(env)) == {"email": "sent", "webhook": "off"}
    (message,) = smtp.messages
    assert "desk@example.test" in message["rcpt"][0]
