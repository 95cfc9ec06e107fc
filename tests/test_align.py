"""Word alignment: a longest common subsequence, checked against a dynamic programme."""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from judged import JUDGED, judged_pairs, judged_texts

from dedup.align import Opcode, matching_blocks, opcodes


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """The textbook O(len(a) · len(b)) table."""
    previous = [0] * (len(b) + 1)
    for word in a:
        current = [0]
        for j, other in enumerate(b):
            current.append(previous[j] + 1 if word == other else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def applied(a: Sequence[str], b: Sequence[str], ops: list[Opcode]) -> list[str]:
    """``a`` edited by ``ops`` (words of ``b`` where ``a``'s are replaced or inserted)."""
    out: list[str] = []
    for tag, i1, i2, j1, j2 in ops:
        out.extend(a[i1:i2] if tag == "equal" else b[j1:j2])
    return out


# Few distinct words, so that equal runs, ties between equally long alignments and frequent
# words matching everywhere are common.
WORDS = st.sampled_from(["في", "من", "الي", "نقطه", "سابك", "3", "44.53", "الاحد"])
SEQUENCES = st.lists(WORDS, max_size=80)


@settings(max_examples=500, deadline=None)
@given(SEQUENCES, SEQUENCES)
def test_blocks_are_a_longest_common_subsequence(a: list[str], b: list[str]) -> None:
    blocks = matching_blocks(a, b)
    assert blocks[-1] == (len(a), len(b), 0)
    runs = blocks[:-1]
    for i, j, k in runs:
        assert k > 0
        assert a[i : i + k] == b[j : j + k]
    for (i, j, k), (i2, j2, _) in itertools.pairwise(runs):
        assert i + k <= i2
        assert j + k <= j2
        assert (i + k, j + k) != (i2, j2), "adjacent runs are joined"
    assert sum(k for _, _, k in runs) == lcs_length(a, b)


@settings(max_examples=300, deadline=None)
@given(SEQUENCES, SEQUENCES)
def test_opcodes_turn_a_into_b(a: list[str], b: list[str]) -> None:
    ops = opcodes(a, b)
    assert applied(a, b, ops) == b
    position = (0, 0)
    for tag, i1, i2, j1, j2 in ops:
        assert (i1, j1) == position, "the opcodes cover both sequences in order"
        assert (tag == "equal") is (a[i1:i2] == b[j1:j2] and i2 > i1)
        assert tag != "replace" or (i2 > i1 and j2 > j1)
        position = (i2, j2)
    assert position == (len(a), len(b))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([], [], []),
        ([], ["في"], [("insert", 0, 0, 0, 1)]),
        (["في"], [], [("delete", 0, 1, 0, 0)]),
        (["في"], ["من"], [("replace", 0, 1, 0, 1)]),
        (["في", "من"], ["في", "من"], [("equal", 0, 2, 0, 2)]),
    ],
)
def test_empty_and_tiny_sequences(a: list[str], b: list[str], expected: list[Opcode]) -> None:
    assert opcodes(a, b) == expected


@pytest.mark.skipif(not JUDGED.exists(), reason="../shared/data not present")
def test_judged_pairs_match_at_least_what_difflib_matched() -> None:
    """The LCS never matches fewer words than difflib's longest-run-first alignment, and on
    the judged copies it matches the same runs or more."""
    pairs = judged_pairs()
    words = {key: text.split() for key, text in judged_texts(pairs).items()}
    more = 0
    for pair in pairs:
        a, b = words[pair["a"]], words[pair["b"]]
        ours = sum(k for _, _, k in matching_blocks(a, b))
        theirs = sum(
            block.size
            for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
        )
        assert ours >= theirs, (pair["a"], pair["b"])
        more += ours > theirs
    assert more < len(pairs)
