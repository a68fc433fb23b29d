"""Non-article pages: home pages, tag/author/category listings, the paginated section archive,
galleries, robots.txt and the robots-disallowed private page. None of these is an article.
"""

from __future__ import annotations

from html import escape

from mediawatch.fixture_web.catalog import SECTION_PAGE_SIZE, SITE_BY_NAME, ArticleMeta, Catalog

ROBOTS = {
    "techpress": "User-agent: *\nDisallow: /wp-admin/\nDisallow: /private/\nAllow: /wp-admin/admin-ajax.php\n",
    "newsmodern": "User-agent: *\nDisallow: /search\n",
    "archivepost": "User-agent: *\nDisallow: /cgi-bin/\n",
    "sitemaponly": "User-agent: *\nDisallow:\n",
    "techblatt": "User-agent: *\nDisallow: /intern/\n",
}
SITEMAP_SITES = {"techpress", "newsmodern", "sitemaponly"}
# how far back tag/author/category listings look; keeps them cheap at 100,000 articles
LISTING_SCAN = 400


def robots_txt(site: str, base: str) -> str:
    text = ROBOTS[site]
    if site in SITEMAP_SITES:
        text += f"\nSitemap: {base}/sitemap.xml\n"
    return text


def _page(site: str, title: str, content: str, noindex: bool = False) -> str:
    spec = SITE_BY_NAME[site]
    robots = '<meta name="robots" content="noindex, follow">' if noindex else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{spec.language}"><head><meta charset="utf-8">'
        f"<title>{escape(title)} - {escape(spec.display)}</title>{robots}</head>\n"
        f'<body class="listing"><header><a href="/">{escape(spec.display)}</a></header>\n'
        f"<main><h1>{escape(title)}</h1>\n{content}\n</main></body></html>\n"
    )


def _teasers(items: list[ArticleMeta], base: str) -> str:
    rows = "".join(
        f'<li class="teaser"><a href="{base}{m.path}">{escape(m.title)}</a> '
        f'<span class="meta">{escape(", ".join(m.authors))} &middot; {m.published:%Y-%m-%d}</span></li>\n'
        for m in items
    )
    return f'<ul class="teasers">\n{rows}</ul>'


def home(catalog: Catalog, site: str, base: str) -> str:
    """Home page; archivepost and sitemaponly link no article from here on purpose."""
    if site == "archivepost":
        content = (
            '<p>Read all our technology coverage in the <a href="/section/tech/">Tech section</a>.</p>'
            '<p><a href="/gallery/0/">Photo galleries</a></p>'
        )
    elif site == "sitemaponly":
        content = "<p>Our stories are published for news aggregators. Nothing to browse here.</p>"
    else:
        content = _teasers(catalog.latest(site, 20), base)
    if site == "techpress":
        author = catalog.latest(site, 1)[0].authors[0]
        content += (
            '<nav class="categories"><a href="/category/tech/">Tech</a> <a href="/category/ev/">EV</a> '
            '<a href="/tag/xiaomi/">#xiaomi</a> <a href="/tag/tesla/">#tesla</a> '
            f'<a href="/author/{author.lower().replace(" ", "-")}/">{escape(author)}</a></nav>'
            '<p class="staff"><a href="/private/drafts/upcoming-leaks/">Staff drafts</a></p>'
        )
    return _page(site, SITE_BY_NAME[site].display, content)


def listing(catalog: Catalog, site: str, kind: str, key: str, page: int, base: str) -> str | None:
    """A techpress tag, author or category page (page >= 1); None when there is no such page."""
    if kind not in {"tag", "category", "author"} or page < 1:
        return None
    matches = []
    for meta in catalog.latest(site, LISTING_SCAN):
        author_slugs = {a.lower().replace(" ", "-") for a in meta.authors}
        if (
            (kind == "tag" and key in meta.tags)
            or (kind == "category" and key == meta.category)
            or (kind == "author" and key in author_slugs)
        ):
            matches.append(meta)
    if page > 1 and len(matches) <= (page - 1) * 10:
        return None
    chunk = matches[(page - 1) * 10 : page * 10]
    content = _teasers(chunk, base)
    if len(matches) > page * 10:
        content += f'<a class="next" href="/{kind}/{key}/page/{page + 1}/">Older posts</a>'
    label = {"tag": "Tag", "category": "Category", "author": "Author"}[kind]
    return _page(site, f"{label}: {key}", content, noindex=kind != "category")


def section_pages(catalog: Catalog, site: str) -> int:
    return max(1, -(-catalog.count(site) // SECTION_PAGE_SIZE))


def section(catalog: Catalog, site: str, page: int, base: str) -> str | None:
    """archivepost's paginated archive, newest first; each page also links one gallery."""
    if page < 1 or page > section_pages(catalog, site):
        return None
    items = catalog.latest(site, SECTION_PAGE_SIZE, skip=(page - 1) * SECTION_PAGE_SIZE)
    content = _teasers(items, base)
    content += f'<p class="gallery-link"><a href="/gallery/{page - 1}/">In pictures</a></p><nav class="pager">'
    if page > 1:
        content += f'<a rel="prev" href="/section/tech/page/{page - 1}/">Newer</a> '
    if page < section_pages(catalog, site):
        content += f'<a rel="next" href="/section/tech/page/{page + 1}/">Older</a>'
    return _page(site, f"Tech - page {page}", content + "</nav>")


def gallery(catalog: Catalog, site: str, number: int, base: str) -> str | None:
    """A photo gallery: a page type with captions only, which is not an article."""
    if number < 0 or number >= section_pages(catalog, site):
        return None
    figures = "".join(
        f'<figure class="slide"><img src="/photos/g{number}-{k}.jpg"><figcaption>Photo {k + 1} of 12: '
        f"visitors at the motor show stand.</figcaption></figure>\n"
        for k in range(12)
    )
    content = f'<div class="gallery" data-type="gallery">\n{figures}</div><p><a href="/section/tech/">Back to Tech</a></p>'
    return _page(site, f"In pictures: the week in tech ({number + 1})", content).replace(
        "<head>", '<head><meta property="og:type" content="website">', 1
    )


def private_page(site: str) -> str:
    """Only robots.txt keeps a crawler out of here."""
    return _page(
        site, "Internal drafts", "<p>Staff only. Embargoed drafts; do not crawl.</p>", noindex=True
    )
