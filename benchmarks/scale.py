"""Throughput, peak memory, candidates and recall of ``dedup scan`` as the archive grows.

For each size (1k, 10k, 100k by default; 1M with ``--sizes``) the seeded archive of
:mod:`benchmarks.archive` (distinct Markov-chain stories with the real corpora's statistics,
~15 % of them republished 1-4 times by copy recipes, template siblings; truth by
construction) is written to ``--data-dir`` (the temporary folder by default, never the
repository; kept between runs with the same size and seed), then ``dedup scan`` (the CLI:
read, scan, write; related lists on unless ``--no-related``) runs on it in a child process
with its progress bars on stderr. Measured per size: articles/s end to end, the child's peak
resident memory (``ru_maxrss``), the scan's stage seconds and counts (candidates and
candidates per article, verified pairs, clusters), and against the construction: recall of
the planted (original, copy) pairs and the pairs clustered across families (every one false:
the stories are distinct by construction, template siblings are families of their own).

The growth is fitted as a power law on the measured sizes (least squares on log-log):
``seconds ≈ c · n^b``, likewise memory and candidates; the exponent between the two largest
sizes is given too. Both are extrapolated to 1M articles and drawn as a log-log plot
(``benchmarks/results/scale.png``). A stage model extrapolates too: the largest run's
per-article stages grow linearly, its candidate generation and verification with the
candidate count.

Usage::

    python -m benchmarks.scale [--sizes 1000 10000 100000] [--seed 13] [--no-related]
        [--data-dir /tmp/dedup-bench-scale] [--memory-limit 8G] [--quick]

``--quick`` runs 1k and 3k (under two minutes).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._metrics import as_labels, pair_scores
from benchmarks._report import (
    RESULTS,
    Table,
    plot_available,
    print_json,
    publish,
    run_measured,
    save_figure,
    stage,
)
from benchmarks.archive import ArchiveSpec, read_truth, truth_path, write_archive

TARGET = 1_000_000


def corpus_file(size: int, seed: int, folder: Path) -> tuple[Path, dict[str, str]]:
    """The archive of ``size`` as JSON Lines in ``folder`` (kept between runs with the same
    size and seed), and each id's family."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"archive-{seed}-{size}.jsonl"
    truth = truth_path(path)
    if not (path.exists() and truth.exists()):
        with stage(f"archive of {size:,} articles"):
            write_archive(ArchiveSpec(size, seed), path)
    return path, read_truth(truth)[0]


def scan_child(
    path: Path, out: Path, *, related: bool, memory_limit: str | None
) -> tuple[float, float]:
    """``dedup scan`` in a child process (progress on stderr): (seconds, peak RSS MiB)."""
    command = [sys.executable, "-m", "dedup", "scan", str(path), "--out", str(out), "--progress"]
    if not related:
        command += ["--related-k", "0"]
    if memory_limit is not None:
        command += ["--memory-limit", memory_limit]
    return run_measured(command)


def _cluster_of(out: Path) -> dict[str, str]:
    cluster_of: dict[str, str] = {}
    with (out / "clusters.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            cluster = json.loads(line)
            for member in cluster["members"]:
                cluster_of[member["id"]] = cluster["cluster_id"]
    return cluster_of


def measure(
    size: int, seed: int, folder: Path, *, related: bool, memory_limit: str | None
) -> dict[str, Any]:
    path, family = corpus_file(size, seed, folder)
    with tempfile.TemporaryDirectory() as scratch, stage(f"dedup scan on {size:,} articles"):
        out = Path(scratch)
        seconds, peak = scan_child(path, out, related=related, memory_limit=memory_limit)
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        cluster_of = _cluster_of(out)
    ids = list(family)
    scores = pair_scores(as_labels(ids, cluster_of), as_labels(ids, family))
    # Planted pairs: (original, copy); the copies of one story are pairs too, but a trim and
    # an extension of it may fall under the rule (Jaccard < 0.3), so they are not counted.
    variants = [i for i in ids if i != family[i]]
    planted_found = sum(cluster_of.get(i) == cluster_of.get(family[i]) for i in variants)
    counts = summary["counts"]
    return {
        "articles": size,
        "seconds": round(seconds, 2),
        # The scan's own stages (read .. related): no interpreter start-up and no writing,
        # which would flatten the growth at small sizes.
        "scan_seconds": round(sum(summary.get("seconds", {}).values()), 2),
        "articles_per_second": round(size / seconds, 1),
        "peak_rss_mib": round(peak, 1),
        "stage_seconds": summary.get("seconds", {}),
        "candidates": counts.get("candidates"),
        "candidates_per_article": round(counts.get("candidates", 0) / size, 3),
        "verified_exactly": counts.get("verified_exactly"),
        "pairs": counts.get("pairs"),
        "clusters": counts.get("clusters"),
        "duplicate_clusters": counts.get("duplicate_clusters"),
        "planted_pairs": len(variants),
        "planted_pair_recall": round(planted_found / max(1, len(variants)), 4),
        "cross_family_merges": scores["false_merges"],
        "pair_f1_vs_families": scores["f1"],
    }


def power_fit(sizes: list[float], values: list[float]) -> dict[str, float]:
    """``value ≈ c · n^b`` by least squares on logs; the last two points' exponent too.

    Examples
    --------
    >>> fit = power_fit([1e3, 1e4, 1e5], [1.0, 10.0, 100.0])
    >>> round(fit["exponent"], 3), round(fit["at_1M"], 1)
    (1.0, 1000.0)
    """
    x, y = np.log(np.asarray(sizes)), np.log(np.asarray(values))
    exponent, intercept = np.polyfit(x, y, 1)
    local = (y[-1] - y[-2]) / (x[-1] - x[-2]) if len(x) >= 2 else exponent
    return {
        "exponent": float(exponent),
        "coefficient": float(math.exp(intercept)),
        "at_1M": float(math.exp(intercept) * TARGET**exponent),
        "local_exponent": float(local),
        "at_1M_local": float(values[-1] * (TARGET / sizes[-1]) ** local),
    }


# Stages whose work grows with the number of LSH candidate pairs; the others touch each article
# a fixed number of times.
PAIR_STAGES = ("candidates", "verify")


def stage_model(rows: list[dict[str, Any]], candidate_fit: dict[str, float]) -> dict[str, float]:
    """Seconds at 1M from the largest run: per-article stages × 10^k, pair stages × candidates.

    The pair-driven stages (candidate generation and verification) are scaled with the
    fitted growth of the candidate count (last-step exponent), the rest linearly.
    """
    largest = rows[-1]
    stages = largest["stage_seconds"]
    pair_seconds = sum(stages.get(name, 0.0) for name in PAIR_STAGES)
    linear_seconds = sum(v for k, v in stages.items() if k not in PAIR_STAGES)
    ratio = TARGET / largest["articles"]
    pair_growth = ratio ** candidate_fit["local_exponent"]
    return {
        "from_articles": largest["articles"],
        "linear_stage_seconds": round(linear_seconds, 1),
        "pair_stage_seconds": round(pair_seconds, 1),
        "at_1M_seconds": round(linear_seconds * ratio + pair_seconds * pair_growth, 1),
        "candidates_at_1M": round(candidate_fit["at_1M_local"]),
        # Two int64 columns per candidate pair, before any deduplication across bands.
        "candidate_array_gib_at_1M": round(candidate_fit["at_1M_local"] * 16 / 2**30, 1),
    }


def plot(rows: list[dict[str, Any]], fits: dict[str, dict[str, float]], image: Path) -> bool:
    if not plot_available():
        return False
    import matplotlib.pyplot as plt

    sizes = [r["articles"] for r in rows]
    grid = np.logspace(math.log10(min(sizes)), math.log10(TARGET), 50)
    figure, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    for axis, (key, label) in zip(
        axes,
        (
            ("scan_seconds", "scan seconds"),
            ("peak_rss_mib", "peak RSS (MiB)"),
            ("candidates", "LSH candidate pairs"),
        ),
        strict=True,
    ):
        values = [r[key] for r in rows]
        fit = fits[key]
        axis.loglog(sizes, values, "o", color="C0", label="measured")
        axis.loglog(
            grid,
            fit["coefficient"] * grid ** fit["exponent"],
            "-",
            color="C1",
            label=f"fit n^{fit['exponent']:.2f}",
        )
        axis.loglog(
            [sizes[-1], TARGET],
            [values[-1], fit["at_1M_local"]],
            "--",
            color="C2",
            label=f"last-step n^{fit['local_exponent']:.2f}",
        )
        axis.set_xlabel("articles")
        axis.set_title(label)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle("dedup scan growth: measured, fitted, extrapolated to 1M articles")
    save_figure(figure, image)
    return True


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "dedup-bench-scale",
        help="where the archives are written (never the repository)",
    )
    parser.add_argument("--memory-limit", default=None, help="passed to dedup scan")
    parser.add_argument("--no-related", action="store_true", help="related lists off")
    parser.add_argument("--quick", action="store_true", help="1k and 3k, under two minutes")
    args = parser.parse_args(argv)
    sizes = [1000, 3000] if args.quick else sorted(args.sizes)
    rows = []
    for size in sizes:
        rows.append(
            measure(
                size,
                args.seed,
                args.data_dir,
                related=not args.no_related,
                memory_limit=args.memory_limit,
            )
        )
        print(json.dumps(rows[-1]), file=sys.stderr)
    fits = (
        {
            key: power_fit([r["articles"] for r in rows], [r[key] for r in rows])
            for key in ("scan_seconds", "peak_rss_mib", "candidates")
        }
        if len(rows) >= 2
        else {}
    )

    table = Table(
        "scale",
        [
            "articles",
            "articles/s",
            "seconds",
            "scan seconds",
            "peak RSS MiB",
            "candidates",
            "candidates/article",
            "verified",
            "pairs",
            "clusters",
            "planted-pair recall",
            "cross-family merges",
        ],
        caption=(
            "`dedup scan` (CLI; articles/s and seconds end to end, read..write with "
            "interpreter start-up; scan seconds: the scan's own stages; related lists "
            f"{'off' if args.no_related else 'on'}) on the seeded archive "
            f"(`benchmarks.archive`, seed {args.seed}: distinct Markov-chain stories, 15 % "
            "republished 1-4 times; cross-family merges: pairs clustered across families)."
        ),
    )
    for row in rows:
        table.add(
            **{
                "articles": row["articles"],
                "articles/s": row["articles_per_second"],
                "seconds": row["seconds"],
                "scan seconds": row["scan_seconds"],
                "peak RSS MiB": row["peak_rss_mib"],
                "candidates": row["candidates"],
                "candidates/article": row["candidates_per_article"],
                "verified": row["verified_exactly"],
                "pairs": row["pairs"],
                "clusters": row["clusters"],
                "planted-pair recall": row["planted_pair_recall"],
                "cross-family merges": row["cross_family_merges"],
            }
        )
    tables = [table]
    if fits:
        extrapolation = Table(
            "scale_extrapolation",
            [
                "measure",
                "fit (all sizes)",
                "at 1M (fit)",
                "exponent, last two sizes",
                "at 1M (last step)",
            ],
            caption=(
                "Power-law fits, value ≈ c·n^b, least squares on log-log over "
                f"{', '.join(f'{s:,}' for s in sizes)} articles, extrapolated to 1M."
            ),
        )
        for key, label in (
            ("scan_seconds", "scan seconds"),
            ("peak_rss_mib", "peak RSS MiB"),
            ("candidates", "candidates"),
        ):
            fit = fits[key]
            extrapolation.add(
                **{
                    "measure": label,
                    "fit (all sizes)": f"{fit['coefficient']:.3g}·n^{fit['exponent']:.2f}",
                    "at 1M (fit)": round(fit["at_1M"], 1),
                    "exponent, last two sizes": round(fit["local_exponent"], 2),
                    "at 1M (last step)": round(fit["at_1M_local"], 1),
                }
            )
        model = stage_model(rows, fits["candidates"])
        extrapolation.add(
            **{
                "measure": "scan seconds, stage model",
                "fit (all sizes)": (
                    f"{model['linear_stage_seconds']} s per-article stages × n + "
                    f"{model['pair_stage_seconds']} s pair stages × candidates, "
                    f"from {model['from_articles']:,}"
                ),
                "at 1M (fit)": model["at_1M_seconds"],
                "exponent, last two sizes": None,
                "at 1M (last step)": None,
            }
        )
        tables.append(extrapolation)
    folder = RESULTS / "quick" if args.quick else RESULTS
    image = folder / "scale.png"
    images = [image] if fits and plot(rows, fits, image) else []
    results = {
        "seed": args.seed,
        "related": not args.no_related,
        "sizes": rows,
        "fits": fits,
        "stage_model": stage_model(rows, fits["candidates"]) if fits else {},
    }
    publish("scale", tables, module="benchmarks.scale", argv=argv, quick=args.quick, images=images)
    print_json(results)
    return results


if __name__ == "__main__":
    main()
