"""The generic article extractor, written fundus-style so a site can override one field at a time.

A site class holds its selectors as class attributes and has one typed method per field. When a
site changes its layout, add a subclass that overrides only what changed and set `valid_until` on
the old one. Methods read `self.tree` (the parsed page) and `self.meta` (structured metadata).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import ClassVar

from lxml.html import HtmlElement

from mediawatch.extract import body as body_text
from mediawatch.extract.authors import clean_authors
from mediawatch.extract.dates import to_iso
from mediawatch.extract.fields import clean_title, detect_language
from mediawatch.extract.metadata import PageMeta, host_of, read_metadata
from mediawatch.extract.pagetype import MIN_ARTICLE_WORDS, not_article_reason, text_words
from mediawatch.extract.profile import step
from mediawatch.records import ArticleRecord

_CMS_TAG = re.compile(r"^@|[:=&;<>]")


class SiteExtractor:
    """Generic extraction for any news page; subclasses narrow selectors for one site."""

    name: ClassVar[str] = "generic"
    # Last day this layout version was valid; None for the current version.
    valid_until: ClassVar[date | None] = None
    # XPath of the element holding the article text; None = let trafilatura find it.
    body_xpath: ClassVar[str | None] = None
    # XPaths removed before body and byline extraction (site-specific noise).
    prune_xpaths: ClassVar[tuple[str, ...]] = ()
    # XPaths of byline elements, tried in order (first that matches wins); empty = generic search.
    byline_xpaths: ClassVar[tuple[str, ...]] = ()

    def __init__(self, tree: HtmlElement, url: str, source: str | None = None) -> None:
        self.tree = tree
        self.url = url
        self.source = source  # the decoded page, for the last-resort pass on a fresh tree
        with step("metadata"):
            self.meta: PageMeta = read_metadata(tree, url)
        self.host = host_of(url)

    # -- fields ---------------------------------------------------------------------------------
    def site_name(self) -> str | None:
        return self.meta.site_name or self.host or None

    def title(self) -> str | None:
        return clean_title(
            self.meta.title, self.meta.site_name, self.host, self.meta.h1, self.meta.section
        )

    def byline_candidates(self) -> list[str]:
        """Raw author strings from the page body (after pruning), used when metadata has none."""
        for xpath in self.byline_xpaths:
            found = [_text(node) for node in self.tree.xpath(xpath)]
            if found:
                return found
        from trafilatura.metadata import extract_author  # DOM byline search, only when needed

        # Search the post that holds the headline first: teaser bylines elsewhere (top stories,
        # related posts) would otherwise win by coming first in the document.
        scopes = self.tree.xpath("//article[.//h1]")[:1]
        for scope in [body_text.standalone(node) for node in scopes] + [self.tree]:
            found = extract_author(scope)
            if found:
                return found.split(";")
        return []

    def authors(self) -> list[str]:
        names = clean_authors(self.meta.author_candidates, self.site_name(), self.meta.author_orgs)
        if names and not all(n in self.meta.author_orgs for n in names):
            return names
        # Only an organisation in metadata: a person in the byline is the better answer.
        from_byline = clean_authors(self.byline_candidates(), self.site_name())
        return from_byline or names

    def published_at(self) -> datetime | None:
        return self.meta.published

    def updated_at(self) -> datetime | None:
        return self.meta.updated

    def canonical_url(self) -> str | None:
        return self.meta.canonical_url

    def section(self) -> str | None:
        return self.meta.section

    def tags(self) -> list[str]:
        # CMS-internal markers ("@post-id:1913719") and overlong keyword blobs are not tags
        tags = (" ".join(t.split()) for t in self.meta.tags)
        return list(dict.fromkeys(t for t in tags if t and len(t) <= 60 and not _CMS_TAG.search(t)))

    def image_url(self) -> str | None:
        return self.meta.image_url

    def prune(self) -> None:
        """Remove site-specific and generic noise from `self.tree` before text extraction."""
        for xpath in self.prune_xpaths:
            for node in self.tree.xpath(xpath):
                if node.getparent() is not None:
                    node.getparent().remove(node)
        body_text.prune_noise(self.tree)

    def body(self, title: str | None) -> str | None:
        if self.body_xpath:
            nodes = self.tree.xpath(self.body_xpath)
            if nodes:
                # trafilatura still cleans inside the container; the site only says where to look
                return body_text.extract_body(body_text.standalone(nodes[0]), title)
        return body_text.extract_body(self.tree, title)

    # -- the record -----------------------------------------------------------------------------
    def record(self) -> ArticleRecord:
        """Run every field method and assemble the article record (or the reason there is none)."""
        title = self.title()
        base = ArticleRecord(
            url=self.url,
            title=title,
            site_name=self.site_name(),
            canonical_url=self.canonical_url(),
            published_at=to_iso(self.published_at()),
            updated_at=to_iso(self.updated_at()),
            section=self.section(),
            tags=self.tags(),
            image_url=self.image_url(),
        )
        with step("prune"):
            self.prune()
        with step("authors"):
            base.authors = self.authors()
        with step("body"):
            text = self.body(title)
        if text_words(text) < MIN_ARTICLE_WORDS and self.source:
            with step("body_recall"):  # rare: nothing kept; the whole page, comments included
                text = body_text.last_resort_body(self.source, title) or text
        words = len(text.split()) if text else 0
        with step("pagetype"):
            base.error = not_article_reason(self.tree, self.url, self.meta, text, words)
        if base.error:
            return base
        base.body, base.word_count = text, words
        with step("language"):
            base.language = detect_language(text, self.meta.html_lang)
        return base


def _text(node: object) -> str:
    if isinstance(node, HtmlElement):
        return " ".join(node.text_content().split())
    return " ".join(str(node).split())
