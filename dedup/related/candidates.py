"""Candidate pairs of the scan: which articles each related list looks at, with their cosine.

Cosine = dot product of unit TF-IDF rows. Up to ``_EXACT_MAX_ARTICLES`` articles, an exact
blocked sparse product (:func:`exact_blocks`, :func:`exact_pairs`). Above, More-Like-This
style (:func:`approximate_pairs`): each article's rare terms → their short posting lists (a
blocked sparse product over the rare columns only, each pair computed once, in the block of
its smaller article), the frequent terms' part estimated by a low-rank SVD to rank those
pairs, and the best pairs per article rescored exactly. No N × N matrix is ever built; memory
is one block of rows per thread plus a fixed number of pairs per article.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import threadpoolctl  # type: ignore[import-untyped]  # scikit-learn's dependency, untyped
from sklearn.utils.extmath import randomized_svd

from dedup.config import RelatedConfig
from dedup.memory import release_free_memory
from dedup.related.features import rare_limit

__all__ = [
    "PairFilter",
    "approximate_pairs",
    "exact_blocks",
    "exact_pairs",
    "pool_size",
    "uses_exact",
]

F32Array = npt.NDArray[np.float32]
F64Array = npt.NDArray[np.float64]
I32Array = npt.NDArray[np.int32]
# Row and column numbers of a block's pairs as numpy's own index type: an int32 index array
# is converted on every gather and scatter (about half the cost of each, measured).
IntpArray = npt.NDArray[np.intp]
I64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Pairs = tuple[I64Array, I64Array, F64Array]

# Exact blocked product: rows per block are chosen so one block's scores stay below this many
# entries (about 50 MB as float32 + int32 index).
_BLOCK_ENTRIES = 1 << 22
# Candidates for large corpora (benchmarks/related_speed.py measures time and recall against the
# exact blocked product). Up to this many articles every list is exact.
_EXACT_MAX_ARTICLES = 3000
# The frequent terms' part is estimated with this many SVD components (fitted on a sample of rows)
# to rank the pairs; the best pairs are then rescored exactly. Measured at 20k (pool 40): rank 64
# adds ~0.01 of recall at a 1.5 % share (0.963 → 0.973) but doubles the dense estimate, which
# already costs about as much as the gather of its values (5,600 pairs per article, computed once
# each: 2,800).
_LOW_RANK = 32
_SVD_SAMPLE = 4000
# Pairs rescored exactly per article (at least 4 × k), before the pairs are made symmetric.
# Measured recall@10 at 20k: 20 → 0.947, 30 → 0.970, 40 → 0.979.
_CANDIDATES = 40
# The per-article cut of the candidate stage: each article's pairs with every _SAMPLE_STRIDE-th
# article give it a cut-off expected to keep _SAMPLE_MARGIN × pool of its pairs, so the exact cut
# runs on those few instead of all pairs sharing a rare term. Measured at 20k against the exact
# per-article cut (stride 1): stride 8 / margin 2 missed 0.27 % of its pairs, 16 / 3 0.04 %,
# 32 / 4 0.16 %, 64 / 6 0.03 %; recall@10 0.979 for all and CPU time within noise (the sample's
# product is 1 / stride of the full one). Margins 2 and 40 gave the same judged-related-dev nDCG@10.
_SAMPLE_STRIDE = 16
_SAMPLE_MARGIN = 3
# Blocks of the candidate stage run on this many threads: scipy's sparse product and numpy's
# passes release the GIL, and each block's result depends only on its rows (same output).
_WORKERS = min(2, os.cpu_count() or 1)
# Rows per block of the candidate stage: at most 1000, and fewer when one block's dense estimate
# (rows × articles) would pass _DENSE_ENTRIES (64 MB of float32), but never fewer than
# _MIN_CANDIDATE_BLOCK: each block also pays for passes over its columns' width (scipy's
# sparse product allocates and fills three arrays that long, the estimate marks the reached
# columns). Measured at a million archive articles (2,048 rows of the upper triangle, from
# row 200k and from row 600k): 16 rows per block 5.2 / 2.7-3.0 s, 32 rows 4.4 / 2.5 s, 64 rows
# 3.8 / 2.0 s, the same pairs and proxies bit for bit. The floor changes nothing below 262k
# articles; at a million the buffers hold 64 × n floats (256 MB a lane).
_CANDIDATE_BLOCK = 1000
_DENSE_ENTRIES = 1 << 24
_MIN_CANDIDATE_BLOCK = 64
# Each block of the upper triangle multiplies its rows by the transposed rare part from the
# block's first article on, sliced at most this many times (every slice reads the whole matrix;
# a block between two slice points also computes, then drops, the few columns before its rows).
_COLUMN_SLICES = 16
# Pairs rescored at once (bounds the gathered rows to a few tens of MB), against dense blocks of
# this many entries of the frequent part: 8 MB stay in cache; measured at 20k (600k pairs),
# 1 << 21 takes 0.19 s of CPU, 1 << 24 0.20 s (with a bincount per chunk: 0.36 s).
_PAIR_CHUNK = 1 << 14
_RESCORE_ENTRIES = 1 << 21
# Articles whose best pairs are chosen at once (each range reads every kept pair once to find
# the pairs of its articles on the column side): at a million articles 16 ranges, each holding
# a sixteenth of the pairs grouped by article.
_BEST_RANGE = 1 << 16
# Kept pairs tested at once for a range's columns: three byte masks over every kept pair
# (3 bytes a pair, on top of the pairs' 16) become 12 MB for 4M pairs at a time.
_MASK_CHUNK = 1 << 22

# Kept pairs of one block of the candidate stage, in row order: how many each row of the block
# keeps (not a row number per pair: 4 of a pair's 20 bytes; the stage's peak at 300k archive
# articles 2,255 -> 2,146 MiB), columns, rare parts of the cosine, and the proxy of the pair
# for the row's list and the column's.
_Kept = tuple[I32Array, I32Array, F32Array, F32Array, F32Array]
_KEPT_DTYPES = (np.int32, np.int32, np.float32, np.float32, np.float32)
_Result = TypeVar("_Result")


def uses_exact(n_articles: int) -> bool:
    """Whether the lists of ``n_articles`` come from the exact blocked product.

    Examples
    --------
    >>> uses_exact(1000), uses_exact(20000)
    (True, False)
    """
    return n_articles <= _EXACT_MAX_ARTICLES


def pool_size(k: int) -> int:
    """Pairs rescored exactly per article on the approximate path, for lists of ``k``.

    Examples
    --------
    >>> pool_size(10), pool_size(20)
    (40, 80)
    """
    return max(_CANDIDATES, 4 * k)


def exact_blocks(n_articles: int) -> list[tuple[int, int]]:
    """Row blocks ``(start, stop)`` of the exact product, each within ``_BLOCK_ENTRIES``.

    Examples
    --------
    >>> exact_blocks(3)
    [(0, 3)]
    """
    step = max(1, _BLOCK_ENTRIES // max(n_articles, 1))
    return [(start, min(n_articles, start + step)) for start in range(0, n_articles, step)]


def exact_pairs(vectors: sp.csr_matrix, transposed: sp.csr_matrix, start: int, stop: int) -> Pairs:
    """All nonzero cosines of rows ``start:stop`` against every article.

    Returns rows (from 0 at ``start``), columns and cosines. ``transposed`` is
    ``vectors.T`` as CSR.

    Examples
    --------
    >>> rows = sp.csr_matrix(np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]]))
    >>> r, c, s = exact_pairs(rows, rows.T.tocsr(), 1, 2)
    >>> sorted(zip(r.tolist(), c.tolist(), s.round(2).tolist()))
    [(0, 0, 0.6), (0, 1, 1.0), (0, 2, 0.8)]
    """
    block = (vectors[start:stop] @ transposed).tocoo()
    rows = block.row.astype(np.int64)
    cols = block.col.astype(np.int64)
    return rows, cols, block.data.astype(np.float64)


@dataclass(frozen=True, slots=True)
class PairFilter:
    """The selection rules the candidate stage can apply from one side of a pair.

    Another story (:mod:`dedup.related.select`'s step 1), and the window and decay on the
    gap to the shown member of the other side's story (step 2). Not symmetric when a shown
    member's date differs from its own. The article itself is left to the caller. Build it
    with :meth:`of`.
    """

    story: I64Array
    clustered: BoolArray | None  # members of a duplicate cluster of two or more (None: none)
    day: F32Array  # days since the epoch (float32, NaN undated)
    shown_day: F32Array  # the same of each article's shown member
    time_window_days: float | None
    recency_half_life_days: float | None
    active: bool  # whether any pair can be dropped or decayed (else every pair is listed)
    # Whether (i, j) is treated as (j, i): true unless a window or a decay reads the date of
    # a shown member that is not the article itself.
    symmetric: bool

    @classmethod
    def of(
        cls,
        *,
        story: I64Array,
        canonical: I64Array,
        day: F32Array,
        settings: RelatedConfig,
    ) -> PairFilter:
        """The filter of articles with these stories, shown members and days since 1970.

        Examples
        --------
        >>> pair_filter = PairFilter.of(story=np.array([0, 0, 2]), canonical=np.array([0, 0, 2]),
        ...     day=np.array([1.0, 2.0, 9.0], dtype=np.float32), settings=RelatedConfig())
        >>> allowed, decay = pair_filter(np.array([0, 0]), np.array([1, 2]))
        >>> allowed.tolist(), pair_filter.symmetric
        ([False, True], False)
        """
        clustered = np.bincount(story, minlength=len(story))[story] > 1
        timed = settings.time_window_days is not None or settings.recency_half_life_days is not None
        return cls(
            story=story,
            clustered=clustered if clustered.any() else None,
            day=day,
            shown_day=day[canonical],
            time_window_days=settings.time_window_days,
            recency_half_life_days=settings.recency_half_life_days,
            active=bool(timed or clustered.any()),
            symmetric=not timed or bool(np.array_equal(canonical, np.arange(len(canonical)))),
        )

    def __call__(
        self, rows: IntpArray, cols: IntpArray
    ) -> tuple[BoolArray | None, F32Array | None]:
        """Which pairs may enter the lists of ``rows`` (None: all), and their recency decay."""
        allowed: BoolArray | None = None
        if self.clustered is not None:
            where = np.flatnonzero(self.clustered[rows])
            if len(where):
                allowed = np.ones(len(rows), dtype=bool)
                allowed[where] = self.story[cols[where]] != self.story[rows[where]]
        window, half_life = self.time_window_days, self.recency_half_life_days
        if window is None and half_life is None:
            return allowed, None
        # In place: one array of a float per pair, not five (a block holds millions of pairs).
        gap_days = self.shown_day[cols]
        gap_days -= self.day[rows]
        np.abs(gap_days, out=gap_days)
        if window is not None:
            inside = ~(gap_days > window)
            allowed = inside if allowed is None else allowed & inside
        if half_life is None:
            return allowed, None
        decay = np.divide(gap_days, np.float32(-half_life), out=gap_days)
        np.exp2(decay, out=decay)
        return allowed, np.nan_to_num(decay, nan=1.0, copy=False)

    def proxy(
        self, rows: IntpArray, cols: IntpArray, rare: F32Array, estimate: F32Array | None
    ) -> F32Array:
        """The ranking value of pairs for the lists of ``rows``: rare part × decay + estimate.

        Pairs that may not be listed get -inf. The decay scales the exact rare part only, not
        the estimate: measured on judged-related-dev (7,533 ANT articles, approximate path),
        decaying the sum as well lowered nDCG@10 from 0.785 to 0.771.
        """
        allowed, decay = self(rows, cols)
        proxy = np.multiply(rare, decay, out=decay) if decay is not None else rare.copy()
        if estimate is not None:
            proxy += estimate
        if allowed is not None:
            proxy[~allowed] = -np.inf
        return proxy


def _map_blocks(
    bounds: Sequence[tuple[int, int]], work: Callable[[int, int, int], _Result]
) -> list[_Result]:
    """``work(lane, first, last)`` for every block ``first:last``, in block order.

    Lane ``w`` runs blocks ``w``, ``w + _WORKERS``, ... in that order on its own thread, so a
    lane can keep state (a buffer) from one block to its next. scipy's sparse product and
    numpy's passes release the GIL; each result depends only on its block, not on the lanes.
    """
    workers = _WORKERS
    lanes = [bounds[w::workers] for w in range(workers)]

    def run(lane: int) -> list[_Result]:
        return [work(lane, first, last) for first, last in lanes[lane]]

    with ThreadPoolExecutor(max_workers=workers) as executor:
        per_lane = list(executor.map(run, range(workers)))
    return [per_lane[b % workers][b // workers] for b in range(len(bounds))]


def _segment_kth_largest(values: F32Array, lengths: I64Array, count: int) -> F32Array:
    """The ``count``-th largest value of each run of ``values`` (-inf for a shorter run).

    ``values`` is split into consecutive runs of ``lengths``. Runs are padded with -inf to the
    next power of two and partitioned a width at a time (``np.partition`` along rows), so the
    cost is linear in the values with no loop per run; ``values >= result[run]`` then keeps each
    run's best ``count``, ties with the last one included (the same set whatever the order).
    """
    result = np.full(len(lengths), -np.inf, dtype=np.float32)
    runs = np.flatnonzero(lengths >= max(count, 1))
    if len(runs) == 0 or count < 1:
        return result
    firsts = np.cumsum(lengths) - lengths
    widths = np.left_shift(1, np.ceil(np.log2(lengths[runs])).astype(np.int64))
    for width in np.unique(widths).tolist():
        chosen = runs[widths == width]
        sizes = lengths[chosen]
        offset = np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(
            np.cumsum(sizes) - sizes, sizes
        )
        padded = np.full(len(chosen) * width, -np.inf, dtype=np.float32)
        padded[np.repeat(np.arange(len(chosen), dtype=np.int64) * width, sizes) + offset] = values[
            np.repeat(firsts[chosen], sizes) + offset
        ]
        result[chosen] = np.partition(padded.reshape(len(chosen), width), width - count, axis=1)[
            :, width - count
        ]
    return result


def _pair_dots(matrix: sp.csr_matrix, left: I64Array, right: I64Array) -> F64Array:
    """Dot products of rows ``left[i]`` and ``right[i]``; ``left`` sorted ascending.

    Rows of ``left`` are taken a block at a time as a dense array; the rows of ``right`` are
    gathered sparse and multiplied against it, so the cost is the nonzeros of ``right``.
    """
    out = np.zeros(len(left), dtype=np.float64)
    n_columns = matrix.shape[1]
    if n_columns == 0 or len(left) == 0:
        return out
    step = max(1, _RESCORE_ENTRIES // n_columns)
    bounds = np.searchsorted(left, np.arange(0, matrix.shape[0] + step, step))
    for block, (first, last) in enumerate(itertools.pairwise(bounds.tolist())):
        if first == last:
            continue
        start = block * step
        dense = matrix[start : start + step].toarray().ravel()
        for begin in range(first, last, _PAIR_CHUNK):
            end = min(last, begin + _PAIR_CHUNK)
            gathered = matrix[right[begin:end]]
            counts = np.diff(gathered.indptr)
            where = np.repeat((left[begin:end] - start) * n_columns, counts)
            where += gathered.indices
            # One zero past the end: reduceat then reads a valid index for a trailing empty row.
            products = np.zeros(len(where) + 1, dtype=np.float64)
            np.multiply(gathered.data, dense[where], out=products[:-1])
            sums = np.add.reduceat(products, np.minimum(gathered.indptr[:-1], len(where)))
            sums[counts == 0] = 0.0  # reduceat gives the next row's first product there
            out[begin:end] = sums
    return out


def _frequent_embedding(frequent_part: sp.csr_matrix, rank: int) -> F32Array | None:
    """Rows of the frequent columns projected on their top ``rank`` singular vectors."""
    n = frequent_part.shape[0]
    if rank < 1:
        return None
    sample = (
        np.arange(n)
        if n <= _SVD_SAMPLE
        else np.sort(np.random.default_rng(0).choice(n, _SVD_SAMPLE, replace=False))
    )
    _, _, components = randomized_svd(frequent_part[sample], rank, random_state=0)
    return np.ascontiguousarray(frequent_part @ components.T, dtype=np.float32)


class _Blocks:
    """The block work of :func:`approximate_pairs`: rare products, proxies and cut-offs.

    ``rare_part``: the rare columns of every row; ``embedding``: the rows' low-rank estimate
    of the frequent part (None without frequent columns); ``buffers``: one dense estimate
    buffer per lane (a fresh 64 MB array per block costs more in page faults than the GEMM).
    """

    def __init__(
        self,
        rare_part: sp.csr_matrix,
        embedding: F32Array | None,
        pair_filter: PairFilter,
        buffers: list[F32Array],
    ) -> None:
        self.rare_part = rare_part
        self.embedding = embedding
        self.pair_filter = pair_filter
        self.buffers = buffers

    def _estimate(
        self,
        block: sp.csr_matrix,
        indices: IntpArray,
        columns: tuple[int, int, int],
        start: int,
        stop: int,
        buffer: F32Array,
        *,
        upper: bool,
    ) -> F32Array | None:
        """The frequent part's estimate of each stored pair of ``block`` (None: no estimate).

        The estimate is a dense product of the block's rows with the columns its pairs reach
        (at a million articles a block's pairs reach a few percent of the columns; the product
        with every column made the stage grow as n²). The excluded pairs are set in the dense
        estimate (a few slices), so the gather brings their -inf along: no per-pair test.
        """
        embedding = self.embedding
        if embedding is None:
            return None
        origin, stride, width = columns
        size = stop - start
        # int32: two passes over the span's width per block (15,625 blocks at 1M articles).
        reached = np.zeros(width + 1, dtype=np.int32)
        reached[1:][indices] = 1
        position = np.cumsum(reached, dtype=np.int32)  # rank of column c among those reached
        used = np.flatnonzero(reached[1:])
        dense = buffer[: size * len(used)].reshape(size, len(used))
        # take: the same rows as fancy indexing, a fifth faster (one copy per row).
        reached_rows = np.take(embedding, origin + stride * used, axis=0)
        np.matmul(embedding[start:stop], reached_rows.T, out=dense)
        # The article itself (and, for the upper triangle, every article before it) sits at
        # column (row - origin) / stride when that is a whole column number.
        local = np.arange(size)
        own = start + local - origin
        if upper:  # stride 1, origin <= start: each row's columns up to its own
            for row, before in enumerate(position[np.minimum(own + 1, width)].tolist()):
                dense[row, :before] = -np.inf
        else:
            on_grid = (own % stride == 0) & (own >= 0) & (own // stride < width)
            own_column = own[on_grid] // stride
            hit = reached[own_column + 1] == 1
            dense[local[on_grid][hit], position[own_column[hit]]] = -np.inf
        where = np.repeat(np.arange(size, dtype=np.int64) * len(used), np.diff(block.indptr))
        where += position[indices]
        return np.take(buffer, where)

    def proxies(
        self,
        columns: sp.csr_matrix,
        origin: int,
        stride: int,
        start: int,
        stop: int,
        buffer: F32Array,
        *,
        upper: bool,
        both_sides: bool,
    ) -> tuple[sp.csr_matrix, IntpArray, F32Array, F32Array | None]:
        """Proxies of the pairs of rows ``start:stop`` that share a rare term with ``columns``.

        Column ``c`` of ``columns`` (the transposed rare part, some articles only) is article
        ``origin + stride × c``. Returns the rare product (CSR, one row per article of the
        block), its column numbers as ``intp``, the proxy of each stored pair for the row's
        list and, with ``both_sides`` and a window or decay that is not symmetric, for the
        column's list (None: the same). Pairs that may not be listed, the article itself and,
        with ``upper``, every pair (i, j) with j <= i get -inf.
        """
        block = sp.csr_matrix(self.rare_part[start:stop] @ columns)
        indices = block.indices.astype(np.intp)
        shape = (origin, stride, columns.shape[1])
        estimate = self._estimate(block, indices, shape, start, stop, buffer, upper=upper)
        pair_filter = self.pair_filter
        if not pair_filter.active and estimate is not None:
            estimate += block.data
            return block, indices, estimate, None
        rows = np.repeat(np.arange(start, stop, dtype=np.intp), np.diff(block.indptr))
        cols = indices * stride + origin
        row_proxy = pair_filter.proxy(rows, cols, block.data, estimate)
        if estimate is None:
            row_proxy[cols <= rows if upper else cols == rows] = -np.inf
        if not both_sides or pair_filter.symmetric:
            return block, indices, row_proxy, None
        col_proxy = pair_filter.proxy(cols, rows, block.data, estimate)
        if estimate is None:
            col_proxy[cols <= rows] = -np.inf
        return block, indices, row_proxy, col_proxy

    def thresholds(
        self, sample_t: sp.csr_matrix, start: int, stop: int, quota: int, buffer: F32Array
    ) -> F32Array:
        """Cut-offs of rows ``start:stop``: their ``quota``-th best proxy against a sample.

        ``sample_t`` holds every ``_SAMPLE_STRIDE``-th article, so the cut-off is expected to
        be cleared by ``_SAMPLE_STRIDE × quota`` of the row's pairs (all of a short row: the
        smallest float then, which any listed pair clears and -inf does not).
        """
        block, _, proxy, _ = self.proxies(
            sample_t, 0, _SAMPLE_STRIDE, start, stop, buffer, upper=False, both_sides=False
        )
        threshold = _segment_kth_largest(proxy, np.diff(block.indptr).astype(np.int64), quota)
        return np.maximum(threshold, np.finfo(np.float32).min)

    def upper(
        self,
        columns: sp.csr_matrix,
        origin: int,
        start: int,
        stop: int,
        thresholds: F32Array,
        buffer: F32Array,
    ) -> _Kept:
        """Pairs (i, j) with i in ``start:stop`` and j > i that clear i's or j's cut-off.

        ``columns`` is the transposed rare part from article ``origin`` on (``origin`` <=
        ``start``). Returns the pairs kept by each row, then each pair's column, rare part and
        proxy of each side (the row's, then the column's). Every array here has one entry per
        pair sharing a rare term (thousands per row), so the work on them is a few vectorized
        passes, no sort.
        """
        block, indices, row_proxy, col_proxy = self.proxies(
            columns, origin, 1, start, stop, buffer, upper=True, both_sides=True
        )
        counts = np.diff(block.indptr)
        keep = row_proxy >= np.repeat(thresholds[start:stop], counts)
        keep |= (row_proxy if col_proxy is None else col_proxy) >= thresholds[origin:][indices]
        kept = np.flatnonzero(keep)
        # Kept pairs up to each row's first: their differences are the rows' counts.
        kept_before = np.searchsorted(kept, block.indptr)
        row_kept = row_proxy[kept]
        return (
            np.diff(kept_before).astype(np.int32),
            block.indices[kept] + np.int32(origin),
            block.data[kept],
            row_kept,
            row_kept if col_proxy is None else col_proxy[kept],
        )

    def all_upper(
        self, rare_t: sp.csr_matrix, bounds: list[tuple[int, int]], span: int, thresholds: F32Array
    ) -> list[_Kept]:
        """:meth:`upper` of every block; a block reads the columns from ``origin`` on.

        The columns are sliced once per ``span`` rows (each slice reads the whole transposed
        matrix), by the first lane that reaches the span, for every lane (:class:`_Slices`).
        """
        slices = _Slices(rare_t, len(self.buffers))

        def upper(lane: int, first: int, last: int) -> _Kept:
            origin = first // span * span
            columns = slices.from_column(lane, origin)
            return self.upper(columns, origin, first, last, thresholds, self.buffers[lane])

        try:
            return _map_blocks(bounds, upper)
        finally:
            slices.clear()  # the column slices go before the rescoring


class _Slices:
    """The transposed rare part from a span's first article on, cut once and shared by the
    lanes (each lane cutting its own held two copies of up to the whole matrix at once, about
    1 GB each at a million articles).

    Lanes go up the blocks in step (lane ``w`` takes blocks ``w``, ``w + lanes``, ...), so a
    new slice is cut from the latest one before it, and a slice is let go once every lane
    has moved past it. Same columns as a cut from the whole matrix: same products.
    """

    def __init__(self, rare_t: sp.csr_matrix, lanes: int) -> None:
        self._lock = threading.Lock()
        self._cut: dict[int, sp.csr_matrix] = {0: rare_t}
        self._at = [0] * lanes

    def from_column(self, lane: int, origin: int) -> sp.csr_matrix:
        """The columns from article ``origin`` on, for a block of ``lane``."""
        with self._lock:
            self._at[lane] = origin
            if origin not in self._cut:
                latest = max(first for first in self._cut if first <= origin)
                self._cut[origin] = sp.csr_matrix(self._cut[latest][:, origin - latest :])
            for first in [first for first in self._cut if first < min(self._at)]:
                del self._cut[first]
            return self._cut[origin]

    def clear(self) -> None:
        with self._lock:
            self._cut.clear()


def _concatenated(kept: list[_Kept]) -> _Kept:
    """The five parts of every block, each concatenated; ``kept`` is emptied on the way and
    each part of the blocks let go once concatenated, its pages handed back (memory: the
    pairs are held once and one part twice, not twice over)."""
    parts = [list(part) for part in zip(*kept, strict=True)] if kept else [[] for _ in range(5)]
    kept.clear()
    whole: list[Any] = []
    for number, dtype in enumerate(_KEPT_DTYPES):
        whole.append(np.concatenate(parts[number]) if parts[number] else np.empty(0, dtype))
        parts[number] = []
        release_free_memory()  # the blocks' arrays are small: freed inside the C heap
    rows, cols, rare_scores, row_proxy, col_proxy = whole
    return rows, cols, rare_scores, row_proxy, col_proxy


def _positions_between(values: I32Array, low: int, high: int) -> I64Array:
    """Positions of the ``values`` in ``low:high``, ascending (tested a chunk at a time)."""
    found = [
        np.flatnonzero((chunk >= low) & (chunk < high)) + offset
        for offset in range(0, len(values), _MASK_CHUNK)
        for chunk in (values[offset : offset + _MASK_CHUNK],)
    ]
    return np.concatenate(found) if found else np.empty(0, dtype=np.int64)


def _best_pairs(
    kept: list[_Kept], thresholds: F32Array, n: int, pool: int
) -> tuple[I32Array, I32Array, F32Array]:
    """The kept pairs among each article's best ``pool``: rows, columns, rare parts.

    A pair kept by either side counts for both; pairs come in row order. ``kept`` is
    emptied on the way (memory). Articles are taken ``_BEST_RANGE`` at a time, so the
    grouping by article (a sort) holds a range's pairs, not all of them twice (5 GB at a
    million articles).
    """
    row_counts, cols, rare_scores, row_proxy, col_proxy = _concatenated(kept)
    row_starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(row_counts, out=row_starts[1:])
    marked = np.zeros(len(cols), dtype=bool)
    for first in range(0, n, _BEST_RANGE):
        last = min(n, first + _BEST_RANGE)
        begin, end = row_starts[first].item(), row_starts[last].item()
        from_cols = _positions_between(cols, first, last)
        on_rows = np.repeat(np.arange(last - first, dtype=np.int32), row_counts[first:last])
        article = np.concatenate([on_rows, cols[from_cols] - np.int32(first)])
        value = np.concatenate([row_proxy[begin:end], col_proxy[from_cols]])
        passed = np.flatnonzero(value >= thresholds[first:last][article])
        order = passed[np.argsort(article[passed], kind="stable")]
        article, value = article[order], value[order]
        cut = _segment_kth_largest(value, np.bincount(article, minlength=last - first), pool)
        # Winners are positions in the range's row side, then its column side; a pair may
        # win on both sides: marks, not np.unique, which sorts.
        won = order[value >= cut[article]]
        on_row_side = won < end - begin
        marked[won[on_row_side] + begin] = True
        marked[from_cols[won[~on_row_side] - (end - begin)]] = True
    chosen = np.flatnonzero(marked)
    chosen_per_row = np.diff(np.searchsorted(chosen, row_starts))
    rows = np.repeat(np.arange(n, dtype=np.int32), chosen_per_row)
    return rows, cols[chosen], rare_scores[chosen]


def _rare_columns(vectors: sp.csr_matrix) -> BoolArray:
    """Which columns are rare (:func:`dedup.related.features.rare_limit`)."""
    n, n_features = vectors.shape
    df = np.bincount(vectors.indices, minlength=n_features)
    return np.asarray(df <= rare_limit(n))


def _columns(vectors: sp.csr_matrix, chosen: BoolArray) -> sp.csr_matrix:
    """The ``chosen`` columns of ``vectors`` (a copy, CSR)."""
    return sp.csr_matrix(vectors[:, np.flatnonzero(chosen)])


def _kept_pairs(
    vectors: sp.csr_matrix, rare: BoolArray, pair_filter: PairFilter, pool: int
) -> tuple[list[_Kept], F32Array]:
    """Steps 1-3 of :func:`approximate_pairs`: each block's kept pairs, every cut-off.

    What the blocks read (the rare part and its transpose, the embedding, the dense
    buffers: about 1 GB at a million articles) is let go on return, before the kept pairs
    are joined (at a million articles the block pass then ends at 6.2 GB, not 6.7; the
    joining's own peak stays).
    """
    n = vectors.shape[0]
    rare_part = _columns(vectors, rare)
    rare_t = sp.csr_matrix(rare_part.T)
    rank = min(_LOW_RANK, max(int(np.count_nonzero(~rare)) - 1, 0), max(n - 1, 0))
    step = max(_MIN_CANDIDATE_BLOCK, min(_CANDIDATE_BLOCK, _DENSE_ENTRIES // n))
    bounds = [(start, min(n, start + step)) for start in range(0, n, step)]
    span = step * max(1, n // (_COLUMN_SLICES * step))
    quota = max(1, -(-_SAMPLE_MARGIN * pool // _SAMPLE_STRIDE))
    # The frequent part (three quarters of the nonzeros) is held for the embedding and again
    # for the rescoring, not through the blocks (340 MB less at 300k articles).
    embedding = _frequent_embedding(_columns(vectors, ~rare), rank)
    size = step * n if embedding is not None else 0
    buffers = [np.empty(size, dtype=np.float32) for _ in range(_WORKERS)]
    blocks = _Blocks(rare_part, embedding, pair_filter, buffers)
    sample_t = sp.csr_matrix(rare_t[:, np.arange(0, n, _SAMPLE_STRIDE, dtype=np.int32)])
    thresholds = np.concatenate(
        _map_blocks(
            bounds,
            lambda lane, first, last: blocks.thresholds(
                sample_t, first, last, quota, buffers[lane]
            ),
        )
    )
    return blocks.all_upper(rare_t, bounds, span, thresholds), thresholds


def approximate_pairs(vectors: sp.csr_matrix, pair_filter: PairFilter, pool: int) -> Pairs:
    """Candidate pairs of every article with their exact cosine, without an N × N matrix.

    1. Columns are split by document frequency. The rare terms' part of every cosine comes
       from a blocked sparse product (More-Like-This: an article's rare terms → their short
       posting lists); only pairs that share a rare term are looked at.
    2. The frequent terms' part of those pairs is estimated with a low-rank SVD of the
       frequent columns; rare part × recency decay + estimate is the pair's proxy (own
       story and pairs outside the time window left out, by ``pair_filter``). Each article
       gets a cut-off: the proxy its best ``_SAMPLE_MARGIN × pool`` pairs are expected to
       clear, read from its pairs with a sample of the articles (:meth:`_Blocks.thresholds`).
    3. Every pair is computed once, in the block of its smaller article, against the
       articles after it (:meth:`_Blocks.upper`): the product and the estimate of the upper
       triangle only. A pair is kept for each side whose cut-off it clears.
    4. Each article keeps its best ``pool`` kept pairs (:func:`_segment_kth_largest`); a
       pair kept by either side counts for both and is rescored exactly: rare part from
       step 1, frequent part by a sparse-dense dot.

    Returns both orientations of every chosen pair: rows, columns, cosines. Memory is
    bounded by one block of rows per thread plus a few ``pool`` pairs per article.
    """
    n = vectors.shape[0]
    rare = _rare_columns(vectors)
    release_free_memory()  # what the fit freed, before the blocks take their share
    # One BLAS thread: the same input gives the same float sums, so the same lists.
    with threadpoolctl.threadpool_limits(limits=1):
        kept, thresholds = _kept_pairs(vectors, rare, pair_filter, pool)
    rows, cols, rare_scores = _best_pairs(kept, thresholds, n, pool)
    frequent_part = _columns(vectors, ~rare)
    # Blocks and their pairs are in row order: ``low`` is sorted, as _pair_dots needs.
    low = rows.astype(np.int64)
    high = cols.astype(np.int64)
    exact = rare_scores.astype(np.float64) + _pair_dots(frequent_part, low, high)
    return np.concatenate([low, high]), np.concatenate([high, low]), np.concatenate([exact, exact])
