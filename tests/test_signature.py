"""MinHash signatures: bit-identical to datasketch 2.x fed the same shingles."""

from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import FIXED_POINT_LETTERS, char_ngrams, random_sentence

from dedup.shingle import shingle_hash32, shingle_texts
from dedup.signature import (
    EMPTY_HASH,
    SCHEME,
    minhash_signatures,
    permutations,
    to_lean_minhash,
)

# The chunk size inside minhash_signatures; batches below are built to cross it.
CHUNK = 2048


def datasketch_minhash(text: str, n: int, *, num_perm: int, seed: int) -> MinHash:
    """The reference: one datasketch MinHash updated with every shingle *string*."""
    sketch = MinHash(num_perm=num_perm, seed=seed, hashfunc=shingle_hash32, scheme="affine32")
    for shingle in sorted(char_ngrams(text, n)):
        sketch.update(shingle)
    return sketch


def assert_matches_datasketch(texts: list[str], n: int, *, num_perm: int, seed: int) -> None:
    signatures = minhash_signatures(shingle_texts(texts, n), num_perm=num_perm, seed=seed)
    assert signatures.shape == (len(texts), num_perm)
    assert signatures.dtype == np.uint32
    for row, text in zip(signatures, texts, strict=True):
        expected = datasketch_minhash(text, n, num_perm=num_perm, seed=seed).hashvalues
        np.testing.assert_array_equal(row, expected)


def test_scheme_is_affine32() -> None:
    assert SCHEME == "affine32"
    assert int(EMPTY_HASH) == 0xFFFFFFFF


@pytest.mark.parametrize("num_perm", [16, 128, 256])
@pytest.mark.parametrize("seed", [1, 7, 2**31 + 5])
def test_signatures_equal_datasketch(num_perm: int, seed: int) -> None:
    rng = random.Random(num_perm * 1000 + seed)
    texts = [random_sentence(rng, rng.randint(1, 30)) for _ in range(12)]
    texts += ["", "بب", "وزير النفط"]
    assert_matches_datasketch(texts, 5, num_perm=num_perm, seed=seed)


@settings(max_examples=40, deadline=None)
@given(
    texts=st.lists(
        st.text(st.sampled_from(FIXED_POINT_LETTERS[:6] + " "), max_size=40), max_size=6
    ),
    n=st.integers(2, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_signatures_equal_datasketch_property(texts: list[str], n: int, seed: int) -> None:
    assert_matches_datasketch(texts, n, num_perm=16, seed=seed)


@pytest.mark.parametrize("num_perm", [16, 128])
def test_empty_sets_have_the_empty_minhash_signature(num_perm: int) -> None:
    signatures = minhash_signatures(
        shingle_texts(["", "ب", "وزير النفط", "بب"], 5), num_perm=num_perm
    )
    empty = MinHash(num_perm=num_perm, seed=1, scheme="affine32").hashvalues
    assert (empty == 0xFFFFFFFF).all()
    for row in (0, 1, 3):
        np.testing.assert_array_equal(signatures[row], empty)
    assert not (signatures[2] == 0xFFFFFFFF).all()


def test_all_empty_and_zero_text_batches() -> None:
    assert minhash_signatures(shingle_texts([], 5), num_perm=16).shape == (0, 16)
    all_empty = minhash_signatures(shingle_texts(["", "ب"], 5), num_perm=16)
    assert (all_empty == 0xFFFFFFFF).all()


def test_batch_spanning_many_chunks_with_empty_texts_between() -> None:
    rng = random.Random(3)
    texts = []
    for _ in range(60):
        texts.append(random_sentence(rng, rng.randint(5, 40)))
        if rng.random() < 0.3:
            texts.append("")
    sets = shingle_texts(texts, 5)
    assert int(sets.sizes.sum()) > 3 * CHUNK  # the batch really crosses chunk boundaries
    assert_matches_datasketch(texts, 5, num_perm=128, seed=11)


def test_single_text_larger_than_a_chunk() -> None:
    rng = random.Random(4)
    big = random_sentence(rng, 900)
    texts = ["وزير النفط", big, "", "وزير"]
    assert int(shingle_texts([big], 5).sizes[0]) > CHUNK
    assert_matches_datasketch(texts, 5, num_perm=64, seed=1)


def test_text_order_in_the_batch_does_not_change_its_signature() -> None:
    rng = random.Random(5)
    texts = [random_sentence(rng, rng.randint(3, 200)) for _ in range(30)]
    forward = minhash_signatures(shingle_texts(texts, 5))
    backward = minhash_signatures(shingle_texts(texts[::-1], 5))
    np.testing.assert_array_equal(forward, backward[::-1])


# ---------------------------------------------------------------------------
# to_lean_minhash


@pytest.mark.parametrize("seed", [1, 42])
def test_to_lean_minhash_equals_datasketch_lean_minhash(seed: int) -> None:
    text = "أعلنت وزارة النفط العراقية اليوم زيادة الصادرات"
    signature = minhash_signatures(shingle_texts([text], 5), num_perm=128, seed=seed)[0]
    lean = to_lean_minhash(signature, seed=seed)
    reference = LeanMinHash(datasketch_minhash(text, 5, num_perm=128, seed=seed))
    assert isinstance(lean, LeanMinHash)
    assert lean.scheme == "affine32"
    assert lean.seed == seed
    assert lean.jaccard(reference) == 1.0
    assert lean == reference


def test_to_lean_minhash_serialize_round_trip() -> None:
    signature = minhash_signatures(
        shingle_texts(["وزير النفط يزور البصرة"], 5), num_perm=64, seed=9
    )[0]
    lean = to_lean_minhash(signature, seed=9)
    buffer = bytearray(lean.bytesize())
    lean.serialize(buffer)
    restored = LeanMinHash.deserialize(buffer)
    assert restored == lean
    assert restored.seed == 9
    np.testing.assert_array_equal(restored.hashvalues, signature)


def test_lean_minhash_jaccard_estimates_the_overlap() -> None:
    # Sanity on the estimate: unrelated texts share (almost) no slots, copies all.
    rng = random.Random(6)
    a, b = random_sentence(rng, 80), random_sentence(rng, 80)
    signatures = minhash_signatures(shingle_texts([a, a, b], 5), num_perm=128)
    leans = [to_lean_minhash(s) for s in signatures]
    assert leans[0].jaccard(leans[1]) == 1.0
    assert leans[0].jaccard(leans[2]) < 0.1


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 512), st.integers(0, 2**31 - 1))
def test_permutations_are_datasketchs_draw(num_perm: int, seed: int) -> None:
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
    drawn_a, drawn_b = permutations(num_perm, seed)
    assert np.array_equal(drawn_a, a)
    assert np.array_equal(drawn_b, b)
    assert drawn_a.dtype == drawn_b.dtype == np.uint32
