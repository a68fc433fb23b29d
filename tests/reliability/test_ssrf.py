"""SSRF: no request reaches loopback, private, link-local or metadata addresses unless the exact
host:port is allowlisted: direct URLs, redirect hops, and DNS names that resolve there (also when
the answer changes between the check and the connection). Listeners on 127.0.0.x count every
accepted connection; no test sends traffic outside 127.0.0.0/8.

Already proven elsewhere: address classes and allowlist exactness with an injected resolver
(tests/crawl/test_netguard.py), a redirect to a loopback listener and `localhost` in a real crawl
(tests/crawl/test_crawl_faults.py)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from badinput.conftest import CorpusServer, Route
from support import CountingListener

from mediawatch.crawl import crawl_source
from mediawatch.netguard import BlockedAddress, check_url
from mediawatch.records import FAILED
from mediawatch.staging import iter_staged_pages

from .conftest import FAST, make_paths

SHIM = Path(__file__).parent / "dns_shim"


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[str]]]:
    """In-process DNS: names in the returned table resolve to its addresses (no network)."""
    table: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in table:
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                     (a, port)) for a in table[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    yield table


@pytest.mark.parametrize(
    ("address", "reason"),
    [("127.0.0.5", "loopback"), ("10.20.30.40", "private"), ("192.168.0.10", "private"),
     ("169.254.10.1", "link_local"), ("169.254.169.254", "metadata"), ("fd00:ec2::254", "metadata"),
     ("::ffff:169.254.169.254", "metadata"), ("100.100.100.200", "cgnat"), ("fe80::1", "link_local")],
)
def test_names_resolving_to_internal_addresses_are_blocked_by_the_system_resolver(
    dns: dict[str, list[str]], address: str, reason: str
) -> None:
    """check_url's default resolver is the operating system's getaddrinfo (patched here)."""
    dns["innocent.example.com"] = [address]
    with pytest.raises(BlockedAddress, match=reason):
        check_url("https://innocent.example.com/feed")
    dns["innocent.example.com"] = ["93.184.216.34", address]  # one bad answer among good ones
    with pytest.raises(BlockedAddress, match=reason):
        check_url("https://innocent.example.com/feed")


def test_numeric_host_spellings_of_loopback_are_blocked() -> None:
    """Decimal, hex and short IPv4 spellings are resolved by libc (no network) and still caught."""
    for host in ("2130706433", "0x7f000001", "127.1", "0177.0.0.1"):
        with pytest.raises(BlockedAddress, match="loopback"):
            check_url(f"http://{host}:8080/")


def test_allowlist_names_one_host_and_port_only(dns: dict[str, list[str]]) -> None:
    dns["fixture.test"] = ["127.0.0.1"]
    allow = ["127.0.0.1:8765"]
    check_url("http://127.0.0.1:8765/feed", allow)
    check_url("http://fixture.test:8765/feed", allow)  # resolves to the allowlisted address:port
    for url in ("http://127.0.0.1:8766/", "http://127.0.0.2:8765/", "http://fixture.test:22/"):
        with pytest.raises(BlockedAddress):
            check_url(url, allow)


@pytest.fixture(scope="module")
def ssrf_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A real crawl whose feed lists (and redirects to) internal addresses, with DNS names mapped to
    127.0.0.x in the crawl subprocess."""
    root = tmp_path_factory.mktemp("ssrf")
    listeners = {name: CountingListener(host) for name, host in
                 [("named", "127.0.0.2"), ("ip", "127.0.0.3"), ("rebind", "127.0.0.4"),
                  ("port", "127.0.0.1")]}
    server = CorpusServer({})
    try:
        base, ports = server.base, {k: v.port for k, v in listeners.items()}
        targets = {
            "redirect-to-name": f"http://sneaky.test:{ports['named']}/admin",
            "redirect-to-ip": f"http://127.0.0.3:{ports['ip']}/admin",
            "redirect-to-decimal-ip": f"http://2130706435:{ports['ip']}/admin",  # 127.0.0.3
            "redirect-to-rebinding-name": f"http://rebind.test:{ports['rebind']}/admin",
            # rebinds to the allowlisted address, but on another port than the allowlisted one
            "redirect-to-rebinding-name-other-port": f"http://rebindport.test:{ports['port']}/admin",
        }
        routes = {f"/r/{slug}/": Route(status=302, headers={"Location": url})
                  for slug, url in targets.items()}
        links = [f"{base}/r/{slug}/" for slug in targets] + [
            f"http://127.0.0.1:{ports['port']}/direct-other-port/",
            f"http://sneaky.test:{ports['named']}/direct-name/",
            f"http://rebind.test:{ports['rebind']}/direct-rebinding-name/",
            f"http://rebindport.test:{ports['port']}/direct-rebinding-name-other-port/",
        ]
        items = "".join(f"<item><title>{i}</title><link>{u}</link></item>" for i, u in enumerate(links))
        routes["/feed/"] = Route(f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                                 f"{items}</channel></rss>".encode(), content_type="application/rss+xml")
        routes["/robots.txt"] = Route(b"User-agent: *\nAllow: /\n", content_type="text/plain")
        server.routes = routes
        server.start()
        (root / "sources.yaml").write_text(
            f"version: 1\nnetwork:\n  allowlist: ['{base.split('//')[1]}']\nsources:\n  - name: ssrf\n"
            f"    homepage: {base}/\n"
            "    allowed_domains: ['127.0.0.1', '127.0.0.3', 'sneaky.test', 'rebind.test', 'rebindport.test',"
            " '2130706435']\n"
            f"    feeds: ['{base}/feed/']\n    language: en\n    country: US\n    crawl_interval: 1h\n")
        paths = make_paths(root, root / "sources.yaml")
        dns = {"sneaky.test": "127.0.0.2",
               "rebind.test": {"check": "93.184.216.34", "connect": "127.0.0.4"},
               "rebindport.test": {"check": "93.184.216.34", "connect": "127.0.0.1"}}
        with pytest.MonkeyPatch.context() as env:
            env.setenv("PYTHONPATH", str(SHIM))
            env.setenv("MW_TEST_DNS", json.dumps(dns))
            stats = crawl_source(paths, "ssrf", "r", dict(FAST))
        pages = list(iter_staged_pages(paths.staging_dir / "ssrf" / "r.jsonl"))
        yield {"stats": stats, "pages": pages, "links": links, "requests": list(server.requests),
               "accepted": {k: v.accepted for k, v in listeners.items()}}
    finally:
        server.stop()
        for listener in listeners.values():
            listener.close()


def test_no_internal_listener_is_ever_connected(ssrf_crawl: dict[str, Any]) -> None:
    assert ssrf_crawl["accepted"] == {"named": 0, "ip": 0, "rebind": 0, "port": 0}
    # the redirects themselves were served: the crawl did reach each hop before the guard stopped it
    assert {f"/r/{s}/" for s in ("redirect-to-name", "redirect-to-ip")} <= set(ssrf_crawl["requests"])


def test_each_blocked_url_is_staged_and_counted(ssrf_crawl: dict[str, Any]) -> None:
    staged = {p.url: p for p in ssrf_crawl["pages"]}
    for link in ssrf_crawl["links"]:
        assert link in staged, f"{link} was not staged"
        assert (staged[link].kind, staged[link].reason) == (FAILED, "blocked_address"), staged[link]
    assert ssrf_crawl["stats"]["errors_by_kind"]["blocked_address"] == len(ssrf_crawl["links"])


def test_a_rebinding_name_is_named_as_blocked(ssrf_crawl: dict[str, Any]) -> None:
    staged = {p.url: p for p in ssrf_crawl["pages"]}
    rebinding = [link for link in ssrf_crawl["links"] if "rebinding" in link]
    assert len(rebinding) == 4
    assert {staged[link].reason for link in rebinding} == {"blocked_address"}


def test_connect_time_rule_is_exact_host_and_port() -> None:
    """The rule the connect-time resolver applies (the crawl above exercises it for real)."""
    from mediawatch.netguard import connection_allowed

    allow = ["127.0.0.1:18080"]
    assert connection_allowed("rebind.test", "93.184.216.34", 22, allow)  # public: any port
    assert connection_allowed("rebind.test", "127.0.0.1", 18080, allow)
    assert not connection_allowed("rebind.test", "127.0.0.1", 18081, allow)
    assert not connection_allowed("127.0.0.1", "127.0.0.1", 22, allow)
    assert connection_allowed("fixture.test", "10.0.0.5", 8080, ["fixture.test:8080"])
    assert not connection_allowed("fixture.test", "10.0.0.5", 8081, ["fixture.test:8080"])
