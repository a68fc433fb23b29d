"""co_mentions and mentions.sentence_id: what the warehouse stores is what `analyze_article` (the
function behind `mediawatch analyze`) finds, and the pairs are those of its mentions."""

from __future__ import annotations

from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest
from warehouse_builders import make_paths, write_staging

from mediawatch import pipeline
from mediawatch.config import Paths
from mediawatch.monitor.analysis import analyze_article
from mediawatch.monitor.text import sentence_spans
from mediawatch.monitor.watchlist import load_watchlist
from mediawatch.records import ArticleRecord
from mediawatch.warehouse.db import connect_reader


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    paths = make_paths(tmp_path_factory.mktemp("co_mentions"))
    write_staging(paths, "alpha", "run1", range(0, 20))
    pipeline.load(paths)
    # the same stories syndicated by a second outlet, and new versions of a few
    write_staging(paths, "beta", "run1", range(0, 10))
    write_staging(paths, "alpha", "run2", range(0, 3), variant="Xiaomi and NIO replied. BAIC did not.")
    pipeline.load(paths)
    return paths


def rows(paths: Paths, sql: str) -> list[tuple]:
    con = connect_reader(paths.analyst_db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def analysed(paths: Paths) -> dict[str, list]:
    watchlist = load_watchlist(paths.watchlist)
    out = {}
    for article_id, url, title, body, language, canonical, authors in rows(
        paths, "select article_id, url, title, body, language, canonical_url, authors from articles"
    ):
        record = ArticleRecord(url=url, title=title, body=body, language=language,
                               canonical_url=canonical, authors=list(authors or []))
        out[article_id] = analyze_article(record, watchlist).mentions
    return out


def test_stored_sentence_ids_are_what_analyze_finds(loaded: Paths) -> None:
    stored = sorted(rows(loaded, "select article_id, entity, field, start_pos, sentence_id from mentions"))
    expected = sorted((a, m.entity, m.field, m.start, m.sentence_id)
                      for a, mentions in analysed(loaded).items() for m in mentions)
    assert stored == expected and stored


def test_sentence_ids_number_title_then_body_sentences() -> None:
    watchlist = load_watchlist(Path(__file__).parents[2] / "watchlist.yaml")
    title = "Xiaomi meets BAIC. A second title sentence names Tesla."
    body = "BYD grew. Then Xiaomi and BAIC signed.\nTesla did not."
    mentions = analyze_article(ArticleRecord(url="https://x.example/a", title=title, body=body, language="en"),
                               watchlist).mentions
    found = {(m.entity, m.field): m.sentence_id for m in mentions}
    assert len(sentence_spans(title)) == 2
    assert found[("Xiaomi", "title")] == found[("BAIC", "title")] == 0
    assert found[("Tesla", "title")] == 1
    assert found[("BYD", "body")] == 2 and found[("Xiaomi", "body")] == found[("BAIC", "body")] == 3
    assert found[("Tesla", "body")] == 4


def test_co_mentions_are_the_pairs_of_each_articles_mentions(loaded: Paths) -> None:
    expected = {}
    for article_id, mentions in analysed(loaded).items():
        counts = Counter(m.entity for m in mentions)
        sentences: dict[str, set[int]] = {}
        for m in mentions:
            sentences.setdefault(m.entity, set()).add(m.sentence_id)
        for a, b in combinations(sorted(counts), 2):
            shared = len(sentences[a] & sentences[b])
            expected[(article_id, a, b)] = (counts[a], counts[b], shared, shared > 0)
    found = rows(loaded, "select article_id, entity_a, entity_b, mentions_a, mentions_b, shared_sentences, "
                 "same_sentence from co_mentions")
    assert {(r[0], r[1], r[2]): tuple(r[3:]) for r in found} == expected
    assert len(found) == len(expected) > 0


def test_a_story_and_its_syndicated_copy_both_pair_xiaomi_with_baic_in_one_sentence(loaded: Paths) -> None:
    found = rows(loaded, "select co.source, articles.title, co.same_sentence, co.shared_sentiment, co.published_at "
                 "from co_mentions as co inner join articles using (article_id) "
                 "where co.entity_a = 'BAIC' and co.entity_b = 'Xiaomi' and articles.title like 'Story 5:%'")
    assert sorted(r[0] for r in found) == ["alpha", "beta"]
    assert all(same and tone is not None and published for _, _, same, tone, published in found)
