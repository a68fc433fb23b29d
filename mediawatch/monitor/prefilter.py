"""A cheap, exact test that a case-insensitive regex cannot match: its first word is not in the
lower-cased text.

Python's `re` runs its matcher at every position of a text when a pattern opens with a lookbehind
or with case-insensitive letters (about 100 ns a character), while `str.find` scans in C. A
case-insensitive literal c matches a character ch when their simple lower-case forms are equal, or
when the two belong to one of `re`'s few extra case classes (s and long s, i and dotless i, Greek
and Cyrillic letter variants). So for texts and words without the characters below,
`word.lower()` occurs in `text.lower()` at every place the regex's `word` matches, and at the same
offsets (`str.lower` keeps their length):

- non-ASCII characters whose lower-case form is in one of those extra classes (ſ, ı, µ, ϐ, ...);
- characters whose `str.lower` is not their simple lower-case form: İ (two characters) and Σ
  (lower-cased by its context, ς at a word's end).

`EXOTIC` is that set, computed from `re._casefix` and `_sre.unicode_tolower` over every code point
(a test recomputes it, so a Python upgrade that changes the tables fails loudly). A text with any of
them is searched the plain way.
"""

from __future__ import annotations

import re

EXOTIC = re.compile(
    "[\u00b5\u0130-\u0131\u017f\u0345\u0390\u0392\u0395\u0398-\u039a\u039c\u03a0-\u03a1\u03a3"
    "\u03a6\u03b0\u03b2\u03b5\u03b8-\u03ba\u03bc\u03c0-\u03c3\u03c6\u03d0-\u03d1\u03d5-\u03d6"
    "\u03f0-\u03f1\u03f4-\u03f5\u0412\u0414\u041e\u0421-\u0422\u042a\u0432\u0434\u043e"
    "\u0441-\u0442\u044a\u0462-\u0463\u1c80-\u1c88\u1e60-\u1e61\u1e9b\u1fbe\u1fd3\u1fe3"
    "\ua64a-\ua64b\ufb05-\ufb06]"
)


def lowered(text: str) -> str | None:
    """`text.lower()`, offsets unchanged, or None when the text holds an `EXOTIC` character."""
    return None if EXOTIC.search(text) else text.lower()


def needle(word: str) -> str | None:
    """What a case-insensitive match of `word` shows in a `lowered` text; None when exotic."""
    return None if not word or EXOTIC.search(word) else word.lower()
