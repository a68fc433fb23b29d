"""Per-source quality thresholds in the registry: valid names and numbers are applied, anything else
is a RegistryError naming the source and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import registry_text

from mediawatch.checks.thresholds import PER_SOURCE, Thresholds
from mediawatch.sources import RegistryError, load_registry


def registry_with(tmp_path: Path, block: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(registry_text(["alpha", "beta"]).replace(
        "  - name: beta\n", f"    thresholds:\n{block}  - name: beta\n"))
    return path


def test_overrides_are_read_and_applied(tmp_path: Path) -> None:
    registry = load_registry(registry_with(tmp_path, "      yield_min_share: 0.05\n      yield_min_candidates: 20\n"))
    alpha, beta = registry.sources
    assert dict(alpha.thresholds) == {"yield_min_share": 0.05, "yield_min_candidates": 20.0}
    assert beta.thresholds == ()
    mine = Thresholds().for_source(dict(alpha.thresholds))
    assert (mine.yield_min_share, mine.yield_min_candidates) == (0.05, 20)
    assert isinstance(mine.yield_min_candidates, int) and mine.yield_collapse_ratio == Thresholds().yield_collapse_ratio


@pytest.mark.parametrize("block", ["      freshness_max_hours: 3\n", "      yield_min_share: -1\n",
                                   "      yield_min_share: lots\n", "      - yield_min_share\n"])
def test_bad_overrides_name_the_source_and_field(tmp_path: Path, block: str) -> None:
    with pytest.raises(RegistryError) as failed:
        load_registry(registry_with(tmp_path, block))
    assert "source 'alpha', field 'thresholds'" in str(failed.value)


def test_only_per_source_limits_can_be_overridden() -> None:
    assert set(PER_SOURCE) <= {f for f in Thresholds().as_dict()}
    with pytest.raises(ValueError, match="freshness_max_hours"):
        Thresholds().for_source({"freshness_max_hours": 1})
