"""`mediawatch extract` as a user runs it: a real subprocess on files written to tmp_path."""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path

from mediawatch.config import REPO_ROOT

CLI = str(REPO_ROOT / ".venv" / "bin" / "mediawatch")
PAGE = Path(__file__).parent / "pages" / "wordpress_tech_news.html"
KEYS = {
    "file", "url", "title", "authors", "published_at", "updated_at", "language", "site_name",
    "canonical_url", "section", "tags", "body", "word_count", "error",
}  # fmt: skip


def run(*args: str, stdin: bytes | None = None) -> tuple[int, list[dict[str, object]], str]:
    proc = subprocess.run([CLI, "extract", *args], input=stdin, capture_output=True, timeout=120)
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines() if line.strip()]
    return proc.returncode, rows, proc.stderr.decode()


def test_html_gz_and_bad_file_each_get_a_line(tmp_path: Path) -> None:
    plain = tmp_path / "post.html"
    plain.write_bytes(PAGE.read_bytes())
    packed = tmp_path / "post.html.gz"
    packed.write_bytes(gzip.compress(PAGE.read_bytes()))
    broken = tmp_path / "broken.html.gz"
    broken.write_bytes(b"\x1f\x8b\x08 this is not gzip")
    missing = tmp_path / "missing.html"

    code, rows, stderr = run(str(plain), str(broken), str(missing), str(packed))

    assert code == 1 and "2 of 4" in stderr
    assert [row["file"] for row in rows] == [str(plain), str(broken), str(missing), str(packed)]
    assert all(set(row) == KEYS for row in rows)
    good = [rows[0], rows[3]]
    for row in good:
        assert row["error"] is None
        assert row["authors"] == ["Maria Keller"]
        # no --url: the page's canonical URL is used
        assert row["url"] == "https://gadgetany.example/2024/03/14/samsung-foldable-tablet/"
        assert "Leave a Reply" not in str(row["body"]) and row["word_count"] > 100
    assert rows[0]["body"] == rows[3]["body"]
    for row in (rows[1], rows[2]):
        assert str(row["error"]).startswith("unreadable_file") and row["body"] is None


def test_stdin_with_url_and_file_url_default(tmp_path: Path) -> None:
    html = PAGE.read_text(encoding="utf-8").replace('<link rel="canonical"', '<link rel="x"')
    html = html.replace('property="og:url"', 'property="x"')
    code, rows, _ = run(
        "-", "--url", "https://gadgetany.example/2023/01/02/x/", stdin=html.encode()
    )
    assert code == 0 and rows[0]["url"] == "https://gadgetany.example/2023/01/02/x/"
    assert rows[0]["title"] == "Samsung unveils a foldable tablet with a 12-inch screen"

    local = tmp_path / "no-canonical.html"
    local.write_text(html, encoding="utf-8")
    code, rows, _ = run(str(local))
    assert code == 0 and rows[0]["url"] == local.resolve().as_uri()


def test_not_an_article_is_reported_not_failed(tmp_path: Path) -> None:
    missing_page = tmp_path / "404.html"
    missing_page.write_text(
        "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"
    )
    code, rows, _ = run(str(missing_page))
    assert code == 0 and rows[0]["error"] == "not_article:error_page" and rows[0]["body"] is None
