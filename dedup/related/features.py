"""Terms and their weights: one analyzer and one TF-IDF rule for every driver.

The scan (:class:`dedup.related.tfidf.RelatedIndex`, scikit-learn's vocabulary) and the
index (:mod:`dedup.index.related`, 32-bit hashed term ids) read the same words and weigh
them the same way:

1. **tokens**: after :func:`dedup.normalize.normalize_text` and light stemming
   (:func:`stem`, Larkey's light10), the words of two letters or more
   (:data:`TOKEN_PATTERN`, :func:`tokens`; hashed by :func:`term_counts`);
2. **title**: the title's counts are added ``title_weight`` times (:func:`title_weighted`);
3. **tf**: ``log(1 + count)`` (:func:`tf_weights`);
4. **idf**: scikit-learn's smooth idf, ``ln((1 + n) / (1 + df)) + 1`` (:func:`idf`);
5. **max_df**: a term in more than half the articles weighs nothing (:func:`max_df_limit`,
   :func:`max_df_share`, :func:`tfidf_weights`), in place of a stop list;
6. **rare**: the terms whose posting lists are short enough to find candidates by
   (:func:`rare_limit`).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from typing import Any, Final, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

__all__ = [
    "TOKEN_PATTERN",
    "hash_term",
    "idf",
    "max_df_limit",
    "max_df_share",
    "rare_limit",
    "stem",
    "term_counts",
    "tf_weights",
    "tfidf_weights",
    "title_weighted",
    "tokens",
]

F64Array = npt.NDArray[np.float64]

# Words of two letters or more. After normalize_text only letters, digits, "%" and "." are
# left, so scikit-learn's default token pattern is safe here; the one-letter proclitics that
# stand alone (و) are dropped, as the default pattern does.
TOKEN_PATTERN: Final = r"(?u)\b\w\w+\b"
_TOKEN: Final = re.compile(TOKEN_PATTERN)
# A term found in more than this share of the articles is dropped, in place of a stop list
# (function words في من على ان are in most articles). Measured on judged-related-dev: max_df
# 1.0, 0.5, 0.2 and 0.1 give the same nDCG@10 within 0.003; 0.05 loses 0.03. Never applied when
# that share is fewer than _MAX_DF_MIN_DOCS articles, so tiny corpora keep their words.
_MAX_DF_SHARE: Final = 0.5
_MAX_DF_MIN_DOCS: Final = 20
# Terms found in at most max(_RARE_DF_MIN, _RARE_DF_SHARE × articles) articles are "rare": their
# part of the cosine is computed exactly by a sparse product, cheap because their posting lists
# are short. Only pairs that share a rare term are looked at. Measured recall of the exact top 10:
# 1.5 % → 0.963, 2 % → 0.979, 3 % → 0.993 at 20k articles (slower as the share grows: 2 % gives
# 5,600 pairs per article, 28 % of all pairs, and its sparse product is ~2.8 s of CPU, the largest
# stage); the floor of 50 keeps small corpora (1,500 ANT articles: 0.992) from having too few rare
# terms. At 20k, 99.6 % of the true top-10 pairs share a rare term at 2 %, 97.8 % at 1 %; keeping
# only each article's 20 heaviest rare terms (214 pairs per article) found 0.70: related news
# share many light words, not a few heavy ones.
# With light10 stems (fewer, more frequent terms) 2 % gave recall@10 0.937 at 20k, 3 % 0.969 in
# the same time (6.9 s of related lists on a loaded machine); a pool of 60 as well reached 0.980
# but took 1.5 times as long.
_RARE_DF_SHARE: Final = 0.03
_RARE_DF_MIN: Final = 50
# Above 100k articles the limit stays at 3 % of 100k. With a share, the pairs an article shares
# a rare term with grow with the corpus, so the stage grew as n²: on benchmarks.archive articles
# 81k pairs per article at 100k and 162k at 200k (related lists 90 s and 413 s). With 3,000 they
# fall (60k at 200k, 167 s), at a cost: recall@10 of the exact top 10 (400 sampled queries,
# no time or story rules) 0.713 against 0.789 at 200k. On Markov-chain text any ten neighbours
# are nearly tied; no real-news corpus we hold passes 100k, where nothing changes.
_RARE_DF_MAX: Final = 3000

# Light stemming of Arabic (Larkey, Ballesteros & Connell 2007, "light10"; the rules of
# Lucene's ArabicStemmer, which Elasticsearch's `arabic` analyzer runs): one prefix of
# ال وال بال كال فال لل when two letters are left, or و when three are; then each suffix in
# turn, ها ان ات ون ين يه ه ي (ية and ة are يه and ه after normalize_text), when two letters are
# left. Measured on judged-related-dev against no stemming and Snowball's Arabic stemmer
# (PyStemmer): benchmarks/README.md, "Related lists (issue 16)".
_ARTICLE_PREFIXES: Final = ("ال", "وال", "بال", "كال", "فال", "لل")
_SUFFIX_WORDS: Final = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")
_PREFIX: Final = re.compile(rf"\b(?:(?:{'|'.join(_ARTICLE_PREFIXES)})(?=\w\w)|و(?=\w\w\w))")
_SUFFIXES: Final = tuple(re.compile(rf"(?<=\w\w){suffix}\b") for suffix in _SUFFIX_WORDS)
# Stems of the words seen lately (news vocabulary repeats): cleared when full.
_STEMS: dict[str, str] = {}
_STEMS_LIMIT: Final = 1 << 18

# Term ids of the words seen lately: news vocabulary repeats, so most words of an article
# are looked up instead of hashed. Cleared when full (as big as the former lru_cache). A
# one-character word, which str.split yields and _TOKEN does not, is cached as _NOT_A_TERM.
_TERM_IDS: dict[str, int] = {}
_TERM_IDS_LIMIT: Final = 1 << 18
_NOT_A_TERM: Final = -1


class _Counts(Protocol):
    """Term counts that add up and scale: numpy arrays and scipy sparse matrices."""

    def __add__(self, other: Any, /) -> Any: ...
    def __rmul__(self, other: float, /) -> Any: ...


_C = TypeVar("_C", bound=_Counts)


def tokens(text: str) -> list[str]:
    """The words of ``text`` that are terms: runs of two word characters or more.

    ``text`` is expected normalized (:func:`dedup.normalize.normalize_text`).

    Examples
    --------
    >>> tokens("وصل الوزير و الوفد 12 3")
    ['وصل', 'الوزير', 'الوفد', '12']
    """
    return _TOKEN.findall(text)


def _light10(word: str) -> str:
    """One word light-stemmed: :data:`_PREFIX`, then each of :data:`_SUFFIXES` in turn.

    A word of word characters only (nearly every one) has its regex boundaries at its two
    ends alone, so the rules read as string tests there (the 232,554 distinct words of five
    shared corpora: 0.35 s, against 0.65 s for the nine substitutions, same stems); any
    other word goes through the expressions themselves (:func:`_light10_by_rules`).
    """
    if not word.isalnum():  # \w is alphanumeric or "_": an underscore takes the rules too
        return _light10_by_rules(word)
    for prefix in _ARTICLE_PREFIXES:  # the regex's alternatives, in its order
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            word = word[len(prefix) :]
            break
    else:
        if word.startswith("و") and len(word) >= 4:
            word = word[1:]
    for suffix in _SUFFIX_WORDS:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
    return word


def _light10_by_rules(word: str) -> str:
    word = _PREFIX.sub("", word)
    for suffix in _SUFFIXES:
        word = suffix.sub("", word)
    return word


def stem(text: str, stemming: str = "light10") -> str:
    """``text`` with each word light-stemmed (``stemming="none"``: as it is).

    ``text`` is expected normalized (:func:`dedup.normalize.normalize_text`): words between
    single spaces. Each distinct word is stemmed once and remembered.

    Examples
    --------
    >>> stem("والمعلمون في المدارس الحكوميه")
    'معلم في مدارس حكوم'
    >>> stem("والمعلمون", "none")
    'والمعلمون'
    """
    if stemming == "none" or not text:
        return text
    words = text.split()
    try:
        stems = list(map(_STEMS.__getitem__, words))
    except KeyError:
        missing = set(words).difference(_STEMS)
        if len(_STEMS) + len(missing) > _STEMS_LIMIT:
            _STEMS.clear()
            missing = set(words)
        _STEMS.update(zip(missing, map(_light10, missing), strict=True))
        stems = list(map(_STEMS.__getitem__, words))
    return " ".join(stems)


def stem_chunk(payload: dict[str, Any]) -> list[str]:
    """:func:`stem` of a chunk of texts (a worker task): ``payload`` holds ``texts`` and
    ``stemming``.

    Examples
    --------
    >>> stem_chunk({"texts": ["والمعلمون في المدارس"], "stemming": "light10"})
    ['معلم في مدارس']
    """
    stemming = str(payload["stemming"])
    return [stem(text, stemming) for text in payload["texts"]]


def hash_term(token: str) -> int:
    """The 32-bit id of a term, stable across processes (unlike ``hash()``).

    Collisions merge two words once in ~4e9 pairs: harmless for ranking. The index stores
    these ids: never change this function.

    Examples
    --------
    >>> hash_term("بغداد") == hash_term("بغداد") < 2**32
    True
    """
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=4).digest(), "little")


def _cached_term(word: str) -> int:
    return hash_term(word) if len(word) > 1 else _NOT_A_TERM


def _words(text: str) -> Counter[str]:
    """Occurrences of each :func:`tokens` word of ``text``."""
    # The tokens are the maximal runs of \w of two characters or more. Normalized text is
    # mostly such runs between single spaces, "." and "%": then splitting on those is the
    # same and several times faster than the regex (\w is str.isalnum plus "_", and "_"
    # fails the test).
    spaced = text.replace(".", " ").replace("%", " ") if "." in text or "%" in text else text
    if spaced.replace(" ", "").isalnum():
        return Counter(spaced.split())
    return Counter(_TOKEN.findall(text))


def term_counts(text: str) -> dict[int, int]:
    """Occurrences per hashed term id (:func:`hash_term`) of the :func:`tokens` of ``text``.

    Examples
    --------
    >>> counts = term_counts("النفط يرتفع و النفط يتراجع")
    >>> counts[hash_term("النفط")], len(counts)
    (2, 3)
    """
    words = _words(text)
    # map() over the words rather than a loop: only words not seen lately are hashed one
    # by one.
    try:
        terms = list(map(_TERM_IDS.__getitem__, words))
    except KeyError:
        missing = [word for word in words if word not in _TERM_IDS]
        if len(_TERM_IDS) + len(missing) > _TERM_IDS_LIMIT:
            _TERM_IDS.clear()
            missing = list(words)
        _TERM_IDS.update(zip(missing, map(_cached_term, missing), strict=True))
        terms = list(map(_TERM_IDS.__getitem__, words))
    counts = dict(zip(terms, words.values(), strict=True))
    one_letter = terms.count(_NOT_A_TERM)
    if len(counts) < len(terms) - one_letter + (one_letter > 0):
        # Two words of the article share an id (a 32-bit collision): add up, as before.
        counts = {}
        for term, n in zip(terms, words.values(), strict=True):
            counts[term] = counts.get(term, 0) + n
    counts.pop(_NOT_A_TERM, None)
    return counts


def title_weighted(body: _C, title: _C, weight: float) -> _C:
    """Term counts of an article: the body's plus the title's counted ``weight`` times.

    ``body`` and ``title`` are aligned count arrays or sparse matrices (same terms, same
    shape). Measured on judged-related-dev (``RelatedConfig.title_weight``): weight 1 ranks
    best.

    Examples
    --------
    >>> title_weighted(np.array([2.0, 0.0]), np.array([1.0, 1.0]), 0.5).tolist()
    [2.5, 0.5]
    """
    if weight <= 0:
        return body
    # The same expression for numpy arrays and scipy sparse matrices.
    weighted: _C = body + weight * title
    return weighted


def tf_weights(counts: F64Array, *, out: npt.NDArray[np.floating] | None = None) -> F64Array:
    """``log(1 + count)``: the term-frequency weight of every driver.

    Rather than scikit-learn's ``1 + log(tf)``: a title weight below 1 gives fractional
    counts, whose ``1 + log`` would turn negative. ``out`` computes in place (its dtype).

    Examples
    --------
    >>> tf_weights(np.array([0.0, 1.0, np.e - 1])).round(3).tolist()
    [0.0, 0.693, 1.0]
    """
    return np.log1p(counts, out=out)


def idf(
    df: npt.ArrayLike, n_docs: int, *, dtype: type[np.floating] = np.float64
) -> npt.NDArray[np.floating]:
    """Smooth inverse document frequency, ``ln((1 + n_docs) / (1 + df)) + 1``.

    Computed as scikit-learn's ``TfidfTransformer(smooth_idf=True)`` does, step for step in
    ``dtype``: the scan weighs its float32 rows with it, the index its float64 terms.

    Examples
    --------
    >>> idf([0, 1, 3], 3).round(4).tolist()
    [2.3863, 1.6931, 1.0]
    """
    frequencies = np.array(df, dtype=dtype)
    frequencies += 1.0
    weights = np.full_like(frequencies, fill_value=n_docs + 1, dtype=dtype)
    weights /= frequencies
    np.log(weights, out=weights)
    weights += 1.0
    return weights


def max_df_share(n_docs: int) -> float:
    """The max_df rule as scikit-learn's ``max_df`` share (1.0: no term is dropped).

    Examples
    --------
    >>> max_df_share(10), max_df_share(1000)
    (1.0, 0.5)
    """
    return 1.0 if n_docs * _MAX_DF_SHARE < _MAX_DF_MIN_DOCS else _MAX_DF_SHARE


def max_df_limit(n_docs: int) -> float:
    """The highest document frequency a term may have to weigh anything (inf: no limit).

    Examples
    --------
    >>> max_df_limit(10), max_df_limit(1000)
    (inf, 500.0)
    """
    return n_docs * _MAX_DF_SHARE if n_docs * _MAX_DF_SHARE >= _MAX_DF_MIN_DOCS else math.inf


def tfidf_weights(tf: F64Array, df: F64Array, n_docs: int) -> F64Array:
    """TF-IDF weights of terms: ``tf × idf``, zero past the max_df rule (float64).

    Parameters
    ----------
    tf
        :func:`tf_weights` of the terms.
    df
        Their document frequencies, aligned with ``tf``.
    n_docs
        Articles in the corpus.

    Examples
    --------
    >>> tfidf_weights(np.array([1.0, 1.0]), np.array([1.0, 40.0]), 50).round(4).tolist()
    [4.2387, 0.0]
    """
    return np.where(df <= max_df_limit(n_docs), tf * idf(df, n_docs), 0.0)


def rare_limit(n_docs: int) -> float:
    """The highest document frequency of a *rare* term (candidates come from rare terms).

    Examples
    --------
    >>> rare_limit(1000), rare_limit(20000), rare_limit(1_000_000)
    (50, 600.0, 3000)
    """
    return min(max(_RARE_DF_MIN, _RARE_DF_SHARE * n_docs), _RARE_DF_MAX)
