"""Speed of each scan stage, as ratios against datasketch recipes, in one run.

On ``../shared/data/saudinewsnet`` (6,010 articles), prints articles per second
for every stage of ``dedup.scan`` and compares, on the same normalized texts:

- (a) the plain datasketch recipe: a Python set of character 5-grams per
  article, ``MinHash.update`` per shingle, ``MinHashLSH(threshold=0.8)``
  insert + query, union-find — timed on a sample (it runs at tens of articles
  per second), its rate extrapolated per article;
- (b) ``MinHash.bulk`` over the same shingle sets (also on the sample).

"signatures" compares text → signature (our shingle + MinHash stages against
set building + update/bulk). "whole scan" is ``dedup scan`` end to end in a
subprocess (read, furniture, normalize, …, write; related lists off, as the
recipe has none), against the whole recipe (a).
Peak memory is the subprocess's maximum resident set size.

Usage::

    python -m benchmarks.speed [--sample 400] [--corpus saudinewsnet]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from typing import Any

from datasketch import MinHash, MinHashLSH

from benchmarks._data import DATA
from dedup import Article, DedupConfig, RelatedConfig, read_corpus, scan
from dedup.normalize import normalize_text
from dedup.shingle import shingle_texts
from dedup.signature import minhash_signatures


def _plain_shingles(text: str, ngram: int = 5) -> set[bytes]:
    return {text[i : i + ngram].encode("utf-8") for i in range(len(text) - ngram + 1)}


def plain_recipe(texts: list[str]) -> tuple[float, float]:
    """The plain datasketch recipe; returns (signature seconds, whole seconds)."""
    started = time.perf_counter()
    sketches = []
    for text in texts:
        sketch = MinHash(num_perm=128)
        for shingle in _plain_shingles(text):
            sketch.update(shingle)
        sketches.append(sketch)
    signature_seconds = time.perf_counter() - started
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    for key, sketch in enumerate(sketches):
        lsh.insert(key, sketch)
    parent = list(range(len(texts)))

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for key, sketch in enumerate(sketches):
        for other in lsh.query(sketch):
            parent[find(other)] = find(key)
    return signature_seconds, time.perf_counter() - started


def bulk_recipe(texts: list[str]) -> float:
    """``MinHash.bulk`` over the same shingle sets; returns seconds."""
    started = time.perf_counter()
    MinHash.bulk([_plain_shingles(text) for text in texts], num_perm=128)
    return time.perf_counter() - started


def whole_scan_subprocess(path: str, *extra: str) -> tuple[float, int]:
    """``dedup scan`` end to end in a child process: (seconds, peak RSS in KiB)."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run(
            [
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
            ],
            check=True,
            capture_output=True,
        )
        seconds = time.perf_counter() - started
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="saudinewsnet")
    parser.add_argument("--sample", type=int, default=400, help="articles for the slow recipes")
    args = parser.parse_args(argv)
    path = str(DATA / args.corpus / "articles.jsonl")
    articles = [r for r in read_corpus(path) if isinstance(r, Article)]
    count = len(articles)

    # Our stages, through the library, on the whole corpus.
    config = DedupConfig(related=RelatedConfig(k=0))
    report = scan(articles, config=config)
    stage_seconds: dict[str, float] = report.stats["seconds"]  # type: ignore[assignment]
    per_stage = {
        stage: round(count / seconds, 1) if seconds > 0 else None
        for stage, seconds in stage_seconds.items()
        if stage != "related"
    }
    texts = [normalize_text(a.text) for a in articles]
    started = time.perf_counter()
    signatures = minhash_signatures(shingle_texts(texts, 5))
    ours_signature_rate = count / (time.perf_counter() - started)
    assert signatures.shape == (count, 128)

    sample = texts[: args.sample]
    plain_signature_seconds, plain_whole_seconds = plain_recipe(sample)
    bulk_seconds = bulk_recipe(sample)
    plain_signature_rate = len(sample) / plain_signature_seconds
    plain_whole_rate = len(sample) / plain_whole_seconds
    bulk_rate = len(sample) / bulk_seconds

    whole_seconds, peak_kib = whole_scan_subprocess(path)
    whole_rate = count / whole_seconds
    # The same work as the plain recipe: no furniture stripping, no template guard.
    bare_seconds, _ = whole_scan_subprocess(path, "--keep-furniture", "--no-template-guard")
    bare_rate = count / bare_seconds
    results = {
        "corpus": args.corpus,
        "articles": count,
        "baseline_sample": len(sample),
        "articles_per_second": {
            "dedup_stages": per_stage,
            "dedup_signatures (shingle+minhash)": round(ours_signature_rate, 1),
            "dedup_whole_scan (CLI, read..write)": round(whole_rate, 1),
            "dedup_whole_scan_bare (--keep-furniture --no-template-guard)": round(bare_rate, 1),
            "plain_recipe_signatures (update per shingle)": round(plain_signature_rate, 1),
            "plain_recipe_whole (update + MinHashLSH + union-find)": round(plain_whole_rate, 1),
            "datasketch_bulk_signatures": round(bulk_rate, 1),
        },
        "ratios": {
            "signatures_vs_plain_update (target >= 50)": round(
                ours_signature_rate / plain_signature_rate, 1
            ),
            "signatures_vs_bulk (target >= 5)": round(ours_signature_rate / bulk_rate, 1),
            "whole_scan_vs_plain_recipe (target >= 20)": round(whole_rate / plain_whole_rate, 1),
            "whole_scan_bare_vs_plain_recipe": round(bare_rate / plain_whole_rate, 1),
        },
        "peak_memory_mib_whole_scans (max of the children)": round(peak_kib / 1024, 1),
    }
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
