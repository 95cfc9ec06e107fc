"""The scan's engines side by side: local (``--jobs 1`` and ``2``) and Dask with 1 and 2 workers.

Each run is a fresh process (``--one``) that reads the corpus, runs ``dedup.scan`` through
the public API (a Dask run starts its local cluster inside, on 127.0.0.1, and the start-up
is counted), writes the output files, and reports: seconds end to end (the corpus read
excluded), articles/s, seconds per stage (``stats["seconds"]``), the peak RSS of the
calling process and the largest peak RSS of its child processes (the preparation workers
of ``--jobs``, or the Dask workers: a per-worker peak), and a digest of the output files
(clusters, pairs, rejects, related), which must be the same for every engine.

Usage::

    python -m benchmarks.engines                      # saudinewsnet, 6,010 articles
    python -m benchmarks.engines --input archive.jsonl --no-related --name engines_100k
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._report import Table, print_json, publish

SAUDI = Path(__file__).resolve().parents[2] / "shared" / "data" / "saudinewsnet" / "articles.jsonl"
ENGINES = (("local", 1), ("local", 2), ("dask", 1), ("dask", 2))
OUTPUTS = ("clusters.jsonl", "pairs.jsonl", "rejects.jsonl", "related.jsonl")


def _one(source: Path, engine: str, workers: int, related: bool, limit: int | None) -> None:
    """One measured run, in this process; prints its JSON line."""
    from dedup import DedupConfig, RelatedConfig, read_corpus, scan, write_report

    records = list(read_corpus(str(source)))[:limit]
    config = DedupConfig() if related else DedupConfig(related=RelatedConfig(k=0))
    keywords: dict[str, Any] = (
        {"jobs": workers} if engine == "local" else {"engine": "dask", "workers": workers}
    )
    started = time.perf_counter()
    report = scan(records, config=config, **keywords)
    seconds = time.perf_counter() - started
    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory(prefix="dedup-engines-") as folder:
        write_report(report, folder)
        for name in OUTPUTS:
            digest.update((Path(folder) / name).read_bytes())
    stages: dict[str, float] = report.stats["seconds"]  # type: ignore[assignment]
    mib = 1024.0  # ru_maxrss is in KiB on Linux
    print(
        json.dumps(
            {
                "articles": len(records),
                "seconds": round(seconds, 2),
                "stages": stages,
                "start_up": round(seconds - sum(stages.values()), 2),
                "client_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / mib),
                "worker_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / mib),
                "digest": digest.hexdigest()[:16],
                "pairs": len(report.pairs),
            }
        )
    )


def _measure(args: argparse.Namespace, engine: str, workers: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.engines", "--one", engine, str(workers)]
    command += ["--input", str(args.input)]
    command += ["--limit", str(args.limit)] if args.limit else []
    command += ["--no-related"] if args.no_related else []
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{engine} {workers}: {found}", file=sys.stderr)
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", type=Path, default=SAUDI)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--no-related", action="store_true", help="related lists off (k=0)")
    parser.add_argument("--name", default="engines", help="table name in benchmarks/results")
    parser.add_argument("--quick", action="store_true", help="1,000 articles, results/quick")
    parser.add_argument("--one", nargs=2, metavar=("ENGINE", "WORKERS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.limit = args.limit or 1000
    if args.one:
        _one(args.input, args.one[0], int(args.one[1]), not args.no_related, args.limit)
        return
    runs = {(engine, workers): _measure(args, engine, workers) for engine, workers in ENGINES}
    reference = runs[("local", 1)]["digest"]
    table = Table(
        args.name,
        [
            "engine",
            "workers",
            "articles/s",
            "seconds",
            "start+stop s",
            "prepare+sketch s",
            "candidates s",
            "verify s",
            "cluster s",
            "related s",
            "client peak MiB",
            "worker peak MiB",
            "same output",
        ],
        caption=(
            f"`{args.input.name}`, {reference and runs[('local', 1)]['articles']:,} articles"
            f"{', related lists off' if args.no_related else ''}: each run a fresh process on "
            "this machine, one after the other; local workers are `--jobs` processes "
            "(preparation only), Dask workers are processes of one thread of a LocalCluster "
            "started by the run (start+stop: the seconds outside the stages, mostly the "
            "cluster's start and stop); worker peak: the largest child "
            "process; same output: clusters, pairs, rejects and related files byte for byte "
            "equal to local --jobs 1."
        ),
    )
    for (engine, workers), found in runs.items():
        stages = found["stages"]
        table.add(
            **{
                "engine": engine,
                "workers": workers,
                "articles/s": round(found["articles"] / found["seconds"], 1),
                "seconds": found["seconds"],
                "start+stop s": found["start_up"],
                # The Dask engine shingles and signs inside its preparation tasks.
                "prepare+sketch s": round(
                    sum(stages.get(s, 0.0) for s in ("prepare", "shingle", "signature")), 2
                ),
                "candidates s": stages.get("candidates"),
                "verify s": stages.get("verify"),
                "cluster s": stages.get("cluster"),
                "related s": stages.get("related"),
                "client peak MiB": found["client_mib"],
                "worker peak MiB": found["worker_mib"] or None,
                "same output": "yes" if found["digest"] == reference else "NO",
            }
        )
    publish(args.name, [table], module="benchmarks.engines", argv=argv, quick=args.quick)
    print_json({"engines": table.to_json()})


if __name__ == "__main__":
    main()
