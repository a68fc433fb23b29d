"""Article page templates, one per fixture site, each with the boilerplate of its kind of site.

Boilerplate (related news, sidebars, author bios, comments) deliberately names the same companies
as the bodies, so a pipeline that keeps boilerplate will produce false mentions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from html import escape

from mediawatch.fixture_web.catalog import SITE_BY_NAME, ArticleMeta, Catalog

CET = timezone(timedelta(hours=1))
EASTERN = timezone(timedelta(hours=-5))
DE_MONTHS = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]


def long_date(day: datetime) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def _links(items: list[ArticleMeta], base: str) -> str:
    return "".join(f'<li><a href="{base}{m.path}">{escape(m.title)}</a></li>' for m in items)


def _neighbours(catalog: Catalog, meta: ArticleMeta, offsets: tuple[int, ...]) -> list[ArticleMeta]:
    """Other stories by distance; older ones first, and never ones published later than the initial
    batch, so adding articles leaves existing pages (and their ETags) unchanged."""
    limit = max(catalog.articles, meta.index)
    picks: list[int] = []
    for offset in offsets:
        other = meta.index - offset if meta.index >= offset else meta.index + offset
        if other != meta.index and other < limit and other not in picks:
            picks.append(other)
    return [catalog.meta(meta.site, i) for i in picks]


def _paragraphs(paragraphs: list[str], figure: str) -> str:
    """Body paragraphs with one captioned figure after the second paragraph."""
    parts = [f"<p>{escape(p)}</p>" for p in paragraphs]
    parts.insert(min(2, len(parts)), figure)
    return "\n".join(parts)


def techpress(catalog: Catalog, meta: ArticleMeta, body: list[str], base: str) -> str:
    """WordPress-style single post."""
    author = meta.authors[0]
    author_slug = author.lower().replace(" ", "-")
    byline = " and ".join(
        f'<span class="author vcard"><a class="url fn n" href="/author/{a.lower().replace(" ", "-")}/">'
        f"{escape(a)}</a></span>"
        for a in meta.authors
    )
    figure = (
        f'<figure class="wp-block-image size-large"><img src="/wp-content/uploads/{meta.index}.jpg" '
        'alt="" width="1024" height="576"/><figcaption>The new model on display at a launch event '
        "earlier this month. (Photo: press handout)</figcaption></figure>"
    )
    related = _neighbours(catalog, meta, (1, 2, 3, 4))
    popular = [catalog.meta(meta.site, i) for i in range(min(4, catalog.articles))]
    tags = "".join(f'<a href="/tag/{t}/" rel="tag">{escape(t)}</a> ' for t in meta.tags)
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head><meta charset="UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(meta.title)} &#8211; TechPress</title>
<link rel="canonical" href="{base}{meta.path}">
<link rel="alternate" type="application/rss+xml" title="TechPress &raquo; Feed" href="{base}/feed/">
<meta name="generator" content="WordPress 6.5.2">
</head>
<body class="post-template-default single single-post postid-{meta.index} single-format-standard">
<div id="page" class="site"><a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header id="masthead" class="site-header"><p class="site-title"><a href="/" rel="home">TechPress</a></p>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">
<li><a href="/category/tech/">Tech</a></li><li><a href="/category/ev/">EV</a></li>
<li><a href="/category/mobile/">Mobile</a></li><li><a href="/category/business/">Business</a></li></ul></nav>
</header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/">Home</a> &raquo;
<a href="/category/{meta.category}/">{meta.category.title()}</a> &raquo; <span>{escape(meta.title)}</span></nav>
<article id="post-{meta.index}" class="post-{meta.index} post type-post status-publish format-standard">
<header class="entry-header"><h1 class="entry-title">{escape(meta.title)}</h1>
<div class="entry-meta"><span class="byline">By {byline}</span>
<span class="posted-on"><time class="entry-date published" datetime="{meta.published.isoformat()}">{long_date(meta.published)}</time>
<time class="updated" datetime="{meta.modified.isoformat()}">{long_date(meta.modified)}</time></span></div>
<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3><ul>
<li><a class="share-facebook" href="#">Facebook</a></li><li><a class="share-twitter" href="#">X</a></li>
<li><a class="share-linkedin" href="#">LinkedIn</a></li><li><a class="share-email" href="#">Email</a></li></ul></div>
</header>
<div class="entry-content">
{_paragraphs(body, figure)}
</div>
<footer class="entry-footer"><span class="cat-links">Posted in <a href="/category/{meta.category}/" rel="category tag">{meta.category.title()}</a></span>
<span class="tags-links">Tagged {tags}</span></footer>
<div class="author-bio"><h4 class="author-title">About {escape(author)}</h4>
<p>{escape(author)} covers electric vehicles and consumer electronics for TechPress. Before joining,
{escape(author.split()[0])} reported on Tesla, BYD and Xiaomi from Shanghai for six years.
<a href="/author/{author_slug}/">View all posts</a></p></div>
</article>
<section class="related-posts"><h3>Related news</h3><ul>{_links(related, base)}</ul></section>
<div id="comments" class="comments-area"><h2 class="comments-title">2 thoughts on &ldquo;{escape(meta.title)}&rdquo;</h2>
<ol class="comment-list">
<li class="comment"><article class="comment-body"><footer class="comment-meta"><b class="fn">Mark R.</b> <span class="says">says:</span></footer>
<div class="comment-content"><p>Still waiting for Apple and Huawei to answer this. My Samsung is fine for now.</p></div></article></li>
<li class="comment"><article class="comment-body"><footer class="comment-meta"><b class="fn">evfan88</b> <span class="says">says:</span></footer>
<div class="comment-content"><p>NIO and Hyundai did this two years ago, nothing new here.</p></div></article></li></ol>
<div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>
<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form">
<p class="comment-notes">Your email address will not be published. Required fields are marked *</p>
<p><label for="comment">Comment</label><textarea id="comment" name="comment"></textarea></p>
<p><label for="author">Name *</label><input id="author" name="author" type="text"></p>
<p class="form-submit"><input name="submit" type="submit" value="Post Comment"></p></form></div></div>
</main></div>
<aside id="secondary" class="widget-area">
<section class="widget widget_popular_posts"><h2 class="widget-title">Popular posts</h2><ul>{_links(popular, base)}</ul></section>
<section class="widget widget_newsletter"><h2 class="widget-title">Newsletter</h2>
<p>The morning briefing on Tesla, BYD, Xiaomi, BAIC and the rest of the EV race. Free, every weekday.</p>
<form action="/newsletter/" method="post"><input type="email" name="email" placeholder="Your email"><button>Subscribe</button></form></section>
</aside></div>
<footer id="colophon" class="site-footer"><p>&copy; {meta.published.year} TechPress &middot; <a href="/about/">About</a>
&middot; <a href="/private/staff-notes/">Staff notes</a></p></footer></div>
</body></html>
"""


def newsmodern(catalog: Catalog, meta: ArticleMeta, body: list[str], base: str) -> str:
    """Modern news template: JSON-LD NewsArticle, OpenGraph, local times with offsets."""
    published, modified = meta.published.astimezone(CET), meta.modified.astimezone(CET)
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": meta.title,
        "author": [{"@type": "Person", "name": a} for a in meta.authors],
        "datePublished": published.isoformat(),
        "dateModified": modified.isoformat(),
        "mainEntityOfPage": f"{base}{meta.path}",
        "inLanguage": "en-GB",
        "publisher": {"@type": "Organization", "name": "NewsModern"},
        "image": [f"{base}/img/{meta.index}.webp"],
    }
    credit = ""
    if meta.syndicated_of:
        credit = '<p class="syndication-note">This story originally appeared on TechPress.</p>'
    figure = (
        f'<figure class="media"><img src="/img/{meta.index}.webp" alt=""><figcaption>'
        "Image: company handout</figcaption></figure>"
    )
    trending = _neighbours(catalog, meta, (5, 7, 3))
    more = _neighbours(catalog, meta, (1, 2, 4))
    authors = ", ".join(
        f'<a rel="author" href="/people/{a.lower().replace(" ", "-")}">{escape(a)}</a>'
        for a in meta.authors
    )
    return f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{escape(meta.title)} | NewsModern</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="canonical" href="{base}{meta.path}">
<meta property="og:type" content="article"><meta property="og:title" content="{escape(meta.title)}">
<meta property="og:url" content="{base}{meta.path}"><meta property="og:site_name" content="NewsModern">
<meta property="og:image" content="{base}/img/{meta.index}.webp">
<meta property="article:published_time" content="{published.isoformat()}">
<meta property="article:modified_time" content="{modified.isoformat()}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
</head><body><div class="cookie-banner" role="dialog">We use cookies to improve your experience. <button>Accept</button></div>
<header class="top"><a class="logo" href="/">NewsModern</a><nav><a href="/tech">Tech</a> <a href="/cars">Cars</a></nav></header>
<main class="layout"><article class="story">
<div class="story__kicker">{escape(meta.company)}</div>
<h1 class="story__headline">{escape(meta.title)}</h1>
<div class="story__meta"><span class="story__authors">{authors}</span>
<time datetime="{published.isoformat()}">{published.day} {published:%b %Y} &middot; {published:%H:%M} CET</time>
<span class="story__updated">Updated {modified.day} {modified:%b %Y}</span></div>
<div class="story__body" itemprop="articleBody">
{_paragraphs(body, figure)}
</div>{credit}
<aside class="read-more"><h2>More on this story</h2><ul>{_links(more, base)}</ul></aside>
</article>
<aside class="rail"><h2>Trending</h2><ol>{_links(trending, base)}</ol>
<div class="promo">Sign up for Drive, our newsletter on Tesla, Hyundai, NIO and BYD.</div></aside></main>
<footer class="site-footer">&copy; NewsModern Ltd. <a href="/terms">Terms</a> <a href="/privacy">Privacy</a></footer>
</body></html>
"""


def archivepost(catalog: Catalog, meta: ArticleMeta, body: list[str], base: str) -> str:
    """Old-school newspaper template: tables, dateline in Eastern time, 'More from Tech'."""
    local = meta.published.astimezone(EASTERN)
    more = _neighbours(catalog, meta, (1, 2, 3, 4))
    figure = (
        f'<figure class="photo"><img src="/photos/{meta.index}.jpg"><figcaption class="cutline">'
        "A production line at a plant outside Shanghai. Staff photo</figcaption></figure>"
    )
    authors = " and ".join(
        f'<a rel="author" href="/staff/{a.split()[-1].lower()}/">{escape(a)}</a>'
        for a in meta.authors
    )
    hour = local.strftime("%I:%M").lstrip("0")
    return f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html lang="en"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{escape(meta.title)} - The Archive Post</title>
<meta name="author" content="{escape(", ".join(meta.authors))}">
<meta name="date" content="{meta.published.isoformat()}">
</head><body bgcolor="#ffffff"><table width="960" align="center"><tr><td colspan="2" class="masthead">
<a href="/"><img src="/img/logo.gif" alt="The Archive Post"></a> | <a href="/section/tech/">Tech</a></td></tr>
<tr><td width="640" valign="top"><div id="story">
<h1 class="headline">{escape(meta.title)}</h1>
<p class="byline">By {authors}</p>
<p class="dateline">Published {long_date(local)} at {hour} {"a.m." if local.hour < 12 else "p.m."} ET</p>
<div class="story-body">
{_paragraphs(body, figure)}
</div>
<p class="tools"><a href="#">Print</a> | <a href="#">E-mail</a> | <a href="#">Reprints</a></p></div></td>
<td width="300" valign="top" class="rightrail"><h3>More from Tech</h3><ul>{_links(more, base)}</ul>
<div class="ad">ADVERTISEMENT: Samsung Galaxy deals this week</div></td></tr>
<tr><td colspan="2" class="footer">Copyright {local.year} The Archive Post. All rights reserved.</td></tr></table>
</body></html>
"""


def sitemaponly(catalog: Catalog, meta: ArticleMeta, body: list[str], base: str) -> str:
    """Minimal semantic HTML: meta tags, one article element, no navigation to other stories."""
    figure = (
        '<figure><img src="/media/lead.png" alt=""><figcaption>Illustration</figcaption></figure>'
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(meta.title)}</title>
<meta name="author" content="{escape(", ".join(meta.authors))}">
<meta property="article:published_time" content="{meta.published.isoformat().replace("+00:00", "Z")}">
<link rel="canonical" href="{base}{meta.path}"></head>
<body><header><a href="/">Sitemap Only Times</a></header>
<article><h1>{escape(meta.title)}</h1>
<address class="author">{escape(" & ".join(meta.authors))}</address>
<time datetime="{meta.published.isoformat()}">{long_date(meta.published)}</time>
<section class="content">
{_paragraphs(body, figure)}
</section></article>
<footer>Sitemap Only Times &mdash; we cover Apple, Samsung and Huawei so you don't have to.</footer>
</body></html>
"""


def techblatt(catalog: Catalog, meta: ArticleMeta, body: list[str], base: str) -> str:
    """German-language site: 'Von', German dates, 'Weitere Artikel', 'Kommentare'."""
    local = meta.published.astimezone(CET)
    date = f"{local.day}. {DE_MONTHS[local.month - 1]} {local.year}, {local:%H:%M} Uhr"
    more = _neighbours(catalog, meta, (1, 2, 3))
    figure = (
        f'<figure class="bild"><img src="/bilder/{meta.index}.jpg" alt=""><figcaption>'
        "Das neue Modell bei der Vorstellung. (Bild: Hersteller)</figcaption></figure>"
    )
    return f"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>{escape(meta.title)} | TechBlatt</title>
<meta name="author" content="{escape(", ".join(meta.authors))}">
<meta property="og:locale" content="de_DE"><meta property="og:title" content="{escape(meta.title)}">
<meta property="article:published_time" content="{local.isoformat()}">
<link rel="canonical" href="{base}{meta.path}"></head>
<body><div class="cookie-hinweis">Wir verwenden Cookies, um Ihnen das beste Erlebnis zu bieten. <button>Einverstanden</button></div>
<header><a href="/" class="logo">TechBlatt</a><nav><a href="/ressort/auto/">Auto</a> <a href="/ressort/handy/">Handy</a></nav></header>
<main><article class="beitrag"><h1>{escape(meta.title)}</h1>
<p class="autor">Von {escape(" und ".join(meta.authors))}</p>
<time datetime="{local.isoformat()}">{date}</time>
<div class="beitrag-text">
{_paragraphs(body, figure)}
</div></article>
<section class="weitere"><h2>Weitere Artikel</h2><ul>{_links(more, base)}</ul></section>
<section class="kommentare"><h2>Kommentare (2)</h2>
<div class="kommentar"><b>Klaus_M</b>: Ich warte lieber auf den nächsten Tesla oder Hyundai.</div>
<div class="kommentar"><b>E-Fahrerin</b>: BYD und NIO sind hier in Deutschland noch viel zu teuer.</div></section></main>
<aside><h2>Newsletter abonnieren</h2><p>Alles zu Xiaomi, Huawei, Apple und Samsung jeden Morgen in Ihrem Postfach.</p></aside>
<footer>&copy; {local.year} TechBlatt &middot; <a href="/impressum/">Impressum</a> &middot; <a href="/datenschutz/">Datenschutz</a></footer>
</body></html>
"""


TEMPLATES: dict[str, Callable[[Catalog, ArticleMeta, list[str], str], str]] = {
    "techpress": techpress,
    "newsmodern": newsmodern,
    "archivepost": archivepost,
    "sitemaponly": sitemaponly,
    "techblatt": techblatt,
}
assert set(TEMPLATES) == set(SITE_BY_NAME)


def render_article(catalog: Catalog, meta: ArticleMeta, base: str) -> str:
    """Full HTML page of one article in its site's template."""
    return TEMPLATES[meta.site](catalog, meta, catalog.body(meta.site, meta.index), base)
