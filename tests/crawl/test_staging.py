"""Staging files: flushed `.part` renamed at close; a crashed run's `.part` is finalised later."""

import json

from mediawatch.records import ARTICLE, ArticleRecord, StagedPage
from mediawatch.staging import (
    StagingWriter,
    decode_html,
    finalize_leftovers,
    iter_staged_pages,
    looks_binary,
)


def page(url, run="r1"):
    return StagedPage(
        run_id=run,
        source="s",
        url=url,
        fetched_at="2024-05-01T00:00:00+00:00",
        kind=ARTICLE,
        article=ArticleRecord(url=url, body="text"),
    )


def test_writer_flushes_to_part_and_renames_on_close(tmp_path):
    writer = StagingWriter(tmp_path, "s", "r1")
    writer.write(page("http://x/1"))
    assert writer.part_path.read_text().count("\n") == 1  # visible before close
    final = writer.close()
    assert final.name == "r1.jsonl" and not writer.part_path.exists()
    assert [p.url for p in iter_staged_pages(final)] == ["http://x/1"]
    assert list(iter_staged_pages(final))[0].article.body == "text"


def test_leftover_part_is_finalised_without_its_torn_line(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    lines = page("http://x/1", "old").to_json() + "\n" + page("http://x/2", "old").to_json()[:40]
    (folder / "old.jsonl.part").write_text(lines)
    (folder / "current.jsonl.part").write_text("")
    finished = finalize_leftovers(tmp_path, "s", keep="current")
    assert finished == [folder / "old.jsonl"]
    assert [p.url for p in iter_staged_pages(folder / "old.jsonl")] == ["http://x/1"]
    assert (folder / "current.jsonl.part").exists()
    stats = json.loads((folder / "old.stats.json").read_text())
    assert stats["articles"] == 1 and stats["errors_by_kind"] == {"crashed_run": 1}


def test_decode_and_binary_sniffing():
    assert decode_html("Größe".encode("latin-1"), "text/html; charset=latin-1") == "Größe"
    assert decode_html(b"<p>x</p>", "text/html; charset=no-such-charset") == "<p>x</p>"
    assert decode_html(b"\x00\x01", "application/octet-stream") is None
    assert looks_binary(b"\x00abc") and not looks_binary(b"<html>plain</html>")


def test_one_crawl_per_source_at_a_time(tmp_path):
    import pytest

    from mediawatch.staging import SourceBusy, lock_source

    held = lock_source(tmp_path, "s")
    with pytest.raises(SourceBusy, match="another crawl of 's'"):
        lock_source(tmp_path, "s")
    other = lock_source(tmp_path, "t")  # other sources are independent
    held.close()
    lock_source(tmp_path, "s").close()
    other.close()
