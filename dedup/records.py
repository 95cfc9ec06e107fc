"""Plain data passed between the stages: articles in, rejects, pairs and clusters out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Relation = Literal["exact", "near", "update", "template", "follow_up", "roundup"]
"""How a verified pair relates; ``exact``, ``near`` and ``update`` are merged (see
:mod:`dedup.relations`), the others are reported and linked, never merged."""
MERGED_RELATIONS: frozenset[str] = frozenset({"exact", "near", "update"})


@dataclass(frozen=True, slots=True)
class Article:
    """One news article.

    Parameters
    ----------
    id
        Unique identifier within a corpus.
    text
        The body as it came (page furniture included); it is never modified.
    title, source, published_at, url
        Optional metadata. ``published_at`` is an ISO 8601 string; it orders
        canonical members and drives recency in the related list.
    origin_file, origin_line
        Where the record was read (set by the readers, for reject messages).

    Examples
    --------
    >>> Article(id="a1", text="وصل الوزير إلى بغداد", source="ina").source
    'ina'
    """

    id: str
    text: str
    title: str = ""
    source: str = ""
    published_at: str = ""
    url: str = ""
    origin_file: str = field(default="", compare=False, repr=False)
    origin_line: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that could not be used, with where it came from and why."""

    file: str
    line: int
    id: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class Pair:
    """A verified pair: exact similarities measured on the two shingle sets.

    ``containment`` is the overlap relative to the smaller shingle set.
    ``relation`` is ``"exact"`` (same normalized text), ``"near"``, ``"update"`` (the longer
    text extends the shorter under the same lead), all three merged; or ``"template"`` (same
    template, different facts), ``"follow_up"`` (a new lead on top of the other as
    background) or ``"roundup"`` (a bulletin that carries the other among other stories):
    reported and linked, never merged.
    """

    a: str
    b: str
    jaccard: float
    containment: float
    relation: Relation


@dataclass(frozen=True, slots=True)
class Member:
    """A cluster member with its exact similarities to the canonical.

    ``via`` is None when the member is a verified pair of the canonical; when
    the member joined through a linked cluster (see :mod:`dedup.cluster`) it
    names the verified neighbour it came through.
    """

    id: str
    similarity: float
    containment: float
    relation: Relation | Literal["canonical"]
    via: str | None = None


@dataclass(frozen=True, slots=True)
class Cluster:
    """A duplicate cluster; singletons are clusters of size 1."""

    cluster_id: str
    canonical: str
    members: tuple[Member, ...]
    newest: str | None = None
    """The member published last (the version an editor keeps when a member is an
    ``update``; ties: the longest text, then the smallest id), None when no member is dated."""

    @property
    def size(self) -> int:
        """Number of members, the canonical included."""
        return len(self.members)


@dataclass(frozen=True, slots=True)
class RelatedItem:
    """One entry in an article's related list."""

    id: str
    score: float


@dataclass(frozen=True)
class ScanReport:
    """Everything a scan produced.

    ``clusters`` covers every accepted article exactly once; ``rejected`` every
    record that was not accepted. ``stats`` holds counts, derived parameters
    and seconds per stage, as written to ``summary.json``.
    """

    clusters: tuple[Cluster, ...]
    pairs: tuple[Pair, ...]
    rejected: tuple[Rejected, ...]
    related: dict[str, tuple[RelatedItem, ...]] = field(default_factory=dict)
    stats: dict[str, object] = field(default_factory=dict)
