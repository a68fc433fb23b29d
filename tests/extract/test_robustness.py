"""extract_article never raises, whatever bytes or text it is given."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mediawatch.extract import extract_article

TAGS = st.sampled_from(["<p>", "</p>", "<div class='share'>", "</div>", "<article>", "<h1>", "<time datetime='x'>",
                        "<script type='application/ld+json'>{\"@type\": [", "<meta property='og:title' content='", "<!--", "&amp;", "\x00"])  # fmt: skip
HTMLISH = st.lists(st.one_of(TAGS, st.text(max_size=40)), max_size=40).map("".join)


@settings(max_examples=150, deadline=None)
@given(html=st.one_of(HTMLISH, st.binary(max_size=300)), url=st.text(max_size=40))
def test_never_raises(html: str | bytes, url: str) -> None:
    record = extract_article(html, url)
    assert record.url == url
    assert (record.body is None) == (record.error is not None)
    assert record.word_count == (len(record.body.split()) if record.body else 0)
