"""One decode function for every path (crawl, reextract, `mediawatch extract`/`analyze`,
`extract_article` on bytes); stray bytes must not switch a page to the wrong charset."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from mediawatch import staging
from mediawatch.cli.extract_cmd import read_page
from mediawatch.config import REPO_ROOT
from mediawatch.decode import decode_html
from mediawatch.extract import extract_article

CLI = str(REPO_ROOT / ".venv" / "bin" / "mediawatch")
PARAGRAPH = "小米汽车与北汽集团周二宣布，双方将在北京共同建设一座新的电动汽车工厂，预计明年投产。"


def chinese_page(stray: bytes = b"") -> bytes:
    """A UTF-8 page with no charset declaration anywhere; `stray` is pasted into its body."""
    paragraphs = "".join(f"<p>{PARAGRAPH} 第{i}段。</p>" for i in range(8))
    head = "<html><head><title>小米与北汽合作建厂</title></head><body><article><h1>小米与北汽合作建厂</h1>"
    cut = len(paragraphs) // 2  # between two characters
    body = paragraphs[:cut].encode() + stray + paragraphs[cut:].encode()
    return head.encode() + body + b"</article></body></html>"


def test_a_stray_byte_does_not_change_the_charset_of_a_utf8_page() -> None:
    text = decode_html(chinese_page(b"\xff"))
    assert text is not None
    assert "<title>小米与北汽合作建厂</title>" in text
    assert text.count("\ufffd") == 1  # the stray byte alone is replaced
    record = extract_article(chinese_page(b"\xff"), "https://example.com/2024/05/01/xiaomi-baic")
    assert record.title == "小米与北汽合作建厂"
    assert PARAGRAPH[:20] in (record.body or "")


def test_undeclared_single_byte_charsets_are_detected() -> None:
    german = "<html><body><p>Größere Fahrzeuge, höhere Preise: Maß halten fällt schwer.</p></body></html>"
    assert decode_html(german.encode("cp1252")) == german
    russian = "<html><body><p>Сяоми и BAIC построят новый завод электромобилей в Пекине.</p></body></html>"
    assert decode_html(russian.encode("cp1251")) == russian


def test_declarations_win_in_browser_order() -> None:
    assert decode_html("Größe".encode("latin-1"), "text/html; charset=latin-1") == "Größe"
    meta = '<html><head><meta charset="iso-8859-1"></head><body>Größe</body></html>'
    assert "Größe" in (decode_html(meta.encode("latin-1")) or "")
    assert decode_html(b"\xef\xbb\xbf<p>Gr\xc3\xb6\xc3\x9fe</p>", "text/html; charset=latin-1") == "<p>Größe</p>"
    assert decode_html(b"<p>x</p>", "text/html; charset=no-such-charset") == "<p>x</p>"
    assert decode_html(b"\x00\x01", "application/octet-stream") is None
    assert decode_html("already text") == "already text"


def test_every_path_uses_the_same_function(tmp_path: Path) -> None:
    assert staging.decode_html is decode_html  # the crawl and reextract import it from there
    page = tmp_path / "page.html"
    page.write_bytes(chinese_page(b"\xe9"))
    assert read_page(str(page)) == decode_html(page.read_bytes())  # `extract` and `analyze`


def test_mediawatch_extract_keeps_the_title_of_a_page_with_a_stray_byte(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(chinese_page(b"\xff"))
    proc = subprocess.run(
        [CLI, "extract", "--url", "https://example.com/2024/05/01/xiaomi-baic", str(page)],
        capture_output=True,
        timeout=120,
    )
    row = json.loads(proc.stdout.decode().splitlines()[-1])
    assert row["title"] == "小米与北汽合作建厂"
    assert PARAGRAPH[:20] in row["body"]
