"""From scored candidates to related lists: the selection stage of every driver.

Candidates come as (row, article, cosine) triples: ``row`` is the list being made,
``article`` a position in a :class:`Catalog` of the articles a list may show. In order:

1. **own story**: the article's own story (itself and its duplicates) and the banned stories
   are dropped;
2. **time**: the time window and the recency decay, on the gap to the date of the story's
   shown member (its canonical);
3. **score**: rounded to 6 decimals, kept from ``min_score`` on (and above 0);
4. **story slot**: each story takes one slot, shown by its canonical with the best score
   among its members;
5. **display order**: score descending, then id;
6. **diversity**: at most ``per_source_cap`` per source, or maximal marginal relevance
   (:func:`mmr_lists`), then the top ``k``.
"""

from __future__ import annotations

import gc
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup.config import RelatedConfig
from dedup.records import RelatedItem

__all__ = ["Candidates", "Catalog", "mmr_lists", "select"]

F64Array = npt.NDArray[np.float64]
I64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
RelatedLists = list[tuple[RelatedItem, ...]]

_SECONDS_PER_DAY = 86400.0
# Scores rounded to 6 decimals, as micro-units, fit in this many bits (up to 2.09).
_SCORE_BITS = 21


@dataclass(frozen=True, slots=True)
class Catalog:
    """The articles a list may show, as arrays over their positions.

    The scan's catalog is the fitted corpus; the index's, a batch's candidates and the
    canonicals of their stories.

    Attributes
    ----------
    ids
        Article id of each position.
    story
        Story number of each position (the articles of one duplicate cluster share it).
    canonical
        Position of the member shown for the story of each position.
    timestamps
        Seconds since the epoch of each position, NaN when undated.
    id_rank
        Rank of each id in sorted order: ties in score are broken by id.
    source_codes
        Source number of each position; -1 when none is given (never capped together).
    shared_stories
        Whether a story may have two members or more (else the story slot is skipped).
    """

    ids: Sequence[str]
    story: I64Array
    canonical: I64Array
    timestamps: F64Array
    id_rank: I64Array
    source_codes: I64Array
    shared_stories: bool


@dataclass(frozen=True, slots=True)
class Candidates:
    """Scored candidates of ``n_rows`` lists: (row, catalog position, cosine) triples.

    ``row_story`` and ``row_time`` are the story number (-1: none in the catalog) and the
    timestamp (NaN: undated) of each list's own article.
    """

    rows: I64Array
    cols: I64Array
    scores: F64Array
    row_story: I64Array
    row_time: F64Array

    @property
    def n_rows(self) -> int:
        """Lists being made."""
        return len(self.row_story)


def _segment_starts(sorted_keys: I64Array) -> BoolArray:
    """True where a new run of equal keys starts in a sorted array."""
    starts = np.ones(len(sorted_keys), dtype=bool)
    starts[1:] = sorted_keys[1:] != sorted_keys[:-1]
    return starts


def _rank_in_segments(sorted_keys: I64Array) -> I64Array:
    """0, 1, 2, ... within each run of equal keys of a sorted array."""
    index = np.arange(len(sorted_keys), dtype=np.int64)
    starts = _segment_starts(sorted_keys)
    first = np.maximum.accumulate(np.where(starts, index, 0))
    return index - first


def _order_by(groups: I64Array, scores: F64Array, ties: I64Array | None) -> I64Array:
    """Order of ``np.lexsort((ties, -scores, groups))`` (``ties`` optional, all >= 0).

    ``scores`` are already rounded to 6 decimals and in [0, 2), so when the three numbers pack
    into one int64 a single ``argsort`` replaces the lexsort (three stable sorts). Equal packed
    keys are equal on every field, so which of them comes first does not change any list.
    """
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    micro = np.rint(scores * 1e6).astype(np.int64)
    span = int(ties.max()) + 1 if ties is not None else 1
    top = int(groups.max()) + 1
    limit = 1 << _SCORE_BITS
    if micro.min() < 0 or micro.max() >= limit or top * span > (1 << (62 - _SCORE_BITS)):
        keys = (-scores, groups) if ties is None else (ties, -scores, groups)
        return np.lexsort(keys).astype(np.int64)
    packed = ((groups << _SCORE_BITS) | (limit - 1 - micro)) * span
    if ties is not None:
        packed += ties
    return np.argsort(packed).astype(np.int64)


# Items of lists under way, in step: rows, scores, stories and shown positions (or gaps).
_Items = tuple[I64Array, F64Array, I64Array, I64Array]


def _other_stories(
    candidates: Candidates, catalog: Catalog, banned_stories: BoolArray | None
) -> _Items:
    """Step 1: the candidates outside their row's story and the banned stories."""
    rows, cols, scores = candidates.rows, candidates.cols, candidates.scores
    story = catalog.story[cols]
    keep = story != candidates.row_story[rows]
    if banned_stories is not None:
        keep &= ~banned_stories[story]
    rows, cols, scores, story = rows[keep], cols[keep], scores[keep], story[keep]
    return rows, scores, story, catalog.canonical[cols]


def _in_time(
    items: _Items, row_time: F64Array, catalog: Catalog, settings: RelatedConfig
) -> _Items:
    """Step 2: the time window and the recency decay on the gap to the shown member."""
    window, half_life = settings.time_window_days, settings.recency_half_life_days
    if window is None and half_life is None:
        return items
    rows, scores, story, shown = items
    gap_days = np.abs(catalog.timestamps[shown] - row_time[rows]) / _SECONDS_PER_DAY
    if window is not None:
        # NaN (either side undated) compares False: undated articles are never excluded.
        keep = ~(gap_days > window)
        rows, scores, story, shown, gap_days = (
            rows[keep],
            scores[keep],
            story[keep],
            shown[keep],
            gap_days[keep],
        )
    if half_life is not None:
        decay = np.where(np.isnan(gap_days), 1.0, np.exp2(-gap_days / half_life))
        scores = scores * decay
    return rows, scores, story, shown


def _scored(items: _Items, min_score: float) -> _Items:
    """Step 3: scores rounded to 6 decimals, from ``min_score`` on and above zero."""
    rows, scores, story, shown = items
    scores = np.round(scores, 6)
    keep = (scores >= min_score) & (scores > 0)
    return rows[keep], scores[keep], story[keep], shown[keep]


def _one_per_story(items: _Items, catalog: Catalog) -> _Items:
    """Step 4: one slot per story, its best-scoring member's score, shown by its canonical.

    Without shared stories every story has one member and a (row, article) pair comes once.
    """
    if not catalog.shared_stories:
        return items
    rows, scores, story, shown = items
    keys = rows * (len(catalog.ids) + 1) + story
    order = _order_by(keys, scores, None)
    rows, scores, story, shown, keys = (
        rows[order],
        scores[order],
        story[order],
        shown[order],
        keys[order],
    )
    first = _segment_starts(keys)
    return rows[first], scores[first], story[first], shown[first]


def _under_source_cap(rows: I64Array, source: I64Array, cap: int) -> BoolArray:
    """Items within the first ``cap`` of their source in their list, in display order."""
    position = np.arange(len(rows), dtype=np.int64)
    order = np.lexsort((position, source, rows))
    n_sources = int(source.max(initial=-1)) + 2
    rank = np.empty(len(rows), dtype=np.int64)
    rank[order] = _rank_in_segments(rows[order] * n_sources + source[order] + 1)
    return (rank < cap) | (source < 0)


def _as_lists(
    rows: I64Array, scores: F64Array, shown: I64Array, ids: Sequence[str], n_rows: int
) -> RelatedLists:
    """One tuple of items per row from items grouped by row, in display order."""
    lists: RelatedLists = [() for _ in range(n_rows)]
    if len(rows) == 0:
        return lists
    bounds = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1], True]).tolist()
    row_of = rows.tolist()
    # One map over every item (no generator per list): 200k items at 20k articles. The
    # cyclic garbage collector is paused meanwhile: its passes over the fitted index,
    # triggered by the allocations alone, took 0.1 s of 0.25 s here (none are cycles).
    collecting = gc.isenabled()
    gc.disable()
    try:
        items = list(map(RelatedItem, [ids[i] for i in shown.tolist()], scores.tolist()))
        for begin, end in itertools.pairwise(bounds):
            lists[row_of[begin]] = tuple(items[begin:end])
    finally:
        if collecting:
            gc.enable()
    return lists


def mmr_lists(
    rows: I64Array,
    scores: F64Array,
    shown: I64Array,
    *,
    catalog: Catalog,
    similarity: Callable[[I64Array], F64Array],
    settings: RelatedConfig,
    n_rows: int,
    k: int,
) -> RelatedLists:
    """Greedy MMR (Carbonell & Goldstein 1998) over each row's top ``4k`` stories.

    ``rows``, ``scores``, ``shown``: the items in display order; ``similarity(pool)`` gives
    the cosines between the catalog positions of ``pool`` (a dense square array).
    """
    lists: RelatedLists = [() for _ in range(n_rows)]
    if len(rows) == 0:
        return lists
    bounds = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1], True])
    pool_size = max(4 * k, 20)
    for begin, stop in itertools.pairwise(bounds.tolist()):
        end = min(stop, begin + pool_size)
        pool = shown[begin:end]
        relevance = scores[begin:end]
        chosen = _mmr_pick(
            relevance, similarity(pool), catalog.source_codes[pool], settings=settings, k=k
        )
        lists[int(rows[begin])] = tuple(
            RelatedItem(id=catalog.ids[int(pool[c])], score=float(relevance[c])) for c in chosen
        )
    return lists


def _mmr_pick(
    relevance: F64Array,
    similarity: F64Array,
    sources: I64Array,
    *,
    settings: RelatedConfig,
    k: int,
) -> list[int]:
    """One list's MMR picks (indices into its pool), back in display order."""
    lam = settings.mmr_lambda
    cap = settings.per_source_cap
    chosen: list[int] = []
    used: dict[int, int] = {}
    available = np.ones(len(relevance), dtype=bool)
    max_similarity = np.zeros(len(relevance), dtype=np.float64)
    while len(chosen) < k and available.any():
        value = lam * relevance - (1.0 - lam) * max_similarity
        value[~available] = -np.inf
        pick = int(np.argmax(value))  # first maximum: the better-ranked item wins ties
        available[pick] = False
        source = int(sources[pick])
        if cap is not None and source >= 0 and used.get(source, 0) >= cap:
            continue
        used[source] = used.get(source, 0) + 1
        chosen.append(pick)
        np.maximum(max_similarity, similarity[pick], out=max_similarity)
    chosen.sort()  # back to display order: score descending, then id
    return chosen


def select(
    candidates: Candidates,
    catalog: Catalog,
    settings: RelatedConfig,
    *,
    k: int,
    banned_stories: BoolArray | None = None,
    similarity: Callable[[I64Array], F64Array] | None = None,
) -> RelatedLists:
    """From scored candidates to one related list per row.

    Parameters
    ----------
    candidates
        (row, catalog position, cosine) triples and each row's story and date.
    catalog
        The articles that may be listed.
    settings
        ``min_score``, ``time_window_days``, ``recency_half_life_days``,
        ``per_source_cap`` and ``mmr_lambda`` apply.
    k
        List length.
    banned_stories
        Stories no list may show (a boolean per story number).
    similarity
        Cosines between catalog positions, for MMR (needed when ``mmr_lambda < 1``).

    Returns
    -------
    list of tuple of RelatedItem
        One list per row: score descending, then id.

    Examples
    --------
    >>> catalog = Catalog(
    ...     ids=["بغداد-1", "بغداد-2", "البصرة"], story=np.array([0, 0, 2]),
    ...     canonical=np.array([0, 0, 2]), timestamps=np.full(3, np.nan),
    ...     id_rank=np.array([1, 2, 0]), source_codes=np.full(3, -1), shared_stories=True)
    >>> candidates = Candidates(rows=np.array([0, 0, 0]), cols=np.array([0, 1, 2]),
    ...     scores=np.array([0.3, 0.6, 0.2]), row_story=np.array([-1]),
    ...     row_time=np.array([np.nan]))
    >>> [(item.id, item.score) for item in select(candidates, catalog, RelatedConfig(), k=5)[0]]
    [('بغداد-1', 0.6), ('البصرة', 0.2)]
    """
    items = _other_stories(candidates, catalog, banned_stories)
    items = _in_time(items, candidates.row_time, catalog, settings)
    items = _one_per_story(_scored(items, settings.min_score), catalog)
    rows, scores, _, shown = items
    order = _order_by(rows, scores, catalog.id_rank[shown])
    rows, scores, shown = rows[order], scores[order], shown[order]
    if settings.mmr_lambda < 1.0:
        if similarity is None:
            raise ValueError("select: mmr_lambda < 1 needs the similarity of the candidates")
        return mmr_lists(
            rows,
            scores,
            shown,
            catalog=catalog,
            similarity=similarity,
            settings=settings,
            n_rows=candidates.n_rows,
            k=k,
        )
    if settings.per_source_cap is not None:
        keep = _under_source_cap(rows, catalog.source_codes[shown], settings.per_source_cap)
        rows, scores, shown = rows[keep], scores[keep], shown[keep]
    keep = _rank_in_segments(rows) < k
    return _as_lists(rows[keep], scores[keep], shown[keep], catalog.ids, candidates.n_rows)
