"""Clusters: verified pairs in, duplicate clusters with one canonical each out.

The pairs come from :mod:`dedup.verify`, each with its exact Jaccard and containment.
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
says through whom it joined (``via``), and must be the same story as the canonical
(the link rule): one that is not, or that was verified as another story than it
(template, follow-up, roundup), leaves and is clustered again with the others that
left. Follow-ups, roundups and templates never merge. Each cluster can name its
newest member (:func:`newest_member`). The result does not depend on input order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from dedup.config import DedupConfig
from dedup.records import MERGED_RELATIONS, Cluster, Member, Pair

__all__ = [
    "LinkRule",
    "build_clusters",
    "canonical_key",
    "cluster_id_for",
    "clusters_for",
    "newest_member",
]

F64Array = npt.NDArray[np.float64]


def cluster_id_for(canonical_id: str) -> str:
    """A cluster id that depends only on the canonical member's id.

    Examples
    --------
    >>> cluster_id_for("a1") == cluster_id_for("a1"), cluster_id_for("a1").startswith("c")
    (True, True)
    """
    return "c" + hashlib.blake2b(canonical_id.encode("utf-8"), digest_size=8).hexdigest()


def canonical_key(
    published_ts: float | None, text_len: int, article_id: str
) -> tuple[bool, float, int, str]:
    """Sort key of the canonical order, the same for every driver.

    Earliest publication first (undated articles last), then the longest text,
    then the smallest id: the first article of a cluster in this order is its
    canonical, so the key decides which copy a cluster is named after.

    Parameters
    ----------
    published_ts
        Publication time in seconds since the epoch, or None when undated.
    text_len
        Length of the article's text in characters.
    article_id
        The article's id (the last tie-breaker, so the order is total).

    Returns
    -------
    tuple of (bool, float, int, str)
        ``(published_ts is None, published_ts or 0.0, -text_len, article_id)``.

    Examples
    --------
    >>> texts = {"a1": "وزير النفط", "a2": "وزير النفط يزور الرياض", "a3": "وزير النفط يزور جدة"}
    >>> published = {"a1": 1439020800.0, "a2": 1439020800.0, "a3": None}
    >>> sorted(texts, key=lambda i: canonical_key(published[i], len(texts[i]), i))
    ['a2', 'a1', 'a3']
    """
    return (published_ts is None, published_ts or 0.0, -text_len, article_id)


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


@dataclass(frozen=True, slots=True)
class _Graph:
    """What every clustering step reads: the verified pairs of each article and the rules.

    ``compatible`` is the same-story check a member accepted by containment alone must pass
    (None when no similarity was given: every such member is taken). ``apart`` holds the
    pairs verified as two stories (template, follow-up, roundup), ids in sorted order.
    """

    neighbours: dict[str, dict[str, Pair]]
    priority: Callable[[str], tuple[object, ...]]
    compatible: Callable[[str, str], bool] | None
    strong_jaccard: float
    apart: frozenset[tuple[str, str]] = frozenset()

    def two_stories(self, first: str, second: str) -> bool:
        """Whether the two were verified as different stories (a pair that never merges)."""
        return (first, second) in self.apart or (second, first) in self.apart

    def is_weak(self, pair: Pair) -> bool:
        """Accepted by containment only (Jaccard under ``strong_jaccard``)."""
        return pair.jaccard < self.strong_jaccard

    def fits_with(self, article_id: str, others: Iterable[str]) -> bool:
        """Whether ``article_id`` passes the same-story check with each of ``others``."""
        compatible = self.compatible
        return compatible is None or all(compatible(article_id, other) for other in others)


@dataclass(frozen=True, slots=True)
class _Stars:
    """The star assignment: article id -> its star's centre, each centre's weak members."""

    centre_of: dict[str, str]
    weak_members: dict[str, list[str]]

    def weak_in(self, centres: Iterable[str]) -> list[str]:
        """The weak members of these stars, star by star."""
        return [weak for centre in centres for weak in self.weak_members[centre]]


def _star_clusters(ordered_ids: Sequence[str], graph: _Graph) -> _Stars:
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
        for other in sorted(graph.neighbours.get(article_id, {}), key=graph.priority):
            if other in centre_of:
                continue
            weak = graph.is_weak(graph.neighbours[article_id][other])
            if weak and not graph.fits_with(other, taken):
                continue
            centre_of[other] = article_id
            taken.append(other)
            if weak:
                weak_members[article_id].append(other)
    stars = _Stars(centre_of, weak_members)
    _move_to_best_centre(ordered_ids, graph, stars)
    return stars


def _members_by_centre(
    ordered_ids: Sequence[str], centre_of: dict[str, str]
) -> dict[str, list[str]]:
    """Each star centre's members, in canonical order."""
    members: dict[str, list[str]] = {}
    for article_id in ordered_ids:
        members.setdefault(centre_of[article_id], []).append(article_id)
    return members


def _move_to_best_centre(ordered_ids: Sequence[str], graph: _Graph, stars: _Stars) -> None:
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
    centre_of, weak_members = stars.centre_of, stars.weak_members
    members = _members_by_centre(ordered_ids, centre_of)
    for article_id in ordered_ids:
        centre = centre_of[article_id]
        if centre == article_id:
            continue
        best, best_jaccard = _best_centre(article_id, centre, graph, centre_of, members)
        if best != centre:
            members[centre].remove(article_id)
            if article_id in weak_members[centre]:
                weak_members[centre].remove(article_id)
            members[best].append(article_id)
            centre_of[article_id] = best
            if best_jaccard < graph.strong_jaccard:
                weak_members[best].append(article_id)


def _best_centre(
    article_id: str,
    centre: str,
    graph: _Graph,
    centre_of: dict[str, str],
    members: dict[str, list[str]],
) -> tuple[str, float]:
    """The centre ``article_id`` shares the most text with, and its Jaccard (ties stay)."""
    found = graph.neighbours[article_id]
    best, best_jaccard = centre, found[centre].jaccard
    for other, pair in sorted(found.items(), key=lambda kv: graph.priority(kv[0])):
        if centre_of.get(other) != other or other == centre or pair.jaccard <= best_jaccard:
            continue
        if graph.is_weak(pair) and not graph.fits_with(
            article_id, (m for m in members[other] if m != other)
        ):
            continue
        best, best_jaccard = other, pair.jaccard
    return best, best_jaccard


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


def _ordered_pair(
    first: str, second: str, priority: Callable[[str], tuple[object, ...]]
) -> tuple[str, str]:
    """The two ids, the one first in canonical order first (the first one on a tie)."""
    return (first, second) if priority(first) <= priority(second) else (second, first)


def _star_links(
    pairs: Sequence[Pair], centre_of: dict[str, str], graph: _Graph
) -> list[tuple[str, ...]]:
    """Pairs of star centres joined by a verified pair, each once, in canonical order."""
    priority = graph.priority
    return sorted(
        {
            tuple(sorted((centre_of[p.a], centre_of[p.b]), key=priority))
            for p in pairs
            if p.relation in MERGED_RELATIONS and centre_of[p.a] != centre_of[p.b]
        },
        key=lambda link: (priority(link[0]), priority(link[1])),
    )


def _link_stars(
    pairs: Sequence[Pair],
    members_of: dict[str, list[str]],
    stars: _Stars,
    template_stars: set[tuple[str, ...]],
    graph: _Graph,
    *,
    similarity: SimilarityOf,
    link_rule: LinkRule,
) -> dict[str, str]:
    """Merge stars joined by a verified pair whose canonicals are alike; centre -> canonical.

    Two stars holding a template pair between them are never linked.
    """
    root = {centre: centre for centre in members_of}
    stars_in = {centre: [centre] for centre in members_of}
    for first, second in _star_links(pairs, stars.centre_of, graph):
        root_first, root_second = _root_of(root, first), _root_of(root, second)
        if root_first == root_second:
            continue
        if _template_between(stars_in[root_first], stars_in[root_second], template_stars):
            continue
        # The canonicals must be alike, and no member that joined either side
        # by containment alone may be unlike the other side's canonical (a
        # roundup's star holding story A must not link to story B's star).
        weak_first = stars.weak_in(stars_in[root_first])
        weak_second = stars.weak_in(stars_in[root_second])
        if (
            link_rule.accepts(*similarity(root_first, root_second))
            and all(graph.fits_with(weak, [root_second]) for weak in weak_first)
            and all(graph.fits_with(weak, [root_first]) for weak in weak_second)
        ):
            keep, drop = sorted((root_first, root_second), key=graph.priority)
            root[drop] = keep
            stars_in[keep].extend(stars_in.pop(drop))
    return {centre: _root_of(root, centre) for centre in members_of}


@dataclass(slots=True)
class _Groups:
    """Union-find over clusters for :func:`_merge_dense`: each root's size and star centres."""

    root: dict[str, str]
    size: dict[str, int]
    stars_of: dict[str, set[str]]

    def find(self, group: str) -> str:
        return _root_of(self.root, group)

    def merge(self, keep: str, drop: str) -> None:
        self.root[drop] = keep
        self.size[keep] += self.size.pop(drop)
        self.stars_of[keep] |= self.stars_of.pop(drop)


def _cross_pairs(
    neighbours: dict[str, dict[str, Pair]],
    group_of: dict[str, str],
    priority: Callable[[str], tuple[object, ...]],
) -> dict[tuple[str, str], int]:
    """Verified pairs between each two clusters, keyed by the clusters in canonical order."""
    cross: dict[tuple[str, str], int] = {}
    for article_id, found in neighbours.items():
        for other in found:
            first, second = group_of[article_id], group_of[other]
            if article_id < other and first != second:
                key = _ordered_pair(first, second, priority)
                cross[key] = cross.get(key, 0) + 1
    return cross


def _merge_dense(
    members_of: dict[str, list[str]],
    canonical_of: dict[str, str],
    template_stars: set[tuple[str, ...]],
    graph: _Graph,
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
    cross = _cross_pairs(graph.neighbours, group_of, graph.priority)
    if not cross:
        return canonical_of
    stars_of: dict[str, set[str]] = {}
    for centre, group in canonical_of.items():
        stars_of.setdefault(group, set()).add(centre)
    groups = _Groups({group: group for group in size}, size, stars_of)
    while _merge_dense_pass(cross, groups, template_stars, graph):
        pass
    return {centre: groups.find(group) for centre, group in canonical_of.items()}


def _merge_dense_pass(
    cross: dict[tuple[str, str], int],
    groups: _Groups,
    template_stars: set[tuple[str, ...]],
    graph: _Graph,
) -> bool:
    """One pass of :func:`_merge_dense` over the current groups; whether it merged any."""
    priority = graph.priority
    totals: dict[tuple[str, str], int] = {}
    for (first, second), count in cross.items():
        a, b = groups.find(first), groups.find(second)
        if a != b:
            key = _ordered_pair(a, b, priority)
            totals[key] = totals.get(key, 0) + count
    merged_any = False
    for first, second in sorted(totals, key=lambda k: (priority(k[0]), priority(k[1]))):
        a, b = groups.find(first), groups.find(second)
        if a == b or (a, b) != (first, second):
            continue  # one side merged in this pass: its counts are stale until the next
        if _dense_enough(totals[first, second], groups, a, b, template_stars, graph):
            keep, drop = sorted((a, b), key=priority)
            groups.merge(keep, drop)
            merged_any = True
    return merged_any


def _dense_enough(
    count: int,
    groups: _Groups,
    a: str,
    b: str,
    template_stars: set[tuple[str, ...]],
    graph: _Graph,
) -> bool:
    """Whether ``count`` verified pairs between groups ``a`` and ``b`` make them one story."""
    if count < _DENSE_MIN_PAIRS or count < _DENSE_SHARE * groups.size[a] * groups.size[b]:
        return False
    if graph.compatible is not None and not graph.compatible(a, b):
        return False
    return not _template_between(groups.stars_of[a], groups.stars_of[b], template_stars)


def _neighbours_of(
    pairs: Sequence[Pair],
) -> tuple[dict[str, dict[str, Pair]], set[tuple[str, str]]]:
    """Merged pairs by article (both ways), and the template pairs, which never merge.

    Follow-ups and roundups are not neighbours either (reported and linked, never merged).
    """
    neighbours: dict[str, dict[str, Pair]] = {}
    templates: set[tuple[str, str]] = set()
    for pair in pairs:
        if pair.relation == "template":
            templates.add((pair.a, pair.b))
            continue
        if pair.relation not in MERGED_RELATIONS:
            continue
        neighbours.setdefault(pair.a, {})[pair.b] = pair
        neighbours.setdefault(pair.b, {})[pair.a] = pair
    return neighbours, templates


def _same_story_check(
    similarity: SimilarityOf | None, link_rule: LinkRule | None, same_story_rule: LinkRule | None
) -> Callable[[str, str], bool] | None:
    """Whether two ids pass the same-story rule on their exact similarity.

    None unless both ``similarity`` and ``link_rule`` are given; the rule defaults to
    ``link_rule``.
    """
    if similarity is None or link_rule is None:
        return None
    passes, similar = same_story_rule or link_rule, similarity

    def compatible(first: str, second: str) -> bool:
        return passes.accepts(*similar(first, second))

    return compatible


def _cluster_of(
    member_ids: Sequence[str],
    graph: _Graph,
    centre_of: dict[str, str],
    similarity: SimilarityOf | None,
) -> Cluster:
    """The cluster record of ``member_ids`` (in canonical order; the first is canonical)."""
    # The earliest member: a star centre, or a member that moved to a later centre.
    canonical = member_ids[0]
    members = [Member(canonical, 1.0, 1.0, "canonical")]
    in_cluster = set(member_ids)
    for member_id in member_ids:
        if member_id == canonical:
            continue
        direct = graph.neighbours.get(canonical, {}).get(member_id)
        if direct is not None:
            members.append(Member(member_id, direct.jaccard, direct.containment, direct.relation))
        elif similarity is not None:
            jaccard, containment = similarity(canonical, member_id)
            via = _via(member_id, in_cluster, graph, centre_of)
            members.append(Member(member_id, jaccard, containment, "near", via=via))
    members[1:] = sorted(members[1:], key=lambda m: (-m.similarity, m.id))
    return Cluster(cluster_id_for(canonical), canonical, tuple(members))


def _via(member_id: str, in_cluster: set[str], graph: _Graph, centre_of: dict[str, str]) -> str:
    """The verified neighbour a member joined through, when it is no pair of the canonical.

    Joined through a linked star: its star centre, or for a linked centre its best-placed
    neighbour.
    """
    via = centre_of[member_id]
    if via == member_id:
        via = min(
            (n for n in graph.neighbours.get(member_id, {}) if n in in_cluster),
            key=graph.priority,
        )
    return via


def _split_unlike(member_ids: list[str], graph: _Graph) -> tuple[list[str], list[str]]:
    """The link rule: members that joined through a ``via`` neighbour (no merged pair with
    the canonical) and are no same-story match of it leave the cluster, and so do those
    verified as another story than the canonical (a follow-up, a roundup, a template
    sibling of it), whatever neighbour brought them.

    Returns the members kept (canonical first) and those that leave.
    """
    canonical = member_ids[0]
    direct = graph.neighbours.get(canonical, {})
    alike = {canonical} | {
        m
        for m in member_ids[1:]
        if m in direct or (graph.fits_with(m, [canonical]) and not graph.two_stories(m, canonical))
    }
    if len(alike) == len(member_ids):
        return member_ids, []
    # Only those still reached from the canonical through merged pairs inside the cluster.
    reached, frontier = {canonical}, [canonical]
    while frontier:
        found = [n for m in frontier for n in graph.neighbours.get(m, {}) if n in alike]
        frontier = sorted(set(found) - reached)
        reached.update(frontier)
    kept = [m for m in member_ids if m in reached]
    return kept, [m for m in member_ids if m not in reached]


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
        (earliest date, then longest text, then smallest id: :func:`canonical_key`).
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
    compatible = _same_story_check(similarity, link_rule, same_story_rule)
    neighbours, templates = _neighbours_of(pairs)
    ordered = sorted(ids, key=priority)
    apart = frozenset((p.a, p.b) for p in pairs if p.relation not in MERGED_RELATIONS)
    graph = _Graph(neighbours, priority, compatible, strong_jaccard, apart)
    stars = _star_clusters(ordered, graph)
    centre_of = stars.centre_of
    canonical_of = dict(centre_of)  # star centre -> final canonical, after linking
    if similarity is not None and link_rule is not None:
        members_of = _members_by_centre(ordered, centre_of)
        template_stars = {tuple(sorted((centre_of[a], centre_of[b]))) for a, b in templates}
        canonical_of = _link_stars(
            pairs,
            members_of,
            stars,
            template_stars,
            graph,
            similarity=similarity,
            link_rule=link_rule,
        )
        canonical_of = _merge_dense(members_of, canonical_of, template_stars, graph)
    grouped: dict[str, list[str]] = {}
    for article_id in ordered:
        grouped.setdefault(canonical_of[centre_of[article_id]], []).append(article_id)
    clusters: list[Cluster] = []
    for member_ids in grouped.values():
        kept, left = _split_unlike(member_ids, graph)
        clusters.append(_cluster_of(kept, graph, centre_of, similarity))
        if left:
            # The members that left are clustered again among themselves, by the same rules.
            inside = set(left)
            own = [p for p in pairs if p.a in inside and p.b in inside]
            clusters.extend(
                build_clusters(
                    left,
                    own,
                    priority,
                    similarity=similarity,
                    link_rule=link_rule,
                    strong_jaccard=strong_jaccard,
                    same_story_rule=same_story_rule,
                )
            )
    clusters.sort(key=lambda c: c.cluster_id)
    return tuple(clusters)


def newest_member(members: Iterable[tuple[str, float | None, int]]) -> str | None:
    """The id published last among ``(id, published_ts, text_len)``; None when none is dated.

    Ties go to the longest text, then to the smallest id, so every driver names the same one.

    Examples
    --------
    >>> newest_member([("a", 10.0, 50), ("b", 20.0, 40), ("c", 20.0, 60), ("d", None, 90)])
    'c'
    >>> newest_member([("a", None, 5)]) is None
    True
    """
    dated = [(-ts, -length, article_id) for article_id, ts, length in members if ts is not None]
    return min(dated)[2] if dated else None


def clusters_for(
    ids: Sequence[str],
    pairs: Sequence[Pair],
    priority: Callable[[str], tuple[object, ...]],
    *,
    similarity: SimilarityOf,
    config: DedupConfig,
    published: Callable[[str], tuple[float | None, int]] | None = None,
) -> tuple[Cluster, ...]:
    """The clustering stage of a detector configuration: :func:`build_clusters` with its
    link, strong-Jaccard and same-story rules, as every driver calls it.

    ``published`` gives an id's publication time (None when undated) and text length; with
    it every cluster names its newest member (:func:`newest_member`).

    Examples
    --------
    >>> pair = Pair("أ", "ب", 0.9, 0.95, "near")
    >>> found = clusters_for(["أ", "ب", "ج"], [pair], lambda i: (i,),
    ...                      similarity=lambda a, b: (0.9, 0.95), config=DedupConfig())
    >>> [c.size for c in found]
    [2, 1]
    """
    found = build_clusters(
        ids,
        pairs,
        priority,
        similarity=similarity,
        link_rule=LinkRule(config.link_jaccard, config.link_containment),
        strong_jaccard=config.jaccard_threshold,
        same_story_rule=LinkRule(config.same_story_jaccard, config.same_story_containment),
    )
    if published is None:
        return found
    return tuple(
        replace(
            cluster,
            newest=newest_member((m.id, *published(m.id)) for m in cluster.members),
        )
        for cluster in found
    )
