"""CPU time of the prepare stage against a baseline tree, stage by stage, in one run.

The prepare stage (page furniture, normalization, the boilerplate lines) of this checkout
and of another tree of the project (``--baseline``: a ``git worktree`` of an older commit)
are timed on the same articles (``../shared/data/saudinewsnet`` by default, 6,010), each
measurement in its own fresh process, the two trees alternating (old, new, new, old, …) so
that the load of the shared machine falls on both alike. A process times each stage once
with ``time.process_time`` (CPU seconds; the machine's other jobs do not count), after a
warm-up that builds the lookup and marker tables (a one-off of each process, about 0.45 s,
reported apart as ``tables``):

- ``prepare_texts``: steps 1-4 for the whole corpus in one process (what ``scan --jobs 1``
  spends on preparation);
- ``strip_furniture``: each page alone; ``normalize_lines``: each stripped body;
- ``prepare_page``: each page alone (the index's path, one article at a time);
- ``line_contexts``: what each article adds to the boilerplate statistics.

Each process also hashes everything it produced (the ``prepare_texts`` result, every
``strip_furniture`` result, every page's lines, every context); the digests of the two trees
must be equal: the outputs are byte-identical. ``--check-all`` compares those digests on
every shared corpus and ``sample_corpus`` with three configurations (defaults, both optional
normalization tiers, furniture kept) instead of timing.

Usage::

    git worktree add /tmp/prepare-base fe6acbc
    python -m benchmarks.prepare_speed --baseline /tmp/prepare-base [--repeats 7] [--check-all]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks._report import Table, print_json, publish

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("prepare_texts", "strip_furniture", "normalize_lines", "prepare_page", "line_contexts")


def _timed(seconds: dict[str, float], stage: str, work: Callable[[], Any]) -> Any:
    started = time.process_time()
    result = work()
    seconds[stage] = time.process_time() - started
    return result


def _digest(value: Any) -> str:
    encoded = json.dumps(value, ensure_ascii=False, sort_keys=True, default=dataclasses.asdict)
    return hashlib.sha256(encoded.encode("utf-8", "surrogatepass")).hexdigest()


def worker(corpus: str) -> dict[str, Any]:
    """Time every stage once on ``corpus`` with the dedup first on ``sys.path``."""
    from benchmarks._data import load_articles
    from dedup.boilerplate import line_contexts
    from dedup.config import DedupConfig
    from dedup.furniture import strip_furniture
    from dedup.normalize import normalize_lines
    from dedup.prepare import prepare_page, prepare_texts

    articles, _ = load_articles(corpus)
    texts = [article.text for article in articles]
    config = DedupConfig()
    seconds: dict[str, float] = {}
    _timed(seconds, "tables", lambda: prepare_texts(articles[:20], config))
    prepared = _timed(seconds, "prepare_texts", lambda: prepare_texts(articles, config))
    stripped = _timed(seconds, "strip_furniture", lambda: [strip_furniture(t) for t in texts])
    lines = _timed(seconds, "normalize_lines", lambda: [normalize_lines(r.body) for r in stripped])
    pages = _timed(seconds, "prepare_page", lambda: [prepare_page(t, config) for t in texts])
    contexts = _timed(
        seconds,
        "line_contexts",
        lambda: [line_contexts(page, a.source) for page, a in zip(lines, articles, strict=True)],
    )
    outputs = [prepared, stripped, lines, pages, contexts]
    return {
        "seconds": seconds,
        "digest": _digest(outputs),
        "articles": len(articles),
        "dedup": str(Path(sys.modules["dedup"].__file__ or "").parent),
    }


def check_all() -> dict[str, str]:
    """Digest of every preparation output on every shared corpus, three configurations."""
    from benchmarks._data import DATA, load_jsonl
    from dedup.config import DedupConfig
    from dedup.furniture import strip_furniture
    from dedup.normalize import NormalizationOptions
    from dedup.prepare import prepare_page, prepare_texts
    from dedup.records import Article

    configs = [
        DedupConfig(),
        DedupConfig(normalization=NormalizationOptions(True, True)),
        DedupConfig(strip_furniture=False),
    ]
    paths = [*sorted(DATA.glob("*/articles.jsonl")), ROOT / "sample_corpus" / "articles.jsonl"]
    digests = {}
    for path in paths:
        rows = list(load_jsonl(path))
        articles = [
            Article(id=str(n), text=row.get("text") or "", source=row.get("source") or "")
            for n, row in enumerate(rows)
        ]
        texts = [article.text for article in articles]
        outputs: list[Any] = [[strip_furniture(text) for text in texts]]
        for config in configs:
            outputs.append([prepare_page(text, config) for text in texts])
            outputs.append(prepare_texts(articles, config))
        digests[f"{path.parent.name} ({len(rows):,})"] = _digest(outputs)
        print(f"{path.parent.name}: checked", file=sys.stderr, flush=True)
    return digests


def _run(tree: Path, corpus: str, *, check: bool) -> dict[str, Any]:
    """One measurement in a fresh interpreter whose ``dedup`` is the one of ``tree``."""
    mode = ["--check-worker"] if check else ["--worker"]
    # This script from this checkout, then the tree's dedup ahead of everything else.
    code = (
        "import sys; from benchmarks.prepare_speed import main; "
        "sys.path.insert(0, sys.argv[1]); main(sys.argv[2:])"
    )
    command = [sys.executable, "-c", code, str(tree), *mode, "--corpus", corpus]
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _table(runs: dict[str, list[dict[str, Any]]], corpus: str, same: bool) -> Table:
    table = Table(
        "prepare_speed",
        ["stage", "baseline CPU s", "this tree CPU s", "baseline / this tree", "pairwise"],
        caption=(
            f"{corpus}: {runs['new'][0]['articles']:,} articles, CPU seconds of one process "
            f"(medians of {len(runs['new'])} alternating runs per tree; `pairwise`: the median "
            f"of the run-by-run ratios). Outputs byte-identical: {same}."
        ),
    )
    for stage in ("tables", *STAGES):
        old = [run["seconds"][stage] for run in runs["old"]]
        new = [run["seconds"][stage] for run in runs["new"]]
        table.add(
            stage=stage,
            **{
                "baseline CPU s": statistics.median(old),
                "this tree CPU s": statistics.median(new),
                "baseline / this tree": statistics.median(old) / statistics.median(new),
                "pairwise": statistics.median(o / n for o, n in zip(old, new, strict=True)),
            },
        )
    return table


def _commit(tree: Path) -> str:
    """The tree's commit (``git rev-parse --short HEAD``), or "not a git tree"."""
    done = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return f"commit {done.stdout.strip()}" if done.returncode == 0 else "not a git tree"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, help="root of the tree to compare against")
    parser.add_argument("--corpus", default="saudinewsnet")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--check-all", action="store_true", help="digests on every corpus")
    parser.add_argument("--quick", action="store_true", help="3 repeats, README untouched")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--check-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker or args.check_worker:
        print(json.dumps(check_all() if args.check_worker else worker(args.corpus)))
        return
    if args.baseline is None or not (args.baseline / "dedup" / "prepare.py").exists():
        parser.error("--baseline must be the root of a dedup tree (git worktree add PATH REV)")
    trees = {"old": args.baseline.resolve(), "new": ROOT}
    if args.check_all:
        digests = {name: _run(tree, args.corpus, check=True) for name, tree in trees.items()}
        same = digests["old"] == digests["new"]
        print_json({"identical": same, "digests": digests})
        return
    runs: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
    for repeat in range(3 if args.quick else args.repeats):
        for name in ("old", "new") if repeat % 2 == 0 else ("new", "old"):
            runs[name].append(_run(trees[name], args.corpus, check=False))
        print(f"run {repeat + 1} done", file=sys.stderr, flush=True)
    same = len({run["digest"] for run in runs["old"] + runs["new"]}) == 1
    table = _table(runs, args.corpus, same)
    publish(
        "prepare_speed",
        [table],
        module="benchmarks.prepare_speed",
        argv=argv,
        quick=args.quick,
        notes=f"Baseline: the tree at `{args.baseline}` ({_commit(trees['old'])}).",
    )
    print_json({"identical": same, "table": table.to_json(), "runs": runs})


if __name__ == "__main__":
    main()
