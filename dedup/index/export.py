"""An index's final state in the scan's terms: clusters, pairs and related lists.

A match returned by :meth:`~dedup.index.api.Index.add` carries the cluster at add time; a
later arrival can change it (an earlier copy becomes the canonical). The export reads the
stored state as it is now and gives it as a :class:`~dedup.records.ScanReport`, so the
scan's writers (and the driver contract tests) take it as they take a scan's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dedup.cluster import cluster_id_for, newest_member
from dedup.index.components import RELATION_NAME
from dedup.index.store import Record, StoreReader
from dedup.records import Cluster, Member, Pair, RelatedItem

__all__ = ["export_clusters", "export_pairs", "export_related"]

# Related lists are computed this many articles at a time (as a batch of gets).
EXPORT_BATCH = 1000


def export_clusters(records: Sequence[Record]) -> tuple[Cluster, ...]:
    """Every stored article in its cluster, ordered as :func:`dedup.cluster.build_clusters`.

    Members follow the canonical by similarity (descending), then id; clusters are sorted by
    cluster id.
    """
    name = {record.num: record.id for record in records}
    grouped: dict[int, list[Record]] = {}
    for record in records:
        grouped.setdefault(record.cluster.canonical, []).append(record)
    clusters = []
    for canonical, members in grouped.items():
        others = [
            Member(
                r.id,
                r.cluster.similarity,
                r.cluster.containment,
                RELATION_NAME[r.cluster.relation],
                via=name[r.cluster.via] if r.cluster.via >= 0 else None,
            )
            for r in members
            if r.num != canonical
        ]
        others.sort(key=lambda m: (-m.similarity, m.id))
        head = Member(name[canonical], 1.0, 1.0, "canonical")
        newest = newest_member((r.id, r.published_ts, r.text_len) for r in members)
        clusters.append(
            Cluster(cluster_id_for(name[canonical]), name[canonical], (head, *others), newest)
        )
    clusters.sort(key=lambda c: c.cluster_id)
    return tuple(clusters)


def export_pairs(reader: StoreReader, records: Sequence[Record]) -> tuple[Pair, ...]:
    """Every stored verified pair once, ids in order, sorted as the scan's ``pairs.jsonl``."""
    name = {record.num: record.id for record in records}
    pairs: dict[tuple[str, str], Pair] = {}
    for num, edges in reader.edges(list(name)).items():
        for edge in edges:
            a, b = sorted((name[num], name[edge.b]))
            relation = RELATION_NAME[edge.relation]
            pairs.setdefault((a, b), Pair(a, b, edge.jaccard, edge.containment, relation))
    return tuple(pairs[key] for key in sorted(pairs))


def export_related(
    ids: Sequence[str], lists_of: Callable[[Sequence[str]], list[tuple[RelatedItem, ...]]]
) -> dict[str, tuple[RelatedItem, ...]]:
    """Each article's current related list, computed ``EXPORT_BATCH`` articles at a time."""
    related: dict[str, tuple[RelatedItem, ...]] = {}
    for start in range(0, len(ids), EXPORT_BATCH):
        chunk = ids[start : start + EXPORT_BATCH]
        related.update(zip(chunk, lists_of(chunk), strict=True))
    return related
