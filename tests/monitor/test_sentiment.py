"""VADER sentiment: English only, bounded scores, one analyzer per process."""

from __future__ import annotations

import pytest

from mediawatch.monitor import sentiment
from mediawatch.monitor.sentiment import label_for, score_article, score_text


def test_english_polarity() -> None:
    good = score_text("The new Xiaomi SU7 is excellent and customers love it.", "en")
    bad = score_text("The launch was a disaster and the car is terrible.", "en")
    flat = score_text("The car has four doors.", "en")
    assert good is not None and good.label == "positive" and 0 < good.score <= 1
    assert bad is not None and bad.label == "negative" and -1 <= bad.score < 0
    assert flat is not None and flat.label == "neutral"


@pytest.mark.parametrize("language", ["de", "DE", "de-AT", "zh"])
def test_not_english_gets_no_score(language: str) -> None:
    assert score_text("Das neue Auto ist hervorragend und die Kunden lieben es.", language) is None


def test_unknown_language_is_detected_first() -> None:
    german = "Das neue Auto ist hervorragend, und die Kunden lieben es sehr. Der Verkauf läuft gut."
    assert score_text(german, None) is None
    assert score_article("Ein toller Tag", german, None) is None
    assert score_text("This is a wonderful and great product, we love it.", None) is not None


@pytest.mark.parametrize("language", ["en", "en-US", "EN_gb"])
def test_english_language_codes(language: str) -> None:
    assert score_text("Great news!", language) is not None


def test_article_sentiment_is_the_sentence_mean() -> None:
    one_good = score_article("Great results", "Revenue rose. The outlook is excellent.", "en")
    assert one_good is not None and one_good.label == "positive"
    # many neutral sentences dilute the mean rather than saturating it
    long_body = "The plant is in Georgia. " * 20 + "Workers are happy."
    diluted = score_article(None, long_body, "en")
    assert diluted is not None and 0 <= diluted.score < 0.1


def test_empty_text() -> None:
    assert score_text("", "en") is None and score_text("   ", "en") is None
    assert score_article(None, None, "en") is None


def test_labels_use_vader_thresholds() -> None:
    assert [label_for(x) for x in (0.05, 0.049, -0.049, -0.05)] == [
        "positive", "neutral", "neutral", "negative"
    ]


def test_analyzer_is_built_once() -> None:
    from mediawatch.monitor.vader import vader

    score_text("fine", "en")
    first = vader()
    score_text("fine again", "en")
    assert vader() is first


def test_sentence_scores_are_remembered_within_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sentiment, "SENTENCE_CACHE", 3)
    sentiment._SENTENCE_SCORES.clear()
    texts = ["Good.", "Bad.", "Fine.", "Great!", "Awful?"]
    scores = [sentiment.compound(t) for t in texts]
    assert len(sentiment._SENTENCE_SCORES) <= 3
    # a remembered score and a recomputed one are the same
    assert [sentiment.compound(t) for t in texts] == scores
    assert scores[0] > 0 > scores[1]
