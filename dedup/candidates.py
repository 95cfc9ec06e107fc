"""Candidate pairs whose count grows about linearly: LSH for near copies, passages for the rest.

The verification rule (:mod:`dedup.verify`) accepts a pair at Jaccard >= 0.8, or at
containment >= 0.7 with Jaccard >= 0.3 (a trimmed or extended copy), or by shared passages.
LSH tuned low enough to propose the contained copies (32 bands x 2 rows, Jaccard 0.3) also
collides unrelated news articles so often that its candidates grow as n² (4.2M at 20k
articles of ``benchmarks.archive``, 208 per article). This stage splits the work (the
measurements behind the defaults are in :class:`dedup.config.DedupConfig`):

- **the Jaccard branch**: LSH on the MinHash signatures tuned higher (``candidate_threshold``,
  :func:`dedup.lsh.candidate_pairs`), which proposes every near copy and few unrelated pairs;
- **the containment branch**: winnowed character k-gram fingerprints of each text
  (:func:`passage_fingerprints`, the document fingerprinting of plagiarism detectors: Schleimer,
  Wilkerson and Aiken, "Winnowing", SIGMOD 2003). A copy shares long verbatim passages with
  its original whatever was cut or added around them; unrelated articles share only short
  or common phrases. A pair is proposed when it shares at least
  ``fingerprint_min_shared`` fingerprints and ``fingerprint_min_share`` of the smaller text's
  (:func:`fingerprint_pairs`). A fingerprint posted by more than ``fingerprint_max_df``
  articles (a quote, a slogan, boilerplate) proposes nothing: without the cap its pairs grow
  with the square of its frequency.

:func:`candidate_pairs` unites both; every driver calls it (the scan on the whole corpus, the
index on a batch). Everything is numpy over whole batches: no Python loop per shingle, k-gram
or fingerprint.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from dedup.arrays import distinct
from dedup.config import DedupConfig
from dedup.lsh import _pairs_within_groups
from dedup.lsh import candidate_pairs as lsh_candidate_pairs

__all__ = [
    "Fingerprints",
    "candidate_pairs",
    "fingerprint_pairs",
    "fingerprints_of",
    "passage_fingerprints",
    "passage_pairs",
    "shares_enough",
]

U64Array = npt.NDArray[np.uint64]
I64Array = npt.NDArray[np.int64]
PairArray = npt.NDArray[np.int64]

# A polynomial rolling hash over code points, base an odd 64-bit constant (so it has an
# inverse modulo 2**64 and every window's hash is a difference of two prefix sums), then the
# MurmurHash3 fmix64 finalizer so that the low bits avalanche too.
_BASE: Final = 0x100000001B3
_BASE_INVERSE: Final = pow(_BASE, -1, 1 << 64)
_FMIX_M1: Final = np.uint64(0xFF51AFD7ED558CCD)
_FMIX_M2: Final = np.uint64(0xC4CEB9FE1A85EC53)
_S33: Final = np.uint64(33)
# Characters fingerprinted in one go (8 bytes of hash each and a few arrays: tens of MB).
_CHUNK_CHARACTERS: Final = 1 << 20


@dataclass(frozen=True, eq=False)
class Fingerprints:
    """The distinct winnowed fingerprints of a batch of texts, in CSR layout.

    ``hashes[offsets[i]:offsets[i + 1]]`` are the sorted distinct fingerprints of text ``i``.
    """

    hashes: U64Array
    offsets: I64Array

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def sizes(self) -> I64Array:
        """Number of distinct fingerprints per text."""
        return np.diff(self.offsets)

    def take(self, rows: npt.NDArray[np.intp] | I64Array) -> Fingerprints:
        """The fingerprints of the given texts, in that order (vectorized gather)."""
        rows = np.asarray(rows, dtype=np.int64)
        sizes = self.sizes[rows]
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        if len(rows) and np.all(rows[1:] > rows[:-1]):
            # Rows in ascending order (the scan's representatives): a mask of one byte per
            # fingerprint, where positions would take 16 (a million articles hold ~220M).
            chosen = np.zeros(len(self), dtype=bool)
            chosen[rows] = True
            return Fingerprints(self.hashes[np.repeat(chosen, self.sizes)], offsets)
        starts = np.repeat(self.offsets[:-1][rows] - offsets[:-1], sizes)
        positions = np.arange(int(offsets[-1]), dtype=np.int64) + starts
        return Fingerprints(hashes=self.hashes[positions], offsets=offsets)

    @staticmethod
    def concatenate(parts: Sequence[Fingerprints]) -> Fingerprints:
        """One batch holding the texts of ``parts``, in order."""
        if not parts:
            return Fingerprints(np.empty(0, dtype=np.uint64), np.zeros(1, dtype=np.int64))
        sizes = np.concatenate([p.sizes for p in parts])
        offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        return Fingerprints(np.concatenate([p.hashes for p in parts]), offsets)


def _fmix64(values: U64Array) -> U64Array:
    values = values ^ (values >> _S33)
    values = values * _FMIX_M1
    values = values ^ (values >> _S33)
    values = values * _FMIX_M2
    return values ^ (values >> _S33)


def _powers(base: int, count: int) -> U64Array:
    """``base**0 .. base**(count-1)`` modulo 2**64 (numpy's uint64 products wrap)."""
    powers = np.full(count, base, dtype=np.uint64)
    powers[0] = 1
    return np.cumprod(powers, dtype=np.uint64)


def kgram_hashes(code_points: U64Array, chars: int) -> U64Array:
    """The hash of every window of ``chars`` code points (``len - chars + 1`` of them).

    Examples
    --------
    >>> points = np.frombuffer("abcabc".encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    >>> hashes = kgram_hashes(points, 3)
    >>> len(hashes), bool(hashes[0] == hashes[3]), bool(hashes[0] != hashes[1])
    (4, True, True)
    """
    total = len(code_points)
    windows = total - chars + 1
    if windows <= 0:
        return np.empty(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        prefix = np.zeros(total + 1, dtype=np.uint64)
        np.cumsum(code_points * _powers(_BASE_INVERSE, total), out=prefix[1:])
        # sum_{j=i}^{i+k-1} c_j B^(i+k-1-j): the window's difference of prefix sums, scaled.
        sums = prefix[chars:] - prefix[:windows]
        return _fmix64(sums * _powers(_BASE, total)[chars - 1 :])


def _sliding_minimum(values: U64Array, width: int) -> U64Array:
    """``min(values[i:i+width])`` for every ``i`` (``len(values) >= width``).

    Minima of windows of 2, 4, 8, ... values by doubling, then two overlapping windows of
    the largest power cover ``width``: about log2(width) + 1 whole-array passes (4 at the
    default 12), faster here than van Herk / Gil-Werman's two accumulations.
    """
    last = len(values) - width + 1
    minima, power = values, 1
    while 2 * power <= width:
        minima = np.minimum(minima[:-power], minima[power:])
        power *= 2
    return np.minimum(minima[:last], minima[width - power : width - power + last])


def passage_fingerprints(texts: Sequence[str], *, chars: int, window: int) -> Fingerprints:
    """The winnowed fingerprints of every text: the minimum hash of every ``window``
    consecutive ``chars``-character k-grams, distinct per text.

    Two texts sharing a passage of ``chars + window - 1`` characters or more share at least
    one fingerprint (the winnowing guarantee); about ``2 / (window + 1)`` of a text's k-grams
    are selected. A text of fewer than ``chars + window - 1`` characters but at least
    ``chars`` keeps its smallest k-gram hash; a shorter one has none.

    Examples
    --------
    >>> shared = "أعلنت وزارة النفط العراقية اليوم عن زيادة صادرات الخام عبر موانئ البصرة"
    >>> prints = passage_fingerprints([shared, "بغداد - " + shared, "كلمة"], chars=20, window=8)
    >>> a, b = prints.hashes[:prints.offsets[1]], prints.hashes[prints.offsets[1]:prints.offsets[2]]
    >>> bool(len(a) > 0 and np.isin(a, b).mean() > 0.8), int(prints.sizes[2])
    (True, 0)
    """
    if isinstance(texts, str):
        raise TypeError("passage_fingerprints expects a sequence of texts, not one string")
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    parts, start, filled = [], 0, 0
    for index, length in enumerate(lengths.tolist()):
        filled += length
        if filled >= _CHUNK_CHARACTERS:
            parts.append(_fingerprint_chunk(texts[start : index + 1], chars, window))
            start, filled = index + 1, 0
    if start < len(texts) or not parts:
        parts.append(_fingerprint_chunk(texts[start:], chars, window))
    return Fingerprints.concatenate(parts)


def _fingerprint_chunk(texts: Sequence[str], chars: int, window: int) -> Fingerprints:
    count = len(texts)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=count)
    starts = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    points = np.frombuffer("".join(texts).encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    hashes = kgram_hashes(points, chars)
    # Each text's own k-grams (those crossing into the next text dropped), end to end.
    grams = np.maximum(lengths - chars + 1, 0)
    gram_offsets = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(grams, out=gram_offsets[1:])
    within = np.arange(int(gram_offsets[-1]), dtype=np.int64) - np.repeat(gram_offsets[:-1], grams)
    hashes = hashes[np.repeat(starts[:-1], grams) + within]
    # Windows of `window` k-grams inside each text; a text with fewer k-grams, one window.
    windows = np.where(grams >= window, grams - window + 1, np.minimum(grams, 1))
    owner = np.repeat(np.arange(count, dtype=np.int64), windows)
    first = np.repeat(gram_offsets[:-1], windows) + (
        np.arange(int(windows.sum()), dtype=np.int64)
        - np.repeat(np.cumsum(windows) - windows, windows)
    )
    selected = np.empty(len(first), dtype=np.uint64)
    full = np.repeat(grams >= window, windows)
    if len(hashes) >= window:
        selected[full] = _sliding_minimum(hashes, window)[first[full]]
    short = np.flatnonzero((grams > 0) & (grams < window))
    if len(short):
        selected[~full] = _short_minima(hashes, gram_offsets, short)
    return _distinct_per_text(owner, selected, count)


def _short_minima(hashes: U64Array, gram_offsets: I64Array, short: I64Array) -> U64Array:
    """The minimum k-gram hash of each short text (fewer k-grams than a window)."""
    bounds = np.stack([gram_offsets[short], gram_offsets[short + 1]], axis=1).ravel()
    # A sentinel past the end, so that the last text's end is a valid index.
    extended = np.append(hashes, np.uint64(np.iinfo(np.uint64).max))
    return np.minimum.reduceat(extended, bounds)[::2]


def _distinct_per_text(owner: I64Array, selected: U64Array, count: int) -> Fingerprints:
    # Neighbouring windows mostly share their minimum: dropping the repeats first leaves
    # about 2 / (window + 1) of the windows to sort.
    changed = np.ones(len(selected), dtype=bool)
    changed[1:] = (selected[1:] != selected[:-1]) | (owner[1:] != owner[:-1])
    owner, selected = owner[changed], selected[changed]
    order = np.lexsort((selected, owner))
    owner, selected = owner[order], selected[order]
    keep = np.ones(len(selected), dtype=bool)
    keep[1:] = (selected[1:] != selected[:-1]) | (owner[1:] != owner[:-1])
    owner, selected = owner[keep], selected[keep]
    offsets = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=count), out=offsets[1:])
    return Fingerprints(hashes=selected, offsets=offsets)


def fingerprints_of(texts: Sequence[str], config: DedupConfig) -> Fingerprints | None:
    """The texts' :func:`passage_fingerprints` with the configuration's k-gram and window,
    or None when ``config.passage_candidates`` is off (every driver sketches so).

    Examples
    --------
    >>> from dedup.config import DedupConfig
    >>> fingerprints_of(["وزارة النفط"], DedupConfig(passage_candidates=False)) is None
    True
    """
    if not config.passage_candidates:
        return None
    return passage_fingerprints(
        texts, chars=config.fingerprint_chars, window=config.fingerprint_window
    )


def passage_pairs(
    fingerprints: Fingerprints, config: DedupConfig, *, memory_limit: int | None = None
) -> PairArray:
    """The pairs the passage branch proposes: :func:`fingerprint_pairs` under the
    configuration's frequency cap and sharing rule."""
    return fingerprint_pairs(
        fingerprints,
        max_df=config.fingerprint_max_df,
        min_shared=config.fingerprint_min_shared,
        min_share=config.fingerprint_min_share,
        memory_limit=memory_limit,
    )


def fingerprint_pairs(
    fingerprints: Fingerprints,
    *,
    max_df: int,
    min_shared: int,
    min_share: float,
    memory_limit: int | None = None,
) -> PairArray:
    """Pairs of texts sharing at least ``min_shared`` fingerprints, and at least
    ``min_share`` of the smaller set's, counting only fingerprints of at most ``max_df`` texts.

    Every pair inside a fingerprint's group of texts is emitted once per shared fingerprint,
    then the emissions of a pair are counted. Within ``memory_limit`` bytes (None: no limit)
    this runs in parts: the fingerprints split by hash (a fingerprint's texts are all in one
    part), each part's emissions spilled to files by pair (a pair's emissions all in one
    file), each file counted on its own. The result is the same.

    Returns
    -------
    numpy.ndarray
        ``(m, 2)`` int64 row indices, ``i < j``, sorted, without repeats.

    Examples
    --------
    >>> prints = Fingerprints(np.array([1, 2, 3, 1, 2, 9, 3], dtype=np.uint64),
    ...                       np.array([0, 3, 6, 7]))
    >>> fingerprint_pairs(prints, max_df=5, min_shared=2, min_share=0.5).tolist()
    [[0, 1]]
    >>> fingerprint_pairs(prints, max_df=5, min_shared=2, min_share=0.5, memory_limit=1).tolist()
    [[0, 1]]
    """
    count = len(fingerprints)
    rule = _PairRule(fingerprints.sizes, count, min_shared, min_share)
    parts = _parts(len(fingerprints.hashes), memory_limit)
    if parts == 1:
        # 4 bytes an owner while they fit (a million articles hold some 200M fingerprints).
        small = np.int32 if count < np.iinfo(np.int32).max else np.int64
        owner: npt.NDArray[np.signedinteger[Any]] = np.repeat(
            np.arange(count, dtype=small), fingerprints.sizes
        )
        return rule.pairs(_emissions(fingerprints.hashes, owner, count, max_df))
    part_of = _part_of(fingerprints.hashes, parts)
    with tempfile.TemporaryDirectory(prefix="dedup-fingerprints-") as folder:
        spill = [Path(folder) / f"{part}.i64" for part in range(parts)]
        for part in range(parts):
            # A part's own positions and owners only: whole-corpus temporaries (8 bytes a
            # fingerprint each) were most of the stage's memory at a million articles.
            chosen = np.flatnonzero(part_of == part)
            owner = np.searchsorted(fingerprints.offsets, chosen, side="right") - 1
            codes = _emissions(fingerprints.hashes[chosen], owner, count, max_df)
            where = _mix(codes) % np.uint64(parts)
            for bucket, path in enumerate(spill):
                with path.open("ab") as handle:
                    codes[where == np.uint64(bucket)].tofile(handle)
        found = [rule.pairs(np.fromfile(path, dtype=np.int64)) for path in spill]
    merged = np.concatenate(found)
    return merged[np.lexsort((merged[:, 1], merged[:, 0]))]


# Bytes per fingerprint while its part is sorted and its pairs emitted and counted: the hash,
# its owner, the sort order, the sorted copies, and about two emitted pairs of 24 bytes each
# (measured on the 20k archive: 218 fingerprints and 440 emissions per article).
_BYTES_PER_FINGERPRINT: Final = 120


# Each part reads every fingerprint once and writes to every spill file: past a few hundred
# parts the passes cost more than the memory they save (a million articles' 218M
# fingerprints in 256 parts is under 100 MB a part).
_MAX_PARTS: Final = 256


def _parts(entries: int, memory_limit: int | None) -> int:
    """How many parts keep one part's work under a quarter of ``memory_limit``."""
    if memory_limit is None:
        return 1
    wanted = -(-entries * _BYTES_PER_FINGERPRINT // max(1, memory_limit // 4))
    return int(min(_MAX_PARTS, max(1, wanted)))


def _part_of(hashes: U64Array, parts: int) -> npt.NDArray[np.uint16]:
    """Each fingerprint's part (its hash modulo ``parts``), a block at a time."""
    part_of = np.empty(len(hashes), dtype=np.uint16)
    for start in range(0, len(hashes), _PART_BLOCK):
        block = hashes[start : start + _PART_BLOCK]
        part_of[start : start + len(block)] = block % np.uint64(parts)
    return part_of


# Fingerprints assigned to their parts at once (8 MB of remainders).
_PART_BLOCK: Final = 1 << 20


def _mix(codes: I64Array) -> U64Array:
    with np.errstate(over="ignore"):
        return _fmix64(codes.astype(np.uint64))


def _emissions(
    hashes: U64Array, owner: npt.NDArray[np.signedinteger[Any]], count: int, max_df: int
) -> I64Array:
    """One code ``low * count + high`` per pair of texts per shared fingerprint of at most
    ``max_df`` texts."""
    order = np.argsort(hashes, kind="stable")
    values = hashes[order]
    group_starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])[: len(values)]
    group_sizes = np.diff(np.r_[group_starts, len(values)]).astype(np.intp)
    posted = group_sizes <= max_df
    pairs = _pairs_within_groups(owner[order], group_starts[posted], group_sizes[posted])
    return pairs[:, 0] * np.int64(count) + pairs[:, 1]


@dataclass(frozen=True)
class _PairRule:
    """Which counted pairs share enough fingerprints."""

    sizes: I64Array
    count: int
    min_shared: int
    min_share: float

    def pairs(self, codes: I64Array) -> PairArray:
        codes, shared = np.unique(codes, return_counts=True)
        low, high = codes // self.count, codes % self.count
        smaller = np.minimum(self.sizes[low], self.sizes[high])
        keep = shares_enough(shared, smaller, self.min_shared, self.min_share)
        return np.stack([low[keep], high[keep]], axis=1).reshape(-1, 2)


def shares_enough(
    shared: I64Array, smaller: I64Array, min_shared: int, min_share: float
) -> npt.NDArray[np.bool_]:
    """Which pairs share enough fingerprints: ``shared`` of them, ``smaller`` the smaller
    text's count (the rule of :func:`fingerprint_pairs`, for drivers that count elsewhere).

    Examples
    --------
    >>> shares_enough(np.array([1, 2, 2]), np.array([2, 4, 100]), 2, 0.05).tolist()
    [False, True, False]
    """
    return (shared >= min_shared) & (shared >= min_share * smaller)


def candidate_pairs(
    signatures: npt.NDArray[np.uint32],
    fingerprints: Fingerprints | None,
    config: DedupConfig,
    *,
    progress: Callable[[int, int], None] | None = None,
    memory_limit: int | None = None,
) -> PairArray:
    """The candidate pairs of a batch: LSH on ``signatures`` united with shared passages.

    Parameters
    ----------
    signatures
        ``(n, num_perm)`` MinHash signatures.
    fingerprints
        The texts' :func:`passage_fingerprints` (``None``: the LSH branch alone, as when
        ``config.passage_candidates`` is off).
    config
        Band layout (``config.bands_rows``) and the fingerprint rule.
    progress
        Called as ``progress(steps done, steps)``: one step per band, one for the passages.
    memory_limit
        Bytes the passage branch may use (:func:`fingerprint_pairs`); None: no limit.

    Returns
    -------
    numpy.ndarray
        ``(m, 2)`` int64 row indices, ``i < j``, sorted, without repeats.
    """
    bands, rows = config.bands_rows
    steps = bands + (fingerprints is not None)
    report = progress if progress is not None else (lambda done, total: None)
    lsh = lsh_candidate_pairs(
        signatures, bands=bands, rows=rows, progress=lambda d, t: report(d, steps)
    )
    if fingerprints is None:
        return lsh
    passages = passage_pairs(fingerprints, config, memory_limit=memory_limit)
    report(steps, steps)
    count = np.int64(max(len(signatures), 1))
    both = np.concatenate([lsh, passages])
    codes = distinct(both[:, 0] * count + both[:, 1])
    return np.stack([codes // count, codes % count], axis=1)
