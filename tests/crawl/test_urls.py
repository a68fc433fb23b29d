"""URL normalisation: examples of each rule, and idempotency as a property."""

from hypothesis import given, settings
from hypothesis import strategies as st

from mediawatch.urls import is_tracking_param, normalize_url


def test_case_default_port_fragment_and_sorted_query():
    got = normalize_url("HTTPS://Example.COM:443/Path/Story/?b=2&a=1#comments")
    assert got == "https://example.com/Path/Story/?a=1&b=2"


def test_tracking_parameters_dropped_but_content_parameters_kept():
    url = "http://x.com/a/?utm_source=tw&utm_medium=s&fbclid=1&gclid=2&mc_cid=3&ref=hn&id=7"
    assert normalize_url(url) == "http://x.com/a/?id=7"
    assert is_tracking_param("UTM_Campaign") and not is_tracking_param("page")


def test_amp_variants_map_to_the_plain_page():
    plain = "https://example.com/2024/05/story/"
    for variant in (
        "https://example.com/2024/05/story/amp/",
        "https://example.com/2024/05/story/amp",
        "https://amp.example.com/2024/05/story/",
        "https://example.com/amp/2024/05/story/",
        "https://example.com/2024/05/story/?amp",
        "https://example.com/2024/05/story/?amp=1",
        "https://example.com/2024/05/story/?outputType=amp",
    ):
        assert normalize_url(variant) == plain, variant


def test_trailing_slash_kept_as_spelled_and_empty_path_is_root():
    assert normalize_url("http://x.com/a") == "http://x.com/a"
    assert normalize_url("http://x.com/a/") == "http://x.com/a/"
    assert normalize_url("http://x.com") == "http://x.com/"
    assert normalize_url("http://x.com:8080") == "http://x.com:8080/"


def test_non_http_and_garbage_come_back_unchanged():
    assert normalize_url(" mailto:a@b.c ") == "mailto:a@b.c"
    assert normalize_url("not a url") == "not a url"
    assert normalize_url("http://[::1") == "http://[::1"


def test_non_ascii_path_is_percent_encoded():
    assert normalize_url("https://x.de/straße/") == "https://x.de/stra%C3%9Fe/"
    assert normalize_url("https://x.de/a%2fb") == "https://x.de/a%2Fb"


_segment = st.text(alphabet="abcAMP-_.~%2f3/é ", max_size=8)
_urls = st.builds(
    lambda scheme, host, port, path, query, frag: f"{scheme}://{host}{port}/{path}{query}{frag}",
    st.sampled_from(["http", "https", "HTTP", "ftp"]),
    st.sampled_from(["Example.com", "amp.x.org", "amp.amp.y.net.", "[::1]", "127.0.0.1", "AMP."]),
    st.sampled_from(["", ":80", ":443", ":8080", ":99999", ":x"]),
    st.lists(_segment, max_size=4).map("/".join),
    st.lists(
        st.tuples(
            st.sampled_from(["utm_source", "a", "B", "amp", "ref", "q", "mc_x", ""]),
            st.text(alphabet="a1 +&=%é", max_size=4),
        ),
        max_size=4,
    ).map(lambda pairs: ("?" + "&".join(f"{k}={v}" for k, v in pairs)) if pairs else ""),
    st.sampled_from(["", "#frag", "#"]),
)


@settings(max_examples=400, deadline=None)
@given(_urls)
def test_normalize_is_idempotent_on_structured_urls(url):
    once = normalize_url(url)
    assert normalize_url(once) == once


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_normalize_is_idempotent_on_any_text(text):
    once = normalize_url("http://h.com/" + text)
    assert normalize_url(once) == once
    assert normalize_url(normalize_url(text)) == normalize_url(text)
