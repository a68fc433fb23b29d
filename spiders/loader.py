"""Spider loader: one spider class per registry source, so `scrapy list` shows the registry and
`scrapy crawl <source>` crawls it. The registry path comes from the MEDIAWATCH_SOURCES environment
variable, else the MEDIAWATCH_SOURCES setting, else the repository's sources.yaml."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.settings import BaseSettings

from mediawatch.config import REPO_ROOT
from mediawatch.sources import Registry, load_registry
from spiders.source_spider import SourceSpider


def registry_path(settings: BaseSettings | None = None) -> Path:
    """The registry file this process crawls."""
    chosen = os.environ.get("MEDIAWATCH_SOURCES") or (
        settings.get("MEDIAWATCH_SOURCES") if settings is not None else None
    )
    return Path(chosen or REPO_ROOT / "sources.yaml").expanduser().resolve()


class RegistrySpiderLoader:
    """Builds a SourceSpider subclass for every source in the registry."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._spiders: dict[str, type[Spider]] = {}
        for source in registry.sources:
            attrs: dict[str, Any] = {
                "name": source.name,
                "source": source,
                "registry": registry,
                "allowed_domains": list(source.allowed_domains),
            }
            self._spiders[source.name] = type(f"{source.name}_spider", (SourceSpider,), attrs)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RegistrySpiderLoader:
        """Load the registry named by the settings/environment (RegistryError when it is invalid)."""
        return cls(load_registry(registry_path(settings)))

    def load(self, spider_name: str) -> type[Spider]:
        """The spider class of one source; KeyError naming the registry otherwise."""
        try:
            return self._spiders[spider_name]
        except KeyError:
            raise KeyError(
                f"Spider not found: {spider_name} (sources in {self.registry.path}: "
                f"{', '.join(self._spiders) or 'none'})"
            ) from None

    def list(self) -> list[str]:
        """Names of all sources, in registry order."""
        return list(self._spiders)

    def find_by_request(self, request: Request) -> list[str]:
        """Sources whose allowed domains cover the request's host."""
        return [name for name, cls in self._spiders.items() if cls.source.allows_host(request.url)]
