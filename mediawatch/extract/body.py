"""Article body: trafilatura on the already-parsed tree, then paragraph-level boilerplate filtering.

Decision rule (measured on both dev sets, see bench/extract_bench.py and the README):
1. trafilatura's `favor_precision` fast pass on the pruned tree (drops teaser/related blocks).
   Comments are never part of the article. Its preparation is shared with the balanced pass
   (`FastPasses`).
2. A precise body under RECALL_CHECK_CHARS is completed from the balanced fast pass (which keeps
   short paragraphs and lists that precision drops on pages unlike news articles; `merge_recall`):
   the balanced body replaces it when RECALL_REPLACE_RATIO times longer (the precise pass missed
   the article), else the balanced lines lying between the first and last line both passes kept
   are added (inside the article's span; before or after it is where boilerplate sits).
3. Coverage: when that body holds under COVERAGE_SHARE of the page's text (and under
   COVERAGE_MAX_CHARS), both fast passes found only a fragment of it, so trafilatura's full pass
   (readability and jusText fallbacks) runs; its body replaces ours when FULL_REPLACE_RATIO times
   longer. A news article is most of its page, so this pass almost never runs on one.
4. Every candidate goes through `filter_lines` (calls to action, "read also" labels, credits,
   datelines, comment widgets - in the languages the web is written in most).
A page whose body is still nearly empty gets one last pass over a fresh tree of the whole page
(`last_resort_body`, run by the site extractor).
"""

from __future__ import annotations

import re
from typing import Any

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
_NOISE_TAGS = ("figcaption", "nav", "form", "aside")
# Class and id values as strings (with the noise tags, in document order): lxml builds an element
# proxy only for the attributes that match, not for every node of the page.
_CANDIDATES = XPath("//@class | //@id | " + " | ".join(f"//{tag}" for tag in _NOISE_TAGS))
_NEVER_NOISE = ("html", "body", "article", "main")
# A matching block holding this many paragraphs is a wrapper of the article, not a teaser box.
_MAX_NOISE_PARAGRAPHS = 3

# "Read also"-style labels of the languages the web is written in most: a label line introduces
# links to other articles, never article text.
_READ_ALSO = (
    r"related|read\ more|see\ more|more|also\ (?:read|on|see)|don'?t\ miss|recommended|watch|listen"
    r"|you\ (?:may|might)\ also\ like|more\ on\ this|more\ from|see\ also|trending|most\ popular"
    r"|lesen\ sie\ (?:auch|mehr|hier)|auch\ interessant|schon\ gelesen|zum\ weiterlesen|weiterlesen"
    r"|mehr\ zum\ thema|mehr\ dazu|siehe\ auch|das\ könnte\ (?:sie|dich)\ (?:auch\ )?interessieren"
    r"|verwandte\ (?:artikel|beiträge|themen)|ähnliche\ (?:artikel|beiträge)|weitere\ (?:artikel|beiträge)"
    r"|(?:à\ )?lire\ aussi|(?:à\ )?voir\ aussi|sur\ le\ même\ sujet|lire\ la\ suite|articles?\ similaires"
    r"|(?:también\ )?(?:le|te)\ puede\ interesar|le[ea]\ también|ver\ también|más\ sobre|leer\ más"
    r"|noticias\ relacionadas|leggi\ anche|potrebbe\ interessarti|articoli\ correlati|vedi\ anche"
    r"|leia\ (?:também|mais)|veja\ também|saiba\ mais|czytaj\ (?:też|także|więcej)"
    r"|zobacz\ (?:też|także)|przeczytaj\ (?:też|także)|lees\ ook|zie\ ook|meer\ over|auch\ auf"
    # links to the neighbouring posts
    r"|(?:vorschau\ auf\ den\ )?(?:nächsten?|vorherigen?)\ (?:artikel|beitrag)|weiter\ zu"
    r"|(?:next|previous)\ (?:article|post|story)|(?:article|billet)\ (?:suivant|précédent)"
)
# Whole lines that are calls to action or navigation, not article text.
_BOILERPLATE_LINE = re.compile(
    r"""^\W*(
        # "Related: ...", "READ MORE | ...", "À lire aussi » ...": a label and a separator, then a
        # link title
        ("""
    + _READ_ALSO
    + r"""|mira)(\ on\ [\w.]+)?\s*[:|»›>–—-].{0,200}
        # the label alone, or with a few words ("Related stories", "Mehr zum Thema auf X.de")
      | ("""
    + _READ_ALSO
    + r""")(\s+\S+){0,4}
      | (share|like)\ this\ (story|article|post)\b.*
      | (sign\ up|subscribe)\b.{0,160}(newsletter|inbox|email|daily|weekly).*
      | follow\ (us|him|her|them|[\w .@]{1,60})\ on\ (twitter|facebook|instagram|linkedin|youtube)\b.*
      | have\ a\ (news\ )?tip\?.*
      | tell\ us\ what\ you\ think.*
      | leave\ a\ (reply|comment).*
        # comment widgets: counts and calls, in several languages
      | (\d+|no|keine|aucun|sin|nessun)?\ ?(comments?|kommentare?|commentaires?|comentarios?|commenti)
            (\ (insgesamt|total))?\W*\d*(\ \(.{0,80}\))?
      | (kommentar|einen\ kommentar)\ (verfassen|schreiben|hinterlassen|abgeben)
      | (schreibe|hinterlasse)\ einen\ kommentar.*
      | (laisser|laissez)\ un\ commentaire.*
      | (deja|dejar)\ un\ comentario.*
      | lascia\ un\ commento.*
      | filed\ under:?.*
      | tags?:.*
      | (categories|kategorien|catégories|categorías|categorie|schlagwörter|schlagworte)\W*
      | (copyright|\(c\)|©)\s*(©\s*)?(19|20)\d\d\b.*
        # image credits: "© Jane Doe/Getty Images", "Foto: dpa", "Crédits photos : X"
      | (©|\(c\)).{0,60}
      | (fotos?|photos?|bild|bilder|image|images|cr[ée]dits?(\ photos?)?|photo\ credits?
            |image\ credits?|bildquelle|bildnachweis|fotonachweis|beitragsbild|titelbild
            |symbolbild|foto\ de\ portada)\s*:.{0,80}
      | click\ here\b.{0,100}
      | advertisement|anzeige|werbung|publicidad|publicité|sponsored
      | \*?(werbung|anzeige)\b.{0,100}(werbung|anzeige|enthält|sponsored|affiliate).{0,60}
      | (sie\ sind|du\ bist|you\ are)(\ (aktuell|derzeit|currently|nicht|not))*
            \ (eingeloggt|angemeldet|logged\ in|signed\ in).{0,40}
      | \[[a-z_]+[^\]]*\].*\[/[a-z_]+\]
    )\W*$""",
    re.IGNORECASE | re.VERBOSE,
)
# Boilerplate recognised anywhere in a short line, each tried only when the line holds its marker.
_BOILERPLATE_INSIDE = (
    (
        ("newsletter",),
        re.compile(r"^.{0,120}\bnewsletters?\b.{0,80}\b(inbox|sign up|subscribe)\b", re.I),
    ),
    # a caption ending in its credit: "Marco Odermatt in Peking. © AFP / Jane Doe"
    (("©",), re.compile(r"^.{0,200}©(\s*[\w.&/|-]+){1,6}\W*$")),
    # download links: "Bericht 2021 (PDF, 38 KB)"
    (
        ("kb", "mb"),
        re.compile(
            r"^.{0,160}\b(pdf|docx?|xlsx?|pptx?|zip)\b\W{0,5}\d+([.,]\d+)?\s?[km]b\b.{0,80}$", re.I
        ),
    ),
    (("affiliate",), re.compile(r"^.{0,160}\baffiliate[- ]?links?\b.{0,160}$", re.I)),
)
_INSIDE_MAX_CHARS = 400


def _boilerplate_inside(line: str) -> bool:
    if len(line) > _INSIDE_MAX_CHARS:
        return False
    lower = line.lower()
    return any(
        any(marker in lower for marker in markers) and rule.match(line)
        for markers, rule in _BOILERPLATE_INSIDE
    )


# Calls to action: a short line holding two or more of these is a subscription/promo box.
_CTA = re.compile(
    r"\b(subscribe|already a subscriber|subscription|sign(?:ing)? up|newsletters?|inbox|click here|"
    r"delivered|free trial|use the code|follow us|download (?:the|our) (?:\w+ ){0,2}apps?|"
    r"for ios and android|get access|log ?in|for more information|privacy policy|"
    r"canal de (?:telegram|whatsapp)|(?:telegram|whatsapp)[- ](?:channel|kanal)|"
    r"únete|suscríbete|abonniere|abonnieren|abonnez-vous|hazte miembro|become a member|"
    r"werde mitglied|exclusive benefits|beneficios exclusivos|exklusive vorteile|"
    r"terms of (?:use|service))\b",
    re.I,
)
_CTA_MAX_CHARS = 170
# A short line asking the reader to subscribe or sign up now is a promo box.
_CTA_START = re.compile(
    r"^\W*(subscribe|sign up|register)\ (now|today|here)\b|.*\b(subscribe|sign up|register)\ (now|today|here)\W*$",
    re.I,
)
_CTA_START_MAX_CHARS = 100
# After a "Related:"-style line, the short list items that follow are its link list.
_LIST_INTRO = re.compile(
    r"^\W*(" + _READ_ALSO.replace("\\ ", " ") + r")\b(\s*[:|»›>–—-]|\W*$|(\s+\S+){0,3}\W*$)",
    re.I,
)
# Dates and times as pages print them in bylines and headers ("23.10.2018", "2021-10-16",
# "24. März 2004, 19:49", "3:59 PM", "May 1, 2024"): a line holding little else is a dateline.
_MONTH_NAMES = (
    r"jan(uary|uar|vier|eiro)?|feb(ruary|ruar|rero|braio)?|févr(ier)?|mar(ch|s|zo|ço)?|märz"
    r"|apr(il|ile)?|avr(il)?|abr(il)?|may|mai|mayo|maggio|jun(e|i|io|ho)?|juin|giugno"
    r"|jul(y|i|io|ho)?|juil(let)?|luglio|aug(ust)?|août|ago(sto)?|sep(t|tember|tembre|tiembre|tembro)?"
    r"|settembre|oct(ober|obre|ubre)?|okt(ober)?|ott(obre)?|out(ubro)?|nov(ember|embre|iembre|embro)?"
    r"|dec(ember)?|dez(ember|embro)?|déc(embre)?|dic(iembre|embre)?"
)
_DATE_TOKEN = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\b\d{1,2}:\d{2}(:\d{2})?"
    r"(\s?[ap]\.?m\.?)?\b|\b\d{1,2}\.?\s(" + _MONTH_NAMES + r")\.?(\s\d{4})?\b"
    r"|\b(" + _MONTH_NAMES + r")\.?\s\d{1,2}(st|nd|rd|th)?,?(\s\d{4})?\b|\b(19|20)\d{2}\b",
    re.I,
)
# A line of at most this many words ending in a colon is a label, not text.
_LABEL_WORDS = 2
# A dateline keeps at most this many other words ("Aktualisiert am 17.01.2021", "| 3:59 PM Briefe").
_DATELINE_WORDS = 2


_DATELINE_MAX_CHARS = 80
_DIGIT = re.compile(r"\d")


def _is_dateline(line: str) -> bool:
    if len(line) > _DATELINE_MAX_CHARS or not _DIGIT.search(line):
        return False
    rest, dates = _DATE_TOKEN.subn(" ", line)
    return dates > 0 and len(re.findall(r"\w+", rest)) <= _DATELINE_WORDS


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


class FastPasses:
    """trafilatura's fast pass, precise and (on demand) balanced, on one preparation of `tree`
    (which is left as it is).

    `bare_extraction` copies the tree and runs the raw-tree prunes (regex XPaths evaluated through
    Python callbacks), tag cleaning and conversion before its extractor; none of that depends on
    the focus, so both passes share it. They skip its balanced-mode rescues (baseline, recall
    escalation): the body's coverage rule covers short pages. Thread-forum pages (their comment
    containers hold the posts) and a trafilatura without these functions take plain passes."""

    def __init__(self, tree: HtmlElement) -> None:
        self.tree = tree
        self.page_chars = 0  # characters of text on the cleaned page; 0 when not measured
        self._cleaned: HtmlElement | None = None
        try:
            from trafilatura.core import _forum_thread_page
            from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
            from trafilatura.xpaths import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH
        except ImportError:  # pragma: no cover - another trafilatura layout
            return
        if _forum_thread_page(tree):
            return
        from copy import copy

        _, balanced = _options()
        work = copy(tree)
        prune_unwanted_nodes(work, RAW_TREE_PRUNE_XPATH)
        prune_unwanted_nodes(work, REMOVE_COMMENTS_AND_LISTS_XPATH)
        cleaned = tree_cleaning(work, balanced)
        self.page_chars = len(" ".join(cleaned.text_content().split()))
        self._cleaned = convert_tags(cleaned, balanced)

    def precise(self) -> str:
        """The `favor_precision` pass (comments pruned as trafilatura prunes them)."""
        if self._cleaned is None:
            return _text(self.tree, fast=True) or ""
        from copy import copy

        from trafilatura.htmlprocessing import prune_unwanted_nodes
        from trafilatura.xpaths import REMOVE_COMMENTS_XPATH

        precise, _ = _options()
        return _extract(prune_unwanted_nodes(copy(self._cleaned), REMOVE_COMMENTS_XPATH), precise)

    def balanced(self) -> str:
        """The balanced pass; call it last, it consumes the shared preparation."""
        if self._cleaned is None:
            return _text(self.tree, fast=True, precision=False) or ""
        cleaned, self._cleaned = self._cleaned, None
        return _extract(cleaned, _options()[1])


def _extract(prepared: HtmlElement, options: Any) -> str:
    from trafilatura.main_extractor import extract_content
    from trafilatura.xml import xmltotxt

    body, raw = extract_content(prepared, options)
    return xmltotxt(body, False) if len(raw) >= options.min_output_size else ""


_OPTIONS: list[object] = []


def _options() -> tuple[Any, Any]:
    """trafilatura's settings for the precise and the balanced fast pass (built once)."""
    if not _OPTIONS:
        from trafilatura.settings import Extractor

        common = {"output_format": "python", "fast": True, "comments": False, "tables": True}
        _OPTIONS.extend([Extractor(precision=True, **common), Extractor(**common)])
    return _OPTIONS[0], _OPTIONS[1]


def prune_noise(tree: HtmlElement) -> None:
    """Remove caption/share/related/bio/newsletter markup from `tree` in place."""
    doomed: list[HtmlElement] = []
    seen: set[HtmlElement] = set()
    for item in _CANDIDATES(tree):
        if isinstance(item, str):
            if not _NOISE_ATTR.search(item):
                continue
            node = item.getparent()  # type: ignore[attr-defined]
        else:
            node = item
        if node.tag in _NEVER_NOISE or node in seen:
            continue
        seen.add(node)
        doomed.append(node)
    for node in doomed:
        parent = node.getparent()
        if parent is None or sum(1 for _ in node.iter("p")) > _MAX_NOISE_PARAGRAPHS:
            continue
        # keep the node's tail text (it belongs to the parent paragraph), unless it is only space
        if node.tail and not node.tail.strip():
            node.tail = None
        node.drop_tree()


def filter_lines(text: str, title: str | None, captions: frozenset[str] = frozenset()) -> str:
    """Drop boilerplate lines, the repeated title, image captions (`captions`: normalised alt
    texts) and link lists that follow a "Related:" line."""
    norm_title = _norm(title) if title else None
    # a line much longer than the title and every caption cannot repeat one of them
    longest = max([len(norm_title or "")] + [len(c) for c in captions])
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
        if longest and len(stripped) <= 2 * longest + 20:
            norm = _norm(stripped)
            if norm_title and norm == norm_title or norm in captions:
                continue
        if (
            _BOILERPLATE_LINE.match(stripped)
            or _is_dateline(stripped)
            or _boilerplate_inside(stripped)
        ):
            continue
        if stripped.endswith(":") and len(stripped.split()) <= _LABEL_WORDS:
            continue  # "Zusatzinformationen:", "Release date:": a label, its content follows
        if len(stripped) < _CTA_MAX_CHARS and len({m.lower() for m in _CTA.findall(stripped)}) >= 2:
            continue
        if len(stripped) < _CTA_START_MAX_CHARS and _CTA_START.match(stripped):
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
        if _norm(content[:200])[:80] in found:
            words_in[key] = words_in.get(key, 0) + words
    if not words_in:
        return text
    main = max(words_in, key=lambda k: words_in[k])
    if len(groups[main]) < 2 or words_all[main] < _SPLIT_RECOVERY_RATIO * words_in[main]:
        return text
    chunks = [body_from_container(container) or "" for container in groups[main]]
    recovered = "\n".join(chunk for chunk in chunks if chunk)
    return recovered if len(recovered) > len(text) else text


# Below this many characters (a few short paragraphs) the precise body is completed from the
# balanced pass; longer ones almost never gain (measured on both dev sets) and the pass costs as
# much as the precise one.
RECALL_CHECK_CHARS = 1000
RECALL_REPLACE_RATIO = 1.6
# A body under this share of the page's text (and under COVERAGE_MAX_CHARS) is a fragment: the full
# pass runs, and replaces it when FULL_REPLACE_RATIO times longer.
COVERAGE_SHARE = 0.1
COVERAGE_MAX_CHARS = 3000
FULL_REPLACE_RATIO = 2.0


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
    line, or None (the decision rule is in the module docstring)."""
    from mediawatch.extract.profile import step

    captions = image_captions(tree)
    passes = FastPasses(tree)
    text = passes.precise()
    text = filter_lines(_recover_split_article(tree, text), title, captions) if text else ""
    if len(text) < RECALL_CHECK_CHARS:
        with step("body_recall"):
            balanced = passes.balanced()
            if balanced:
                text = merge_recall(text, filter_lines(balanced, title, captions))
    limit = min(COVERAGE_MAX_CHARS, COVERAGE_SHARE * passes.page_chars)
    if len(text) < limit and not too_deep(tree):
        with step("body_recall"):
            full = _text(tree, fast=False, precision=False)
            full = filter_lines(full, title, captions) if full else ""
        if len(full) > FULL_REPLACE_RATIO * len(text):
            text = full
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
