"""The review report at scale: file size, build seconds and load time at 10k and 100k articles.

For each size, :func:`benchmarks._data.scale_corpus` (the shared news corpora, then edited
copies of them) is scanned in this process (:func:`dedup.scan`, related lists on with
``--related-k``, 10 by default), then the page is built from the scan's records
(:func:`dedup.report.build_html`, as ``dedup scan --html`` does) and written to the temporary
folder. Measured: the scan's seconds (for scale), the report's build seconds split into its
steps (preparing the texts and the pairs near each threshold, the explanations, the rest),
the file's size and its packed data, the texts it carries (:class:`dedup.report.ReportBudget`
defaults), and, when headless Chromium is installed, the seconds Chromium takes to open the
page and draw it (``--dump-dom`` wall time, an empty page's subtracted) with the page's own
``data-ready-ms`` (navigation start to the lists drawn).

Usage::

    python -m benchmarks.report_size [--sizes 10000 100000] [--related-k 10] [--quick]

``--quick`` runs 2,000 articles.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._data import scale_corpus
from benchmarks._report import Table, print_json, publish, stage
from dedup import DedupConfig, RelatedConfig, scan
from dedup.report import RunOutputs, build_html
from dedup.report import payload as payload_module


def _chromium_seconds(page: Path) -> tuple[float | None, int | None]:
    """Wall seconds for headless Chromium to open and draw ``page`` (an empty page's time
    subtracted), and the page's own data-ready-ms; None without Chromium."""
    browser = shutil.which("chromium")
    if browser is None:
        print("chromium not installed: load time skipped", file=sys.stderr)
        return None, None

    def run(target: Path) -> tuple[float, str]:
        started = time.perf_counter()
        done = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--user-data-dir={target.parent / 'profile'}",
                "--virtual-time-budget=60000",
                "--dump-dom",
                target.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        return time.perf_counter() - started, done.stdout

    empty = page.with_name("empty.html")
    empty.write_text("<!DOCTYPE html><title>empty</title>", encoding="utf-8")
    baseline, _ = run(empty)
    seconds, dom = run(page)
    ready = re.search(r'data-ready-ms="(\d+)"', dom)
    if ready is None or 'data-ready="1"' not in dom:
        raise SystemExit(f"{page}: the page did not finish drawing")
    return round(seconds - baseline, 2), int(ready.group(1))


class _Timed:
    """Seconds spent in the report's steps: build_payload's helpers wrapped while it runs."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, name: str, label: str) -> None:
        original = getattr(payload_module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - started

        setattr(payload_module, name, timed)


def measure(size: int, related_k: int, folder: Path) -> dict[str, Any]:
    """One size: scan, build the page, write it, open it."""
    with stage(f"{size:,} articles: corpus"):
        articles = scale_corpus(size)
    config = DedupConfig(related=RelatedConfig(k=related_k))
    with stage(f"{size:,} articles: scan"):
        started = time.perf_counter()
        report = scan(articles, config=config)
        scan_seconds = time.perf_counter() - started
    timed = _Timed()
    timed.wrap("prepare_texts", "prepare")
    timed.wrap("near_threshold_pairs", "near")
    timed.wrap("explain_pairs", "explain")
    with stage(f"{size:,} articles: report"):
        started = time.perf_counter()
        page = build_html(RunOutputs.from_scan(report), articles, config=config)
        build_seconds = time.perf_counter() - started
    path = folder / f"report-{size}.html"
    path.write_text(page, encoding="utf-8")
    packed = re.search(r'id="report-data">([^<]*)<', page)
    assert packed is not None, "the page holds its data"
    data = json.loads(gzip.decompress(base64.b64decode(packed.group(1))))
    with stage(f"{size:,} articles: open in Chromium"):
        load_seconds, ready_ms = _chromium_seconds(path)
    return {
        "articles": size,
        "clusters": len(report.clusters),
        "pairs": len(report.pairs),
        "scan seconds": round(scan_seconds, 1),
        "report seconds": round(build_seconds, 1),
        "of which prepare": round(timed.seconds.get("prepare", 0.0), 1),
        "near threshold": round(timed.seconds.get("near", 0.0), 1),
        "explanations": round(timed.seconds.get("explain", 0.0), 1),
        "file MB": round(path.stat().st_size / 1e6, 2),
        "packed data MB": round(len(packed.group(1)) / 1e6, 2),
        "texts": len(data["texts"]),
        "text characters": sum(len(entry[0]) for entry in data["texts"].values()),
        "Chromium load s": load_seconds,
        "data-ready ms": ready_ms,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--related-k", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="2,000 articles only")
    args = parser.parse_args(argv)
    sizes = [2_000] if args.quick else args.sizes
    table = Table(
        "report_size",
        [
            "articles",
            "clusters",
            "pairs",
            "scan seconds",
            "report seconds",
            "of which prepare",
            "near threshold",
            "explanations",
            "file MB",
            "packed data MB",
            "texts",
            "text characters",
            "Chromium load s",
            "data-ready ms",
        ],
        caption=(
            "`dedup scan --html`'s page for `benchmarks._data.scale_corpus` (related lists "
            f"k={args.related_k}; ReportBudget defaults: 3 million characters of text). "
            "Report seconds: building the page after the scan; of which prepare: the texts "
            "prepared again for the candidates near a threshold; near threshold: those "
            "candidates found and measured; explanations: `dedup explain` for the pairs shown "
            "(it prepares the corpus once more); "
            "Chromium load: headless Chromium opening the file and drawing it, minus an empty "
            "page's time; data-ready: the page's own navigation-to-drawn time."
        ),
    )
    with tempfile.TemporaryDirectory(prefix="dedup-report-size-") as folder:
        for size in sizes:
            table.add(**measure(size, args.related_k, Path(folder)))
    publish(
        "report_size",
        [table],
        module="benchmarks.report_size",
        argv=argv,
        quick=args.quick,
    )
    print_json(table.to_json())


if __name__ == "__main__":
    main()
