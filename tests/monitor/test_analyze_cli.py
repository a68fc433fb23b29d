"""`mediawatch analyze` end to end, as a subprocess on real files."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from mediawatch.config import REPO_ROOT

WORDPRESS_PAGE = (Path(__file__).parent / "pages" / "wordpress_related.html").read_text(encoding="utf-8")
WATCHLIST = """
entities:
  - {name: Hyundai, type: company, aliases: [Hyundai Motor Group]}
  - {name: NIO, type: company}
  - {name: electric vehicles, type: topic, aliases: [electric vehicle]}
"""


def run(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", "from mediawatch.cli import main; main()", "analyze", *args],
        input=stdin, capture_output=True, cwd=REPO_ROOT, timeout=120, check=False,
    )


def test_files_gzip_stdin_and_a_missing_file(tmp_path: Path) -> None:
    watchlist = tmp_path / "wl.yaml"
    watchlist.write_text(WATCHLIST)
    plain = tmp_path / "page.html"
    plain.write_text(WORDPRESS_PAGE)
    packed = tmp_path / "page.html.gz"
    packed.write_bytes(gzip.compress(WORDPRESS_PAGE.encode()))
    url = "https://evdaily.example/2024/05/01/hyundai-battery-plant/"
    result = run([str(plain), str(packed), str(tmp_path / "missing.html"), "-",
                  "--watchlist", str(watchlist), "--url", url, "--json"], stdin=WORDPRESS_PAGE.encode())
    assert result.returncode == 1, result.stderr
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(lines) == 4
    ok = [lines[0], lines[1], lines[3]]
    for page in ok:
        assert page["url"] == url and page["body"] and page["error"] is None
        assert page["entities"] == ["Hyundai", "electric vehicles"]
        assert page["sentiment"]["label"] in {"positive", "neutral", "negative"}
        first = page["mentions"][0]
        assert set(first) >= {"entity", "matched_text", "start", "end", "snippet", "sentiment", "field"}
        assert page["body"][first["start"]:first["end"]] == first["matched_text"] or first["field"] == "title"
        assert "explain" not in page
    assert lines[0]["mentions"] == lines[1]["mentions"] == lines[3]["mentions"]
    assert lines[2]["file"].endswith("missing.html") and lines[2]["error"].startswith("unreadable_file")
    assert b"1 of 4 page(s) could not be read" in result.stderr


def test_explain_flag(tmp_path: Path) -> None:
    watchlist = tmp_path / "wl.yaml"
    watchlist.write_text(WATCHLIST)
    page = tmp_path / "page.html"
    page.write_text(WORDPRESS_PAGE)
    result = run([str(page), "--watchlist", str(watchlist), "--explain", "--json"])
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.decode().splitlines()
    explain = {row["entity"]: row for row in json.loads(line)["explain"]}
    assert explain["Hyundai"]["mentioned"] is True
    assert explain["NIO"]["mentioned"] is False and explain["NIO"]["found_only_in_dropped_text"] is True


def test_bad_watchlist_exits_2_with_position(tmp_path: Path) -> None:
    watchlist = tmp_path / "wl.yaml"
    watchlist.write_text("entities:\n  - {name: NIO, type: company, query: 'NIO AND (car'}\n")
    page = tmp_path / "page.html"
    page.write_text(WORDPRESS_PAGE)
    result = run([str(page), "--watchlist", str(watchlist)])
    assert result.returncode == 2
    err = result.stderr.decode()
    assert f"{watchlist}: entry #1 'NIO': query: missing closing parenthesis" in err
    assert "  NIO AND (car\n" in err and "          ^" in err
    assert result.stdout == b""


def test_default_output_is_a_table_of_entities_and_reasons(tmp_path: Path) -> None:
    watchlist = tmp_path / "wl.yaml"
    watchlist.write_text(WATCHLIST)
    page = tmp_path / "page.html"
    page.write_text(WORDPRESS_PAGE)
    result = run([str(page), "--watchlist", str(watchlist)])
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    assert not text.lstrip().startswith("{") and len(text) < 5000  # not one long JSON line
    lines = text.splitlines()
    assert lines[0].endswith("page.html") and "title: Hyundai opens a battery plant in Georgia" in text
    row = {line.split("│")[1].strip(): line for line in lines if line.count("│") >= 6}
    assert "yes" in row["Hyundai"] and "found 2x, first in title" in row["Hyundai"]
    assert "no" in row["NIO"] and "found only in text extraction dropped" in row["NIO"]
    assert "Hyundai Motor Group" not in row  # rows are entries, not aliases
    watchlist.write_text(WATCHLIST + "  - {name: Kia, type: company}\n")  # not on the page
    shown = run([str(page), "--watchlist", str(watchlist)]).stdout.decode()
    everything = run([str(page), "--watchlist", str(watchlist), "--explain"]).stdout.decode()
    assert "Kia" not in shown  # the default table leaves out entries with no trace on the page
    assert "Kia" in everything and "no alias found in title or body" in everything
