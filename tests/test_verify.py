"""Verification (dedup.verify): the similarity rule, exact similarities, the MinHash
prefilter, publication dates and verbatim passages.

The exact measures are checked against brute force, the rule against its documented formula,
and dates and passages through whole scans of pairs written for them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import FIXED_POINT_LETTERS, char_ngrams, jaccard_containment, random_sentence

from dedup import Article, DedupConfig, RelatedConfig, scan
from dedup.normalize import normalize_text
from dedup.shingle import shingle_texts
from dedup.signature import minhash_signatures
from dedup.verify import (
    SimilarityRule,
    estimated_between,
    estimated_jaccard,
    exact_groups,
    exact_similarities,
    minimum_estimate,
)

unit = st.floats(0.0, 1.0)
sizes = st.integers(0, 200)


# ---------------------------------------------------------------------------
# SimilarityRule


@st.composite
def rules(draw: st.DrawFn) -> SimilarityRule:
    return SimilarityRule(
        jaccard_threshold=draw(st.floats(0.01, 1.0)),
        containment_threshold=draw(st.floats(0.01, 1.0)),
        min_jaccard_for_containment=draw(st.floats(0.0, 1.0)),
        min_shingles=draw(st.integers(1, 50)),
        min_shingles_for_containment=draw(st.integers(0, 150)),
    )


@settings(max_examples=300, deadline=None)
@given(rule=rules(), j=unit, c=unit, dj=unit, dc=unit, size_a=sizes, size_b=sizes)
def test_rule_is_monotone_in_jaccard_and_containment(
    rule: SimilarityRule, j: float, c: float, dj: float, dc: float, size_a: int, size_b: int
) -> None:
    higher_j, higher_c = j + (1 - j) * dj, c + (1 - c) * dc
    if rule.accepts(j, c, size_a, size_b):
        assert rule.accepts(higher_j, higher_c, size_a, size_b)
    if not rule.accepts(higher_j, higher_c, size_a, size_b):
        assert not rule.accepts(j, c, size_a, size_b)


@settings(max_examples=200, deadline=None)
@given(rule=rules(), j=unit, c=unit, other=sizes, data=st.data())
def test_rule_never_accepts_tiny_sets(
    rule: SimilarityRule, j: float, c: float, other: int, data: st.DataObject
) -> None:
    tiny = data.draw(st.integers(0, rule.min_shingles - 1))
    for size_a, size_b in ((tiny, other), (other, tiny)):
        assert not rule.accepts(j, c, size_a, size_b)
        assert not rule.accepts(1.0, 1.0, size_a, size_b)


@settings(max_examples=300, deadline=None)
@given(rule=rules(), j=unit, c=unit, size_a=sizes, size_b=sizes)
def test_rule_is_the_documented_formula(
    rule: SimilarityRule, j: float, c: float, size_a: int, size_b: int
) -> None:
    expected = min(size_a, size_b) >= rule.min_shingles and (
        j >= rule.jaccard_threshold
        or (
            c >= rule.containment_threshold
            and j >= rule.min_jaccard_for_containment
            and min(size_a, size_b) >= rule.min_shingles_for_containment
        )
    )
    assert rule.accepts(j, c, size_a, size_b) is expected
    many = rule.accepts_many(
        np.array([j, j]), np.array([c, c]), np.array([size_a, size_a]), np.array([size_b, size_b])
    )
    assert many.tolist() == [expected, expected]
    assert rule.jaccard_floor == min(rule.jaccard_threshold, rule.min_jaccard_for_containment)


def test_rule_hand_examples() -> None:
    rule = SimilarityRule(0.8, 0.7, 0.3, 20)
    assert rule.accepts(0.8, 0.0, 20, 20)  # thresholds are inclusive
    assert not rule.accepts(0.79, 0.69, 100, 100)
    assert rule.accepts(0.3, 0.7, 100, 300)
    assert not rule.accepts(0.29, 1.0, 100, 400)  # a brief inside a long roundup
    assert not rule.accepts(1.0, 1.0, 19, 1000)
    headlines = SimilarityRule(0.8, 0.7, 0.3, 20, 100)
    assert not headlines.accepts(0.6, 0.9, 45, 50)  # a headline with another figure
    assert headlines.accepts(0.85, 0.9, 45, 50)  # the same headline, one word off
    assert headlines.accepts(0.6, 0.9, 100, 300)


# ---------------------------------------------------------------------------
# exact_similarities, exact_groups, estimated_jaccard


small_texts = st.lists(st.text(st.sampled_from("ابت "), max_size=14), min_size=1, max_size=7)


@settings(max_examples=200, deadline=None)
@given(texts=small_texts, n=st.integers(2, 4))
def test_exact_similarities_equal_brute_force(texts: list[str], n: int) -> None:
    sets = shingle_texts(texts, n)
    index_pairs = np.array(
        [(i, j) for i in range(len(texts)) for j in range(len(texts))], dtype=np.int64
    )
    jaccard, containment = exact_similarities(sets, index_pairs)
    swapped_j, swapped_c = exact_similarities(sets, index_pairs[:, ::-1].copy())
    for (i, j), sim_j, sim_c in zip(index_pairs.tolist(), jaccard, containment, strict=True):
        left, right = char_ngrams(texts[i], n), char_ngrams(texts[j], n)
        assert (sim_j, sim_c) == jaccard_containment(left, right)
        assert 0.0 <= sim_j <= sim_c <= 1.0
        if i == j and left:
            assert sim_j == sim_c == 1.0
        if not left or not right:
            assert sim_j == sim_c == 0.0
    assert swapped_j.tolist() == jaccard.tolist()  # symmetric
    assert swapped_c.tolist() == containment.tolist()


def _exact_jaccard(texts: list[str], pairs: np.ndarray) -> np.ndarray:
    return exact_similarities(shingle_texts(texts, 3), pairs)[0]


def _exact_containment(texts: list[str], pairs: np.ndarray) -> np.ndarray:
    return exact_similarities(shingle_texts(texts, 3), pairs)[1]


def _minhash_estimate(texts: list[str], pairs: np.ndarray) -> np.ndarray:
    return estimated_jaccard(minhash_signatures(shingle_texts(texts, 3), num_perm=32), pairs)


@pytest.mark.parametrize(
    "measure",
    [_exact_jaccard, _exact_containment, _minhash_estimate],
    ids=lambda m: m.__name__.strip("_"),
)
@settings(max_examples=60, deadline=None)
@given(texts=small_texts)
def test_similarity_measures_share_the_invariants(
    measure: Callable[[list[str], np.ndarray], np.ndarray], texts: list[str]
) -> None:
    count = len(texts)
    pairs = np.array([(i, j) for i in range(count) for j in range(count)], dtype=np.int64)
    values = measure(texts, pairs).reshape(count, count)
    assert ((values >= 0.0) & (values <= 1.0)).all()  # range
    assert (values == values.T).all()  # symmetry
    for i, text in enumerate(texts):
        if char_ngrams(text, 3):
            assert values[i, i] == 1.0  # identity


def test_exact_similarities_of_no_pairs() -> None:
    jaccard, containment = exact_similarities(
        shingle_texts(["وزير النفط"], 5), np.empty((0, 2), dtype=np.int64)
    )
    assert jaccard.shape == containment.shape == (0,)


@settings(max_examples=150, deadline=None)
@given(texts=small_texts, n=st.integers(2, 4))
def test_exact_groups_equal_brute_force(texts: list[str], n: int) -> None:
    sets = [char_ngrams(t, n) for t in texts]
    expected = [i if not s else sets.index(s) for i, s in enumerate(sets)]
    assert exact_groups(shingle_texts(texts, n)).tolist() == expected


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_estimated_jaccard_is_the_share_of_equal_slots(data: st.DataObject) -> None:
    count = data.draw(st.integers(2, 6))
    signatures = np.array(
        data.draw(
            st.lists(
                st.lists(st.integers(0, 2), min_size=8, max_size=8), min_size=count, max_size=count
            )
        ),
        dtype=np.uint32,
    )
    pairs = np.array([(i, j) for i in range(count) for j in range(count)], dtype=np.int64)
    estimates = estimated_jaccard(signatures, pairs)
    for (i, j), estimate in zip(pairs.tolist(), estimates, strict=True):
        equal = sum(int(x == y) for x, y in zip(signatures[i], signatures[j], strict=True))
        assert estimate == equal / 8


def test_scan_never_matches_tiny_texts(oracle_config: DedupConfig) -> None:
    # Identical short texts have Jaccard 1.0 but fewer than min_shingles shingles.
    tiny = FIXED_POINT_LETTERS[:12]
    assert len(char_ngrams(tiny, 5)) < oracle_config.min_shingles
    report = scan([Article("a", tiny), Article("b", tiny)], config=oracle_config)
    assert report.pairs == ()
    assert [c.size for c in report.clusters] == [1, 1]


# ---------------------------------------------------------------------------
# Containment matches: publication dates, and long verbatim passages


def _pair_config(**changes: object) -> DedupConfig:
    return DedupConfig(
        related=RelatedConfig(k=0), template_guard=False, learn_boilerplate=False, **changes
    )  # type: ignore[arg-type]


def _paired(articles: list[Article], config: DedupConfig) -> set[tuple[str, str]]:
    return {(p.a, p.b) for p in scan(articles, config=config).pairs}


@pytest.mark.parametrize(
    ("gap_days", "undated", "paired"),
    [(2, False, True), (6.9, False, True), (30, False, False), (30, True, True)],
)
def test_a_contained_copy_must_be_published_within_days(
    gap_days: float, undated: bool, paired: bool
) -> None:
    rng = random.Random(7)
    body = random_sentence(rng, 120)
    extension = random_sentence(rng, 110)  # the longer text adds as much again: J ~ 0.5
    first = Article(id="a", text=body, published_at="2024-03-01T08:00:00Z")
    later = datetime(2024, 3, 1, 8, tzinfo=UTC) + timedelta(days=gap_days)
    moment = later.isoformat().replace("+00:00", "Z")
    second = Article(id="b", text=body + " " + extension, published_at="" if undated else moment)
    config = _pair_config()
    assert _paired([first, second], config) == ({("a", "b")} if paired else set())
    # Off, the dates play no part.
    assert _paired([first, second], _pair_config(containment_max_days_apart=None)) == {("a", "b")}


def test_a_close_copy_matches_whatever_its_date() -> None:
    rng = random.Random(8)
    body = random_sentence(rng, 150)
    articles = [
        Article(id="a", text=body, published_at="2024-01-01"),
        Article(id="b", text=body + " " + random_sentence(rng, 3), published_at="2024-06-01"),
    ]
    report = scan(articles, config=_pair_config())
    assert [(p.a, p.b) for p in report.pairs] == [("a", "b")]
    assert report.pairs[0].jaccard >= 0.8


def test_a_retopped_copy_matches_by_its_passages() -> None:
    rng = random.Random(9)
    shared = random_sentence(rng, 100)
    first = Article(id="a", text=random_sentence(rng, 45) + " " + shared)
    second = Article(id="b", text=random_sentence(rng, 50) + " " + shared)
    sets = shingle_texts([normalize_text(first.text), normalize_text(second.text)], 5)
    jaccard, containment = exact_similarities(sets, np.array([[0, 1]]))
    # Precondition: under the 5-gram containment threshold, above the Jaccard floor.
    config = _pair_config()
    assert config.min_jaccard_for_containment <= jaccard[0] < config.jaccard_threshold
    assert containment[0] < config.containment_threshold
    report = scan([first, second], config=config)
    assert [(p.a, p.b, p.relation) for p in report.pairs] == [("a", "b", "near")]
    assert report.pairs[0].containment == pytest.approx(float(containment[0]))
    assert report.stats["counts"]["accepted_by_passages"] == 1  # type: ignore[index]
    assert _paired([first, second], _pair_config(passage_containment_threshold=None)) == set()


def test_shared_words_in_another_order_do_not_match_by_passages() -> None:
    rng = random.Random(10)
    words = random_sentence(rng, 150).split()
    shuffled = words[:]
    random.Random(11).shuffle(shuffled)
    # Same vocabulary, no long passage in common: the passage branch must not fire.
    articles = [Article(id="a", text=" ".join(words)), Article(id="b", text=" ".join(shuffled))]
    report = scan(articles, config=_pair_config())
    assert report.stats["counts"]["accepted_by_passages"] == 0  # type: ignore[index]


# ---------------------------------------------------------------------------
# The MinHash prefilter


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_estimates_between_two_matrices_equal_the_estimates_within_one(
    data: st.DataObject,
) -> None:
    rows = data.draw(st.integers(2, 6))
    values = data.draw(st.lists(st.integers(0, 3), min_size=rows * 8, max_size=rows * 8))
    signatures = np.array(values, dtype=np.uint32).reshape(rows, 8)
    pairs = np.array([(i, j) for i in range(rows) for j in range(rows)], dtype=np.int64)
    within = estimated_jaccard(signatures, pairs)
    right = signatures[::-1].copy()  # the same rows in another matrix, in another order
    between = estimated_between(signatures, pairs[:, 0], right, rows - 1 - pairs[:, 1])
    assert between.tolist() == within.tolist()


@pytest.mark.parametrize("num_perm", [64, 128, 256])
def test_the_prefilter_bound_lies_sigmas_under_the_lowest_acceptable_jaccard(
    num_perm: int,
) -> None:
    config = DedupConfig(num_perm=num_perm)
    floor = min(config.jaccard_threshold, config.min_jaccard_for_containment)
    sigma = (floor * (1 - floor) / num_perm) ** 0.5
    assert minimum_estimate(config) == pytest.approx(floor - 3 * sigma)
    assert minimum_estimate(config, sigmas=3.5) < minimum_estimate(config)
