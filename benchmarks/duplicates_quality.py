"""Precision and recall of merged pairs on the editor-judged duplicate pairs.

Runs the scan over ``saudinewsnet`` and ``ant-multisource-2018`` together (the
same reader and pipeline as ``dedup scan``), then checks every pair of
``judged-duplicates-dev``: a pair is *merged* when both articles land in one
cluster. ``DUP`` and ``UPDATE`` are positives; ``SAME_STORY``, ``TEMPLATE`` and
``DIFFERENT`` are negatives.

Side by side in one run:

- ``dedup`` — the defaults;
- ``dedup-no-furniture`` — furniture stripping and learned boilerplate off;
- ``dedup-no-template-guard`` — the template-sibling guard off;
- ``jaccard-0.8`` — whole-text character 5-gram Jaccard >= 0.8 only (the plain
  recipe's rule), computed exactly on the same normalized text.

Usage::

    python -m benchmarks.duplicates_quality [--config-json '{"containment_threshold": 0.7}']
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import replace
from typing import Any

from benchmarks._data import DATA, load_jsonl
from dedup import DedupConfig, RelatedConfig, read_many, scan

CORPORA = ("saudinewsnet", "ant-multisource-2018")
POSITIVE = {"DUP", "UPDATE"}


def judged_pairs() -> list[dict[str, Any]]:
    """The 200 judged pairs (a, b, corpus, label, why)."""
    return list(load_jsonl(DATA / "judged-duplicates-dev" / "pairs.jsonl"))


def score(pairs: list[dict[str, Any]], merged: set[tuple[str, str]]) -> dict[str, Any]:
    """Precision, recall and a label x merged table."""
    table: Counter[str] = Counter()
    true_positive = false_positive = false_negative = 0
    for pair in pairs:
        key = (min(pair["a"], pair["b"]), max(pair["a"], pair["b"]))
        is_merged = key in merged
        positive = pair["label"] in POSITIVE
        table[f"{pair['label']}:{'merged' if is_merged else 'apart'}"] += 1
        true_positive += positive and is_merged
        false_positive += (not positive) and is_merged
        false_negative += positive and not is_merged
    precision = true_positive / max(1, true_positive + false_positive)
    recall = true_positive / max(1, true_positive + false_negative)
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "merged": true_positive + false_positive,
        "false_merges": false_positive,
        "missed": false_negative,
        "template_merged": table["TEMPLATE:merged"],
        "by_label": dict(sorted(table.items())),
    }


def merged_pairs_of(config: DedupConfig) -> tuple[set[tuple[str, str]], dict[str, Any]]:
    """Every within-cluster pair of the scan (restricted later to the judged pairs)."""
    paths = [str(DATA / corpus / "articles.jsonl") for corpus in CORPORA]
    started = time.perf_counter()
    report = scan(read_many(paths), config=config)
    seconds = time.perf_counter() - started
    cluster_of = {m.id: c.cluster_id for c in report.clusters for m in c.members}
    wanted = judged_pairs()
    merged = {
        (min(p["a"], p["b"]), max(p["a"], p["b"]))
        for p in wanted
        if p["a"] in cluster_of and cluster_of.get(p["a"]) == cluster_of.get(p["b"])
    }
    counts: dict[str, Any] = report.stats["counts"]  # type: ignore[assignment]
    return merged, {
        "seconds": round(seconds, 1),
        "pairs": counts["pairs"],
        "duplicate_clusters": counts["duplicate_clusters"],
    }


def plain_jaccard_merges(threshold: float = 0.8) -> set[tuple[str, str]]:
    """Judged pairs whose whole-text 5-gram Jaccard >= 0.8 (normalized, furniture kept)."""
    from dedup.normalize import normalize_text
    from dedup.shingle import shingle_texts
    from dedup.verify import exact_similarities

    texts: dict[str, str] = {}
    for corpus in CORPORA:
        for row in load_jsonl(DATA / corpus / "articles.jsonl"):
            texts[row["id"]] = row.get("text") or ""
    merged = set()
    import numpy as np

    for pair in judged_pairs():
        sets = shingle_texts(
            [normalize_text(texts[pair["a"]]), normalize_text(texts[pair["b"]])], 5
        )
        jaccard, _ = exact_similarities(sets, np.array([[0, 1]]))
        if jaccard[0] >= threshold:
            merged.add((min(pair["a"], pair["b"]), max(pair["a"], pair["b"])))
    return merged


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config-json", default="{}", help="DedupConfig overrides as JSON")
    parser.add_argument("--only-default", action="store_true", help="skip the ablations")
    args = parser.parse_args(argv)
    base = DedupConfig.from_dict({**json.loads(args.config_json), "related": {"k": 0}})
    base = replace(base, related=RelatedConfig(k=0))
    recipes = {"dedup": base}
    if not args.only_default:
        recipes["dedup-no-furniture"] = replace(
            base, strip_furniture=False, learn_boilerplate=False
        )
        recipes["dedup-no-template-guard"] = replace(base, template_guard=False)
    pairs = judged_pairs()
    results: dict[str, Any] = {
        "data": "judged-duplicates-dev (200 pairs)",
        "corpora_scanned": list(CORPORA),
    }
    for name, config in recipes.items():
        print(f"scanning with {name} ...", file=sys.stderr)
        merged, info = merged_pairs_of(config)
        results[name] = {**score(pairs, merged), **info}
    results["jaccard-0.8"] = score(pairs, plain_jaccard_merges())
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return results


if __name__ == "__main__":
    main()
