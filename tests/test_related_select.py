"""Tests of the selection stage shared by the scan and the index (dedup/related/select.py).

The array code is checked against a slow, obviously correct reference that makes one list
at a time with plain Python, as the index once did, on Hypothesis-drawn catalogs.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.config import RelatedConfig
from dedup.records import RelatedItem
from dedup.related import select as select_module
from dedup.related.select import Candidates, Catalog, select


def reference_select(
    candidates: Candidates, catalog: Catalog, config: RelatedConfig, k: int
) -> list[tuple[RelatedItem, ...]]:
    """Each row on its own: filters, best member per story, sort, cap, top k."""
    lists = []
    for row in range(candidates.n_rows):
        best: dict[int, tuple[float, int]] = {}
        triples = zip(
            candidates.rows.tolist(),
            candidates.cols.tolist(),
            candidates.scores.tolist(),
            strict=True,
        )
        for owner, col, score in triples:
            story = int(catalog.story[col])
            if owner != row or story == candidates.row_story[row]:
                continue
            shown = int(catalog.canonical[col])
            gap = abs(catalog.timestamps[shown] - candidates.row_time[row]) / 86400.0
            window = config.time_window_days
            if window is not None and not math.isnan(gap) and gap > window:
                continue
            half_life = config.recency_half_life_days
            if half_life is not None and not math.isnan(gap):
                score = score * float(np.exp2(-gap / half_life))
            score = float(np.round(score, 6))
            if score < config.min_score or score <= 0:
                continue
            if story not in best or score > best[story][0]:
                best[story] = (score, shown)
        items = sorted(best.values(), key=lambda item: (-item[0], catalog.ids[item[1]]))
        used: dict[int, int] = {}
        listed = []
        for score, shown in items:
            source = int(catalog.source_codes[shown])
            if config.per_source_cap is not None and source >= 0:
                if used.get(source, 0) >= config.per_source_cap:
                    continue
                used[source] = used.get(source, 0) + 1
            listed.append(RelatedItem(id=catalog.ids[shown], score=score))
        lists.append(tuple(listed[:k]))
    return lists


@st.composite
def catalogs_and_candidates(draw: st.DrawFn) -> tuple[Catalog, Candidates]:
    n = draw(st.integers(1, 12))
    group = draw(st.lists(st.integers(0, n - 1), min_size=n, max_size=n))
    # A story is numbered by its canonical: the group's first member here.
    first = {g: i for i, g in reversed(list(enumerate(group)))}
    story = np.array([first[g] for g in group], dtype=np.int64)
    days = draw(st.lists(st.one_of(st.none(), st.integers(0, 30)), min_size=n, max_size=n))
    names = st.text("ابت", min_size=1, max_size=3)
    ids = draw(st.lists(names, min_size=n, max_size=n, unique=True))
    sources = draw(st.lists(st.integers(-1, 2), min_size=n, max_size=n))
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[sorted(range(n), key=ids.__getitem__)] = np.arange(n)
    catalog = Catalog(
        ids=ids,
        story=story,
        canonical=story,
        timestamps=np.array([np.nan if d is None else d * 86400.0 for d in days]),
        id_rank=id_rank,
        source_codes=np.array(sources, dtype=np.int64),
        shared_stories=bool(len(set(group)) < n),
    )
    n_rows = draw(st.integers(1, 4))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n_rows - 1), st.integers(0, n - 1)),
            unique=True,
            max_size=30,
        )
    )
    # Coarse scores: ties in score, broken by id.
    scores = draw(st.lists(st.sampled_from([0.0, 0.01, 0.2, 0.5, 0.5000001, 0.9, 1.0]),
                           min_size=len(pairs), max_size=len(pairs)))  # fmt: skip
    row_days = draw(st.lists(st.one_of(st.none(), st.integers(0, 30)), min_size=n_rows,
                             max_size=n_rows))  # fmt: skip
    row_story = draw(st.lists(st.integers(-1, n - 1), min_size=n_rows, max_size=n_rows))
    candidates = Candidates(
        rows=np.array([p[0] for p in pairs], dtype=np.int64),
        cols=np.array([p[1] for p in pairs], dtype=np.int64),
        scores=np.array(scores, dtype=np.float64),
        row_story=np.array([story[s] if s >= 0 else -1 for s in row_story], dtype=np.int64),
        row_time=np.array([np.nan if d is None else d * 86400.0 for d in row_days]),
    )
    return catalog, candidates


@settings(max_examples=300, deadline=None)
@given(
    drawn=catalogs_and_candidates(),
    min_score=st.sampled_from([0.0, 0.05, 0.3]),
    window=st.sampled_from([None, 2.0, 10.0]),
    half_life=st.sampled_from([None, 3.0, 730.0]),
    cap=st.sampled_from([None, 1, 2]),
    k=st.sampled_from([0, 1, 3, 10]),
)
def test_select_equals_the_one_list_at_a_time_reference(
    drawn: tuple[Catalog, Candidates],
    min_score: float,
    window: float | None,
    half_life: float | None,
    cap: int | None,
    k: int,
) -> None:
    catalog, candidates = drawn
    config = RelatedConfig(
        min_score=min_score,
        time_window_days=window,
        recency_half_life_days=half_life,
        per_source_cap=cap,
    )
    assert select(candidates, catalog, config, k=k) == reference_select(
        candidates, catalog, config, k
    )


def test_banned_stories_are_left_out_whole() -> None:
    catalog = Catalog(
        ids=["أ", "ب", "ت"],
        story=np.array([0, 0, 2]),
        canonical=np.array([0, 0, 2]),
        timestamps=np.full(3, np.nan),
        id_rank=np.arange(3),
        source_codes=np.full(3, -1),
        shared_stories=True,
    )
    candidates = Candidates(
        rows=np.zeros(3, dtype=np.int64),
        cols=np.arange(3),
        scores=np.array([0.9, 0.8, 0.2]),
        row_story=np.array([-1]),
        row_time=np.array([np.nan]),
    )
    banned = np.array([False, True, False])
    (listed,) = select(candidates, catalog, RelatedConfig(), k=10, banned_stories=banned)
    assert [item.id for item in listed] == ["أ", "ت"]
    banned[0] = True
    (listed,) = select(candidates, catalog, RelatedConfig(), k=10, banned_stories=banned)
    assert [item.id for item in listed] == ["ت"]


def test_mmr_without_similarity_says_what_is_missing() -> None:
    catalog = Catalog(
        ids=["أ"],
        story=np.zeros(1, dtype=np.int64),
        canonical=np.zeros(1, dtype=np.int64),
        timestamps=np.full(1, np.nan),
        id_rank=np.zeros(1, dtype=np.int64),
        source_codes=np.full(1, -1),
        shared_stories=False,
    )
    candidates = Candidates(
        rows=np.zeros(1, dtype=np.int64),
        cols=np.zeros(1, dtype=np.int64),
        scores=np.ones(1),
        row_story=np.array([-1]),
        row_time=np.array([np.nan]),
    )
    config = replace(RelatedConfig(), mmr_lambda=0.5)
    with pytest.raises(ValueError, match="mmr_lambda < 1 needs the similarity"):
        select(candidates, catalog, config, k=3)


def test_order_by_equals_lexsort_on_packed_and_fallback_keys() -> None:
    rng = np.random.default_rng(5)
    groups = rng.integers(0, 50, size=5000)
    scores = np.round(rng.random(5000) * rng.choice([1.0, 1e-3], size=5000), 6)
    ties = rng.permutation(5000)
    expected = np.lexsort((ties, -scores, groups))
    assert np.array_equal(select_module._order_by(groups, scores, ties), expected)
    # Without a tie-breaker, equal (group, score) keys may come in any order.
    order = select_module._order_by(groups, scores, None)
    assert np.array_equal(groups[order], groups[np.lexsort((-scores, groups))])
    assert np.array_equal(scores[order], scores[np.lexsort((-scores, groups))])
    # Keys too large to pack fall back to lexsort.
    huge = groups * (1 << 40)
    assert np.array_equal(select_module._order_by(huge, scores, ties), expected)
