"""Golden test over every registered site extractor: stored page in, stored record out.

Adding a site class adds a case here: write tests/extract/golden/<key>.html (a page in that site's
layout), then run `UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/extract/test_sites_golden.py`
once, review the JSON it writes and commit both. <key> is the site name, plus `@<valid_until>` for
an old layout version.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from trafilatura.utils import load_html

from mediawatch.extract import SITES, Registry, SiteExtractor, extract_article
from mediawatch.extract.sites.base import SiteExtractor as Base

GOLDEN = Path(__file__).parent / "golden"


def golden_key(cls: type[SiteExtractor]) -> str:
    return cls.name if cls.valid_until is None else f"{cls.name}@{cls.valid_until.isoformat()}"


@pytest.mark.parametrize("cls", SITES.all_classes(), ids=golden_key)
def test_site_matches_golden(cls: type[SiteExtractor]) -> None:
    key = golden_key(cls)
    page = GOLDEN / f"{key}.html"
    assert page.exists(), f"site {key!r} has no stored page: write {page}"
    html = page.read_bytes()
    # the stored page names its own URL (canonical/og:url), like a crawled page would
    url = (
        extract_article(html, "https://unknown.example/").canonical_url
        or f"https://{cls.name}.example/"
    )
    # the class itself, not extract_article(site=...), so old layout versions are covered too
    tree_record = cls(load_html(html), url).record().to_dict()
    expected_file = GOLDEN / f"{key}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        expected_file.write_text(json.dumps(tree_record, indent=2, ensure_ascii=False) + "\n")
    assert expected_file.exists(), (
        f"no golden record: run with UPDATE_GOLDEN=1 to write {expected_file}"
    )
    assert tree_record == json.loads(expected_file.read_text(encoding="utf-8"))
    assert tree_record["error"] is None and tree_record["word_count"] > 0


def test_current_site_version_selected_by_name() -> None:
    for name in SITES.names():
        cls = SITES.get(name)
        assert cls.name == name and cls.valid_until is None


def test_unknown_site_falls_back_to_generic() -> None:
    assert SITES.get("no-such-site") is Base
    assert SITES.get(None) is Base


def test_layout_versions_pick_by_date() -> None:
    registry = Registry()

    @registry.register
    class ExampleV1(Base):
        name = "example"
        valid_until = date(2023, 6, 30)
        body_xpath = "//div[@id='old-body']"

    @registry.register
    class Example(ExampleV1):
        # only the body container moved in the July 2023 redesign
        valid_until = None
        body_xpath = "//div[@id='story']"

    assert registry.get("example") is Example
    assert registry.get("example", as_of=date(2023, 1, 1)) is ExampleV1
    assert registry.get("example", as_of=date(2024, 1, 1)) is Example
    assert registry.all_classes() == [Example, ExampleV1]
