"""Properties the crawl and the watchlist rely on, over generated input.

Already proven elsewhere: normalize_url is idempotent on structured URLs and any text
(tests/crawl/test_urls.py); a watchlist query prints back to the same tree, and the parser never
crashes (tests/monitor/test_query.py); the mention matcher agrees with a reference
(tests/monitor/test_matcher_properties.py). Added here: normalisation is stable across spellings of
one URL, and whole watchlist documents parse or fail with WatchlistError, never anything else.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediawatch.monitor.watchlist import WatchlistError, parse_watchlist
from mediawatch.urls import normalize_url

_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8)
_host = st.lists(_word.filter(lambda w: not w.startswith("-") and not w.endswith("-")),
                 min_size=1, max_size=3).map(lambda parts: ".".join([*parts, "com"]))
_path = st.lists(_word, max_size=4).map(lambda parts: "/" + "/".join(parts))
_params = st.lists(st.tuples(st.sampled_from(["id", "page", "q", "p"]), _word), max_size=3,
                   unique_by=lambda kv: kv[0])
_tracking = st.lists(st.tuples(st.sampled_from(["utm_source", "utm_medium", "fbclid", "gclid"]), _word),
                     max_size=2, unique_by=lambda kv: kv[0])


@settings(max_examples=300, deadline=None)
@given(scheme=st.sampled_from(["http", "https"]), host=_host, path=_path, params=_params,
       tracking=_tracking, data=st.data())
def test_spellings_of_one_url_normalise_to_the_same_url(
    scheme: str, host: str, path: str, params: list[tuple[str, str]],
    tracking: list[tuple[str, str]], data: st.DataObject,
) -> None:
    def query(pairs: list[tuple[str, str]]) -> str:
        return ("?" + "&".join(f"{k}={v}" for k, v in pairs)) if pairs else ""

    plain = f"{scheme}://{host}{path}{query(params)}"
    port = {"http": ":80", "https": ":443"}[scheme] if data.draw(st.booleans()) else ""
    shuffled = data.draw(st.permutations(params + tracking))
    fragment = data.draw(st.sampled_from(["", "#", "#comments"]))
    variant = f"{scheme.upper()}://{host.upper()}{port}{path}{query(list(shuffled))}{fragment}"
    assert normalize_url(variant) == normalize_url(plain)


_scalar = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=12),
                    st.sampled_from(["company", "person", "product", "topic", "Xiaomi", "a AND",
                                     '"x" NEAR/2 y', "(", "NOT"]))
_values = st.recursive(_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.sampled_from(["name", "type", "aliases", "query", "case_sensitive",
                                     "description", "members", "text", "bogus"]), inner, max_size=4),
), max_leaves=10)
_entry = st.fixed_dictionaries({"name": _scalar, "type": _scalar},
                               optional={"aliases": _values, "query": _scalar,
                                         "case_sensitive": _scalar, "bogus": _scalar})
_document = st.one_of(
    _values,
    st.fixed_dictionaries({"entities": st.lists(_entry, max_size=4)},
                          optional={"competitor_sets": _values}),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=_document, text=st.text(max_size=80))
def test_any_watchlist_document_parses_or_fails_with_watchlist_error(document: Any, text: str) -> None:
    try:
        watchlist = parse_watchlist(document, "<generated>")
    except WatchlistError as exc:
        assert "<generated>" in str(exc)  # the error names the file it came from
        return
    for mention in watchlist.find_mentions(text, text):
        assert mention.entity in {entry["name"] for entry in watchlist.to_dict()["entities"]}
