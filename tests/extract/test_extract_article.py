"""extract_article on whole pages written for these tests: noise removal, bylines, dates,
languages, pages without an article, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mediawatch.extract import extract_article

PAGES = Path(__file__).parent / "pages"
WP_URL = "https://gadgetany.example/2024/03/14/samsung-foldable-tablet/"

PARAGRAPHS = [
    "The regulator opened an investigation into the merger on Tuesday, saying the combined company "
    "would control more than half of the market for cloud storage sold to small businesses.",
    "Both companies said they would cooperate with the review and expected the deal to close next "
    "year, although analysts warned that remedies such as selling a data centre unit were possible.",
    "Customers have until the end of the month to comment, after which the regulator will decide "
    "whether to open a deeper second phase that can take up to six months to complete.",
]


def page(
    body: str = "",
    head: str = "",
    title: str = "Regulator probes cloud storage merger",
    lang: str = "en",
) -> str:
    """A small but complete news page; `body` goes inside <article> after the headline."""
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="og:type" content="article">{head}</head><body>'
        '<nav><a href="/">Home</a> <a href="/news">News</a></nav>'
        f"<main><article><h1>{title}</h1>{body or paragraphs}</article></main>"
        "<footer>Copyright 2024 Example Media</footer></body></html>"
    )


# -- the key example: a WordPress tech-news article -----------------------------------------------
@pytest.fixture(scope="module")
def wordpress_record() -> dict[str, object]:
    html = (PAGES / "wordpress_tech_news.html").read_bytes()
    return extract_article(html, WP_URL).to_dict()


def test_wordpress_body_keeps_every_paragraph(wordpress_record: dict[str, object]) -> None:
    body = str(wordpress_record["body"])
    for start in ("Samsung has shown a tablet", "The device runs Android", "Battery life is rated",
                  "Price and availability", "Pre-orders open next month", "Analysts expect the launch"):  # fmt: skip
        assert start in body
    assert wordpress_record["error"] is None
    assert wordpress_record["word_count"] == len(body.split())


@pytest.mark.parametrize(
    "noise",
    [
        "Home", "Tablets »", "Share this", "Twitter", "Facebook",  # breadcrumb, share buttons
        "Photo: Samsung", "opened on a desk",  # image caption
        "About Maria Keller", "lives in Berlin",  # author bio
        "Leave a Reply", "Your email address", "Post Comment", "Peter Gray", "waiting for exactly",
        "Related news", "Pixel Tablet review", "Tom Baker", "Lena Fischer",  # related articles
        "Tags:", "All rights reserved", "Phones",
    ],
)  # fmt: skip
def test_wordpress_body_has_no_noise(wordpress_record: dict[str, object], noise: str) -> None:
    assert noise not in str(wordpress_record["body"])


def test_wordpress_metadata(wordpress_record: dict[str, object]) -> None:
    assert wordpress_record["authors"] == ["Maria Keller"]
    assert wordpress_record["title"] == "Samsung unveils a foldable tablet with a 12-inch screen"
    assert wordpress_record["site_name"] == "GadgetAny"
    assert wordpress_record["published_at"] == "2024-03-14T08:15:00+00:00"
    assert wordpress_record["updated_at"] == "2024-03-14T10:40:00+00:00"
    assert wordpress_record["language"] == "en"
    assert wordpress_record["section"] == "Tablets"
    assert wordpress_record["tags"] == ["Samsung", "Foldables"]
    assert wordpress_record["canonical_url"] == WP_URL
    assert (
        wordpress_record["image_url"]
        == "https://gadgetany.example/wp-content/uploads/2024/03/fold-tab.jpg"
    )


def test_teaser_bylines_before_the_post_do_not_leak() -> None:
    html = (PAGES / "wordpress_tech_news.html").read_text(encoding="utf-8")
    teaser = (
        '<div class="top-stories"><h4><a href="/2024/03/13/x/">Phone prices rise again</a></h4>'
        '<span class="byline">By <a rel="author" href="/author/tom-baker/">Tom Baker</a></span></div>'
    )
    record = extract_article(
        html.replace('<main id="main" class="site-main">', "<main>" + teaser), WP_URL
    )
    assert record.authors == ["Maria Keller"]


# -- bylines ----------------------------------------------------------------------------------------
def _with_byline(byline_html: str, head: str = "") -> list[str]:
    body = byline_html + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return extract_article(page(body, head), "https://news.example/a/1").authors


def test_single_byline() -> None:
    assert _with_byline('<p class="byline">By <a rel="author" href="/u/ann">Ann Lee</a></p>') == [
        "Ann Lee"
    ]


def test_several_authors_from_meta() -> None:
    head = '<meta name="author" content="Ann Lee, Bo Chen and Carla Gomez">'
    assert _with_byline("", head) == ["Ann Lee", "Bo Chen", "Carla Gomez"]


def test_staff_byline_with_relative_time_is_no_author() -> None:
    assert _with_byline('<div class="byline">By Staff | 3 hours ago</div>') == []


def test_organisation_only_author_is_kept() -> None:
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "x", '
            '"author": {"@type": "Organization", "name": "Reuters"}}</script>')  # fmt: skip
    assert _with_byline("", head) == ["Reuters"]


def test_person_in_byline_beats_organisation_in_metadata() -> None:
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "x", '
            '"author": {"@type": "Organization", "name": "Example Media"}}</script>')  # fmt: skip
    byline = '<p class="byline">By <a rel="author" href="/u/ann">Ann Lee</a></p>'
    assert _with_byline(byline, head) == ["Ann Lee"]


def test_related_post_bylines_do_not_leak_when_the_article_has_none() -> None:
    related = (
        '<section class="related-articles"><h3>More stories</h3>'
        '<div class="teaser"><a href="/b">Other story</a><span class="author">By Tom Baker</span></div>'
        '<div class="teaser"><a href="/c">Third story</a><span class="author">By Lena Fischer</span></div>'
        "</section>"
    )
    html = page().replace("</article>", "</article>" + related)
    assert extract_article(html, "https://news.example/a/1").authors == []


# -- dates ------------------------------------------------------------------------------------------
def _dates(
    head: str = "", body: str = "", url: str = "https://news.example/a/1"
) -> tuple[str | None, str | None]:
    record = extract_article(page(body + "".join(f"<p>{p}</p>" for p in PARAGRAPHS), head), url)
    return record.published_at, record.updated_at


def test_jsonld_date_beats_meta_date() -> None:
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "x", '
            '"datePublished": "2024-02-01T10:00:00+01:00", "dateModified": "2024-02-02T09:00:00Z"}</script>'
            '<meta property="article:published_time" content="2023-01-01T00:00:00Z">')  # fmt: skip
    assert _dates(head) == ("2024-02-01T09:00:00+00:00", "2024-02-02T09:00:00+00:00")


def test_time_element_date_in_named_zone() -> None:
    body = '<time datetime="2023-11-05T18:20:00-08:00">Nov 5</time>'
    assert _dates(body=body)[0] == "2023-11-06T02:20:00+00:00"


def test_only_url_date() -> None:
    assert _dates(url="https://news.example/2022/09/30/probe/")[0] == "2022-09-30T00:00:00+00:00"


def test_future_meta_date_rejected_falls_back_to_url() -> None:
    head = '<meta property="article:published_time" content="2199-01-01T00:00:00Z">'
    assert (
        _dates(head, url="https://news.example/2021/03/04/probe/")[0] == "2021-03-04T00:00:00+00:00"
    )


def test_pre_1995_date_rejected() -> None:
    head = '<meta property="article:published_time" content="1970-01-01T00:00:00Z">'
    assert _dates(head)[0] is None


def test_updated_before_published_dropped() -> None:
    head = ('<meta property="article:published_time" content="2024-05-02T00:00:00Z">'
            '<meta property="article:modified_time" content="2024-05-01T00:00:00Z">')  # fmt: skip
    assert _dates(head) == ("2024-05-02T00:00:00+00:00", None)


# -- languages --------------------------------------------------------------------------------------
GERMAN = [
    "Die Bundesnetzagentur hat am Dienstag ein Verfahren gegen den Zusammenschluss der beiden "
    "Cloud-Anbieter eingeleitet, weil das neue Unternehmen den Markt beherrschen könnte.",
    "Beide Firmen erklärten, sie würden mit der Behörde zusammenarbeiten, und rechnen mit einem "
    "Abschluss im kommenden Jahr, auch wenn Fachleute Auflagen für möglich halten.",
]
FRENCH = [
    "Le régulateur a ouvert mardi une enquête sur la fusion des deux fournisseurs de stockage en "
    "ligne, estimant que la nouvelle entreprise contrôlerait plus de la moitié du marché.",
    "Les deux sociétés ont déclaré qu'elles coopéreraient avec l'autorité et espèrent finaliser "
    "l'opération l'an prochain, même si des analystes jugent des concessions probables.",
]


@pytest.mark.parametrize(
    ("paragraphs", "lang", "html_lang"), [(GERMAN, "de", "en"), (FRENCH, "fr", "fr")]
)
def test_non_english_page(paragraphs: list[str], lang: str, html_lang: str) -> None:
    body = (
        '<p class="byline">Von Hans Müller</p>'
        if lang == "de"
        else '<p class="byline">Par Jean Dupont</p>'
    )
    body += "".join(f"<p>{p}</p>" for p in paragraphs)
    head = '<meta property="article:published_time" content="12.03.2024 09:30">'
    record = extract_article(
        page(body, head, title="Cloud-Fusion", lang=html_lang), "https://news.example/a/2"
    )
    assert record.language == lang  # from the text, even where <html lang> says otherwise
    assert record.error is None and paragraphs[1][:40] in str(record.body)
    assert record.authors == (["Hans Müller"] if lang == "de" else ["Jean Dupont"])
    assert record.published_at == "2024-03-12T09:30:00+00:00"


# -- pages without an article -----------------------------------------------------------------------
def _listing(title: str, extra_head: str = "") -> str:
    teasers = "".join(
        f'<div class="teaser"><h2><a href="/news/story-{i}">Story number {i} about chips</a></h2>'
        f"<p>Short teaser text for story {i}.</p></div>"
        for i in range(12)
    )
    return (f"<html><head><title>{title}</title>{extra_head}</head><body><nav><a href='/'>Home</a></nav>"
            f"<main><h1>{title}</h1>{teasers}</main></body></html>")  # fmt: skip


def test_tag_page() -> None:
    record = extract_article(_listing("Tag: AI"), "https://news.example/tag/ai/")
    assert (record.error, record.body) == ("not_article:tag_page", None)


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example/",
        "https://news.example/section/tech/",
        "https://news.example/section/tech/page/3/",
    ],
)
def test_index_page(url: str) -> None:
    record = extract_article(_listing("Example News"), url)
    assert (record.error, record.body) == ("not_article:index_page", None)


def test_section_front_with_few_teasers_is_an_index_page() -> None:
    html = ("<html><head><title>Tech</title></head><body><h1>Tech</h1><ul>"
            "<li><a href='/a/1'>One story</a></li><li><a href='/a/2'>Another story</a></li></ul></body></html>")  # fmt: skip
    assert (
        extract_article(html, "https://news.example/section/tech/").error
        == "not_article:index_page"
    )


def test_gallery_page() -> None:
    images = "".join(
        f'<figure><img src="/g/{i}.jpg" alt="Photo {i}"><figcaption>Photo {i}</figcaption></figure>'
        for i in range(8)
    )
    head = '<script type="application/ld+json">{"@type": "ImageGallery", "name": "CES in pictures"}</script>'
    html = f"<html><head><title>CES in pictures</title>{head}</head><body><h1>CES in pictures</h1>{images}</body></html>"
    record = extract_article(html, "https://news.example/gallery/ces-2024")
    assert (record.error, record.body) == ("not_article:gallery", None)


def test_error_page() -> None:
    html = ("<html><head><title>Page not found | Example News</title></head><body><h1>Oops! That page "
            "can't be found.</h1><p>It looks like nothing was found at this location. Maybe try a "
            "search or one of the links below to get back to our latest stories.</p></body></html>")  # fmt: skip
    record = extract_article(html, "https://news.example/missing")
    assert (record.error, record.body) == ("not_article:error_page", None)


def test_boilerplate_only_page_is_not_an_article() -> None:
    html = ("<html><body><nav><a href='/'>Home</a></nav><div class='share'>Share on Twitter</div>"
            "<p>Sign up for our newsletter to get the latest news in your inbox.</p></body></html>")  # fmt: skip
    record = extract_article(html, "https://news.example/a/3")
    assert record.error is not None and record.body is None and record.word_count == 0


# -- bad input --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "html",
    [
        b"",
        "   ",
        b"\x00\x01\x02\xff\xfe" * 50,
        "<<<>>>",
        b"\x1f\x8b\x08garbage",
        "<html></html>",
        12345,
    ],
)
def test_bad_input_never_raises(html: object) -> None:
    record = extract_article(html, "https://news.example/a/4")  # type: ignore[arg-type]
    assert record.error is not None and record.body is None
    assert json.dumps(record.to_dict())  # still a valid, serialisable record
