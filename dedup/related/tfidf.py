"""Related articles of a corpus held in memory: TF-IDF cosine, one slot per story.

:class:`RelatedIndex` (scikit-learn conventions: ``fit`` returns ``self``, fitted attributes
end in ``_``) arranges the stages of :mod:`dedup.related`:

1. **features** (:mod:`dedup.related.features`): title and body go through
   :func:`dedup.normalize.normalize_text` (the detector's normalization) and the light
   stemmer (:func:`dedup.related.features.stem`); word counts come
   from a scikit-learn ``CountVectorizer`` on the shared token rule, the title counted
   ``title_weight`` times; ``log(1 + tf) × idf``, rows L2-normalized. With ``char_ngrams`` a
   ``char_wb`` block is stacked next to the words.
2. **candidates** (:mod:`dedup.related.candidates`): exact blocked product on small corpora,
   rare terms and a low-rank estimate on large ones.
3. **selection** (:mod:`dedup.related.select`): own story dropped, one slot per story, time
   window, recency decay, per-source cap or MMR, top ``k``.

Scores are rounded to 6 decimals; lists are ordered by score (descending) and then id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

from dedup.config import RelatedConfig
from dedup.errors import ConfigError, DedupError, InputError
from dedup.normalize import NormalizationOptions, normalize_text
from dedup.prepare import published_timestamp
from dedup.records import Article, RelatedItem
from dedup.related import candidates, features
from dedup.related.select import Candidates, Catalog, select

__all__ = ["RelatedIndex", "Texts"]

F64Array = npt.NDArray[np.float64]
I64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Character n-grams inside word boundaries, as scikit-learn's ``char_wb``.
_CHAR_NGRAM_RANGE = (3, 5)
# Share of the cosine that the character block carries when ``char_ngrams`` is on. Measured
# (benchmarks/related_quality.py): 0.3, 0.5 and 0.7 all beat words alone on the four sets; 0.5
# is the even mix, the gains from 0.5 to 0.7 are within noise.
_CHAR_SHARE = 0.5
_SECONDS_PER_DAY = 86400.0


class Texts(Protocol):
    """Texts in the articles' order that can be counted and read, once or more (a list, or
    the scan's stemmed page texts, made as they are read so that a million are never held)."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[str]: ...


def _joined(titles: list[str], bodies: Texts) -> Iterator[str]:
    """Each title and its body as one text, made as it is read."""
    return (f"{title} {body}" for title, body in zip(titles, bodies, strict=True))


def _timestamps(articles: Sequence[Article]) -> F64Array:
    """Seconds since the epoch of each article, NaN when undated (as in the pipeline)."""
    moments = [published_timestamp(a.published_at) for a in articles]
    return np.array([np.nan if m is None else m for m in moments], dtype=np.float64)


def _check_k(k: int | None, default: int) -> int:
    value = default if k is None else k
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"k must be an integer >= 0, got {k!r}")
    return value


def _check_articles(articles: object, where: str) -> list[Article]:
    if isinstance(articles, Article | str | bytes):
        raise InputError(
            f"{where} expects a sequence of Article, got a single {type(articles).__name__}; "
            "wrap it in a list"
        )
    if not isinstance(articles, Iterable):
        raise InputError(f"{where} expects a sequence of Article, got {type(articles).__name__}")
    items: list[object] = list(articles)
    for position, item in enumerate(items):
        if not isinstance(item, Article):
            raise InputError(
                f"{where}: item {position} is a {type(item).__name__}, not an Article; "
                "build records with dedup.Article(id=..., text=...)"
            )
    return [item for item in items if isinstance(item, Article)]


@dataclass(frozen=True, slots=True)
class _Stories:
    """Story structure of the fitted articles, as integer arrays over article positions."""

    story: I64Array  # story number of each article
    canonical: I64Array  # position of the canonical member of each article's story


def _cluster_members(
    position: Mapping[str, int], cluster_of: Mapping[str, str]
) -> dict[str, list[int]]:
    """Positions of the members of each cluster of ``cluster_of``."""
    unknown = sorted(set(cluster_of) - set(position))
    if unknown:
        raise InputError(
            f"cluster_of names {len(unknown)} id(s) that are not among the fitted articles, "
            f"e.g. {unknown[:3]}; pass the mapping for the same articles"
        )
    members: dict[str, list[int]] = {}
    for article_id, cluster in cluster_of.items():
        members.setdefault(cluster, []).append(position[article_id])
    return members


def _shown_member(
    cluster: str,
    positions: list[int],
    chosen: str | None,
    articles: Sequence[Article],
    timestamps: F64Array,
    position: Mapping[str, int],
) -> int:
    """Position of the member shown for a cluster: ``chosen``, or the earliest published
    (undated last), then the smallest id."""
    if chosen is None:
        return min(
            positions,
            key=lambda p: (np.isnan(timestamps[p]), np.nan_to_num(timestamps[p]), articles[p].id),
        )
    if chosen not in position or position[chosen] not in positions:
        shown = sorted(articles[p].id for p in positions)[:5]
        raise InputError(
            f"canonical_of[{cluster!r}] is {chosen!r}, which is not a member of cluster "
            f"{cluster!r} in cluster_of (members: {shown})"
        )
    return position[chosen]


def _stories(
    articles: Sequence[Article],
    timestamps: F64Array,
    cluster_of: Mapping[str, str] | None,
    canonical_of: Mapping[str, str] | None,
) -> _Stories:
    position = {article.id: i for i, article in enumerate(articles)}
    canonical_of = dict(canonical_of or {})
    members = _cluster_members(position, dict(cluster_of or {}))
    story = np.arange(len(articles), dtype=np.int64)
    canonical = np.arange(len(articles), dtype=np.int64)
    for cluster, positions in members.items():
        best = _shown_member(
            cluster, positions, canonical_of.get(cluster), articles, timestamps, position
        )
        story[positions] = best
        canonical[positions] = best
    stray = sorted(set(canonical_of) - set(members))
    if stray:
        raise InputError(
            f"canonical_of names {len(stray)} cluster(s) that no article belongs to in "
            f"cluster_of, e.g. {stray[:3]}"
        )
    return _Stories(story=story, canonical=canonical)


class RelatedIndex:
    """Related articles for a corpus: TF-IDF cosine, story-aware, news-aware.

    Parameters
    ----------
    config
        Settings of the related list (k, minimum score, title weight, character n-grams,
        time window, recency half-life, per-source cap, MMR λ).
    normalization
        Optional tiers of the Arabic normalization; use the detector's, so both see the same
        words.

    Attributes
    ----------
    ids_ : tuple of str
        Fitted article ids, in input order.
    vectors_ : scipy.sparse.csr_matrix
        One L2-normalized TF-IDF row per fitted article (float32).
    word_vectorizer_, char_vectorizer_
        The fitted scikit-learn vectorizers (``char_vectorizer_`` is None without character
        n-grams; both are None when the corpus has no words at all).
    idf_ : numpy.ndarray or None
        Smooth idf of each word column (:func:`dedup.related.features.idf`, float32).
    n_undated_ : int
        Fitted articles without a usable ``published_at`` (never excluded by the time window).

    Examples
    --------
    >>> from dedup.records import Article
    >>> index = RelatedIndex().fit([
    ...     Article(id="a", text="فيضانات في مدينة تريم بوادي حضرموت بعد أمطار غزيرة"),
    ...     Article(id="b", text="قافلة مساعدات تصل إلى متضرري فيضانات تريم في حضرموت"),
    ...     Article(id="c", text="المنتخب العراقي يفوز على فيتنام بثلاثة أهداف"),
    ... ])
    >>> [item.id for item in index.related()["a"]]
    ['b']
    """

    def __init__(
        self,
        config: RelatedConfig | None = None,
        *,
        normalization: NormalizationOptions | None = None,
    ) -> None:
        self.config = config if config is not None else RelatedConfig()
        self.normalization = normalization if normalization is not None else NormalizationOptions()

    # ------------------------------------------------------------------ features

    def _documents(
        self,
        articles: Sequence[Article],
        *,
        normalized: bool = False,
        stemmed: bool = False,
        texts: Texts | None = None,
    ) -> tuple[list[str], Texts]:
        options, stemming = self.normalization, self.config.stemming
        titles = [features.stem(normalize_text(a.title, options), stemming) for a in articles]
        given: Texts = [article.text for article in articles] if texts is None else texts
        if stemmed:
            return titles, given
        if normalized:
            return titles, [features.stem(text, stemming) for text in given]
        bodies = [features.stem(normalize_text(text, options), stemming) for text in given]
        return titles, bodies

    def _fit_features(self, titles: list[str], bodies: Texts) -> sp.csr_matrix:
        n = len(bodies)
        max_df = features.max_df_share(n)
        self.word_vectorizer_: CountVectorizer | None = CountVectorizer(
            lowercase=False, token_pattern=features.TOKEN_PATTERN, max_df=max_df, dtype=np.float32
        )
        self.idf_: npt.NDArray[np.float32] | None = None
        self.char_vectorizer_: TfidfVectorizer | None = None
        try:
            joined_counts = self.word_vectorizer_.fit_transform(_joined(titles, bodies))
        except ValueError:  # no word of two letters in the whole corpus
            self.word_vectorizer_ = None
            return sp.csr_matrix((n, 0), dtype=np.float32)
        if self.config.title_weight == 1.0:
            # The title counted once is the joined text's counts: its tokens are the title's
            # and the body's. Reading the bodies again was half the related stage's fit.
            counts = sp.csr_matrix(joined_counts, dtype=np.float32)
            features.tf_weights(counts.data, out=counts.data)
        else:
            counts = self._word_counts(titles, bodies)
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf_ = features.idf(df, n, dtype=np.float32)
        if self.config.char_ngrams:
            self.char_vectorizer_ = TfidfVectorizer(
                lowercase=False,
                analyzer="char_wb",
                ngram_range=_CHAR_NGRAM_RANGE,
                sublinear_tf=True,
                min_df=2 if n >= 2 else 1,
                max_df=max_df,
                dtype=np.float32,
            ).fit(_joined(titles, bodies))
        return self._features(titles, bodies, counts)

    def _word_counts(self, titles: list[str], bodies: Texts) -> sp.csr_matrix:
        """``log(1 + tf)`` of the title-weighted word counts (float32)."""
        vectorizer = self.word_vectorizer_
        if vectorizer is None:
            return sp.csr_matrix((len(bodies), 0), dtype=np.float32)
        counts = vectorizer.transform(bodies).astype(np.float32)
        if self.config.title_weight > 0:
            title = vectorizer.transform(titles)
            counts = features.title_weighted(counts, title, self.config.title_weight)
        counts = sp.csr_matrix(counts, dtype=np.float32)
        features.tf_weights(counts.data, out=counts.data)
        return counts

    def _features(
        self, titles: list[str], bodies: Texts, counts: sp.csr_matrix | None = None
    ) -> sp.csr_matrix:
        n = len(bodies)
        if self.word_vectorizer_ is None or self.idf_ is None:
            return sp.csr_matrix((n, 0), dtype=np.float32)
        # In place: fit hands over counts it does not read again.
        words = sp.csr_matrix(self._word_counts(titles, bodies) if counts is None else counts)
        words.data *= self.idf_[words.indices]
        words = sp.csr_matrix(normalize(words, norm="l2", copy=False), dtype=np.float32)
        if self.char_vectorizer_ is None:
            return words
        chars = sp.csr_matrix(
            self.char_vectorizer_.transform(_joined(titles, bodies)), dtype=np.float32
        )
        stacked = sp.hstack(
            [words * np.sqrt(1.0 - _CHAR_SHARE), chars * np.sqrt(_CHAR_SHARE)], format="csr"
        )
        norms = np.sqrt(np.asarray(stacked.multiply(stacked).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / norms) @ stacked, dtype=np.float32)

    # ------------------------------------------------------------------ fitting

    def fit(
        self,
        articles: Sequence[Article],
        *,
        cluster_of: Mapping[str, str] | None = None,
        canonical_of: Mapping[str, str] | None = None,
        normalized: bool = False,
        stemmed: bool = False,
        texts: Texts | None = None,
    ) -> RelatedIndex:
        """Learn the vocabulary, the idf weights and the story structure of ``articles``.

        Parameters
        ----------
        articles
            The corpus (page furniture already stripped, as the pipeline does).
        cluster_of
            Article id → duplicate cluster id. Articles without a cluster are their own story.
        canonical_of
            Cluster id → id of the member shown for the story; when a cluster is missing here,
            its earliest member (undated last, then smallest id) is shown.
        normalized
            The articles' texts are already normalized with this index's ``normalization``
            (the scan hands over its prepared page texts): they are not normalized again.
            Titles are normalized either way.
        stemmed
            The articles' texts are normalized and stemmed already (:func:`features.stem`
            with this index's ``stemming``; the scan stems them on its worker processes).
            Titles are stemmed either way.
        texts
            The articles' texts, in their order, in place of their ``text`` (which is then
            not read). Read once; twice or three times with ``char_ngrams`` or a
            ``title_weight`` other than 1. The scan hands over its page texts stemmed as they
            are read, so that the texts of a million articles are never held at once.

        Returns
        -------
        RelatedIndex
            ``self``, fitted.

        Raises
        ------
        InputError
            A single article instead of a sequence, duplicate ids, or cluster mappings that name
            unknown articles or a canonical outside its cluster.

        Examples
        --------
        >>> from dedup.records import Article
        >>> docs = [Article(id="1", text="أمطار غزيرة في بغداد"),
        ...         Article(id="2", text="أمطار غزيرة في بغداد اليوم")]
        >>> index = RelatedIndex().fit(docs, cluster_of={"1": "c", "2": "c"})
        >>> index.related()
        {'1': (), '2': ()}
        """
        items = _check_articles(articles, "RelatedIndex.fit")
        repeated = sorted(i for i, n in Counter(a.id for a in items).items() if n > 1)
        if repeated:
            raise InputError(
                f"RelatedIndex.fit: {len(repeated)} article id(s) occur more than once, "
                f"e.g. {repeated[:3]}; ids must be unique"
            )
        self._fit_catalog(items, cluster_of, canonical_of)
        if texts is not None and len(texts) != len(items):
            raise InputError(
                f"RelatedIndex.fit: {len(texts)} texts for {len(items)} articles; "
                "pass one text per article, in their order"
            )
        titles, bodies = self._documents(items, normalized=normalized, stemmed=stemmed, texts=texts)
        self.vectors_: sp.csr_matrix = self._fit_features(titles, bodies)
        self.vectors_.sort_indices()
        self._vectors_t: sp.csr_matrix | None = None
        return self

    def _fit_catalog(
        self,
        items: Sequence[Article],
        cluster_of: Mapping[str, str] | None,
        canonical_of: Mapping[str, str] | None,
    ) -> None:
        """Ids, dates, sources and stories of the fitted articles, as arrays."""
        self.ids_: tuple[str, ...] = tuple(a.id for a in items)
        self.position_: dict[str, int] = {article_id: i for i, article_id in enumerate(self.ids_)}
        self.timestamps_: F64Array = _timestamps(items)
        self.n_undated_: int = int(np.isnan(self.timestamps_).sum())
        sources = sorted({a.source for a in items if a.source})
        code = {source: i for i, source in enumerate(sources)}
        # -1: no source given; such articles are never capped together.
        self.source_codes_: I64Array = np.array(
            [code.get(a.source, -1) for a in items], dtype=np.int64
        )
        # Rank of each id in sorted order: ties in score are broken by id.
        order = sorted(range(len(items)), key=lambda i: self.ids_[i])
        self.id_rank_: I64Array = np.empty(len(items), dtype=np.int64)
        self.id_rank_[order] = np.arange(len(items), dtype=np.int64)
        stories = _stories(items, self.timestamps_, cluster_of, canonical_of)
        self.story_: I64Array = stories.story
        self.canonical_: I64Array = stories.canonical
        # Days since the epoch (float32, NaN undated) of each article: the candidate stage's
        # time window and decay read these for every pair.
        self.day_: npt.NDArray[np.float32] = (self.timestamps_ / _SECONDS_PER_DAY).astype(
            np.float32
        )
        story_sizes = np.bincount(self.story_, minlength=len(items))
        self.catalog_ = Catalog(
            ids=self.ids_,
            story=self.story_,
            canonical=self.canonical_,
            timestamps=self.timestamps_,
            id_rank=self.id_rank_,
            source_codes=self.source_codes_,
            shared_stories=bool((story_sizes > 1).any()),
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "vectors_"):
            raise DedupError("this RelatedIndex is not fitted yet: call fit(articles) first")

    def transform(self, articles: Sequence[Article]) -> sp.csr_matrix:
        """TF-IDF rows of ``articles`` in the fitted space (L2-normalized, float32).

        The dot product of two rows is the cosine that ranks related articles.

        Examples
        --------
        >>> from dedup.records import Article
        >>> index = RelatedIndex().fit([Article(id="1", text="سوق التمور في البصرة"),
        ...                             Article(id="2", text="موسم الحصاد في البصرة")])
        >>> rows = index.transform([Article(id="x", text="سوق التمور في البصرة")])
        >>> round(float((rows @ index.vectors_.T).toarray()[0, 0]), 3)
        1.0
        """
        self._check_fitted()
        items = _check_articles(articles, "RelatedIndex.transform")
        titles, bodies = self._documents(items)
        matrix = self._features(titles, bodies)
        matrix.sort_indices()
        return matrix

    # ------------------------------------------------------------------ candidates

    def _transposed(self) -> sp.csr_matrix:
        if self._vectors_t is None:
            self._vectors_t = self.vectors_.T.tocsr()
        return self._vectors_t

    def _pair_filter(self) -> candidates.PairFilter:
        """The selection rules the candidate stage applies, under the current config."""
        return candidates.PairFilter.of(
            story=self.story_, canonical=self.canonical_, day=self.day_, settings=self.config
        )

    def _approximate_candidates(self, pool: int) -> tuple[I64Array, I64Array, F64Array]:
        """Candidate pairs of every article with their exact cosine (both orientations)."""
        return candidates.approximate_pairs(self.vectors_, self._pair_filter(), pool)

    def _similarity(self, positions: I64Array) -> F64Array:
        """Cosines between fitted articles, a dense square array (for MMR)."""
        vectors = self.vectors_[positions]
        return np.asarray((vectors @ vectors.T).toarray(), dtype=np.float64)

    def _select(
        self,
        pairs: tuple[I64Array, I64Array, F64Array],
        row_story: I64Array,
        row_time: F64Array,
        k: int,
        banned_stories: BoolArray | None = None,
    ) -> list[tuple[RelatedItem, ...]]:
        rows, cols, scores = pairs
        return select(
            Candidates(rows, cols, scores, row_story=row_story, row_time=row_time),
            self.catalog_,
            self.config,
            k=k,
            banned_stories=banned_stories,
            similarity=self._similarity,
        )

    # ------------------------------------------------------------------ public lists

    def related(
        self, k: int | None = None, *, progress: Callable[[int, int], None] | None = None
    ) -> dict[str, tuple[RelatedItem, ...]]:
        """The related list of every fitted article.

        Parameters
        ----------
        k
            List length (default: ``config.k``).
        progress
            Called as ``progress(articles done, articles)`` as blocks of lists are done.

        Returns
        -------
        dict
            Article id → related items (score descending, then id), keys sorted.

        Examples
        --------
        >>> from dedup.records import Article
        >>> index = RelatedIndex().fit([
        ...     Article(id="s1", text="افتتاح معرض الرياض الدولي للكتاب بمشاركة ألف دار نشر"),
        ...     Article(id="s2", text="معرض الرياض الدولي للكتاب يسجل مبيعات قياسية"),
        ... ])
        >>> [(key, [item.id for item in items]) for key, items in index.related().items()]
        [('s1', ['s2']), ('s2', ['s1'])]
        """
        self._check_fitted()
        k = _check_k(k, self.config.k)
        n = len(self.ids_)
        lists: list[tuple[RelatedItem, ...]] = [() for _ in range(n)]
        if k > 0 and n > 1 and self.vectors_.shape[1] > 0 and not candidates.uses_exact(n):
            pairs = self._approximate_candidates(candidates.pool_size(k))
            lists = self._select(pairs, self.story_, self.timestamps_, k)
        elif k > 0 and n > 1 and self.vectors_.shape[1] > 0:
            for start, stop in candidates.exact_blocks(n):
                pairs = candidates.exact_pairs(self.vectors_, self._transposed(), start, stop)
                lists[start:stop] = self._select(
                    pairs, self.story_[start:stop], self.timestamps_[start:stop], k
                )
                if progress is not None:
                    progress(stop, n)
        if progress is not None:
            progress(n, n)
        return {article_id: lists[self.position_[article_id]] for article_id in sorted(self.ids_)}

    def query(
        self, article: Article, k: int | None = None, *, exclude: Collection[str] = ()
    ) -> tuple[RelatedItem, ...]:
        """The related list of one article, fitted or new.

        A fitted id keeps its story: the article and its duplicate cluster are left out, so the
        result equals its entry in :meth:`related`. For a new article, pass its duplicates (or
        just the one it duplicates) in ``exclude``: every story with an excluded member is left
        out whole.

        Parameters
        ----------
        article
            The story to find related articles for.
        k
            List length (default: ``config.k``).
        exclude
            Article ids whose stories must not be listed; unknown ids are ignored.

        Returns
        -------
        tuple of RelatedItem
            Score descending, then id.

        Examples
        --------
        >>> from dedup.records import Article
        >>> index = RelatedIndex().fit([
        ...     Article(id="a", text="ارتفاع أسعار الوقود في مصر"),
        ...     Article(id="b", text="تعريفة جديدة للميكروباص بعد ارتفاع أسعار الوقود"),
        ... ])
        >>> new = Article(id="n", text="زيادة أسعار الوقود تشعل غضب سائقي الميكروباص")
        >>> [item.id for item in index.query(new)]  # الميكروباص and للميكروباص: one stem
        ['b', 'a']
        >>> [item.id for item in index.query(new, exclude={"a"})]
        ['b']
        """
        self._check_fitted()
        if not isinstance(article, Article):
            raise InputError(
                f"query expects one Article, got {type(article).__name__}; "
                "for many articles use fit(...).related() or call query in a loop"
            )
        if isinstance(exclude, str):
            raise InputError(
                "exclude expects a collection of ids, got a single string; wrap it in a set"
            )
        k = _check_k(k, self.config.k)
        if k == 0 or not self.ids_ or self.vectors_.shape[1] == 0:
            return ()
        scores = (self.transform([article]) @ self._transposed()).tocoo()
        position = self.position_.get(article.id)
        row_story = np.array([-1 if position is None else self.story_[position]], dtype=np.int64)
        banned = np.zeros(len(self.ids_), dtype=bool)
        banned[self.story_[[self.position_[i] for i in exclude if i in self.position_]]] = True
        pairs = (
            np.zeros(scores.nnz, dtype=np.int64),
            scores.col.astype(np.int64),
            scores.data.astype(np.float64),
        )
        return self._select(pairs, row_story, _timestamps([article]), k, banned)[0]
