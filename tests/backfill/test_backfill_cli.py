"""`mediawatch backfill` on WARCs of real article pages: one article per article page with the
body `mediawatch extract` gives, every skipped record counted by kind, nothing added twice."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mediawatch.config import Paths
from tests.backfill.conftest import (
    ARTICLE_PAGES,
    Rec,
    article_records,
    last_json,
    load,
    mediawatch,
    warehouse_rows,
    write_warc,
)

TAG_PAGE = b"""<!DOCTYPE html><html><head><title>Tag: tablets - GadgetAny</title></head>
<body><h1>Posts tagged tablets</h1><ul><li><a href="/a/">A</a></li><li><a href="/b/">B</a></li>
</ul></body></html>"""


def extract_body(url: str, page: Path) -> str:
    cli = Path(sys.executable).with_name("mediawatch")
    proc = subprocess.run([str(cli), "extract", "--url", url, str(page)],
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(proc.stdout)["body"]


def mixed_warc(path: Path, gzip: bool = True) -> Path:
    """The article pages plus one record of every kind a backfill must skip."""
    first = next(iter(ARTICLE_PAGES))
    return write_warc(path, [
        Rec("https://gadgetany.example/", b"", rec_type="request"),
        *article_records(),
        Rec("https://gadgetany.example/tag/tablets/", TAG_PAGE),  # staged as skipped (not article)
        Rec("https://gadgetany.example/old", b"", status="301 Moved Permanently",
            extra_headers=(("Location", first),)),
        Rec("https://gadgetany.example/missing", b"<html>gone</html>", status="404 Not Found"),
        Rec("https://gadgetany.example/logo.png", b"\x89PNG....", content_type="image/png"),
        Rec(first, b"", rec_type="revisit"),
        Rec("https://unregistered.example/2024/story", next(iter(article_records())).body),
        Rec("https://techwire.example/news/old-story", TAG_PAGE, date="2020-01-01T00:00:00Z"),
    ], gzip=gzip)


def test_backfill_stages_one_article_per_page_with_the_extract_body(paths: Paths, tmp_path: Path) -> None:
    warc = mixed_warc(tmp_path / "mixed.warc.gz")
    proc = mediawatch(paths, "backfill", str(warc), "--since", "2025-01-01", "--until", "2025-12-31")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = last_json(proc)
    assert out["articles"] == len(ARTICLE_PAGES)
    assert out["staged"] == {"article": 4, "skipped": 1, "failed": 0}
    assert out["records"] == 12
    skipped = {k: v for k, v in out["skipped"].items() if v}
    assert skipped == {"not_response": 1, "redirect": 1, "non_200": 1, "non_html": 1, "revisit": 1,
                       "out_of_scope": 1, "out_of_date_range": 1}
    # one summary line on stderr; no progress bar (stderr is not a terminal)
    assert "mediawatch backfill: inputs=1, records=12, articles=4" in proc.stderr
    # staged the way a crawl stages: <source>/<run>.jsonl with its stats beside it
    [staged] = out["staging_files"]
    staged_path = Path(staged)
    assert staged_path.parent == paths.staging_dir / "archive"
    stats = json.loads(staged_path.with_name(staged_path.stem + ".stats.json").read_text())
    assert stats["source"] == "archive" and stats["articles"] == 4 and stats["mode"] == "backfill"

    loaded = load(paths)
    assert loaded["new_versions"] == 4 and loaded["articles"] == 4
    bodies = dict(warehouse_rows(paths, "select canonical_url, body from articles"))
    for url, page in ARTICLE_PAGES.items():
        assert bodies[url] == extract_body(url, page), url
    fetched = warehouse_rows(paths, "select distinct cast(fetched_at as varchar) from articles")
    assert [row[0][:10] for row in fetched] == ["2025-02-10"]  # the capture time, not today


def test_second_backfill_adds_no_article_version(paths: Paths, tmp_path: Path) -> None:
    warc = mixed_warc(tmp_path / "mixed.warc", gzip=False)
    first = last_json(mediawatch(paths, "backfill", str(warc)))
    assert first["articles"] == 4
    assert load(paths)["new_versions"] == 4
    again = mediawatch(paths, "backfill", str(warc))
    assert again.returncode == 0, again.stderr[-3000:]
    second = last_json(again)
    assert second["articles"] == 0 and second["staging_files"] == []
    assert second["skipped"]["already_backfilled"] == 6  # 4 articles, 2 non-article pages
    reloaded = load(paths)
    assert reloaded["new_versions"] == 0 and reloaded["files_loaded"] == 0
    assert warehouse_rows(paths, "select count(*) from article_versions") == [(4,)]


def test_bad_inputs_get_a_clear_error_and_the_rest_still_runs(paths: Paths, tmp_path: Path) -> None:
    warc = write_warc(tmp_path / "ok.warc.gz", article_records()[:1])
    proc = mediawatch(paths, "backfill", str(tmp_path / "absent.warc.gz"), str(warc))
    assert proc.returncode == 1
    out = last_json(proc)
    assert out["articles"] == 1
    assert list(out["failed_inputs"]) == [str(tmp_path / "absent.warc.gz")]
    assert "no such file" in proc.stderr and "Traceback" not in proc.stderr
    bad_date = mediawatch(paths, "backfill", "--since", "last tuesday", str(warc))
    assert bad_date.returncode == 2 and "not a date" in bad_date.stderr
    unknown = mediawatch(paths, "backfill", "--source", "nope", str(warc))
    assert unknown.returncode == 2 and "no source 'nope'" in unknown.stderr
