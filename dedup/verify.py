"""Verification: is a candidate pair a duplicate, and of which kind.

LSH only proposes candidates (:mod:`dedup.lsh`); this stage decides, the same way for every
driver, in this order:

1. **prefilter**: a candidate whose MinHash estimate lies far under the lowest acceptable
   Jaccard is dropped (:func:`minimum_estimate`);
2. **exact similarity**: Jaccard and containment on the exact shingle sets;
3. **rule**: :class:`SimilarityRule` (Jaccard, or containment with a
   Jaccard floor and enough shingles);
4. **passages**: a re-topped copy whose shorter text is mostly long verbatim passages of
   the other is accepted too;
5. **dates**: a containment match between texts published too far apart is no copy
   (:func:`too_far_apart`);
6. **template**: a near pair that only shares a template, with other facts, is reported
   as ``template`` and never merged (:func:`dedup.template.template_verdict`); so is a
   containment match whose shared words stand in other sequences
   (:func:`dedup.relations.out_of_order`) or whose texts each state date, compass or ordinal
   words, or rounds of a competition, of their own (:func:`dedup.template.own_fact_words`);
7. **relation**: a pair accepted by containment (Jaccard under ``jaccard_threshold``) is read
   by where its shared passages lie (:func:`dedup.relations.relation_of`): ``update``
   (merged), or ``follow_up`` and ``roundup`` (reported and linked, never merged).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.arrays import distinct_with_inverse
from dedup.config import DedupConfig
from dedup.parallel import WorkerPool, chunked
from dedup.records import Relation
from dedup.relations import out_of_order, passage_layout, relation_of
from dedup.shingle import ShingleSets, shingle_texts
from dedup.template import own_fact_words, template_verdict

__all__ = [
    "SimilarityRule",
    "VerifiedPairs",
    "estimated_between",
    "estimated_jaccard",
    "exact_groups",
    "exact_similarities",
    "minimum_estimate",
    "pair_relation",
    "passage_containment",
    "too_far_apart",
    "verify_pairs",
]

F64Array = npt.NDArray[np.float64]

# Passage windows: 40 characters, about 7 words. On judged-duplicates-dev the re-topped
# copies (a new lead on the same text) keep 0.47-0.68 of their 40-character windows
# verbatim in the other text, while the same event written independently keeps at most
# 0.44 and template siblings at most 0.15; 24-character windows separate less (0.53
# vs 0.49), 64-character ones no better (0.67 vs 0.38).
_PASSAGE_CHARS = 40
# Accepted pairs per chunk when their relations are read by a pool of processes: the
# template guard and the passage reading cost about a millisecond a pair (saudinewsnet),
# a chunk's texts travel as JSON (a few hundred KB), so a chunk is worth a worker's round
# trip while a corpus of a few thousand pairs still splits across both cores.
_RELATION_CHUNK = 200
_SECONDS_PER_DAY = 86400.0
# The MinHash estimate of J has standard deviation sqrt(J(1-J)/num_perm); a
# candidate more than 3 of those below the lowest Jaccard that can be accepted
# is dropped before exact verification (one-sided miss chance 0.13% at the floor,
# below 1e-4 at floor + 0.05).
PREFILTER_SIGMAS = 3.0

VerifiedPairs = tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    list[Relation],
    dict[str, int],
]
"""Accepted index pairs, their Jaccard and containment, relations, and counts per step."""


@dataclass(frozen=True, slots=True)
class SimilarityRule:
    """When a verified pair is a duplicate.

    A pair matches when ``jaccard >= jaccard_threshold``, or when
    ``containment >= containment_threshold`` and ``jaccard >=
    min_jaccard_for_containment`` and both sets hold at least
    ``min_shingles_for_containment`` shingles; both sets must hold at least
    ``min_shingles`` shingles.

    Examples
    --------
    >>> rule = SimilarityRule(0.8, 0.7, 0.3, 20, 100)
    >>> rule.accepts(0.85, 0.9, 100, 120), rule.accepts(0.4, 0.95, 100, 250)
    (True, True)
    >>> rule.accepts(0.25, 0.95, 100, 400), rule.accepts(1.0, 1.0, 5, 5)
    (False, False)
    >>> rule.accepts(0.6, 0.9, 45, 50), rule.accepts(0.85, 0.9, 45, 50)
    (False, True)
    """

    jaccard_threshold: float
    containment_threshold: float
    min_jaccard_for_containment: float
    min_shingles: int
    min_shingles_for_containment: int = 0

    @classmethod
    def of(cls, config: DedupConfig) -> SimilarityRule:
        """The rule of a detector configuration.

        Examples
        --------
        >>> SimilarityRule.of(DedupConfig(jaccard_threshold=0.9)).jaccard_threshold
        0.9
        """
        return cls(
            config.jaccard_threshold,
            config.containment_threshold,
            config.min_jaccard_for_containment,
            config.min_shingles,
            config.min_shingles_for_containment,
        )

    def accepts(self, jaccard: float, containment: float, size_a: int, size_b: int) -> bool:
        """Whether one pair with these exact similarities is a duplicate."""
        return bool(
            self.accepts_many(
                np.array([jaccard]), np.array([containment]), np.array([size_a]), np.array([size_b])
            )[0]
        )

    def accepts_many(
        self,
        jaccard: F64Array,
        containment: F64Array,
        size_a: npt.NDArray[np.int64],
        size_b: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.bool_]:
        """Vectorized :meth:`accepts`."""
        big_enough = np.minimum(size_a, size_b) >= self.min_shingles
        by_jaccard = jaccard >= self.jaccard_threshold
        by_containment = (
            (containment >= self.containment_threshold)
            & (jaccard >= self.min_jaccard_for_containment)
            & (np.minimum(size_a, size_b) >= self.min_shingles_for_containment)
        )
        return big_enough & (by_jaccard | by_containment)

    @property
    def jaccard_floor(self) -> float:
        """The lowest Jaccard any accepted pair can have."""
        return min(self.jaccard_threshold, self.min_jaccard_for_containment)


def exact_groups(shingles: ShingleSets) -> npt.NDArray[np.int64]:
    """For each text, the index of the first text with the identical shingle set.

    Empty sets are never grouped (each is its own group).

    Examples
    --------
    >>> from dedup.shingle import shingle_texts
    >>> exact_groups(shingle_texts(["وزير النفط", "وزير", "وزير النفط", ""], 5)).tolist()
    [0, 1, 0, 3]
    """
    first_of: dict[bytes, int] = {}
    groups = np.arange(len(shingles), dtype=np.int64)
    sizes = shingles.sizes
    for index in range(len(shingles)):
        if sizes[index] == 0:
            continue
        digest = hashlib.blake2b(shingles.of(index).tobytes(), digest_size=16).digest()
        groups[index] = first_of.setdefault(digest, index)
    return groups


def estimated_jaccard(signatures: npt.NDArray[np.uint32], pairs: npt.NDArray[np.int64]) -> F64Array:
    """MinHash estimate (share of equal slots) for each pair; used only to prefilter."""
    return estimated_between(signatures, pairs[:, 0], signatures, pairs[:, 1])


def exact_similarities(
    shingles: ShingleSets, pairs: npt.NDArray[np.int64]
) -> tuple[F64Array, F64Array]:
    """Exact Jaccard and containment (overlap / smaller set) of each pair.

    A pair with an empty set has similarity 0: empty sets never match.

    Examples
    --------
    >>> import numpy as np
    >>> from dedup.shingle import shingle_texts
    >>> sets = shingle_texts(["وزير النفط يزور", "وزير النفط", ""], 5)
    >>> j, c = exact_similarities(sets, np.array([[0, 1], [0, 2]]))
    >>> j.round(2).tolist(), c.round(2).tolist()
    ([0.55, 0.0], [1.0, 0.0])
    """
    count = len(pairs)
    intersections = np.zeros(count, dtype=np.int64)
    for row in range(count):
        left = shingles.of(int(pairs[row, 0]))
        right = shingles.of(int(pairs[row, 1]))
        if len(left) and len(right):
            if len(left) > len(right):
                left, right = right, left
            positions = np.searchsorted(right, left)
            positions[positions == len(right)] = 0
            intersections[row] = int(np.count_nonzero(right[positions] == left))
    # Only the pairs' own sizes: the clusters ask for one pair at a time, and a diff of
    # every offset per call grew with the corpus.
    offsets = shingles.offsets
    ends = pairs.reshape(-1, 2).astype(np.int64)
    size_a = offsets[ends[:, 0] + 1] - offsets[ends[:, 0]]
    size_b = offsets[ends[:, 1] + 1] - offsets[ends[:, 1]]
    union = size_a + size_b - intersections
    smaller = np.minimum(size_a, size_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        jaccard = np.where(union > 0, intersections / np.maximum(union, 1), 0.0)
        containment = np.where(smaller > 0, intersections / np.maximum(smaller, 1), 0.0)
    return jaccard.astype(np.float64), containment.astype(np.float64)


def estimated_between(
    left: npt.NDArray[np.uint32],
    left_rows: npt.NDArray[np.int64],
    right: npt.NDArray[np.uint32],
    right_rows: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """MinHash estimate (share of equal slots) of ``left[left_rows[i]]`` and
    ``right[right_rows[i]]`` for each ``i``; used only to prefilter.

    Examples
    --------
    >>> sig = np.array([[1, 2, 3, 4], [1, 2, 9, 9]], dtype=np.uint32)
    >>> estimated_between(sig, np.array([0, 0]), sig, np.array([0, 1])).tolist()
    [1.0, 0.5]
    """
    estimates = np.empty(len(left_rows), dtype=np.float64)
    step = 1 << 15  # pairs per block: two 16 MiB comparison operands at 128 slots
    for begin in range(0, len(left_rows), step):
        block = slice(begin, begin + step)
        equal = left[left_rows[block]] == right[right_rows[block]]
        estimates[block] = equal.mean(axis=1)
    return estimates


def minimum_estimate(config: DedupConfig, sigmas: float = PREFILTER_SIGMAS) -> float:
    """The lowest MinHash estimate a candidate may have to be verified exactly.

    ``sigmas`` standard deviations of the estimate (``sqrt(J (1 - J) / num_perm)``) under
    the lowest Jaccard the rule can accept.

    Examples
    --------
    >>> round(minimum_estimate(DedupConfig()), 3)
    0.178
    """
    floor = SimilarityRule.of(config).jaccard_floor
    sigma = math.sqrt(max(floor * (1 - floor), 1e-6) / config.num_perm)
    return floor - sigmas * sigma


def too_far_apart(
    jaccard: npt.NDArray[np.float64],
    first: npt.NDArray[np.float64],
    second: npt.NDArray[np.float64],
    config: DedupConfig,
) -> npt.NDArray[np.bool_]:
    """Which containment matches join articles published too far apart to be copies.

    ``first`` and ``second`` are publication times in seconds (NaN when undated, which is
    never too far). Pairs at or above ``jaccard_threshold`` are copies whatever their dates.

    Examples
    --------
    >>> day = 86400.0
    >>> too_far_apart(np.array([0.5, 0.5, 0.9, 0.5]), np.array([0.0, 0.0, 0.0, np.nan]),
    ...               np.array([3 * day, 15 * day, 15 * day, 0.0]), DedupConfig()).tolist()
    [False, True, False, False]
    """
    limit = config.containment_max_days_apart
    if limit is None:
        return np.zeros(len(jaccard), dtype=bool)
    with np.errstate(invalid="ignore"):
        gap = np.abs(first - second)
        # NaN (an undated side) compares False: never too far apart.
        return (jaccard < config.jaccard_threshold) & (gap > limit * _SECONDS_PER_DAY)


def _accept_by_passages(
    pairs: npt.NDArray[np.int64],
    jaccard: npt.NDArray[np.float64],
    containment: npt.NDArray[np.float64],
    accepted: npt.NDArray[np.bool_],
    sizes: npt.NDArray[np.int64],
    texts: Sequence[str],
    config: DedupConfig,
) -> npt.NDArray[np.bool_]:
    """Pairs the 5-gram rule missed whose shorter text is mostly long verbatim passages.

    Only pairs with Jaccard >= ``min_jaccard_for_containment`` and 5-gram containment
    >= ``passage_containment_threshold`` are looked at (every shared passage brings its
    5-grams along, so the passage containment is hardly ever the higher of the two); their
    texts are shingled again in ``_PASSAGE_CHARS``-character windows.
    """
    threshold = config.passage_containment_threshold
    result = np.zeros(len(pairs), dtype=bool)
    if threshold is None or not len(pairs):
        return result
    maybe = (
        ~accepted
        & (jaccard >= config.min_jaccard_for_containment)
        & (containment >= threshold)
        & (
            np.minimum(sizes[pairs[:, 0]], sizes[pairs[:, 1]])
            >= max(config.min_shingles, config.min_shingles_for_containment)
        )
    )
    if not maybe.any():
        return result
    involved, local = distinct_with_inverse(pairs[maybe].ravel())
    scores = passage_containment([texts[i] for i in involved.tolist()], local.reshape(-1, 2))
    result[np.flatnonzero(maybe)[scores >= threshold]] = True
    return result


def passage_containment(texts: Sequence[str], pairs: npt.NDArray[np.int64]) -> F64Array:
    """Share of the shorter text's 40-character windows found verbatim in the other, per pair.

    Examples
    --------
    >>> lead = "خبر جديد في صدر المقال يسبق النص المنقول كما هو من الوكالة "
    >>> body = "اعلنت وزارة النفط اليوم زيادة صادرات الخام عبر موانئ البصرة الجنوبية"
    >>> float(passage_containment([body, lead + body], np.array([[0, 1]]))[0])
    1.0
    """
    passages = shingle_texts(list(texts), _PASSAGE_CHARS)
    _, contained = exact_similarities(passages, pairs)
    return contained


def pair_relation(text_a: str, text_b: str, jaccard: float, config: DedupConfig) -> Relation:
    """The relation of one accepted pair: exact, template, or read from its passages.

    Examples
    --------
    >>> body = "اعلنت وزارة النفط اليوم زيادة صادرات الخام عبر موانئ البصرة الجنوبية"
    >>> pair_relation(body, body + " وقال الوزير", 0.9, DedupConfig())
    'near'
    """
    if jaccard >= 1.0:
        return "exact"
    if config.template_guard and template_verdict(text_a, text_b).is_template:
        return "template"
    if jaccard >= config.jaccard_threshold:
        return "near"
    if config.template_guard and (out_of_order(text_a, text_b) or own_fact_words(text_a, text_b)):
        return "template"
    return relation_of(passage_layout(text_a, text_b)).relation


def _relations(
    pairs: npt.NDArray[np.int64],
    jaccard: npt.NDArray[np.float64],
    texts: Sequence[str],
    config: DedupConfig,
    pool: WorkerPool | None = None,
) -> list[Relation]:
    """:func:`pair_relation` of every accepted pair; with a ``pool`` of more than one
    process, a chunk of pairs per task (:func:`relation_chunk`), results in pair order."""
    rows = [
        (left, right, j) for (left, right), j in zip(pairs.tolist(), jaccard.tolist(), strict=True)
    ]
    if pool is None or pool.jobs == 1 or len(rows) <= _RELATION_CHUNK:
        return [pair_relation(texts[left], texts[right], j, config) for left, right, j in rows]
    settings = config.to_dict()
    payloads = [
        _relation_payload(rows[span.start : span.stop], texts, settings)
        for span in chunked(len(rows), _RELATION_CHUNK)
    ]
    return [relation for chunk in pool.map("relations", payloads) for relation in chunk]


def _relation_payload(
    rows: Sequence[tuple[int, int, float]], texts: Sequence[str], settings: dict[str, Any]
) -> dict[str, Any]:
    """A chunk's pairs as positions in its own list of texts (each text sent once)."""
    position: dict[int, int] = {}
    for left, right, _ in rows:
        position.setdefault(left, len(position))
        position.setdefault(right, len(position))
    return {
        "config": settings,
        "texts": [texts[index] for index in position],
        "pairs": [[position[left], position[right], j] for left, right, j in rows],
    }


def relation_chunk(payload: dict[str, Any]) -> list[str]:
    """:func:`pair_relation` for a chunk of accepted pairs (a worker task).

    ``payload``: ``config`` (:meth:`DedupConfig.to_dict`), ``texts`` and ``pairs``
    (``[i, j, jaccard]``, positions in ``texts``). A float's JSON text reads back as the
    same float, so the relations are those of the calling process.

    Examples
    --------
    >>> body = "اعلنت وزارة النفط اليوم زيادة صادرات الخام عبر موانئ البصرة الجنوبية"
    >>> relation_chunk({"config": {}, "texts": [body, body + " وقال الوزير"],
    ...                 "pairs": [[0, 1, 0.9], [0, 0, 1.0]]})
    ['near', 'exact']
    """
    config = DedupConfig.from_dict(payload["config"])
    texts = payload["texts"]
    return [
        pair_relation(texts[left], texts[right], float(j), config)
        for left, right, j in payload["pairs"]
    ]


def verify_pairs(
    candidates: npt.NDArray[np.int64],
    shingles: ShingleSets,
    signatures: npt.NDArray[np.uint32],
    texts: Sequence[str],
    config: DedupConfig,
    timestamps: npt.NDArray[np.float64] | None = None,
    pool: WorkerPool | None = None,
) -> VerifiedPairs:
    """Exact verification of LSH candidates; returns accepted pairs with similarities.

    Returns the accepted index pairs, their Jaccard and containment, their
    relation (``"near"`` or ``"template"``), and counts per step.
    ``timestamps`` (seconds, NaN when undated; one per shingle set) apply
    ``config.containment_max_days_apart``; without them no pair is too far apart.
    ``pool`` reads the accepted pairs' relations in its processes (the same result).
    """
    rule = SimilarityRule.of(config)
    estimates = estimated_jaccard(signatures, candidates)
    survivors = candidates[estimates >= minimum_estimate(config)]
    jaccard, containment = exact_similarities(shingles, survivors)
    sizes = shingles.sizes
    accepted = (
        rule.accepts_many(jaccard, containment, sizes[survivors[:, 0]], sizes[survivors[:, 1]])
        if len(survivors)
        else np.zeros(0, dtype=bool)
    )
    by_passages = _accept_by_passages(
        survivors, jaccard, containment, accepted, sizes, texts, config
    )
    accepted |= by_passages
    too_far = np.zeros(len(survivors), dtype=bool)
    if timestamps is not None and len(survivors):
        too_far = accepted & too_far_apart(
            jaccard, timestamps[survivors[:, 0]], timestamps[survivors[:, 1]], config
        )
        accepted &= ~too_far
    pairs = survivors[accepted]
    jaccard, containment = jaccard[accepted], containment[accepted]
    relations = _relations(pairs, jaccard, texts, config, pool)
    counts = {
        "candidates": len(candidates),
        "prefiltered_out": int(len(candidates) - len(survivors)),
        "verified_exactly": len(survivors),
        "accepted_by_passages": int(np.count_nonzero(by_passages & ~too_far)),
        "too_far_apart": int(np.count_nonzero(too_far)),
        "accepted_pairs": len(pairs),
    }
    return pairs, jaccard, containment, relations, counts


def join_verified(blocks: Sequence[VerifiedPairs]) -> VerifiedPairs:
    """Blocks of :func:`verify_pairs` results (candidates split in order) joined as one call
    over all of them would give them: pairs, similarities and relations end to end, counts
    summed (every driver verifies in blocks)."""
    counts: Counter[str] = Counter()
    for found in blocks:
        counts.update(found[4])
    return (
        np.concatenate([b[0] for b in blocks]).reshape(-1, 2),
        np.concatenate([b[1] for b in blocks]),
        np.concatenate([b[2] for b in blocks]),
        [relation for b in blocks for relation in b[3]],
        {key: counts[key] for key in blocks[0][4]},
    )
