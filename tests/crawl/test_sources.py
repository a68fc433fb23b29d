"""Registry loading: the shipped registry is valid; a bad one names file, source and field."""

import textwrap

import pytest

from mediawatch.config import REPO_ROOT
from mediawatch.sources import RegistryError, load_registry, parse_interval


def test_shipped_registry_has_the_real_tech_sources():
    registry = load_registry(REPO_ROOT / "sources.yaml")
    assert len(registry.sources) >= 15
    names = set(registry.names)
    assert {"gadgetany", "techcrunch", "theverge", "arstechnica", "electrek", "techradar"} <= names
    for source in registry.sources:
        assert source.feeds or source.sitemaps or source.sections
        assert all(u.startswith("https://") for u in (*source.feeds, *source.sitemaps))
    assert registry.allowlist == frozenset()


GOOD = """
version: 1
settings: {contact_url: "https://example.org/bot"}
network: {allowlist: ["127.0.0.1:8765", "LOCALHOST:9000"]}
sources:
  - name: good
    homepage: http://127.0.0.1:8765/
    feeds: ["http://127.0.0.1:8765/feed/"]
    sections: [{url: "http://127.0.0.1:8765/s/", pagination: "http://127.0.0.1:8765/s/p/{page}/"}]
    language: en
    country: US
    crawl_interval: 15m
"""


def write(tmp_path, text):
    path = tmp_path / "sources.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_good_registry_loads_into_dataclasses(tmp_path):
    registry = load_registry(write(tmp_path, GOOD))
    source = registry.get("good")
    assert source.allowed_domains == ("127.0.0.1",)  # defaulted from the URLs
    assert source.sections[0].max_pages == 5
    assert source.crawl_interval_seconds == 900
    assert registry.allowlist == {"127.0.0.1:8765", "localhost:9000"}
    assert registry.settings["contact_url"] == "https://example.org/bot"


def test_every_problem_is_reported_with_file_source_and_field(tmp_path):
    path = write(
        tmp_path,
        """
        version: 1
        sources:
          - name: alpha
            homepage: ftp://alpha.example/
            feeds: ["https://alpha.example/feed"]
            language: english
            country: US
            crawl_interval: 1h
            colour: blue
          - name: alpha
            homepage: https://beta.example/
            language: en
            country: us
            crawl_interval: often
            discover_homepage: false
            autodiscover: false
        """,
    )
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    message = str(caught.value)
    assert str(path) in message
    expected = [
        ("source 'alpha'", "'homepage'"),
        ("source 'alpha'", "'language'"),
        ("source 'alpha'", "'colour'"),
        ("source 'alpha'", "'name'"),  # duplicate
        ("source 'alpha'", "'feeds'"),  # no discovery method
        ("source 'alpha'", "'country'"),
        ("source 'alpha'", "'crawl_interval'"),
    ]
    for where, field in expected:
        assert any(where in p and field in p for p in caught.value.problems), (where, field)
    assert len(caught.value.problems) == len(expected)
    assert "duplicate" in message and "unknown key" in message and "Fix these entries" in message


def test_bad_urls_and_allowlist_entries_are_rejected(tmp_path):
    path = write(
        tmp_path,
        GOOD.replace(
            '"http://127.0.0.1:8765/feed/"', '"http:///nohost", "javascript:alert(1)"'
        ).replace('"LOCALHOST:9000"', '"http://x:1/"'),
    )
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    problems = caught.value.problems
    assert sum("'feeds'" in p for p in problems) == 2
    assert any("allowlist" in p for p in problems)


def test_unreadable_files_raise_registry_error(tmp_path):
    with pytest.raises(RegistryError, match="file not found"):
        load_registry(tmp_path / "missing.yaml")
    with pytest.raises(RegistryError, match="not valid YAML"):
        load_registry(write(tmp_path, "sources: [\n"))


def test_parse_interval():
    assert parse_interval("1d") == 86400
    for bad in ("0h", "1w", "", "h1"):
        with pytest.raises(ValueError):
            parse_interval(bad)
