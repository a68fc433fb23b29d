"""Bot walls and browser checks answer 200 with a few words: never an article, and said so, so the
gate's yield check can name the cause. A real short post that mentions a captcha is kept."""

from mediawatch.extract import extract_article

WALLS = [
    "<html><head><title>Just a moment...</title></head><body><h1>Just a moment...</h1>"
    "<p>Checking your browser before accessing the site.</p>"
    "<noscript>Enable JavaScript and cookies to continue</noscript></body></html>",
    "<html><head><title>Attention Required! | Cloudflare</title></head><body>"
    "<h1>Sorry, you have been blocked</h1><p>You are unable to access example.com. Why have I "
    "been blocked? This website is using a security service.</p></body></html>",
    "<html><head><title>Are you a robot?</title></head><body><p>Please verify you are a human "
    "to continue reading this page on our site today.</p></body></html>",
]


def test_challenge_pages_are_not_articles():
    for html in WALLS:
        record = extract_article(html, "https://news.example/2025/02/27/some-story-here/")
        assert record.error == "not_article:challenge_page", (record.error, record.body)


def test_an_article_about_captchas_is_kept():
    prose = (
        "Researchers said on Tuesday that a new kind of captcha asks people to rotate a picture of an "
        "animal until it stands upright, and that bots solved it less often than older puzzles that "
        "asked visitors to type distorted letters into a box before they could reach the page."
    )
    html = (
        "<html><head><title>Captchas get harder for bots</title></head><body><article>"
        f"<h1>Captchas get harder for bots</h1><p>{prose}</p><p>{prose}</p></article></body></html>"
    )
    record = extract_article(html, "https://news.example/2025/02/27/captchas-get-harder/")
    assert record.error is None and "captcha" in (record.body or "")
