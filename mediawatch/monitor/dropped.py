"""The visible text of a page that extraction did not keep (menus, related links, footers).

Used only to explain mentions: an entity named in a "related news" box but not in the article
should show up in `explain` as "seen in dropped text, ignored" rather than as a silent non-match.
"""

from __future__ import annotations

import lxml.etree
import lxml.html

# tags that start a new block of text; inline tags (a, span, b, ...) stay in their block
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body br dd details div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table td th tr ul".split()
)
_INVISIBLE_TAGS = ("head", "script", "style", "noscript", "template", "svg", "iframe", "object")


def visible_blocks(html: str | bytes) -> list[str]:
    """The page's visible text as blocks (paragraphs, list items, cells), whitespace collapsed."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not html.strip():
        return []
    try:
        # huge_tree lifts libxml2's 256-level depth limit, beyond which text silently vanishes;
        # a parser per call because lxml parsers must not be shared between threads
        root = lxml.html.document_fromstring(html, parser=lxml.html.HTMLParser(huge_tree=True))
    except (lxml.etree.ParserError, ValueError):
        return []
    for el in list(root.iter(*_INVISIBLE_TAGS)):
        if el.getparent() is not None:
            el.drop_tree()  # keeps the element's tail text
    blocks: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = " ".join(" ".join(buffer).split())
        if text:
            blocks.append(text)
        buffer.clear()

    # iterwalk rather than recursion: some pages nest thousands of divs deep
    for event, el in lxml.etree.iterwalk(root, events=("start", "end")):
        is_element = isinstance(el.tag, str)
        if event == "start":
            if is_element and el.tag in _BLOCK_TAGS:
                flush()
            if is_element and el.text:
                buffer.append(el.text)
        else:
            if is_element and el.tag in _BLOCK_TAGS:
                flush()
            if el.tail:
                buffer.append(el.tail)
    flush()
    return blocks


def dropped_text(html: str | bytes, title: str | None, body: str | None) -> str:
    """Visible blocks of `html` that appear in neither `title` nor `body`, one per line."""
    kept = " ".join(" ".join(t for t in (title, body) if t).split()).casefold()
    return "\n".join(b for b in visible_blocks(html) if b.casefold() not in kept)
