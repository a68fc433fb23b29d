"""The fast analysis gives exactly what the reference code gives: VADER's compound score against
vaderSentiment's SentimentIntensityAnalyzer, MinHash signatures against datasketch, sentence spans
against the original splitter; on the committed real pages and on generated edge cases.

Scores, signatures and spans are stored and compared across loads, so "close" is not enough: every
comparison is exact equality."""

from __future__ import annotations

import gzip
import random
import re
from collections.abc import Iterator
from functools import cache

import pytest

from mediawatch.config import REPO_ROOT
from mediawatch.monitor import text as text_module
from mediawatch.monitor.vader import vader

REAL_PAGES = REPO_ROOT / "mediawatch" / "fixture_web" / "real_pages" / "html"


@cache
def _analyzer():  # type: ignore[no-untyped-def]
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def _reference_compound(text: str) -> float:
    return _analyzer().polarity_scores(text)["compound"]


@cache
def real_texts() -> tuple[str, ...]:
    """The visible paragraphs of each committed real page, one text per page (one per line)."""
    import lxml.html

    texts = []
    for path in sorted(REAL_PAGES.glob("*.html.gz")):
        tree = lxml.html.fromstring(gzip.decompress(path.read_bytes()).decode("utf-8", "replace"))
        blocks = [
            " ".join(e.text_content().split())
            for e in tree.iter("p", "h1", "h2", "h3", "li", "blockquote", "td")
        ]
        texts.append("\n".join(b for b in blocks if b))
    assert len(texts) >= 80, "the committed real pages are missing"
    return tuple(texts)


# ---- VADER ------------------------------------------------------------------------------------

EDGE_SENTENCES = [
    "",
    "   ",
    ".",
    "!!!",
    "VADER is smart, handsome, and funny.",
    "VADER is smart, handsome, and funny!",
    "VADER is very smart, handsome, and funny.",
    "VADER is VERY SMART, handsome, and FUNNY.",
    "VADER is VERY SMART, handsome, and FUNNY!!!",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "The book was good.",
    "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today SUX!",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "Not bad at all",
    "Sentiment analysis has never been good.",
    "Sentiment analysis has never been this good!",
    "Most automated sentiment analysis tools are shit.",
    "With VADER, sentiment analysis is the shit!",
    "Other sentiment analysis tools can be quite bad.",
    "On the other hand, VADER is quite bad ass",
    "VADER is such a badass!",
    "Without a doubt, excellent idea.",
    "Without a doubt, an excellent idea.",
    "Roger Dodger is one of the most compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "Roger Dodger is one of the least compelling variations on this theme.",
    "Not such a badass after all.",
    "It was one of the worst movies I've seen, despite good reviews.",
    "Unbelievably bad acting!! Poor direction. VERY poor production.",
    "no good, no no bad, no or nor great, no",
    "kind of good but sort of bad, kind-of nice, sorta awful",
    "good but good but bad but good",
    "bad bad bad but good good good",
    "it is the bomb, a kiss of death, to die for, yeah right, bus stop",
    "a beating heart, bad ass, the shit, just enough good",
    "GOOD GOOD GOOD",
    "GOOD good",
    "Is it good?? Really??? Or great????",
    "Great!!!!!! Fantastic!?",
    "never so good, never this bad, so good, this great",
    "without doubt good, without any doubt good",
    "wasn't good, isn't bad, couldn't be better, aint great, doesnt hurt",
    "uh-uh good; nope bad; never ever great",
    "Das Auto ist hervorragend und die Kunden lieben es.",
    "小米汽车的销量很好，客户很满意。",
    "Xiaomi ❤️ BAIC 👍 😡 🙂🙂",
    "emoji😁glued💘to words",
    "<3 :-( :'( ;) xD :P",
    "The company's outlook is \"excellent\", analysts said (very).",
    "least good, at least good, very least good",
]

WORDS = (
    "good great excellent bad terrible awful love hate happy sad nice poor win lose kind of sort "
    "no not never without doubt least at very so this but and or nor the a is was it car Xiaomi "
    "BAIC sales rose fell isn't don't can't aint nope uh-uh despite rarely bomb shit die for to "
    "kiss death yeah right bus stop beating heart bad ass badass kinda sorta just enough extremely "
    "barely hardly slightly totally really most less :) :( :D <3 ;) 😁 💘 👍 Ärger schön 好 "
    "very! good!! bad? great?? (good) 'bad' \"nice\" ... -- - , ;"
).split()


def _generated_sentences(count: int, seed: int = 15) -> Iterator[str]:
    rng = random.Random(seed)
    lexicon_words = sorted(_analyzer().lexicon)
    for _ in range(count):
        words = []
        for _ in range(rng.randint(1, 40)):
            word = rng.choice(WORDS) if rng.random() < 0.8 else rng.choice(lexicon_words)
            roll = rng.random()
            if roll < 0.1:
                word = word.upper()
            elif roll < 0.15:
                word = word.capitalize()
            elif roll < 0.2:
                word += rng.choice("!?.,;:")
            words.append(word)
        sep = rng.choice([" ", " ", " ", "  ", "\t"])
        yield sep.join(words) + rng.choice(["", ".", "!", "!!", "?", "??", "???", "?!", " "])


def test_vader_equals_the_library_on_edge_cases() -> None:
    for text in EDGE_SENTENCES:
        assert vader().compound(text) == _reference_compound(text), text


def test_vader_equals_the_library_on_generated_sentences() -> None:
    compared = 0
    for text in _generated_sentences(6000):
        assert vader().compound(text) == _reference_compound(text), text
        compared += 1
    assert compared == 6000


def test_vader_equals_the_library_on_real_pages() -> None:
    compared = 0
    for page in real_texts():
        sentences = text_module.split_sentences(page)
        assert sentences
        for text in [*sentences, page[:3000]]:
            assert vader().compound(text) == _reference_compound(text), text[:200]
            compared += 1
    assert compared > 3000


# ---- MinHash ----------------------------------------------------------------------------------


def _reference_signature(text: str) -> list[int]:
    """datasketch's affine32 MinHash of the word 5-shingles, shingled as the original code did."""
    from datasketch import MinHash

    from mediawatch.monitor.clusters import NUM_PERM, SEED, SHINGLE_WORDS

    words = re.findall(r"\w+", text.casefold())
    if len(words) <= SHINGLE_WORDS:
        items = {" ".join(words)} if words else set()
    else:
        items = {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - 4)}
    reference = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32")
    reference.update_batch([s.encode("utf-8") for s in sorted(items)])
    return [int(v) for v in reference.hashvalues]


def test_minhash_equals_datasketch_on_real_pages_and_edge_cases() -> None:
    from mediawatch.monitor.clusters import minhash_signature

    edge = ["", " ", "...", "one", "a b c d e", "a b c d e f", "É é ÉCOLE école", "中国 汽车 销量",
            # what the words are split on beside ASCII: punctuation and spaces outside ASCII,
            # characters whose case folding grows (ß, ﬁ, İ), digits and marks that \w matches
            "the company’s “new” car—sold out\u00a0today… in 10\u2009000 units",
            "Straße ﬁnal İstanbul x²+y³ snake_case e\u0301te naïve\u200bword 🚗 car\x1ccar",
            "ÅNGSTRÖM\u3000東京\u3001大阪。 — «quoted» ‹x› ¿qué? ¡sí! a\u2028b\u2029c d\x85e"]
    rng = random.Random(4)
    generated = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 400))) for _ in range(60)]
    texts = [*edge, *generated, *real_texts()]
    for text in texts:
        assert minhash_signature(text) == _reference_signature(text), text[:80]


# ---- sentence spans ---------------------------------------------------------------------------

_ORIGINAL_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*\s+|[。！？]+[\"”’)]*\s*|\s*\n\s*")


_ORIGINAL_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof inc corp ltd co jr sr st vs no approx fig gen sen rep gov jan feb mar apr "
    "jun jul aug sep sept oct nov dec u.s u.k e.g i.e etc".split()
)


def _original_after_abbreviation(text: str, dot: int, after: int) -> bool:
    word_start = dot
    while word_start > 0 and (text[word_start - 1].isalnum() or text[word_start - 1] == "."):
        word_start -= 1
    word = text[word_start:dot].lower()
    if word in _ORIGINAL_ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
        return True
    return after < len(text) and text[after].islower()


def _original_add(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def _original_sentence_spans(text: str) -> list[tuple[int, int]]:
    """The splitter as it was before it was rewritten for speed (the oracle), verbatim."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _ORIGINAL_BOUNDARY.finditer(text):
        mark = m.group()
        if (
            mark.startswith(".")
            and "\n" not in mark
            and _original_after_abbreviation(text, m.start(), m.end())
        ):
            continue
        end = m.start() + len(mark.rstrip())
        if "\n" in mark:
            end = m.start()
        _original_add(spans, text, start, end)
        start = m.end()
    _original_add(spans, text, start, len(text))
    return spans


PIECES = [
    "Xiaomi", "Corp.", "said", "Dr.", "Lei", "e.g.", "U.S.", "approx.", "five", "It", "rose",
    ".", "!", "?", "...", "?!", "。", "！", "？", "\"", "”", "’", ")", "]", "'", " ", "  ", "\t",
    "\n", " \n ", "\n\n", "\r\n", "\u2028", "\u00a0", "\u3000", "小米", "A.", "b.", "Inc.", "x",
]


@pytest.mark.parametrize("seed", range(4))
def test_sentence_spans_equal_the_original_splitter(seed: int) -> None:
    rng = random.Random(seed)
    texts = [
        "".join(rng.choice(PIECES) + rng.choice(["", " "]) for _ in range(rng.randint(0, 60)))
        for _ in range(3000)
    ]
    for text in texts:
        assert text_module.sentence_spans(text) == _original_sentence_spans(text), repr(text)


def test_sentence_spans_equal_the_original_splitter_on_real_pages() -> None:
    for page in real_texts():
        title, _, body = page.partition("\n")
        for text in (page, body, title + "\n" + body, title, page.replace("\n", " \n")):
            assert text_module.sentence_spans(text) == _original_sentence_spans(text)


def _reference_joined(title: str | None, body: str | None) -> list[str]:
    text = "\n".join(t for t in (title, body) if t)
    return [text[s:e] for s, e in _original_sentence_spans(text)]


@pytest.mark.parametrize("seed", range(3))
def test_joined_sentences_equal_splitting_the_joined_text(seed: int) -> None:
    rng = random.Random(100 + seed)

    def piece_text(most: int) -> str:
        return "".join(rng.choice(PIECES) + rng.choice(["", " "]) for _ in range(rng.randint(0, most)))

    for _ in range(2000):
        title, body = piece_text(12), piece_text(80)
        for pair in ((title, body), (title, None), (None, body), ("", body), (title, "")):
            assert text_module.joined_sentences(*pair) == _reference_joined(*pair), repr(pair)


def test_joined_sentences_equal_splitting_the_joined_text_on_real_pages() -> None:
    for page in real_texts():
        title, _, body = page.partition("\n")
        for pair in ((title, body), (title + ".", body), (title + " ! ", "  " + body), (title, "\n" + body)):
            assert text_module.joined_sentences(*pair) == _reference_joined(*pair)


# ---- lower-cased texts instead of case-insensitive regexes (aliases, query terms) ----------- ----------------------------------


def test_exotic_characters_are_recomputed_from_pythons_case_tables() -> None:
    """monitor.prefilter.EXOTIC must be exactly the characters its docstring describes."""
    import _sre
    import sys
    from re import _casefix  # type: ignore[attr-defined]

    from mediawatch.monitor.prefilter import EXOTIC

    extra = _casefix._EXTRA_CASES
    in_extra_classes = set(extra) | {v for values in extra.values() for v in values}
    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    expected = {
        ch
        for ch in everything
        if len(ch.lower()) != 1
        or ord(ch.lower()) != _sre.unicode_tolower(ord(ch))
        or (ord(ch) > 127 and _sre.unicode_tolower(ord(ch)) in in_extra_classes)
        or ch == "\u03a3"
    }
    assert set(EXOTIC.findall(everything)) == expected


TRICKY_ALIASES = ["Xiaomi", "Xiaomi Corporation", "小米", "NIO", "Li Auto", "Li", "Model 3", "C++",
                  "self-driving", "AI chips", "Straße", "Škoda Auto", "Kia", "Sisu", "ISO"]
TRICKY_PIECES = [
    *TRICKY_ALIASES, "xiaomi", "XIAOMI", "corporation", "nio", "Nio", "li", "LI", "auto", "model",
    "3", "ai", "AI", "chips", "strasse", "STRASSE", "straße", "škoda", "ŠKODA", "kia", "KIA",
    "ſisu", "ſiſu", "SİSU", "ıso", "İSO", "Kia", "Σ", "ΣΑ", "said", "again", "live", "on",
    "-", ".", ",", "\n", " ", "  ", "\t", "汽车", "’", "“", "é",
]


def _alias_matcher(aliases: list[str]):  # type: ignore[no-untyped-def]
    from mediawatch.monitor.matcher import AliasMatcher, AliasSpec

    return AliasMatcher(
        [AliasSpec(text, text.isupper() and len(text) <= 4, i) for i, text in enumerate(aliases)]
    )


def _plain_find(matcher, text: str):  # type: ignore[no-untyped-def]
    lower_regex = matcher._lower_regex
    matcher._lower_regex = None  # the case-insensitive regex on the text as written: the reference
    try:
        return matcher.find(text)
    finally:
        matcher._lower_regex = lower_regex


@pytest.mark.parametrize("seed", range(3))
def test_lower_cased_alias_search_finds_what_the_case_insensitive_one_finds(seed: int) -> None:
    rng = random.Random(200 + seed)
    matchers = [_alias_matcher(TRICKY_ALIASES), _alias_matcher(TRICKY_ALIASES + ["Σigma"])]
    assert matchers[0]._lower_regex is not None and matchers[1]._lower_regex is None
    for _ in range(300):
        text = "".join(
            rng.choice(TRICKY_PIECES) + rng.choice(["", " ", " "]) for _ in range(rng.randint(1, 200))
        )
        for matcher in matchers:
            assert matcher.find(text) == _plain_find(matcher, text), text


def test_lower_cased_alias_search_on_real_pages(shipped) -> None:  # type: ignore[no-untyped-def]
    matcher = shipped._matcher
    assert matcher._lower_regex is not None  # the shipped watchlist takes the fast path
    found = 0
    for page in real_texts():
        got = matcher.find(page)
        assert got == _plain_find(matcher, page)
        found += len(got)
    assert found > 100


def test_query_prefilter_decides_as_the_plain_search_does() -> None:
    from mediawatch.monitor.query import CompiledQuery

    rng = random.Random(9)
    queries = [
        CompiledQuery('NOT (orchard OR cider OR "apple pie")'),
        CompiledQuery('Tesla OR Musk OR EV OR car OR cars'),
        CompiledQuery('"data center" OR training OR ISO OR sisu OR straße OR Σα'),
        CompiledQuery('(ai OR chips) NEAR/3 (Xiaomi OR 小米)'),
    ]
    words = [*TRICKY_PIECES, "orchard", "ORCHARD", "cider", "apple", "pie", "Apple Pie", "tesla",
             "musk", "EV", "ev", "cars", "data", "center", "Data  Center", "training", "σα", "ΣΑ"]
    for _ in range(1500):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 40)))
        for query in queries:
            needles = query._needles
            query._needles = {}
            try:
                plain = (query.evaluate(text), query.trace(text))
            finally:
                query._needles = needles
            assert (query.evaluate(text), query.trace(text)) == plain, (query.source, text)


def test_band_keys_and_similarity_equal_the_original_code() -> None:
    import hashlib

    from mediawatch.monitor.clusters import band_keys, similarity

    def reference_keys(signature: list[int], bands: int = 16) -> list[str]:
        rows = len(signature) // bands
        keys = []
        for band in range(bands):
            chunk = ",".join(str(v) for v in signature[band * rows : (band + 1) * rows])
            keys.append(f"{band:02d}:{hashlib.blake2b(chunk.encode(), digest_size=6).hexdigest()}")
        return keys

    rng = random.Random(5)
    signatures = [[rng.randrange(1 << 32) for _ in range(64)] for _ in range(300)]
    for a, b in zip(signatures, signatures[1:], strict=False):
        assert band_keys(a) == reference_keys(a)
        assert band_keys(a, 8) == reference_keys(a, 8)
        near = [x if rng.random() < 0.6 else y for x, y in zip(a, b, strict=True)]
        expected = sum(1 for x, y in zip(a, near, strict=True) if x == y) / len(a)
        assert similarity(a, near) == expected


def test_vader_token_memory_is_bounded_and_changes_no_score(monkeypatch: pytest.MonkeyPatch) -> None:
    from mediawatch.monitor import vader as vader_module

    monkeypatch.setattr(vader_module._Tokens, "LIMIT", 5)
    fresh = vader_module.Vader()
    for text in EDGE_SENTENCES:
        assert fresh.compound(text) == _reference_compound(text), text
        assert len(fresh._tokens) <= 5
