"""Word alignment: :class:`difflib.SequenceMatcher`'s opcodes, computed from array code.

:func:`opcodes` returns exactly what ``SequenceMatcher(None, a, b,
autojunk=False).get_opcodes()`` returns for two word sequences, the same
blocks and the same tie-breaks, only faster on texts of a few hundred words
and more (the template guard aligns every verified pair, see
:mod:`dedup.template`).

difflib finds the longest common run of words in the whole range, then
recurses on the parts left and right of it, visiting every pair of equal words
at each level of the recursion in Python. Here every pair of equal words is
laid out once with numpy and merged into the *maximal diagonal runs* (``a[i:i +
k] == b[j:j + k]``, extendable neither way). The longest common run inside any
rectangle ``a[alo:ahi] × b[blo:bhi]`` is one of these runs cut to the
rectangle, so each step of difflib's recursion becomes "cut the runs that
touch the rectangle, take the longest (ties: smallest ``i``, then smallest
``j``, as difflib)": vectorized while many runs touch it, a short loop when
few do.

Short texts (a few hundred words together) are left to difflib, which is
faster there.

Without junk (no ``isjunk``, ``autojunk=False``) difflib's extension of a
match over junk words does nothing, so the longest run is its whole answer.
"""

from __future__ import annotations

import difflib
from bisect import bisect_left
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import count, repeat
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

__all__ = ["Opcode", "matching_blocks", "opcodes"]

Tag = Literal["replace", "delete", "insert", "equal"]
Opcode = tuple[Tag, int, int, int, int]
_Int64 = npt.NDArray[np.int64]
Match = tuple[int, int, int]  # a[i:i + k] == b[j:j + k]
Rect = tuple[int, int, int, int]  # alo, ahi, blo, bhi
Runs = tuple[_Int64, _Int64, _Int64]  # start in a, start in b, length

# Below this many words in the two texts together difflib itself is faster
# (numpy's fixed costs; on verified pairs of saudinewsnet, ant-multisource,
# ant-jawharafm and araplagdet: 160 vs 270 us at 100-200 words, 400 vs 340 us
# at 300-400, 970 vs 560 us at 600-1,000).
_NUMPY_MIN_WORDS: Final = 300
# Below this many runs in a rectangle a plain loop beats a dozen numpy calls
# (each costs a microsecond or two whatever its size; measured on real pairs).
_VECTOR_MIN_RUNS: Final = 48


@dataclass(frozen=True)
class _Occurrences:
    """Where each word of ``a`` occurs in ``b``: ``positions[first[w]:first[w] + count[w]]``."""

    ids_a: list[int]
    first: list[int]
    count: list[int]
    positions: list[int]  # ascending within each word

    def first_match(self, rect: Rect) -> Match:
        """Smallest ``i``, then ``j``, with ``a[i] == b[j]`` in ``rect``, else ``(alo, blo, 0)``."""
        alo, ahi, blo, bhi = rect
        for i in range(alo, ahi):
            word = self.ids_a[i]
            start = self.first[word]
            end = start + self.count[word]
            at = bisect_left(self.positions, blo, start, end)
            if at < end and self.positions[at] < bhi:
                return i, self.positions[at], 1
        return alo, blo, 0


def _runs(a: Sequence[Hashable], b: Sequence[Hashable]) -> tuple[Runs, _Occurrences]:
    """Every maximal run of two or more equal words, and where single words occur."""
    # Word ids through C-level map() calls: a per-word Python loop here was
    # half the time of the whole alignment.
    ids = dict(zip(dict.fromkeys(a), count(), strict=False))
    ids_a = np.fromiter(map(ids.__getitem__, a), np.int64, len(a))
    ids_b = np.fromiter(map(ids.get, b, repeat(-1)), np.int64, len(b))
    shared = np.flatnonzero(ids_b >= 0)
    order_b = shared[np.argsort(ids_b[shared], kind="stable")]
    count_b = np.bincount(ids_b[order_b], minlength=len(ids))
    first_b = np.cumsum(count_b) - count_b
    occurrences = _Occurrences(ids_a.tolist(), first_b.tolist(), count_b.tolist(), order_b.tolist())
    # Every pair (i, j) with a[i] == b[j]: each position in a with every
    # position of its word in b. Only pairs followed by an equal pair
    # (a[i + 1] == b[j + 1]) belong to runs of two or more words; most pairs
    # are frequent words meeting at random, so they are dropped before sorting.
    repeats = count_b[ids_a]
    i = np.repeat(np.arange(len(a), dtype=np.int64), repeats)
    within = np.arange(len(i), dtype=np.int64) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    j = order_b[np.repeat(first_b[ids_a], repeats) + within]
    inside = (i + 1 < len(a)) & (j + 1 < len(b))
    i, j = i[inside], j[inside]
    continued = ids_a[i + 1] == ids_b[j + 1]
    i, j = i[continued], j[continued]
    # Sort by diagonal (j - i), then i: a run is a stretch of consecutive keys,
    # one longer than the stretch. Two diagonals' keys are at least 2 apart, as
    # i < len(a) + 1.
    width = len(a) + 1
    keys = np.sort((j - i + len(a)) * width + i)
    starts = np.flatnonzero(np.concatenate(([True], np.diff(keys) != 1)))[: len(keys)]
    lengths = np.diff(np.append(starts, len(keys))) + 1
    start_i = keys[starts] % width
    start_j = keys[starts] // width - len(a) + start_i
    return (start_i, start_j, lengths), occurrences


def _cut_few(runs: list[Match], rect: Rect) -> tuple[list[Match], Match]:
    """The runs cut to ``rect`` (those that touch it) and the longest, ties to smallest i, j."""
    alo, ahi, blo, bhi = rect
    best_i, best_j, best_k = alo, blo, 0
    cut: list[Match] = []
    for i0, j0, length in runs:
        skip = max(alo - i0, blo - j0, 0)
        k = min(length, ahi - i0, bhi - j0) - skip
        if k <= 0:
            continue
        i, j = i0 + skip, j0 + skip
        cut.append((i, j, k))
        if k > best_k or (k == best_k and (i < best_i or (i == best_i and j < best_j))):
            best_i, best_j, best_k = i, j, k
    return cut, (best_i, best_j, best_k)


def _cut_many(runs: Runs, rect: Rect) -> tuple[Runs, Match]:
    """:func:`_cut_few` on arrays, for rectangles that many runs touch."""
    alo, ahi, blo, bhi = rect
    i0, j0, length = runs
    skip = np.maximum(np.maximum(alo - i0, blo - j0), 0)
    k = np.minimum(np.minimum(length, ahi - i0), bhi - j0) - skip
    touching = k > 0
    i, j, k = (i0 + skip)[touching], (j0 + skip)[touching], k[touching]
    if not len(k):
        return (i, j, k), (alo, blo, 0)
    longest = np.flatnonzero(k == k.max())
    # Ties: smallest i, then smallest j (lexsort's last key is the primary one).
    best = longest[np.lexsort((j[longest], i[longest]))[0]]
    return (i, j, k), (int(i[best]), int(j[best]), int(k[best]))


def _split(cut: Runs | list[Match], best: Match) -> tuple[Runs | list[Match], Runs | list[Match]]:
    """The runs that touch the part of the rectangle before ``best`` and the part after it.

    No run touches both: it would hold a run longer than the best.
    """
    best_i, best_j, best_k = best
    if isinstance(cut, list):
        left = [run for run in cut if run[0] < best_i and run[1] < best_j]
        right = [
            run
            for run in cut
            if run[0] + run[2] > best_i + best_k and run[1] + run[2] > best_j + best_k
        ]
        return left, right
    i, j, k = cut
    before = (i < best_i) & (j < best_j)
    after = (i + k > best_i + best_k) & (j + k > best_j + best_k)
    return _shrink((i[before], j[before], k[before])), _shrink((i[after], j[after], k[after]))


def _shrink(runs: Runs) -> Runs | list[Match]:
    if len(runs[0]) >= _VECTOR_MIN_RUNS:
        return runs
    return list(zip(*(part.tolist() for part in runs), strict=True))


def matching_blocks(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Match]:
    """``SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()`` as plain tuples.

    Examples
    --------
    >>> monday = "اغلق المؤشر الاحد عند 8699".split()
    >>> matching_blocks(monday, "اغلق المؤشر الاثنين عند 8834".split())
    [(0, 0, 2), (3, 3, 1), (5, 5, 0)]
    """
    if len(a) + len(b) < _NUMPY_MIN_WORDS:
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        return [(i, j, k) for i, j, k in matcher.get_matching_blocks()]
    long_runs, occurrences = _runs(a, b)
    found: list[Match] = []
    pending: list[tuple[Rect, Runs | list[Match]]] = [((0, len(a), 0, len(b)), _shrink(long_runs))]
    while pending:
        rect, runs = pending.pop()
        cut: Runs | list[Match]
        cut, best = _cut_few(runs, rect) if isinstance(runs, list) else _cut_many(runs, rect)
        if best[2] < 2:
            # Runs of one word are most runs (frequent words meet everywhere)
            # and matter only where no longer one exists.
            best = occurrences.first_match(rect)
            if not best[2]:
                continue
        found.append(best)
        i, j, k = best
        left, right = _split(cut, best)
        # A single word is the first match in the rectangle: nothing lies before it.
        if k >= 2 and rect[0] < i and rect[2] < j:
            pending.append(((rect[0], i, rect[2], j), left))
        if i + k < rect[1] and j + k < rect[3]:
            pending.append(((i + k, rect[1], j + k, rect[3]), right))
    return _collapse(sorted(found), len(a), len(b))


def _collapse(blocks: list[Match], size_a: int, size_b: int) -> list[Match]:
    """Join blocks that continue each other; end with difflib's ``(len(a), len(b), 0)``."""
    joined: list[Match] = []
    for i, j, k in blocks:
        if joined and joined[-1][0] + joined[-1][2] == i and joined[-1][1] + joined[-1][2] == j:
            joined[-1] = (joined[-1][0], joined[-1][1], joined[-1][2] + k)
        else:
            joined.append((i, j, k))
    joined.append((size_a, size_b, 0))
    return joined


def opcodes(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Opcode]:
    """``SequenceMatcher(None, a, b, autojunk=False).get_opcodes()``: how to turn ``a`` into ``b``.

    Examples
    --------
    >>> monday = "اغلق المؤشر الاحد عند 8699".split()
    >>> opcodes(monday, "اغلق المؤشر الاثنين عند 8834".split())
    [('equal', 0, 2, 0, 2), ('replace', 2, 3, 2, 3), ('equal', 3, 4, 3, 4), ('replace', 4, 5, 4, 5)]
    """
    result: list[Opcode] = []
    i = j = 0
    for ai, bj, size in matching_blocks(a, b):
        if i < ai and j < bj:
            result.append(("replace", i, ai, j, bj))
        elif i < ai:
            result.append(("delete", i, ai, j, bj))
        elif j < bj:
            result.append(("insert", i, ai, j, bj))
        i, j = ai + size, bj + size
        if size:
            result.append(("equal", ai, i, bj, j))
    return result
