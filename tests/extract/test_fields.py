"""Field clean-ups on their own: titles, bylines, dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mediawatch.extract.authors import clean_authors
from mediawatch.extract.dates import date_from_url, parse_date, plausible, to_iso
from mediawatch.extract.fields import clean_title, detect_language


@pytest.mark.parametrize(
    ("title", "site", "host", "expected"),
    [
        (
            "Apple ships M5 MacBooks - GadgetAny",
            "GadgetAny",
            "gadgetany.com",
            "Apple ships M5 MacBooks",
        ),
        ("Apple ships M5 MacBooks | The Verge", None, "theverge.com", "Apple ships M5 MacBooks"),
        ("The Verge: Apple ships M5 MacBooks", None, "theverge.com", "Apple ships M5 MacBooks"),
        (
            "GadgetAny | Apple ships M5 MacBooks",
            "GadgetAny",
            "gadgetany.com",
            "Apple ships M5 MacBooks",
        ),
        (
            "Apple ships M5 MacBooks – Tech Desk Weekly",
            "Tech Desk Weekly",
            "tdw.example",
            "Apple ships M5 MacBooks",
        ),
        ("Kit review - The Anti-June Cleaver", "The Anti-June Cleaver", "x.example", "Kit review"),
        (
            "Apple ships M5 MacBooks | Laptops | Wired",
            "Wired",
            "wired.com",
            "Apple ships M5 MacBooks",
        ),
        # a dash inside the headline is not a site decoration
        ("Why RISC-V matters - a primer", None, "example.com", "Why RISC-V matters - a primer"),
    ],
)
def test_title_without_site_decorations(
    title: str, site: str | None, host: str, expected: str
) -> None:
    assert clean_title(title, site, host, None) == expected


def test_title_prefers_headline_inside_decorated_title() -> None:
    assert (
        clean_title("Breaking: Chip deal signed :: TW", None, "tw.example", "Chip deal signed")
        == "Chip deal signed"
    )


@pytest.mark.parametrize(
    ("bylines", "expected"),
    [
        (["By Jane Doe"], ["Jane Doe"]),
        (["By Jane Doe and John Smith"], ["Jane Doe", "John Smith"]),
        (["Jane Doe, John Smith & Ann Lee"], ["Jane Doe", "John Smith", "Ann Lee"]),
        (["By JANE DOE | May 1, 2024, 8:30 AM"], ["Jane Doe"]),
        (["Written by: Sarah E. Needleman"], ["Sarah E. Needleman"]),
        (["By Staff | 3 hours ago"], []),
        (["Posted by admin"], []),
        (["Jane Doe, Senior Editor"], ["Jane Doe"]),
        (["Von Hans Müller und Eva Schmidt"], ["Hans Müller", "Eva Schmidt"]),
        (["Par Jean Dupont et Marie Curie"], ["Jean Dupont", "Marie Curie"]),
        # organisation dropped when a person is named, kept when it is the only author
        (["By Jane Doe, Reuters"], ["Jane Doe"]),
        (["Victor Tangermann", "Futurism"], ["Victor Tangermann"]),
        (["Associated Press"], ["Associated Press"]),
    ],
)
def test_bylines_become_person_names(bylines: list[str], expected: list[str]) -> None:
    assert clean_authors(bylines, site_name="GadgetAny") == expected


def test_organisation_author_from_structured_data_yields_to_person() -> None:
    assert clean_authors(
        ["GadgetAny Media", "Maria Keller"], organisations=["GadgetAny Media"]
    ) == ["Maria Keller"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-05-01T08:30:00-04:00", "2024-05-01T12:30:00+00:00"),
        ("2024-05-01T08:30:00Z", "2024-05-01T08:30:00+00:00"),
        ("2024-05-01", "2024-05-01T00:00:00+00:00"),
        ("2024-05-01 08:30:00 +0200", "2024-05-01T06:30:00+00:00"),
        ("Wed, 01 May 2024 08:30:00 GMT", "2024-05-01T08:30:00+00:00"),
        ("May 1, 2024 8:30 AM EDT", "2024-05-01T12:30:00+00:00"),
        ("Published on March 3, 2021 | 5:00 pm PST", "2021-03-04T01:00:00+00:00"),
        ("01.05.2024 10:30", "2024-05-01T10:30:00+00:00"),
        ("3. März 2024, 14:05 Uhr", "2024-03-03T14:05:00+00:00"),
        ("15 mars 2023", "2023-03-15T00:00:00+00:00"),
        ("1714552200", "2024-05-01T08:30:00+00:00"),
        ("2024-05-01T17:30:00+09:00", "2024-05-01T08:30:00+00:00"),
    ],
)
def test_dates_parse_to_utc(raw: str, expected: str) -> None:
    assert to_iso(plausible(parse_date(raw))) == expected


@pytest.mark.parametrize(
    "raw", ["3 hours ago", "yesterday", "By Staff", "", "2099-01-01", "1990-06-01"]
)
def test_impossible_or_relative_dates_rejected(raw: str) -> None:
    assert plausible(parse_date(raw)) is None


def test_future_relative_to_given_now() -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    assert plausible(parse_date("2024-01-01T20:00:00Z"), now) is not None  # within a day of slack
    assert plausible(parse_date("2024-03-01"), now) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.example/2019/11/18/story-slug/", "2019-11-18T00:00:00+00:00"),
        ("https://x.example/news/2021-07-04-fireworks", "2021-07-04T00:00:00+00:00"),
        ("https://x.example/archive/20200312/story", "2020-03-12T00:00:00+00:00"),
        ("https://x.example/story-1234567", None),
    ],
)
def test_date_from_url(url: str, expected: str | None) -> None:
    assert to_iso(date_from_url(url)) == expected


def test_language_from_text_not_html_lang() -> None:
    german = "Die Bundesregierung hat am Montag neue Regeln für künstliche Intelligenz beschlossen."
    assert detect_language(german, "en") == "de"
    assert detect_language("ok", "fr") == "fr"
