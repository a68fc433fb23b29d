"""Registry of site extractors by name: the sources registry's `extraction: <name>` key and the
`site=` argument of `extract_article` pick one; unknown or missing names use the generic one."""

from __future__ import annotations

from datetime import date

from mediawatch.extract.sites.base import SiteExtractor


class Registry:
    """Site extractor classes by name, each name holding its layout versions."""

    def __init__(self) -> None:
        self._versions: dict[str, list[type[SiteExtractor]]] = {}

    def register(self, cls: type[SiteExtractor]) -> type[SiteExtractor]:
        """Class decorator: add `cls` as one version of the site `cls.name`."""
        self._versions.setdefault(cls.name, []).append(cls)
        # current version (valid_until None) first, then newest to oldest
        self._versions[cls.name].sort(key=lambda c: c.valid_until or date.max, reverse=True)
        return cls

    def names(self) -> list[str]:
        return sorted(self._versions)

    def all_classes(self) -> list[type[SiteExtractor]]:
        """Every registered class, every version (for golden tests)."""
        return [cls for name in self.names() for cls in self._versions[name]]

    def get(self, name: str | None, as_of: date | None = None) -> type[SiteExtractor]:
        """The version of site `name` valid on `as_of` (default: current); generic if unknown."""
        versions = self._versions.get(name or "") or [SiteExtractor]
        if as_of is None:
            return versions[0]
        valid = [c for c in versions if c.valid_until is None or as_of <= c.valid_until]
        return min(valid, key=lambda c: c.valid_until or date.max) if valid else versions[0]


SITES = Registry()
SITES.register(SiteExtractor)

from mediawatch.extract.sites import macrumors  # noqa: E402,F401  (registers itself)

__all__ = ["SITES", "Registry", "SiteExtractor"]
