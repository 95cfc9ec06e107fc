"""Parameter sweep: n-gram size × num_perm × similarity threshold → F1, recall and time.

Every configuration runs ``dedup.scan`` (public API, every other parameter at its default,
related lists off) on two inputs:

- the mixed perturbation corpus of :mod:`benchmarks.perturb` (``--bases`` distinct real
  articles, each with one to three variants of random recipes) plus 60 formulaic template
  reports: pair F1, recall and false merges against the construction, and the scan's seconds;
- the 200 editor-judged pairs of ``judged-duplicates-dev``, scanned among the judged articles
  only (about 390; the full two-corpus scan of ``benchmarks.quality`` takes 20 s a
  configuration): F1, recall and false merges on the judged pairs.

A pair is accepted when its Jaccard reaches ``jaccard_threshold`` or its containment (overlap
over the smaller set) reaches ``containment_threshold`` with Jaccard ≥
``min_jaccard_for_containment``. Containment is never below Jaccard, so once
``jaccard_threshold`` ≥ ``containment_threshold`` the Jaccard branch accepts nothing new: the
threshold that decides is the containment one. The grid's *threshold* t therefore sets both
(J ≥ t, or C ≥ t with J ≥ 0.3); the defaults (J 0.8, C 0.7) accept exactly what t = 0.7
accepts. A second, smaller sweep varies ``min_jaccard_for_containment`` at the defaults. The
table and a plot (F1 against threshold, a line per n-gram size, a panel per num_perm) go to
``benchmarks/results/``.

Usage::

    python -m benchmarks.params [--ngrams 3 4 5 6 7] [--num-perms 64 128 256]
        [--thresholds 0.6 0.7 0.8 0.9] [--bases 300] [--seed 6] [--quick]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from random import Random
from typing import Any

import numpy as np
from tqdm import tqdm

from benchmarks._data import DATA, load_articles, load_jsonl
from benchmarks._metrics import as_labels, pair_scores
from benchmarks._report import (
    RESULTS,
    Table,
    plot_available,
    print_json,
    publish,
    save_figure,
    stage,
)
from benchmarks.furniture_pages import make_formulaic_reports
from benchmarks.perturb import Corpus, mixed_corpus
from dedup import Article, DedupConfig, RelatedConfig, scan

POSITIVE = {"DUP", "UPDATE"}


def _labels(articles: Sequence[Article], config: DedupConfig) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    report = scan(articles, config=config)
    seconds = time.perf_counter() - started
    cluster_of = {m.id: c.cluster_id for c in report.clusters for m in c.members}
    return as_labels([a.id for a in articles], cluster_of), seconds


def judged_inputs() -> tuple[list[Article], list[dict[str, Any]]]:
    pairs = list(load_jsonl(DATA / "judged-duplicates-dev" / "pairs.jsonl"))
    wanted = {p[k] for p in pairs for k in ("a", "b")}
    articles = [
        a
        for folder in ("saudinewsnet", "ant-multisource-2018")
        for a in load_articles(folder)[0]
        if a.id in wanted
    ]
    return articles, pairs


def judged_scores(
    labels: np.ndarray, articles: Sequence[Article], pairs: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    position = {a.id: i for i, a in enumerate(articles)}
    true_positive = false_positive = positives = 0
    for pair in pairs:
        merged = bool(labels[position[pair["a"]]] == labels[position[pair["b"]]])
        positive = pair["label"] in POSITIVE
        positives += positive
        true_positive += positive and merged
        false_positive += merged and not positive
    precision = true_positive / max(1, true_positive + false_positive)
    recall = true_positive / max(1, positives)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": round(f1, 4), "recall": round(recall, 4), "false_merges": false_positive}


def evaluate(
    config: DedupConfig,
    mixed: Corpus,
    gold: np.ndarray,
    judged_articles: list[Article],
    pairs: list[dict[str, Any]],
) -> dict[str, Any]:
    labels, seconds = _labels(mixed.articles, config)
    mixed_scores = pair_scores(labels, gold)
    judged_labels, _ = _labels(judged_articles, config)
    return {
        "mixed": {
            "f1": mixed_scores["f1"],
            "recall": mixed_scores["recall"],
            "false_merges": mixed_scores["false_merges"],
            "seconds": round(seconds, 2),
        },
        "judged": judged_scores(judged_labels, judged_articles, pairs),
    }


def plot(rows: list[dict[str, Any]], image: Path) -> bool:
    if not plot_available():
        return False
    import matplotlib.pyplot as plt

    perms = sorted({r["num_perm"] for r in rows})
    ngrams = sorted({r["ngram"] for r in rows})
    panels = (
        ("mixed", "f1", "perturbations: pair F1"),
        ("judged", "f1", "judged pairs: F1"),
        ("judged", "false_merges", "judged pairs: false merges"),
    )
    figure, axes = plt.subplots(
        len(panels), len(perms), figsize=(4.2 * len(perms), 10), squeeze=False, sharey="row"
    )
    for column, perm in enumerate(perms):
        for row_index, (key, measure, title) in enumerate(panels):
            axis = axes[row_index][column]
            for ngram in ngrams:
                points = sorted(
                    (r["threshold"], r[key][measure])
                    for r in rows
                    if r["num_perm"] == perm and r["ngram"] == ngram
                )
                axis.plot(*zip(*points, strict=True), "o-", label=f"{ngram}-gram")
            axis.set_title(f"{title}, num_perm {perm}", fontsize=9)
            axis.set_xlabel("threshold t (J ≥ t, or C ≥ t with J ≥ 0.3)")
            axis.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    save_figure(figure, image)
    return True


def _scores(row: dict[str, Any]) -> dict[str, Any]:
    """The F1, recall and false-merge columns of one evaluated row, mixed and judged."""
    return {
        f"{part}: {label}": row[part][key]
        for part in ("mixed", "judged")
        for label, key in (("F1", "f1"), ("recall", "recall"), ("false merges", "false_merges"))
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ngrams", type=int, nargs="+", default=[3, 4, 5, 6, 7])
    parser.add_argument("--num-perms", type=int, nargs="+", default=[64, 128, 256])
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.5, 0.6, 0.7, 0.8, 0.9])
    parser.add_argument(
        "--jaccard-floors",
        type=float,
        nargs="+",
        default=[0.1, 0.2, 0.3, 0.4, 0.5],
        help="min_jaccard_for_containment values of the second sweep",
    )
    parser.add_argument("--bases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--quick", action="store_true", help="a 3×1×3 grid on 60 bodies")
    args = parser.parse_args(argv)
    if args.quick:
        args.ngrams, args.num_perms, args.thresholds = [4, 5, 6], [128], [0.7, 0.8, 0.9]
        args.jaccard_floors, args.bases = [0.2, 0.4], 60

    with stage(f"inputs (mixed corpus of {args.bases} bodies, judged articles)"):
        mixed = mixed_corpus(args.bases, seed=args.seed)
        for index, text in enumerate(make_formulaic_reports(Random(args.seed), 60)):
            mixed.add(
                Article(id=f"t{index:02d}", text=text, source="wire"), f"t{index}", "template"
            )
        gold = as_labels([a.id for a in mixed.articles], mixed.family)
        judged_articles, pairs = judged_inputs()
    base = DedupConfig(related=RelatedConfig(k=0))
    grid = list(itertools.product(args.ngrams, args.num_perms, args.thresholds))
    rows = []
    for ngram, num_perm, threshold in tqdm(grid, desc="grid", unit="config", file=sys.stderr):
        config = replace(
            base,
            ngram=ngram,
            num_perm=num_perm,
            jaccard_threshold=threshold,
            containment_threshold=threshold,
        )
        rows.append(
            {
                "ngram": ngram,
                "num_perm": num_perm,
                "threshold": threshold,
                **evaluate(config, mixed, gold, judged_articles, pairs),
            }
        )
    floor_rows = []
    for floor in tqdm(args.jaccard_floors, desc="jaccard floor", unit="config", file=sys.stderr):
        config = replace(base, min_jaccard_for_containment=floor)
        floor_rows.append(
            {
                "min_jaccard_for_containment": floor,
                **evaluate(config, mixed, gold, judged_articles, pairs),
            }
        )

    # J 0.8 / C 0.7 accepts what t = 0.7 accepts (J >= 0.8 implies C >= 0.7).
    defaults = (base.ngram, base.num_perm, base.containment_threshold)
    table = Table(
        "params",
        [
            "ngram",
            "num_perm",
            "threshold",
            "mixed: F1",
            "mixed: recall",
            "mixed: false merges",
            "mixed: seconds",
            "judged: F1",
            "judged: recall",
            "judged: false merges",
        ],
        caption=(
            f"dedup.scan with one parameter set per row: threshold t = Jaccard ≥ t, or "
            f"containment ≥ t with Jaccard ≥ 0.3 (others at their defaults; **bold** = "
            f"the defaults: J 0.8 / C 0.7 accepts what t = 0.7 does). Mixed: "
            f"{len(mixed.articles):,} articles "
            f"({args.bases} real bodies with 1-3 variants, 60 template reports; seed "
            f"{args.seed}). Judged: the 200 judged pairs among their "
            f"{len(judged_articles)} articles."
        ),
    )
    for row in rows:
        is_default = (row["ngram"], row["num_perm"], row["threshold"]) == defaults
        mark = (lambda v: f"**{v}**") if is_default else (lambda v: v)
        table.add(
            **{
                "ngram": mark(row["ngram"]),
                "num_perm": mark(row["num_perm"]),
                "threshold": mark(row["threshold"]),
                "mixed: seconds": row["mixed"]["seconds"],
                **_scores(row),
            }
        )
    floor_table = Table(
        "params_jaccard_floor",
        [
            "min_jaccard_for_containment",
            "mixed: F1",
            "mixed: recall",
            "mixed: false merges",
            "judged: F1",
            "judged: recall",
            "judged: false merges",
        ],
        caption=(
            "The Jaccard a containment match also needs, swept at the other defaults "
            "(same inputs; 0.3 is the default)."
        ),
    )
    for row in floor_rows:
        floor_table.add(
            **{
                "min_jaccard_for_containment": row["min_jaccard_for_containment"],
                **_scores(row),
            }
        )
    folder = RESULTS / "quick" if args.quick else RESULTS
    image = folder / "params.png"
    images = [image] if plot(rows, image) else []
    results = {
        "grid": rows,
        "jaccard_floor": floor_rows,
        "mixed_articles": len(mixed.articles),
        "judged_articles": len(judged_articles),
        "seed": args.seed,
    }
    publish(
        "params",
        [table, floor_table],
        module="benchmarks.params",
        argv=argv,
        quick=args.quick,
        images=images,
    )
    print_json(results)
    return results


if __name__ == "__main__":
    main()
