"""`step_costs`, the per-step cost the benchmarks print, on a real stored page."""

from __future__ import annotations

from pathlib import Path

from mediawatch.extract.profile import STEPS, step_costs

PAGE = Path(__file__).parent / "pages" / "wordpress_tech_news.html"
URL = "https://gadgetany.example/2024/03/14/samsung-foldable-tablet/"


def test_step_costs_split_the_time_of_each_page() -> None:
    html = PAGE.read_bytes()
    costs = step_costs([(URL, html), (URL, html.decode())])
    assert costs["pages"] == 2
    assert set(STEPS) <= set(costs)
    for name in ("decode", "parse", "metadata", "prune", "body", "language"):
        assert costs[name] > 0, name  # each ran on this page and was timed
    assert all(costs[name] >= 0 for name in STEPS)
    # exclusive times: the steps never add up to more than the whole call
    assert sum(costs[name] for name in STEPS) <= costs["total"] * 1.001
