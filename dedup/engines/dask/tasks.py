"""What the workers run: the scan's stage functions over one partition or one bucket.

Every function here is a plain module-level function of plain arguments (no closures, so a
task carries only its own partition), and imports nothing of Dask: the same code runs in a
worker and in a test. A partition's state stays on the worker that computed it
(:class:`Prepared`, then :class:`Sketched`); what comes back to the client is arrays of ids,
keys and counts, and the texts the client's own stages read (related lists, clustering).

The shuffle is a key-partitioned reduce: each map task splits its rows by key into one array
per bucket (:func:`band_rows`, :func:`fingerprint_rows`), each bucket's reduce task gets its
slice of every partition (:func:`lsh_bucket_pairs`, :func:`passage_bucket_codes`,
:func:`passage_pairs`). Ids and keys travel; texts do not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.boilerplate import LineStatistics
from dedup.candidates import Fingerprints, shares_enough
from dedup.config import DedupConfig
from dedup.lsh import _pairs_within_groups, band_values, bucket_keys
from dedup.parallel import chunked
from dedup.pipeline import (
    _SHINGLE_BATCH,
    TextSketches,
    _ShingleCache,
    _verify_block,
    sketch_texts,
)
from dedup.prepare import _CHUNK_ARTICLES, _dropped_by_key, _summed, prepare_chunk, shingle_text
from dedup.related.features import stem
from dedup.verify import VerifiedPairs, join_verified

__all__ = [
    "Prepared",
    "Sketched",
    "band_rows",
    "dedup_version",
    "distinct_pairs",
    "fingerprint_rows",
    "join_verified",
    "line_statistics",
    "lsh_bucket_pairs",
    "merge_statistics",
    "passage_bucket_codes",
    "passage_pairs",
    "pick",
    "prepare_partition",
    "rows_of",
    "sketch_partition",
    "summary_of",
    "verify_block",
]

I64Array = npt.NDArray[np.int64]
U64Array = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class Prepared:
    """One partition after steps 1-2 of preparation (:func:`dedup.prepare.prepare_chunk`)."""

    sources: list[str]
    lines: list[list[str]]
    contexts: list[list[list[int]]]
    stripped_chars: dict[str, int]
    stripped_lines: dict[str, int]
    kept_whole: int


def dedup_version() -> str:
    """The version of dedup a worker runs (checked against the client's before a scan)."""
    from dedup._version import __version__

    return __version__


def prepare_partition(texts: list[str], sources: list[str], settings: dict[str, Any]) -> Prepared:
    """Furniture, normalization and line contexts of a partition, in the local scan's chunks
    of 250 articles (so each chunk is the one :func:`dedup.prepare.prepare_texts` makes)."""
    chunks = [
        prepare_chunk(
            {
                "config": settings,
                "texts": texts[start : start + _CHUNK_ARTICLES],
                "sources": sources[start : start + _CHUNK_ARTICLES],
            }
        )
        for start in range(0, len(texts), _CHUNK_ARTICLES)
    ]
    return Prepared(
        sources=sources,
        lines=[page for chunk in chunks for page in chunk["lines"]],
        contexts=[pairs for chunk in chunks for pairs in chunk["contexts"]],
        stripped_chars=_summed(c for chunk in chunks for c in chunk["stripped_chars"]),
        stripped_lines=_summed(c for chunk in chunks for c in chunk["stripped_lines"]),
        kept_whole=sum(sum(chunk["kept_whole"]) for chunk in chunks),
    )


def line_statistics(prepared: Prepared, min_articles: int) -> LineStatistics:
    """The partition's boilerplate line counts (the map of the boilerplate reduce)."""
    statistics = LineStatistics(min_articles=min_articles)
    for contexts in prepared.contexts:
        statistics.add_contexts(contexts)
    return statistics


def merge_statistics(*parts: LineStatistics) -> LineStatistics:
    """Line counts of several partitions (:meth:`LineStatistics.merge`, a tree reduce step)."""
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    return merged


@dataclass(frozen=True)
class Sketched:
    """One partition after preparation, admission, shingles, signatures and fingerprints.

    Rows are the partition's admitted articles in input order.
    """

    page_lengths: I64Array
    """Every article's page text length (admission: :func:`dedup.prepare.too_short`)."""
    page_texts: list[str]
    texts: list[str]
    sizes: I64Array
    digests: list[bytes]
    """The blake2b digest of each non-empty shingle set (b"" for an empty one)."""
    signatures: npt.NDArray[np.uint32]
    fingerprints: Fingerprints | None
    counts: dict[str, Any] = field(default_factory=dict)


def sketch_partition(
    prepared: Prepared, statistics: LineStatistics | None, settings: dict[str, Any]
) -> Sketched:
    """Steps 3-5 of preparation with the corpus' boilerplate, then shingle, signature and
    passage fingerprints of the admitted texts (the local scan's ``_shingle_and_sign``)."""
    config = DedupConfig.from_dict(settings)
    texts, pages, dropped_lines = _final_texts(prepared, statistics)
    lengths = np.array([len(page) for page in pages], dtype=np.int64)
    admitted = np.flatnonzero(lengths >= config.ngram).tolist()
    texts, pages = [texts[i] for i in admitted], [pages[i] for i in admitted]
    sizes, digests, signatures, printed = _sketches(texts, config)
    return Sketched(
        page_lengths=lengths,
        page_texts=pages,
        texts=texts,
        sizes=sizes,
        digests=digests,
        signatures=signatures,
        fingerprints=printed,
        counts={
            "stripped_chars": prepared.stripped_chars,
            "stripped_lines": prepared.stripped_lines,
            "kept_whole": prepared.kept_whole,
            "boilerplate_lines_dropped": dropped_lines,
        },
    )


def _final_texts(
    prepared: Prepared, statistics: LineStatistics | None
) -> tuple[list[str], list[str], int]:
    """Texts to shingle, page texts and lines dropped, as :func:`prepare_texts` builds them."""
    recurring = statistics.recurring_keys() if statistics is not None else set()
    dropped = [
        _dropped_by_key(statistics, page, source, pairs)
        if any(key in recurring for key, _ in pairs)
        else ()
        for page, source, pairs in zip(
            prepared.lines, prepared.sources, prepared.contexts, strict=True
        )
    ]
    pages = [shingle_text(page) for page in prepared.lines]
    texts = [
        shingle_text(p, d) if d else text
        for p, d, text in zip(prepared.lines, dropped, pages, strict=True)
    ]
    return texts, pages, sum(map(len, dropped))


def _sketches(
    texts: list[str], config: DedupConfig
) -> tuple[I64Array, list[bytes], npt.NDArray[np.uint32], Fingerprints | None]:
    """The local scan's sketches (:func:`dedup.pipeline.sketch_texts`), a batch at a time;
    an empty shingle set's digest is ``b""`` here."""
    whole = TextSketches.joined(
        [
            sketch_texts(texts[span.start : span.stop], config)
            for span in chunked(len(texts), _SHINGLE_BATCH)
        ],
        config,
    )
    digests = [b"" if digest is None else digest for digest in whole.digests]
    return whole.sizes, digests, whole.signatures, whole.fingerprints


def summary_of(sketched: Sketched, stemming: str | None) -> dict[str, Any]:
    """What the client needs of a partition: admission, exact groups, counts, and, when it
    ranks related lists (``stemming`` given), the page texts stemmed here on the worker
    (:func:`dedup.related.features.stem`, the related lists' analyzer)."""
    pages = None if stemming is None else [stem(page, stemming) for page in sketched.page_texts]
    return {
        "page_lengths": sketched.page_lengths,
        "sizes": sketched.sizes,
        "digests": sketched.digests,
        "counts": sketched.counts,
        "page_texts": pages,
    }


def pick(parts: Sequence[Any], bucket: int) -> Any:
    """One bucket's slice of a map task's output."""
    return parts[bucket]


def _bucket_of(keys: I64Array | U64Array, buckets: int) -> npt.NDArray[np.int64]:
    return (keys.view(np.uint64) % np.uint64(buckets)).astype(np.int64)


def _split(rows: npt.NDArray[Any], where: npt.NDArray[np.int64], buckets: int) -> list[Any]:
    """``rows`` split by bucket, each bucket's rows in their input order."""
    order = np.argsort(where, kind="stable")
    bounds = np.searchsorted(where[order], np.arange(buckets + 1))
    ordered = rows[order]
    return [ordered[bounds[b] : bounds[b + 1]] for b in range(buckets)]


def band_rows(
    sketched: Sketched, rows: I64Array, first: int, layout: tuple[int, int], buckets: int
) -> list[I64Array]:
    """Map of the LSH shuffle: ``(band, band value, id)`` of the given rows, by bucket key."""
    bands, width = layout
    values = band_values(sketched.signatures[rows], bands, width)
    band = np.broadcast_to(np.arange(bands, dtype=np.int64), values.shape)
    ids = np.broadcast_to((rows + first)[:, None], values.shape)
    table = np.stack([band.ravel(), values.ravel(), ids.ravel()], axis=1)
    return _split(table, _bucket_of(bucket_keys(table[:, 0], table[:, 1]), buckets), buckets)


def lsh_bucket_pairs(*parts: I64Array) -> I64Array:
    """Reduce of the LSH shuffle: every pair of ids agreeing on a whole band, ``(m, 2)``."""
    table = np.concatenate(parts).reshape(-1, 3)
    order = np.lexsort((table[:, 2], table[:, 1], table[:, 0]))
    band, value = table[order, 0], table[order, 1]
    starts = np.flatnonzero(np.r_[True, (band[1:] != band[:-1]) | (value[1:] != value[:-1])])
    sizes = np.diff(np.r_[starts, len(table)]).astype(np.intp)
    pairs = _pairs_within_groups(table[order, 2], starts[: len(table)], sizes[: len(table)])
    return distinct_pairs(pairs)


def fingerprint_rows(
    sketched: Sketched, rows: I64Array, first: int, buckets: int
) -> list[npt.NDArray[np.uint64]]:
    """Map of the passage shuffle: ``(fingerprint, id, fingerprints of the text)`` of the given
    rows, by fingerprint (as uint64; the ids and counts are small non-negative numbers)."""
    printed = sketched.fingerprints
    if printed is None:
        return [np.empty((0, 3), dtype=np.uint64) for _ in range(buckets)]
    chosen = printed.take(rows)
    sizes = chosen.sizes
    owner = np.repeat(rows + first, sizes).astype(np.uint64)
    size = np.repeat(sizes, sizes).astype(np.uint64)
    table = np.stack([chosen.hashes, owner, size], axis=1)
    return _split(table, _bucket_of(chosen.hashes, buckets), buckets)


def passage_bucket_codes(
    *parts: npt.NDArray[np.uint64], max_df: int, count: int, buckets: int
) -> list[I64Array]:
    """Reduce of the passage shuffle, and map of the pair count: per pair sharing fingerprints
    of at most ``max_df`` texts in this bucket, ``(pair code, shared, smaller set)``, by pair."""
    table = np.concatenate(parts).reshape(-1, 3)
    order = np.argsort(table[:, 0], kind="stable")
    hashes = table[order, 0]
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])[: len(hashes)]
    sizes = np.diff(np.r_[starts, len(hashes)]).astype(np.intp)
    posted = sizes <= max_df
    positions = np.arange(len(order), dtype=np.int64)
    pairs = _pairs_within_groups(positions, starts[posted], sizes[posted])
    owner, size = table[order, 1].astype(np.int64), table[order, 2].astype(np.int64)
    low, high = owner[pairs[:, 0]], owner[pairs[:, 1]]
    codes = np.minimum(low, high) * np.int64(count) + np.maximum(low, high)
    smaller = np.minimum(size[pairs[:, 0]], size[pairs[:, 1]])
    codes, first, shared = np.unique(codes, return_index=True, return_counts=True)
    rows = np.stack([codes, shared.astype(np.int64), smaller[first]], axis=1)
    return _split(rows, _bucket_of(_mix(codes), buckets), buckets)


def _mix(codes: I64Array) -> U64Array:
    """A pair code spread over the buckets (neighbouring codes share their low id)."""
    with np.errstate(over="ignore"):
        mixed = codes.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return mixed ^ (mixed >> np.uint64(29))


def passage_pairs(*parts: I64Array, count: int, min_shared: int, min_share: float) -> I64Array:
    """Reduce of the pair count: the pairs sharing enough fingerprints over all buckets
    (:func:`dedup.candidates.shares_enough`), ``(m, 2)`` ids."""
    table = np.concatenate(parts).reshape(-1, 3)
    codes, inverse = np.unique(table[:, 0], return_inverse=True)
    shared = np.bincount(inverse.ravel(), weights=table[:, 1], minlength=len(codes))
    smaller = np.zeros(len(codes), dtype=np.int64)
    smaller[inverse.ravel()] = table[:, 2]
    keep = shares_enough(shared.astype(np.int64), smaller, min_shared, min_share)
    return np.stack([codes[keep] // count, codes[keep] % count], axis=1).reshape(-1, 2)


def distinct_pairs(pairs: I64Array) -> I64Array:
    """``(m, 2)`` pairs sorted by first then second id, without repeats."""
    pairs = pairs.reshape(-1, 2)
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    pairs = pairs[order]
    keep = np.ones(len(pairs), dtype=bool)
    keep[1:] = (pairs[1:] != pairs[:-1]).any(axis=1)
    return np.ascontiguousarray(pairs[keep], dtype=np.int64)


def rows_of(sketched: Sketched, rows: I64Array) -> tuple[list[str], npt.NDArray[np.uint32]]:
    """The texts to shingle and the signatures of some rows (what verification reads)."""
    texts = sketched.texts
    return [texts[i] for i in rows.tolist()], sketched.signatures[rows]


def verify_block(
    pairs: I64Array, ids: I64Array, *parts: tuple[list[str], Any], settings: dict[str, Any]
) -> VerifiedPairs:
    """:func:`dedup.verify.verify_pairs` on a block of candidate pairs of ``ids``, given the
    rows of those ids (in ``ids`` order, from :func:`rows_of` of each partition); the
    accepted pairs come back as ids."""
    config = DedupConfig.from_dict(settings)
    texts = [text for part in parts for text in part[0]]
    signatures = (
        np.concatenate([part[1] for part in parts])
        if parts
        else np.zeros((0, config.num_perm), dtype=np.uint32)
    )
    local = np.searchsorted(ids, pairs).astype(np.int64)
    found = _verify_block(local, _ShingleCache(texts, config.ngram), signatures, texts, config)
    return (ids[found[0]].reshape(-1, 2), *found[1:])
