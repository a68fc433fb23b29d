"""Sentiment of mentions and articles with VADER (offline, English only).

VADER's lexicon is English: a score for German or Chinese text would be noise that looks like data,
so anything not English gets None. When the language is unknown it is detected first (py3langid).

Article sentiment is the mean of VADER's compound score over the sentences of title and body
(up to MAX_SENTENCES). VADER is tuned for sentence-length text: its compound score of a whole article
saturates towards +-1 as sentences accumulate, while the sentence mean stays comparable between
short and long articles. Mention sentiment is the compound score of the mention's snippet.

Scores come from `mediawatch.monitor.vader`, a faithful port of vaderSentiment's scoring (equal to
`polarity_scores(text)["compound"]` to the last bit, checked by a test) that is ~3x cheaper. A
process remembers the scores of the last sentences it scored (`SENTENCE_CACHE` of them): a
republished story or a recurring standard paragraph is scored once per load, not once per article.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mediawatch.monitor.text import joined_sentences
from mediawatch.monitor.vader import vader

POSITIVE_AT = 0.05  # VADER's documented thresholds for its compound score
NEGATIVE_AT = -0.05
MAX_SENTENCES = 200  # bounds the cost for very long pages
SENTENCE_CACHE = 50_000  # sentence scores one process keeps (~10 MB); emptied when full

_SENTENCE_SCORES: dict[str, float] = {}


@dataclass(frozen=True)
class Sentiment:
    """Compound score in [-1, 1] and its label."""

    score: float
    label: str  # "positive" | "neutral" | "negative"

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "label": self.label}


def compound(text: str) -> float:
    """VADER's compound score of `text` (a sentence), remembered for the next article that has it."""
    score = _SENTENCE_SCORES.get(text)
    if score is None:
        if len(_SENTENCE_SCORES) >= SENTENCE_CACHE:
            _SENTENCE_SCORES.clear()
        score = _SENTENCE_SCORES[text] = vader().compound(text)
    return score


def is_english(text: str, language: str | None) -> bool:
    """True when `language` (ISO 639-1, any case or region suffix) is English, or when it is
    unknown and the text is detected as English."""
    if language:
        return language.strip().lower().replace("_", "-").split("-")[0] == "en"
    import py3langid

    return bool(text.strip()) and py3langid.classify(text)[0] == "en"


def label_for(score: float) -> str:
    """positive / neutral / negative by VADER's thresholds."""
    if score >= POSITIVE_AT:
        return "positive"
    if score <= NEGATIVE_AT:
        return "negative"
    return "neutral"


_SENTIMENTS: dict[float, Sentiment] = {}  # one shared (frozen) Sentiment per score seen, bounded


def sentiment_of(score: float) -> Sentiment:
    """The Sentiment of a compound score: rounded to 4 places, clamped to [-1, 1], labelled."""
    made = _SENTIMENTS.get(score) if score else None  # 0.0 == -0.0: zeros are made each time
    if made is None:
        rounded = max(-1.0, min(1.0, round(score, 4)))
        made = Sentiment(rounded, label_for(rounded))
        if score:
            if len(_SENTIMENTS) >= SENTENCE_CACHE:
                _SENTIMENTS.clear()
            _SENTIMENTS[score] = made
    return made


def score_text(text: str, language: str | None) -> Sentiment | None:
    """VADER compound score of `text` (meant for a sentence or snippet); None unless English."""
    if not text or not text.strip() or not is_english(text, language):
        return None
    return sentiment_of(compound(text))


def score_article(title: str | None, body: str | None, language: str | None) -> Sentiment | None:
    """Mean sentence compound score over title and body; None for non-English or empty text."""
    return article_sentiment(title, body, language)[0]


def article_sentiment(
    title: str | None, body: str | None, language: str | None
) -> tuple[Sentiment | None, dict[str, float]]:
    """The article's sentiment (as `score_article`) and the compound score of each sentence it
    scored (`sentiment_of` turns one into a Sentiment).

    A mention's snippet is usually one of those sentences: the caller looks it up here instead of
    running VADER on the same text twice."""
    text = "\n".join(t for t in (title, body) if t)
    if not text.strip() or not is_english(text[:2000], language):
        return None, {}
    sentences = joined_sentences(title, body)[:MAX_SENTENCES]
    if not sentences:
        return None, {}
    by_text: dict[str, float] = {}
    scores = []
    for sentence in sentences:
        score = by_text.get(sentence)
        if score is None:
            score = by_text[sentence] = compound(sentence)
        scores.append(score)
    return sentiment_of(sum(scores) / len(scores)), by_text
