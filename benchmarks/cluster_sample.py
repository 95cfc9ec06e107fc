"""The reading sheet for cluster purity: a seeded sample of clusters of size >= 3, by member.

Run ``python -m benchmarks.cluster_sample --out-dir DIR`` on a finished ``dedup scan`` of
saudinewsnet + ant-multisource-2018 (defaults). It writes one JSON line per (canonical, member)
pair of the sampled clusters to ``benchmarks/cluster_labels/sheet.jsonl``: ids only, the texts
stay in ``../shared/data``. A reader labels each row by the guide in
``benchmarks/cluster_labels/GUIDE.md``; ``python -m benchmarks.cluster_sample --show ID`` prints
an article's title and text for reading.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from benchmarks._data import DATA

SHEET = Path(__file__).parent / "cluster_labels" / "sheet.jsonl"
CORPORA = ("saudinewsnet", "ant-multisource-2018")
# 60 clusters: the reading used 50; 60 gives each of three readers 20.
SAMPLE_SIZE = 60
SEED = 15


def sample_clusters(out_dir: Path, size: int = SAMPLE_SIZE, seed: int = SEED) -> list[dict]:
    """Clusters of size >= 3 from ``out_dir/clusters.jsonl``, a seeded sample in file order."""
    with (out_dir / "clusters.jsonl").open(encoding="utf-8") as lines:
        clusters = [json.loads(line) for line in lines]
    large = [cluster for cluster in clusters if cluster["size"] >= 3]
    chosen = sorted(random.Random(seed).sample(range(len(large)), min(size, len(large))))
    return [large[position] for position in chosen]


def sheet_rows(clusters: list[dict]) -> list[dict]:
    """One row per non-canonical member: the pair an editor reads."""
    rows = []
    for number, cluster in enumerate(clusters):
        for member in cluster["members"]:
            if member["id"] == cluster["canonical"]:
                continue
            rows.append(
                {
                    "sample": number,
                    "canonical": cluster["canonical"],
                    "member": member["id"],
                    "relation": member["relation"],
                    "via": member["via"],
                    "jaccard": member["similarity"],
                    "containment": member["containment"],
                }
            )
    return rows


def show(article_id: str) -> str:
    """Title, source, date and text of one article of the two corpora."""
    for corpus in CORPORA:
        with (DATA / corpus / "articles.jsonl").open(encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                if record["id"] == article_id:
                    head = f"{record['id']} | {record.get('source')} | {record.get('date')}"
                    return f"{head}\n{record.get('title', '')}\n\n{record['text']}"
    raise SystemExit(f"{article_id}: not in {', '.join(CORPORA)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out-dir", type=Path, help="a finished dedup scan of the two corpora")
    parser.add_argument("--show", nargs="+", metavar="ID", help="print these articles")
    args = parser.parse_args()
    if args.show:
        print("\n\n==========\n\n".join(show(article_id) for article_id in args.show))
        return
    if args.out_dir is None:
        parser.error("--out-dir or --show is needed")
    rows = sheet_rows(sample_clusters(args.out_dir))
    SHEET.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    print(f"{len(rows)} rows to {SHEET}")


if __name__ == "__main__":
    main()
