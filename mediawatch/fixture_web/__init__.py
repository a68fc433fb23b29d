"""A deterministic local web of tech-news sites for tests, `make demo` and benchmarks.

Test and demo tool only: no pipeline module imports it.
"""

from __future__ import annotations

from mediawatch.fixture_web.faults import FAULT_MODES
from mediawatch.fixture_web.web import FixtureWeb

__all__ = ["FAULT_MODES", "FixtureWeb"]
