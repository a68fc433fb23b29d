"""Find every alias of a watchlist in a text with one pass of one compiled regex.

The aliases are folded into a character trie and printed as a single case-insensitive regex, so the
engine rejects most positions on their first character instead of trying every alias there (about
ten times faster than a flat `a|b|c` alternation for a few hundred aliases). The trie tries longer
continuations first, so at any position the longest alias wins and matches never overlap.
Case-sensitive aliases are checked after the match; whole-word boundaries are part of the regex.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mediawatch.monitor import prefilter
from mediawatch.monitor.query import _needs_boundary

_END = ""  # trie key marking "an alias ends here"
_SPACE = " "  # trie key for a run of whitespace inside an alias


@dataclass(frozen=True)
class AliasSpec:
    """One alias to find: its text, whether case must match, and who it belongs to (an index)."""

    text: str
    case_sensitive: bool
    owner: int


def normalise(text: str) -> str:
    """Collapse whitespace runs to one space; the key aliases and matched texts are compared by."""
    return " ".join(text.split())


class AliasMatcher:
    """All aliases compiled once; `find` returns non-overlapping, longest-first matches in order."""

    def __init__(self, aliases: list[AliasSpec]) -> None:
        self.aliases = sorted(aliases, key=lambda a: (-len(a.text), a.text))
        self._by_key: dict[str, AliasSpec] = {}
        for alias in self.aliases:
            self._by_key.setdefault(normalise(alias.text).casefold(), alias)
        bounded = [a for a in self.aliases if _needs_boundary(a.text[0])]
        unbounded = [a for a in self.aliases if not _needs_boundary(a.text[0])]
        parts = []
        if bounded:
            parts.append(r"(?<!\w)" + _trie_regex([a.text for a in bounded]))
        if unbounded:
            parts.append(_trie_regex([a.text for a in unbounded]))
        self._regex = re.compile("|".join(parts) or r"(?!x)x", re.IGNORECASE)
        # the same regex with its letters lower-cased, matched case-sensitively on the lower-cased
        # text: the same matches at the same offsets for texts without monitor.prefilter's exotic
        # characters, at about half the cost (re's case-insensitive matching compares every
        # letter through its case tables). None when an alias itself has an exotic character.
        self._lower_regex: re.Pattern[str] | None = None
        if all(prefilter.needle("".join(_units(a.text))) is not None for a in self.aliases):
            lower_parts = []
            if bounded:
                lower_parts.append(r"(?<!\w)" + _trie_regex([a.text for a in bounded], lower=True))
            if unbounded:
                lower_parts.append(_trie_regex([a.text for a in unbounded], lower=True))
            self._lower_regex = re.compile("|".join(lower_parts) or r"(?!x)x")
        # used only when a case-sensitive alias was found in the wrong case
        self._single = [
            (a, re.compile(_alias_regex(a.text), 0 if a.case_sensitive else re.IGNORECASE))
            for a in self.aliases
        ]

    def find(self, text: str) -> list[tuple[int, int, AliasSpec]]:
        """(start, end, alias) for each alias occurrence, left to right, longest match first."""
        found: list[tuple[int, int, AliasSpec]] = []
        pos = 0
        low = prefilter.lowered(text) if self._lower_regex is not None else None
        if low is None:
            search, subject = self._regex.search, text
        else:
            search, subject = self._lower_regex.search, low  # type: ignore[union-attr]
        while True:
            m = search(subject, pos)
            if m is None:
                return found
            start, end = m.span()
            matched = text[start:end]  # as written, not lower-cased
            alias = self._by_key.get(normalise(matched).casefold())
            if alias is None or (
                alias.case_sensitive and normalise(matched) != normalise(alias.text)
            ):
                alias, end = self._fallback(text, start)
            if alias is None:
                pos = start + 1
                continue
            found.append((start, end, alias))
            pos = end

    def _fallback(self, text: str, start: int) -> tuple[AliasSpec | None, int]:
        # the longest alias at `start` had the wrong case ("Nio"); a shorter one may still fit
        for alias, pattern in self._single:
            m = pattern.match(text, start)
            if m:
                return alias, m.end()
        return None, start


def _alias_regex(alias: str) -> str:
    body = r"\s+".join(re.escape(w) for w in alias.split())
    return body + (r"(?!\w)" if _needs_boundary(alias[-1]) else "")


def _trie_regex(aliases: list[str], lower: bool = False) -> str:
    trie: dict = {}
    for alias in aliases:
        node = trie
        for unit in _units(alias):
            node = node.setdefault(unit, {})
        node[_END] = _needs_boundary(alias[-1])
    return _emit(trie, lower)


def _units(alias: str) -> list[str]:
    units: list[str] = []
    for i, word in enumerate(alias.split()):
        if i:
            units.append(_SPACE)
        units.extend(word.casefold() if len(word.casefold()) == len(word) else word)
    return units


def _emit(node: dict, lower: bool = False) -> str:
    # lower: each letter lower-cased in place, so the regex has the same branches in the same order
    branches = []
    for unit in sorted(k for k in node if k != _END):
        head = r"\s+" if unit == _SPACE else re.escape(unit.lower() if lower else unit)
        branches.append(head + _emit(node[unit], lower))
    if _END in node:
        # ending here comes last so longer aliases win; the boundary keeps "Nio" out of "Niomi"
        branches.append(r"(?!\w)" if node[_END] else "")
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"
