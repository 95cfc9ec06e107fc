"""What the index says about an article: a :class:`Match`, built from its stored record.

The record holds the article's cluster fields (canonical, similarity, relation, via) by
article number; the match names them by id and adds the template sibling and the related
list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from dedup.cluster import cluster_id_for
from dedup.index.codec import unpack_vector
from dedup.index.components import RELATION_CODE, RELATION_NAME
from dedup.index.plan import Plan
from dedup.index.related import Query
from dedup.index.store import Edge, Record, StoreReader
from dedup.records import Rejected, RelatedItem, Relation

__all__ = [
    "Match",
    "Subjects",
    "match_of",
    "names_of",
    "queries_of",
    "read_subjects",
    "rejected_match",
]

_TEMPLATE = RELATION_CODE["template"]


@dataclass(frozen=True, slots=True)
class Match:
    """What the index says about one article.

    Attributes
    ----------
    id
        The article.
    cluster_id
        Its duplicate cluster (derived from the canonical's id, as in ``dedup scan``); it
        changes when an earlier copy arrives later.
    duplicate_of
        The canonical of its cluster, or None when the article is the canonical itself.
    similarity, containment
        Exact Jaccard and containment to ``duplicate_of`` (to ``template_of`` for a template
        sibling that is no duplicate; else 0).
    relation
        ``"exact"`` or ``"near"`` for a duplicate, ``"template"`` for an article that only
        has template siblings (same template, other facts), else None.
    via
        For a member that joined through a linked star, the verified neighbour it came
        through (as :attr:`dedup.records.Member.via`).
    template_of
        The most similar template sibling, when ``relation`` is ``"template"``.
    related
        Related articles of other stories (best first).
    rejected
        Why the article was not stored (too short to shingle, as ``dedup scan`` rejects
        it), else None; a rejected article has no cluster (``cluster_id`` is ``""``).
    """

    id: str
    cluster_id: str
    duplicate_of: str | None = None
    similarity: float = 0.0
    containment: float = 0.0
    relation: Relation | None = None
    via: str | None = None
    template_of: str | None = None
    related: tuple[RelatedItem, ...] = ()
    rejected: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (one line of ``dedup index add`` output).

        Examples
        --------
        >>> Match(id="خبر-1", cluster_id="c1").to_dict()["duplicate_of"] is None
        True
        """
        return {
            "id": self.id,
            "cluster_id": self.cluster_id,
            "duplicate_of": self.duplicate_of,
            "similarity": round(self.similarity, 6),
            "containment": round(self.containment, 6),
            "relation": self.relation,
            "via": self.via,
            "template_of": self.template_of,
            "related": [{"id": item.id, "score": item.score} for item in self.related],
            "rejected": self.rejected,
        }


def rejected_match(rejected: Rejected) -> Match:
    """The match of an article that was not admitted: no cluster, the reason."""
    return Match(id=rejected.id or "", cluster_id="", rejected=rejected.reason)


@dataclass(frozen=True)
class Subjects:
    """The articles a match is asked for: their records, edges and term vectors."""

    nums: list[int]
    records: dict[int, Record]
    edges: dict[int, list[Edge]]
    vectors: dict[int, bytes]
    overlay: dict[int, Record]
    """Records planned but not stored (a query's plan), which replace the stored ones."""


def read_subjects(reader: StoreReader, keys: Sequence[str | int], plan: Plan | None) -> Subjects:
    """Stored ids from the store, or (with a plan) planned article numbers from the plan."""
    if plan is None:
        num_of = reader.nums_of([k for k in keys if isinstance(k, str)])
        nums = [num_of[k] if isinstance(k, str) else k for k in keys]
        return Subjects(
            nums, reader.records(nums), reader.edges(nums), reader.blobs("vector", nums), {}
        )
    nums = [int(k) for k in keys]
    return Subjects(
        nums,
        {n: plan.records[n] for n in nums},
        {n: plan.edges.get(n, []) for n in nums},
        {n: plan.vectors[n] for n in nums},
        plan.records,
    )


def names_of(reader: StoreReader, subjects: Subjects) -> dict[int, str]:
    """Ids of every article the matches name: canonicals, vias and template siblings."""
    records = subjects.records
    wanted = {r.cluster.canonical for r in records.values()}
    wanted |= {r.cluster.via for r in records.values() if r.cluster.via >= 0}
    wanted |= {
        e.b for n in subjects.nums for e in subjects.edges.get(n, []) if e.relation == _TEMPLATE
    }
    names = {n: r.id for n, r in subjects.overlay.items()}
    names.update({n: r.id for n, r in records.items()})
    missing = [n for n in wanted if n not in names]
    names.update({n: r.id for n, r in reader.records(missing).items()})
    return names


def queries_of(subjects: Subjects) -> list[Query]:
    """One related-list query per subject: its term vector and its story."""
    queries = []
    for num in subjects.nums:
        terms, weights, _ = unpack_vector(subjects.vectors.get(num, b""))
        record = subjects.records[num]
        queries.append(Query(num, terms, weights, record.cluster.canonical, record.published_ts))
    return queries


def match_of(
    record: Record, edges: list[Edge], names: dict[int, str], related: tuple[RelatedItem, ...]
) -> Match:
    """A stored article's match: its cluster, or for a canonical its best template sibling."""
    cluster = record.cluster
    canonical = names[cluster.canonical]
    base = Match(id=record.id, cluster_id=cluster_id_for(canonical), related=related)
    if cluster.canonical != record.num:
        return replace(
            base,
            duplicate_of=canonical,
            similarity=cluster.similarity,
            containment=cluster.containment,
            relation=RELATION_NAME[cluster.relation],
            via=names[cluster.via] if cluster.via >= 0 else None,
        )
    siblings = [e for e in edges if e.relation == _TEMPLATE]
    if not siblings:
        return base
    best = min(siblings, key=lambda e: (-e.jaccard, names[e.b]))
    return replace(
        base,
        similarity=best.jaccard,
        containment=best.containment,
        relation="template",
        template_of=names[best.b],
    )
