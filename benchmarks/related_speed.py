"""Speed and memory of the related lists, against chunked brute-force cosine, as JSON.

Run from the repository root::

    python -m benchmarks.related_speed                  # 10k, 20k (with brute force), 50k, 100k
    python -m benchmarks.related_speed --sizes 20000    # one size

Every size runs in its own subprocess, so ``peak_rss_mb`` (``ru_maxrss``: corpus, fitted index and
related lists together) is that size's alone; ``peak_rss_mb_after_fit`` is the same before the
lists, so the difference is what the candidate stage added.
The corpus is the shared news folders (``ant-multisource-2018``, ``saudinewsnet``,
``ant-jawharafm-2017``: 19,913 articles) and, above that, copies with small edits
(:func:`benchmarks._data.scale_corpus`).

At ``--brute-size`` (20k) the same fitted matrix is also ranked by brute force: blocks of rows
times all rows (``X[block] @ X.T``, dense), ``argpartition`` for the top 10. ``recall@10`` is the
share of the brute-force top 10 that our list holds, a tie with the 10th score counting as a hit.
Both sides rank raw cosine here: no duplicate clusters, no window, no decay, no cap, no minimum
score. The ratio is taken in one run; nothing is asserted on time.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from benchmarks._data import scale_corpus
from dedup.config import RelatedConfig
from dedup.related import RelatedIndex

K = 10


def brute_force(
    matrix: sp.csr_matrix, k: int = K, block: int = 1000
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Top-k by exact cosine for every row (itself left out), a dense block at a time."""
    transposed = matrix.T.tocsr()
    n = matrix.shape[0]
    top = np.empty((n, k), dtype=np.int64)
    kth = np.empty(n, dtype=np.float32)
    for start in range(0, n, block):
        scores = (matrix[start : start + block] @ transposed).toarray()
        rows = np.arange(scores.shape[0])
        scores[rows, rows + start] = -np.inf
        picks = np.argpartition(-scores, k, axis=1)[:, :k]
        top[start : start + block] = picks
        kth[start : start + block] = np.take_along_axis(scores, picks, axis=1).min(axis=1)
    return top, kth


def recall_at_k(
    index: RelatedIndex,
    lists: dict[str, Any],
    kth: npt.NDArray[np.float32],
    top: npt.NDArray[np.int64],
) -> dict[str, float]:
    """Share of the brute-force top k found in our lists (ties with the k-th score are hits)."""
    position = {article_id: i for i, article_id in enumerate(index.ids_)}
    hits = np.zeros(len(index.ids_))
    for article_id, items in lists.items():
        row = position[article_id]
        truth = set(top[row].tolist())
        found = sum(
            1 for item in items[:K] if position[item.id] in truth or item.score >= kth[row] - 1e-6
        )
        hits[row] = min(found, K) / K
    listed = kth >= 0.05
    return {
        "recall@10": round(float(hits.mean()), 4),
        # Rows whose true 10th neighbour reaches the default min_score.
        "recall@10_rows_kth_ge_0.05": round(float(hits[listed].mean()), 4),
    }


def _time_candidates(index: RelatedIndex) -> dict[str, float]:
    """Wrap the index's approximate candidate stage so its time is recorded (0 if unused)."""
    stages = {"candidates": 0.0}
    method = index._approximate_candidates

    def timed(pool: int) -> Any:
        started = time.perf_counter()
        out = method(pool)
        stages["candidates"] += time.perf_counter() - started
        return out

    index._approximate_candidates = timed  # type: ignore[method-assign]
    return stages


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def worker(size: int, brute_size: int, config: RelatedConfig) -> dict[str, Any]:
    """One size: fit, related lists (and brute force at ``brute_size``), timings, memory."""
    articles = scale_corpus(size)
    result: dict[str, Any] = {"articles": len(articles)}
    started = time.perf_counter()
    index = RelatedIndex(config).fit(articles)
    result["fit_seconds"] = round(time.perf_counter() - started, 2)
    result["features"] = int(index.vectors_.shape[1])
    result["nonzeros_per_article"] = round(index.vectors_.nnz / len(articles), 1)
    result["peak_rss_mb_after_fit"] = _peak_rss_mb()
    started = time.perf_counter()
    index.related(K)
    result["related_seconds"] = round(time.perf_counter() - started, 2)
    result["peak_rss_mb"] = _peak_rss_mb()
    if size == brute_size:
        # Raw cosine on both sides for the comparison: no minimum score, window, decay, cap, MMR.
        index.config = replace(
            config,
            min_score=0.0,
            time_window_days=None,
            recency_half_life_days=None,
            per_source_cap=None,
            mmr_lambda=1.0,
        )
        stages = _time_candidates(index)
        started = time.perf_counter()
        lists = index.related(K)
        ours = time.perf_counter() - started
        del index._approximate_candidates  # back to the class method
        # Candidate pairs with exact cosines; the rest of related() is the story/list stage.
        result["raw_cosine_candidate_seconds"] = round(stages["candidates"], 2)
        result["raw_cosine_list_seconds"] = round(ours - stages["candidates"], 2)
        started = time.perf_counter()
        top, kth = brute_force(index.vectors_)
        brute = time.perf_counter() - started
        result["raw_cosine_related_seconds"] = round(ours, 2)
        result["brute_force_seconds"] = round(brute, 2)
        result["speedup"] = round(brute / ours, 2)
        # Ours runs its candidate blocks on this many threads; the brute force as written on
        # one (scipy's sparse product is single-threaded).
        from dedup.related import candidates

        result["related_threads"] = candidates._WORKERS
        result.update(recall_at_k(index, lists, kth, top))
        result["peak_rss_mb_with_brute_force"] = _peak_rss_mb()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,20000,50000,100000")
    parser.add_argument("--brute-size", type=int, default=20000)
    parser.add_argument("--config", default="{}", help="JSON object of RelatedConfig overrides")
    parser.add_argument("--worker", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    config = replace(RelatedConfig(), **json.loads(args.config))
    if args.worker:
        print(json.dumps(worker(args.worker, args.brute_size, config)))
        return
    results: dict[str, Any] = {"config": json.loads(args.config), "k": K, "sizes": {}}
    for size in (int(s) for s in args.sizes.split(",")):
        command = [
            sys.executable,
            "-m",
            "benchmarks.related_speed",
            "--worker",
            str(size),
            "--brute-size",
            str(args.brute_size),
            "--config",
            args.config,
        ]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        results["sizes"][str(size)] = json.loads(done.stdout.strip().splitlines()[-1])
        print(json.dumps({size: results["sizes"][str(size)]}), file=sys.stderr, flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
