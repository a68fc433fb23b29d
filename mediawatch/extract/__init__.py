"""Article extraction: HTML and URL in, `ArticleRecord` out. Pure: no I/O, no network, never raises.

    record = extract_article(html_bytes, "https://example.com/2024/05/01/story", site="wordpress")

Bytes are decoded by `mediawatch.decode.decode_html` (the crawl's decoder). The page is parsed once,
by libxml2 in linear time and with `huge_tree` (without it libxml2 stops at 256 nested elements and
the article is lost; with it, 2048 levels, the most lxml can parse). That one tree feeds
metadata (JSON-LD, meta tags, htmldate), the page-type decision, trafilatura and the project's own
rules. `site` names a registered site extractor (see `sites`).
"""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction, fromstring

from mediawatch.decode import decode_html
from mediawatch.extract.profile import step
from mediawatch.extract.sites import SITES, Registry, SiteExtractor
from mediawatch.records import ArticleRecord

__all__ = ["SITES", "Registry", "SiteExtractor", "extract_article", "parse_html"]


# Extraction time grows with the markup left after clean-up (10 MB took about a minute): above
# this, once scripts, styles and inline SVG are gone, a page is refused instead of stalling the
# crawl. Pages above MAX_RAW_CHARS are refused before parsing.
MAX_HTML_CHARS = 3_000_000
MAX_RAW_CHARS = 25_000_000
# Dropped from big pages before the size check: never article text (JSON-LD scripts are kept).
_BULK_TAGS = ("style", "svg", "noscript", "template", "{http://www.w3.org/2000/svg}svg")


class _HtmlParser(etree.HTMLParser):
    """lxml.html's parser with its element classes picked in C: lxml.html looks up each element's
    class by calling Python (for its form classes, which extraction never uses), on every node of
    every tree, copy and XPath result - about a tenth of extraction time."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.set_element_class_lookup(
            etree.ElementDefaultClassLookup(
                element=HtmlElement,
                comment=HtmlComment,
                pi=HtmlProcessingInstruction,
                entity=HtmlEntity,
            )
        )


# trafilatura's parser settings plus huge_tree (deep nesting, big text nodes).
_PARSER = _HtmlParser(
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
    huge_tree=True,
)


def parse_html(text: str) -> HtmlElement | None:
    """The page as an lxml tree (trafilatura's repairs, our parser), or None if it is no HTML."""
    from trafilatura.utils import is_dubious_html, repair_faulty_html

    beginning = text[:50].lower()
    text = repair_faulty_html(text, beginning)
    try:
        tree = fromstring(text, parser=_PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported."
        tree = None
    except etree.ParserError:
        return None
    if tree is None or len(tree) < 1:
        try:
            tree = fromstring(text.encode("utf-8", "surrogatepass"), parser=_PARSER)
        except (ValueError, etree.ParserError):
            return None
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


def drop_bulk(tree: HtmlElement) -> None:
    """Remove scripts (except JSON-LD), styles, inline SVG and noscript blocks, in one pass."""
    doomed = []
    for node in tree.iter("script", *_BULK_TAGS):
        if node.tag == "script" and "ld+json" in (node.get("type") or "").lower():
            continue
        doomed.append(node)
    for node in doomed:
        if node.getparent() is not None:
            node.drop_tree()  # lxml.html: removes it, joining its tail text to what precedes it


# trafilatura's table handling grows quadratically with table nesting (300 nested tables took
# seconds); real layouts nest a few levels, so deeper tables are unwrapped (their text stays).
MAX_TABLE_DEPTH = 6


def flatten_deep_tables(tree: HtmlElement) -> None:
    """Unwrap table markup nested deeper than MAX_TABLE_DEPTH tables, keeping all text."""
    deep = []
    for table in tree.iter("table"):
        depth = 0
        for _ in table.iterancestors("table"):
            depth += 1
            if depth >= MAX_TABLE_DEPTH:
                deep.append(table)
                break
    if deep:
        for table in deep:
            for node in table.iter("tr", "td", "th", "tbody", "thead", "tfoot"):
                node.tag = "div"
            table.tag = "div"


def _markup_chars(tree: HtmlElement) -> int:
    return len(etree.tostring(tree, method="html", encoding="unicode"))


def extract_article(html: bytes | str, url: str, site: str | None = None) -> ArticleRecord:
    """Extract one article from `html`; pages without an article get `error` set and no body."""
    try:
        if html is None or (isinstance(html, (bytes, str)) and not html.strip()):
            return ArticleRecord(url=url, error="empty_body")
        if not isinstance(html, (bytes, str)):
            return ArticleRecord(url=url, error="unparseable_html")
        if len(html) > MAX_RAW_CHARS:
            return ArticleRecord(url=url, error="too_large")
        with step("decode"):
            text = decode_html(html) if isinstance(html, bytes) else html
        if not text:
            return ArticleRecord(url=url, error="empty_body")
        with step("parse"):
            tree = parse_html(text)
        if tree is None:
            return ArticleRecord(url=url, error="unparseable_html")
        with step("clean"):
            flatten_deep_tables(tree)
        if len(text) > MAX_HTML_CHARS:
            # scripts, styles and inline SVG make most of a big real page; what remains must fit
            with step("clean"):
                drop_bulk(tree)
                too_large = _markup_chars(tree) > MAX_HTML_CHARS
            if too_large:
                return ArticleRecord(url=url, error="too_large")
        return SITES.get(site)(tree, url, source=text).record()
    except (TypeError, ValueError, LookupError):
        return ArticleRecord(url=url, error="unparseable_html")
    except RecursionError:
        return ArticleRecord(url=url, error="extraction_failed:RecursionError")
    except Exception as exc:  # noqa: BLE001 - a bug in one page's extraction must not stop a crawl
        return ArticleRecord(url=url, error=f"extraction_failed:{type(exc).__name__}")
