"""Verification of candidate pairs on the exact shingle sets, and duplicate clusters.

LSH proposes; this module decides. Every reported pair carries its exact Jaccard
and containment measured on the two 64-bit shingle sets, never an estimate.

Clusters are *stars*, not connected components: articles are visited in
canonical order (earliest ``published_at``, then longest text, then smallest id)
and each unassigned article becomes the canonical of a new cluster that takes
the still-unassigned articles verified against it. Containment makes chains
common, so a roundup that carries two different wire items must not glue them:
a neighbour accepted only by containment joins a star only if it is alike
(:class:`LinkRule`) with every member already taken. Stars joined by a verified
pair whose canonicals are alike are then merged, and so are clusters whose
members are verified pairs on at least half of their cross pairs (the canonicals
passing the same-story rule). A member goes with the earlier centre it shares
the most text with. A member that is not itself a verified pair of its canonical
says through whom it joined (``via``). The result does not depend on input order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup.config import DedupConfig
from dedup.records import Cluster, Member, Pair
from dedup.shingle import ShingleSets

__all__ = [
    "LinkRule",
    "SimilarityRule",
    "build_clusters",
    "cluster_id_for",
    "estimated_jaccard",
    "exact_groups",
    "exact_similarities",
]

F64Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SimilarityRule:
    """When a verified pair is a duplicate.

    A pair matches when ``jaccard >= jaccard_threshold``, or when
    ``containment >= containment_threshold`` and ``jaccard >=
    min_jaccard_for_containment`` and both sets hold at least
    ``min_shingles_for_containment`` shingles; both sets must hold at least
    ``min_shingles`` shingles.

    Examples
    --------
    >>> rule = SimilarityRule(0.8, 0.7, 0.3, 20, 100)
    >>> rule.accepts(0.85, 0.9, 100, 120), rule.accepts(0.4, 0.95, 100, 250)
    (True, True)
    >>> rule.accepts(0.25, 0.95, 100, 400), rule.accepts(1.0, 1.0, 5, 5)
    (False, False)
    >>> rule.accepts(0.6, 0.9, 45, 50), rule.accepts(0.85, 0.9, 45, 50)
    (False, True)
    """

    jaccard_threshold: float
    containment_threshold: float
    min_jaccard_for_containment: float
    min_shingles: int
    min_shingles_for_containment: int = 0

    @classmethod
    def of(cls, config: DedupConfig) -> SimilarityRule:
        """The rule of a detector configuration.

        Examples
        --------
        >>> SimilarityRule.of(DedupConfig(jaccard_threshold=0.9)).jaccard_threshold
        0.9
        """
        return cls(
            config.jaccard_threshold,
            config.containment_threshold,
            config.min_jaccard_for_containment,
            config.min_shingles,
            config.min_shingles_for_containment,
        )

    def accepts(self, jaccard: float, containment: float, size_a: int, size_b: int) -> bool:
        """Whether one pair with these exact similarities is a duplicate."""
        return bool(
            self.accepts_many(
                np.array([jaccard]), np.array([containment]), np.array([size_a]), np.array([size_b])
            )[0]
        )

    def accepts_many(
        self,
        jaccard: F64Array,
        containment: F64Array,
        size_a: npt.NDArray[np.int64],
        size_b: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.bool_]:
        """Vectorized :meth:`accepts`."""
        big_enough = np.minimum(size_a, size_b) >= self.min_shingles
        by_jaccard = jaccard >= self.jaccard_threshold
        by_containment = (
            (containment >= self.containment_threshold)
            & (jaccard >= self.min_jaccard_for_containment)
            & (np.minimum(size_a, size_b) >= self.min_shingles_for_containment)
        )
        return big_enough & (by_jaccard | by_containment)

    @property
    def jaccard_floor(self) -> float:
        """The lowest Jaccard any accepted pair can have."""
        return min(self.jaccard_threshold, self.min_jaccard_for_containment)


def exact_groups(shingles: ShingleSets) -> npt.NDArray[np.int64]:
    """For each text, the index of the first text with the identical shingle set.

    Empty sets are never grouped (each is its own group).

    Examples
    --------
    >>> from dedup.shingle import shingle_texts
    >>> exact_groups(shingle_texts(["وزير النفط", "وزير", "وزير النفط", ""], 5)).tolist()
    [0, 1, 0, 3]
    """
    first_of: dict[bytes, int] = {}
    groups = np.arange(len(shingles), dtype=np.int64)
    sizes = shingles.sizes
    for index in range(len(shingles)):
        if sizes[index] == 0:
            continue
        digest = hashlib.blake2b(shingles.of(index).tobytes(), digest_size=16).digest()
        groups[index] = first_of.setdefault(digest, index)
    return groups


def estimated_jaccard(signatures: npt.NDArray[np.uint32], pairs: npt.NDArray[np.int64]) -> F64Array:
    """MinHash estimate (share of equal slots) for each pair; used only to prefilter."""
    estimates = np.empty(len(pairs), dtype=np.float64)
    step = 1 << 16
    for start in range(0, len(pairs), step):
        chunk = pairs[start : start + step]
        equal = signatures[chunk[:, 0]] == signatures[chunk[:, 1]]
        estimates[start : start + step] = equal.mean(axis=1)
    return estimates


def exact_similarities(
    shingles: ShingleSets, pairs: npt.NDArray[np.int64]
) -> tuple[F64Array, F64Array]:
    """Exact Jaccard and containment (overlap / smaller set) of each pair.

    A pair with an empty set has similarity 0: empty sets never match.

    Examples
    --------
    >>> import numpy as np
    >>> from dedup.shingle import shingle_texts
    >>> sets = shingle_texts(["وزير النفط يزور", "وزير النفط", ""], 5)
    >>> j, c = exact_similarities(sets, np.array([[0, 1], [0, 2]]))
    >>> j.round(2).tolist(), c.round(2).tolist()
    ([0.55, 0.0], [1.0, 0.0])
    """
    count = len(pairs)
    intersections = np.zeros(count, dtype=np.int64)
    for row in range(count):
        left = shingles.of(int(pairs[row, 0]))
        right = shingles.of(int(pairs[row, 1]))
        if len(left) and len(right):
            if len(left) > len(right):
                left, right = right, left
            positions = np.searchsorted(right, left)
            positions[positions == len(right)] = 0
            intersections[row] = int(np.count_nonzero(right[positions] == left))
    # Only the pairs' own sizes: the clusters ask for one pair at a time, and a diff of
    # every offset per call grew with the corpus.
    offsets = shingles.offsets
    ends = pairs.reshape(-1, 2).astype(np.int64)
    size_a = offsets[ends[:, 0] + 1] - offsets[ends[:, 0]]
    size_b = offsets[ends[:, 1] + 1] - offsets[ends[:, 1]]
    union = size_a + size_b - intersections
    smaller = np.minimum(size_a, size_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        jaccard = np.where(union > 0, intersections / np.maximum(union, 1), 0.0)
        containment = np.where(smaller > 0, intersections / np.maximum(smaller, 1), 0.0)
    return jaccard.astype(np.float64), containment.astype(np.float64)


def cluster_id_for(canonical_id: str) -> str:
    """A cluster id that depends only on the canonical member's id.

    Examples
    --------
    >>> cluster_id_for("a1") == cluster_id_for("a1"), cluster_id_for("a1").startswith("c")
    (True, True)
    """
    return "c" + hashlib.blake2b(canonical_id.encode("utf-8"), digest_size=8).hexdigest()


SimilarityOf = Callable[[str, str], tuple[float, float]]
"""Exact (Jaccard, containment) of two accepted articles, by id."""


@dataclass(frozen=True, slots=True)
class LinkRule:
    """When two star clusters joined by a verified pair become one cluster.

    Their canonicals must themselves be alike: ``containment >= containment``
    or ``jaccard >= jaccard``. A roundup quoting two unrelated wire items links
    two clusters whose canonicals share almost nothing, so they stay apart.
    """

    jaccard: float
    containment: float

    def accepts(self, jaccard: float, containment: float) -> bool:
        """Whether two canonicals with these similarities may share a cluster."""
        return jaccard >= self.jaccard or containment >= self.containment


def _star_clusters(
    ordered_ids: Sequence[str],
    neighbours: dict[str, dict[str, Pair]],
    priority: Callable[[str], tuple[object, ...]],
    compatible: Callable[[str, str], bool] | None,
    strong_jaccard: float,
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Star assignment: article id -> its star's centre, and each centre's weak members.

    A neighbour verified only by containment (Jaccard under ``strong_jaccard``)
    joins a star only if it is ``compatible`` with every member the star already
    took: a roundup that became a centre (undated, or published first) must not
    take both of the wire items it quotes. A neighbour left out starts or joins
    another star later.
    """
    centre_of: dict[str, str] = {}
    weak_members: dict[str, list[str]] = {}
    for article_id in ordered_ids:
        if article_id in centre_of:
            continue
        centre_of[article_id] = article_id
        taken: list[str] = []
        weak_members[article_id] = []
        for other in sorted(neighbours.get(article_id, {}), key=priority):
            if other in centre_of:
                continue
            weak = neighbours[article_id][other].jaccard < strong_jaccard
            if weak and compatible is not None and not all(compatible(other, t) for t in taken):
                continue
            centre_of[other] = article_id
            taken.append(other)
            if weak:
                weak_members[article_id].append(other)
    _move_to_best_centre(
        ordered_ids, neighbours, priority, compatible, strong_jaccard, centre_of, weak_members
    )
    return centre_of, weak_members


def _move_to_best_centre(
    ordered_ids: Sequence[str],
    neighbours: dict[str, dict[str, Pair]],
    priority: Callable[[str], tuple[object, ...]],
    compatible: Callable[[str, str], bool] | None,
    strong_jaccard: float,
    centre_of: dict[str, str],
    weak_members: dict[str, list[str]],
) -> None:
    """Move each member to the star centre it shares the most text with.

    The greedy stars give a member to the first centre (in canonical order) that
    verified it. An article that carries two stories (a bulletin of two wire items)
    then lands with whichever story was published first, not with the one most of
    its text is. A member moves to another centre when its Jaccard with that centre
    is higher (ties stay) and, if it matched that centre by containment only, it is
    compatible with every member there (the check the star itself would have made).
    A member that moves to a centre published after it becomes that cluster's
    canonical (the earliest member).
    """
    members: dict[str, list[str]] = {}
    for article_id in ordered_ids:
        members.setdefault(centre_of[article_id], []).append(article_id)
    for article_id in ordered_ids:
        centre = centre_of[article_id]
        if centre == article_id:
            continue
        own = neighbours[article_id][centre].jaccard
        best, best_jaccard = centre, own
        for other, pair in sorted(neighbours[article_id].items(), key=lambda kv: priority(kv[0])):
            if centre_of.get(other) != other or other == centre or pair.jaccard <= best_jaccard:
                continue
            weak = pair.jaccard < strong_jaccard
            if (
                weak
                and compatible is not None
                and not all(compatible(article_id, m) for m in members[other] if m != other)
            ):
                continue
            best, best_jaccard = other, pair.jaccard
        if best != centre:
            members[centre].remove(article_id)
            if article_id in weak_members[centre]:
                weak_members[centre].remove(article_id)
            members[best].append(article_id)
            centre_of[article_id] = best
            if best_jaccard < strong_jaccard:
                weak_members[best].append(article_id)


# Two clusters whose members are verified pairs across at least this share of all their
# member pairs (and at least _DENSE_MIN_PAIRS of them) are one story even when their
# canonicals are too unlike to link, provided the canonicals pass the same-story rule. On
# judged-duplicates-dev: the short cut of a statement that matches 4 of the 5 copies of the
# full text but not the earliest one; a wire story whose full text holds its "first addition"
# (one cluster) and its first part (another). A roundup of two unrelated items is kept out by
# the same-story rule (their texts share almost no vocabulary); a single cross pair between
# two small clusters is not enough (a story that reuses one copy's paragraphs).
_DENSE_SHARE = 0.5
_DENSE_MIN_PAIRS = 2


def _template_between(
    first: Collection[str], second: Collection[str], template_stars: set[tuple[str, ...]]
) -> bool:
    """Whether a template pair joins a star of ``first`` to a star of ``second``."""
    return any(tuple(sorted((x, y))) in template_stars for x in first for y in second)


def _root_of(root: dict[str, str], item: str) -> str:
    """Union-find root of ``item``, halving the path on the way."""
    while root[item] != item:
        root[item] = root[root[item]]
        item = root[item]
    return item


def _merge_dense(
    members_of: dict[str, list[str]],
    canonical_of: dict[str, str],
    neighbours: dict[str, dict[str, Pair]],
    template_stars: set[tuple[str, ...]],
    priority: Callable[[str], tuple[object, ...]],
    compatible: Callable[[str, str], bool] | None,
) -> dict[str, str]:
    """Merge clusters joined by verified pairs on ``_DENSE_SHARE`` or more of member pairs.

    ``members_of`` maps star centres to members, ``canonical_of`` star centres to their
    cluster's canonical (after linking); returns the updated ``canonical_of``. Clusters
    holding a template pair between them never merge. Deterministic: merges are tried in
    canonical order, repeated until none applies.
    """
    group_of = {m: canonical_of[c] for c, ms in members_of.items() for m in ms}
    size: dict[str, int] = {}
    for group in group_of.values():
        size[group] = size.get(group, 0) + 1
    cross: dict[tuple[str, str], int] = {}
    for article_id, found in neighbours.items():
        for other in found:
            first, second = group_of[article_id], group_of[other]
            if article_id < other and first != second:
                key = (first, second) if priority(first) <= priority(second) else (second, first)
                cross[key] = cross.get(key, 0) + 1
    if not cross:
        return canonical_of
    stars_of: dict[str, set[str]] = {}
    for centre, group in canonical_of.items():
        stars_of.setdefault(group, set()).add(centre)
    root = {group: group for group in size}

    def find(group: str) -> str:
        return _root_of(root, group)

    merged_any = True
    while merged_any:
        merged_any = False
        totals: dict[tuple[str, str], int] = {}
        for (first, second), count in cross.items():
            a, b = find(first), find(second)
            if a != b:
                key = (a, b) if priority(a) <= priority(b) else (b, a)
                totals[key] = totals.get(key, 0) + count
        for first, second in sorted(totals, key=lambda k: (priority(k[0]), priority(k[1]))):
            a, b = find(first), find(second)
            if a == b or (a, b) != (first, second):
                continue  # one side merged in this pass: its counts are stale until the next
            count = totals[first, second]
            if count < _DENSE_MIN_PAIRS or count < _DENSE_SHARE * size[a] * size[b]:
                continue
            if compatible is not None and not compatible(a, b):
                continue
            if _template_between(stars_of[a], stars_of[b], template_stars):
                continue
            keep, drop = sorted((a, b), key=priority)
            root[drop] = keep
            size[keep] += size.pop(drop)
            stars_of[keep] |= stars_of.pop(drop)
            merged_any = True
    return {centre: find(group) for centre, group in canonical_of.items()}


def build_clusters(
    ids: Sequence[str],
    pairs: Sequence[Pair],
    priority: Callable[[str], tuple[object, ...]],
    *,
    similarity: SimilarityOf | None = None,
    link_rule: LinkRule | None = None,
    strong_jaccard: float = 1.0,
    same_story_rule: LinkRule | None = None,
) -> tuple[Cluster, ...]:
    """Clusters from verified pairs; every id lands in exactly one cluster.

    First stars: articles in canonical order, each unassigned one the centre of
    a star that takes its unassigned verified neighbours. Then, when
    ``similarity`` and ``link_rule`` are given, two stars joined by a verified
    pair are merged if their canonicals pass ``link_rule`` on their exact
    similarity (a copy of a copy whose own pair to the canonical fell just
    under the thresholds). A member that is not a verified pair of its final
    canonical carries ``via``: the star centre it came with.

    Parameters
    ----------
    ids
        Every accepted article id.
    pairs
        Verified pairs; ``"template"`` pairs are reported but never merge, and
        two stars holding a template pair between them are never linked.
    priority
        Sort key of an id; the smallest key in a cluster is its canonical
        (earliest date, then longest text, then smallest id).
    similarity, link_rule
        Exact similarity of two ids, and the rule for linking stars.
    strong_jaccard
        Pairs at or above this Jaccard are copies outright (the scan's
        ``jaccard_threshold``); below it they were accepted by containment.
    same_story_rule
        The rule a containment-only member must pass against every member
        already in its cluster (defaults to ``link_rule``).

    Returns
    -------
    tuple of Cluster
        Sorted by cluster id; members canonical first, then by similarity
        descending and id.

    Examples
    --------
    >>> p = [Pair("b", "a", 0.9, 0.95, "near"), Pair("c", "a", 0.5, 0.9, "near")]
    >>> [c.canonical for c in build_clusters(["a", "b", "c", "d"], p, lambda i: (i,))]
    ['a', 'd']
    """
    neighbours: dict[str, dict[str, Pair]] = {}
    templates: set[tuple[str, str]] = set()
    for pair in pairs:
        if pair.relation == "template":
            templates.add((pair.a, pair.b))
            continue
        neighbours.setdefault(pair.a, {})[pair.b] = pair
        neighbours.setdefault(pair.b, {})[pair.a] = pair
    ordered = sorted(ids, key=priority)
    compatible = None
    if similarity is not None and link_rule is not None:
        rule, similar = same_story_rule or link_rule, similarity

        def compatible(first: str, second: str) -> bool:
            return rule.accepts(*similar(first, second))

    centre_of, weak_members = _star_clusters(
        ordered, neighbours, priority, compatible, strong_jaccard
    )
    canonical_of = dict(centre_of)  # star centre -> final canonical, after linking

    if similarity is not None and link_rule is not None:
        members_of: dict[str, list[str]] = {}
        for article_id in ordered:
            members_of.setdefault(centre_of[article_id], []).append(article_id)
        root = {centre: centre for centre in members_of}
        stars_in = {centre: [centre] for centre in members_of}

        def find(centre: str) -> str:
            return _root_of(root, centre)

        links = sorted(
            {
                tuple(sorted((centre_of[p.a], centre_of[p.b]), key=priority))
                for p in pairs
                if p.relation != "template" and centre_of[p.a] != centre_of[p.b]
            },
            key=lambda link: (priority(link[0]), priority(link[1])),
        )
        template_stars = {tuple(sorted((centre_of[a], centre_of[b]))) for a, b in templates}
        for first, second in links:
            root_first, root_second = find(first), find(second)
            if root_first == root_second:
                continue
            if _template_between(stars_in[root_first], stars_in[root_second], template_stars):
                continue
            # The canonicals must be alike, and no member that joined either side
            # by containment alone may be unlike the other side's canonical (a
            # roundup's star holding story A must not link to story B's star).
            weak_first = [w for c in stars_in[root_first] for w in weak_members[c]]
            weak_second = [w for c in stars_in[root_second] for w in weak_members[c]]
            if link_rule.accepts(*similarity(root_first, root_second)) and all(
                compatible is None or compatible(weak, other)
                for weak, other in [(w, root_second) for w in weak_first]
                + [(w, root_first) for w in weak_second]
            ):
                keep, drop = sorted((root_first, root_second), key=priority)
                root[drop] = keep
                stars_in[keep].extend(stars_in.pop(drop))
        canonical_of = {centre: find(centre) for centre in members_of}
        canonical_of = _merge_dense(
            members_of, canonical_of, neighbours, template_stars, priority, compatible
        )

    grouped: dict[str, list[str]] = {}
    for article_id in ordered:
        grouped.setdefault(canonical_of[centre_of[article_id]], []).append(article_id)
    clusters: list[Cluster] = []
    for member_ids in grouped.values():
        # The earliest member: a star centre, or a member that moved to a later centre.
        canonical = member_ids[0]
        members = [Member(canonical, 1.0, 1.0, "canonical")]
        in_cluster = set(member_ids)
        for member_id in member_ids:
            if member_id == canonical:
                continue
            direct = neighbours.get(canonical, {}).get(member_id)
            if direct is not None:
                members.append(
                    Member(member_id, direct.jaccard, direct.containment, direct.relation)
                )
            elif similarity is not None:
                # Joined through a linked star: name the verified neighbour it came through
                # (its star centre, or for a linked centre its best-placed neighbour).
                jaccard, containment = similarity(canonical, member_id)
                via = centre_of[member_id]
                if via == member_id:
                    via = min(
                        (n for n in neighbours.get(member_id, {}) if n in in_cluster),
                        key=priority,
                    )
                members.append(Member(member_id, jaccard, containment, "near", via=via))
        members[1:] = sorted(members[1:], key=lambda m: (-m.similarity, m.id))
        clusters.append(Cluster(cluster_id_for(canonical), canonical, tuple(members)))
    clusters.sort(key=lambda c: c.cluster_id)
    return tuple(clusters)
