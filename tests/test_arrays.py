"""The sort-based distinct values give exactly what np.unique gives."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from dedup.arrays import distinct, distinct_with_inverse

_DTYPES = (np.int64, np.uint32, np.uint64)


@given(st.lists(st.integers(0, 2**32 - 1), max_size=300), st.sampled_from(_DTYPES), st.booleans())
def test_distinct_is_np_unique(values: list[int], dtype: type, as_pairs: bool) -> None:
    array = np.array(values, dtype=dtype)
    if as_pairs:  # np.unique flattens a 2-D array, and so does distinct
        array = array[: len(array) // 2 * 2].reshape(-1, 2)
    found = distinct(array)
    expected = np.unique(array)
    assert found.dtype == expected.dtype
    assert found.tolist() == expected.tolist()


@given(st.lists(st.integers(-(2**40), 2**40), max_size=300))
def test_distinct_with_inverse_is_np_unique(values: list[int]) -> None:
    array = np.array(values, dtype=np.int64)
    found, where = distinct_with_inverse(array)
    expected, expected_where = np.unique(array, return_inverse=True)
    assert found.tolist() == expected.tolist()
    assert where.ravel().tolist() == expected_where.ravel().tolist()
    assert found[where].tolist() == values
