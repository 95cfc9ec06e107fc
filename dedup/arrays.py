"""Array helpers shared by the stages: distinct values of large integer arrays.

``np.unique`` on this project's numpy (2.4) finds distinct values through a hash table,
which costs far more than sorting once the array outgrows the CPU caches. Measured on
2.2 million int64 candidate-pair codes (half of them repeated): ``np.unique`` 1.7 s,
sort and compare neighbours 49 ms; at 100,000 values 28 ms against 3.5 ms. The scan's
LSH candidate pairs (35 million at 100k articles) and an index batch's bucket members
(1.5 million) are arrays of that kind, so their distinct values are found by sorting.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

__all__ = ["distinct", "distinct_with_inverse"]

_Int = TypeVar("_Int", bound=np.integer)


def distinct(values: npt.NDArray[_Int]) -> npt.NDArray[_Int]:
    """The sorted distinct values of an integer array, as ``np.unique(values)``.

    Parameters
    ----------
    values
        Integer array of any shape (flattened, as ``np.unique`` does).

    Returns
    -------
    numpy.ndarray
        One-dimensional, ascending, same dtype.

    Examples
    --------
    >>> distinct(np.array([7, 3, 7, 1, 3], dtype=np.int64)).tolist()
    [1, 3, 7]
    """
    ordered = np.sort(values, axis=None)
    if len(ordered) < 2:
        return ordered
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def distinct_with_inverse(
    values: npt.NDArray[_Int],
) -> tuple[npt.NDArray[_Int], npt.NDArray[np.int64]]:
    """As ``np.unique(values, return_inverse=True)`` for a one-dimensional integer array.

    Returns the sorted distinct values and, for each input value, its position among them
    (``distinct[inverse] == values``). Measured on 2.2 million int64 values: 0.33 s
    against 0.59 s for ``np.unique``.

    Examples
    --------
    >>> found, where = distinct_with_inverse(np.array([7, 3, 7, 1], dtype=np.int64))
    >>> found.tolist(), where.tolist()
    ([1, 3, 7], [2, 1, 2, 0])
    """
    order = np.argsort(values)  # equal values may come in any order: the result is the same
    ordered = values[order]
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse
