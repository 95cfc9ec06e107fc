"""The incremental index: add articles as they are crawled, get their matches at once.

:class:`Index` runs the stages of :func:`dedup.scan` on each batch, against everything stored
before (a SQLite file or a Redis database, see :mod:`dedup.index.store`):

1. **prepare**: page furniture stripped and text normalized as the scan does
   (:func:`~dedup.furniture.strip_furniture`, :func:`~dedup.normalize.normalize_lines`);
2. **learned boilerplate**: each article's line contributions are counted as
   :class:`~dedup.boilerplate.LineStatistics` counts them (distinct contexts per
   ``(source, line)``), with per-context article counts, so removals can be undone. When a
   line reaches (or falls back under) the boilerplate bar, every stored article holding it
   is filtered again and, if its shingled text changed, re-shingled and re-verified: the
   stored state is always what the scan would compute from the same articles;
3. **shingles, signatures, LSH bands**: :func:`~dedup.shingle.shingle_texts`,
   :func:`~dedup.signature.minhash_signatures`, the scan's ``(bands, rows)``; candidates are
   the stored articles sharing a band value (one indexed lookup per batch) and, inside the
   batch, :func:`~dedup.lsh.candidate_pairs`;
4. **verification**: :func:`~dedup.pipeline.verify_pairs` on the exact shingle sets
   (recomputed from the stored lines of the candidates that pass the MinHash prefilter);
5. **clusters**: :func:`~dedup.cluster.build_clusters` (stars in canonical order, then the
   link rule) is local to a connected component of the verified pairs, so after a batch it
   is rerun on the affected components only, and the changed cluster fields are written;
6. **related**: hashed TF-IDF without refitting. Each article's term counts are stored (32-bit
   term hashes), with a document frequency per term; each article also *posts* its rare terms
   (as :mod:`dedup.related` finds candidates on big corpora). A new article's rare terms of
   highest tf-idf give candidates (the stored articles that posted them, best overlap
   first), which are scored by the exact cosine of
   :mod:`dedup.related` (``log(1 + tf)``, smooth idf, max_df rule) under the current
   document frequencies, then one slot per story, time window, recency and source cap.

Clusters do not depend on arrival order: adding a corpus one article at a time, in any
order, gives the clusters and pairs of ``dedup scan`` on it (``tests/test_index_api.py`` checks
this on ``sample_corpus/`` and all of saudinewsnet). Related scores equal the scan's for the
articles that are found; what differs is candidate generation (an article that shares no
rare term with the query's best rare terms is not found).

Durability and concurrency: a batch is planned from reads only, then written in one
transaction (:mod:`dedup.index.store`), under the backend's writer lock, so a killed writer leaves
every committed batch and nothing of the one it was in, and concurrent writers serialize.
The document frequencies read are cached in the ``Index`` object while no other connection
commits (the store's data version says when).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final, TypeVar, overload

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from dedup.arrays import distinct, distinct_with_inverse
from dedup.boilerplate import LineStatistics, line_contexts
from dedup.cluster import LinkRule, SimilarityRule, build_clusters, exact_similarities
from dedup.config import DedupConfig
from dedup.errors import ConfigError, DedupError, IndexFormatError, InputError
from dedup.furniture import strip_furniture
from dedup.index.store import (
    FORMAT_VERSION,
    Changes,
    ClusterFields,
    ConflictError,
    Edge,
    Record,
    Store,
    StoreReader,
    check_format,
    open_store,
)
from dedup.lsh import candidate_pairs
from dedup.normalize import normalize_lines, normalize_text
from dedup.pipeline import sort_key_for, verify_pairs
from dedup.records import Article, Pair, RelatedItem, Relation
from dedup.shingle import ShingleSets, concatenate, shingle_texts
from dedup.signature import minhash_signatures

__all__ = ["Index", "IndexStats", "Match"]

# Related candidates, as dedup.related finds them on a large corpus: only pairs that share a
# *rare* term (in at most max(50, 2 % of the articles)) are looked at. Each article posts its
# terms that are rare when it is added; a new article looks up its rare terms of highest
# tf-idf, ranks the stored articles by the sum of its weights on the terms they share, and
# the best ones are scored by the exact cosine.
_RARE_DF_SHARE: Final = 0.02
_RARE_DF_MIN: Final = 50
_QUERY_TERMS: Final = 48
_MAX_CANDIDATES: Final = 64
# A query reads at most this many postings of each term, the latest added: the rare terms'
# lists grow with the index (2 % of it), and reading them whole made query time grow with
# it (p99 360 ms at 100k articles, benchmarks/index_speed.py). Up to 20k articles no list
# is that long, so lists there are whole; above, recent articles are preferred, as the
# recency decay of the score does anyway.
_POSTINGS_PER_TERM: Final = 400
# Related candidates scored per block in _related (about 300k stored terms a block).
_DOT_BLOCK: Final = 1024
# Keys per block of a _HashBuckets search (measured: 2**14 0.38 s, 2**16 and 2**18 0.34 s
# for 9M keys).
_SEARCH_BLOCK: Final = 1 << 16
# As dedup.related: words of two letters or more; a term in more than half the articles is
# dropped, unless that half is fewer than 20 articles.
_TOKEN: Final = re.compile(r"(?u)\b\w\w+\b")
_MAX_DF_SHARE: Final = 0.5
_MAX_DF_MIN_DOCS: Final = 20
# verify_pairs drops a candidate whose MinHash estimate is 3 standard deviations under the
# lowest acceptable Jaccard; the stored candidates are screened a little more loosely
# first (3.5), so only the ones verify_pairs may keep have their shingles recomputed, and
# verify_pairs itself makes the decision, exactly as in the scan.
_SCREEN_SIGMAS: Final = 3.5
# A Redis writer whose lock expired and lost the race plans its batch again; a Redis reader
# that saw a writer commit meanwhile reads again, and at last under the writer lock.
_CONFLICT_RETRIES: Final = 20
_READ_RETRIES: Final = 3
_SECONDS_PER_DAY: Final = 86400.0
# Document frequencies cached per Index (about 100 bytes each): cleared past this many.
_DF_CACHE_LIMIT: Final = 2_000_000
# Term lookups through the dict before the whole document-frequency table is loaded: a few
# queries' worth, so a one-off get() does not read the table, a query-serving process does.
_DF_TABLE_AFTER: Final = 200_000
# Signatures read one by one before the whole matrix (and with it the LSH buckets) is
# loaded; at least a quarter of the index's size is read either way.
_SIGNATURES_AFTER: Final = 1000
# Postings (article numbers, 8 bytes and some 30 of overhead each) and term vectors (about
# 2 KB each) cached per Index: a few hundred MB at most.
_POSTINGS_CACHE_LIMIT: Final = 10_000_000
_VECTOR_CACHE_LIMIT: Final = 200_000
_SIMILARITY_LIMIT: Final = 1_000_000
_MASK64: Final = (1 << 64) - 1
_RELATION_CODE: Final[dict[str, int]] = {"canonical": 0, "exact": 1, "near": 2, "template": 3}
_RELATION_NAME: Final[dict[int, Relation]] = {1: "exact", 2: "near", 3: "template"}
_FNV_OFFSET: Final = np.uint64(0xCBF29CE484222325)
_FNV_PRIME: Final = np.uint64(0x100000001B3)
# splitmix64's constants (Steele, Lea and Flood, "Fast splittable pseudorandom number
# generators", OOPSLA 2014), for _bucket_keys.
_GOLDEN: Final = np.uint64(0x9E3779B97F4A7C15)
_MIX_1: Final = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2: Final = np.uint64(0x94D049BB133111EB)

_T = TypeVar("_T")
U32Array = npt.NDArray[np.uint32]
I64Array = npt.NDArray[np.int64]
F64Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Match:
    """What the index says about one article.

    Attributes
    ----------
    id
        The article.
    cluster_id
        Its duplicate cluster (derived from the canonical's id, as in ``dedup scan``); it
        changes when an earlier copy arrives later.
    duplicate_of
        The canonical of its cluster, or None when the article is the canonical itself.
    similarity, containment
        Exact Jaccard and containment to ``duplicate_of`` (to ``template_of`` for a template
        sibling that is no duplicate; else 0).
    relation
        ``"exact"`` or ``"near"`` for a duplicate, ``"template"`` for an article that only
        has template siblings (same template, other facts), else None.
    via
        For a member that joined through a linked star, the verified neighbour it came
        through (as :attr:`dedup.records.Member.via`).
    template_of
        The most similar template sibling, when ``relation`` is ``"template"``.
    related
        Related articles of other stories (best first).
    """

    id: str
    cluster_id: str
    duplicate_of: str | None = None
    similarity: float = 0.0
    containment: float = 0.0
    relation: Relation | None = None
    via: str | None = None
    template_of: str | None = None
    related: tuple[RelatedItem, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (one line of ``dedup index add`` output).

        Examples
        --------
        >>> Match(id="خبر-1", cluster_id="c1").to_dict()["duplicate_of"] is None
        True
        """
        return {
            "id": self.id,
            "cluster_id": self.cluster_id,
            "duplicate_of": self.duplicate_of,
            "similarity": round(self.similarity, 6),
            "containment": round(self.containment, 6),
            "relation": self.relation,
            "via": self.via,
            "template_of": self.template_of,
            "related": [{"id": item.id, "score": item.score} for item in self.related],
        }


@dataclass(frozen=True, slots=True)
class IndexStats:
    """Counts and storage of an index (``dedup index stats``)."""

    backend: str
    location: str
    format_version: int
    config_fingerprint: str
    articles: int
    clusters: int
    duplicate_clusters: int
    articles_in_duplicate_clusters: int
    pairs: int
    storage_bytes: int | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


# ---------------------------------------------------------------------------
# Small pure helpers


# Term ids of the words seen lately: news vocabulary repeats, so most words of an article
# are looked up instead of hashed. Cleared when full (as big as the former lru_cache). A
# one-character word, which str.split yields and _TOKEN does not, is cached as _NOT_A_TERM.
_TERM_IDS: dict[str, int] = {}
_TERM_IDS_LIMIT: Final = 1 << 18
_NOT_A_TERM: Final = -1


def _hash_term(token: str) -> int:
    # A 32-bit term hash (collisions merge two words once in ~4e9 pairs: harmless for
    # ranking), stable across processes unlike hash(). Stored in indexes: never change it.
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=4).digest(), "little")


def _term_id(token: str) -> int:
    term = _TERM_IDS.get(token)
    if term is None or term == _NOT_A_TERM:
        if len(_TERM_IDS) >= _TERM_IDS_LIMIT:
            _TERM_IDS.clear()
        term = _TERM_IDS[token] = _hash_term(token)
    return term


def _cached_term(word: str) -> int:
    return _hash_term(word) if len(word) > 1 else _NOT_A_TERM


def _term_counts(text: str) -> dict[int, int]:
    """Occurrences per term id of the ``_TOKEN`` words of ``text``."""
    # _TOKEN's words are the maximal runs of \w of two characters or more. Normalized text
    # is mostly such runs between single spaces, "." and "%": then splitting on those is
    # the same and several times faster than the regex (\w is str.isalnum plus "_", and
    # "_" fails the test).
    spaced = text.replace(".", " ").replace("%", " ") if "." in text or "%" in text else text
    if spaced.replace(" ", "").isalnum():
        words = Counter(spaced.split())
    else:
        words = Counter(_TOKEN.findall(text))
    # map() over the words rather than a loop: only words not seen lately are hashed one
    # by one.
    try:
        terms = list(map(_TERM_IDS.__getitem__, words))
    except KeyError:
        missing = [word for word in words if word not in _TERM_IDS]
        if len(_TERM_IDS) + len(missing) > _TERM_IDS_LIMIT:
            _TERM_IDS.clear()
            missing = list(words)
        _TERM_IDS.update(zip(missing, map(_cached_term, missing), strict=True))
        terms = list(map(_TERM_IDS.__getitem__, words))
    counts = dict(zip(terms, words.values(), strict=True))
    one_letter = terms.count(_NOT_A_TERM)
    if len(counts) < len(terms) - one_letter + (one_letter > 0):
        # Two words of the article share an id (a 32-bit collision): add up, as before.
        counts = {}
        for term, n in zip(terms, words.values(), strict=True):
            counts[term] = counts.get(term, 0) + n
    counts.pop(_NOT_A_TERM, None)
    return counts


def _signed64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _pack_lines(lines: Sequence[str]) -> bytes:
    # Level 1: twice as fast as the default 6, about 10 % larger on news text.
    return zlib.compress("\n".join(lines).encode("utf-8"), 1)


def _unpack_lines(data: bytes) -> list[str]:
    text = zlib.decompress(data).decode("utf-8") if data else ""
    return text.split("\n") if text else []


def _pack_dropped(dropped: Sequence[int]) -> bytes:
    return np.array(dropped, dtype="<u4").tobytes()


def _unpack_dropped(data: bytes) -> tuple[int, ...]:
    return tuple(np.frombuffer(data, dtype="<u4").tolist())


def _shingle_text(lines: Sequence[str], dropped: Collection[int]) -> str:
    # As prepare_texts: the kept lines joined by one space.
    return " ".join(line for i, line in enumerate(lines) if line and i not in dropped)


def _pack_vector(terms: U32Array, counts: F64Array, posted: npt.NDArray[np.bool_]) -> bytes:
    """A term vector: its length, the sorted term ids, the raw counts (float16: exact for the
    whole and half counts a title weight gives, up to 2,048), and a bitmask of posted terms."""
    return b"".join(
        [
            np.array([len(terms)], dtype="<u4").tobytes(),
            terms.astype("<u4").tobytes(),
            counts.astype("<f2").tobytes(),
            np.packbits(posted).tobytes(),
        ]
    )


def _unpack_vector(data: bytes) -> tuple[U32Array, F64Array, npt.NDArray[np.bool_]]:
    """Term ids, tf weights (``log(1 + count)`` as dedup.related) and the posted mask."""
    if not data:
        return np.empty(0, dtype=np.uint32), np.empty(0), np.empty(0, dtype=bool)
    n = int(np.frombuffer(data, dtype="<u4", count=1)[0])
    terms = np.frombuffer(data, dtype="<u4", count=n, offset=4)
    counts = np.frombuffer(data, dtype="<f2", count=n, offset=4 + 4 * n)
    posted = np.unpackbits(np.frombuffer(data, dtype="u1", offset=4 + 6 * n), count=n)
    return terms, np.log1p(counts.astype(np.float64)), posted.astype(bool)


def _band_values(signatures: U32Array, bands: int, rows: int) -> I64Array:
    """One int64 per (article, band): the band's values themselves when they fit in 8 bytes
    (rows <= 2, the default 32 x 2: exact, as the scan's grouping), else a 64-bit hash."""
    count = len(signatures)
    block = np.ascontiguousarray(signatures[:, : bands * rows], dtype=np.uint32)
    block = block.reshape(count, bands, rows)
    if rows <= 2:
        padded = np.zeros((count, bands, 2), dtype="<u4")
        padded[..., :rows] = block
        return padded.view("<i8").reshape(count, bands).astype(np.int64)
    values = np.full((count, bands), _FNV_OFFSET, dtype=np.uint64)
    for row in range(rows):
        values ^= block[..., row].astype(np.uint64)
        values *= _FNV_PRIME
    return values.view(np.int64)


def _check_articles(articles: object) -> list[Article]:
    if isinstance(articles, str | bytes):
        raise InputError("add expects Article objects, got a string; build dedup.Article(...)")
    items: list[Article] = list(articles)  # type: ignore[call-overload]  # any iterable
    for position, item in enumerate(items):
        if not isinstance(item, Article):
            raise InputError(
                f"item {position} is a {type(item).__name__}, not an Article; build records "
                "with dedup.Article(id=..., text=...)"
            )
    repeated = sorted(i for i, n in Counter(a.id for a in items).items() if n > 1)
    if repeated:
        raise InputError(
            f"{len(repeated)} article id(s) occur more than once in the batch, e.g. "
            f"{repeated[:3]}; ids must be unique"
        )
    return items


def _cutoff(older_than: timedelta | datetime | float, now: float) -> float:
    if isinstance(older_than, timedelta):
        return now - older_than.total_seconds()
    if isinstance(older_than, datetime):
        moment = older_than if older_than.tzinfo else older_than.replace(tzinfo=UTC)
        return moment.timestamp()
    if isinstance(older_than, int | float) and not isinstance(older_than, bool):
        return float(older_than)
    raise InputError(
        f"older_than must be a timedelta, a datetime or a POSIX timestamp, got {older_than!r}"
    )


# ---------------------------------------------------------------------------
# Planning one batch


@dataclass
class _New:
    """A new article, prepared."""

    article: Article
    num: int
    lines: list[str]
    contributions: dict[int, int]
    terms: U32Array
    weights: F64Array
    counts: F64Array
    published_ts: float | None


@dataclass
class _Doc:
    """An article shingled in this batch: new, or stored and filtered anew."""

    num: int
    lines: list[str]
    dropped: tuple[int, ...]
    record: Record | None  # the stored record; None for a new article


@dataclass
class _Plan:
    """A batch's writes, and the state after it (for query results)."""

    changes: Changes
    records: dict[int, Record] = field(default_factory=dict)
    edges: dict[int, list[Edge]] = field(default_factory=dict)
    ids: dict[int, str] = field(default_factory=dict)
    vectors: dict[int, bytes] = field(default_factory=dict)


@dataclass
class _Query:
    """One related-list query: a term vector with its story."""

    num: int
    terms: U32Array
    weights: F64Array
    story: int
    published_ts: float | None


class _SignatureCache:
    """Every stored MinHash signature in one matrix (row = article number).

    Kept by an :class:`Index` while no other connection commits, and updated by its own
    commits: with 32 bands of 2 rows about 2 % of the stored articles share a band value
    with any new article (a scan sees the same), so at 100k articles each add prefilters
    some 2,000 candidates; reading their signatures from the store would dominate.
    512 bytes an article at 128 permutations (51 MB at 100k). After another writer's
    commit the matrix is reloaded only once enough signatures were read one by one.
    """

    def __init__(self, num_perm: int) -> None:
        self.num_perm = num_perm
        self.matrix = np.zeros((0, num_perm), dtype=np.uint32)
        self.present = np.zeros(0, dtype=bool)
        self.valid = False
        self.misses = 0

    def invalidate(self) -> None:
        self.valid = False
        self.misses = 0

    def _grow(self, size: int) -> None:
        if size > len(self.matrix):
            capacity = max(size, 2 * len(self.matrix), 1024)
            matrix = np.zeros((capacity, self.num_perm), dtype=np.uint32)
            matrix[: len(self.matrix)] = self.matrix
            present = np.zeros(capacity, dtype=bool)
            present[: len(self.present)] = self.present
            self.matrix, self.present = matrix, present

    def lookup(self, reader: StoreReader, nums: I64Array, n_docs: int) -> U32Array:
        """The signatures of stored articles ``nums`` (rows in that order)."""
        if not self.valid:
            self.misses += len(nums)
            if self.misses > max(_SIGNATURES_AFTER, n_docs // 4):
                self.load(reader)
        if self.valid and len(nums) and nums.max() < len(self.matrix) and self.present[nums].all():
            return self.matrix[nums]
        found = reader.blobs("signature", nums.tolist())
        rows = [np.frombuffer(found[n], dtype="<u4") for n in nums.tolist()]
        return np.array(rows, dtype=np.uint32).reshape(len(nums), self.num_perm)

    def load(self, reader: StoreReader) -> None:
        stored = reader.all_signatures()
        self.matrix = np.zeros((0, self.num_perm), dtype=np.uint32)
        self.present = np.zeros(0, dtype=bool)
        self._grow(max(stored, default=-1) + 1)
        for num, data in stored.items():
            self.matrix[num] = np.frombuffer(data, dtype="<u4")
            self.present[num] = True
        self.valid = True

    def update(self, changes: Changes) -> None:
        """Follow a commit of this Index."""
        if not self.valid:
            return
        written = changes.blobs["signature"]
        self._grow(max(written, default=-1) + 1)
        for num, data in written.items():
            self.matrix[num] = np.frombuffer(data, dtype="<u4")
            self.present[num] = True
        for num in changes.deleted:
            if num < len(self.present):
                self.present[num] = False


def _bucket_keys(bands: I64Array, values: I64Array) -> I64Array:
    """One 64-bit key per (band, band value): splitmix64 of both, so that every bucket of
    every band sits in one sorted array. Two buckets that collide (about one pair in 2**64)
    only add candidates, which the MinHash screen and the exact check then judge."""
    mixed = values.astype(np.uint64) ^ ((bands.astype(np.uint64) + np.uint64(1)) * _GOLDEN)
    mixed ^= mixed >> np.uint64(30)
    mixed *= _MIX_1
    mixed ^= mixed >> np.uint64(27)
    mixed *= _MIX_2
    mixed ^= mixed >> np.uint64(31)
    return mixed.view(np.int64)


class _BandIndex:
    """The LSH buckets in memory: one sorted array of bucket keys with their articles.

    Built from the signature cache (band values are a function of the signature) and the
    stored shingle counts (only articles with ``min_shingles`` have buckets). At 50k
    articles a 1,000-article batch finds some 1.5 million bucket members; through a SQL
    join that was about 2 s of an add. Articles (re)written by this Index's commits are
    kept apart (``fresh``, merged in at each commit) until they are an eighth of the base,
    which is then rebuilt. A lookup is two binary searches over each of the two
    arrays, for all bands and articles at once. Valid only while the signature cache is.
    """

    def __init__(self, bands: int, rows: int, min_shingles: int) -> None:
        self.bands, self.rows, self.min_shingles = bands, rows, min_shingles
        self.valid = False
        self.banded = np.zeros(0, dtype=bool)  # by number: has buckets
        self.stale = np.zeros(0, dtype=bool)  # by number: its base entries are outdated
        self.keys = np.zeros(0, dtype=np.int64)  # sorted
        self.nums = np.zeros(0, dtype=np.int64)
        self.fresh: set[int] = set()
        self.fresh_keys = np.zeros(0, dtype=np.int64)
        self.fresh_nums = np.zeros(0, dtype=np.int64)

    def invalidate(self) -> None:
        self.valid = False
        self.fresh = set()

    def _entries(self, signatures: _SignatureCache, nums: I64Array) -> tuple[I64Array, I64Array]:
        """Sorted bucket keys of articles ``nums``, with the article of each key."""
        values = _band_values(signatures.matrix[nums], self.bands, self.rows)
        band_ids = np.broadcast_to(np.arange(self.bands, dtype=np.int64), values.shape)
        keys = _bucket_keys(band_ids.ravel(), values.ravel())
        owners = np.repeat(nums, self.bands)
        order = np.argsort(keys, kind="stable")
        return keys[order], owners[order]

    def build(self, signatures: _SignatureCache, banded: npt.NDArray[np.bool_]) -> None:
        self.banded = banded
        self.stale = np.zeros(len(banded), dtype=bool)
        nums = np.flatnonzero(banded[: len(signatures.present)] & signatures.present[: len(banded)])
        self.keys, self.nums = self._entries(signatures, nums)
        self.fresh = set()
        self.fresh_keys, self.fresh_nums = self.keys[:0], self.nums[:0]
        self.valid = True

    def update(self, changes: Changes, signatures: _SignatureCache) -> None:
        """Follow a commit of this Index."""
        if not self.valid:
            return
        if not signatures.valid or not set(changes.blobs["signature"]) <= set(changes.records):
            self.invalidate()  # a new signature without its shingle count: rebuild later
            return
        size = max([len(self.banded), *(n + 1 for n in changes.records)])
        if size > len(self.banded):
            grown = max(size, 2 * len(self.banded)) - len(self.banded)
            self.banded = np.concatenate([self.banded, np.zeros(grown, dtype=bool)])
            self.stale = np.concatenate([self.stale, np.zeros(grown, dtype=bool)])
        for num in changes.blobs["signature"]:
            self.banded[num] = changes.records[num].size >= self.min_shingles
            self.stale[num] = True
            self.fresh.add(num)
        for num in changes.deleted:
            if num < len(self.banded):
                self.banded[num] = False
        if len(self.fresh) > max(1024, len(self.nums) // (8 * self.bands)):
            self.build(signatures, self.banded)
            return
        # Merged into the sorted fresh entries, not sorted anew: one article added at a
        # time would sort up to an eighth of the base per commit.
        written = np.fromiter(changes.blobs["signature"], dtype=np.int64)
        if len(written) and len(self.fresh_nums):
            kept = ~np.isin(self.fresh_nums, written)
            self.fresh_keys, self.fresh_nums = self.fresh_keys[kept], self.fresh_nums[kept]
        written = np.sort(written[self.banded[written] & signatures.present[written]])
        keys, nums = self._entries(signatures, written)
        at = np.searchsorted(self.fresh_keys, keys, side="right")
        self.fresh_keys = np.insert(self.fresh_keys, at, keys)
        self.fresh_nums = np.insert(self.fresh_nums, at, nums)

    def members(
        self, queries: I64Array, bands: I64Array, values: I64Array
    ) -> tuple[I64Array, I64Array]:
        """As :meth:`StoreReader.bucket_members`, from memory."""
        wanted = _bucket_keys(bands, values)
        found_q, found_num = [], []
        for keys, nums, base in (
            (self.keys, self.nums, True),
            (self.fresh_keys, self.fresh_nums, False),
        ):
            low = np.searchsorted(keys, wanted, side="left")
            high = np.searchsorted(keys, wanted, side="right")
            taken = high - low
            offsets = np.cumsum(taken) - taken
            gather = np.repeat(low - offsets, taken) + np.arange(int(taken.sum()))
            members, who = nums[gather], np.repeat(queries, taken)
            # Base entries of articles deleted or rewritten since (their fresh keys count).
            keep = self.banded[members] & ~self.stale[members] if base else self.banded[members]
            found_q.append(who[keep])
            found_num.append(members[keep])
        return np.concatenate(found_q), np.concatenate(found_num)


class _HashBuckets:
    """``np.searchsorted`` over a sorted array of 32-bit term ids, a few times faster.

    Term ids are hashes, spread evenly over 32 bits, so their top bits split the sorted
    array into buckets of about one entry each; a search only bisects its key's bucket. A
    related list looks up the document frequencies of some 50,000 unsorted terms in a
    table of a few hundred thousand: a plain binary search there misses the CPU cache at
    every step, and was a tenth of a query at 100k articles (profiled). Measured on 60,000
    keys: 10.6 -> 3.2 ms in a table of 175,000 terms, 17.2 -> 4.5 ms at 1,000,000.
    """

    def __init__(self, terms: I64Array) -> None:
        self.terms = terms
        # At most one entry a bucket on average, and at most 32 MiB of offsets (8 bytes a
        # bucket); a million terms take 2**20 buckets.
        bits = min(max(len(terms).bit_length(), 8), 22)
        self.shift = np.int64(32 - bits)
        self.top = np.int64((1 << bits) - 1)
        counts = np.bincount(np.right_shift(terms, self.shift), minlength=1 << bits)
        self.starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def search(self, keys: I64Array) -> I64Array:
        """The leftmost insertion points of ``keys``, as ``np.searchsorted(terms, keys)``."""
        if len(keys) <= _SEARCH_BLOCK:
            return self._search(keys)
        # A batch's candidate norms look up some 9M terms: in blocks, every pass of the
        # bisection stays in the CPU cache (9M keys, 175k terms: 0.54 -> 0.34 s).
        found = np.empty(len(keys), dtype=np.int64)
        for start in range(0, len(keys), _SEARCH_BLOCK):
            found[start : start + _SEARCH_BLOCK] = self._search(keys[start : start + _SEARCH_BLOCK])
        return found

    def _search(self, keys: I64Array) -> I64Array:
        top = np.clip(np.right_shift(keys, self.shift), 0, self.top)
        low: I64Array = self.starts[top]
        high: I64Array = self.starts[top + 1]
        terms, last = self.terms, len(self.terms) - 1
        open_ = low < high
        while open_.any():
            middle = (low + high) >> 1
            right = open_ & (terms[np.minimum(middle, last)] < keys)
            low = np.where(right, middle + 1, low)
            high = np.where(open_ & ~right, middle, high)
            open_ = low < high
        return low


class _DocFreqTable:
    """Every stored document frequency as two sorted arrays, for vectorized lookups.

    A related list needs the document frequency of every term of every candidate (some
    50,000 terms a query), under the current counts: through a dict that was a Python loop
    costing about half of a query (profiled at 10k articles). Kept like
    :class:`_SignatureCache`: loaded once enough terms were looked up one by one, updated
    by this Index's own commits, dropped when another connection commits.
    """

    def __init__(self) -> None:
        self.terms = np.zeros(0, dtype=np.int64)
        self.counts = np.zeros(0, dtype=np.int64)
        self.buckets = _HashBuckets(self.terms)
        self.valid = False
        self.misses = 0

    def invalidate(self) -> None:
        self.valid = False
        self.misses = 0

    def lookup(self, reader: StoreReader, terms: I64Array) -> I64Array | None:
        """Frequencies of ``terms`` (0 when unseen), or None if not loaded."""
        if not self.valid:
            self.misses += len(terms)
            if self.misses <= _DF_TABLE_AFTER:
                return None
            self.terms, self.counts = reader.all_doc_freqs()
            self.buckets = _HashBuckets(self.terms)
            self.valid = True
        if not len(self.terms):
            return np.zeros(len(terms), dtype=np.int64)
        at = np.minimum(self.buckets.search(terms), len(self.terms) - 1)
        return np.where(self.terms[at] == terms, self.counts[at], 0)

    def update(self, changed: dict[int, int]) -> None:
        """Follow a commit of this Index (new counts by term; 0 means gone)."""
        if not self.valid or not changed:
            return
        keys = np.fromiter(changed, dtype=np.int64, count=len(changed))
        values = np.fromiter(changed.values(), dtype=np.int64, count=len(changed))
        at = np.searchsorted(self.terms, keys)
        known = at < len(self.terms)
        known[known] = self.terms[at[known]] == keys[known]
        self.counts[at[known]] = values[known]
        if not known.all():
            # Sorted new keys have non-decreasing insertion points: the result stays sorted.
            order = np.argsort(keys[~known])
            new_keys, new_values = keys[~known][order], values[~known][order]
            where = np.searchsorted(self.terms, new_keys)
            self.terms = np.insert(self.terms, where, new_keys)
            self.counts = np.insert(self.counts, where, new_values)
            self.buckets = _HashBuckets(self.terms)


class _PostingsCache:
    """Postings read so far (term → article numbers, ascending), kept like the other caches.

    A batch's related lists read the postings of some 20,000 terms (1,000 articles, their
    48 best rare terms; up to _POSTINGS_PER_TERM each): through SQL that was the largest
    part of an add at 50k articles (8 of 52 profiled seconds). News repeats its words, so
    most terms were read by an earlier batch; their lists are kept and this Index's own
    commits append to them. An entry holds the latest postings only (``complete`` False)
    when it was read with a limit. Dropped when another connection commits, when a commit
    deletes articles, or past _POSTINGS_CACHE_LIMIT numbers.
    """

    def __init__(self) -> None:
        self.lists: dict[int, tuple[I64Array, bool]] = {}
        self.size = 0

    def invalidate(self) -> None:
        self.lists.clear()
        self.size = 0

    def lookup(
        self, reader: StoreReader, terms: Collection[int], limit: int | None
    ) -> dict[int, I64Array]:
        """As :meth:`StoreReader.postings`: each term's latest ``limit`` postings (or all)."""
        lists = self.lists
        missing = [t for t in terms if t not in lists or (limit is None and not lists[t][1])]
        if missing:
            read = reader.postings(missing, limit=limit)
            empty = np.empty(0, dtype=np.int64)
            for term in missing:
                found = read.get(term, empty)
                lists[term] = (found, limit is None or len(found) < limit)
                self.size += len(found) + 1
        result = {}
        for term in terms:
            found = lists[term][0]
            if len(found):
                result[term] = found if limit is None else found[-limit:]
        if self.size > _POSTINGS_CACHE_LIMIT:
            self.invalidate()  # after the answer: it holds terms cached before this read
        return result

    def update(self, changes: Changes) -> None:
        """Follow a commit of this Index (new postings carry the highest numbers)."""
        if changes.deleted or changes.posting_remove:
            self.invalidate()
            return
        if not self.lists or not changes.posting_add:
            return
        added = np.array(changes.posting_add, dtype=np.int64).reshape(-1, 2)
        added = added[np.lexsort((added[:, 1], added[:, 0]))]
        starts = np.flatnonzero(np.r_[True, added[1:, 0] != added[:-1, 0]])
        ends = [*starts[1:].tolist(), len(added)]
        lists = self.lists
        for start, end in zip(starts.tolist(), ends, strict=True):
            term = int(added[start, 0])
            if term in lists:
                found, complete = lists[term]
                lists[term] = (np.concatenate([found, added[start:end, 1]]), complete)
                self.size += end - start


class _VectorCache:
    """Unpacked term vectors read so far, by article number (a vector never changes).

    The related candidates of a batch are some 30,000 stored articles whose vectors (and
    norms) are needed; reading and unpacking them was a tenth of an add at 50k articles.
    Dropped when another connection commits, and past _VECTOR_CACHE_LIMIT articles.
    """

    def __init__(self) -> None:
        self.vectors: dict[int, tuple[U32Array, F64Array, npt.NDArray[np.bool_]]] = {}

    def invalidate(self) -> None:
        self.vectors.clear()

    def lookup(
        self, reader: StoreReader, nums: Collection[int]
    ) -> dict[int, tuple[U32Array, F64Array, npt.NDArray[np.bool_]]]:
        vectors = self.vectors
        missing = [n for n in nums if n not in vectors]
        if missing:
            if len(vectors) + len(missing) > _VECTOR_CACHE_LIMIT:
                vectors.clear()
                missing = list(nums)
            for num, data in reader.blobs("vector", missing).items():
                vectors[num] = _unpack_vector(data)
        return {n: vectors[n] for n in nums if n in vectors}

    def update(self, changes: Changes) -> None:
        for num in changes.deleted:
            self.vectors.pop(num, None)


class Index:
    """A persistent, incremental duplicate and related-article index.

    Open one with :meth:`open`; it is a context manager. The same parameters hold for the
    index's whole life (stored at creation, checked on open). An ``Index`` object serves one
    thread; several processes or hosts can write to one index at once.

    Examples
    --------
    >>> import tempfile, os
    >>> from dedup import Article
    >>> story = "أعلنت وزارة النفط العراقية اليوم زيادة صادرات الخام عبر موانئ البصرة الجنوبية"
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with Index.open(os.path.join(folder, "news.db")) as index:
    ...         first = index.add(Article(id="a1", text=story, published_at="2024-05-01"))
    ...         copy = index.add(Article(id="a2", text="بغداد - " + story))
    >>> copy.duplicate_of, copy.relation, copy.cluster_id == first.cluster_id
    ('a1', 'near', True)
    """

    def __init__(self, store: Store, config: DedupConfig) -> None:
        unsupported = []
        if config.related.char_ngrams:
            unsupported.append("related.char_ngrams")
        if config.related.mmr_lambda < 1.0:
            unsupported.append("related.mmr_lambda < 1")
        if unsupported:
            raise ConfigError(
                f"the incremental index does not support {', '.join(unsupported)} yet; "
                "use dedup scan for those related-list settings"
            )
        self._store = store
        self.config = config
        self._bands, self._rows = config.bands_rows
        self._rule = SimilarityRule.of(config)
        self._link_rule = LinkRule(config.link_jaccard, config.link_containment)
        self._stats_template = LineStatistics(
            min_articles=config.boilerplate_min_articles
        ).to_json()
        # Document frequencies read so far, valid while no other connection commits (checked
        # by the store's data version at the start of every read and write).
        self._df_cache: dict[int, int] = {}
        self._df_token: int | None = None
        self._df_table = _DocFreqTable()
        self._signatures = _SignatureCache(config.num_perm)
        self._postings = _PostingsCache()
        # Exact (Jaccard, containment) of article pairs the clusters asked for, by (low, high)
        # number: a component is clustered again whenever a new copy joins it, and most of
        # its pairs were computed for the previous one (with their shingles read anew).
        self._similarities: dict[tuple[int, int], tuple[float, float]] = {}
        self._new_similarities: dict[tuple[int, int], tuple[float, float]] = {}
        self._band_index = _BandIndex(self._bands, self._rows, config.min_shingles)
        self._vectors = _VectorCache()

    # ------------------------------------------------------------------ life cycle

    @classmethod
    def open(
        cls,
        target: str | os.PathLike[str],
        *,
        config: DedupConfig | None = None,
        name: str = "default",
        lock_timeout: float = 60.0,
    ) -> Index:
        """Open (or create) an index.

        Parameters
        ----------
        target
            A SQLite file path (created when missing), or a Redis URL
            (``redis://host:port/db``).
        config
            Parameters of a new index. For an existing one, None uses the stored
            parameters; a config that differs raises :class:`~dedup.errors.ConfigError`.
        name
            Redis only: the index name (several can share a database).
        lock_timeout
            Seconds a writer waits for another writer; for Redis also the lock's lifetime
            (a killed writer blocks the others at most this long).

        Raises
        ------
        IndexFormatError
            The index was written in another format version, or is not an index.

        Examples
        --------
        >>> import tempfile, os
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Index.open(os.path.join(folder, "أخبار.db")) as index:
        ...         len(index)
        0
        """
        store = open_store(os.fspath(target), name=name, lock_timeout=lock_timeout)
        try:
            meta = store.meta()
            if not meta:
                chosen = config or DedupConfig()
                meta = store.initialize(
                    {
                        "format_version": str(FORMAT_VERSION),
                        "config": json.dumps(chosen.to_dict(), sort_keys=True),
                        "config_fingerprint": chosen.fingerprint,
                        "created": datetime.now(UTC).isoformat(timespec="seconds"),
                        "next_num": "0",
                        "n_docs": "0",
                    }
                )
            check_format(meta, store.location)
            stored = _stored_config(meta, store.location)
            if config is not None and config.fingerprint != stored.fingerprint:
                raise ConfigError(
                    f"{store.location} was built with other parameters "
                    f"({_differences(stored, config)}); open it without a config to use its "
                    "own, or build a new index for the new parameters"
                )
            return cls(store, stored)
        except BaseException:
            store.close()
            raise

    def close(self) -> None:
        """Close the connection (the index stays on disk / in Redis)."""
        self._store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def location(self) -> str:
        """The SQLite path or Redis URL."""
        return self._store.location

    def __len__(self) -> int:
        """Number of stored articles."""
        return self._read(lambda reader: reader.counters()[1])

    def __contains__(self, article_id: object) -> bool:
        if not isinstance(article_id, str):
            return False
        return self._read(lambda reader: article_id in reader.nums_of([article_id]))

    def _sync_cache(self) -> int:
        self._new_similarities.clear()  # a query's, or a batch's that was not committed
        token = self._store.data_version()
        if token != self._df_token or len(self._df_cache) > _DF_CACHE_LIMIT:
            self._drop_caches()
            self._df_token = token
        return token

    def _drop_caches(self) -> None:
        """Forget every value read or computed from the store (another writer changed it)."""
        self._df_cache.clear()
        self._df_table.invalidate()
        self._signatures.invalidate()
        self._band_index.invalidate()
        self._postings.invalidate()
        self._vectors.invalidate()
        self._similarities.clear()
        self._new_similarities.clear()

    def _fill_cache(self, reader: StoreReader, terms: list[int]) -> None:
        cache = self._df_cache
        missing = [t for t in terms if t not in cache]
        if missing:
            cache.update(dict.fromkeys(missing, 0))
            cache.update(reader.doc_freqs(missing))

    def _doc_freqs(self, reader: StoreReader, terms: Iterable[int]) -> dict[int, int]:
        """Document frequency of each term (0 when unseen), through the cache."""
        wanted = list(set(terms))
        self._fill_cache(reader, wanted)
        cache = self._df_cache
        return {t: cache[t] for t in wanted}

    def _read(self, work: Callable[[StoreReader], _T]) -> _T:
        for _ in range(_READ_RETRIES):
            try:
                with self._store.reading() as reader:
                    self._sync_cache()
                    return work(reader)
            except ConflictError:  # Redis: a writer committed meanwhile
                continue
        # Writers keep committing: read under the writer lock (nothing is written).
        with self._store.writing() as (reader, _):
            self._sync_cache()
            return work(reader)

    def _write(self, work: Callable[[StoreReader, Callable[[Changes], None]], _T]) -> _T:
        for _ in range(_CONFLICT_RETRIES):
            try:
                return self._write_once(work)
            except ConflictError:
                continue
        raise DedupError(f"{self.location}: could not commit after {_CONFLICT_RETRIES} tries")

    def _write_once(self, work: Callable[[StoreReader, Callable[[Changes], None]], _T]) -> _T:
        committed: list[Changes] = []
        try:
            with self._store.writing() as (reader, commit):
                before = self._sync_cache()

                def tracked(changes: Changes) -> None:
                    commit(changes)
                    committed.append(changes)

                result = work(reader, tracked)
        except BaseException:
            self._df_token = None  # the caches may hold values of the batch that failed
            self._drop_caches()
            raise
        if committed:  # the transaction is committed: keep the cache in step with it
            for changes in committed:
                self._df_cache.update(changes.doc_freqs)
                self._df_table.update(changes.doc_freqs)
                self._signatures.update(changes)
                self._band_index.update(changes, self._signatures)
                self._postings.update(changes)
                self._vectors.update(changes)
                rewritten = set(changes.blobs["signature"]) - set(changes.blobs["lines"])
                if changes.deleted or rewritten or len(self._similarities) > _SIMILARITY_LIMIT:
                    self._similarities.clear()  # their texts changed or are gone
                    self._new_similarities.clear()
            self._similarities.update(self._new_similarities)
            self._new_similarities.clear()
            self._df_token = self._store.token_after_commit(before)
        return result

    # ------------------------------------------------------------------ public operations

    @overload
    def add(self, articles: Article) -> Match: ...

    @overload
    def add(self, articles: Iterable[Article]) -> list[Match]: ...

    def add(self, articles: Article | Iterable[Article]) -> Match | list[Match]:
        """Store articles and return what each one matches.

        The batch is one transaction: after a crash either all of it is stored or none. An
        id already stored is left as it is (adding is idempotent, so a batch can be retried)
        and its current match is returned.

        Parameters
        ----------
        articles
            One article, or a batch (faster per article).

        Returns
        -------
        Match or list of Match
            One per article, in input order, with the related list.

        Examples
        --------
        >>> import tempfile, os
        >>> from dedup import Article
        >>> body = ("افتتح وزير الصحة اليوم مستشفى جديدا في مدينة الموصل بسعة مئتي سرير "
        ...         "ويضم أقساما للطوارئ والجراحة وطب الأطفال وبلغت كلفته أربعين مليار دينار")
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Index.open(os.path.join(folder, "news.db")) as index:
        ...         matches = index.add([
        ...             Article(id="m1", text=body, published_at="2024-05-01T08:00:00Z"),
        ...             Article(id="m2", text=body + " وعشر غرف عمليات",
        ...                     published_at="2024-05-01T09:30:00Z")])
        >>> [(m.id, m.duplicate_of) for m in matches]
        [('m1', None), ('m2', 'm1')]
        """
        single = isinstance(articles, Article)
        items = _check_articles([articles] if isinstance(articles, Article) else articles)

        def work(reader: StoreReader, commit: Callable[[Changes], None]) -> None:
            stored = reader.nums_of([a.id for a in items])
            fresh = [a for a in items if a.id not in stored]
            if fresh:
                commit(self._plan(reader, fresh, [], now=time.time()).changes)

        self._write(work)
        matches = self._read(lambda reader: self._matches(reader, [a.id for a in items]))
        return matches[0] if single else matches

    def query(self, article: Article) -> Match:
        """What ``article`` would match if it were added; nothing is stored.

        A stored id gets its stored match (as :meth:`get`).

        Examples
        --------
        >>> import tempfile, os
        >>> from dedup import Article
        >>> body = "أعلن البنك المركزي اليوم خفض سعر الفائدة الرئيسي بنصف نقطة مئوية"
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Index.open(os.path.join(folder, "news.db")) as index:
        ...         _ = index.add(Article(id="b1", text=body, published_at="2024-05-01"))
        ...         match = index.query(Article(id="new", text="عاجل: " + body))
        ...         stored = len(index)
        >>> match.duplicate_of, stored
        ('b1', 1)
        """
        if not isinstance(article, Article):
            raise InputError(f"query expects one Article, got {type(article).__name__}")

        def work(reader: StoreReader) -> Match:
            if reader.nums_of([article.id]):
                return self._matches(reader, [article.id])[0]
            plan = self._plan(reader, [article], [], now=time.time())
            num = plan.changes.next_num - 1
            return self._matches(reader, [num], plan=plan)[0]

        result: Match = self._read(work)
        return result

    def get(self, article_id: str) -> Match | None:
        """The current match of a stored article (None when it is not stored).

        Examples
        --------
        >>> import tempfile, os
        >>> from dedup import Article
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Index.open(os.path.join(folder, "news.db")) as index:
        ...         _ = index.add(Article(id="g1", text="هطلت أمطار غزيرة على جدة صباح اليوم"))
        ...         found, missing = index.get("g1"), index.get("غير-موجود")
        >>> found.duplicate_of, missing
        (None, None)
        """

        def work(reader: StoreReader) -> Match | None:
            if not reader.nums_of([article_id]):
                return None
            return self._matches(reader, [article_id])[0]

        result: Match | None = self._read(work)
        return result

    def remove(self, ids: Iterable[str]) -> int:
        """Delete articles by id; returns how many were stored.

        Clusters, learned boilerplate and document frequencies are updated as if the
        articles had never been added.

        Examples
        --------
        >>> import tempfile, os
        >>> from dedup import Article
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Index.open(os.path.join(folder, "news.db")) as index:
        ...         _ = index.add(Article(id="r1", text="انطلاق معرض الكتاب في الرياض"))
        ...         index.remove(["r1", "غير-موجود"]), len(index)
        (1, 0)
        """
        if isinstance(ids, str):
            raise InputError(
                "remove expects a collection of ids, got one string; wrap it in a list"
            )
        wanted = list(dict.fromkeys(ids))

        def work(reader: StoreReader, commit: Callable[[Changes], None]) -> int:
            nums = sorted(reader.nums_of(wanted).values())
            if nums:
                commit(self._plan(reader, [], nums, now=time.time()).changes)
            return len(nums)

        result: int = self._write(work)
        return result

    def evict(self, *, older_than: timedelta | datetime | float) -> int:
        """Delete the articles published before a time; returns how many.

        Articles without a usable ``published_at`` are evicted by the time they were added.

        Parameters
        ----------
        older_than
            A ``timedelta`` (before now minus it), a ``datetime`` (naive means UTC) or a
            POSIX timestamp.

        Examples
        --------
        >>> import tempfile, os
        >>> from datetime import timedelta
        >>> from dedup import Article
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Index.open(os.path.join(folder, "news.db")) as index:
        ...         _ = index.add(Article(id="old", text="خبر قديم عن افتتاح جسر في بغداد",
        ...                               published_at="2001-01-01T00:00:00Z"))
        ...         index.evict(older_than=timedelta(days=30)), len(index)
        (1, 0)
        """
        cutoff = _cutoff(older_than, time.time())

        def work(reader: StoreReader, commit: Callable[[Changes], None]) -> int:
            nums = sorted(reader.evictable(cutoff))
            if nums:
                commit(self._plan(reader, [], nums, now=time.time()).changes)
            return len(nums)

        result: int = self._write(work)
        return result

    def stats(self) -> IndexStats:
        """Counts and storage size.

        Examples
        --------
        >>> import tempfile, os
        >>> from dedup import Article
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Index.open(os.path.join(folder, "news.db")) as index:
        ...         _ = index.add(Article(id="s1", text="ارتفع مؤشر البورصة المصرية اليوم"))
        ...         index.stats().articles
        1
        """

        def work(reader: StoreReader) -> IndexStats:
            records = reader.all_records()
            sizes = Counter(r.cluster.canonical for r in records)
            duplicates = [n for n in sizes.values() if n > 1]
            return IndexStats(
                backend=self._store.backend,
                location=self.location,
                format_version=FORMAT_VERSION,
                config_fingerprint=self.config.fingerprint,
                articles=len(records),
                clusters=len(sizes),
                duplicate_clusters=len(duplicates),
                articles_in_duplicate_clusters=sum(duplicates),
                pairs=reader.edge_count(),
                storage_bytes=self._store.size_bytes(),
            )

        result: IndexStats = self._read(work)
        return result

    def check(self) -> list[str]:
        """Consistency problems of the stored index (an empty list when it is sound).

        Checks the backend (SQLite ``integrity_check``), the article count, that every
        cluster's canonical is stored and is its own canonical, and that every article has
        its signature, lines and term vector.

        Examples
        --------
        >>> import tempfile, os
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Index.open(os.path.join(folder, "news.db")) as index:
        ...         index.check()
        []
        """

        def work(reader: StoreReader) -> list[str]:
            problems = list(self._store.integrity_problems())
            records = {r.num: r for r in reader.all_records()}
            next_num, n_docs = reader.counters()
            if n_docs != len(records):
                problems.append(f"n_docs is {n_docs} but {len(records)} articles are stored")
            if records and max(records) >= next_num:
                problems.append(f"article number {max(records)} >= next_num {next_num}")
            for record in records.values():
                canonical = records.get(record.cluster.canonical)
                if canonical is None or canonical.cluster.canonical != canonical.num:
                    problems.append(f"{record.id}: its canonical is not a stored canonical")
            for kind in ("signature", "lines", "vector"):
                found = reader.blobs(kind, list(records))
                missing = sorted(set(records) - set(found))
                if missing:
                    problems.append(f"{len(missing)} article(s) lack their {kind}")
            return problems

        result: list[str] = self._read(work)
        return result

    # ------------------------------------------------------------------ preparation

    def _prepare(
        self, article: Article, num: int, order: Callable[[str], tuple[object, ...]]
    ) -> _New:
        """As :func:`dedup.pipeline.prepare_texts` for one article, plus its term vector."""
        config = self.config
        body = strip_furniture(article.text).body if config.strip_furniture else article.text
        lines = normalize_lines(body, config.normalization)
        contributions = (
            self._contributions(lines, article.source) if config.learn_boilerplate else {}
        )
        # Related features as dedup.related: the furniture-stripped body, normalized (its
        # lines hold the same words), plus the title counted title_weight times.
        counts: dict[int, float] = {}
        if config.related.k > 0:
            counts.update(_term_counts(" ".join(lines)))
        weight = config.related.title_weight
        if weight > 0 and article.title and config.related.k > 0:
            title = normalize_text(article.title, config.normalization)
            for token in _TOKEN.findall(title):
                term = _term_id(token)
                counts[term] = counts.get(term, 0) + weight
        ids = np.fromiter(counts, dtype=np.uint32, count=len(counts))
        ascending = np.argsort(ids)
        terms = ids[ascending]
        raw = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))[ascending]
        weights = np.log1p(raw.astype("<f2").astype(np.float64))  # as stored
        undated, moment, _, _ = order(article.id)
        # sort_key_for's key is (undated, timestamp, -length, id), typed as plain objects.
        published = None if undated else float(moment)  # type: ignore[arg-type]
        return _New(article, num, lines, contributions, terms, weights, raw, published)

    def _threshold(self, source: str) -> int:
        # LineStatistics.threshold: twice the bar for the pooled unknown source.
        return self.config.boilerplate_min_articles * (1 if source else 2)

    def _statistics(self, counts: dict[int, int]) -> LineStatistics:
        """A LineStatistics holding these distinct-context counts (its filter is the scan's)."""
        cap = 2 * self.config.boilerplate_min_articles  # LineStatistics' own cap
        data = dict(self._stats_template)
        data["lines"] = {
            format(key & _MASK64, "016x"): list(range(min(n, cap)))
            for key, n in counts.items()
            if n > 0
        }
        return LineStatistics.from_json(data)

    @staticmethod
    def _dropped(statistics: LineStatistics, lines: list[str], source: str) -> tuple[int, ...]:
        kept = statistics.filter_lines(lines, source)
        if len(kept) == len(lines):
            return ()
        return tuple(i for i, line in enumerate(lines) if statistics.is_boilerplate(line, source))

    def _contributions(self, lines: list[str], source: str) -> dict[int, int]:
        # What LineStatistics.add of this one article would hold, in its to_json order
        # (ascending keys); a key two lines share keeps the smaller context, as there.
        contributions: dict[int, int] = {}
        for key, context in sorted(line_contexts(lines, source)):
            contributions.setdefault(_signed64(key), context)
        return contributions

    # ------------------------------------------------------------------ the batch plan

    def _plan(
        self, reader: StoreReader, inserts: list[Article], deletes: list[int], *, now: float
    ) -> _Plan:
        """Everything a batch writes, computed from reads only (so a query can run it too)."""
        config = self.config
        next_num, n_docs = reader.counters()
        order = sort_key_for(inserts)
        news = [self._prepare(a, next_num + i, order) for i, a in enumerate(inserts)]
        changes = Changes(next_num=next_num + len(news), n_docs=n_docs + len(news))
        plan = _Plan(changes)
        deleted = reader.records(deletes)
        changes.deleted = deleted
        changes.n_docs -= len(deleted)
        deleted_lines = {n: _unpack_lines(b) for n, b in reader.blobs("lines", deleted).items()}
        ids: dict[int, str] = {n.num: n.article.id for n in news}
        ids.update({num: r.id for num, r in deleted.items()})

        # Learned boilerplate: per-context counts, flips, stored articles to filter again.
        counts: dict[int, int] = {}
        affected: dict[int, Record] = {}
        affected_lines: dict[int, list[str]] = {}
        if config.learn_boilerplate:
            delta: Counter[tuple[int, int]] = Counter()
            source_of: dict[int, str] = {}
            for new in news:
                for key, context in new.contributions.items():
                    delta[key, context] += 1
                    source_of[key] = new.article.source
                    changes.ref_add.append((key, new.num))
            for num, record in deleted.items():
                for key, context in self._contributions(
                    deleted_lines.get(num, []), record.source
                ).items():
                    delta[key, context] -= 1
                    source_of[key] = record.source
                    changes.ref_remove.append((key, num))
            touched = [pair for pair, d in delta.items() if d]
            before_n = reader.line_contexts(touched)
            before = reader.line_counts(source_of)
            counts = dict(before)
            for pair in touched:
                old = before_n.get(pair, 0)
                new_n = old + delta[pair]
                changes.line_contexts[pair] = new_n
                counts[pair[0]] = counts.get(pair[0], 0) + (old == 0 < new_n) - (new_n <= 0 < old)
            flipped = []
            for key, source in source_of.items():
                if counts.get(key, 0) != before.get(key, 0):
                    changes.line_counts[key] = counts.get(key, 0)
                bar = self._threshold(source)
                if (before.get(key, 0) >= bar) != (counts.get(key, 0) >= bar):
                    flipped.append(key)
            if flipped:
                nums = {n for found in reader.line_refs(flipped).values() for n in found}
                affected = reader.records(nums - set(deleted))
                affected_lines = {
                    n: _unpack_lines(b) for n, b in reader.blobs("lines", affected).items()
                }
                extra = {
                    key
                    for num, record in affected.items()
                    for key in self._contributions(affected_lines[num], record.source)
                } - set(counts)
                counts.update(reader.line_counts(extra))
        statistics = self._statistics(counts) if config.learn_boilerplate else None

        docs: list[_Doc] = []
        for new in news:
            dropped = self._dropped(statistics, new.lines, new.article.source) if statistics else ()
            docs.append(_Doc(new.num, new.lines, dropped, None))
        if statistics is not None:  # stored articles whose learned lines changed
            for num, record in sorted(affected.items()):
                dropped = self._dropped(statistics, affected_lines[num], record.source)
                if dropped != _unpack_dropped(record.dropped):
                    docs.append(_Doc(num, affected_lines[num], dropped, record))
                    ids[num] = record.id

        if any(doc.record is not None for doc in docs):
            self._similarities.clear()  # stored texts change in this batch
        # Shingles, signatures, band keys of everything (re)shingled in this batch.
        texts = [_shingle_text(doc.lines, set(doc.dropped)) for doc in docs]
        shingles = shingle_texts(texts, config.ngram)
        signatures = minhash_signatures(shingles, num_perm=config.num_perm, seed=config.seed)
        sizes = shingles.sizes
        values = _band_values(signatures, self._bands, self._rows)
        doc_nums = np.array([doc.num for doc in docs], dtype=np.int64)
        void = {doc.num for doc in docs if doc.record is not None} | set(deleted)
        for num, old_signature in reader.blobs("signature", void).items():
            old_values = _band_values(
                np.frombuffer(old_signature, dtype="<u4").reshape(1, -1), self._bands, self._rows
            )[0]
            changes.bucket_remove.extend(
                (band, value, num) for band, value in enumerate(old_values.tolist())
            )
        eligible = np.flatnonzero(sizes >= config.min_shingles)
        if len(eligible):
            triples = np.column_stack(
                [
                    np.tile(np.arange(self._bands, dtype=np.int64), len(eligible)),
                    values[eligible].ravel(),
                    np.repeat(doc_nums[eligible], self._bands),
                ]
            )
            changes.bucket_add.extend(map(tuple, triples.tolist()))
        for i, doc in enumerate(docs):
            changes.blobs["signature"][doc.num] = signatures[i].astype("<u4").tobytes()

        # Candidates: stored articles sharing a band value, then inside the batch.
        queries = np.repeat(eligible, self._bands)
        band_ids = np.tile(np.arange(self._bands, dtype=np.int64), len(eligible))
        found_q, found_num = self._bucket_members(
            reader, queries, band_ids, values[eligible].ravel()
        )
        if void and len(found_num):
            keep = ~np.isin(found_num, np.fromiter(void, dtype=np.int64))
            found_q, found_num = found_q[keep], found_num[keep]
        # One row per (batch article, stored article), however many bands they share.
        width = np.int64(max(int(found_num.max(initial=0)), int(queries.max(initial=0))) + 1)
        codes = distinct(found_q * width + found_num)
        stored_pairs = np.stack([codes // width, codes % width], axis=1).reshape(-1, 2)
        candidates = distinct(stored_pairs[:, 1])
        matrix = self._signatures.lookup(reader, candidates, n_docs)
        survivors = np.empty(0, dtype=np.int64)
        if len(stored_pairs):
            where = np.searchsorted(candidates, stored_pairs[:, 1])
            estimates = np.empty(len(stored_pairs), dtype=np.float64)
            step = 1 << 15  # pairs per block: two 16 MiB comparison operands at 128 slots
            for begin in range(0, len(stored_pairs), step):
                block = slice(begin, begin + step)
                equal = signatures[stored_pairs[block, 0]] == matrix[where[block]]
                estimates[block] = equal.mean(axis=1)
            floor = self._rule.jaccard_floor
            sigma = math.sqrt(max(floor * (1 - floor), 1e-6) / config.num_perm)
            screened = estimates >= floor - _SCREEN_SIGMAS * sigma
            stored_pairs = stored_pairs[screened]
            survivors = distinct(stored_pairs[:, 1])
        survivor_records = reader.records(survivors.tolist())
        survivor_lines = reader.blobs("lines", survivors.tolist())
        text_of: dict[int, str] = {doc.num: text for doc, text in zip(docs, texts, strict=True)}
        survivor_texts = [
            _shingle_text(
                _unpack_lines(survivor_lines[n]), set(_unpack_dropped(survivor_records[n].dropped))
            )
            for n in survivors.tolist()
        ]
        for n, text in zip(survivors.tolist(), survivor_texts, strict=True):
            text_of[n] = text
            ids[n] = survivor_records[n].id
        universe = concatenate(
            [shingles, shingle_texts(survivor_texts, config.ngram)], config.ngram
        )
        universe_sigs = np.concatenate(
            [signatures, matrix[np.searchsorted(candidates, survivors)]]
        ).reshape(-1, config.num_perm)
        universe_nums = np.concatenate([doc_nums, survivors]).astype(np.int64)
        pair_parts = [
            np.stack(
                [stored_pairs[:, 0], len(docs) + np.searchsorted(survivors, stored_pairs[:, 1])],
                axis=1,
            ).astype(np.int64)
        ]
        if len(eligible) > 1:
            inside = candidate_pairs(signatures[eligible], bands=self._bands, rows=self._rows)
            pair_parts.append(eligible[inside].astype(np.int64))
        candidate_index = np.concatenate(pair_parts).reshape(-1, 2)
        published = {new.num: new.published_ts for new in news}
        published.update({n: r.published_ts for n, r in affected.items()})
        published.update({n: r.published_ts for n, r in survivor_records.items()})
        moments = [published.get(n) for n in universe_nums.tolist()]
        timestamps = np.array([np.nan if m is None else m for m in moments], dtype=np.float64)
        accepted, jaccard, containment, relations, _ = verify_pairs(
            candidate_index, universe, universe_sigs, texts + survivor_texts, config, timestamps
        )
        new_edges: dict[int, list[Edge]] = defaultdict(list)
        for (left, right), j, c, relation in zip(
            accepted.tolist(), jaccard.tolist(), containment.tolist(), relations, strict=True
        ):
            a, b = int(universe_nums[left]), int(universe_nums[right])
            edge = Edge(a, b, j, c, _RELATION_CODE[relation])
            changes.edge_add.append(edge)
            new_edges[a].append(edge)
            new_edges[b].append(Edge(b, a, j, c, edge.relation))

        # Stored edges of re-shingled and deleted articles are replaced or gone.
        old_edges = reader.edges(void)
        removed = {(min(e.a, e.b), max(e.a, e.b)) for edges in old_edges.values() for e in edges}
        changes.edge_remove.extend(sorted(removed))

        # Affected components of the verified-pair graph (template pairs do not connect).
        seeds = set(doc_nums.tolist()) | {
            n for edges in new_edges.values() for e in edges for n in (e.a, e.b)
        }
        seeds |= {e.b for edges in old_edges.values() for e in edges}
        seeds -= set(deleted)
        stored_edges: dict[int, list[Edge]] = {}

        def adjacency(num: int) -> list[Edge]:
            if num in void:
                return new_edges.get(num, [])
            return [e for e in stored_edges.get(num, []) if e.b not in void] + new_edges.get(
                num, []
            )

        component = set(seeds)
        frontier = sorted(seeds)
        while frontier:
            need = [n for n in frontier if n not in void and n not in stored_edges]
            loaded = reader.edges(need)
            for n in need:
                stored_edges[n] = loaded.get(n, [])
            following = []
            for num in frontier:
                for e in adjacency(num):
                    if e.relation != _RELATION_CODE["template"] and e.b not in component:
                        component.add(e.b)
                        following.append(e.b)
            frontier = following

        records: dict[int, Record] = {}
        known = {**survivor_records, **affected}
        new_nums = {new.num for new in news}
        records.update(
            reader.records([n for n in component if n not in known and n not in new_nums])
        )
        records.update({n: known[n] for n in component if n in known})
        for new in news:
            records[new.num] = Record(
                num=new.num,
                id=new.article.id,
                published_ts=new.published_ts,
                added_ts=now,
                text_len=len(new.article.text),
                source=new.article.source,
                size=0,
                norm=0.0,
                cluster=ClusterFields(new.num),
            )
        for num in component:
            ids[num] = records[num].id
        clusters = self._clusters(reader, component, records, adjacency, text_of, ids, next_num)

        # Records of (re)shingled articles, cluster changes of the others.
        doc_index = {doc.num: i for i, doc in enumerate(docs)}
        for num, fields in clusters.items():
            record = records[num]
            if num in doc_index:
                doc = docs[doc_index[num]]
                changes.records[num] = replace(
                    record,
                    size=int(sizes[doc_index[num]]),
                    cluster=fields,
                    dropped=_pack_dropped(doc.dropped),
                )
            elif record.cluster != fields:
                changes.clusters[num] = fields
        for new in news:
            changes.blobs["lines"][new.num] = _pack_lines(new.lines)

        self._plan_terms(reader, news, deleted, changes)
        plan.records = {**records, **changes.records}
        plan.records.update(
            {n: replace(records[n], cluster=f) for n, f in changes.clusters.items()}
        )
        plan.edges = dict(new_edges)
        plan.ids = ids
        plan.vectors = changes.blobs["vector"]
        return plan

    def _bucket_members(
        self, reader: StoreReader, queries: I64Array, bands: I64Array, values: I64Array
    ) -> tuple[I64Array, I64Array]:
        """Stored articles in the probed buckets: from memory once the signatures are."""
        if self._signatures.valid and not self._band_index.valid:
            banded = np.zeros(self._signatures.matrix.shape[0], dtype=bool)
            sizes = {r.num: r.size for r in reader.all_records()}
            nums = np.fromiter(sizes, dtype=np.int64, count=len(sizes))
            counts = np.fromiter(sizes.values(), dtype=np.int64, count=len(sizes))
            nums = nums[(counts >= self.config.min_shingles) & (nums < len(banded))]
            banded[nums] = True
            self._band_index.build(self._signatures, banded)
        if self._band_index.valid:
            return self._band_index.members(queries, bands, values)
        return reader.bucket_members(queries, bands, values)

    def _clusters(
        self,
        reader: StoreReader,
        component: set[int],
        records: dict[int, Record],
        adjacency: Callable[[int], list[Edge]],
        text_of: dict[int, str],
        ids: dict[int, str],
        first_new: int,
    ) -> dict[int, ClusterFields]:
        """build_clusters on the affected components; cluster fields by article number.

        Similarities of stored pairs are kept in ``self._similarities``; those with an article
        of this batch (number ``first_new`` or higher) wait in ``self._new_similarities``
        until the batch is committed (a query's numbers are given out again).
        """
        if not component:
            return {}
        num_of = {ids[n]: n for n in component}
        pairs = {}
        for num in component:
            for e in adjacency(num):
                if e.b in component and num < e.b:
                    a, b = sorted((ids[num], ids[e.b]))
                    pairs[a, b] = Pair(a, b, e.jaccard, e.containment, _RELATION_NAME[e.relation])
        priority = {
            ids[n]: (r.published_ts is None, r.published_ts or 0.0, -r.text_len, r.id)
            for n, r in records.items()
            if n in component
        }
        shingle_cache: dict[int, npt.NDArray[np.uint64]] = {}

        def shingles_of(num: int) -> npt.NDArray[np.uint64]:
            if num not in shingle_cache:
                # The first similarity asked for loads and shingles the whole component at
                # once (one read, one vectorized call): stars and links ask for most of it.
                wanted = sorted(n for n in component if n not in shingle_cache)
                stored = reader.blobs("lines", [n for n in wanted if n not in text_of])
                for n, data in stored.items():
                    dropped = set(_unpack_dropped(records[n].dropped))
                    text_of[n] = _shingle_text(_unpack_lines(data), dropped)
                sets = shingle_texts([text_of[n] for n in wanted], self.config.ngram)
                for position, n in enumerate(wanted):
                    shingle_cache[n] = sets.of(position)
            return shingle_cache[num]

        known, pending = self._similarities, self._new_similarities

        def similarity(first: str, second: str) -> tuple[float, float]:
            low, high = sorted((num_of[first], num_of[second]))
            if (low, high) in known:
                return known[low, high]
            if (low, high) in pending:
                return pending[low, high]
            left, right = shingles_of(low), shingles_of(high)
            both = ShingleSets(
                hashes=np.concatenate([left, right]),
                offsets=np.array([0, len(left), len(left) + len(right)], dtype=np.int64),
                ngram=self.config.ngram,
            )
            j, c = exact_similarities(both, np.array([[0, 1]], dtype=np.int64))
            found = (float(j[0]), float(c[0]))
            (pending if high >= first_new else known)[low, high] = found
            return found

        found = build_clusters(
            sorted(num_of),
            sorted(pairs.values(), key=lambda p: (p.a, p.b)),
            priority.__getitem__,
            similarity=similarity,
            link_rule=self._link_rule,
            # Exactly as dedup.pipeline.scan calls it (the parity tests catch a drift).
            strong_jaccard=self.config.jaccard_threshold,
            same_story_rule=LinkRule(
                self.config.same_story_jaccard, self.config.same_story_containment
            ),
        )
        fields: dict[int, ClusterFields] = {}
        for cluster in found:
            canonical = num_of[cluster.canonical]
            for member in cluster.members:
                fields[num_of[member.id]] = ClusterFields(
                    canonical=canonical,
                    similarity=member.similarity,
                    containment=member.containment,
                    relation=_RELATION_CODE[member.relation],
                    via=-1 if member.via is None else num_of[member.via],
                )
        return fields

    def _plan_terms(
        self, reader: StoreReader, news: list[_New], deleted: dict[int, Record], changes: Changes
    ) -> None:
        """Document frequencies, postings and term vectors of a batch.

        With ``related.k == 0`` (fixed for the index's life) nothing of it is kept: an empty
        vector per article, and no document frequencies or postings to update.
        """
        if self.config.related.k == 0:
            for new in news:
                changes.blobs["vector"][new.num] = b""
            return
        old_vectors = {n: _unpack_vector(b) for n, b in reader.blobs("vector", deleted).items()}
        touched = {t for new in news for t in new.terms.tolist()}
        touched |= {t for v in old_vectors.values() for t in v[0].tolist()}
        df = self._doc_freqs(reader, touched)
        for new in news:
            for term in new.terms.tolist():
                df[term] = df.get(term, 0) + 1
        for num, (terms, _, posted) in old_vectors.items():
            for term in terms.tolist():
                df[term] = df.get(term, 0) - 1
            changes.posting_remove.extend((t, num) for t in terms[posted].tolist())
        changes.doc_freqs.update({t: df.get(t, 0) for t in touched})
        for new in news:
            vector = self._tfidf(new.terms, new.weights, df, changes.n_docs)
            norm = float(np.sqrt(np.square(vector).sum()))
            posted = self._rare(new.terms, df, changes.n_docs) & (vector > 0)
            changes.posting_add.extend((t, new.num) for t in new.terms[posted].tolist())
            changes.blobs["vector"][new.num] = _pack_vector(new.terms, new.counts, posted)
            if new.num in changes.records:
                changes.records[new.num] = replace(changes.records[new.num], norm=norm)

    @staticmethod
    def _rare(terms: U32Array, df: dict[int, int], n_docs: int) -> npt.NDArray[np.bool_]:
        """Which terms are rare (see ``_RARE_DF_SHARE``): their postings are short."""
        limit = max(_RARE_DF_MIN, _RARE_DF_SHARE * n_docs)
        return np.array([df.get(t, 0) <= limit for t in terms.tolist()], dtype=bool)

    def _tfidf(
        self, terms: U32Array, weights: F64Array, df: dict[int, int], n_docs: int
    ) -> F64Array:
        """TF-IDF weights as scikit-learn's smooth idf, with dedup.related's max_df rule."""
        frequencies = np.array([df.get(t, 0) for t in terms.tolist()], dtype=np.float64)
        return self._tfidf_of(weights, frequencies, n_docs)

    @staticmethod
    def _tfidf_of(weights: F64Array, frequencies: F64Array, n_docs: int) -> F64Array:
        idf = np.log((1.0 + n_docs) / (1.0 + frequencies)) + 1.0
        limit = n_docs * _MAX_DF_SHARE if n_docs * _MAX_DF_SHARE >= _MAX_DF_MIN_DOCS else np.inf
        return np.where(frequencies <= limit, weights * idf, 0.0)

    # ------------------------------------------------------------------ matches and related

    def _matches(
        self, reader: StoreReader, keys: Sequence[str | int], *, plan: _Plan | None = None
    ) -> list[Match]:
        """Matches of stored ids, or (with a plan) of planned article numbers."""
        if plan is None:
            num_of = reader.nums_of([k for k in keys if isinstance(k, str)])
            nums = [num_of[k] if isinstance(k, str) else k for k in keys]
            records = reader.records(nums)
            edges = reader.edges(nums)
            vectors = reader.blobs("vector", nums)
            overlay: dict[int, Record] = {}
        else:
            nums = [int(k) for k in keys]
            records = {n: plan.records[n] for n in nums}
            edges = {n: plan.edges.get(n, []) for n in nums}
            vectors = {n: plan.vectors[n] for n in nums}
            overlay = plan.records
        wanted = {r.cluster.canonical for r in records.values()}
        wanted |= {r.cluster.via for r in records.values() if r.cluster.via >= 0}
        wanted |= {e.b for n in nums for e in edges.get(n, []) if e.relation == 3}
        names = {n: r.id for n, r in overlay.items()}
        names.update({n: r.id for n, r in records.items()})
        missing = [n for n in wanted if n not in names]
        names.update({n: r.id for n, r in reader.records(missing).items()})
        queries = []
        for num in nums:
            terms, weights, _ = _unpack_vector(vectors.get(num, b""))
            record = records[num]
            queries.append(
                _Query(num, terms, weights, record.cluster.canonical, record.published_ts)
            )
        df_overlay = plan.changes.doc_freqs if plan else {}
        n_docs = plan.changes.n_docs if plan else None
        related = self._related(reader, queries, overlay, df_overlay, n_docs)
        matches = []
        for num, items in zip(nums, related, strict=True):
            record = records[num]
            cluster = record.cluster
            canonical = names[cluster.canonical]
            base = Match(id=record.id, cluster_id=cluster_id_for(canonical), related=items)
            if cluster.canonical != num:
                matches.append(
                    replace(
                        base,
                        duplicate_of=canonical,
                        similarity=cluster.similarity,
                        containment=cluster.containment,
                        relation=_RELATION_NAME[cluster.relation],
                        via=names[cluster.via] if cluster.via >= 0 else None,
                    )
                )
                continue
            siblings = [e for e in edges.get(num, []) if e.relation == 3]
            if siblings:
                best = min(siblings, key=lambda e: (-e.jaccard, names[e.b]))
                base = replace(
                    base,
                    similarity=best.jaccard,
                    containment=best.containment,
                    relation="template",
                    template_of=names[best.b],
                )
            matches.append(base)
        return matches

    def _related(
        self,
        reader: StoreReader,
        queries: list[_Query],
        overlay: dict[int, Record],
        df_overlay: dict[int, int],
        n_docs: int | None,
    ) -> list[tuple[RelatedItem, ...]]:
        """Related lists: hashed TF-IDF cosine, one slot per story, as dedup.related.

        The batch is handled as arrays: every query's terms in one (``owner`` says whose),
        every (query, candidate) pair in another. Per query only the cut to the best
        candidates and the ordering of its few listed items are Python.
        """
        settings = self.config.related
        if settings.k == 0 or not queries:
            return [() for _ in queries]
        if n_docs is None:
            n_docs = reader.counters()[1]
        sizes = np.array([len(q.terms) for q in queries], dtype=np.int64)
        starts = np.cumsum(sizes) - sizes
        owner = np.repeat(np.arange(len(queries), dtype=np.int64), sizes)
        terms = np.concatenate([q.terms.astype(np.int64) for q in queries])
        weights = np.concatenate([q.weights for q in queries])
        unique, where = distinct_with_inverse(terms)
        frequencies = self._frequencies(reader, unique, df_overlay)[where]
        vector = self._tfidf_of(weights, frequencies, n_docs)
        norms = np.array(
            [
                np.sqrt(np.square(vector[s : s + n]).sum())
                for s, n in zip(starts.tolist(), sizes.tolist(), strict=True)
            ],
            dtype=np.float64,
        )

        # Each query's rare terms of highest tf-idf (ties: term order), at most _QUERY_TERMS.
        rare_limit = max(_RARE_DF_MIN, _RARE_DF_SHARE * n_docs)
        scores = np.where(frequencies <= rare_limit, vector, 0.0)
        order = np.lexsort((np.arange(len(terms)), -scores, owner))
        rank = np.arange(len(order)) - starts[owner[order]]
        top = order[(rank < _QUERY_TERMS) & (scores[order] > 0)]
        # Only an index large enough for a list to pass the limit needs the per-term reads.
        postings = self._postings.lookup(
            reader,
            set(terms[top].tolist()),
            limit=_POSTINGS_PER_TERM if rare_limit > _POSTINGS_PER_TERM else None,
        )
        pairs_owner, pairs_num = self._candidates(
            postings, owner[top], terms[top], scores[top], queries
        )

        pool = set(pairs_num.tolist())
        records = reader.records([n for n in pool if n not in overlay])
        records.update({n: overlay[n] for n in pool if n in overlay})
        unpacked = self._vectors.lookup(reader, [n for n in pool if n in records])
        shown_needed = {r.cluster.canonical for r in records.values()} - set(records) - set(overlay)
        shown_records = {**overlay, **records, **reader.records(shown_needed)}
        # Each candidate's norm under the current document frequencies, as a fit on the
        # current index would give it (one batched read of the candidates' terms).
        lengths = self._norms(reader, unpacked, df_overlay, n_docs)
        known = np.array([n in unpacked for n in pairs_num.tolist()], dtype=bool)
        pairs_owner, pairs_num = pairs_owner[known], pairs_num[known]
        listed = pairs_num.tolist()

        # Dot products of each pair on its shared terms: the stored weights times the
        # query's tf-idf times idf (idf = vector / weights for the query's terms).
        parts = [unpacked[n] for n in listed]
        query_keys = (owner << 32) | terms
        with np.errstate(divide="ignore", invalid="ignore"):
            idf = np.where(weights > 0, vector / weights, 0.0)
        dots = np.zeros(len(parts), dtype=np.float64)
        # In blocks of pairs: whole-batch temporaries (tens of millions of elements) fall
        # out of the CPU caches and made this slower than a loop over the queries.
        for begin in range(0, len(parts), _DOT_BLOCK):
            block = parts[begin : begin + _DOT_BLOCK]
            counts = np.fromiter(map(len, (p[0] for p in block)), dtype=np.int64, count=len(block))
            pair_of = np.repeat(np.arange(len(block), dtype=np.int64), counts)
            stored_keys = np.concatenate([p[0] for p in block]).astype(np.int64)
            stored_keys |= np.repeat(pairs_owner[begin : begin + _DOT_BLOCK] << 32, counts)
            # Only the block's own queries' keys: a small array the search stays in cache for.
            first = int(starts[pairs_owner[begin]])
            last = int(
                starts[pairs_owner[begin + len(block) - 1]]
                + sizes[pairs_owner[begin + len(block) - 1]]
            )
            keys = query_keys[first:last]
            position = np.searchsorted(keys, stored_keys)
            np.minimum(position, len(keys) - 1, out=position)
            hit = keys[position] == stored_keys
            at = position[hit] + first
            stored_weights = np.concatenate([p[1] for p in block])[hit]
            dots[begin : begin + len(block)] = np.bincount(
                pair_of[hit], weights=stored_weights * vector[at] * idf[at], minlength=len(block)
            )
        stories = np.array([records[n].cluster.canonical for n in listed], dtype=np.int64).reshape(
            -1
        )
        lengths_of = np.array([lengths[n] for n in listed], dtype=np.float64).reshape(-1)
        own_story = np.array([q.story for q in queries], dtype=np.int64)
        keep = (
            (stories != own_story[pairs_owner])
            & (dots > 0)
            & (lengths_of > 0)
            & (norms[pairs_owner] > 0)
        )
        found_owner, stories = pairs_owner[keep], stories[keep]
        with np.errstate(divide="ignore", invalid="ignore"):
            cosine = dots[keep] / (norms[found_owner] * lengths_of[keep])
        # One slot per story: its best-scoring member (ties: candidate order), shown by the
        # story's canonical.
        best = np.lexsort((-cosine, stories, found_owner))
        found_owner, stories, cosine = found_owner[best], stories[best], cosine[best]
        leading = np.ones(len(stories), dtype=bool)
        leading[1:] = (stories[1:] != stories[:-1]) | (found_owner[1:] != found_owner[:-1])
        found_owner, stories, cosine = found_owner[leading], stories[leading], cosine[leading]
        shown = [shown_records.get(story) for story in stories.tolist()]
        times = np.array(
            [np.nan if r is None or r.published_ts is None else r.published_ts for r in shown],
            dtype=np.float64,
        )
        moments = np.array(
            [np.nan if q.published_ts is None else q.published_ts for q in queries],
            dtype=np.float64,
        )
        gap = np.abs(times - moments[found_owner]) / _SECONDS_PER_DAY  # NaN: either undated
        valid = np.array([r is not None for r in shown], dtype=bool)
        if settings.time_window_days is not None:
            valid &= ~(gap > settings.time_window_days)
        if settings.recency_half_life_days is not None:
            cosine = cosine * np.where(
                np.isnan(gap), 1.0, np.exp2(-gap / settings.recency_half_life_days)
            )
        cosine = np.round(cosine, 6)
        valid &= (cosine >= settings.min_score) & (cosine > 0)
        results: list[list[tuple[float, str, str]]] = [[] for _ in queries]
        for who, score, record, ok in zip(
            found_owner.tolist(), cosine.tolist(), shown, valid.tolist(), strict=True
        ):
            if ok and record is not None:
                results[who].append((score, record.id, record.source))
        return [self._listed(items) for items in results]

    def _listed(self, items: list[tuple[float, str, str]]) -> tuple[RelatedItem, ...]:
        """A query's list: best first (ties by id), at most per_source_cap per source, k long."""
        settings = self.config.related
        items.sort(key=lambda item: (-item[0], item[1]))
        if settings.per_source_cap is not None:
            used: Counter[str] = Counter()
            capped = []
            for item in items:
                if item[2]:
                    if used[item[2]] >= settings.per_source_cap:
                        continue
                    used[item[2]] += 1
                capped.append(item)
            items = capped
        return tuple(RelatedItem(id=i, score=s) for s, i, _ in items[: settings.k])

    @staticmethod
    def _candidates(
        postings: dict[int, I64Array],
        owners: I64Array,
        terms: I64Array,
        weights: F64Array,
        queries: list[_Query],
    ) -> tuple[I64Array, I64Array]:
        """Each query's best stored articles by the sum of its weights on the terms they share.

        ``owners``, ``terms``, ``weights``: the queries' chosen terms (grouped by query). At
        most _MAX_CANDIDATES a query (ties: lower number), never the query itself; returned
        as (query, article number) pairs grouped by query, best first.
        """
        empty = np.empty(0, dtype=np.int64)
        if not postings or not len(terms):
            return empty, empty
        listed = np.fromiter(postings, dtype=np.int64, count=len(postings))
        order = np.argsort(listed)
        listed = listed[order]
        arrays = list(postings.values())
        lists = [arrays[i] for i in order.tolist()]
        list_sizes = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        members = np.concatenate(lists).astype(np.int64)
        at = np.minimum(np.searchsorted(listed, terms), len(listed) - 1)
        present = listed[at] == terms
        # overlap[q, num] = sum of q's weights on the terms it shares with num: one sparse
        # product (a dense accumulator per row, in C) in place of sorting every posting.
        width = int(members.max()) + 1
        by_term = sp.csr_matrix(
            (np.ones(len(members)), members, np.r_[0, np.cumsum(list_sizes)]),
            shape=(len(listed), width),
        )
        chosen = sp.csr_matrix(
            (weights[present], (owners[present], at[present])), shape=(len(queries), len(listed))
        )
        overlap = (chosen @ by_term).tocsr()
        pointers, columns, values = overlap.indptr, overlap.indices, overlap.data
        found_nums: list[I64Array] = []
        found_count: list[int] = []
        for who, query in enumerate(queries):
            nums = columns[pointers[who] : pointers[who + 1]].astype(np.int64)
            sums = values[pointers[who] : pointers[who + 1]]
            keep = nums != query.num
            nums, sums = nums[keep], sums[keep]
            if len(nums) > _MAX_CANDIDATES:
                # Everything at or above the k-th largest sum: the best k and their ties.
                kth = np.partition(sums, len(sums) - _MAX_CANDIDATES)[len(sums) - _MAX_CANDIDATES]
                keep = sums >= kth
                nums, sums = nums[keep], sums[keep]
            best = np.lexsort((nums, -sums))[:_MAX_CANDIDATES]
            found_nums.append(nums[best])
            found_count.append(len(best))
        who_of = np.repeat(np.arange(len(queries), dtype=np.int64), found_count)
        return who_of, np.concatenate(found_nums)

    def _frequencies(
        self, reader: StoreReader, terms: I64Array, overlay: dict[int, int]
    ) -> F64Array:
        """Document frequencies of ``terms`` (sorted and unique unless the table is loaded).

        ``overlay`` counts replace the stored ones.
        """
        found = self._df_table.lookup(reader, terms)
        if found is None:
            listed = terms.tolist()
            self._fill_cache(reader, listed)
            frequencies = np.fromiter(
                map(self._df_cache.__getitem__, listed), dtype=np.float64, count=len(listed)
            )
        else:
            frequencies = found.astype(np.float64)
        if overlay and len(terms):
            keys = np.fromiter(overlay, dtype=np.int64, count=len(overlay))
            values = np.fromiter(overlay.values(), dtype=np.float64, count=len(overlay))
            order = np.argsort(keys)
            keys, values = keys[order], values[order]
            # Millions of terms against the batch's few thousand changed counts.
            at = np.minimum(_HashBuckets(keys).search(terms), len(keys) - 1)
            hit = keys[at] == terms
            frequencies[hit] = values[at[hit]]
        return frequencies

    def _norms(
        self,
        reader: StoreReader,
        unpacked: dict[int, tuple[U32Array, F64Array, npt.NDArray[np.bool_]]],
        overlay: dict[int, int],
        n_docs: int,
    ) -> dict[int, float]:
        """Each candidate's tf-idf norm under the current document frequencies."""
        if not unpacked:
            return {}
        nums = list(unpacked)
        parts = [unpacked[n] for n in nums]
        terms = np.concatenate([p[0] for p in parts]).astype(np.int64)
        weights = np.concatenate([p[1] for p in parts])
        sizes = np.fromiter(map(len, (p[0] for p in parts)), dtype=np.int64, count=len(parts))
        owner = np.repeat(np.arange(len(nums)), sizes)
        if self._df_table.valid:
            # Millions of terms: looked up as they are, without sorting them first.
            frequencies = self._frequencies(reader, terms, overlay)
        else:
            unique, where = distinct_with_inverse(terms)
            frequencies = self._frequencies(reader, unique, overlay)[where]
        tfidf = self._tfidf_of(weights, frequencies, n_docs)
        squares = np.bincount(owner, weights=tfidf * tfidf, minlength=len(nums))
        return dict(zip(nums, np.sqrt(squares).tolist(), strict=True))


def cluster_id_for(canonical_id: str) -> str:
    """The scan's cluster id of a canonical (see :func:`dedup.cluster.cluster_id_for`)."""
    from dedup.cluster import cluster_id_for as scan_cluster_id

    return scan_cluster_id(canonical_id)


def _stored_config(meta: dict[str, str], location: str) -> DedupConfig:
    try:
        config = DedupConfig.from_dict(json.loads(meta["config"]))
    except (KeyError, ValueError, TypeError) as error:
        raise IndexFormatError(
            f"{location}: the stored parameters cannot be read by this dedup release "
            f"({error}); rebuild the index"
        ) from error
    if config.fingerprint != meta.get("config_fingerprint"):
        raise IndexFormatError(
            f"{location}: the stored parameters were written by another dedup release "
            "(their fingerprint differs); rebuild the index"
        )
    return config


def _differences(stored: DedupConfig, given: DedupConfig) -> str:
    def flat(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in values.items():
            if isinstance(value, dict):
                out.update(flat(value, f"{prefix}{key}."))
            else:
                out[prefix + key] = value
        return out

    old, new = flat(stored.to_dict()), flat(given.to_dict())
    changed = [
        f"{k}: index {old[k]!r}, given {new[k]!r}" for k in sorted(old) if old[k] != new.get(k)
    ]
    return "; ".join(changed) or "fingerprints differ"
