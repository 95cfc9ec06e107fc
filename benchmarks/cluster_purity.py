"""Cluster purity on read clusters: would an editor keep the clusters of a scan?

The reading sheet (``benchmarks/cluster_labels/sheet.jsonl``, from :mod:`benchmarks.cluster_sample`)
names 60 clusters of size >= 3 of a ``dedup scan`` of saudinewsnet + ant-multisource-2018
(defaults); readers labelled each member against its canonical (``labels-*.jsonl`` in the labels
folder: ``SAME``, ``UPDATE``, ``FOLLOW_UP``, ``ROUNDUP``, ``DIFFERENT``; the guide is
``GUIDE.md``). This script finds, in each run compared, the clusters that hold the sheet's
articles and scores them against the labels (a label belongs to an unordered pair of ids):

- **clean clusters**: the share of those clusters of size >= 3 whose every member is ``SAME`` or
  ``UPDATE`` against the canonical;
- **member precision**: the share of their non-canonical members (clusters of size >= 2) that
  are ``SAME`` or ``UPDATE`` against their canonical.

A run whose clusters hold a (canonical, member) pair nobody labelled lists it under
``unlabelled``: read both texts (``python -m benchmarks.cluster_sample --show A B``), judge it by
the guide and add it to ``labels-extra.jsonl``. Unlabelled members count as not clean (so a
figure is never better than what was read).

The runs: ``--baseline-out`` / ``--out-dir`` (finished scans of the two corpora), or the code of
``--baseline-rev`` (a git worktree of that commit, scanned with defaults) and of this checkout.
The judged-duplicates-dev pairs are scored on the same runs (:mod:`benchmarks.duplicates_quality`'s
definition: a pair is merged when its two articles share a cluster).

Usage::

    python -m benchmarks.cluster_purity [--baseline-rev 9f8f961] [--labels DIR] [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks._data import DATA, load_jsonl

ROOT = Path(__file__).resolve().parents[1]
LABELS = Path(__file__).parent / "cluster_labels"
SHEET = LABELS / "sheet.jsonl"
CORPORA = ("saudinewsnet", "ant-multisource-2018")
ONE_CARD = frozenset({"SAME", "UPDATE"})
LABEL_NAMES = ("SAME", "UPDATE", "FOLLOW_UP", "ROUNDUP", "DIFFERENT")
# The commit before issue 15 (the sheet was read on its clusters).
BASELINE_REV = "9f8f961"

Key = tuple[str, str]


def _key(first: str, second: str) -> Key:
    return (first, second) if first <= second else (second, first)


def load_labels(folder: Path) -> tuple[dict[Key, str], dict[str, Any]]:
    """Every ``labels-*.jsonl`` of ``folder``: one label per unordered pair, and agreement.

    Several readers of one pair: the majority; a tie goes to the label that keeps two cards
    (the stricter reading), then to the first in ``LABEL_NAMES``' order.
    """
    votes: dict[Key, Counter[str]] = {}
    files = sorted(folder.glob("labels-*.jsonl"))
    for path in files:
        for row in load_jsonl(path):
            label = str(row["label"]).strip().upper()
            if label not in LABEL_NAMES:
                raise SystemExit(f"{path}: unknown label {row['label']!r} for {row}")
            votes.setdefault(_key(row["canonical"], row["member"]), Counter())[label] += 1
    chosen: dict[Key, str] = {}
    disagreements = 0
    for key, counted in votes.items():
        best = max(counted.values())
        tied = [name for name in LABEL_NAMES if counted[name] == best]
        two_cards = [name for name in tied if name not in ONE_CARD]
        chosen[key] = (two_cards or tied)[0]
        disagreements += len(counted) > 1
    info = {"files": [p.name for p in files], "pairs": len(chosen), "disagreements": disagreements}
    return chosen, info


def _clusters(out_dir: Path) -> list[dict[str, Any]]:
    return list(load_jsonl(out_dir / "clusters.jsonl"))


def sheet_ids() -> set[str]:
    """Every article the sheet names (canonicals and members)."""
    return {i for row in load_jsonl(SHEET) for i in (row["canonical"], row["member"])}


def purity(
    clusters: list[dict[str, Any]], labels: dict[Key, str], wanted: set[str]
) -> dict[str, Any]:
    """Clean share and member precision of the clusters holding ``wanted`` articles."""
    held = [c for c in clusters if c["size"] >= 2 and any(m["id"] in wanted for m in c["members"])]
    clean = large = one_card = members = 0
    unlabelled: list[Key] = []
    wrong: list[dict[str, Any]] = []
    by_label: Counter[str] = Counter()
    for cluster in held:
        canonical = cluster["canonical"]
        others = [m for m in cluster["members"] if m["id"] != canonical]
        found = [labels.get(_key(canonical, m["id"])) for m in others]
        unlabelled += [
            _key(canonical, m["id"]) for m, f in zip(others, found, strict=True) if f is None
        ]
        good = sum(label in ONE_CARD for label in found)
        by_label.update(label or "UNLABELLED" for label in found)
        one_card += good
        members += len(others)
        wrong += [
            {"canonical": canonical, "member": m["id"], "label": f, "relation": m["relation"]}
            for m, f in zip(others, found, strict=True)
            if f is not None and f not in ONE_CARD
        ]
        if cluster["size"] >= 3:
            large += 1
            clean += good == len(others)
    return {
        "clusters_size_3_plus": large,
        "clean": clean,
        "clean_share": round(clean / max(1, large), 4),
        "members": members,
        "member_precision": round(one_card / max(1, members), 4),
        "members_by_label": dict(sorted(by_label.items())),
        "not_one_card": wrong,
        "unlabelled": sorted(set(unlabelled)),
    }


def judged_scores(clusters: list[dict[str, Any]]) -> dict[str, Any]:
    """judged-duplicates-dev on this run (``DUP``/``UPDATE`` positive)."""
    from benchmarks.duplicates_quality import judged_pairs, score

    cluster_of = {m["id"]: c["cluster_id"] for c in clusters for m in c["members"]}
    merged = {
        _key(p["a"], p["b"])
        for p in judged_pairs()
        if p["a"] in cluster_of and cluster_of[p["a"]] == cluster_of.get(p["b"])
    }
    found = score(judged_pairs(), merged)
    return {k: found[k] for k in ("precision", "recall", "false_merges", "template_merged")}


def scan_with(checkout: Path, out_dir: Path) -> Path:
    """``dedup scan`` (defaults, related lists off) of the two corpora with ``checkout``'s code."""
    inputs = [str(DATA / corpus / "articles.jsonl") for corpus in CORPORA]
    command = [sys.executable, "-m", "dedup", "scan", *inputs, "--out", str(out_dir)]
    print(f"scanning with {checkout} ...", file=sys.stderr)
    subprocess.run([*command, "--related-k", "0", "-q"], cwd=checkout, check=True)
    return out_dir


def baseline_run(rev: str, work: Path) -> Path:
    """A scan with the code of ``rev`` (a detached git worktree, removed afterwards)."""
    tree = work / "baseline-tree"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(tree), rev],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    try:
        return scan_with(tree, work / "baseline-out")
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=True)


def compare(runs: dict[str, Path], labels_dir: Path) -> dict[str, Any]:
    """Purity and judged pairs of every run, in one table."""
    labels, info = load_labels(labels_dir)
    wanted = sheet_ids()
    results: dict[str, Any] = {"labels": info}
    for name, out_dir in runs.items():
        clusters = _clusters(out_dir)
        results[name] = {**purity(clusters, labels, wanted), "judged": judged_scores(clusters)}
    return results


def _table(results: dict[str, Any], names: list[str]) -> str:
    head = "| run | clean (size >= 3) | member precision | judged P / R | TEMPLATE merged |"
    lines = [head, "| --- | --- | --- | --- | --- |"]
    for name in names:
        r = results[name]
        j = r["judged"]
        lines.append(
            f"| {name} | {r['clean']}/{r['clusters_size_3_plus']} = {r['clean_share']:.3f} "
            f"| {r['member_precision']:.3f} ({r['members']}) | {j['precision']:.3f} / "
            f"{j['recall']:.3f} | {j['template_merged']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=Path, default=LABELS, help="folder of labels-*.jsonl")
    parser.add_argument("--baseline-out", type=Path, help="a finished scan with today's code")
    parser.add_argument("--baseline-rev", default=BASELINE_REV, help="else scan this commit")
    parser.add_argument("--out-dir", type=Path, help="a finished scan with the new code")
    parser.add_argument("--only-new", action="store_true", help="no baseline column")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cluster-purity-") as scratch:
        work = Path(scratch)
        runs: dict[str, Path] = {}
        if not args.only_new:
            runs[f"baseline ({args.baseline_rev})"] = args.baseline_out or baseline_run(
                args.baseline_rev, work
            )
        runs["this checkout"] = args.out_dir or scan_with(ROOT, work / "new-out")
        results = compare(runs, args.labels)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    print(_table(results, list(runs)), file=sys.stderr)
    for name in runs:
        for first, second in results[name]["unlabelled"]:
            print(f"unlabelled ({name}): {first} {second}", file=sys.stderr)
    return results


if __name__ == "__main__":
    main()
