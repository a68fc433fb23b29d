"""Story clustering primitives: exact-duplicate hashes, MinHash signatures, LSH band keys, and
incremental assignment of new articles to clusters.

The loader stores each article's signature and band keys; candidates for a new article are the
stored articles sharing at least one band key (a SQL join on a band table). With 64 permutations in
16 bands of 4 rows, a pair with Jaccard similarity s becomes a candidate with probability
1 - (1 - s**4)**16: 0.64 at s = 0.5, 0.99 at s = 0.7, 0.005 at s = 0.2. Candidates then join a
cluster only if their estimated similarity reaches SIMILARITY_THRESHOLD.
"""

from __future__ import annotations

import hashlib
import operator
import re
from collections import defaultdict
from collections.abc import Hashable, Sequence
from datetime import UTC, date, datetime
from typing import Any

NUM_PERM = 64
BANDS = 16
SHINGLE_WORDS = 5
SEED = 1  # fixed: signatures are stored and compared across runs
SIMILARITY_THRESHOLD = 0.5
_WORD_RE = re.compile(r"\w+")

ArticleId = Hashable
Signature = Sequence[int]


def content_hash(body: str) -> str:
    """sha256 hex of the body with case folded and whitespace collapsed (exact-duplicate key)."""
    normal = " ".join(body.casefold().split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """Word `size`-shingles of the case-folded text; a text shorter than `size` is one shingle."""
    words = _WORD_RE.findall(text.casefold())
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    # zip of the word list shifted 0..size-1 places: the windows, built in C, not a Python loop
    return set(map(" ".join, zip(*(words[k:] for k in range(size)), strict=False)))


def minhash_signature(text: str, num_perm: int = NUM_PERM) -> list[int]:
    """MinHash over word 5-shingles, deterministic across processes (fixed seed and scheme).

    The values are exactly datasketch's `MinHash(num_perm, seed=SEED, scheme="affine32")` after
    `update_batch` of the sorted shingles (the test suite checks it against datasketch), computed
    here with numpy in one pass: datasketch's import (it pulls in scipy) and its per-call set-up
    cost more than the hashing itself. The shingles are made as UTF-8 bytes (`_words`), which
    are what gets hashed."""
    import numpy as np

    a, b = _permutations(num_perm)
    words = _words(text)
    if len(words) <= SHINGLE_WORDS:
        items = {b" ".join(words)} if words else set()
    else:
        items = set(map(b" ".join, zip(*(words[k:] for k in range(SHINGLE_WORDS)), strict=False)))
    if not items:
        return [_MAX32] * num_perm
    # sha1 of every shingle through map() of C functions (no Python frame per shingle); the first
    # 4 bytes of each 20-byte digest, little-endian, are datasketch's 32-bit hash value
    digests = b"".join(map(_DIGEST, map(_sha1, items)))
    hv = np.frombuffer(digests, dtype="<u4").reshape(-1, 5)[:, 0].astype(np.uint32)
    # MurmurHash3's 32-bit finalizer, then the affine permutations a*h + b mod 2**32
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    hv = hv ^ (hv >> np.uint32(16))
    return (hv[:, None] * a[None, :] + b[None, :]).min(axis=0).tolist()  # type: ignore[no-any-return]


def _words(text: str) -> list[bytes]:
    """`_WORD_RE.findall(text.casefold())`, each word UTF-8 encoded, in C passes (about 2x
    cheaper than the regex): the non-ASCII characters that are not word characters become
    spaces (`str.replace`, one per such character present), then the UTF-8 bytes have every
    ASCII non-word byte translated to a space and are split. What is left between spaces is a
    run of word characters: ASCII word bytes and the multi-byte encodings of word characters."""
    folded = text.casefold()
    if not folded.isascii():
        present = set(folded)
        for ch in present.difference(_WORD_CHARS, _NON_WORD_CHARS):
            if ord(ch) >= 128:  # ASCII bytes are handled by the table
                (_WORD_CHARS if _WORD_RE.fullmatch(ch) else _NON_WORD_CHARS).add(ch)
        for ch in present.intersection(_NON_WORD_CHARS):
            folded = folded.replace(ch, " ")
    return folded.encode().translate(_ASCII_NON_WORD_TO_SPACE).split()


# non-ASCII characters seen so far, by whether `\w` matches them (a few hundred at most in practice)
_WORD_CHARS: set[str] = set()
_NON_WORD_CHARS: set[str] = set()
# bytes.translate table: ASCII bytes that are not word characters -> space; the rest unchanged
_ASCII_NON_WORD_TO_SPACE = bytes(
    c if c >= 128 or _WORD_RE.fullmatch(chr(c)) else 0x20 for c in range(256)
)
try:  # CPython's own SHA-1 (HACL*): same digests as OpenSSL's, cheaper per short message
    from _sha1 import sha1 as _sha1
except ImportError:  # pragma: no cover - a Python built without it
    _sha1 = hashlib.sha1

_MAX32 = (1 << 32) - 1
_DIGEST = operator.methodcaller("digest")
_PERMUTATIONS: dict[int, tuple[Any, Any]] = {}


def _permutations(num_perm: int) -> tuple[Any, Any]:
    """datasketch's affine32 permutations for SEED: odd multipliers a and offsets b (uint32)."""
    if num_perm not in _PERMUTATIONS:
        import numpy as np

        gen = np.random.RandomState(SEED)
        a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
        _PERMUTATIONS[num_perm] = (a, b)
    return _PERMUTATIONS[num_perm]


def band_keys(signature: Signature, bands: int = BANDS) -> list[str]:
    """One short key per LSH band ("07:3f2a9c1d5e6b"); two signatures sharing a key are candidates."""
    if bands <= 0 or len(signature) % bands:
        raise ValueError(
            f"signature of length {len(signature)} cannot be split into {bands} equal bands"
        )
    rows = len(signature) // bands
    values = list(map(str, signature))
    blake2b = hashlib.blake2b
    return [
        f"{band:02d}:"
        + blake2b(",".join(values[band * rows : (band + 1) * rows]).encode(), digest_size=6).hexdigest()
        for band in range(bands)
    ]


def similarity(sig_a: Signature, sig_b: Signature) -> float:
    """Estimated Jaccard similarity: the share of positions where the two signatures agree."""
    if len(sig_a) != len(sig_b) or not sig_a:
        raise ValueError("signatures must be non-empty and of equal length")
    return sum(map(operator.eq, sig_a, sig_b)) / len(sig_a)


def _time_key(published_at: Any) -> tuple[int, float, str]:
    """Sort key for publication times given as datetime, date, ISO string or None.

    Times compare as instants (offsets applied; naive means UTC); unparseable strings sort after
    real times, and undated articles last."""
    moment = published_at
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment.strip().replace("Z", "+00:00"))
        except ValueError:
            return 1, 0.0, published_at
    if isinstance(moment, date) and not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return 0, moment.timestamp(), ""
    return 2, 0.0, ""


def assign_clusters(
    new: list[tuple[ArticleId, Signature, Any, str | None]],
    candidates: dict[ArticleId, tuple[Any, Signature]],
    threshold: float = SIMILARITY_THRESHOLD,
    bands: int = BANDS,
    keys: dict[ArticleId, list[str]] | None = None,
) -> dict[ArticleId, Any]:
    """Cluster ids for `new` (article_id, signature, published_at, source) articles.

    Articles are taken oldest first (then by source, id). Each joins the cluster of its most
    similar candidate or earlier new article sharing a band key, if similarity >= threshold;
    otherwise it founds a cluster whose id is its own article id. Existing cluster ids never change.

    `keys` may give articles' band keys already made (`band_keys(signature, bands)`); for a
    candidate it may give only those of its keys that new articles have, the only ones looked up.
    """
    keys = keys or {}
    index: dict[str, list[ArticleId]] = defaultdict(list)
    known: dict[ArticleId, tuple[Any, Signature]] = {}
    for article_id, (cluster_id, signature) in candidates.items():
        known[article_id] = (cluster_id, signature)
        given = keys.get(article_id)
        for key in given if given is not None else band_keys(signature, bands):
            index[key].append(article_id)
    result: dict[ArticleId, Any] = {}
    ordered = sorted(new, key=lambda a: (_time_key(a[2]), str(a[3] or ""), str(a[0])))
    for article_id, signature, _published, _source in ordered:
        given = keys.get(article_id)
        own = given if given is not None else band_keys(signature, bands)
        best_score, best_cluster = -1.0, None
        others = {o for key in own for o in index.get(key, ()) if o != article_id}
        # sorted by cluster id and strict ">" below: ties go to the smallest id, so reruns agree
        for other in sorted(others, key=lambda o: (str(known[o][0]), str(o))):
            cluster_id, other_sig = known[other]
            score = similarity(signature, other_sig)
            if score >= threshold and score > best_score:
                best_score, best_cluster = score, cluster_id
        cluster = best_cluster if best_cluster is not None else article_id
        result[article_id] = cluster
        known[article_id] = (cluster, signature)
        for key in own:
            index[key].append(article_id)
    return result
