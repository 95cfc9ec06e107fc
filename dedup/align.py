"""Word alignment: the longest common subsequence of two word sequences, in compiled code.

:func:`matching_blocks` and :func:`opcodes` align two texts word by word for the template
guard (:mod:`dedup.template`: which words differ between two versions) and the relations
(:mod:`dedup.relations`: where the shared passages lie). The alignment is an exact longest
common subsequence, computed by rapidfuzz's bit-parallel ``Indel`` (a maintained compiled
library; O(len(a) · len(b) / 64) word comparisons, microseconds for a news article), read
back as runs of equal words and, between them, what was replaced, deleted or inserted.

Until issue 19 this module re-implemented :class:`difflib.SequenceMatcher` (the longest
common run first, then recursion on both sides) with numpy; it cost a third of the scan's
verification. The two alignments agree on copies and templates, whose shared words stand
in long runs; they can differ where short common words are scattered between them, where
the LCS matches more words. The effect on every measured figure is in ``benchmarks/README.md``
(issue 19).

Words are compared by equality (rapidfuzz hashes each element; two different words whose
64-bit hashes collide would count as equal, a chance of about 2^-64 per pair of words).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from functools import lru_cache
from typing import Literal

from rapidfuzz.distance import Indel

__all__ = ["Opcode", "matching_blocks", "opcodes", "word_set", "word_trigrams", "words_of"]

Tag = Literal["replace", "delete", "insert", "equal"]
Opcode = tuple[Tag, int, int, int, int]
Match = tuple[int, int, int]  # a[i:i + k] == b[j:j + k]


# The words of a text, kept for the texts met lately: a text meets several candidates (2.5
# verified pairs per text on the shared corpora, nearly all within a few hundred texts), and
# the template guard and the relations read its words, word set and trigrams for each pair
# (48,000 splits for 3,166 accepted pairs of saudinewsnet). 512 texts, as the template guard's
# word counts: some 55 KB each for the three caches, under 30 MB. Callers must not change them.
_TEXTS_KEPT = 512


@lru_cache(maxsize=_TEXTS_KEPT)
def words_of(text: str) -> tuple[str, ...]:
    """The words of a normalized text (split on whitespace), cached.

    Examples
    --------
    >>> words_of("وصل الوزير  الى بغداد")
    ('وصل', 'الوزير', 'الى', 'بغداد')
    """
    return tuple(text.split())


@lru_cache(maxsize=_TEXTS_KEPT)
def word_set(text: str) -> frozenset[str]:
    """The distinct words of a text, cached (see :func:`words_of`)."""
    return frozenset(words_of(text))


@lru_cache(maxsize=_TEXTS_KEPT)
def word_trigrams(text: str) -> frozenset[tuple[str, str, str]]:
    """The distinct three-word sequences of a text, cached (see :func:`words_of`)."""
    words = words_of(text)
    return frozenset(zip(words, words[1:], words[2:], strict=False))


def matching_blocks(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Match]:
    """The runs of a longest common subsequence of ``a`` and ``b``, in order.

    Each ``(i, j, k)`` means ``a[i:i + k] == b[j:j + k]``; the runs increase in both
    sequences, adjacent runs are joined, and the list ends with ``(len(a), len(b), 0)``
    (the layout of :meth:`difflib.SequenceMatcher.get_matching_blocks`).

    Examples
    --------
    >>> monday = "اغلق المؤشر الاحد عند 8699".split()
    >>> matching_blocks(monday, "اغلق المؤشر الاثنين عند 8834".split())
    [(0, 0, 2), (3, 3, 1), (5, 5, 0)]
    """
    blocks: list[Match] = []
    if a and b:
        for op in Indel.opcodes(a, b):
            if op.tag != "equal":
                continue
            a_start, b_start, size = op.src_start, op.dest_start, op.src_end - op.src_start
            if blocks and sum(blocks[-1][::2]) == a_start and sum(blocks[-1][1:]) == b_start:
                blocks[-1] = (blocks[-1][0], blocks[-1][1], blocks[-1][2] + size)
            else:
                blocks.append((a_start, b_start, size))
    blocks.append((len(a), len(b), 0))
    return blocks


def opcodes(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Opcode]:
    """How to turn ``a`` into ``b`` around the runs of :func:`matching_blocks`: between two
    runs, a ``replace`` when both sides hold words, else a ``delete`` or an ``insert``.

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
