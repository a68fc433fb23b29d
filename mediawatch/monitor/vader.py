"""VADER's compound score, computed as vaderSentiment 3.3.2 computes it, at a fraction of the cost.

`SentimentIntensityAnalyzer.polarity_scores` lower-cases every word up to a dozen times (each
negation and idiom check rebuilds a lower-cased copy of the whole sentence), walks the text one
character at a time to replace emojis, and computes pos/neu/neg shares we do not store. This module
runs the same rules, in the same order and with the same float operations, on one lower-cased copy
of the words, and only for words of the lexicon (every other word scores 0 and is left as 0):

- the emoji walk runs only when the text holds an emoji of VADER's emoji lexicon;
- the lexicon, emoji lexicon, boosters, negations and idioms are the installed vaderSentiment's own
  (read from the package, not copied), so the scores follow the library;
- the contrastive "but" rule, whose list-index quirks change the score, is VADER's code verbatim.

A test compares `compound` with `polarity_scores(text)["compound"]` on the committed real pages and
generated edge cases (negations, "but", ALL CAPS, emoticons, emojis, idioms, "kind of", "least",
punctuation emphasis, non-English, empty).
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from itertools import compress
from typing import Any

_STATE: tuple[Any, ...] | None = None
Words = Sequence[str]


def _state() -> tuple[Any, ...]:
    # built once per process: the analyzer reads its two lexicon files (~10 ms)
    global _STATE
    if _STATE is None:
        from vaderSentiment import vaderSentiment as vs

        analyzer = vs.SentimentIntensityAnalyzer()
        _STATE = (analyzer, vs)
    return _STATE


class Vader:
    """VADER's compound score of one text (`compound`), equal to the library's to the last bit."""

    def __init__(self) -> None:
        analyzer, vs = _state()
        self._analyzer = analyzer
        self.lexicon: dict[str, float] = analyzer.lexicon
        self.emojis: dict[str, str] = analyzer.emojis
        self.boosters: dict[str, float] = vs.BOOSTER_DICT
        self.special_cases: dict[str, float] = vs.SPECIAL_CASES
        self.negations = frozenset(vs.NEGATE)
        self.n_scalar: float = vs.N_SCALAR
        self.c_incr: float = vs.C_INCR
        self.but_check = vs.SentimentIntensityAnalyzer._but_check
        self.normalize = vs.normalize
        self._tokens = _Tokens(self)
        self._ascii_emojis = any(key.isascii() for key in self.emojis)  # none in 3.3.2
        # every word of a multi-word idiom or booster: a window holding none of them matches none
        self.idiom_words = frozenset(
            word
            for key in (*self.special_cases, *self.boosters)
            if " " in key
            for word in key.split(" ")
        )

    def _without_emojis(self, text: str) -> str:
        # VADER's own emoji walk, verbatim; only reached when the text holds one of its emojis
        text_no_emoji = ""
        prev_space = True
        for chr in text:
            if chr in self.emojis:
                description = self.emojis[chr]
                if not prev_space:
                    text_no_emoji += " "
                text_no_emoji += description
                prev_space = False
            else:
                text_no_emoji += chr
                prev_space = chr == " "
        return text_no_emoji

    def compound(self, text: str) -> float:
        """`polarity_scores(text)["compound"]` of vaderSentiment, rounded to 4 places as it is."""
        # VADER's emoji keys are all non-ASCII, and str.isascii is a flag lookup
        ascii_only = text.isascii() and not self._ascii_emojis
        if not ascii_only and not self.emojis.keys().isdisjoint(text):
            text = self._without_emojis(text)
        text = text.strip()
        infos = list(map(self._tokens.__getitem__, text.split()))
        n = len(infos)
        if not n:
            return 0.0
        words, lows, uppers, scored = zip(*infos, strict=True)
        upper_count = sum(uppers)
        is_cap_diff = 0 < n - upper_count < n
        sentiments: list[Any] = [0] * n  # VADER appends int 0 for every word it does not score
        for i in compress(range(n), scored):
            if lows[i] == "kind" and i < n - 1 and lows[i + 1] == "of":
                continue
            sentiments[i] = self._valence(words, lows, i, is_cap_diff)
        if "but" in lows:
            sentiments = self.but_check(words, sentiments)
        sum_s = float(sum(sentiments))
        punct_emph_amplifier = self._punctuation_emphasis(text)
        if sum_s > 0:
            sum_s += punct_emph_amplifier
        elif sum_s < 0:
            sum_s -= punct_emph_amplifier
        return round(self.normalize(sum_s), 4)

    @staticmethod
    def _punctuation_emphasis(text: str) -> float:
        ep_count = text.count("!")
        if ep_count > 4:
            ep_count = 4
        ep_amplifier = ep_count * 0.292
        qm_count = text.count("?")
        qm_amplifier: float = 0
        if qm_count > 1:
            qm_amplifier = qm_count * 0.18 if qm_count <= 3 else 0.96
        return ep_amplifier + qm_amplifier

    def _valence(self, words: Words, lows: Words, i: int, is_cap_diff: bool) -> float:
        # SentimentIntensityAnalyzer.sentiment_valence for a lexicon word at i
        lexicon = self.lexicon
        n_scalar = self.n_scalar
        low = lows[i]
        n = len(lows)
        valence = lexicon[low]
        if low == "no" and i != n - 1 and lows[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lows[i - 1] == "no")
            or (i > 1 and lows[i - 2] == "no")
            or (i > 2 and lows[i - 3] == "no" and lows[i - 1] in ("or", "nor"))
        ):
            valence = lexicon[low] * n_scalar
        if is_cap_diff and words[i].isupper():
            if valence > 0:
                valence += self.c_incr
            else:
                valence -= self.c_incr
        for start_i in range(0, 3):
            if i > start_i and lows[i - (start_i + 1)] not in lexicon:
                s = self._scalar_inc_dec(
                    words[i - (start_i + 1)], lows[i - (start_i + 1)], valence, is_cap_diff
                )
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
                valence = self._negation_check(valence, lows, start_i, i)
                if start_i == 2:
                    valence = self._special_idioms_check(valence, lows, i)
        return self._least_check(valence, lows, i)

    def _scalar_inc_dec(self, word: str, low: str, valence: float, is_cap_diff: bool) -> float:
        scalar = 0.0
        if low in self.boosters:
            scalar = self.boosters[low]
            if valence < 0:
                scalar *= -1
            if word.isupper() and is_cap_diff:
                if valence > 0:
                    scalar += self.c_incr
                else:
                    scalar -= self.c_incr
        return scalar

    def _negated(self, low: str) -> bool:
        # vaderSentiment.negated([word]) of a lower-cased word (str.lower is idempotent)
        return low in self.negations or "n't" in low

    def _negation_check(self, valence: float, lows: Words, start_i: int, i: int) -> float:
        n_scalar = self.n_scalar
        if start_i == 0:
            if self._negated(lows[i - 1]):
                valence = valence * n_scalar
        if start_i == 1:
            if lows[i - 2] == "never" and (lows[i - 1] == "so" or lows[i - 1] == "this"):
                valence = valence * 1.25
            elif lows[i - 2] == "without" and lows[i - 1] == "doubt":
                pass
            elif self._negated(lows[i - 2]):
                valence = valence * n_scalar
        if start_i == 2:
            if (
                lows[i - 3] == "never"
                and (lows[i - 2] == "so" or lows[i - 2] == "this")
                or (lows[i - 1] == "so" or lows[i - 1] == "this")
            ):
                valence = valence * 1.25
            elif lows[i - 3] == "without" and (lows[i - 2] == "doubt" or lows[i - 1] == "doubt"):
                pass
            elif self._negated(lows[i - 3]):
                valence = valence * n_scalar
        return valence

    def _special_idioms_check(self, valence: float, lows: Words, i: int) -> float:
        # every sequence VADER checks holds one of the words at i-2 .. i+1: none an idiom word,
        # no sequence can match (i > 2 here, so i-3 exists)
        idiom_words = self.idiom_words
        n = len(lows)
        if not any(
            lows[j] in idiom_words for j in range(i - 2, min(i + 2, n))
        ):
            return valence
        special_cases = self.special_cases
        onezero = f"{lows[i - 1]} {lows[i]}"
        twoonezero = f"{lows[i - 2]} {lows[i - 1]} {lows[i]}"
        twoone = f"{lows[i - 2]} {lows[i - 1]}"
        threetwoone = f"{lows[i - 3]} {lows[i - 2]} {lows[i - 1]}"
        threetwo = f"{lows[i - 3]} {lows[i - 2]}"
        for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
            if seq in special_cases:
                valence = special_cases[seq]
                break
        if n - 1 > i:
            zeroone = f"{lows[i]} {lows[i + 1]}"
            if zeroone in special_cases:
                valence = special_cases[zeroone]
        if n - 1 > i + 1:
            zeroonetwo = f"{lows[i]} {lows[i + 1]} {lows[i + 2]}"
            if zeroonetwo in special_cases:
                valence = special_cases[zeroonetwo]
        for n_gram in (threetwoone, threetwo, twoone):
            if n_gram in self.boosters:
                valence = valence + self.boosters[n_gram]
        return valence

    def _least_check(self, valence: float, lows: Words, i: int) -> float:
        lexicon = self.lexicon
        if i > 1 and lows[i - 1] not in lexicon and lows[i - 1] == "least":
            if lows[i - 2] != "at" and lows[i - 2] != "very":
                valence = valence * self.n_scalar
        elif i > 0 and lows[i - 1] not in lexicon and lows[i - 1] == "least":
            valence = valence * self.n_scalar
        return valence


class _Tokens(dict[str, tuple[str, str, bool, bool]]):
    """Per whitespace-separated token: VADER's word (punctuation stripped unless that leaves two
    characters or fewer), its lower case, whether it is upper case, and whether VADER scores it
    (a lexicon word that is not a booster). Tokens repeat, so each is worked out once."""

    LIMIT = 100_000  # distinct tokens kept (~20 MB at most); emptied when full

    def __init__(self, vader: Vader) -> None:
        super().__init__()
        self.lexicon = vader.lexicon
        self.boosters = vader.boosters

    def __missing__(self, token: str) -> tuple[str, str, bool, bool]:
        stripped = token.strip(string.punctuation)
        word = token if len(stripped) <= 2 else stripped
        low = word.lower()
        info = (word, low, word.isupper(), low in self.lexicon and low not in self.boosters)
        if len(self) >= self.LIMIT:
            self.clear()
        self[token] = info
        return info


_VADER: Vader | None = None


def vader() -> Vader:
    """The process's one Vader (its lexicons are read on first use)."""
    global _VADER
    if _VADER is None:
        _VADER = Vader()
    return _VADER
