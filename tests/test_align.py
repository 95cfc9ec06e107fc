"""Word alignment: the same opcodes as difflib, checked against difflib itself."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from judged import JUDGED, judged_pairs, judged_texts

from dedup import align
from dedup.align import Opcode, matching_blocks, opcodes

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def difflib_opcodes(a: Sequence[str], b: Sequence[str]) -> list[tuple[str, int, int, int, int]]:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def difflib_blocks(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int, int]]:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [tuple(block) for block in matcher.get_matching_blocks()]  # type: ignore[misc]


def numpy_opcodes(a: Sequence[str], b: Sequence[str], *, vector_min_runs: int) -> list[Opcode]:
    """The numpy path whatever the size (short inputs otherwise go to difflib)."""
    with (
        patch.object(align, "_NUMPY_MIN_WORDS", 0),
        patch.object(align, "_VECTOR_MIN_RUNS", vector_min_runs),
    ):
        return opcodes(a, b)


# Few distinct words, so that equal runs, ties between equally long runs and
# frequent words matching everywhere (the hard cases for tie-breaking) are common.
WORDS = st.sampled_from(["في", "من", "الي", "نقطه", "سابك", "3", "44.53", "الاحد"])
SEQUENCES = st.lists(WORDS, max_size=80)


@settings(max_examples=500, deadline=None)
@given(SEQUENCES, SEQUENCES, st.sampled_from([1, 4, 48]))
def test_same_opcodes_as_difflib(a: list[str], b: list[str], vector_min_runs: int) -> None:
    # vector_min_runs=1: every rectangle through numpy; 48: mostly plain loops.
    assert numpy_opcodes(a, b, vector_min_runs=vector_min_runs) == difflib_opcodes(a, b)
    assert matching_blocks(a, b) == difflib_blocks(a, b)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(WORDS, min_size=1, max_size=300),
    st.lists(st.tuples(st.integers(0, 299), st.integers(0, 4), st.lists(WORDS, max_size=5))),
)
def test_same_opcodes_as_difflib_for_near_copies(
    a: list[str], edits: list[tuple[int, int, list[str]]]
) -> None:
    # Long sequences with a few edits: many runs, so the vectorized branch runs too.
    b = list(a)
    for position, removed, inserted in edits:
        start = position % (len(b) + 1)
        b[start : start + removed] = inserted
    assert numpy_opcodes(a, b, vector_min_runs=4) == difflib_opcodes(a, b)
    assert opcodes(a, b) == difflib_opcodes(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [([], []), ([], ["في"]), (["في"], []), (["في"], ["من"]), (["في", "من"], ["في", "من"])],
)
def test_empty_and_tiny_sequences(a: list[str], b: list[str]) -> None:
    assert numpy_opcodes(a, b, vector_min_runs=1) == difflib_opcodes(a, b)


@pytest.mark.skipif(not JUDGED.exists(), reason="../shared/data not present")
def test_same_opcodes_as_difflib_on_judged_pairs() -> None:
    pairs = judged_pairs()
    words = {key: text.split() for key, text in judged_texts(pairs).items()}
    for pair in pairs:
        a, b = words[pair["a"]], words[pair["b"]]
        expected = difflib_opcodes(a, b)
        assert numpy_opcodes(a, b, vector_min_runs=48) == expected, (pair["a"], pair["b"])
