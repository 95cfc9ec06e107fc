"""Quality of the related-articles list, ours next to plain scikit-learn TF-IDF, as JSON.

Run from the repository root::

    python -m benchmarks.related_quality [--config '{"time_window_days": 7}'] [--skip-ant]

Sets (all in ``../shared/data``, read at run time, never copied):

* ``judged-related-dev``: 20 queries of ``ant-multisource-2018`` with 317 graded judgments.
  nDCG@10 with the gains of its PROVENANCE.md (grade 2 → 3, 1 → 1, 3 → 1, 0 → 0), unjudged
  documents counted as 0 and reported (``judged_share``); P@5 counts grade-2 documents; a
  *duplicate leak* is a listed document that is a textual copy of the query (character 5-gram
  Jaccard ≥ 0.8, or containment ≥ 0.7 with Jaccard ≥ 0.2: the detector's default rule).
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
import json
import math
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.stats import rankdata, spearmanr

# The plain baseline is scikit-learn itself; the library reaches it only through dedup.related.
from sklearn.feature_extraction.text import TfidfVectorizer

from benchmarks._data import load_articles, load_pairs, load_qrels, silver_clusters
from dedup import DedupConfig, scan
from dedup.config import RelatedConfig
from dedup.index.api import Index
from dedup.normalize import normalize_text
from dedup.records import Article
from dedup.related import RelatedIndex

GAINS = {0: 0.0, 1: 1.0, 2: 3.0, 3: 1.0}
K = 10
ANT = "ant-multisource-2018"

Ranker = Callable[[Sequence[Article], dict[str, str], dict[str, str]], dict[str, list[str]]]


# ---------------------------------------------------------------- rankers


def ours_lists(
    articles: Sequence[Article],
    cluster_of: dict[str, str],
    canonical_of: dict[str, str],
    config: RelatedConfig,
) -> dict[str, list[str]]:
    """Top-k of every article with :class:`RelatedIndex`."""
    index = RelatedIndex(config).fit(articles, cluster_of=cluster_of, canonical_of=canonical_of)
    return {key: [item.id for item in items] for key, items in index.related(K).items()}


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
    """nDCG@10, P@5 (grade 2), judged share and duplicate leaks over the judged queries."""
    grades: dict[str, dict[str, int]] = {}
    for row in qrels:
        grades.setdefault(row["query"], {})[row["doc"]] = int(row["grade"])
    ndcgs, precisions, per_query = [], [], {}
    judged = listed = leaks = grade3 = 0
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
        grade3 += sum(1 for d in ranked if judged_docs.get(d) == 3)
        per_query[query] = round(ndcg, 4)
    return {
        "ndcg@10": round(float(np.mean(ndcgs)), 4),
        "p@5_grade2": round(float(np.mean(precisions)), 4),
        "duplicate_leaks": leaks,
        "grade3_listed": grade3,
        "judged_share": round(judged / listed, 4) if listed else 0.0,
        "unjudged_listed": listed - judged,
        "listed": listed,
        "per_query_ndcg": per_query,
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
    plain = plain_lists(articles)
    qrels = load_qrels()
    wanted = [a.id for a in articles] if with_ant else sorted({row["query"] for row in qrels})
    indexed = index_lists(articles, config, wanted)
    result["judged-related-dev"] = {
        "queries": len({row["query"] for row in qrels}),
        "judgments": len(qrels),
        "ours": judged_scores(ours, qrels, copies),
        "index": judged_scores(indexed, qrels, copies),
        "plain": judged_scores(plain, qrels, copies),
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
    args = parser.parse_args(argv)
    config = replace(RelatedConfig(), **json.loads(args.config))
    result = run(config, with_ant=not args.skip_ant, clusters=args.clusters)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
