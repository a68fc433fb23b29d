"""SSRF guard: address classes, allowlist exactness, schemes, and DNS answers (patched resolver)."""

import pytest

from mediawatch.netguard import BlockedAddress, blocked_reason, check_url


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.3.4.5", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.1.1", "link_local"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("100.64.0.1", "cgnat"),
        ("100.127.255.254", "cgnat"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("fe80::1", "link_local"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a9fe:a9fe", "metadata"),
        ("2002:7f00:1::", "loopback"),
        ("224.0.0.1", "multicast"),
    ],
)
def test_non_public_addresses_are_blocked(address, reason):
    assert blocked_reason(address) == reason


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address):
    assert blocked_reason(address) is None


def fake_dns(table):
    """An in-process resolver: hostname -> addresses, never touching the network."""

    def resolve(host, port):
        if host not in table:
            raise OSError(f"unknown host {host}")
        return table[host]

    return resolve


def test_hostname_resolving_to_loopback_is_blocked_after_resolution():
    dns = fake_dns({"innocent.example": ["127.0.0.9"], "news.example": ["93.184.216.34"]})
    with pytest.raises(BlockedAddress, match="loopback"):
        check_url("https://innocent.example/feed", resolver=dns)
    check_url("https://news.example/feed", resolver=dns)


def test_any_private_answer_among_several_blocks():
    dns = fake_dns({"mixed.example": ["93.184.216.34", "10.0.0.5"]})
    with pytest.raises(BlockedAddress, match="private"):
        check_url("http://mixed.example/", resolver=dns)


def test_allowlist_is_exact_host_and_port():
    allow = {"127.0.0.1:8765"}
    check_url("http://127.0.0.1:8765/feed/", allow)
    with pytest.raises(BlockedAddress):
        check_url("http://127.0.0.1:8766/", allow)
    with pytest.raises(BlockedAddress):
        check_url("http://127.0.0.2:8765/", allow)
    with pytest.raises(BlockedAddress):
        check_url("http://127.0.0.1/", allow)  # port 80 is not 8765


def test_allowlisted_name_and_resolved_address_both_count():
    dns = fake_dns({"fixture.test": ["127.0.0.1"]})
    check_url("http://fixture.test:8765/", {"fixture.test:8765"}, resolver=dns)
    check_url("http://fixture.test:8765/", {"127.0.0.1:8765"}, resolver=dns)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/x",
        "gopher://127.0.0.1/",
        "http:///x",
        "http://h:x/",
    ],
)
def test_bad_schemes_and_malformed_urls_are_blocked(url):
    with pytest.raises(BlockedAddress):
        check_url(url, resolver=fake_dns({}))


def test_unresolvable_host_is_refused_not_guessed():
    with pytest.raises(BlockedAddress, match="dns_error"):
        check_url("https://nowhere.example/", resolver=fake_dns({}))


def test_resolution_check_allows_public_or_allowlisted_hosts_only():
    from mediawatch.netguard import resolution_allowed

    allow = {"127.0.0.1:8765", "fixture.test:9000"}
    assert resolution_allowed("news.example", "93.184.216.34", allow)
    assert resolution_allowed("fixture.test", "127.0.0.1", allow)
    assert resolution_allowed("127.0.0.1", "127.0.0.1", allow)
    assert not resolution_allowed("rebind.example", "10.0.0.1", allow)
    assert not resolution_allowed("localhost", "127.0.0.2", allow)


RESOLVE_SCRIPT = """
import sys
from twisted.internet import reactor
from spiders.resolver import GuardedResolver, BlockedResolution
resolver = GuardedResolver(reactor, 0, 5.0)
resolver.allowlist = frozenset(sys.argv[1:])
out = []
def done(result):
    out.append(result)
    reactor.stop()
resolver.getHostByName("localhost").addCallbacks(
    lambda a: done("allowed " + a), lambda f: done("blocked" if f.check(BlockedResolution) else repr(f)))
reactor.run()
print(out[0])
"""


def test_twisted_resolver_blocks_loopback_answers_unless_allowlisted():
    import subprocess
    import sys

    from mediawatch.config import REPO_ROOT

    def run(*allow):
        result = subprocess.run(
            [sys.executable, "-c", RESOLVE_SCRIPT, *allow],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return result.stdout.strip() or result.stderr[-500:]

    assert run() == "blocked"
    assert run("localhost:8765").startswith("allowed 127.")
