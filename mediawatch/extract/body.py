"""Article body: trafilatura on the already-parsed tree, then paragraph-level boilerplate filtering.

Why these settings (measured on both dev sets, see bench/extract_bench.py): comments are never part
of the article; `favor_precision` drops more teaser/related blocks than it loses; `fast` skips the
readability/jusText fallbacks, which only helps on pages where the fast pass finds almost nothing, so
we run the full pass only then.

Recall: `favor_precision` also drops real text (short paragraphs, lists) on pages unlike news
articles. When the precise body is shorter than RECALL_CHECK_CHARS, trafilatura's balanced pass runs
on the same pruned tree and the two are merged (`merge_recall`): the balanced body replaces the
precise one when it is RECALL_REPLACE_RATIO times longer (the precise pass missed the article), else
the balanced lines lying between the first and last line both passes kept are added (inside the
article's span; lines before or after it are where boilerplate sits). A page whose body is still
nearly empty gets one last pass over a fresh tree of the whole page (`last_resort_body`).
"""

from __future__ import annotations

import re

import trafilatura
from lxml.etree import XPath
from lxml.html import HtmlElement

# Markup that is never article text but that trafilatura sometimes keeps: captions, share/related
# boxes, author bios, newsletter and comment forms. Matched on class/id words, so generic.
_NOISE_WORDS = (
    "caption",
    "related",
    "share",
    "sharing",
    "social",
    "newsletter",
    "author-bio",
    "author-box",
    "about-author",
    "comment-respond",
    "read-more",
    "readmore",
    "also-read",
    "recommended",
    "promo",
    "subscribe",
    "signup",
    "breadcrumb",
)
_NOISE_ATTR = re.compile(r"(?:^|[\s_-])(?:" + "|".join(_NOISE_WORDS) + r")", re.IGNORECASE)
_NOISE_TAGS = {"figcaption", "nav", "form", "aside"}
_CANDIDATES = XPath("//*[@class or @id] | //figcaption | //nav | //form | //aside")
# A matching block holding this many paragraphs is a wrapper of the article, not a teaser box.
_MAX_NOISE_PARAGRAPHS = 3

# Whole lines that are calls to action or navigation, not article text.
_BOILERPLATE_LINE = re.compile(
    r"""^\W*(
        # "Related: ...", "READ MORE | ...": a label and a separator, then a link title
        (related|read\ more|see\ more|more|also\ (read|on|see)|don'?t\ miss|recommended|watch|listen)
            (\ on\ [\w.]+)?\s*[:|»›>–—-].{0,200}
      | (related|read\ more|see\ more|also\ read|don'?t\ miss|recommended)(\ (stories|articles|news|posts))?
      | (share|like)\ this\ (story|article|post)\b.*
      | (sign\ up|subscribe)\b.{0,160}(newsletter|inbox|email|daily|weekly).*
      | .{0,120}\b(newsletters?)\b.{0,80}(inbox|sign\ up|subscribe)\b.*
      | follow\ (us|him|her|them|[\w .@]{1,60})\ on\ (twitter|facebook|instagram|linkedin|youtube)\b.*
      | have\ a\ (news\ )?tip\?.*
      | tell\ us\ what\ you\ think.*
      | leave\ a\ (reply|comment).*
      | \d*\ ?comments?
      | filed\ under:?.*
      | tags?:.*
      | (copyright|\(c\)|©)\s*(©\s*)?(19|20)\d\d\b.*
      | click\ here\b.{0,100}
      | advertisement
      | \[[a-z_]+[^\]]*\].*\[/[a-z_]+\]
    )\W*$""",
    re.IGNORECASE | re.VERBOSE,
)
# Calls to action: a short line holding two or more of these is a subscription/promo box.
_CTA = re.compile(
    r"\b(subscribe|subscription|sign up|newsletters?|inbox|click here|delivered|free trial|"
    r"use the code|follow us|download (?:the|our) app|get access|for more information|"
    r"privacy policy|terms of (?:use|service))\b",
    re.I,
)
_CTA_MAX_CHARS = 170
# After a "Related:"-style line, the short list items that follow are its link list.
_LIST_INTRO = re.compile(
    r"^\W*(related|read more|see more|more|also read|don'?t miss|you (may|might) also like|"
    r"recommended|trending|most popular|more from)\b(\s*[:|»›>–—-]|\W*$|(\s+\S+){0,3}\W*$)",
    re.I,
)

_MIN_FAST_CHARS = 400


def _text(tree: HtmlElement, fast: bool, precision: bool = True) -> str | None:
    doc = trafilatura.bare_extraction(
        tree,
        fast=fast,
        favor_precision=precision,
        include_comments=False,
        include_tables=True,
        with_metadata=False,
    )
    return doc.text if doc is not None else None


def prune_noise(tree: HtmlElement) -> None:
    """Remove caption/share/related/bio/newsletter markup from `tree` in place."""
    doomed = []
    # only elements that can match, so lxml need not build a proxy for every node of the page
    for node in _CANDIDATES(tree):
        tag = node.tag
        if tag in ("html", "body", "article", "main"):
            continue
        if tag in _NOISE_TAGS or _NOISE_ATTR.search(
            f"{node.get('class', '')} {node.get('id', '')}"
        ):
            doomed.append(node)
    for node in doomed:
        parent = node.getparent()
        if parent is None or sum(1 for _ in node.iter("p")) > _MAX_NOISE_PARAGRAPHS:
            continue
        # keep the node's tail text: it belongs to the parent paragraph
        if node.tail and node.tail.strip():
            prev = node.getprevious()
            if prev is not None:
                prev.tail = (prev.tail or "") + node.tail
            else:
                parent.text = (parent.text or "") + node.tail
        parent.remove(node)


def filter_lines(text: str, title: str | None, captions: frozenset[str] = frozenset()) -> str:
    """Drop boilerplate lines, the repeated title, image captions (`captions`: normalised alt
    texts) and link lists that follow a "Related:" line."""
    norm_title = _norm(title) if title else None
    kept: list[str] = []
    in_list = False
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        if in_list and stripped.startswith(("- ", "* ", "• ")):
            continue
        in_list = False
        if _LIST_INTRO.match(stripped) and len(stripped) < 200:
            in_list = True
            continue
        norm = _norm(stripped)
        if norm_title and norm == norm_title or norm in captions:
            continue
        if _BOILERPLATE_LINE.match(stripped):
            continue
        if len(stripped) < _CTA_MAX_CHARS and len({m.lower() for m in _CTA.findall(stripped)}) >= 2:
            continue
        kept.append(stripped)
    return "\n".join(kept)


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


# Paragraphs at least this long are article prose, not teasers or captions.
_LONG_PARAGRAPH_WORDS = 25
# Recover split articles only when the extraction missed this share of the container's prose.
_SPLIT_RECOVERY_RATIO = 1.5


def _recover_split_article(tree: HtmlElement, text: str) -> str:
    """Some sites cut an article into sibling chunks (ads between them); trafilatura then keeps only
    the first. If long paragraphs sharing the extracted ones' parent markup were left out, read all
    containers with that markup instead."""
    found = _norm(text)
    groups: dict[tuple[str, str], list[HtmlElement]] = {}
    words_in: dict[tuple[str, str], int] = {}
    words_all: dict[tuple[str, str], int] = {}
    for para in tree.iter("p"):
        parent = para.getparent()
        content = para.text_content()
        words = len(content.split())
        if parent is None or words < _LONG_PARAGRAPH_WORDS:
            continue
        key = (str(parent.tag), parent.get("class", ""))
        if not any(parent is known for known in groups.get(key, [])):
            groups.setdefault(key, []).append(parent)
        words_all[key] = words_all.get(key, 0) + words
        if _norm(content)[:80] in found:
            words_in[key] = words_in.get(key, 0) + words
    if not words_in:
        return text
    main = max(words_in, key=lambda k: words_in[k])
    if len(groups[main]) < 2 or words_all[main] < _SPLIT_RECOVERY_RATIO * words_in[main]:
        return text
    chunks = [body_from_container(container) or "" for container in groups[main]]
    recovered = "\n".join(chunk for chunk in chunks if chunk)
    return recovered if len(recovered) > len(text) else text


# Below this many characters the precise body is checked against the balanced pass (longer bodies
# almost never gain: measured on the dev sets, it costs a second trafilatura pass on every page).
RECALL_CHECK_CHARS = 3000
RECALL_REPLACE_RATIO = 1.6


def merge_recall(precise: str, balanced: str) -> str:
    """The precise body, completed from the balanced one (see the module docstring)."""
    if not precise:
        return balanced
    if len(balanced) > RECALL_REPLACE_RATIO * len(precise):
        return balanced
    kept = set(precise.split("\n"))
    lines = balanced.split("\n")
    shared = [i for i, line in enumerate(lines) if line in kept]
    if not shared:
        return precise
    first, last = shared[0], shared[-1]
    merged = lines[first : last + 1]
    missing = [line for line in precise.split("\n") if line not in set(merged)]
    return "\n".join(merged + missing)


def extract_body(tree: HtmlElement, title: str | None = None) -> str | None:
    """Main text of the article in `tree` (already cleaned with `prune_noise`), one paragraph per
    line, or None."""
    from mediawatch.extract.profile import step

    text = _text(tree, fast=True)
    if (not text or len(text) < _MIN_FAST_CHARS) and not too_deep(tree):
        text = _text(tree, fast=False) or text
    captions = image_captions(tree)
    text = filter_lines(_recover_split_article(tree, text), title, captions) if text else ""
    if len(text) < RECALL_CHECK_CHARS:
        with step("body_recall"):
            balanced = _text(tree, fast=True, precision=False)
            if balanced:
                text = merge_recall(text, filter_lines(balanced, title, captions))
    return text or None


# readability and jusText (trafilatura's full pass) are superlinear in nesting depth: on trees
# deeper than this they are skipped (real pages nest a few dozen levels).
MAX_FALLBACK_DEPTH = 200


def too_deep(tree: HtmlElement) -> bool:
    """Is any element nested deeper than MAX_FALLBACK_DEPTH? One pass over the tree."""
    depth: dict[HtmlElement, int] = {}
    for node in tree.iter():
        level = depth.get(node.getparent(), 0) + 1  # type: ignore[arg-type]
        if level > MAX_FALLBACK_DEPTH:
            return True
        depth[node] = level
    return False


def last_resort_body(source: str, title: str | None = None) -> str | None:
    """trafilatura with its defaults (comments included: on a forum they are the posts) over a fresh
    tree of the whole page, for pages where the pruned tree gave next to nothing."""
    from mediawatch.extract import parse_html

    tree = parse_html(source)
    if tree is None or too_deep(tree):
        return None
    doc = trafilatura.bare_extraction(tree, include_tables=True, with_metadata=False)
    if doc is None or not doc.text:
        return None
    return filter_lines(doc.text, title, image_captions(tree)) or None


def image_captions(tree: HtmlElement) -> frozenset[str]:
    """Normalised alt/title texts of the page's images: lines repeating them are captions."""
    found = set()
    for img in tree.iter("img"):
        for attr in ("alt", "title"):
            norm = _norm(img.get(attr) or "")
            if len(norm) >= 12:
                found.add(norm)
    return frozenset(found)


_BLOCK_TAGS = ("p", "h2", "h3", "h4", "h5", "li", "blockquote", "pre", "td")


def standalone(container: HtmlElement) -> HtmlElement:
    """A new html/body document holding (a copy of) `container`, for container-only extraction."""
    from copy import deepcopy

    from lxml.html import Element

    root = Element("html")
    body = Element("body")
    root.append(body)
    body.append(deepcopy(container))
    return root


def _inside_block(node: HtmlElement, container: HtmlElement) -> bool:
    for ancestor in node.iterancestors():
        if ancestor is container:
            return False
        if ancestor.tag in _BLOCK_TAGS:
            return True
    return False


def body_from_container(container: HtmlElement, title: str | None = None) -> str | None:
    """Text of the block elements inside a known article container, one block per line."""
    lines = []
    for node in container.iter(*_BLOCK_TAGS):
        if node is not container and _inside_block(node, container):
            continue  # a <p> inside a <li>/<blockquote> was already read with its parent block
        text = " ".join(node.text_content().split())
        if text:
            lines.append(f"- {text}" if node.tag == "li" else text)
    return filter_lines("\n".join(lines), title) or None
