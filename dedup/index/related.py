"""The index's related lists: hashed TF-IDF without refitting.

Each article's term counts are stored (32-bit term hashes), with a document frequency per
term; each article also *posts* its rare terms (as :mod:`dedup.related` finds candidates on
big corpora). A new article's rare terms of highest tf-idf give candidates (the stored
articles that posted them, best overlap first), which are scored by the exact cosine of
:mod:`dedup.related` (``log(1 + tf)``, smooth idf, max_df rule) under the current document
frequencies, then one slot per story, time window, recency and source cap.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Final

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from dedup.arrays import distinct_with_inverse
from dedup.config import DedupConfig
from dedup.index.caches import DocFreqTable, HashBuckets, PostingsCache, VectorCache
from dedup.index.codec import pack_vector, unpack_vector
from dedup.index.store import Changes, Record, StoreReader
from dedup.normalize import normalize_text
from dedup.records import Article, RelatedItem

__all__ = ["Query", "RelatedLists", "TermVector"]

U32Array = npt.NDArray[np.uint32]
I64Array = npt.NDArray[np.int64]
F64Array = npt.NDArray[np.float64]

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
# Related candidates scored per block in lists (about 300k stored terms a block).
_DOT_BLOCK: Final = 1024
# As dedup.related: words of two letters or more; a term in more than half the articles is
# dropped, unless that half is fewer than 20 articles.
_TOKEN: Final = re.compile(r"(?u)\b\w\w+\b")
_MAX_DF_SHARE: Final = 0.5
_MAX_DF_MIN_DOCS: Final = 20
_SECONDS_PER_DAY: Final = 86400.0
# Document frequencies cached per Index (about 100 bytes each): cleared past this many.
_DF_CACHE_LIMIT: Final = 2_000_000


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


@dataclass(frozen=True)
class TermVector:
    """An article's terms (sorted 32-bit ids), ``log(1 + count)`` weights and raw counts."""

    terms: U32Array
    weights: F64Array
    counts: F64Array


@dataclass
class Query:
    """One related-list query: a term vector with its story."""

    num: int
    terms: U32Array
    weights: F64Array
    story: int
    published_ts: float | None


class RelatedLists:
    """The index's related-list stage: term vectors, document frequencies, postings.

    Holds the caches of what it read (document frequencies, postings, term vectors), kept
    in step with this Index's commits (:meth:`update`) and dropped when another connection
    commits (:meth:`invalidate`).
    """

    def __init__(self, config: DedupConfig) -> None:
        self.config = config
        # Document frequencies read so far, valid while no other connection commits.
        self._df_cache: dict[int, int] = {}
        self._df_table = DocFreqTable()
        self._postings = PostingsCache()
        self._vectors = VectorCache()

    def oversized(self) -> bool:
        """Whether the document-frequency cache has grown past its bound."""
        return len(self._df_cache) > _DF_CACHE_LIMIT

    def invalidate(self) -> None:
        """Forget every value read from the store (another writer changed it)."""
        self._df_cache.clear()
        self._df_table.invalidate()
        self._postings.invalidate()
        self._vectors.invalidate()

    def update(self, changes: Changes) -> None:
        """Follow a commit of this Index."""
        self._df_cache.update(changes.doc_freqs)
        self._df_table.update(changes.doc_freqs)
        self._postings.update(changes)
        self._vectors.update(changes)

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

    def term_vector(self, article: Article, lines: Sequence[str]) -> TermVector:
        """An article's term counts: its furniture-stripped, normalized ``lines`` plus the
        title counted ``title_weight`` times (as :mod:`dedup.related`)."""
        config = self.config
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
        return TermVector(terms, weights, raw)

    def plan_terms(
        self,
        reader: StoreReader,
        news: Sequence[tuple[int, TermVector]],
        deleted: dict[int, Record],
        changes: Changes,
    ) -> None:
        """Document frequencies, postings and term vectors of a batch.

        With ``related.k == 0`` (fixed for the index's life) nothing of it is kept: an empty
        vector per article, and no document frequencies or postings to update.
        """
        if self.config.related.k == 0:
            for num, _ in news:
                changes.blobs["vector"][num] = b""
            return
        old_vectors = {n: unpack_vector(b) for n, b in reader.blobs("vector", deleted).items()}
        touched = {t for _, new in news for t in new.terms.tolist()}
        touched |= {t for v in old_vectors.values() for t in v[0].tolist()}
        df = self._doc_freqs(reader, touched)
        for _, new in news:
            for term in new.terms.tolist():
                df[term] = df.get(term, 0) + 1
        for num, (terms, _, posted) in old_vectors.items():
            for term in terms.tolist():
                df[term] = df.get(term, 0) - 1
            changes.posting_remove.extend((t, num) for t in terms[posted].tolist())
        changes.doc_freqs.update({t: df.get(t, 0) for t in touched})
        for num, new in news:
            vector = self._tfidf(new.terms, new.weights, df, changes.n_docs)
            norm = float(np.sqrt(np.square(vector).sum()))
            posted = self._rare(new.terms, df, changes.n_docs) & (vector > 0)
            changes.posting_add.extend((t, num) for t in new.terms[posted].tolist())
            changes.blobs["vector"][num] = pack_vector(new.terms, new.counts, posted)
            if num in changes.records:
                changes.records[num] = replace(changes.records[num], norm=norm)

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

    def lists(
        self,
        reader: StoreReader,
        queries: list[Query],
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
        queries: list[Query],
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
            at = np.minimum(HashBuckets(keys).search(terms), len(keys) - 1)
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
