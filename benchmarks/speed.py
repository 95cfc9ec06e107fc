"""Speed of the project and of every baseline on the same input in one run, as ratios.

On ``../shared/data/saudinewsnet`` (6,010 real articles) by default, each recipe of
:mod:`benchmarks.recipes` runs in its own child process (a fresh interpreter, so its peak
resident memory is its own; the corpus is loaded before the clock starts) on the same
articles:

- ``dedup``: ``dedup.scan`` (public API, defaults, related lists off as no baseline has them,
  every core as ``dedup scan``), and its per-stage rates; ``dedup --jobs 1`` the same in one
  process;
- ``datasketch``: the plain recipe (``MinHash.update`` per shingle + ``MinHashLSH`` +
  union-find). It runs at tens of articles per second, so it is timed on the first
  ``--sample`` articles and its rate stated per article;
- ``datasketch-bulk``: ``MinHash.bulk`` instead of ``update`` (identical signatures; checked
  here on the sample);
- ``rensa`` (skipped with a message when not installed) and ``datatrove-5w``.

"dedup ×" is how many times faster the project is than the row (its articles/s over the
row's), measured in this run; the machine is shared, so only these ratios are meaningful.
It also times ``dedup scan`` end to end through the CLI (read, write; related lists off), with
and without the furniture and template features, and the signature stage alone against the
datasketch signatures (the targets issue 2 set: ≥ 50× ``update``, ≥ 5× ``bulk``).

Usage::

    python -m benchmarks.speed [--corpus saudinewsnet] [--sample 400] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

import numpy as np

from benchmarks._data import DATA
from benchmarks._report import Table, print_json, publish, run_measured, stage
from benchmarks.recipes import RECIPES, Runner, available_recipes, char_shingles, run_dedup
from dedup import Article, read_corpus
from dedup.normalize import normalize_text
from dedup.shingle import shingle_texts
from dedup.signature import minhash_signatures

ONE_PROCESS = "dedup --jobs 1"
# The recipes of this benchmark: every tool, and the project in one process beside it.
SPEED_RECIPES: dict[str, Runner] = {
    **RECIPES,
    ONE_PROCESS: lambda articles, **kw: run_dedup(articles, jobs=1, name=ONE_PROCESS, **kw),
}


def _articles(corpus: str, limit: int | None) -> list[Article]:
    path = str(DATA / corpus / "articles.jsonl")
    articles = [r for r in read_corpus(path) if isinstance(r, Article)]
    return articles[:limit] if limit else articles


def _run_child(recipe: str, corpus: str, limit: int | None) -> tuple[dict[str, Any], float]:
    command = [sys.executable, "-m", "benchmarks.speed", "--worker", recipe, "--corpus", corpus]
    if limit:
        command += ["--limit", str(limit)]
    # wait4 needs the child unreaped: Popen without communicate's internal wait.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed with exit code {process.returncode}")
    return json.loads(stdout), usage.ru_maxrss / 1024


def worker(recipe: str, corpus: str, limit: int | None) -> None:
    """Child process: run one recipe on the corpus, print its timing as JSON."""
    articles = _articles(corpus, limit)
    started = time.perf_counter()
    outcome = SPEED_RECIPES[recipe](articles)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "recipe": recipe,
                "articles": len(articles),
                "seconds": seconds,
                "stages": outcome.stages,
                "counts": outcome.counts,
                "clusters": len(np.unique(outcome.labels)),
            }
        )
    )


def _cli_scan(path: str, *extra: str) -> tuple[float, float]:
    """``dedup scan`` end to end in a child: (seconds, peak RSS MiB)."""
    with tempfile.TemporaryDirectory() as out:
        command = [
            sys.executable,
            "-m",
            "dedup",
            "scan",
            path,
            "--out",
            out,
            "--no-progress",
            "--related-k",
            "0",
            *extra,
        ]
        return run_measured(command)


def signature_check(texts: list[str], sample: int) -> dict[str, Any]:
    """Text → signature rates on normalized text, and update == bulk.

    As issue 2 defined it: ours is shingling + MinHash of every text; datasketch's is building
    the set of 5-grams + ``update`` per shingle (or ``bulk``), on the first ``sample`` texts.
    """
    from datasketch import MinHash

    normalized = [normalize_text(t) for t in texts]
    started = time.perf_counter()
    minhash_signatures(shingle_texts(normalized, 5))
    ours = len(normalized) / (time.perf_counter() - started)
    head = normalized[:sample]
    started = time.perf_counter()
    updated = []
    for text in head:
        sketch = MinHash(num_perm=128)
        for shingle in char_shingles(text):
            sketch.update(shingle.encode("utf-8"))
        updated.append(sketch)
    update_rate = len(head) / (time.perf_counter() - started)
    started = time.perf_counter()
    bulk = MinHash.bulk([[s.encode("utf-8") for s in char_shingles(t)] for t in head], num_perm=128)
    bulk_rate = len(head) / (time.perf_counter() - started)
    identical = all(
        np.array_equal(a.hashvalues, b.hashvalues) for a, b in zip(updated, bulk, strict=True)
    )
    return {
        "dedup (shingle+minhash)": round(ours, 1),
        "datasketch update": round(update_rate, 1),
        "datasketch bulk": round(bulk_rate, 1),
        "update_and_bulk_signatures_identical": identical,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="saudinewsnet")
    parser.add_argument(
        "--sample",
        type=int,
        default=400,
        help="articles for the plain datasketch recipe (it is slow)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1,500 articles and a 100-article plain sample (under two minutes)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.corpus, args.limit)
        return {}
    limit = 1500 if args.quick else None
    sample = 100 if args.quick else args.sample
    articles = _articles(args.corpus, limit)
    count = len(articles)

    recipes = available_recipes(list(RECIPES))
    recipes.insert(recipes.index("dedup") + 1, ONE_PROCESS)
    rows: dict[str, dict[str, Any]] = {}
    for recipe in recipes:
        size = min(sample, count) if recipe == "datasketch" else count
        with stage(f"{recipe} on {size:,} articles (child process)"):
            result, peak = _run_child(recipe, args.corpus, size if size < count or limit else None)
        result["articles_per_second"] = result["articles"] / result["seconds"]
        result["peak_rss_mib"] = round(peak, 1)
        rows[recipe] = result

    ours = rows["dedup"]["articles_per_second"]
    alone = rows[ONE_PROCESS]["articles_per_second"]
    with stage("signature stage alone"):
        signatures = signature_check([a.text for a in articles], sample)
    path = str(DATA / args.corpus / "articles.jsonl")
    cli: dict[str, Any] = {}
    if not args.quick:
        with stage("dedup scan (CLI) end to end, twice"):
            whole, whole_peak = _cli_scan(path)
            bare, _ = _cli_scan(path, "--keep-furniture", "--no-template-guard")
        cli = {
            "dedup scan (CLI, read..write)": round(count / whole, 1),
            "dedup scan --keep-furniture --no-template-guard": round(count / bare, 1),
            "peak_rss_mib (CLI)": round(whole_peak, 1),
        }

    table = Table(
        "speed",
        [
            "tool",
            "articles timed",
            "articles/s",
            "dedup ×",
            "dedup --jobs 1 ×",
            "peak RSS MiB",
            "clusters",
            "seconds by stage",
        ],
        caption=(
            f"{args.corpus}: {count:,} real articles, the same input for every tool, one "
            f"run, each tool in its own process. dedup × = dedup's articles/s over the "
            f"row's; dedup uses every core ({os.cpu_count()}), dedup --jobs 1 one process "
            f"(peak RSS: the main process; a worker is a process of its own). The plain "
            f"datasketch recipe is timed on the first "
            f"{min(sample, count)} articles (its clusters column counts those only)."
        ),
    )
    for recipe, row in rows.items():
        table.add(
            **{
                "tool": recipe,
                "articles timed": row["articles"],
                "articles/s": round(row["articles_per_second"], 1),
                "dedup ×": round(ours / row["articles_per_second"], 2),
                "dedup --jobs 1 ×": round(alone / row["articles_per_second"], 2),
                "peak RSS MiB": row["peak_rss_mib"],
                "clusters": row["clusters"],
                "seconds by stage": ", ".join(
                    f"{k} {v:.2f}" for k, v in row["stages"].items() if v and v >= 0.005
                ),
            }
        )
    results: dict[str, Any] = {
        "corpus": args.corpus,
        "articles": count,
        "plain_recipe_sample": min(sample, count),
        "recipes": rows,
        "ratios (dedup articles/s over each)": {
            recipe: round(ours / row["articles_per_second"], 2) for recipe, row in rows.items()
        },
        "ratios (dedup --jobs 1 articles/s over each)": {
            recipe: round(alone / row["articles_per_second"], 2) for recipe, row in rows.items()
        },
        "signature_stage_articles_per_second": signatures,
        "signature_ratios": {
            "vs datasketch update (target >= 50)": round(
                signatures["dedup (shingle+minhash)"] / signatures["datasketch update"], 1
            ),
            "vs datasketch bulk (target >= 5)": round(
                signatures["dedup (shingle+minhash)"] / signatures["datasketch bulk"], 1
            ),
        },
        "cli_articles_per_second": cli,
    }
    notes = (
        f"Text to signature alone, on normalized text (shingle + MinHash; datasketch: set of "
        f"5-grams + update or bulk, first {min(sample, count)} articles): "
        f"dedup {signatures['dedup (shingle+minhash)']:,} art/s, "
        f"{results['signature_ratios']['vs datasketch update (target >= 50)']}× datasketch "
        f"update, {results['signature_ratios']['vs datasketch bulk (target >= 5)']}× "
        f"datasketch bulk (update and bulk signatures identical: "
        f"{signatures['update_and_bulk_signatures_identical']})."
    )
    if cli:
        notes += (
            f" `dedup scan` CLI end to end (read..write): "
            f"{cli['dedup scan (CLI, read..write)']:,} art/s, peak RSS "
            f"{cli['peak_rss_mib (CLI)']:,} MiB; with --keep-furniture "
            f"--no-template-guard: "
            f"{cli['dedup scan --keep-furniture --no-template-guard']:,} art/s."
        )
    publish("speed", [table], module="benchmarks.speed", argv=argv, quick=args.quick, notes=notes)
    print_json(results)
    return results


if __name__ == "__main__":
    main()
