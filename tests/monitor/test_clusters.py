"""Story clustering primitives: exact hashes, MinHash/LSH candidates and incremental assignment."""

from __future__ import annotations

from mediawatch.monitor.clusters import (
    BANDS,
    NUM_PERM,
    SIMILARITY_THRESHOLD,
    assign_clusters,
    band_keys,
    content_hash,
    minhash_signature,
    similarity,
)

ORIGINAL = """Hyundai Motor Group opened its new battery plant near Savannah on Wednesday, a project that
local officials described as the largest economic development deal in the history of the state.
The factory will supply cells for the company's electric vehicles assembled at the nearby
Metaplant, which began production last autumn and already employs several thousand workers.
Executives said the plant would help the carmaker qualify for federal tax credits that require
batteries to be made in North America, and that output would rise steadily through next year.
Analysts welcomed the move but warned that demand for battery cars in the United States has
grown more slowly than expected, and that prices for lithium remain volatile.
The company plans to hire another two thousand people by the end of the decade, mostly in
manufacturing and logistics, and has pledged to train local students at a new technical college.
Environmental groups raised concerns about water use at the site, which sits near wetlands that
feed the Ogeechee River, and asked state regulators for a full review of the permits.
Hyundai said it had already cut planned water consumption by a third and would publish
monitoring data every quarter, a commitment the groups called a useful first step."""

REPUBLISHED = """Advertisement. Subscribe to our newsletter for the latest auto news.
Hyundai Motor Group opened its new battery plant near Savannah on Wednesday, a project that
local officials described as the largest economic development deal in the history of the state.
The factory will supply cells for the company's electric vehicles assembled at the nearby
Metaplant, which began production last autumn and already employs several thousand workers.
Executives said the plant would help the carmaker qualify for federal tax credits that require
batteries to be made in North America, and that output would rise steadily through next year.
Industry analysts praised the decision, though they cautioned that American appetite for
electric cars has cooled and lithium prices keep swinging.
The company plans to hire another two thousand people by the end of the decade, mostly in
manufacturing and logistics, and has pledged to train local students at a new technical college.
Environmental groups raised concerns about water use at the site, which sits near wetlands that
feed the Ogeechee River, and asked state regulators for a full review of the permits.
Hyundai said it had already cut planned water consumption by a third and would publish
monitoring data every quarter, a commitment the groups called a useful first step.
This story originally appeared on Auto Wire. Share this article on social media."""

UNRELATED = """Apple reported higher quarterly revenue on Thursday as sales of its services business
offset a slowdown in iPhone shipments in China, where local rivals have cut prices aggressively.
Chief executive Tim Cook told analysts that the company saw strong demand for its new laptops
and that its wearables segment returned to growth after two weak quarters of declining sales.
The company also announced a larger share buyback programme and raised its dividend slightly,
sending the stock up in after-hours trading as investors cheered the capital return plans.
Regulators in Europe continue to scrutinise the App Store rules, and the company said it expects
further changes to its fee structure in the region over the coming months."""


def test_content_hash_normalises_case_and_whitespace() -> None:
    assert content_hash("Hello  World\n") == content_hash("hello world")
    assert content_hash("hello world") != content_hash("hello, world")
    assert len(content_hash("x")) == 64


def test_signature_is_deterministic_and_sized() -> None:
    sig = minhash_signature(ORIGINAL)
    assert sig == minhash_signature(ORIGINAL)
    assert len(sig) == NUM_PERM and all(isinstance(v, int) for v in sig)
    assert len(minhash_signature(ORIGINAL, num_perm=128)) == 128


def test_band_keys_are_short_strings_one_per_band() -> None:
    keys = band_keys(minhash_signature(ORIGINAL))
    assert len(keys) == BANDS and len(set(keys)) == BANDS
    assert all(isinstance(k, str) and len(k) <= 16 for k in keys)


def test_light_rewrite_is_candidate_and_similar() -> None:
    a, b = minhash_signature(ORIGINAL), minhash_signature(REPUBLISHED)
    assert set(band_keys(a)) & set(band_keys(b))
    assert similarity(a, b) >= SIMILARITY_THRESHOLD


def test_unrelated_article_is_not_candidate() -> None:
    a, c = minhash_signature(ORIGINAL), minhash_signature(UNRELATED)
    assert not set(band_keys(a)) & set(band_keys(c))
    assert similarity(a, c) < 0.2


def test_short_and_empty_texts() -> None:
    assert minhash_signature("tiny text") == minhash_signature("Tiny   text")
    assert len(minhash_signature("")) == NUM_PERM


def test_new_article_joins_existing_cluster() -> None:
    existing = {"old-1": ("cluster-A", minhash_signature(ORIGINAL))}
    new = [("new-1", minhash_signature(REPUBLISHED), "2024-05-02T10:00:00+00:00", "autowire")]
    assert assign_clusters(new, existing) == {"new-1": "cluster-A"}


def test_new_articles_cluster_among_themselves_under_the_earliest_id() -> None:
    new = [
        ("b-later", minhash_signature(REPUBLISHED), "2024-05-02T10:00:00+00:00", "autowire"),
        ("z-first", minhash_signature(ORIGINAL), "2024-05-01T08:30:00+00:00", "evdaily"),
        ("c-other", minhash_signature(UNRELATED), "2024-05-01T09:00:00+00:00", "technews"),
    ]
    expected = {"z-first": "z-first", "b-later": "z-first", "c-other": "c-other"}
    assert assign_clusters(new, {}) == expected
    # input order does not matter
    assert assign_clusters(list(reversed(new)), {}) == expected


def test_unrelated_candidates_do_not_attract() -> None:
    existing = {"apple-1": ("cluster-apple", minhash_signature(UNRELATED))}
    new = [("hy-1", minhash_signature(ORIGINAL), None, "evdaily")]
    assert assign_clusters(new, existing) == {"hy-1": "hy-1"}


def test_best_candidate_wins() -> None:
    existing = {
        "near-copy": ("cluster-copy", minhash_signature(ORIGINAL)),
        "rewrite": ("cluster-rewrite", minhash_signature(REPUBLISHED)),
    }
    new = [("again", minhash_signature(ORIGINAL + " "), "2024-05-03", "x")]
    assert assign_clusters(new, existing) == {"again": "cluster-copy"}


def test_earliest_is_judged_as_an_instant_whatever_the_format() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    sig_a, sig_b = minhash_signature(ORIGINAL), minhash_signature(REPUBLISHED)
    # 09:00+02:00 is 07:00 UTC, earlier than 08:00 UTC although its text sorts later
    new = [
        ("utc", sig_a, datetime(2024, 5, 1, 8, tzinfo=UTC), "a"),
        ("cest", sig_b, datetime(2024, 5, 1, 9, tzinfo=timezone(timedelta(hours=2))), "b"),
    ]
    assert assign_clusters(new, {}) == {"utc": "cest", "cest": "cest"}
    as_text = [("utc", sig_a, "2024-05-01T08:00:00Z", "a"), ("cest", sig_b, "2024-05-01T09:00:00+02:00", "b")]
    assert assign_clusters(as_text, {}) == {"utc": "cest", "cest": "cest"}
    undated_last = [("undated", sig_a, None, "a"), ("dated", sig_b, "not a date", "b")]
    assert assign_clusters(undated_last, {}) == {"undated": "dated", "dated": "dated"}


def test_signatures_are_exactly_datasketchs_affine32_minhash() -> None:
    """Stored signatures must stay comparable with those of earlier loads (computed by datasketch)."""
    import random

    from datasketch import MinHash

    from mediawatch.monitor.clusters import NUM_PERM, SEED, minhash_signature, shingles

    rng = random.Random(3)
    words = ["Xiaomi", "car", "BAIC", "é", "中国", "the", "a", "sales", "rose", "fell"]
    texts = ["", "one", "two words", "a b c d e"] + [
        " ".join(rng.choice(words) for _ in range(rng.randint(1, 300))) for _ in range(100)
    ]
    for text in texts:
        reference = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32")
        reference.update_batch([s.encode("utf-8") for s in sorted(shingles(text))])
        assert minhash_signature(text) == [int(v) for v in reference.hashvalues], text[:40]


def test_given_band_keys_assign_as_computed_ones() -> None:
    """The loader hands assign_clusters the new articles' keys (made by the workers) and, for a
    candidate, only the keys it shares with new articles: the same clusters as computing them."""
    import random

    rng = random.Random(7)
    words = "car sales rose fell BAIC Xiaomi battery price launch market share".split()
    base = [" ".join(rng.choice(words) for _ in range(60)) for _ in range(6)]

    def variant(text: str) -> str:
        tokens = text.split()
        for _ in range(rng.randint(0, 6)):
            tokens[rng.randrange(len(tokens))] = rng.choice(words)
        return " ".join(tokens)

    stored = {f"old-{i}": (f"cluster-{i % 3}", minhash_signature(variant(base[i % 6])))
              for i in range(30)}
    new = [(f"new-{i}", minhash_signature(variant(base[i % 6])), f"2024-05-{1 + i % 9:02d}", "s")
           for i in range(40)]
    new_keys = {aid: band_keys(sig) for aid, sig, _, _ in new}
    wanted = {key for keys in new_keys.values() for key in keys}
    shared = {aid: [k for k in band_keys(sig) if k in wanted] for aid, (_, sig) in stored.items()}
    expected = assign_clusters(new, stored)
    assert assign_clusters(new, stored, keys={**shared, **new_keys}) == expected
    assert len(set(expected.values())) < len(new)  # some did join clusters
