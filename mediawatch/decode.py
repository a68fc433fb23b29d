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

    best = from_bytes(body[:_GUESS_BYTES]).best()
    return best.encoding if best is not None else "utf-8"


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
