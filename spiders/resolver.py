"""DNS resolver that re-checks every answer Twisted connects with (closes the DNS-rebinding gap
between the middleware's check and the actual connection).

Twisted asks its *name* resolver with the port it is about to connect to, so the exact host:port
allowlist is enforced there (`PortCheckingNameResolver`); the simple resolver underneath only knows
the host name and keeps the weaker host-only check as a first filter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IHostnameResolver, IResolutionReceiver
from zope.interface import implementer, provider

from mediawatch.netguard import connection_allowed, resolution_allowed
from mediawatch.sources import RegistryError, load_registry


class BlockedResolution(DNSLookupError):
    """A host resolved to a non-public address that the registry does not allowlist."""


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver plus the SSRF rule applied to the resolved address."""

    allowlist: frozenset[str] = frozenset()
    # names refused here: Twisted's resolver adapter re-raises our refusal as a plain DNS failure,
    # so the error classifier looks the host up here to name it blocked_address, not dns_error
    blocked_hosts: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        resolver = super().from_crawler(crawler, reactor)
        from spiders.loader import registry_path

        try:
            resolver.allowlist = load_registry(registry_path(crawler.settings)).allowlist
        except RegistryError:
            resolver.allowlist = frozenset()  # the spider loader reports the registry problem
        return resolver

    def install_on_reactor(self) -> None:
        super().install_on_reactor()  # installs this simple resolver (wrapped by Twisted)
        self.reactor.installNameResolver(
            PortCheckingNameResolver(self.reactor.nameResolver, lambda: self.allowlist)
        )

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:  # noqa: N802
        deferred = super().getHostByName(name, timeout)

        def check(address: str) -> str:
            if not resolution_allowed(name, address, self.allowlist):
                GuardedResolver.blocked_hosts.add(name.lower())
                raise BlockedResolution(f"blocked_address: {name} resolved to {address}")
            return address

        return deferred.addCallback(check)


@provider(IResolutionReceiver)
class _CheckedReceiver:
    """Passes on only the addresses the host:port allowlist permits for this connection."""

    def __init__(self, receiver: Any, host: str, allowlist: frozenset[str]) -> None:
        self.receiver, self.host, self.allowlist = receiver, host, allowlist

    def resolutionBegan(self, resolution: Any) -> None:  # noqa: N802
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: Any) -> None:  # noqa: N802
        host_address, port = getattr(address, "host", ""), getattr(address, "port", 0)
        if connection_allowed(self.host, host_address, port, self.allowlist):
            self.receiver.addressResolved(address)
        else:  # nothing is passed on, so Twisted fails the connection with a DNS lookup error
            GuardedResolver.blocked_hosts.add(self.host.lower())

    def resolutionComplete(self) -> None:  # noqa: N802
        self.receiver.resolutionComplete()


@implementer(IHostnameResolver)
class PortCheckingNameResolver:
    """Twisted's name resolver, with every answer checked against the exact host:port allowlist."""

    def __init__(self, inner: Any, allowlist: Any) -> None:
        self.inner = inner
        self.allowlist = allowlist  # a callable: the allowlist is set after installation

    def resolveHostName(  # noqa: N802
        self,
        resolutionReceiver: Any,  # noqa: N803
        hostName: str,  # noqa: N803
        portNumber: int = 0,  # noqa: N803
        addressTypes: Any = None,  # noqa: N803
        transportSemantics: str = "TCP",  # noqa: N803
    ) -> Any:
        receiver = _CheckedReceiver(resolutionReceiver, hostName, self.allowlist())
        return self.inner.resolveHostName(
            receiver, hostName, portNumber, addressTypes, transportSemantics
        )
