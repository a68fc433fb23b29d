"""DNS resolver that re-checks every answer Twisted connects with (closes the DNS-rebinding gap
between the middleware's check and the actual connection)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from mediawatch.netguard import resolution_allowed
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

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:  # noqa: N802
        deferred = super().getHostByName(name, timeout)

        def check(address: str) -> str:
            if not resolution_allowed(name, address, self.allowlist):
                GuardedResolver.blocked_hosts.add(name.lower())
                raise BlockedResolution(f"blocked_address: {name} resolved to {address}")
            return address

        return deferred.addCallback(check)
