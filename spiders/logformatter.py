"""Log lines about items that name the page, never its body: Scrapy's default formatter prints the
whole item, so one failing 3 MB page put 3 MB (and a disk-full crawl every page) into the log."""

from __future__ import annotations

from typing import Any

from scrapy.logformatter import LogFormatter

from mediawatch.boundedyaml import short


def item_summary(item: Any) -> str:
    """`FetchedPage(url=..., status=...)` or `PageOutcome(url=..., kind=..., reason=...)`, bounded."""
    page = getattr(item, "page", None)
    if page is not None:  # PageOutcome
        return (f"{type(item).__name__}(url={short(getattr(page, 'url', None))}, "
                f"kind={getattr(page, 'kind', None)}, reason={short(getattr(page, 'reason', None))})")
    url = getattr(item, "url", None)
    if url is not None:
        return f"{type(item).__name__}(url={short(url)}, status={getattr(item, 'status', None)})"
    return short(item)


class ShortItemLogFormatter(LogFormatter):
    """Scrapy's messages with each item rendered by `item_summary`."""

    def scraped(self, item: Any, *args: Any, **kwargs: Any) -> Any:
        entry = super().scraped(item, *args, **kwargs)
        entry["args"]["item"] = item_summary(item)
        return entry

    def dropped(self, item: Any, *args: Any, **kwargs: Any) -> Any:
        entry = super().dropped(item, *args, **kwargs)
        entry["args"]["item"] = item_summary(item)
        return entry

    def item_error(self, item: Any, *args: Any, **kwargs: Any) -> Any:
        entry = super().item_error(item, *args, **kwargs)
        entry["args"]["item"] = item_summary(item)
        return entry
