"""SSRF guard: never connect to loopback, private, link-local, CGNAT, metadata or unspecified addresses.

A crawl follows URLs written by strangers (feeds, sitemaps, redirects), so each request — the first
one and every redirect hop — is checked after DNS resolution. Only exact "host:port" pairs from the
registry allowlist are exempt (the local fixture web in tests and demos).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

__all__ = [
    "BlockedAddress",
    "blocked_reason",
    "check_url",
    "connection_allowed",
    "resolution_allowed",
    "system_resolver",
]

Resolver = Callable[[str, int], Iterable[str]]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class BlockedAddress(Exception):
    """The URL may not be fetched: bad scheme, or it points at a non-public address."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"blocked {url}: {reason}")


def system_resolver(host: str, port: int) -> list[str]:
    """All addresses `host` resolves to, via the operating system (getaddrinfo)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def blocked_reason(address: str) -> str | None:
    """Why an IP address is off limits (e.g. "loopback"), or None if it is a public address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address):
        # an IPv4 address hidden inside IPv6 is judged as that IPv4 address
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return blocked_reason(str(embedded))
    checks = (
        (ip in _METADATA, "metadata"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link_local"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT, "cgnat"),
        (ip.is_private, "private"),
        (ip.is_multicast, "multicast"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global, "not_global"),
    )
    for hit, reason in checks:
        if hit:
            return reason
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def check_url(url: str, allowlist: Iterable[str] = (), resolver: Resolver | None = None) -> None:
    """Raise BlockedAddress unless `url` is http(s) and every address its host resolves to is public
    (or the exact host:port is allowlisted). `resolver` defaults to the system's DNS."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise BlockedAddress(url, "malformed_url") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise BlockedAddress(url, f"scheme_not_allowed:{scheme or 'none'}")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise BlockedAddress(url, "no_host")
    port = port or _DEFAULT_PORTS[scheme]
    allowed = set(allowlist)
    if _host_port(host, port) in allowed:
        return
    if _is_ip(host):
        addresses = [host]
    else:
        try:
            addresses = list((resolver or system_resolver)(host, port))
        except OSError as exc:
            # unresolvable now may resolve to anything later (rebinding): refuse rather than guess
            raise BlockedAddress(url, f"dns_error:{exc}") from None
        if not addresses:
            raise BlockedAddress(url, "dns_error:no_addresses")
    for address in addresses:
        reason = blocked_reason(address)
        if reason and _host_port(address.split("%", 1)[0], port) not in allowed:
            raise BlockedAddress(
                url, f"{reason} address {address} (allowlist {host}:{port} to permit)"
            )


def resolution_allowed(host: str, address: str, allowlist: Iterable[str]) -> bool:
    """Second line of defence at connect time (DNS may answer differently than when check_url ran):
    a resolved address is fine if public, or if an allowlist entry names this host or address
    (the port is checked per request by check_url)."""
    if blocked_reason(address) is None:
        return True
    hosts = {entry.rsplit(":", 1)[0].strip("[]").lower() for entry in allowlist}
    return host.rstrip(".").lower() in hosts or address in hosts


def connection_allowed(host: str, address: str, port: int, allowlist: Iterable[str]) -> bool:
    """The connect-time rule, exact like check_url's: a resolved address is fine if public, or if
    the allowlist names this host or this address *with this port* (entries are "host:port")."""
    if blocked_reason(address) is None:
        return True
    allowed = set(allowlist)
    address = address.split("%", 1)[0]
    return _host_port(host.rstrip(".").lower(), port) in allowed or _host_port(address, port) in allowed
