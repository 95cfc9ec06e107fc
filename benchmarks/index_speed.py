"""Speed and size of the incremental index (``dedup.Index``) on both backends.

For each backend (a SQLite file; a Redis server) and each index size (10k and 100k articles
by default), on the speed corpus of ``benchmarks._data.scale_corpus`` (the shared news
corpora, then edited copies of them):

- **batched adds/s**: the index is filled to the size in batches (``--batch``, default 1000);
  the rate over the last batches (at about the target size) and over the whole fill;
- **one-at-a-time adds/s**: ``--single`` (200) further articles added one ``add`` each;
- **query latency**: ``Index.query`` of ``--queries`` (300) articles not in the index (half
  edited copies of stored articles, so they have duplicates), p50 and p99 in milliseconds;
- **bytes per article**: SQLite file (+ WAL) size, or the growth of Redis ``used_memory``,
  divided by the number of articles;
- **memory of the open index**: how much the resident memory of this process grew from
  before ``Index.open`` to the end of the run (the in-memory caches: signatures, LSH
  buckets, document frequencies, postings, vectors, similarities), in MiB.

Default parameters (related lists on, k = 10). Prints one JSON document.

Usage::

    python -m benchmarks.index_speed [--sizes 10000 100000] [--backends sqlite redis]
        [--redis-url redis://127.0.0.1:6379/0]

Without ``--redis-url`` a private ``redis-server`` is started on a free port (and stopped).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import numpy as np

from benchmarks._data import scale_corpus
from dedup.index.api import Index
from dedup.records import Article


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _redis_server(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not found: install it or pass --redis-url")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(port=port)
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait()


def _flush(url: str) -> int:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
        return int(client.info("memory")["used_memory"])
    finally:
        client.close()


def _variant(article: Article, rng: random.Random) -> Article:
    """An edited copy of a stored article (a few words dropped), under a new id."""
    words = article.text.split(" ")
    kept = [w for w in words if rng.random() > 0.03]
    return replace(article, id=article.id + "~q", text=" ".join(kept))


def _resident_mib() -> float:
    """Resident memory of this process now (Linux ``/proc/self/statm``), in MiB."""
    with open("/proc/self/statm", encoding="ascii") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_backend(
    target: str, size: int, corpus: list[Article], args: argparse.Namespace, baseline_bytes: int
) -> dict[str, Any]:
    rng = random.Random(size)
    fill, rest = corpus[:size], corpus[size:]
    singles = rest[: args.single]
    fresh = rest[args.single : args.single + args.queries // 2]
    copies = [_variant(a, rng) for a in rng.sample(fill, args.queries - len(fresh))]
    result: dict[str, Any] = {"articles": size}
    resident_before = _resident_mib()
    with Index.open(target) as index:
        started = time.perf_counter()
        tail_started, tail_count = started, 0
        tail_from = max(0, size - max(args.batch * 3, size // 10))
        for start in range(0, size, args.batch):
            if start >= tail_from and tail_count == 0:
                tail_started = time.perf_counter()
            index.add(fill[start : start + args.batch])
            if start >= tail_from:
                tail_count += len(fill[start : start + args.batch])
        total = time.perf_counter() - started
        result["fill_seconds"] = round(total, 1)
        result["adds_per_s_batched_whole_fill"] = round(size / total, 1)
        result["adds_per_s_batched_at_size"] = round(
            tail_count / (time.perf_counter() - tail_started), 1
        )
        latencies = []
        duplicates = 0
        for article in [*copies, *fresh]:
            began = time.perf_counter()
            match = index.query(article)
            latencies.append((time.perf_counter() - began) * 1000)
            duplicates += match.duplicate_of is not None
        result["query_ms_p50"] = round(float(np.percentile(latencies, 50)), 2)
        result["query_ms_p99"] = round(float(np.percentile(latencies, 99)), 2)
        result["queries_that_found_a_duplicate"] = f"{duplicates}/{len(latencies)}"
        started = time.perf_counter()
        for article in singles:
            index.add(article)
        result["adds_per_s_one_at_a_time"] = round(
            len(singles) / (time.perf_counter() - started), 1
        )
        stats = index.stats()
        stored = stats.articles
        bytes_used = (stats.storage_bytes or 0) - baseline_bytes
        result["bytes_per_article"] = round(bytes_used / stored)
        result["duplicate_clusters"] = stats.duplicate_clusters
        result["pairs"] = stats.pairs
        result["index_memory_mib"] = round(_resident_mib() - resident_before, 1)
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--backends", nargs="+", default=["sqlite", "redis"], choices=["sqlite", "redis"]
    )
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--single", type=int, default=200)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args(argv)
    corpus = scale_corpus(max(args.sizes) + args.single + args.queries, seed=1)
    random.Random(0).shuffle(corpus)
    results: dict[str, Any] = {
        "corpus": "benchmarks._data.scale_corpus, shuffled",
        "batch": args.batch,
        "cpu_count": os.cpu_count(),
        "runs": [],
    }
    for backend in args.backends:
        for size in args.sizes:
            if backend == "sqlite":
                with tempfile.TemporaryDirectory() as folder:
                    run = run_backend(os.path.join(folder, "news.db"), size, corpus, args, 0)
            else:
                with _redis_server(args.redis_url) as url:
                    baseline = _flush(url)
                    run = run_backend(url, size, corpus, args, baseline)
                    _flush(url)
            run["backend"] = backend
            results["runs"].append(run)
            print(json.dumps(run), file=sys.stderr, flush=True)
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
