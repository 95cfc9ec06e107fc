"""Cluster scores (pair precision/recall/F1, adjusted Rand index) and a brute-force oracle.

Pair scores treat a clustering as the set of pairs it puts together: a *false merge* is a
predicted pair whose two articles are in different gold clusters, a *miss* a gold pair the
prediction keeps apart. The counts come from the contingency table, so a 100k-article
clustering costs one ``np.unique``, never a list of pairs.

:func:`oracle_pairs` is the brute force: the exact intersection of every pair of shingle sets
(sparse product for rare shingles plus a dense BLAS product for the most common ones, a block
of rows at a time), so it finds every pair a rule accepts, which LSH only samples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from sklearn.metrics import adjusted_rand_score

__all__ = ["as_labels", "oracle_pairs", "pair_scores", "recall_of_pairs"]

IntArray = npt.NDArray[np.int64]


def as_labels(ids: Sequence[str], group_of: Mapping[str, str]) -> IntArray:
    """Integer cluster labels for ``ids``; an id missing from ``group_of`` is its own cluster."""
    codes: dict[str, int] = {}
    labels = np.empty(len(ids), dtype=np.int64)
    for index, article_id in enumerate(ids):
        key = group_of.get(article_id, f"\0{article_id}")
        labels[index] = codes.setdefault(key, len(codes))
    return labels


def _pairs_in(counts: IntArray) -> int:
    return int((counts * (counts - 1) // 2).sum())


def pair_scores(predicted: IntArray, gold: IntArray) -> dict[str, Any]:
    """Pair precision, recall, F1, false merges, misses and adjusted Rand index.

    Examples
    --------
    >>> import numpy as np
    >>> scores = pair_scores(np.array([0, 0, 0, 3]), np.array([0, 0, 2, 3]))
    >>> scores["true_pairs"], scores["false_merges"], scores["missed"], scores["recall"]
    (1, 2, 0, 1.0)
    """
    _, predicted_counts = np.unique(predicted, return_counts=True)
    _, gold_counts = np.unique(gold, return_counts=True)
    joint = predicted.astype(np.int64) * (int(gold.max(initial=0)) + 1) + gold
    _, joint_counts = np.unique(joint, return_counts=True)
    true_pairs = _pairs_in(joint_counts)
    predicted_pairs = _pairs_in(predicted_counts)
    gold_pairs = _pairs_in(gold_counts)
    precision = true_pairs / predicted_pairs if predicted_pairs else 1.0
    recall = true_pairs / gold_pairs if gold_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "ari": round(float(adjusted_rand_score(gold, predicted)), 4),
        "true_pairs": true_pairs,
        "false_merges": predicted_pairs - true_pairs,
        "missed": gold_pairs - true_pairs,
        "gold_pairs": gold_pairs,
    }


def recall_of_pairs(
    pairs: Sequence[tuple[str, str]], labels: IntArray, position: Mapping[str, int]
) -> tuple[int, int]:
    """(pairs put in one cluster, pairs known) for pairs whose two ids are both present."""
    known = [(position[a], position[b]) for a, b in pairs if a in position and b in position]
    together = sum(int(labels[i] == labels[j]) for i, j in known)
    return together, len(known)


Rule = Callable[
    [npt.NDArray[np.float64], npt.NDArray[np.float64], IntArray, IntArray], npt.NDArray[np.bool_]
]


def oracle_pairs(
    sets: Sequence[npt.NDArray[Any]],
    rule: Rule,
    *,
    dense_columns: int = 4096,
    block: int = 512,
) -> IntArray:
    """Every pair ``(i, j)``, ``i < j``, whose exact similarities ``rule`` accepts.

    Parameters
    ----------
    sets
        One array of distinct integer shingle ids (any integer dtype) per text.
    rule
        ``rule(jaccard, containment, size_i, size_j) -> mask``; containment is the overlap
        over the smaller set.
    dense_columns
        The most frequent shingles go through a dense matrix product (BLAS), the rest through
        a sparse one: the sparse product costs the sum of squared document frequencies, which
        common shingles would make quadratic.

    Examples
    --------
    >>> import numpy as np
    >>> sets = [np.array([1, 2, 3, 4]), np.array([1, 2, 3, 5]), np.array([9])]
    >>> oracle_pairs(sets, lambda j, c, a, b: j >= 0.6).tolist()
    [[0, 1]]
    """
    count = len(sets)
    sizes = np.array([len(s) for s in sets], dtype=np.int64)
    if count < 2 or sizes.sum() == 0:
        return np.empty((0, 2), dtype=np.int64)
    vocabulary, columns = np.unique(
        np.concatenate([np.asarray(s) for s in sets]), return_inverse=True
    )
    offsets = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    matrix = csr_matrix(
        (np.ones(len(columns), dtype=np.float32), columns, offsets), shape=(count, len(vocabulary))
    )
    frequency = np.bincount(columns, minlength=len(vocabulary))
    common = np.zeros(len(vocabulary), dtype=bool)
    common[np.argsort(-frequency, kind="stable")[:dense_columns]] = True
    dense = matrix[:, np.flatnonzero(common)].toarray()
    sparse = matrix[:, np.flatnonzero(~common)].tocsr()
    sparse_t = sparse.T.tocsr()
    found: list[IntArray] = []
    for start in range(0, count, block):
        stop = min(start + block, count)
        overlap = dense[start:stop] @ dense.T + (sparse[start:stop] @ sparse_t).toarray()
        rows, cols = np.nonzero(overlap > 0)
        upper = cols > rows + start
        rows, cols = rows[upper], cols[upper]
        inter = overlap[rows, cols].astype(np.float64)
        size_i, size_j = sizes[rows + start], sizes[cols]
        union = size_i + size_j - inter
        jaccard = inter / np.maximum(union, 1)
        containment = inter / np.maximum(np.minimum(size_i, size_j), 1)
        keep = rule(jaccard, containment, size_i, size_j)
        found.append(np.stack([rows[keep] + start, cols[keep]], axis=1).astype(np.int64))
    return np.concatenate(found) if found else np.empty((0, 2), dtype=np.int64)
