"""The candidate stage: winnowed fingerprints and their pairs against slow, obvious references."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import DedupConfig
from dedup.candidates import (
    Fingerprints,
    candidate_pairs,
    fingerprint_pairs,
    kgram_hashes,
    passage_fingerprints,
)
from dedup.lsh import candidate_pairs as lsh_candidate_pairs
from dedup.shingle import shingle_texts
from dedup.signature import minhash_signatures

ALPHABET = "ابتثجحخد هوي"
texts_strategy = st.lists(st.text(alphabet=ALPHABET, max_size=90), min_size=1, max_size=12)


def _points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.uint64)


def _reference(text: str, chars: int, window: int) -> set[int]:
    """Winnowing written out: the minimum of every window of k-gram hashes."""
    hashes = [int(h) for h in kgram_hashes(_points(text), chars)]
    if not hashes:
        return set()
    if len(hashes) < window:
        return {min(hashes)}
    return {min(hashes[i : i + window]) for i in range(len(hashes) - window + 1)}


@given(texts_strategy, st.integers(2, 8), st.integers(1, 9))
@settings(max_examples=150, deadline=None)
def test_fingerprints_are_the_window_minima_of_each_text(
    texts: list[str], chars: int, window: int
) -> None:
    prints = passage_fingerprints(texts, chars=chars, window=window)
    assert len(prints) == len(texts)
    for index, text in enumerate(texts):
        got = prints.hashes[prints.offsets[index] : prints.offsets[index + 1]].tolist()
        assert got == sorted(_reference(text, chars, window))


@given(st.text(alphabet=ALPHABET, min_size=1, max_size=60), st.integers(2, 6))
def test_a_kgram_hash_depends_on_the_kgram_alone(text: str, chars: int) -> None:
    hashes = kgram_hashes(_points("قبل " + text + " بعد"), chars)
    alone = kgram_hashes(_points(text), chars)
    assert hashes[4 : 4 + len(alone)].tolist() == alone.tolist()


@given(st.text(alphabet=ALPHABET, min_size=40, max_size=120), st.text(alphabet=ALPHABET))
def test_a_shared_passage_of_chars_plus_window_gives_a_shared_fingerprint(
    passage: str, noise: str
) -> None:
    chars, window = 8, 10
    texts = [noise + passage, passage + noise[::-1]]
    prints = passage_fingerprints(texts, chars=chars, window=window)
    first = set(prints.hashes[: prints.offsets[1]].tolist())
    second = set(prints.hashes[prints.offsets[1] :].tolist())
    assert first & second  # the winnowing guarantee


def _pairs_reference(
    sets: list[set[int]], max_df: int, min_shared: int, min_share: float
) -> list[list[int]]:
    frequency: dict[int, int] = {}
    for found in sets:
        for value in found:
            frequency[value] = frequency.get(value, 0) + 1
    pairs = []
    for i, j in itertools.combinations(range(len(sets)), 2):
        shared = sum(1 for v in sets[i] & sets[j] if frequency[v] <= max_df)
        if shared >= min_shared and shared >= min_share * min(len(sets[i]), len(sets[j])):
            pairs.append([i, j])
    return pairs


@given(
    st.lists(st.sets(st.integers(0, 30), max_size=10), min_size=1, max_size=15),
    st.integers(2, 6),
    st.integers(1, 3),
    st.sampled_from([0.0, 0.3, 0.7]),
)
def test_fingerprint_pairs_match_counting_every_pair(
    sets: list[set[int]], max_df: int, min_shared: int, min_share: float
) -> None:
    sizes = np.array([len(s) for s in sets], dtype=np.int64)
    offsets = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    hashes = np.array([v for s in sets for v in sorted(s)], dtype=np.uint64)
    got = fingerprint_pairs(
        Fingerprints(hashes, offsets), max_df=max_df, min_shared=min_shared, min_share=min_share
    )
    assert got.tolist() == _pairs_reference(sets, max_df, min_shared, min_share)


def test_take_and_concatenate_keep_each_texts_fingerprints() -> None:
    texts = ["وزير النفط يعلن زيادة الصادرات", "كلمة", "ارتفع المؤشر العام للسوق اليوم"]
    prints = passage_fingerprints(texts, chars=5, window=3)
    taken = prints.take(np.array([2, 0]))
    joined = Fingerprints.concatenate([prints, taken])
    assert taken.sizes.tolist() == [prints.sizes[2], prints.sizes[0]]
    assert joined.hashes[joined.offsets[3] : joined.offsets[4]].tolist() == (
        prints.hashes[prints.offsets[2] : prints.offsets[3]].tolist()
    )


@given(
    sizes=st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=12),
    picks=st.data(),
)
def test_take_gives_each_chosen_texts_fingerprints_in_order(
    sizes: list[int], picks: st.DataObject
) -> None:
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    prints = Fingerprints(np.arange(int(offsets[-1]), dtype=np.uint64), offsets)
    every = list(range(len(sizes)))
    # Ascending rows (the scan's representatives, taken through a mask) and any order.
    for rows in (
        sorted(picks.draw(st.sets(st.sampled_from(every)))),
        picks.draw(st.lists(st.sampled_from(every))),
    ):
        taken = prints.take(np.array(rows, dtype=np.int64))
        assert taken.sizes.tolist() == [sizes[r] for r in rows]
        assert taken.hashes.tolist() == [
            v for r in rows for v in prints.hashes[offsets[r] : offsets[r + 1]].tolist()
        ]


BODY = (
    "أعلنت وزارة النفط العراقية اليوم عن زيادة صادرات الخام عبر موانئ البصرة الجنوبية "
    "بعد استكمال أعمال الصيانة في المنصات العائمة، وقال المتحدث باسم الوزارة إن المعدل "
    "اليومي بلغ ثلاثة ملايين وأربعمائة ألف برميل خلال الأسبوع الماضي، متوقعا ارتفاعه "
    "مع دخول حقول جديدة مرحلة الإنتاج في الربع المقبل من العام الجاري."
)


def test_a_trimmed_copy_is_proposed_by_passages_when_lsh_misses_it() -> None:
    config = DedupConfig()
    other = " ".join(f"بند {i:04d}" for i in range(120))  # distinct 5-grams, no passage of BODY
    texts = [
        BODY + " " + other,
        BODY,
        "فاز الفريق الوطني بالمباراة النهائية للبطولة بعد مباراة مثيرة",
    ]
    sets = shingle_texts(texts, config.ngram)
    signatures = minhash_signatures(sets, num_perm=config.num_perm, seed=config.seed)
    prints = passage_fingerprints(
        texts, chars=config.fingerprint_chars, window=config.fingerprint_window
    )
    bands, rows = config.bands_rows
    lsh = lsh_candidate_pairs(signatures, bands=bands, rows=rows).tolist()
    both = candidate_pairs(signatures, prints, config).tolist()
    assert [0, 1] not in lsh  # Jaccard about 0.3: the LSH branch is tuned higher
    assert both == [[0, 1]]
    assert candidate_pairs(signatures, None, config).tolist() == lsh


def test_the_frequency_cap_silences_a_passage_every_text_carries() -> None:
    quote = "وقال المتحدث باسم الوزارة إن المعدل اليومي بلغ ثلاثة ملايين برميل في الأسبوع الماضي"
    texts = [f"{quote} خبر رقم {i}" for i in range(8)]
    prints = passage_fingerprints(texts, chars=30, window=20)
    assert len(fingerprint_pairs(prints, max_df=50, min_shared=2, min_share=0.05)) == 28
    assert len(fingerprint_pairs(prints, max_df=7, min_shared=2, min_share=0.05)) == 0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"fingerprint_chars": 1}, "fingerprint_chars must be >= 2"),
        ({"fingerprint_max_df": 1}, "fingerprint_max_df must be >= 2"),
        ({"fingerprint_min_share": 1.5}, r"fingerprint_min_share must be in \[0, 1\]"),
    ],
)
def test_fingerprint_settings_are_checked(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(DedupConfig(), **values)  # type: ignore[arg-type]


@given(
    st.lists(st.sets(st.integers(0, 40), max_size=12), min_size=1, max_size=20),
    st.integers(1, 20_000),
)
@settings(max_examples=40, deadline=None)
def test_fingerprint_pairs_in_spilled_parts_are_the_same(sets: list[set[int]], limit: int) -> None:
    sizes = np.array([len(s) for s in sets], dtype=np.int64)
    offsets = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    hashes = np.array([v for s in sets for v in sorted(s)], dtype=np.uint64)
    prints = Fingerprints(hashes, offsets)
    rule = {"max_df": 6, "min_shared": 2, "min_share": 0.2}
    whole = fingerprint_pairs(prints, **rule)  # type: ignore[arg-type]
    parted = fingerprint_pairs(prints, **rule, memory_limit=limit)  # type: ignore[arg-type]
    assert parted.tolist() == whole.tolist()
