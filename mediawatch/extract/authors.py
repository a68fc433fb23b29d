"""Bylines to person names: strip "By", dates, roles and menu words; drop organisations when a
person is named; split "A, B and C"."""

from __future__ import annotations

import re
from collections.abc import Iterable

_PREFIX = re.compile(
    r"^\s*(?:(?:written|posted|reported|published|compiled|edited|story|text|words|photos?)\s+)?"
    r"(?:by|von|par|por|di|door|de)\s*:?\s+",
    re.I,
)
# Conjunctions are lowercase in bylines; matching them case-sensitively keeps "Sarah E Needleman".
# "Finian Cunningham. Sputnik International": a full stop after a word (not an initial) ends a name.
_SPLIT = re.compile(r"\s*(?:,|;|\||&|\n|(?<=\w\w\w)\.\s+|\b(?:and|And|AND|und|et|y|e|with)\b)\s*")
# A piece holding any of these is a date, a time or a role, not a name.
_NOT_NAME = re.compile(
    r"\d|@|https?:|www\.|admin|\b(ago|updated|published|posted|min(ute)?s?|hours?|read|share|"
    r"follow|email|twitter|facebook|contributor|correspondent|editor|reporter|writer|"
    r"columnist|staff|team|desk|newsroom|contributors|guest|"
    r"home|news|menu|search|login|subscribe|comments?|photo|image|getty|images|"
    r"more|view|all|posts|profile|about|the)\b",
    re.I,
)
# Words that make a name an organisation (used only to drop them when a person is also named).
_ORG_WORD = re.compile(
    r"\b(news|press|associated|reuters|afp|ap|agency|staff|team|desk|media|magazine|times|post|"
    r"daily|journal|tribune|inc|ltd|llc|gmbh|group|network|editors?|editorial|board|service|wire|"
    r"bureau|online|digital|international|tv|radio|\.com)\b",
    re.I,
)
_MAX_WORDS = 5


def _clean_piece(piece: str) -> str | None:
    piece = re.sub(r"\s+", " ", piece).strip(" \t-–—:·•|,.")
    piece = _PREFIX.sub("", piece).strip()
    if not piece or _NOT_NAME.search(piece):
        return None
    words = piece.split()
    if len(words) > _MAX_WORDS or not any(w[:1].isupper() for w in words):
        return None
    if piece.isupper():  # "JANE DOE" in a styled byline
        piece = piece.title()
    return piece


def split_byline(byline: str) -> list[str]:
    """Person-name candidates in one byline string ("By Ann Lee and Bo Li | May 1" -> 2 names)."""
    byline = _PREFIX.sub("", byline.strip())
    names = []
    for piece in _SPLIT.split(byline):
        name = _clean_piece(_PREFIX.sub("", piece))
        if name:
            names.append(name)
    return names


def is_organisation(name: str, site_name: str | None = None) -> bool:
    """True for names that look like a publisher or agency rather than a person."""
    if site_name and name.casefold() == site_name.casefold():
        return True
    return bool(_ORG_WORD.search(name))


def clean_authors(
    candidates: Iterable[str], site_name: str | None = None, organisations: Iterable[str] = ()
) -> list[str]:
    """Deduplicated person names from raw author strings, in order.

    `organisations` are names known to be organisations (e.g. JSON-LD `Organization` authors);
    they, and organisation-looking names, are kept only when no person is named at all."""
    orgs = {o.casefold() for o in organisations}
    people: list[str] = []
    others: list[str] = []
    seen: set[str] = set()
    for raw in candidates:
        if not raw:
            continue
        for name in split_byline(str(raw)):
            key = name.casefold()
            if key in seen:
                continue
            seen.add(key)
            if key in orgs or is_organisation(name, site_name):
                others.append(name)
            else:
                people.append(name)
    # Next to full names, a lone word is a brand or handle ("Victor Tangermann, Futurism").
    if any(" " in name for name in people):
        people = [name for name in people if " " in name]
    return people or others
