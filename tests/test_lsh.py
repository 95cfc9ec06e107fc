"""LSH banding: the vectorized candidates against datasketch MinHashLSH and brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from dedup import DedupConfig
from dedup.lsh import (
    KNOWN_BANDS_ROWS,
    candidate_pairs,
    candidate_pairs_datasketch,
    optimal_bands_rows,
)


def brute_force_pairs(signatures: np.ndarray, bands: int, rows: int) -> list[list[int]]:
    """(i, j), i < j, that agree on every slot of at least one band."""
    found = []
    for i, j in itertools.combinations(range(len(signatures)), 2):
        for band in range(bands):
            window = slice(band * rows, (band + 1) * rows)
            if (signatures[i, window] == signatures[j, window]).all():
                found.append([i, j])
                break
    return found


@st.composite
def colliding_signatures(draw: st.DrawFn) -> tuple[np.ndarray, int, int]:
    """Signatures over a tiny value range, so that bands collide often."""
    num_perm = draw(st.sampled_from([8, 16, 32]))
    rows = draw(st.integers(1, 4))
    bands = draw(st.integers(1, num_perm // rows))
    count = draw(st.integers(0, 25))
    values = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    signatures = rng.integers(0, values + 1, size=(count, num_perm), dtype=np.uint32)
    # Plant some exact copies and some large values (byte order must not matter).
    if count >= 2:
        signatures[count - 1] = signatures[0]
        signatures[:, -1] = np.uint32(0xFFFFFFFF)
    return signatures, bands, rows


@settings(max_examples=150, deadline=None)
@given(colliding_signatures())
def test_candidate_pairs_equal_datasketch_and_brute_force(
    case: tuple[np.ndarray, int, int],
) -> None:
    signatures, bands, rows = case
    fast = candidate_pairs(signatures, bands=bands, rows=rows)
    assert fast.dtype == np.int64
    assert fast.shape[1:] == (2,)
    assert fast.tolist() == brute_force_pairs(signatures, bands, rows)
    if bands >= 2:  # datasketch refuses a single band
        reference = candidate_pairs_datasketch(signatures, bands=bands, rows=rows)
        assert fast.tolist() == reference.tolist()


@pytest.mark.parametrize(("bands", "rows"), [(32, 4), (16, 8), (9, 13), (128, 1), (2, 64)])
def test_candidate_pairs_equal_datasketch_on_realistic_signatures(bands: int, rows: int) -> None:
    rng = np.random.default_rng(bands * 1000 + rows)
    base = rng.integers(0, 2**32, size=(40, 128), dtype=np.uint32)
    # Near copies: each of rows 40..119 copies one of 0..39 and redraws a share of slots.
    copies = base[rng.integers(0, 40, size=80)].copy()
    redraw = rng.random(copies.shape) < rng.random((80, 1))
    copies[redraw] = rng.integers(0, 2**32, size=int(redraw.sum()), dtype=np.uint32)
    signatures = np.vstack([base, copies])
    fast = candidate_pairs(signatures, bands=bands, rows=rows)
    assert len(fast) > 0
    assert fast.tolist() == candidate_pairs_datasketch(signatures, bands=bands, rows=rows).tolist()


def test_candidate_pairs_doc_example_by_hand() -> None:
    signatures = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [7, 7, 3, 4]], dtype=np.uint32)
    # band 0 = slots 0-1: rows 0 and 1 agree; band 1 = slots 2-3: rows 0 and 2 agree.
    assert candidate_pairs(signatures, bands=2, rows=2).tolist() == [[0, 1], [0, 2]]
    # One band of 4 rows: nobody agrees everywhere.
    assert candidate_pairs(signatures, bands=1, rows=4).tolist() == []


@pytest.mark.parametrize("count", [0, 1])
def test_no_pairs_from_fewer_than_two_signatures(count: int) -> None:
    pairs = candidate_pairs(np.zeros((count, 16), dtype=np.uint32), bands=4, rows=4)
    assert pairs.shape == (0, 2)


def test_trailing_permutations_beyond_bands_times_rows_are_ignored() -> None:
    signatures = np.array([[1, 1, 5], [1, 1, 6]], dtype=np.uint32)
    assert candidate_pairs(signatures, bands=1, rows=2).tolist() == [[0, 1]]
    assert candidate_pairs(signatures, bands=1, rows=3).tolist() == []


def test_bands_times_rows_above_num_perm_is_refused() -> None:
    signatures = np.zeros((3, 128), dtype=np.uint32)
    with pytest.raises(ValueError, match=r"bands\*rows = 130 exceeds num_perm = 128"):
        candidate_pairs(signatures, bands=10, rows=13)


# ---------------------------------------------------------------------------
# optimal_bands_rows


def test_optimal_bands_rows_datasketch_default_example() -> None:
    assert optimal_bands_rows(0.8, 128, (0.5, 0.5)) == (9, 13)


def _weighted_error(threshold: float, bands: int, rows: int, weights: tuple[float, float]) -> float:
    # The areas datasketch minimizes: false positives below the threshold, false
    # negatives above it, under P(candidate | s) = 1 - (1 - s^r)^b.
    def probability(s: float) -> float:
        return 1 - (1 - s ** float(rows)) ** float(bands)

    false_positive, _ = quad(probability, 0.0, threshold)
    false_negative, _ = quad(lambda s: 1 - probability(s), threshold, 1.0)
    return weights[0] * false_positive + weights[1] * false_negative


@pytest.mark.parametrize(("threshold", "weights"), [(0.3, (0.1, 0.9)), (0.8, (0.5, 0.5))])
def test_optimal_bands_rows_minimizes_the_weighted_error(
    threshold: float, weights: tuple[float, float]
) -> None:
    num_perm = 64
    bands, rows = optimal_bands_rows(threshold, num_perm, weights)
    assert bands * rows <= num_perm
    best = _weighted_error(threshold, bands, rows, weights)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            assert best <= _weighted_error(threshold, b, r, weights) + 1e-9


def test_config_bands_rows_come_from_the_optimizer() -> None:
    config = DedupConfig(candidate_threshold=0.4, num_perm=64, lsh_weights=(0.2, 0.8))
    assert config.bands_rows == optimal_bands_rows(0.4, 64, (0.2, 0.8))


@pytest.mark.parametrize("setting", sorted(KNOWN_BANDS_ROWS))
def test_kept_layouts_are_datasketchs_own(
    setting: tuple[float, int, tuple[float, float]],
) -> None:
    from datasketch.lsh import _optimal_param

    threshold, num_perm, (false_positive, false_negative) = setting
    expected = _optimal_param(threshold, num_perm, false_positive, false_negative)
    assert KNOWN_BANDS_ROWS[setting] == tuple(int(value) for value in expected)


def test_the_default_layout_is_kept() -> None:
    config = DedupConfig()
    key = (config.candidate_threshold, config.num_perm, config.lsh_weights)
    assert key in KNOWN_BANDS_ROWS
