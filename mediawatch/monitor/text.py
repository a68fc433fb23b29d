"""Sentence boundaries and snippets: the small text helpers mentions and sentiment share."""

from __future__ import annotations

import bisect
import re

SNIPPET_LIMIT = 300
ELLIPSIS = "…"

# a sentence ends at . ! ? (plus closing quotes/brackets) followed by space, at CJK full stops,
# or at a line break (extracted bodies keep one paragraph per line). The pattern opens with the one
# character class every boundary starts with, so the regex engine skips to candidates in C instead
# of trying three alternatives at every character; the lookbehinds then pick the alternative. A
# line break matches from the "\n", not from the spaces before it: those are trimmed off the
# sentence anyway, so the spans are those of `[.!?]+["'”’)\]]*\s+|[。！？]+["”’)]*\s*|\s*\n\s*`.
_BOUNDARY = re.compile(
    r"[.!?。！？\n]"
    r"(?:(?<=[.!?])[.!?]*[\"'”’)\]]*\s+|(?<=[。！？])[。！？]*[\"”’)]*\s*|(?<=\n)\s*)"
)
# a period after these is not a sentence end ("Xiaomi Corp. said", "Dr. Lei")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof inc corp ltd co jr sr st vs no approx fig gen sen rep gov jan feb mar apr "
    "jun jul aug sep sept oct nov dec u.s u.k e.g i.e etc".split()
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of `text`, whitespace trimmed, in order."""
    remembered = _LAST_SPANS.get(text)  # a body is split for its sentiment, then its snippets
    if remembered is not None:
        return list(remembered)
    spans: list[tuple[int, int]] = []
    start = 0
    isspace = str.isspace
    for m in _BOUNDARY.finditer(text):
        m_start, m_end = m.span()
        mark = m.group()
        if "\n" in mark:
            end = m_start
        else:
            if mark[0] == "." and _after_abbreviation(text, m_start, m_end):
                continue
            end = m_start + len(mark.rstrip())
        if start < end and not isspace(text[start]) and not isspace(text[end - 1]):
            spans.append((start, end))  # what _add gives when there is nothing to trim
        else:
            _add(spans, text, start, end)
        start = m_end
    _add(spans, text, start, len(text))
    if len(text) >= _MEMO_MIN_CHARS:
        if len(_LAST_SPANS) >= _MEMO_TEXTS:
            _LAST_SPANS.clear()
        _LAST_SPANS[text] = spans
        return list(spans)
    return spans


def joined_sentences(title: str | None, body: str | None) -> list[str]:
    """`split_sentences` of title and body joined by a line break (the empty ones left out).

    The body's spans are the body's own, shifted: a line break is a boundary that eats the
    whitespace around it, and nothing after it looks back past it. Only the title is split with
    the line break after it (which also ends its last sentence), so the body is split once per
    article, here and for its snippets (`sentence_spans` remembers the last long texts)."""
    if not title or not body:
        return split_sentences(title or body or "")
    head = title + "\n"
    return [head[s:e] for s, e in sentence_spans(head)] + [
        body[s:e] for s, e in sentence_spans(body)
    ]


_LAST_SPANS: dict[str, list[tuple[int, int]]] = {}
_MEMO_MIN_CHARS = 200  # shorter texts are split again: cheaper than hashing and copying
_MEMO_TEXTS = 4


def _add(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def _after_abbreviation(text: str, dot: int, after: int) -> bool:
    word_start = dot
    while word_start > 0 and (text[word_start - 1].isalnum() or text[word_start - 1] == "."):
        word_start -= 1
    word = text[word_start:dot].lower()
    if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
        return True
    # "approx. five": a lower-case continuation is not a new sentence
    return after < len(text) and text[after].islower()


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`."""
    return [text[s:e] for s, e in sentence_spans(text)]


class SnippetMaker:
    """Snippets for many matches in one text; sentence boundaries are computed once, on first use."""

    def __init__(self, text: str, limit: int = SNIPPET_LIMIT) -> None:
        self.text = text
        self.limit = limit
        self._spans: list[tuple[int, int]] | None = None
        self._starts: list[int] = []

    def _ensure_spans(self) -> list[tuple[int, int]]:
        if self._spans is None:
            self._spans = sentence_spans(self.text) or [(0, len(self.text))]
            self._starts = [s for s, _ in self._spans]
        return self._spans

    @property
    def sentences(self) -> int:
        """How many sentences the text has (at least one)."""
        return len(self._ensure_spans())

    def sentence_index(self, start: int) -> int:
        """Index (from 0) of the sentence that holds the character at `start`."""
        self._ensure_spans()
        return max(0, bisect.bisect_right(self._starts, start) - 1)

    def snippet(self, start: int, end: int) -> str:
        """The sentence holding text[start:end], cut around the match to at most `limit` chars."""
        self._ensure_spans()
        assert self._spans is not None
        first = self.sentence_index(start)
        last = max(first, bisect.bisect_right(self._starts, max(start, end - 1)) - 1)
        s_start = min(self._spans[first][0], start)
        s_end = max(self._spans[last][1], end)
        return _trim(self.text, s_start, s_end, start, end, self.limit)


def _trim(text: str, s_start: int, s_end: int, start: int, end: int, limit: int) -> str:
    if s_end - s_start <= limit:
        return text[s_start:s_end]
    if end - start >= limit - 2:
        return text[start : start + limit]
    room = limit - (end - start) - 2  # two ellipses at most
    left = max(s_start, start - room // 2)
    right = min(s_end, left + (end - start) + room)
    left = max(s_start, right - (end - start) - room)
    # cut at spaces so no word is split, but never cut into the match
    if left > s_start:
        space = text.find(" ", left, start)
        left = space + 1 if space >= 0 else left
    if right < s_end:
        space = text.rfind(" ", end, right)
        right = space if space >= 0 else right
    out = text[left:right].strip()
    return (ELLIPSIS if left > s_start else "") + out + (ELLIPSIS if right < s_end else "")
