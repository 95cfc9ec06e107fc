"""The index's clustering step: the components a batch affects, clustered again.

:func:`dedup.cluster.build_clusters` is local to a connected component of the verified
pairs (template, follow-up and roundup pairs do not connect), so after a batch only the
components that hold a new, re-shingled or deleted article's neighbours are clustered again,
with the scan's own :func:`~dedup.cluster.clusters_for`. Exact similarities the clusters ask
for are kept between batches (:class:`SimilarityCache`): a component is clustered again
whenever a copy joins it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Final

import numpy as np
import numpy.typing as npt

from dedup.cluster import canonical_key, clusters_for
from dedup.config import DedupConfig
from dedup.index.codec import unpack_dropped, unpack_lines
from dedup.index.store import ClusterFields, Edge, Record, StoreReader
from dedup.prepare import shingle_text
from dedup.records import MERGED_RELATIONS, Pair, Relation
from dedup.shingle import ShingleSets, shingle_texts
from dedup.verify import exact_similarities

__all__ = [
    "RELATION_CODE",
    "RELATION_NAME",
    "SimilarityCache",
    "affected_component",
    "cluster_component",
]

RELATION_CODE: Final[dict[str, int]] = {
    "canonical": 0,
    "exact": 1,
    "near": 2,
    "template": 3,
    "update": 4,
    "follow_up": 5,
    "roundup": 6,
}
RELATION_NAME: Final[dict[int, Relation]] = {
    1: "exact",
    2: "near",
    3: "template",
    4: "update",
    5: "follow_up",
    6: "roundup",
}
# Edges that merge (the scan's dedup.records.MERGED_RELATIONS); the others only link.
_MERGING: Final = frozenset(RELATION_CODE[name] for name in MERGED_RELATIONS)
# Exact similarities kept between batches, at most (about 100 bytes each).
_SIMILARITY_LIMIT: Final = 1_000_000

Adjacency = Callable[[int], list[Edge]]
Similarities = dict[tuple[int, int], tuple[float, float]]


class SimilarityCache:
    """Exact (Jaccard, containment) of article pairs by (low, high) number.

    Pairs with an article of the batch being planned wait in ``pending`` until the batch is
    committed (:meth:`committed`): a query's numbers are given out again.
    """

    def __init__(self) -> None:
        self.known: Similarities = {}
        self.pending: Similarities = {}

    def begin(self) -> None:
        """Forget the similarities of a query, or of a batch that was not committed."""
        self.pending.clear()

    def clear(self) -> None:
        self.known.clear()
        self.pending.clear()

    def oversized(self) -> bool:
        return len(self.known) > _SIMILARITY_LIMIT

    def committed(self) -> None:
        self.known.update(self.pending)
        self.pending.clear()


def affected_component(
    reader: StoreReader,
    seeds: set[int],
    void: Collection[int],
    new_edges: Mapping[int, list[Edge]],
) -> tuple[set[int], Adjacency]:
    """The components of ``seeds`` in the graph after the batch, with each article's edges.

    ``void`` articles (re-shingled or deleted) keep only their new edges; the stored edges of
    the others are read as the search reaches them.
    """
    stored_edges: dict[int, list[Edge]] = {}

    def adjacency(num: int) -> list[Edge]:
        if num in void:
            return new_edges.get(num, [])
        stored = [e for e in stored_edges.get(num, []) if e.b not in void]
        return stored + new_edges.get(num, [])

    component = set(seeds)
    frontier = sorted(seeds)
    while frontier:
        need = [n for n in frontier if n not in void and n not in stored_edges]
        loaded = reader.edges(need)
        for n in need:
            stored_edges[n] = loaded.get(n, [])
        following = []
        for num in frontier:
            for e in adjacency(num):
                if e.relation in _MERGING and e.b not in component:
                    component.add(e.b)
                    following.append(e.b)
        frontier = following
    return component, adjacency


class _ComponentShingles:
    """Shingle sets of a component's articles, made on the first request for all at once
    (one read, one vectorized call): stars and links ask for most of them."""

    def __init__(
        self,
        reader: StoreReader,
        component: set[int],
        records: Mapping[int, Record],
        text_of: dict[int, str],
        ngram: int,
    ) -> None:
        self.reader, self.component, self.records = reader, component, records
        self.text_of, self.ngram = text_of, ngram
        self.sets: dict[int, npt.NDArray[np.uint64]] = {}

    def of(self, num: int) -> npt.NDArray[np.uint64]:
        if num not in self.sets:
            wanted = sorted(n for n in self.component if n not in self.sets)
            stored = self.reader.blobs("lines", [n for n in wanted if n not in self.text_of])
            for n, data in stored.items():
                dropped = unpack_dropped(self.records[n].dropped)
                self.text_of[n] = shingle_text(unpack_lines(data), dropped)
            found = shingle_texts([self.text_of[n] for n in wanted], self.ngram)
            for position, n in enumerate(wanted):
                self.sets[n] = found.of(position)
        return self.sets[num]

    def similarity(self, low: int, high: int) -> tuple[float, float]:
        left, right = self.of(low), self.of(high)
        both = ShingleSets(
            hashes=np.concatenate([left, right]),
            offsets=np.array([0, len(left), len(left) + len(right)], dtype=np.int64),
            ngram=self.ngram,
        )
        j, c = exact_similarities(both, np.array([[0, 1]], dtype=np.int64))
        return float(j[0]), float(c[0])


def _component_pairs(
    component: set[int], adjacency: Adjacency, ids: Mapping[int, str]
) -> list[Pair]:
    pairs = {}
    for num in component:
        for e in adjacency(num):
            if e.b in component and num < e.b:
                a, b = sorted((ids[num], ids[e.b]))
                pairs[a, b] = Pair(a, b, e.jaccard, e.containment, RELATION_NAME[e.relation])
    return sorted(pairs.values(), key=lambda p: (p.a, p.b))


def cluster_component(
    reader: StoreReader,
    component: set[int],
    *,
    records: Mapping[int, Record],
    adjacency: Adjacency,
    text_of: dict[int, str],
    ids: Mapping[int, str],
    first_new: int,
    config: DedupConfig,
    cache: SimilarityCache,
) -> dict[int, ClusterFields]:
    """The scan's clusters of the component; cluster fields by article number.

    Similarities with an article of this batch (number ``first_new`` or higher) go to the
    cache's pending side until the batch is committed.
    """
    if not component:
        return {}
    num_of = {ids[n]: n for n in component}
    priority = {
        ids[n]: canonical_key(r.published_ts, r.text_len, r.id)
        for n, r in records.items()
        if n in component
    }
    shingles = _ComponentShingles(reader, component, records, text_of, config.ngram)

    def similarity(first: str, second: str) -> tuple[float, float]:
        low, high = sorted((num_of[first], num_of[second]))
        found = cache.known.get((low, high)) or cache.pending.get((low, high))
        if found is None:
            found = shingles.similarity(low, high)
            (cache.pending if high >= first_new else cache.known)[low, high] = found
        return found

    found = clusters_for(
        sorted(num_of),
        _component_pairs(component, adjacency, ids),
        priority.__getitem__,
        similarity=similarity,
        config=config,
    )
    fields: dict[int, ClusterFields] = {}
    for cluster in found:
        canonical = num_of[cluster.canonical]
        for member in cluster.members:
            fields[num_of[member.id]] = ClusterFields(
                canonical=canonical,
                similarity=member.similarity,
                containment=member.containment,
                relation=RELATION_CODE[member.relation],
                via=-1 if member.via is None else num_of[member.via],
            )
    return fields
