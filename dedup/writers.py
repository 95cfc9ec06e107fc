"""Writers for the scan outputs: a stable contract others build on.

``clusters.jsonl``, ``pairs.jsonl``, ``rejects.jsonl``, ``related.jsonl`` and
``summary.json``; UTF-8, one sorted JSON object per line, similarities rounded
to 6 decimals, so the same input and parameters give byte-identical files
(``summary.json`` differs only in its ``seconds`` block, which times the run).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from dedup.records import Cluster, Pair, Rejected, RelatedItem, ScanReport

__all__ = [
    "OUTPUT_FILES",
    "cluster_record",
    "pair_record",
    "reject_record",
    "related_record",
    "write_report",
]

OUTPUT_FILES = ("clusters.jsonl", "pairs.jsonl", "rejects.jsonl", "related.jsonl", "summary.json")
_DIGITS = 6


def _round(value: float) -> float:
    return round(float(value), _DIGITS)


def cluster_record(cluster: Cluster) -> dict[str, Any]:
    """One line of ``clusters.jsonl``."""
    return {
        "cluster_id": cluster.cluster_id,
        "canonical": cluster.canonical,
        "size": cluster.size,
        "members": [
            {
                "id": m.id,
                "similarity": _round(m.similarity),
                "containment": _round(m.containment),
                "relation": m.relation,
                "via": m.via,
            }
            for m in cluster.members
        ],
    }


def pair_record(pair: Pair) -> dict[str, Any]:
    """One line of ``pairs.jsonl``."""
    return {
        "a": pair.a,
        "b": pair.b,
        "jaccard": _round(pair.jaccard),
        "containment": _round(pair.containment),
        "relation": pair.relation,
    }


def reject_record(rejected: Rejected) -> dict[str, Any]:
    """One line of ``rejects.jsonl``."""
    return {
        "file": rejected.file,
        "line": rejected.line,
        "id": rejected.id,
        "reason": rejected.reason,
    }


def related_record(article_id: str, items: Iterable[RelatedItem]) -> dict[str, Any]:
    """One line of ``related.jsonl``."""
    return {"id": article_id, "related": [{"id": i.id, "score": _round(i.score)} for i in items]}


def _write_jsonl(path: Path, records: Iterable[Mapping[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False))
            out.write("\n")


def write_report(report: ScanReport, out_dir: str | Path) -> list[Path]:
    """Write every output file of a scan into ``out_dir`` (created if missing).

    Returns the paths written. ``related.jsonl`` is written only when the scan
    computed related lists.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "clusters.jsonl", folder / "pairs.jsonl", folder / "rejects.jsonl"]
    _write_jsonl(written[0], (cluster_record(c) for c in report.clusters))
    _write_jsonl(written[1], (pair_record(p) for p in report.pairs))
    _write_jsonl(written[2], (reject_record(r) for r in report.rejected))
    related_path = folder / "related.jsonl"
    if not report.related:
        # A related.jsonl left by an earlier run would now describe other data.
        related_path.unlink(missing_ok=True)
    else:
        _write_jsonl(
            related_path, (related_record(i, report.related[i]) for i in sorted(report.related))
        )
        written.append(related_path)
    summary_path = folder / "summary.json"
    with open(summary_path, "w", encoding="utf-8", newline="\n") as out:
        json.dump(report.stats, out, ensure_ascii=False, indent=2, sort_keys=True)
        out.write("\n")
    written.append(summary_path)
    return written
