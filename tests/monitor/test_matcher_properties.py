"""The one-pass trie matcher agrees with a slow, obviously-correct reference on random texts."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mediawatch.monitor.matcher import AliasMatcher, AliasSpec
from mediawatch.monitor.query import _needs_boundary

ALIASES = [
    AliasSpec("Xiaomi", False, 0),
    AliasSpec("Xiaomi Corporation", False, 0),
    AliasSpec("小米", False, 0),
    AliasSpec("NIO", True, 1),
    AliasSpec("Nio Inc", False, 1),
    AliasSpec("Li Auto", False, 2),
    AliasSpec("Li", True, 3),
    AliasSpec("Model 3", False, 4),
    AliasSpec("C++", False, 5),
    AliasSpec("self-driving", False, 6),
]
PIECES = ["Xiaomi", "xiaomi", "Corporation", "小米", "汽车", "NIO", "Nio", "nio", "Inc", "inc",
          "Li", "li", "Auto", "Model", "3", "C++", "self-driving", "on", "ion", "-", ".", ",", "\n"]


def reference(text: str) -> list[tuple[int, int, int]]:
    """At each position, left to right, the longest alias that matches there, skipping past it."""
    found = []
    pos = 0
    while pos < len(text):
        best = None
        for alias in ALIASES:
            body = r"\s+".join(re.escape(w) for w in alias.text.split())
            left = r"(?<!\w)" if _needs_boundary(alias.text[0]) else ""
            right = r"(?!\w)" if _needs_boundary(alias.text[-1]) else ""
            m = re.compile(left + body + right, 0 if alias.case_sensitive else re.I).match(text, pos)
            if m and (best is None or m.end() > best[1]):
                best = (pos, m.end(), alias.owner)
        if best:
            found.append(best)
            pos = best[1]
        else:
            pos += 1
    return found


MATCHER = AliasMatcher(ALIASES)


@given(st.lists(st.sampled_from(PIECES), max_size=20), st.lists(st.sampled_from([" ", "", "  "]), max_size=20))
@settings(max_examples=400)
def test_matches_reference(pieces: list[str], gaps: list[str]) -> None:
    text = "".join(p + (gaps[i] if i < len(gaps) else " ") for i, p in enumerate(pieces))
    got = [(s, e, a.owner) for s, e, a in MATCHER.find(text)]
    assert got == reference(text)
    for start, end, _ in got:
        assert text[start:end].strip() == text[start:end]
