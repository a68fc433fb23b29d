"""Test-only DNS for a crawl subprocess (loaded via PYTHONPATH): names in $MW_TEST_DNS resolve to the
given 127.0.0.0/8 addresses without any network. A name with a separate "check" answer returns it
only to mediawatch.netguard's pre-flight check, and the "connect" answer to everyone else (the DNS
rebinding case). Unlisted names fall through to the real resolver."""

from __future__ import annotations

import json
import os
import socket
import sys

_TABLE = json.loads(os.environ.get("MW_TEST_DNS", "{}"))
_real_getaddrinfo = socket.getaddrinfo
_real_gethostbyname = socket.gethostbyname


def _answer(host: object) -> str | None:
    entry = _TABLE.get(str(host).rstrip(".").lower()) if isinstance(host, str) else None
    if entry is None:
        return None
    if isinstance(entry, str):
        return entry
    caller = sys._getframe(2).f_code.co_filename
    return entry["check"] if caller.endswith("netguard.py") else entry["connect"]


def getaddrinfo(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
    address = _answer(host)
    return _real_getaddrinfo(address if address else host, port, *args, **kwargs)


def gethostbyname(host):  # type: ignore[no-untyped-def]
    address = _answer(host)
    return address if address else _real_gethostbyname(host)


if _TABLE:
    socket.getaddrinfo = getaddrinfo
    socket.gethostbyname = gethostbyname
