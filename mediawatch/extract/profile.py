"""Per-page cost of each extraction step, for the benchmarks (`make bench-extract`, `make bench`).

    from mediawatch.extract.profile import step_costs
    step_costs([(url, html), ...])   # {"decode": 0.1, "parse": 2.3, ..., "total": 17.0} ms per page

Extraction code marks its steps with `with step("name"):`; outside `step_costs` that costs one
context-variable read. Times are exclusive: a step nested in another is not counted twice.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["STEPS", "step", "step_costs"]

# The steps in pipeline order (a step that did not run on any page still shows, as 0).
STEPS = (
    "decode", "parse", "clean", "jsonld", "metadata", "htmldate", "prune", "authors",
    "body", "body_recall", "pagetype", "language", "other",
)  # fmt: skip


class _Collector:
    def __init__(self) -> None:
        self.totals: dict[str, float] = dict.fromkeys(STEPS, 0.0)
        self.stack: list[str] = []


_ACTIVE: ContextVar[_Collector | None] = ContextVar("mediawatch_extract_steps", default=None)


@contextmanager
def step(name: str) -> Iterator[None]:
    """Time the enclosed block as step `name` when a `step_costs` run is collecting."""
    collector = _ACTIVE.get()
    if collector is None:
        yield
        return
    collector.stack.append(name)
    started = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - started
        collector.stack.pop()
        collector.totals[name] = collector.totals.get(name, 0.0) + elapsed
        if collector.stack:  # exclusive times: the enclosing step did not spend this
            parent = collector.stack[-1]
            collector.totals[parent] -= elapsed


def step_costs(pages: Iterable[tuple[str, bytes | str]], site: str | None = None) -> dict[str, float]:
    """Run `extract_article` over `pages` ((url, html) pairs) and return the mean milliseconds per
    page spent in each step, plus `total` (wall time of the whole call) and `pages`."""
    from mediawatch.extract import extract_article

    collector = _Collector()
    token = _ACTIVE.set(collector)
    count = 0
    started = time.perf_counter()
    try:
        for url, html in pages:
            extract_article(html, url, site=site)
            count += 1
    finally:
        total = time.perf_counter() - started
        _ACTIVE.reset(token)
    per_page = 1000.0 / max(1, count)
    costs = {name: seconds * per_page for name, seconds in collector.totals.items()}
    costs["other"] = max(0.0, total * per_page - sum(costs.values()))
    costs["total"] = total * per_page
    costs["pages"] = float(count)
    return costs
