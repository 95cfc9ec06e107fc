"""Tests of the scan's candidate pairs (dedup/related/candidates.py).

The approximate path (rare terms, low-rank estimate, per-article cut) is checked against
the exact blocked product on real news: the same ids in the same order, exact scores, and
a recall floor.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.config import RelatedConfig
from dedup.records import Article
from dedup.related import RelatedIndex, candidates

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _ant_articles(count: int) -> list[Article]:
    path = SHARED_DATA / "ant-multisource-2018" / "articles.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not found")
    articles = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            articles.append(
                Article(
                    id=row["id"],
                    text=row["text"],
                    title=row["title"],
                    source=row["source"],
                    published_at=row["date"],
                )
            )
            if len(articles) == count:
                break
    return articles


def test_approximate_candidates_match_exact_lists_on_real_news(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    articles = _ant_articles(1500)
    index = RelatedIndex().fit(articles)
    exact = index.related()
    monkeypatch.setattr(candidates, "_EXACT_MAX_ARTICLES", 100)
    approximate = index.related()
    # Blocks on one thread or two: the same lists, byte for byte.
    monkeypatch.setattr(candidates, "_WORKERS", 1 if candidates._WORKERS > 1 else 2)
    assert index.related() == approximate
    assert list(approximate) == list(exact)
    found = total = 0
    for article_id, items in exact.items():
        truth = {item.id for item in items}
        found += len(truth & {item.id for item in approximate[article_id]})
        total += len(truth)
        # Whatever the candidates, the scores shown are exact cosines.
        exact_scores = {
            item.id: item.score for item in index.query(articles[index.position_[article_id]], k=50)
        }
        for item in approximate[article_id]:
            assert item.score == pytest.approx(exact_scores[item.id], abs=2e-6)
    assert found / total >= 0.95


def test_column_slices_shared_by_the_lanes_give_one_lanes_lists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Blocks of 32 rows and a slice of the columns every 64 rows (24 slices, cut once by
    whichever lane comes first and let go when both lanes are past them): the lists of one
    lane, and close to the exact lists."""
    articles = _ant_articles(1500)
    index = RelatedIndex().fit(articles)
    exact = index.related()
    monkeypatch.setattr(candidates, "_EXACT_MAX_ARTICLES", 100)
    monkeypatch.setattr(candidates, "_CANDIDATE_BLOCK", 32)
    monkeypatch.setattr(candidates, "_MIN_CANDIDATE_BLOCK", 16)
    cuts: list[int] = []
    cut = candidates._Slices.from_column

    def counted(slices: candidates._Slices, lane: int, origin: int) -> sp.csr_matrix:
        columns = cut(slices, lane, origin)
        cuts.append(columns.shape[1])
        return columns

    monkeypatch.setattr(candidates._Slices, "from_column", counted)
    lists = {}
    for workers in (1, 2):
        monkeypatch.setattr(candidates, "_WORKERS", workers)
        cuts.clear()
        lists[workers] = index.related()
        assert len(set(cuts)) == 24, "one width per span: 1500 articles, a slice every 64"
    assert lists[2] == lists[1]
    found = sum(
        len({i.id for i in items} & {i.id for i in lists[2][key]}) for key, items in exact.items()
    )
    assert found / sum(len(items) for items in exact.values()) >= 0.95


@pytest.mark.parametrize("rows", [16, 64, 1000])
def test_the_rows_per_block_change_no_pair_nor_any_bit_of_its_cosine(
    monkeypatch: pytest.MonkeyPatch, rows: int
) -> None:
    """The block size is a speed setting only (a floor of 64 rows at a million articles):
    each row's rare product, estimate, proxies and cut-off are its own, so the pairs and
    their cosines are the same bit for bit whatever the rows per block."""
    articles = _ant_articles(1500)
    index = RelatedIndex().fit(articles)
    pair_filter = index._pair_filter()
    monkeypatch.setattr(candidates, "_DENSE_ENTRIES", 1 << 40)  # the size is set below
    monkeypatch.setattr(candidates, "_CANDIDATE_BLOCK", 37)
    monkeypatch.setattr(candidates, "_MIN_CANDIDATE_BLOCK", 37)
    reference = candidates.approximate_pairs(index.vectors_, pair_filter, 40)
    monkeypatch.setattr(candidates, "_CANDIDATE_BLOCK", rows)
    monkeypatch.setattr(candidates, "_MIN_CANDIDATE_BLOCK", rows)
    pairs = candidates.approximate_pairs(index.vectors_, pair_filter, 40)
    assert len(reference[0]) > 20 * len(articles)
    for got, expected in zip(pairs, reference, strict=True):
        assert got.dtype == expected.dtype
        assert np.array_equal(got, expected)


def test_approximate_candidates_with_clusters_window_and_decay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each pair (i, j) is computed once on the upper triangle; with duplicate clusters whose
    # shown member is not the article itself, the window and the decay see different gaps from
    # the two sides, so each side has its own proxy. The lists must still match the exact path.
    articles = _ant_articles(1500)
    ordered = sorted(range(len(articles)), key=lambda i: articles[i].published_at)
    cluster_of: dict[str, str] = {}
    canonical_of: dict[str, str] = {}
    for number, first in enumerate(range(0, len(ordered) - 40, 40)):
        # The earliest and one 30 places later (a few days apart), shown by the later one.
        early, late = articles[ordered[first]].id, articles[ordered[first + 30]].id
        cluster_of[early] = cluster_of[late] = f"c{number}"
        canonical_of[f"c{number}"] = late
    config = RelatedConfig(time_window_days=20.0, recency_half_life_days=3.0)
    index = RelatedIndex(config).fit(articles, cluster_of=cluster_of, canonical_of=canonical_of)
    assert not index._pair_filter().symmetric
    exact = index.related()
    monkeypatch.setattr(candidates, "_EXACT_MAX_ARTICLES", 100)
    approximate = index.related()
    monkeypatch.setattr(candidates, "_WORKERS", 1 if candidates._WORKERS > 1 else 2)
    assert index.related() == approximate
    found = total = 0
    for article_id, items in exact.items():
        truth = {(item.id, item.score) for item in items}
        got = {(item.id, item.score) for item in approximate[article_id]}
        found += len(truth & got)
        total += len(truth)
        own = cluster_of.get(article_id)
        assert own is None or own not in {cluster_of.get(i.id) for i in approximate[article_id]}
    assert total > 5000
    assert found / total >= 0.95


def test_segment_kth_largest_matches_a_sort_per_run() -> None:
    rng = np.random.default_rng(3)
    lengths = rng.integers(0, 300, size=200)
    lengths[:5] = [0, 1, 7, 8, 9]
    # Coarse values give ties at the cut; -inf stands for left-out pairs.
    values = np.round(rng.random(int(lengths.sum())), 2).astype(np.float32)
    values[rng.random(len(values)) < 0.05] = -np.inf
    for count in (1, 8, 40):
        result = candidates._segment_kth_largest(values, lengths, count)
        first = 0
        for run, length in enumerate(lengths.tolist()):
            chunk = np.sort(values[first : first + length])[::-1]
            expected = chunk[count - 1] if length >= count else -np.inf
            assert result[run] == expected, (count, run)
            first += length


def test_exact_pairs_are_every_nonzero_cosine_of_the_block() -> None:
    rng = np.random.default_rng(11)
    dense = rng.random((30, 12)) * (rng.random((30, 12)) < 0.3)
    vectors = sp.csr_matrix(dense)
    full = dense @ dense.T
    for start, stop in [(0, 30), (4, 9), (29, 30)]:
        rows, cols, scores = candidates.exact_pairs(vectors, vectors.T.tocsr(), start, stop)
        got = np.zeros((stop - start, 30))
        got[rows, cols] = scores
        assert np.allclose(got, full[start:stop])
        assert np.count_nonzero(got) == np.count_nonzero(full[start:stop])


def test_exact_blocks_cover_every_row_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(candidates, "_BLOCK_ENTRIES", 1000)
    for n in (0, 1, 7, 999, 1000, 1001, 5000):
        blocks = candidates.exact_blocks(n)
        assert [i for start, stop in blocks for i in range(start, stop)] == list(range(n))
        assert all((stop - start) * n <= max(1000, n) for start, stop in blocks)


@given(
    n=st.integers(min_value=1, max_value=40),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    upper=st.booleans(),
    stride=st.integers(min_value=1, max_value=5),
)
@settings(max_examples=60, deadline=None)
def test_estimate_is_each_pairs_embedding_dot_with_the_excluded_pairs_minus_infinity(
    n: int, seed: int, upper: bool, stride: int
) -> None:
    """The block's estimate (a product with the columns its pairs reach only) is the dot of
    the two articles' embeddings at every stored pair, -inf for the article itself and, on
    the upper triangle, for every article up to it."""
    rng = np.random.default_rng(seed)
    embedding = rng.standard_normal((n, 4)).astype(np.float32)
    start = int(rng.integers(0, n))
    stop = int(rng.integers(start + 1, n + 1))
    stride = 1 if upper else stride
    origin = int(rng.integers(0, start + 1)) if upper else int(rng.integers(0, n))
    width = len(range(origin, n, stride))
    block = sp.csr_matrix(
        (rng.random((stop - start, width)) < 0.4).astype(np.float32), shape=(stop - start, width)
    )
    pair_filter = candidates.PairFilter.of(
        story=np.arange(n),
        canonical=np.arange(n),
        day=np.zeros(n, dtype=np.float32),
        settings=RelatedConfig(),
    )
    buffer = np.empty((stop - start) * width, dtype=np.float32)
    blocks = candidates._Blocks(sp.csr_matrix((n, 1)), embedding, pair_filter, [buffer])
    indices = block.indices.astype(np.intp)
    estimate = blocks._estimate(
        block, indices, (origin, stride, width), start, stop, buffer, upper=upper
    )
    assert estimate is not None
    rows = np.repeat(np.arange(start, stop), np.diff(block.indptr))
    cols = origin + stride * block.indices
    expected = np.einsum("ij,ij->i", embedding[rows], embedding[cols])
    excluded = cols <= rows if upper else cols == rows
    assert np.array_equal(np.isneginf(estimate), excluded)
    assert np.allclose(estimate[~excluded], expected[~excluded], rtol=1e-5, atol=1e-5)


@given(
    n=st.integers(min_value=1, max_value=30),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    pool=st.integers(min_value=1, max_value=6),
    best_range=st.integers(min_value=1, max_value=8),
    mask_chunk=st.integers(min_value=1, max_value=9),
    symmetric=st.booleans(),
)
@settings(max_examples=80, deadline=None)
def test_best_pairs_taken_a_range_of_articles_at_a_time_are_each_articles_best(
    n: int, seed: int, pool: int, best_range: int, mask_chunk: int, symmetric: bool
) -> None:
    """Each article keeps the pairs, from either side, whose proxy clears its cut-off and is
    among its ``pool`` best (ties with the last kept); a pair kept by either side is chosen,
    whatever the ranges of articles the choice is made in."""
    rng = np.random.default_rng(seed)
    upper = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.5]
    rows = np.array([i for i, _ in upper], dtype=np.int32)
    cols = np.array([j for _, j in upper], dtype=np.int32)
    rare = rng.random(len(upper)).astype(np.float32)
    row_proxy = (rng.integers(0, 6, len(upper)) / 5).astype(np.float32)
    col_proxy = row_proxy if symmetric else (rng.integers(0, 6, len(upper)) / 5).astype(np.float32)
    thresholds = (rng.integers(0, 4, n) / 5).astype(np.float32)
    # Blocks of consecutive rows, each with the count of pairs every row of it keeps.
    row_cuts = np.unique(np.r_[0, rng.integers(0, n + 1, 3), n]).tolist()
    pair_cuts = np.searchsorted(rows, row_cuts).tolist()
    kept = [
        (
            np.bincount(rows[a:b] - first, minlength=last - first).astype(np.int32),
            *(part[a:b] for part in (cols, rare, row_proxy, col_proxy)),
        )
        for (first, last), (a, b) in zip(
            itertools.pairwise(row_cuts), itertools.pairwise(pair_cuts), strict=True
        )
    ]
    chosen = set()
    for article in range(n):
        sides = [(p, float(row_proxy[p])) for p in np.flatnonzero(rows == article)]
        sides += [(p, float(col_proxy[p])) for p in np.flatnonzero(cols == article)]
        passed = [(p, v) for p, v in sides if v >= thresholds[article]]
        values = sorted((v for _, v in passed), reverse=True)
        cut = values[pool - 1] if len(values) >= pool else -np.inf
        chosen |= {int(p) for p, v in passed if v >= cut}
    expected = sorted(chosen)
    monkeypatch = pytest.MonkeyPatch()
    with monkeypatch.context() as patch:
        patch.setattr(candidates, "_BEST_RANGE", best_range)
        patch.setattr(candidates, "_MASK_CHUNK", mask_chunk)
        got_rows, got_cols, got_rare = candidates._best_pairs(kept, thresholds, n, pool)
    assert kept == []
    assert got_rows.tolist() == rows[expected].tolist()
    assert got_cols.tolist() == cols[expected].tolist()
    assert got_rare.tolist() == rare[expected].tolist()
