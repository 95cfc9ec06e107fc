"""LSH banding: MinHash signatures in, band keys and candidate pairs out.

LSH only *proposes* candidates; :mod:`dedup.verify` checks every one on the exact
shingle sets. One encoding serves every driver: :func:`band_values` gives one int64 per
(article, band), :func:`bucket_keys` one 64-bit key per (band, value) for a store's
buckets (the index), and :func:`candidate_pairs` groups equal band values in memory
(the scan). Two implementations give the same pairs:

- :func:`candidate_pairs`, vectorized: per band, rows with equal :func:`band_values`
  are grouped by one sort (exact for ``rows <= 2``; above, a 64-bit hash whose
  collisions only add candidates), and every pair inside a group is emitted;
- :func:`candidate_pairs_datasketch`, the reference: datasketch ``MinHashLSH``
  with the same (bands, rows), queried for every inserted key.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Final

import numpy as np
import numpy.typing as npt

from dedup.arrays import distinct
from dedup.signature import to_lean_minhash

__all__ = [
    "band_values",
    "bucket_keys",
    "candidate_pairs",
    "candidate_pairs_datasketch",
    "optimal_bands_rows",
]

PairArray = npt.NDArray[np.int64]
I64Array = npt.NDArray[np.int64]

_FNV_OFFSET: Final = np.uint64(0xCBF29CE484222325)
_FNV_PRIME: Final = np.uint64(0x100000001B3)
# splitmix64's constants (Steele, Lea and Flood, "Fast splittable pseudorandom number
# generators", OOPSLA 2014), for bucket_keys.
_GOLDEN: Final = np.uint64(0x9E3779B97F4A7C15)
_MIX_1: Final = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2: Final = np.uint64(0x94D049BB133111EB)


def band_values(signatures: npt.NDArray[np.uint32], bands: int, rows: int) -> I64Array:
    """One int64 per (article, band): the band's values themselves when they fit in 8 bytes
    (``rows <= 2``: exact), else a 64-bit FNV-1a hash of them (the default 25 x 5).

    Stored in indexes (their bucket keys): never change it.

    Examples
    --------
    >>> sig = np.array([[1, 2, 3, 4], [1, 2, 9, 9]], dtype=np.uint32)
    >>> values = band_values(sig, 2, 2)
    >>> bool(values[0, 0] == values[1, 0]), bool(values[0, 1] == values[1, 1])
    (True, False)
    """
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


def bucket_keys(bands: I64Array, values: I64Array) -> I64Array:
    """One 64-bit key per (band, band value): splitmix64 of both, so that every bucket of
    every band sits in one sorted array. Two buckets that collide (about one pair in 2**64)
    only add candidates, which the MinHash screen and the exact check then judge.

    Examples
    --------
    >>> keys = bucket_keys(np.array([0, 1]), np.array([7, 7]))
    >>> bool(keys[0] != keys[1])
    True
    """
    mixed = values.astype(np.uint64) ^ ((bands.astype(np.uint64) + np.uint64(1)) * _GOLDEN)
    mixed ^= mixed >> np.uint64(30)
    mixed *= _MIX_1
    mixed ^= mixed >> np.uint64(27)
    mixed *= _MIX_2
    mixed ^= mixed >> np.uint64(31)
    return mixed.view(np.int64)


# datasketch's optimizer integrates numerically and its package imports scipy.integrate (half
# a second before a scan's first stage); its answers for the default settings
# (DedupConfig: candidate_threshold 0.6, num_perm 128, lsh_weights (0.1, 0.9)) and for the
# datasketch defaults are kept here. tests/test_lsh.py checks each against datasketch itself.
KNOWN_BANDS_ROWS: Final[dict[tuple[float, int, tuple[float, float]], tuple[int, int]]] = {
    (0.6, 128, (0.1, 0.9)): (25, 5),
    (0.8, 128, (0.5, 0.5)): (9, 13),
}


@cache
def optimal_bands_rows(
    threshold: float, num_perm: int, weights: tuple[float, float]
) -> tuple[int, int]:
    """(bands, rows) minimizing datasketch's weighted false positive/negative areas.

    With datasketch's default weights (0.5, 0.5) at threshold 0.8 and 128
    permutations this gives 9 bands of 13 rows, which catches only about 82% of
    pairs at Jaccard 0.8; the project weights recall: ``(0.1, 0.9)``.

    Examples
    --------
    >>> optimal_bands_rows(0.8, 128, (0.5, 0.5))
    (9, 13)
    """
    known = KNOWN_BANDS_ROWS.get((threshold, num_perm, weights))
    if known is not None:
        return known
    from datasketch.lsh import _optimal_param

    false_positive_weight, false_negative_weight = weights
    bands, rows = _optimal_param(threshold, num_perm, false_positive_weight, false_negative_weight)
    return int(bands), int(rows)


def _pairs_within_groups(
    order: npt.NDArray[np.intp],
    group_starts: npt.NDArray[np.intp],
    group_sizes: npt.NDArray[np.intp],
) -> PairArray:
    """All (i, j) pairs inside each group of ``order[start:start+size]``, vectorized."""
    keep = group_sizes >= 2
    group_starts, group_sizes = group_starts[keep], group_sizes[keep]
    if not len(group_sizes):
        return np.empty((0, 2), dtype=np.int64)
    # For a group of size s, pair (p, q) with 0 <= p < q < s. Enumerate q per
    # member position, then p in [0, q).
    member_positions = _ranges(group_sizes)
    member_group_start = np.repeat(group_starts, group_sizes)
    # Each member at position q pairs with the q members before it.
    first = np.repeat(member_group_start, member_positions)
    second_index = np.repeat(member_group_start + member_positions, member_positions)
    offsets_within = _ranges(member_positions)
    left = order[first + offsets_within]
    right = order[second_index]
    low = np.minimum(left, right)
    high = np.maximum(left, right)
    return np.stack([low, high], axis=1).astype(np.int64)


def _ranges(sizes: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """Concatenation of arange(s) for each s in sizes, without a Python loop."""
    sizes = np.asarray(sizes, dtype=np.intp)
    total = int(sizes.sum())
    if total == 0:
        return np.empty(0, dtype=np.intp)
    starts = np.zeros(len(sizes), dtype=np.intp)
    np.cumsum(sizes[:-1], out=starts[1:])
    return np.arange(total, dtype=np.intp) - np.repeat(starts, sizes)


def candidate_pairs(
    signatures: npt.NDArray[np.uint32],
    *,
    bands: int,
    rows: int,
    progress: Callable[[int, int], None] | None = None,
) -> PairArray:
    """Pairs of rows that agree on every value of at least one band.

    Parameters
    ----------
    signatures
        ``(n, num_perm)`` MinHash signatures.
    bands, rows
        Band layout; ``bands * rows <= num_perm`` (as datasketch, trailing
        permutations beyond ``bands * rows`` are unused).
    progress
        Called as ``progress(bands done, bands)`` after each band.

    Returns
    -------
    numpy.ndarray
        ``(m, 2)`` int64 row indices, ``i < j``, sorted, without repeats.

    Examples
    --------
    >>> import numpy as np
    >>> sig = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [7, 7, 3, 4]], dtype=np.uint32)
    >>> candidate_pairs(sig, bands=2, rows=2).tolist()
    [[0, 1], [0, 2]]
    """
    count, num_perm = signatures.shape
    if bands * rows > num_perm:
        raise ValueError(f"bands*rows = {bands * rows} exceeds num_perm = {num_perm}")
    values = band_values(signatures, bands, rows)
    found: list[PairArray] = []
    for band in range(bands):
        order = np.argsort(values[:, band], kind="stable")
        ordered = values[order, band]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        group_counts = np.diff(np.r_[starts, count])
        if group_counts.max(initial=0) >= 2:
            found.append(_pairs_within_groups(order, starts, group_counts.astype(np.intp)))
        if progress is not None:
            progress(band + 1, bands)
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    encoded = distinct(pairs[:, 0] * np.int64(count) + pairs[:, 1])
    return np.stack([encoded // count, encoded % count], axis=1)


def candidate_pairs_datasketch(
    signatures: npt.NDArray[np.uint32], *, bands: int, rows: int, seed: int = 1
) -> PairArray:
    """The same pairs through datasketch ``MinHashLSH`` (the reference; slower)."""
    count, num_perm = signatures.shape
    from datasketch import MinHashLSH

    lsh = MinHashLSH(num_perm=num_perm, params=(bands, rows))
    sketches = [to_lean_minhash(signatures[i], seed=seed) for i in range(count)]
    for i, sketch in enumerate(sketches):
        lsh.insert(i, sketch)
    pairs = {
        (min(i, j), max(i, j))
        for i, sketch in enumerate(sketches)
        for j in lsh.query(sketch)
        if j != i
    }
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    return np.array(sorted(pairs), dtype=np.int64)
