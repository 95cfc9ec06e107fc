"""Shingling: the vectorized batch against the obvious per-n-gram reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import shingle_text

import dedup.shingle as shingle_module
from dedup.shingle import ShingleSets, low32, shingle_hash32, shingle_hash64, shingle_texts

_MASK64 = (1 << 64) - 1


def fnv1a64(text: str) -> int:
    """FNV-1a 64 over code points (offset basis and prime from the FNV specification)."""
    value = 0xCBF29CE484222325
    for char in text:
        value = ((value ^ ord(char)) * 0x100000001B3) & _MASK64
    return value


def fmix64(value: int) -> int:
    """MurmurHash3's 64-bit finalizer (constants from MurmurHash3.cpp)."""
    value ^= value >> 33
    value = (value * 0xFF51AFD7ED558CCD) & _MASK64
    value ^= value >> 33
    value = (value * 0xC4CEB9FE1A85EC53) & _MASK64
    return value ^ (value >> 33)


def reference(texts: list[str], n: int) -> list[list[int]]:
    return [sorted({shingle_hash64(t[i : i + n]) for i in range(len(t) - n + 1)}) for t in texts]


# ---------------------------------------------------------------------------
# Stability of the hash: the shingle hash is part of the output contract.


@pytest.mark.parametrize(
    ("text", "expected"),
    # Published FNV-1a 64-bit test vectors (ASCII code points = bytes).
    [("", 0xCBF29CE484222325), ("a", 0xAF63DC4C8601EC8C), ("foobar", 0x85944171F73967E8)],
)
def test_reference_fnv_matches_published_vectors(text: str, expected: int) -> None:
    assert fnv1a64(text) == expected


@pytest.mark.parametrize(
    ("shingle", "expected"),
    # Computed with fnv1a64 + fmix64 above, in a session that never imported dedup.
    [
        ("بغداد", 0xB39B4C1B7C8FD5BD),
        ("وزير ", 0x155C1816F56A5D74),
        ("الرياض", 0x743B242D7B3E5346),
        ("نفط 2023", 0x4F7FB46D66350668),
        ("a", 0x82A2A958A9BECE5B),
    ],
)
def test_shingle_hash64_pinned_values(shingle: str, expected: int) -> None:
    assert shingle_hash64(shingle) == expected
    assert shingle_hash32(shingle) == expected & 0xFFFFFFFF


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_shingle_hash64_is_fnv1a_then_fmix64(text: str) -> None:
    assert shingle_hash64(text) == fmix64(fnv1a64(text))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_hash32_is_the_low_half_of_hash64(text: str) -> None:
    assert shingle_hash32(text) == shingle_hash64(text) & 0xFFFFFFFF
    assert 0 <= shingle_hash32(text) < 2**32


def test_low32_is_the_low_half_of_each_hash() -> None:
    hashes = np.array([shingle_hash64(s) for s in ["بغداد", "وزير ", "a"]], dtype=np.uint64)
    assert low32(hashes).dtype == np.uint32
    assert low32(hashes).tolist() == [shingle_hash32(s) for s in ["بغداد", "وزير ", "a"]]


# ---------------------------------------------------------------------------
# The batch against the reference


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(shingle_text(), max_size=8), n=st.integers(1, 7))
def test_batch_equals_reference(texts: list[str], n: int) -> None:
    sets = shingle_texts(texts, n)
    assert len(sets) == len(texts)
    assert sets.ngram == n
    assert sets.hashes.dtype == np.uint64
    assert sets.offsets[0] == 0
    assert sets.offsets[-1] == len(sets.hashes)
    assert [sets.of(i).tolist() for i in range(len(texts))] == reference(texts, n)
    assert sets.sizes.tolist() == [len(r) for r in reference(texts, n)]


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(shingle_text(), max_size=12),
    n=st.integers(1, 7),
    chunk=st.integers(1, 40),
)
def test_batches_hashed_in_groups_equal_the_reference(texts: list[str], n: int, chunk: int) -> None:
    """Long batches are hashed in groups of texts; any group size gives the same sets."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(shingle_module, "_CHUNK_CHARACTERS", chunk)
        sets = shingle_texts(texts, n)
    assert len(sets) == len(texts)
    assert sets.offsets[-1] == len(sets.hashes)
    assert sets.hashes.dtype == np.uint64
    assert [sets.of(i).tolist() for i in range(len(texts))] == reference(texts, n)


@pytest.mark.parametrize("n", [2, 5, 9])
def test_texts_shorter_than_n_and_empty_texts_have_empty_sets(n: int) -> None:
    texts = ["", "ب" * (n - 1), "ب" * n, "", "ابتث" * 5]
    sets = shingle_texts(texts, n)
    assert sets.sizes.tolist()[:4] == [0, 0, 1, 0]
    assert [sets.of(i).tolist() for i in range(5)] == reference(texts, n)


def test_no_shingle_crosses_a_text_boundary() -> None:
    # "ab|cd" laid end to end holds "abc" and "bcd"; neither may appear.
    sets = shingle_texts(["ab", "cd", "abc"], 3)
    assert sets.sizes.tolist() == [0, 0, 1]
    assert sets.of(2).tolist() == [shingle_hash64("abc")]


def test_repeated_shingles_counted_once_per_text_but_in_every_text() -> None:
    sets = shingle_texts(["ببببببب", "ببببببب"], 3)
    assert sets.sizes.tolist() == [1, 1]
    assert sets.of(0).tolist() == sets.of(1).tolist() == [shingle_hash64("ببب")]


def test_non_bmp_characters_are_one_code_point_each() -> None:
    text = "\U0001ee00\U0001f600ب"  # two astral characters and one BMP letter
    sets = shingle_texts([text], 2)
    assert sets.of(0).tolist() == sorted({shingle_hash64(text[:2]), shingle_hash64(text[1:])})


def test_empty_batch() -> None:
    sets = shingle_texts([], 5)
    assert len(sets) == 0
    assert sets.offsets.tolist() == [0]
    assert len(sets.hashes) == 0


@pytest.mark.parametrize("one_string", ["وزير النفط", ""])
def test_a_single_string_is_refused(one_string: str) -> None:
    with pytest.raises(TypeError, match="not one string; wrap it in a list"):
        shingle_texts(one_string, 5)


# ---------------------------------------------------------------------------
# ShingleSets.take


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(shingle_text(), min_size=1, max_size=6), data=st.data())
def test_take_selects_texts_in_the_given_order(texts: list[str], data: st.DataObject) -> None:
    sets = shingle_texts(texts, 3)
    indices = data.draw(st.lists(st.integers(0, len(texts) - 1), max_size=8))
    taken = sets.take(indices)
    assert isinstance(taken, ShingleSets)
    assert len(taken) == len(indices)
    assert taken.ngram == 3
    assert taken.hashes.dtype == np.uint64
    assert [taken.of(k).tolist() for k in range(len(indices))] == [
        sets.of(i).tolist() for i in indices
    ]
    assert taken.sizes.tolist() == [int(sets.sizes[i]) for i in indices]


def test_take_accepts_a_numpy_index_array() -> None:
    sets = shingle_texts(["وزير النفط", "", "وزير"], 2)
    taken = sets.take(np.array([2, 0], dtype=np.intp))
    assert taken.of(0).tolist() == sets.of(2).tolist()
    assert taken.of(1).tolist() == sets.of(0).tolist()
