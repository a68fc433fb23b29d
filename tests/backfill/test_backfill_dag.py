"""Through real Airflow (`airflow dags test mediawatch_backfill`): one mapped task per WARC file
stages its articles; the run ends by updating the staging asset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import airflow, private_airflow

from mediawatch.backfill import BackfillError, check_params
from mediawatch.config import Paths
from mediawatch.staging import iter_staged_pages
from tests.backfill.conftest import ARTICLE_PAGES, article_records, write_warc


def test_backfill_dag_maps_one_task_per_warc(paths: Paths, tmp_path: Path) -> None:
    records = article_records()
    first = write_warc(tmp_path / "one.warc.gz", records[:2])
    second = write_warc(tmp_path / "two.warc", records[2:], gzip=False)
    env = private_airflow(tmp_path, paths)
    conf = json.dumps({"warcs": [str(first), str(second)], "since": "2025-01-01"})
    run = airflow(env, "dags", "test", "mediawatch_backfill", "-c", conf)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    staged = sorted(paths.staging_dir.glob("archive/*.jsonl"))
    assert len(staged) == 2  # one staging file (run) per WARC file
    urls = {page.url for path in staged for page in iter_staged_pages(path)}
    assert urls == set(ARTICLE_PAGES)
    # each mapped task logs its counts (`dags test` prints the task logs)
    assert (run.stdout + run.stderr).count("mediawatch backfill: inputs=1") == 2


def test_bad_params_are_refused_before_any_task_is_mapped(paths: Paths) -> None:
    # what list_warcs runs; the DAG turns the error into a failure that is not retried
    with pytest.raises(BackfillError, match="no input: trigger with params"):
        check_params({"warcs": []})
    with pytest.raises(BackfillError, match="not a date"):
        check_params({"warcs": ["a.warc.gz"], "since": "yesterday"})
    with pytest.raises(BackfillError, match="no source 'nope'"):
        check_params({"warcs": ["a.warc.gz"], "source": "nope"}, paths)
    assert check_params({"warcs": [" a.warc.gz ", ""], "until": "2025-02-01", "source": "archive"},
                        paths) == ["a.warc.gz"]
