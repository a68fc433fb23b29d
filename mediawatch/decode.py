"""The one way the project turns fetched HTML bytes into text: the crawl, `mediawatch reextract`,
`mediawatch extract`/`analyze` and `extract_article` itself all call `decode_html`, so a preview and
the warehouse always see the same characters.

Order, as browsers do it: byte-order mark, the Content-Type header's charset, the page's own
`<meta charset>` declaration; with none of these, UTF-8 when the bytes are (nearly) valid UTF-8 - a
few stray bytes are replaced, they do not switch the whole page to another charset - and only
otherwise charset_normalizer's guess. Undecodable bytes become U+FFFD; decoding never raises.
"""

from __future__ import annotations

__all__ = ["decode_html", "is_text_content_type"]

# Up to this share of invalid UTF-8 sequences, a page is UTF-8 with stray bytes (a truncated
# multi-byte character, one Latin-1 byte pasted into a template), not a page in another charset.
STRAY_BYTES_SHARE = 0.01
# Charsets web pages are written in (charset_normalizer's names), preferred among its guesses.
WEB_CHARSETS = frozenset(
    "utf_8 cp1252 latin_1 iso8859_15 cp1250 iso8859_2 cp1251 koi8_r cp1253 cp1254 iso8859_9 "
    "cp1255 cp1256 cp1257 cp1258 cp874 tis_620 gb18030 gb2312 gbk big5 shift_jis cp932 euc_jp "
    "iso2022_jp euc_kr cp949".split()
)
# Bytes charset_normalizer looks at: enough to tell the charsets apart, bounded on huge pages.
_GUESS_BYTES = 200_000


def is_text_content_type(content_type: str | None) -> bool:
    """False when the Content-Type says the body is not text at all (images, PDFs, ...)."""
    ctype = (content_type or "").lower()
    return not ctype or any(t in ctype for t in ("html", "xml", "text/"))


def _guess(body: bytes) -> str | None:
    """Charset of undeclared bytes: UTF-8 unless too many sequences are invalid as UTF-8."""
    invalid = _invalid_utf8(body)
    if invalid == 0 or invalid <= STRAY_BYTES_SHARE * max(1, _non_ascii(body)):
        return "utf-8"
    from charset_normalizer import from_bytes

    matches = list(from_bytes(body[:_GUESS_BYTES]))
    # on short texts several charsets fit; a web page is far likelier in one of the web's own
    for match in matches:
        if match.encoding in WEB_CHARSETS:
            return match.encoding
    return matches[0].encoding if matches else "utf-8"


def _invalid_utf8(body: bytes) -> int:
    """How many invalid sequences strict UTF-8 decoding meets (each becomes one U+FFFD)."""
    return body.decode("utf-8", errors="replace").count("\ufffd") - body.count(b"\xef\xbf\xbd")


_ASCII = bytes(range(128))


def _non_ascii(body: bytes) -> int:
    return len(body.translate(None, _ASCII))


def decode_html(body: bytes | str | None, content_type: str | None = None) -> str | None:
    """Text of an HTML body (bytes plus the response's Content-Type header, if any); None when the
    content type says it is not text. A str is returned as it is (already decoded)."""
    if body is None:
        return None
    if isinstance(body, str):
        return body
    if not is_text_content_type(content_type):
        return None
    from w3lib.encoding import html_to_unicode

    try:
        return html_to_unicode(content_type, body, auto_detect_fun=_guess)[1]
    except (LookupError, ValueError):  # unknown or broken charset: bytes as UTF-8, errors replaced
        return body.decode("utf-8", errors="replace")
