"""Pairs near each threshold, for tuning: the candidates just under, the verified just over.

"Just over" comes from the run's verified pairs. "Just under" needs the candidates the run
did not keep, so the scan's own stages run again on the prepared texts: shingles,
signatures, the candidate stage (LSH and shared passages, :mod:`dedup.candidates`) and the
MinHash prefilter (:mod:`dedup.verify`; its bound taken at the bottom of the near windows), then
exact similarities, a block of candidates at a time as :func:`dedup.pipeline.scan` does.
The cost is that of the scan's candidate and verification stages (measured in
``benchmarks/README.md``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.candidates import candidate_pairs, fingerprints_of
from dedup.config import DedupConfig
from dedup.shingle import ShingleSets, concatenate, shingle_texts
from dedup.signature import minhash_signatures
from dedup.verify import PREFILTER_SIGMAS, estimated_jaccard, exact_similarities

__all__ = ["NearPair", "near_threshold_pairs"]

# Texts shingled and signed at once, and candidates verified at once: the scan's own block
# sizes (dedup/pipeline.py _SHINGLE_BATCH, _VERIFY_BLOCK), for the same memory bound.
_SHINGLE_BATCH = 4096
_VERIFY_BLOCK = 50_000


@dataclass(frozen=True, slots=True)
class NearPair:
    """A pair near a threshold: its ids, exact similarities and the run's relation ("" when
    the run did not keep it)."""

    a: str
    b: str
    jaccard: float
    containment: float
    relation: str


@dataclass(frozen=True)
class _Windows:
    """The two thresholds and the margin under / over them that counts as near."""

    jaccard: float
    containment: float
    floor: float
    margin: float


def near_threshold_pairs(
    ids: Sequence[str],
    texts: Sequence[str],
    pairs: Sequence[dict[str, Any]],
    config: DedupConfig,
    *,
    per_list: int = 50,
    margin: float = 0.1,
) -> dict[str, dict[str, list[NearPair]]]:
    """The pairs closest to each threshold, on either side.

    Parameters
    ----------
    ids, texts
        The accepted articles' ids and their texts as shingled
        (:func:`dedup.prepare.prepare_texts`).
    pairs
        The run's verified pairs (``pairs.jsonl`` records).
    config
        The run's parameters.
    per_list
        Pairs kept per list, the closest to the threshold first.
    margin
        How far under or over a threshold a pair may be.

    Returns
    -------
    dict
        ``{"jaccard": {"under": [...], "over": [...]}, "containment": {...}}``. Containment
        lists hold pairs under the Jaccard threshold with Jaccard at or above
        ``min_jaccard_for_containment`` (the pairs that rule decides).

    Examples
    --------
    >>> body = " ".join(f"كلمة{i}" for i in range(60))
    >>> found = near_threshold_pairs(["a", "b"], [body, body[:-100]], [], DedupConfig())
    >>> [(p.a, p.b, round(p.jaccard, 2)) for p in found["jaccard"]["under"]]
    [('a', 'b', 0.77)]
    """
    windows = _Windows(
        config.jaccard_threshold,
        config.containment_threshold,
        config.min_jaccard_for_containment,
        margin,
    )
    verified = {(p["a"], p["b"]) for p in pairs}
    under = _under(ids, texts, verified, config, windows)
    over = [
        NearPair(p["a"], p["b"], float(p["jaccard"]), float(p["containment"]), p["relation"])
        for p in pairs
    ]
    result: dict[str, dict[str, list[NearPair]]] = {}
    for rule in ("jaccard", "containment"):
        result[rule] = {
            "under": _closest(under, rule, windows, below=True, count=per_list),
            "over": _closest(over, rule, windows, below=False, count=per_list),
        }
    return result


def _in_window(pair: NearPair, rule: str, windows: _Windows, *, below: bool) -> bool:
    if rule == "jaccard":
        value, threshold = pair.jaccard, windows.jaccard
    else:
        if pair.jaccard >= windows.jaccard or pair.jaccard < windows.floor:
            return False
        value, threshold = pair.containment, windows.containment
    if below:
        return threshold - windows.margin <= value < threshold
    return threshold <= value < threshold + windows.margin


def _closest(
    found: Sequence[NearPair], rule: str, windows: _Windows, *, below: bool, count: int
) -> list[NearPair]:
    threshold = windows.jaccard if rule == "jaccard" else windows.containment
    inside = [p for p in found if _in_window(p, rule, windows, below=below)]
    inside.sort(key=lambda p: (abs(getattr(p, rule) - threshold), p.a, p.b))
    return inside[:count]


def _under(
    ids: Sequence[str],
    texts: Sequence[str],
    verified: set[tuple[str, str]],
    config: DedupConfig,
    windows: _Windows,
) -> list[NearPair]:
    """Candidates the run did not keep, with Jaccard or containment just under a threshold."""
    shingles, signatures = _signed(texts, config)
    matchable = np.flatnonzero(shingles.sizes >= config.min_shingles)
    fingerprints = fingerprints_of([texts[i] for i in matchable.tolist()], config)
    local = candidate_pairs(signatures[matchable], fingerprints, config)
    candidates = matchable[local] if len(local) else local.reshape(-1, 2)
    lowest = _lowest_estimate(windows, config.num_perm)
    found: list[NearPair] = []
    for start in range(0, len(candidates), _VERIFY_BLOCK):
        block = candidates[start : start + _VERIFY_BLOCK]
        block = block[estimated_jaccard(signatures, block) >= lowest]
        jaccard, containment = exact_similarities(shingles, block)
        near = _near_mask(jaccard, containment, windows)
        for (left, right), j, c in zip(
            block[near].tolist(), jaccard[near].tolist(), containment[near].tolist(), strict=True
        ):
            a, b = sorted((ids[left], ids[right]))
            if (a, b) not in verified:
                found.append(NearPair(a, b, j, c, ""))
    return found


def _lowest_estimate(windows: _Windows, num_perm: int) -> float:
    """The MinHash prefilter of :func:`dedup.verify.minimum_estimate` (3 standard deviations
    under the lowest Jaccard wanted), at the bottom of the near windows rather than at the
    rule's floor: a pair just under the threshold must not be dropped before it is measured."""
    floor = min(windows.jaccard - windows.margin, windows.floor)
    sigma = math.sqrt(max(floor * (1 - floor), 1e-6) / num_perm)
    return floor - PREFILTER_SIGMAS * sigma


def _near_mask(
    jaccard: npt.NDArray[np.float64], containment: npt.NDArray[np.float64], windows: _Windows
) -> npt.NDArray[np.bool_]:
    by_jaccard = (jaccard >= windows.jaccard - windows.margin) & (jaccard < windows.jaccard)
    by_containment = (
        (containment >= windows.containment - windows.margin)
        & (containment < windows.containment)
        & (jaccard >= windows.floor)
        & (jaccard < windows.jaccard)
    )
    return by_jaccard | by_containment


def _signed(
    texts: Sequence[str], config: DedupConfig
) -> tuple[ShingleSets, npt.NDArray[np.uint32]]:
    parts, signed = [], []
    for start in range(0, len(texts), _SHINGLE_BATCH):
        part = shingle_texts(list(texts[start : start + _SHINGLE_BATCH]), config.ngram)
        parts.append(part)
        signed.append(minhash_signatures(part, num_perm=config.num_perm, seed=config.seed))
    signatures = (
        np.concatenate(signed) if signed else np.zeros((0, config.num_perm), dtype=np.uint32)
    )
    return concatenate(parts, config.ngram), signatures
