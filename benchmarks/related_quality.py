"""Quality of the related-articles list, ours next to plain scikit-learn TF-IDF, as JSON.

Run from the repository root::

    python -m benchmarks.related_quality [--config '{"time_window_days": 7}'] [--skip-ant]
    python -m benchmarks.related_quality --ablation   # each idea alone, judged sets only

Sets (all in ``../shared/data``, read at run time, never copied):

* ``judged-related-dev``: 20 queries of ``ant-multisource-2018`` with 348 graded judgments,
  plus ours in ``benchmarks/related_labels/`` (items our rankers list that it does not judge,
  judged with its guide; the shared file wins where both judge a pair). nDCG@10 with the gains
  of its PROVENANCE.md (grade 2 → 3, 1 → 1, 3 → 1, 0 → 0), unjudged documents counted as 0
  and reported (``judged_share``); P@5 counts grade-2 documents (over 5, also when a list is
  shorter); ``unrelated_share``: shown items graded 0 (or unjudged) over the items shown;
  ``story_copies``: shown items graded 3 (another report of the query's own story) and the
  queries with one; a *duplicate leak* is a listed document that is a textual copy of the
  query (character 5-gram Jaccard ≥ 0.8, or containment ≥ 0.7 with Jaccard ≥ 0.2: the
  detector's default rule). ``cutoff`` calibrates ``min_score`` (where a list stops) across
  folds of held-out queries (:func:`cutoff_folds`).
* ``ant-multisource-2018`` (all 7,533 articles as queries): share of the listed items from the
  same ``category`` and published within 3 days, items per list, and duplicate leaks.
* ``semeval2022-task8-ar-hfl-sample`` and ``sts2017-ar-ar``: Spearman correlation of the
  cosine with the human score (SemEval's Overall is 1 = very similar, so it is negated).
* ``ans-headline-stance``: AUC of agree pairs over disagree pairs (the chance that a
  paraphrase scores higher than a contradicting small edit), with the mean cosines.

"Ours" is :class:`dedup.related.RelatedIndex` (the lists of ``dedup scan``) with the duplicate
clusters of the library's detector (or, with ``--clusters silver``, of the folder's silver
near-duplicate list); "index" is the incremental :class:`dedup.Index` (a SQLite file filled with
the whole corpus in batches of 1,000, then each list read with ``Index.get``): the lists an
ingest job serves, ranked without refitting and over capped postings; "plain" is
``TfidfVectorizer()`` with its defaults on the raw title and text, top 10 by cosine with only
the article itself left out.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.stats import rankdata, spearmanr

# The plain baseline is scikit-learn itself; the library reaches it only through dedup.related.
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize as normalize_rows

from benchmarks._data import load_articles, load_jsonl, load_pairs, load_qrels, silver_clusters
from dedup import DedupConfig, scan
from dedup.config import RelatedConfig
from dedup.index.api import Index
from dedup.normalize import normalize_text
from dedup.records import Article
from dedup.related import RelatedIndex
from dedup.related.select import Candidates, select

GAINS = {0: 0.0, 1: 1.0, 2: 3.0, 3: 1.0}
K = 10
ANT = "ant-multisource-2018"
LABELS = Path(__file__).resolve().parent / "related_labels"
# Held-out folds of the cut-off calibration: 4 queries each (every 5th of the sorted queries).
FOLDS = 5

Ranker = Callable[[Sequence[Article], dict[str, str], dict[str, str]], dict[str, list[str]]]


# ---------------------------------------------------------------- rankers


def ours_scored(
    articles: Sequence[Article],
    cluster_of: dict[str, str],
    canonical_of: dict[str, str],
    config: RelatedConfig,
) -> dict[str, list[tuple[str, float]]]:
    """Top-k of every article with :class:`RelatedIndex`, with scores."""
    index = RelatedIndex(config).fit(articles, cluster_of=cluster_of, canonical_of=canonical_of)
    return {
        key: [(item.id, item.score) for item in items] for key, items in index.related(K).items()
    }


def ours_lists(
    articles: Sequence[Article],
    cluster_of: dict[str, str],
    canonical_of: dict[str, str],
    config: RelatedConfig,
) -> dict[str, list[str]]:
    """Top-k of every article with :class:`RelatedIndex`."""
    scored = ours_scored(articles, cluster_of, canonical_of, config)
    return {key: [doc for doc, _ in items] for key, items in scored.items()}


def index_lists(
    articles: Sequence[Article], config: RelatedConfig, wanted: Sequence[str]
) -> dict[str, list[str]]:
    """Top-k of the ``wanted`` articles from a :class:`dedup.Index` holding all of them."""
    with tempfile.TemporaryDirectory() as folder:
        dedup_config = DedupConfig(related=replace(config, k=K))
        with Index.open(f"{folder}/related.db", config=dedup_config) as index:
            for start in range(0, len(articles), 1000):
                index.add(articles[start : start + 1000])
            lists = {}
            for article_id in wanted:
                match = index.get(article_id)
                lists[article_id] = [item.id for item in match.related] if match else []
    return lists


def plain_matrix(texts: Sequence[str]) -> sp.csr_matrix:
    """``TfidfVectorizer()`` with every default (L2-normalized rows)."""
    return sp.csr_matrix(TfidfVectorizer().fit_transform(texts))


def plain_lists(articles: Sequence[Article]) -> dict[str, list[str]]:
    """Top-k by plain cosine on the raw title and text; only the article itself is left out."""
    matrix = plain_matrix([f"{a.title}\n{a.text}" for a in articles])
    transposed = matrix.T.tocsr()
    ids = [a.id for a in articles]
    lists: dict[str, list[str]] = {}
    step = 512
    for start in range(0, len(ids), step):
        block = (matrix[start : start + step] @ transposed).toarray()
        rows = np.arange(block.shape[0])
        block[rows, rows + start] = -np.inf
        top = np.argsort(-block, axis=1, kind="stable")[:, :K]
        for row, picks in enumerate(top):
            lists[ids[start + row]] = [ids[j] for j in picks if block[row, j] > 0]
    return lists


# ---------------------------------------------------------------- textual copies


def _shingles(text: str, n: int = 5) -> npt.NDArray[np.uint64]:
    """Sorted unique 64-bit hashes of the character n-grams of the normalized text."""
    codes = np.frombuffer(normalize_text(text).encode("utf-32-le"), dtype=np.uint32)
    if len(codes) < n:
        return np.unique(codes.astype(np.uint64))
    value = np.zeros(len(codes) - n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(n):
            value = value * np.uint64(1_000_003) + codes[offset : len(codes) - n + 1 + offset]
    return np.unique(value)


class CopyCheck:
    """Is a listed document a textual copy of the query? (the detector's default rule)."""

    def __init__(self, articles: Sequence[Article]) -> None:
        self._text = {a.id: a.text for a in articles}
        self._cache: dict[str, npt.NDArray[np.uint64]] = {}

    def _get(self, article_id: str) -> npt.NDArray[np.uint64]:
        if article_id not in self._cache:
            self._cache[article_id] = _shingles(self._text[article_id])
        return self._cache[article_id]

    def is_copy(self, a: str, b: str) -> bool:
        left, right = self._get(a), self._get(b)
        if len(left) == 0 or len(right) == 0:
            return False
        common = len(np.intersect1d(left, right, assume_unique=True))
        jaccard = common / (len(left) + len(right) - common)
        containment = common / min(len(left), len(right))
        return jaccard >= 0.8 or (containment >= 0.7 and jaccard >= 0.2)


# ---------------------------------------------------------------- judged-related-dev


def judged_scores(
    lists: Mapping[str, Sequence[str]], qrels: Sequence[dict[str, Any]], copies: CopyCheck
) -> dict[str, Any]:
    """nDCG@10, P@5 (grade 2), unrelated share, story copies, judged share and duplicate
    leaks over the judged queries."""
    grades: dict[str, dict[str, int]] = {}
    for row in qrels:
        grades.setdefault(row["query"], {})[row["doc"]] = int(row["grade"])
    ndcgs, precisions, per_query = [], [], {}
    judged = listed = leaks = grade3 = unrelated = 0
    copied_queries = 0
    for query in sorted(grades):
        judged_docs = grades[query]
        ranked = list(lists.get(query, []))[:K]
        gains = [GAINS[judged_docs[d]] if d in judged_docs else 0.0 for d in ranked]
        dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
        ideal = sorted((GAINS[g] for g in judged_docs.values()), reverse=True)[:K]
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        ndcg = dcg / idcg if idcg > 0 else 0.0
        p5 = sum(1 for d in ranked[:5] if judged_docs.get(d) == 2) / 5
        ndcgs.append(ndcg)
        precisions.append(p5)
        judged += sum(1 for d in ranked if d in judged_docs)
        listed += len(ranked)
        query_leaks = sum(1 for d in ranked if copies.is_copy(query, d))
        leaks += query_leaks
        story_copies = sum(1 for d in ranked if judged_docs.get(d) == 3)
        grade3 += story_copies
        copied_queries += story_copies > 0
        unrelated += sum(1 for d in ranked if judged_docs.get(d, 0) == 0)
        per_query[query] = round(ndcg, 4)
    return {
        "ndcg@10": round(float(np.mean(ndcgs)), 4),
        "p@5_grade2": round(float(np.mean(precisions)), 4),
        "duplicate_leaks": leaks,
        "unrelated_share": round(unrelated / listed, 4) if listed else 0.0,
        "grade3_listed": grade3,
        "queries_with_grade3_listed": copied_queries,
        "items_per_list": round(listed / len(grades), 2),
        "judged_share": round(judged / listed, 4) if listed else 0.0,
        "unjudged_listed": listed - judged,
        "listed": listed,
        "per_query_ndcg": per_query,
    }


def load_judgments() -> list[dict[str, Any]]:
    """judged-related-dev's judgments, then ours (``related_labels/*.jsonl``) for the pairs
    it does not judge."""
    qrels = load_qrels()
    seen = {(row["query"], row["doc"]) for row in qrels}
    for path in sorted(LABELS.glob("*.jsonl")):
        for row in load_jsonl(path):
            if (row["query"], row["doc"]) not in seen:
                seen.add((row["query"], row["doc"]))
                qrels.append(row)
    return qrels


def _cutoff(
    scored: Mapping[str, Sequence[tuple[str, float]]], grades: dict[str, dict[str, int]]
) -> float:
    """The cosine at which a listed item is as likely graded 0 as not.

    A logistic fit of "graded 0" on ``log(cosine)`` over the judged items of the queries'
    top 10 (one slope, one intercept); the cut-off is where the fitted probability is 0.5.
    """
    x, y = [], []
    for query, judged in grades.items():
        for doc, score in scored.get(query, [])[:K]:
            if doc in judged and score > 0:
                x.append(math.log(score))
                y.append(judged[doc] == 0)
    model = LogisticRegression(C=1e6).fit(np.array(x)[:, None], np.array(y))
    return float(math.exp(-model.intercept_[0] / model.coef_[0, 0]))


def cutoff_folds(
    scored: Mapping[str, Sequence[tuple[str, float]]],
    qrels: Sequence[dict[str, Any]],
    copies: CopyCheck,
) -> dict[str, Any]:
    """``min_score`` calibrated on the other queries, applied to each fold of held-out ones.

    ``scored`` are lists made without a cut (``min_score`` at its floor). Returns the cut-off
    of every fold, the one fitted on all queries, and the judged scores of the held-out lists
    (each query's list cut at the value fitted without it).
    """
    grades: dict[str, dict[str, int]] = {}
    for row in qrels:
        grades.setdefault(row["query"], {})[row["doc"]] = int(row["grade"])
    queries = sorted(grades)
    held_out: dict[str, list[str]] = {}
    folds = []
    for fold in range(FOLDS):
        test = queries[fold::FOLDS]
        train = {q: grades[q] for q in queries if q not in test}
        threshold = _cutoff(scored, train)
        folds.append({"held_out": test, "min_score": round(threshold, 4)})
        for query in test:
            held_out[query] = [d for d, score in scored.get(query, []) if score >= threshold]
    return {
        "folds": folds,
        "all_queries": round(_cutoff(scored, grades), 4),
        "held_out_lists": {
            key: value
            for key, value in judged_scores(held_out, qrels, copies).items()
            if key != "per_query_ndcg"
        },
    }


# ---------------------------------------------------------------- ant-multisource


def _seconds(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def ant_scores(
    lists: Mapping[str, Sequence[str]], records: Mapping[str, dict[str, Any]], copies: CopyCheck
) -> dict[str, Any]:
    """Same-category and within-3-days shares of the listed items, and duplicate leaks."""
    items = same_category = within = leaks = 0
    lengths = []
    for query, ranked in lists.items():
        ranked = list(ranked)[:K]
        lengths.append(len(ranked))
        query_time = _seconds(records[query]["date"])
        for doc in ranked:
            items += 1
            same_category += records[doc]["category"] == records[query]["category"]
            within += abs(_seconds(records[doc]["date"]) - query_time) <= 3 * 86400
            leaks += copies.is_copy(query, doc)
    return {
        "same_category_share": round(same_category / items, 4) if items else 0.0,
        "within_3_days_share": round(within / items, 4) if items else 0.0,
        "items_per_list": round(float(np.mean(lengths)), 3),
        "empty_lists": int(sum(1 for n in lengths if n == 0)),
        "duplicate_leaks": leaks,
    }


# ---------------------------------------------------------------- pairwise sets


def _pair_cosines(
    matrix: sp.csr_matrix, ids: Sequence[str], pairs: Sequence[dict[str, Any]]
) -> npt.NDArray[np.float64]:
    position = {article_id: i for i, article_id in enumerate(ids)}
    left = matrix[[position[p["id1"]] for p in pairs]]
    right = matrix[[position[p["id2"]] for p in pairs]]
    return np.asarray(left.multiply(right).sum(axis=1), dtype=np.float64).ravel()


def pair_cosines(folder: str, config: RelatedConfig) -> dict[str, npt.NDArray[np.float64]]:
    """Cosine of every labelled pair, ours and plain, each fitted on the folder's texts."""
    articles, _ = load_articles(folder)
    pairs = load_pairs(folder)
    ids = [a.id for a in articles]
    ours = RelatedIndex(config).fit(articles).vectors_
    plain = plain_matrix([f"{a.title}\n{a.text}" for a in articles])
    return {"ours": _pair_cosines(ours, ids, pairs), "plain": _pair_cosines(plain, ids, pairs)}


def auc(positive: npt.NDArray[np.float64], negative: npt.NDArray[np.float64]) -> float:
    """Probability that a positive scores above a negative (ties count half)."""
    ranks = rankdata(np.concatenate([positive, negative]))
    total = ranks[: len(positive)].sum() - len(positive) * (len(positive) + 1) / 2
    return float(total / (len(positive) * len(negative)))


def pairwise_tables(config: RelatedConfig) -> dict[str, Any]:
    """Spearman on SemEval-2022 Task 8 and STS-2017, stance AUC on ANS, ours and plain."""
    out: dict[str, Any] = {}
    for folder, sign in (("semeval2022-task8-ar-hfl-sample", -1.0), ("sts2017-ar-ar", 1.0)):
        human = np.array([sign * float(p["score"]) for p in load_pairs(folder)])
        cosines = pair_cosines(folder, config)
        out[folder] = {
            name: {"spearman": round(float(spearmanr(values, human).statistic), 4)}
            for name, values in cosines.items()
        }
        out[folder]["pairs"] = len(human)
    folder = "ans-headline-stance"
    stance = np.array([p["stance"] for p in load_pairs(folder)])
    cosines = pair_cosines(folder, config)
    out[folder] = {
        name: {
            "auc_agree_over_disagree": round(auc(v[stance == "agree"], v[stance == "disagree"]), 4),
            "mean_cosine": {
                s: round(float(v[stance == s].mean()), 4) for s in ("agree", "disagree", "other")
            },
        }
        for name, v in cosines.items()
    }
    out[folder]["pairs"] = {s: int((stance == s).sum()) for s in ("agree", "disagree", "other")}
    return out


# ---------------------------------------------------------------- ablation

# Each idea of issue 16 alone on the ranker before it (no stemming, min_score 0.05), then the
# chosen defaults. (label, RelatedConfig overrides, ranking hook). Story as the query (the
# duplicate cluster's text for every member) is not here: none of the 20 queries is in a
# duplicate cluster, so it cannot move these figures.
BEFORE: dict[str, Any] = {"stemming": "none", "min_score": 0.05}
ABLATION: tuple[tuple[str, dict[str, Any], str | None], ...] = (
    ("before: no stemming, min_score 0.05", BEFORE, None),
    ("light10 stemming", {**BEFORE, "stemming": "light10"}, None),
    ("Snowball Arabic stemming (PyStemmer)", BEFORE, "snowball"),
    ("words + char_wb 3-5 (fusion, 0.5 each)", {**BEFORE, "char_ngrams": True}, None),
    ("title weight 2", {**BEFORE, "title_weight": 2.0}, None),
    ("rarer terms weigh more: idf squared", BEFORE, "idf2"),
    ("pseudo-relevance feedback: Rocchio, top 5, beta 0.5", BEFORE, "prf"),
    ("time: recency half-life 30 days", {**BEFORE, "recency_half_life_days": 30.0}, None),
    ("time: recency half-life 7 days", {**BEFORE, "recency_half_life_days": 7.0}, None),
    ("cut-off alone: min_score 0.08 (its calibration)", {**BEFORE, "min_score": 0.08}, None),
    ("chosen: light10 + min_score 0.11 (defaults)", {}, None),
)
_PRF_DOCS = 5
_PRF_BETA = 0.5


def _snowball(articles: Sequence[Article]) -> list[Article]:
    """Titles and texts normalized and stemmed by Snowball's Arabic stemmer (PyStemmer)."""
    import Stemmer  # type: ignore[import-not-found]  # optional: only this ablation row

    stemmer = Stemmer.Stemmer("arabic")

    def stemmed(text: str) -> str:
        return " ".join(stemmer.stemWords(normalize_text(text).split()))

    return [replace(a, title=stemmed(a.title), text=stemmed(a.text)) for a in articles]


def _ranked(
    index: RelatedIndex, queries: sp.csr_matrix, positions: Sequence[int]
) -> dict[str, list[tuple[str, float]]]:
    """Lists of fitted articles for query rows, by exact cosine and the library's selection."""
    scores = sp.csr_matrix(queries @ index.vectors_.T).tocoo()
    candidates = Candidates(
        scores.row.astype(np.int64),
        scores.col.astype(np.int64),
        scores.data.astype(np.float64),
        row_story=index.story_[list(positions)],
        row_time=index.timestamps_[list(positions)],
    )
    lists = select(candidates, index.catalog_, index.config, k=K)
    return {
        index.ids_[p]: [(item.id, item.score) for item in items]
        for p, items in zip(positions, lists, strict=True)
    }


def _rare_weighted(index: RelatedIndex) -> None:
    """Word columns weighted by idf once more (idf squared), rows L2-normalized again."""
    if index.idf_ is None:
        raise SystemExit("idf squared: the corpus has no words")
    vectors = sp.csr_matrix(index.vectors_, copy=True)
    vectors.data *= index.idf_[vectors.indices]
    index.vectors_ = sp.csr_matrix(normalize_rows(vectors), dtype=np.float32)


def ablation_row(
    articles: Sequence[Article],
    clusters: tuple[dict[str, str], dict[str, str]],
    queries: Sequence[str],
    overrides: dict[str, Any],
    hook: str | None,
) -> tuple[dict[str, list[tuple[str, float]]], RelatedIndex]:
    """One ablation row's lists of ``queries`` (exact cosine) and its fitted index."""
    config = replace(RelatedConfig(), **overrides)
    fitted = _snowball(articles) if hook == "snowball" else articles
    index = RelatedIndex(config).fit(
        fitted, cluster_of=clusters[0], canonical_of=clusters[1], normalized=hook == "snowball"
    )
    if hook == "idf2":
        _rare_weighted(index)
    positions = [index.position_[q] for q in queries]
    lists = _ranked(index, index.vectors_[positions], positions)
    if hook == "prf":
        rows = []
        for row, query in enumerate(queries):
            top = [index.position_[d] for d, _ in lists[query][:_PRF_DOCS]]
            centroid = np.asarray(index.vectors_[top].mean(axis=0)) if top else 0.0
            rows.append(index.vectors_[positions[row]].toarray() + _PRF_BETA * centroid)
        expanded = sp.csr_matrix(normalize_rows(np.vstack(rows)))
        lists = _ranked(index, expanded, positions)
    return lists, index


def _ablation_pairs(config: RelatedConfig, hook: str | None) -> dict[str, float] | None:
    """The human-rated sets for a row whose pair cosine is defined (not feedback)."""
    if hook == "prf":
        return None
    out: dict[str, float] = {}
    for folder, sign in (("semeval2022-task8-ar-hfl-sample", -1.0), ("sts2017-ar-ar", 1.0)):
        articles, _ = load_articles(folder)
        pairs = load_pairs(folder)
        human = np.array([sign * float(p["score"]) for p in pairs])
        values = _row_cosines(articles, pairs, config, hook)
        out[folder] = round(float(spearmanr(values, human).statistic), 4)
    folder = "ans-headline-stance"
    articles, _ = load_articles(folder)
    pairs = load_pairs(folder)
    stance = np.array([p["stance"] for p in pairs])
    values = _row_cosines(articles, pairs, config, hook)
    out[folder] = round(auc(values[stance == "agree"], values[stance == "disagree"]), 4)
    return out


def _row_cosines(
    articles: Sequence[Article],
    pairs: Sequence[dict[str, Any]],
    config: RelatedConfig,
    hook: str | None,
) -> npt.NDArray[np.float64]:
    fitted = _snowball(articles) if hook == "snowball" else articles
    index = RelatedIndex(config).fit(fitted, normalized=hook == "snowball")
    if hook == "idf2":
        _rare_weighted(index)
    return _pair_cosines(index.vectors_, [a.id for a in articles], pairs)


def ablation() -> dict[str, Any]:
    """Every row of :data:`ABLATION`: judged-related-dev (exact cosine for the 20 queries,
    the library's selection) and the human-rated sets."""
    articles, _ = load_articles(ANT)
    clusters = detector_clusters(articles)
    qrels = load_judgments()
    copies = CopyCheck(articles)
    queries = sorted({row["query"] for row in qrels})
    rows: list[dict[str, Any]] = []
    for label, overrides, hook in ABLATION:
        if hook == "snowball" and importlib.util.find_spec("Stemmer") is None:
            rows.append(
                {"idea": label, "skipped": "PyStemmer is not installed (pip install PyStemmer)"}
            )
            continue
        lists, _ = ablation_row(articles, clusters, queries, overrides, hook)
        scores = judged_scores({q: [d for d, _ in v] for q, v in lists.items()}, qrels, copies)
        scores.pop("per_query_ndcg")
        config = replace(RelatedConfig(), **overrides)
        rows.append({"idea": label, "judged": scores, "human_rated": _ablation_pairs(config, hook)})
        print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    return {"judgments": len(qrels), "rows": rows}


# ---------------------------------------------------------------- main


def detector_clusters(articles: Sequence[Article]) -> tuple[dict[str, str], dict[str, str]]:
    """``cluster_of`` and ``canonical_of`` from the library's own duplicate detector."""
    report = scan(articles, config=DedupConfig(related=RelatedConfig(k=0)))
    cluster_of: dict[str, str] = {}
    canonical_of: dict[str, str] = {}
    for cluster in report.clusters:
        if cluster.size > 1:
            canonical_of[cluster.cluster_id] = cluster.canonical
            for member in cluster.members:
                cluster_of[member.id] = cluster.cluster_id
    return cluster_of, canonical_of


def run(
    config: RelatedConfig, *, with_ant: bool = True, clusters: str = "detector"
) -> dict[str, Any]:
    """Every table of this benchmark for one configuration."""
    started = time.perf_counter()
    result: dict[str, Any] = {"config": asdict(config), "clusters": clusters}
    articles, records = load_articles(ANT)
    if clusters == "detector":
        cluster_of, canonical_of = detector_clusters(articles)
    else:
        cluster_of, canonical_of = silver_clusters(ANT, articles)
    copies = CopyCheck(articles)
    ours = ours_lists(articles, cluster_of, canonical_of, config)
    uncut = ours_scored(articles, cluster_of, canonical_of, replace(config, min_score=0.0))
    plain = plain_lists(articles)
    qrels = load_judgments()
    wanted = [a.id for a in articles] if with_ant else sorted({row["query"] for row in qrels})
    indexed = index_lists(articles, config, wanted)
    result["judged-related-dev"] = {
        "queries": len({row["query"] for row in qrels}),
        "judgments": len(qrels),
        "ours": judged_scores(ours, qrels, copies),
        "ours_uncut": judged_scores(
            {key: [doc for doc, _ in items] for key, items in uncut.items()}, qrels, copies
        ),
        "index": judged_scores(indexed, qrels, copies),
        "plain": judged_scores(plain, qrels, copies),
        "cutoff": cutoff_folds(uncut, qrels, copies),
    }
    if with_ant:
        result[ANT] = {
            "ours": ant_scores(ours, records, copies),
            "index": ant_scores(indexed, records, copies),
            "plain": ant_scores(plain, records, copies),
            "duplicate_clusters": len(canonical_of),
        }
    result.update(pairwise_tables(config))
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--config", default="{}", help="JSON object of RelatedConfig fields to override"
    )
    parser.add_argument(
        "--skip-ant", action="store_true", help="leave out the all-articles ANT table (faster)"
    )
    parser.add_argument(
        "--clusters",
        choices=("detector", "silver"),
        default="detector",
        help="duplicate clusters from dedup.scan (default) or from the folder's "
        "silver near-duplicate list",
    )
    parser.add_argument(
        "--ablation",
        action="store_true",
        help="each idea of issue 16 alone and the chosen defaults (judged and human-rated sets)",
    )
    args = parser.parse_args(argv)
    if args.ablation:
        print(json.dumps(ablation(), ensure_ascii=False, indent=2))
        return
    config = replace(RelatedConfig(), **json.loads(args.config))
    result = run(config, with_ant=not args.skip_ant, clusters=args.clusters)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
