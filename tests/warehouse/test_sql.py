"""The SQL itself: example queries run on a real analyst copy, models lint clean, docs are current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from warehouse_builders import make_paths, write_staging

from mediawatch import pipeline
from mediawatch.config import REPO_ROOT
from mediawatch.warehouse.db import connect_reader
from mediawatch.warehouse.models import data_dictionary, load_models

EXAMPLES = sorted((REPO_ROOT / "sql" / "examples").glob("*.sql"))


@pytest.fixture(scope="module")
def analyst_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    paths = make_paths(tmp_path_factory.mktemp("examples"))
    write_staging(paths, "alpha", "run1", range(0, 30))
    write_staging(paths, "beta", "run1", range(10, 40))
    pipeline.load(paths)
    return paths.analyst_db


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_query_runs_and_answers(analyst_db: Path, example: Path) -> None:
    con = connect_reader(analyst_db)
    rows = con.execute(example.read_text()).fetchall()
    assert rows, f"{example.name} returned nothing on a warehouse built to answer it"


def test_xiaomi_next_to_baic_counts_articles_mentioning_both(analyst_db: Path) -> None:
    con = connect_reader(analyst_db)
    found = con.execute((REPO_ROOT / "sql/examples/01_xiaomi_near_baic_this_week.sql").read_text()).fetchall()
    rows = {source: articles for source, articles, *_ in found}
    # the builders put Xiaomi and BAIC in the same lead sentence of stories 0, 5, 10, ...
    expected = con.execute(
        "select source, count(*) from articles where body like '%Xiaomi%' and body like '%BAIC%' "
        "and day >= (select max(day) from articles) - interval 7 day group by source").fetchall()
    assert rows == dict(expected) and rows
    # ... so every one of them has them in one sentence (the title may name Xiaomi once more)
    for _, articles, same_sentence, baic, xiaomi, shared_tone, _ in found:
        assert same_sentence == articles and baic >= articles and xiaomi >= articles
        assert shared_tone is not None


def test_full_text_search_ranks_matching_articles(analyst_db: Path) -> None:
    con = connect_reader(analyst_db)
    hits = con.execute(
        "select articles.title, articles.body, found.score from search_articles(?) as found "
        "inner join articles on found.article_id = articles.article_id",
        ["foldable phones"],
    ).fetchall()
    assert hits and all("foldable" in body for _, body, _ in hits)
    scores = [score for _, _, score in hits]
    assert scores == sorted(scores, reverse=True)  # best match first


def test_models_lint_clean_with_sqlfluff() -> None:
    folders = [str(REPO_ROOT / "sql" / d) for d in ("prep", "marts", "examples")]
    result = subprocess.run([str(Path(sys.executable).parent / "sqlfluff"), "lint", *folders],
                            capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:]


def test_every_model_is_a_cte_chain_ending_in_final_and_documented() -> None:
    for model in load_models():
        assert model.sql.rstrip().endswith("select * from final"), model.path
        assert model.description, f"{model.path} has no description comment"
        if model.layer == "marts":
            assert model.columns, f"{model.path} documents no columns"


def test_data_dictionary_is_current() -> None:
    committed = (REPO_ROOT / "docs" / "warehouse.md").read_text()
    assert committed == data_dictionary(), "run `make docs` and commit docs/warehouse.md"


def test_mart_columns_match_their_documentation(analyst_db: Path) -> None:
    con = connect_reader(analyst_db)
    for model in load_models():
        if model.layer != "marts":
            continue
        actual = [r[0] for r in con.execute(f"describe {model.name}").fetchall()]
        assert sorted(actual) == sorted(model.columns), model.name
