"""What every backend of the index shares: the stored records, one batch of changes, and
the abstract :class:`Store` and :class:`StoreReader` that :mod:`~dedup.index.store.sqlite` and
:mod:`~dedup.index.store.redis` implement (the layout is drawn in :mod:`dedup.index.store`).
"""

from __future__ import annotations

import contextlib
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from dedup.errors import DedupError, IndexFormatError, InputError

__all__ = [
    "BLOB_KINDS",
    "FORMAT_VERSION",
    "REDIS_SCHEMES",
    "Changes",
    "ClusterFields",
    "ConflictError",
    "Edge",
    "Record",
    "Store",
    "StoreReader",
    "check_format",
    "not_found_message",
    "open_store",
]


#: Version of the persisted layout; bumped on any incompatible change, checked on open.
FORMAT_VERSION: Final = 1

#: Per-article byte strings stored beside the record: MinHash signature (``uint32``),
#: furniture-stripped normalized lines (zlib), hashed term vector (related articles).
BLOB_KINDS: Final = ("signature", "lines", "vector")

I64Array = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class ClusterFields:
    """Where an article sits in its cluster, as :class:`dedup.records.Member` but by number.

    ``relation`` is 0 for the canonical, else 1 (exact) or 2 (near); ``via`` is -1 unless
    the member joined through a linked star.
    """

    canonical: int
    similarity: float = 1.0
    containment: float = 1.0
    relation: int = 0
    via: int = -1


@dataclass(frozen=True, slots=True)
class Record:
    """One stored article's metadata; its blobs (:data:`BLOB_KINDS`) are read separately.

    ``dropped`` holds the ``uint16`` indices of the article's lines currently left out as
    learned boilerplate: with the stored lines they give the text that is shingled, so exact
    shingle sets are recomputed when needed rather than stored (they would take about 12 KB
    an article as ``uint64``, against about 1.1 KB of compressed lines). ``norm`` is the
    article's tf-idf norm when it was added (for diagnostics: related scores use the norm
    under the current document frequencies).
    """

    num: int
    id: str
    published_ts: float | None
    added_ts: float
    text_len: int
    source: str
    size: int
    norm: float
    cluster: ClusterFields
    dropped: bytes = b""

    @property
    def evict_ts(self) -> float:
        """Publication time, or the time it was added when it has no date."""
        return self.added_ts if self.published_ts is None else self.published_ts


@dataclass(frozen=True, slots=True)
class Edge:
    """A stored verified pair, seen from ``a``; ``relation`` 1 exact, 2 near, 3 template."""

    a: int
    b: int
    jaccard: float
    containment: float
    relation: int


@dataclass
class Changes:
    """Everything one batch writes, applied in one transaction.

    Counts are absolute values computed under the writer lock (0 deletes the entry).
    """

    next_num: int
    n_docs: int
    records: dict[int, Record] = field(default_factory=dict)
    clusters: dict[int, ClusterFields] = field(default_factory=dict)
    deleted: dict[int, Record] = field(default_factory=dict)
    blobs: dict[str, dict[int, bytes]] = field(
        default_factory=lambda: {kind: {} for kind in BLOB_KINDS}
    )
    bucket_add: list[tuple[int, int, int]] = field(default_factory=list)
    bucket_remove: list[tuple[int, int, int]] = field(default_factory=list)
    edge_add: list[Edge] = field(default_factory=list)
    edge_remove: list[tuple[int, int]] = field(default_factory=list)
    line_contexts: dict[tuple[int, int], int] = field(default_factory=dict)
    line_counts: dict[int, int] = field(default_factory=dict)
    ref_add: list[tuple[int, int]] = field(default_factory=list)
    ref_remove: list[tuple[int, int]] = field(default_factory=list)
    doc_freqs: dict[int, int] = field(default_factory=dict)
    posting_add: list[tuple[int, int]] = field(default_factory=list)
    posting_remove: list[tuple[int, int]] = field(default_factory=list)


class ConflictError(DedupError):
    """Another writer committed while this batch was planned; the batch is planned again."""


class StoreReader(ABC):
    """Batched reads. Within a write they see the state the batch started from."""

    @abstractmethod
    def counters(self) -> tuple[int, int]:
        """``(next_num, n_docs)``."""

    @abstractmethod
    def nums_of(self, ids: Collection[str]) -> dict[str, int]:
        """Article number of each stored id (unknown ids are left out)."""

    @abstractmethod
    def records(self, nums: Collection[int]) -> dict[int, Record]:
        """Stored records (unknown numbers are left out)."""

    @abstractmethod
    def blobs(self, kind: str, nums: Collection[int]) -> dict[int, bytes]:
        """One kind of per-article bytes (:data:`BLOB_KINDS`)."""

    @abstractmethod
    def bucket_members(
        self, queries: I64Array, bands: I64Array, values: I64Array
    ) -> tuple[I64Array, I64Array]:
        """Every ``(queries[i], num)`` with ``num`` stored under ``(bands[i], values[i])``."""

    @abstractmethod
    def edges(self, nums: Collection[int]) -> dict[int, list[Edge]]:
        """The stored verified pairs of each number."""

    @abstractmethod
    def line_contexts(self, pairs: Collection[tuple[int, int]]) -> dict[tuple[int, int], int]:
        """Articles counted for each ``(line key, context)``; absent pairs are left out."""

    @abstractmethod
    def line_counts(self, keys: Collection[int]) -> dict[int, int]:
        """Distinct contexts of each line key; absent keys are left out."""

    @abstractmethod
    def line_refs(self, keys: Collection[int]) -> dict[int, list[int]]:
        """Numbers of the articles holding each line key."""

    @abstractmethod
    def doc_freqs(self, terms: Collection[int]) -> dict[int, int]:
        """Document frequency of each term; absent terms are left out."""

    @abstractmethod
    def all_doc_freqs(self) -> tuple[I64Array, I64Array]:
        """Every stored term (sorted) and its document frequency (to fill a cache)."""

    @abstractmethod
    def postings(self, terms: Collection[int], limit: int | None = None) -> dict[int, I64Array]:
        """Numbers of the articles that posted each term, ascending.

        With ``limit``, only the ``limit`` highest numbers (the latest added) of each term.
        """

    @abstractmethod
    def evictable(self, before: float) -> list[int]:
        """Numbers of the articles whose eviction time is before ``before``."""

    @abstractmethod
    def all_records(self) -> list[Record]:
        """Every stored record (for checks and stats)."""

    @abstractmethod
    def all_signatures(self) -> dict[int, bytes]:
        """Every stored signature (to fill an in-memory cache)."""

    @abstractmethod
    def edge_count(self) -> int:
        """Number of stored verified pairs, each counted once."""


class Store(ABC):
    """A backend: meta data, a snapshot reader, and a locked writer."""

    location: str
    backend: str

    @abstractmethod
    def meta(self) -> dict[str, str]:
        """The ``meta`` map (empty for a new index)."""

    @abstractmethod
    def initialize(self, meta: dict[str, str]) -> dict[str, str]:
        """Write ``meta`` unless another process did first; returns the stored meta."""

    @abstractmethod
    def reading(self) -> contextlib.AbstractContextManager[StoreReader]:
        """A consistent view for reads (Redis: raises :class:`ConflictError` if it moved)."""

    @abstractmethod
    def writing(
        self,
    ) -> contextlib.AbstractContextManager[tuple[StoreReader, Callable[[Changes], None]]]:
        """The writer lock: a reader of the current state and the commit function."""

    @abstractmethod
    def data_version(self) -> int:
        """A token that changes whenever another connection commits (for caches)."""

    @abstractmethod
    def token_after_commit(self, before: int) -> int:
        """The :meth:`data_version` that this connection's last commit left."""

    @abstractmethod
    def size_bytes(self) -> int | None:
        """Storage used (SQLite: pages in use; Redis: the server's ``used_memory``)."""

    @abstractmethod
    def reclaim(self) -> None:
        """Give back the storage of deleted articles, after a remove or an evict."""

    @abstractmethod
    def integrity_problems(self) -> list[str]:
        """Backend-level damage (empty when none)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""


#: URL schemes of the Redis backend; any other ``scheme://`` target is refused.
REDIS_SCHEMES: Final = ("redis", "rediss", "unix")

_URL_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")


def open_store(
    target: str, *, name: str = "default", lock_timeout: float = 60.0, create: bool = True
) -> Store:
    """A SQLite file path, or a ``redis://``, ``rediss://`` or ``unix://`` URL.

    With ``create=False`` a missing SQLite file is not created
    (:class:`~dedup.errors.IndexNotFoundError`); a Redis database is never created.

    Raises
    ------
    InputError
        ``target`` is a URL of another scheme.
    """
    # Imported here: each backend module imports this one.
    scheme = _URL_SCHEME.match(target)
    if scheme and scheme.group(1).lower() in REDIS_SCHEMES:
        from dedup.index.store.redis import RedisStore

        return RedisStore(target, name=name, lock_timeout=lock_timeout)
    if scheme:
        supported = ", ".join(f"{s}://" for s in REDIS_SCHEMES)
        raise InputError(
            f"{target}: unsupported scheme {scheme.group(1)!r}; give a SQLite file path "
            f"or a Redis URL ({supported}), e.g. news.db or redis://127.0.0.1:6379/0"
        )
    from dedup.index.store.sqlite import SQLiteStore

    return SQLiteStore(target, lock_timeout=lock_timeout, create=create)


def not_found_message(location: str, name: str | None = None) -> str:
    """What to say when an index opened with ``create=False`` does not exist."""
    where = f"no dedup index named {name!r} there" if name else "no dedup index there"
    return (
        f"{location}: {where}; `dedup index add` creates one (or Index.open with "
        "create=True). Check the path or URL for a typo."
    )


def check_format(meta: dict[str, str], location: str) -> None:
    """Raise :class:`IndexFormatError` unless ``meta`` was written in this format version."""
    found = meta.get("format_version")
    if found != str(FORMAT_VERSION):
        raise IndexFormatError(
            f"{location}: index format version {found}, but this dedup reads version "
            f"{FORMAT_VERSION}. Rebuild the index from the articles with `dedup index add`, "
            "or open it with the dedup release that wrote it."
        )
