"""Tests of the shared analyzer and term weighting (dedup/related/features.py).

The scan weighs terms with scikit-learn's vocabulary and the index with hashed ids; both
must read the same words and give them the same weights. (The hashed term counts are
checked against their reference in tests/test_prepare.py.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from strategies import normalizer_text

from dedup.normalize import normalize_text
from dedup.records import Article
from dedup.related import RelatedIndex, features


@settings(max_examples=200, deadline=None)
@given(text=normalizer_text(max_size=60))
def test_scan_vectorizer_reads_the_same_words_as_the_index(text: str) -> None:
    normalized = normalize_text(text)
    analyzer = CountVectorizer(lowercase=False, token_pattern=features.TOKEN_PATTERN)
    words = analyzer.build_analyzer()(normalized)
    assert words == features.tokens(normalized)
    hashed = features.term_counts(normalized)
    assert sum(hashed.values()) == len(words)
    assert set(hashed) == {features.hash_term(word) for word in words}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_idf_is_scikit_learns_smooth_idf(dtype: type[np.floating]) -> None:
    rng = np.random.default_rng(2)
    counts = sp.csr_matrix((rng.random((40, 25)) < 0.2).astype(dtype))
    counts = counts[:, np.flatnonzero(np.asarray(counts.sum(axis=0)).ravel())]
    expected = TfidfTransformer().fit(counts).idf_
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    got = features.idf(df, counts.shape[0], dtype=dtype)
    assert got.dtype == expected.dtype
    assert np.array_equal(got, expected)


def test_tfidf_weights_follow_the_max_df_rule() -> None:
    tf = np.ones(4)
    df = np.array([1.0, 10.0, 11.0, 40.0])
    # 20 articles: half is 10, fewer than _MAX_DF_MIN_DOCS, so nothing is dropped.
    assert np.all(features.tfidf_weights(tf, df, 20) > 0)
    assert features.max_df_limit(20) == math.inf
    assert features.max_df_share(20) == 1.0
    # 40 articles: half is 20, so a term in more than 20 articles weighs nothing.
    got = features.tfidf_weights(tf, df, 40)
    assert got[:3].tolist() == features.idf(df[:3], 40).tolist()
    assert got[3] == 0.0
    assert features.max_df_limit(40) == 40 * features.max_df_share(40) == 20.0


def test_rare_limit_has_a_floor_grows_with_the_corpus_and_stops() -> None:
    assert features.rare_limit(0) == features.rare_limit(1666) == 50
    assert features.rare_limit(20_000) == 600
    assert features.rare_limit(100_000) == features.rare_limit(5_000_000) == 3000
    # The scan compares integer document frequencies with the same limit.
    for n in (1666, 1700, 1701, 99_999, 123_457):
        limit = features.rare_limit(n)
        expected = min(max(50, int(0.03 * n)), 3000)
        assert all((df <= limit) == (df <= expected) for df in range(4000))


def test_tf_weights_are_log_one_plus_count() -> None:
    counts = np.array([0.0, 0.5, 1.0, 3.0], dtype=np.float32)
    assert np.array_equal(features.tf_weights(counts), np.log1p(counts))
    features.tf_weights(counts, out=counts)
    assert counts.dtype == np.float32
    assert counts[2] == np.float32(np.log(2.0))


def test_title_weighted_adds_the_title_weight_times() -> None:
    body = sp.csr_matrix(np.array([[2.0, 0.0, 1.0]], dtype=np.float32))
    title = sp.csr_matrix(np.array([[1.0, 2.0, 0.0]], dtype=np.float32))
    got = features.title_weighted(body, title, 0.5).toarray()
    assert got.tolist() == [[2.5, 1.0, 1.0]]
    assert features.title_weighted(body, title, 0.0) is body


def test_scan_rows_are_the_shared_weights_normalized() -> None:
    articles = [
        Article(id="1", title="أسعار النفط", text="ارتفاع أسعار النفط في الأسواق العالمية"),
        Article(id="2", title="", text="تراجع أسعار الذهب في الأسواق"),
        Article(id="3", title="النفط", text="اجتماع أوبك لبحث إنتاج النفط"),
    ]
    index = RelatedIndex().fit(articles)
    assert index.word_vectorizer_ is not None
    vocabulary = index.word_vectorizer_.vocabulary_
    for row, article in enumerate(articles):
        body = features.tokens(features.stem(normalize_text(article.text)))
        title = features.tokens(features.stem(normalize_text(article.title)))
        terms = sorted(set(body) | set(title))
        counts = features.title_weighted(
            np.array([body.count(t) for t in terms], dtype=np.float64),
            np.array([title.count(t) for t in terms], dtype=np.float64),
            index.config.title_weight,
        )
        words = [set(features.tokens(features.stem(normalize_text(f"{a.title} {a.text}"))))
                 for a in articles]  # fmt: skip
        df = np.array([sum(t in w for w in words) for t in terms], dtype=np.float64)
        weights = features.tfidf_weights(features.tf_weights(counts), df, len(articles))
        expected = np.zeros(len(vocabulary))
        expected[[vocabulary[t] for t in terms]] = weights / np.linalg.norm(weights)
        assert np.allclose(index.vectors_[row].toarray().ravel(), expected, atol=1e-6)


# Lucene's ArabicStemmer (the light10 rules), word by word with string slicing: the reference
# for the regex passes of features.stem.
_PREFIXES = ("ال", "وال", "بال", "كال", "فال", "لل", "و")
_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")


def _lucene_light10(word: str) -> str:
    for prefix in _PREFIXES:
        left = len(word) - len(prefix)
        if word.startswith(prefix) and left >= (3 if len(prefix) == 1 else 2):
            word = word[len(prefix) :]
            break
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
    return word


_ARABIC_WORDS = st.text(alphabet="اوبكفلهيتنمدر", min_size=1, max_size=9)


@settings(max_examples=300, deadline=None)
@given(words=st.lists(_ARABIC_WORDS, min_size=1, max_size=12))
def test_light10_stems_as_lucenes_arabic_stemmer(words: list[str]) -> None:
    assert features.stem(" ".join(words)) == " ".join(map(_lucene_light10, words))


@settings(max_examples=100, deadline=None)
@given(text=normalizer_text(max_size=60))
def test_stemming_keeps_one_word_per_word_and_none_keeps_the_text(text: str) -> None:
    normalized = normalize_text(text)
    assert features.stem(normalized, "none") == normalized
    stems = features.stem(normalized).split(" ") if normalized else []
    assert len(stems) == len(normalized.split())
    assert all(stems)  # a prefix or suffix never takes a whole word


def test_light10_joins_the_inflections_of_a_word() -> None:
    forms = ["المعلمون", "والمعلمين", "للمعلمين", "معلمها", "بالمعلمات"]
    assert set(features.stem(" ".join(forms)).split()) == {"معلم"}
    # Too short to strip: the stem keeps two letters (three after و).
    assert features.stem("وزن الم") == "وزن الم"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="الوبكفلهانتيةيهدرس_-،0123456789ءآأ", min_size=1, max_size=12))
def test_light10_string_tests_equal_its_rules(word: str) -> None:
    # The fast path (words of word characters) must stem as the regular expressions do.
    assert features._light10(word) == features._light10_by_rules(word)
