"""What an :class:`~dedup.index.api.Index` keeps in memory between batches.

Each cache holds values read from the store, is updated by the Index's own commits
(``update``) and dropped when another connection commits (``invalidate``): signatures and
the LSH buckets built from them, document frequencies, postings and term vectors.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

import numpy as np
import numpy.typing as npt

from dedup.index.codec import unpack_vector
from dedup.index.store import Changes, StoreReader
from dedup.lsh import band_values, bucket_keys

__all__ = [
    "BandIndex",
    "DocFreqTable",
    "HashBuckets",
    "PostingsCache",
    "SignatureCache",
    "VectorCache",
]

U32Array = npt.NDArray[np.uint32]
I64Array = npt.NDArray[np.int64]
F64Array = npt.NDArray[np.float64]

# Keys per block of a HashBuckets search (measured: 2**14 0.38 s, 2**16 and 2**18 0.34 s
# for 9M keys).
_SEARCH_BLOCK: Final = 1 << 16
# Term lookups through the dict before the whole document-frequency table is loaded: a few
# queries' worth, so a one-off get() does not read the table, a query-serving process does.
_DF_TABLE_AFTER: Final = 200_000
# Signatures read one by one before the whole matrix (and with it the LSH buckets) is
# loaded; at least a quarter of the index's size is read either way.
_SIGNATURES_AFTER: Final = 1000
_SIGNATURES_SHARE_DIVISOR: Final = 4
# Postings (article numbers, 8 bytes and some 30 of overhead each) and term vectors (about
# 2 KB each) cached per Index: a few hundred MB at most.
_POSTINGS_CACHE_LIMIT: Final = 10_000_000
_VECTOR_CACHE_LIMIT: Final = 200_000


class SignatureCache:
    """Every stored MinHash signature in one matrix (row = article number).

    Kept by an :class:`Index` while no other connection commits, and updated by its own
    commits: the candidates of an add (LSH bands and shared passages, a few per article
    since issue 13; some 2,000 at 100k articles with the 32 x 2 bands of before) have their
    signatures read for the MinHash prefilter, and reading them from the store one by one
    would dominate once many adds share a process.
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
            if self.misses > max(_SIGNATURES_AFTER, n_docs // _SIGNATURES_SHARE_DIVISOR):
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


class BandIndex:
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

    def _entries(self, signatures: SignatureCache, nums: I64Array) -> tuple[I64Array, I64Array]:
        """Sorted bucket keys of articles ``nums``, with the article of each key."""
        values = band_values(signatures.matrix[nums], self.bands, self.rows)
        band_ids = np.broadcast_to(np.arange(self.bands, dtype=np.int64), values.shape)
        keys = bucket_keys(band_ids.ravel(), values.ravel())
        owners = np.repeat(nums, self.bands)
        order = np.argsort(keys, kind="stable")
        return keys[order], owners[order]

    def build(self, signatures: SignatureCache, banded: npt.NDArray[np.bool_]) -> None:
        self.banded = banded
        self.stale = np.zeros(len(banded), dtype=bool)
        nums = np.flatnonzero(banded[: len(signatures.present)] & signatures.present[: len(banded)])
        self.keys, self.nums = self._entries(signatures, nums)
        self.fresh = set()
        self.fresh_keys, self.fresh_nums = self.keys[:0], self.nums[:0]
        self.valid = True

    def update(self, changes: Changes, signatures: SignatureCache) -> None:
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
        wanted = bucket_keys(bands, values)
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


class HashBuckets:
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


class DocFreqTable:
    """Every stored document frequency as two sorted arrays, for vectorized lookups.

    A related list needs the document frequency of every term of every candidate (some
    50,000 terms a query), under the current counts: through a dict that was a Python loop
    costing about half of a query (profiled at 10k articles). Kept like
    :class:`SignatureCache`: loaded once enough terms were looked up one by one, updated
    by this Index's own commits, dropped when another connection commits.
    """

    def __init__(self) -> None:
        self.terms = np.zeros(0, dtype=np.int64)
        self.counts = np.zeros(0, dtype=np.int64)
        self.buckets = HashBuckets(self.terms)
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
            self.buckets = HashBuckets(self.terms)
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
            self.buckets = HashBuckets(self.terms)


class PostingsCache:
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


class VectorCache:
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
                vectors[num] = unpack_vector(data)
        return {n: vectors[n] for n in nums if n in vectors}

    def update(self, changes: Changes) -> None:
        for num in changes.deleted:
            self.vectors.pop(num, None)
