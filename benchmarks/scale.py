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
import shutil
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
    size: int,
    seed: int,
    folder: Path,
    *,
    related: bool,
    memory_limit: str | None,
    keep: Path | None = None,
) -> dict[str, Any]:
    path, family = corpus_file(size, seed, folder)
    with tempfile.TemporaryDirectory() as scratch, stage(f"dedup scan on {size:,} articles"):
        out = Path(scratch) / "out"
        seconds, peak = scan_child(path, out, related=related, memory_limit=memory_limit)
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        cluster_of = _cluster_of(out)
        if keep is not None:  # the scan's own output, to read its clusters
            shutil.copytree(out, keep / str(size), dirs_exist_ok=True)
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


# Sizes the stage model extrapolates to: a month of an aggregator's archive, and ten.
HORIZONS = (1_000_000, 10_000_000)


def stage_model(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Seconds, memory and candidates at 1M and 10M, stage by stage, from the two largest runs.

    Each stage's seconds grow with its own exponent between the two largest sizes (at least
    1: no stage gets cheaper per article), from the largest run; peak memory grows by its
    per-article slope between them (what is held per article, over a fixed base); the
    candidate count with its own exponent.
    """
    small, large = rows[-2], rows[-1]
    step = math.log(large["articles"] / small["articles"])

    def exponent(before: float, after: float) -> float:
        if before <= 0 or after <= 0:
            return 1.0
        return max(1.0, math.log(after / before) / step)

    stages = {
        name: (seconds, exponent(small["stage_seconds"].get(name, 0.0), seconds))
        for name, seconds in large["stage_seconds"].items()
    }
    slope = (large["peak_rss_mib"] - small["peak_rss_mib"]) / (
        large["articles"] - small["articles"]
    )
    candidate_exponent = exponent(small["candidates"], large["candidates"])
    model: dict[str, Any] = {
        "from_articles": large["articles"],
        "stage_exponents": {name: round(b, 2) for name, (_, b) in stages.items()},
        "rss_mib_per_article": round(slope, 4),
        "candidate_exponent": round(candidate_exponent, 2),
    }
    for horizon in HORIZONS:
        ratio = horizon / large["articles"]
        seconds = {name: s * ratio**b for name, (s, b) in stages.items()}
        model[f"at_{horizon}"] = {
            "seconds": round(sum(seconds.values()), 1),
            "articles_per_second": round(horizon / max(1e-9, sum(seconds.values())), 1),
            "stage_seconds": {name: round(v, 1) for name, v in seconds.items()},
            "peak_rss_mib": round(large["peak_rss_mib"] + slope * (horizon - large["articles"])),
            "candidates": round(large["candidates"] * ratio**candidate_exponent),
        }
    return model


def plot(rows: list[dict[str, Any]], fits: dict[str, dict[str, float]], image: Path) -> bool:
    if not plot_available():
        return False
    import matplotlib.pyplot as plt

    sizes = [r["articles"] for r in rows]
    far = HORIZONS[-1]
    grid = np.logspace(math.log10(min(sizes)), math.log10(far), 50)
    figure, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    for axis, (key, label) in zip(
        axes,
        (
            ("scan_seconds", "scan seconds"),
            ("peak_rss_mib", "peak RSS (MiB)"),
            ("candidates", "candidate pairs"),
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
            [sizes[-1], far],
            [values[-1], values[-1] * (far / sizes[-1]) ** fit["local_exponent"]],
            "--",
            color="C2",
            label=f"last-step n^{fit['local_exponent']:.2f}",
        )
        axis.set_xlabel("articles")
        axis.set_title(label)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle("dedup scan growth: measured, fitted, extrapolated to 10M articles")
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
    parser.add_argument(
        "--keep", type=Path, default=None, help="copy each scan's output to KEEP/SIZE"
    )
    parser.add_argument(
        "--name", default="scale", help="README section and table names (benchmarks/results)"
    )
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
                keep=args.keep,
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
        args.name,
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
            f"{args.name}_extrapolation",
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
        model = stage_model(rows)
        for horizon in HORIZONS:
            at = model[f"at_{horizon}"]
            extrapolation.add(
                **{
                    "measure": f"stage model at {horizon:,}",
                    "fit (all sizes)": (
                        f"{at['seconds']:,} s ({at['articles_per_second']:,} articles/s), "
                        f"peak RSS {at['peak_rss_mib']:,} MiB, {at['candidates']:,} candidates"
                    ),
                    "at 1M (fit)": None,
                    "exponent, last two sizes": None,
                    "at 1M (last step)": None,
                }
            )
        tables.append(extrapolation)
    folder = RESULTS / "quick" if args.quick else RESULTS
    image = folder / f"{args.name}.png"
    images = [image] if fits and plot(rows, fits, image) else []
    results = {
        "seed": args.seed,
        "related": not args.no_related,
        "sizes": rows,
        "fits": fits,
        "stage_model": stage_model(rows) if fits else {},
    }
    publish(
        args.name, tables, module="benchmarks.scale", argv=argv, quick=args.quick, images=images
    )
    print_json(results)
    return results


if __name__ == "__main__":
    main()
