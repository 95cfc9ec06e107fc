"""What an operator does with an index: remove and evict articles, stats, checks, export.

:class:`IndexMaintenance` is the half of :class:`~dedup.index.api.Index` that changes or reads
the index as a whole rather than batch by batch; ``Index`` provides the store, its
transactions (``_read``, ``_write``) and the batch planner these methods use.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from dedup.config import DedupConfig
from dedup.errors import InputError
from dedup.index.export import export_clusters, export_pairs, export_related
from dedup.index.store import FORMAT_VERSION, Changes, Store, StoreReader
from dedup.records import ScanReport

if TYPE_CHECKING:
    from dedup.index.matches import Match
    from dedup.index.plan import BatchPlanner, Plan

__all__ = ["IndexMaintenance", "IndexStats"]

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class IndexStats:
    """Counts and storage of an index (``dedup index stats``)."""

    backend: str
    location: str
    format_version: int
    config_fingerprint: str
    articles: int
    clusters: int
    duplicate_clusters: int
    articles_in_duplicate_clusters: int
    pairs: int
    storage_bytes: int | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _cutoff(older_than: timedelta | datetime | float, now: float) -> float:
    if isinstance(older_than, timedelta):
        return now - older_than.total_seconds()
    if isinstance(older_than, datetime):
        moment = older_than if older_than.tzinfo else older_than.replace(tzinfo=UTC)
        return moment.timestamp()
    if isinstance(older_than, int | float) and not isinstance(older_than, bool):
        return float(older_than)
    raise InputError(
        f"older_than must be a timedelta, a datetime or a POSIX timestamp, got {older_than!r}"
    )


class IndexMaintenance:
    """Remove, evict, stats, check and export (the operator's side of an index)."""

    # Provided by Index (dedup.index.api).
    config: DedupConfig
    _store: Store
    _planner: BatchPlanner

    if TYPE_CHECKING:

        @property
        def location(self) -> str: ...

        def __len__(self) -> int: ...

        def _read(self, work: Callable[[StoreReader], _T]) -> _T: ...

        def _write(self, work: Callable[[StoreReader, Callable[[Changes], None]], _T]) -> _T: ...

        def _matches(
            self, reader: StoreReader, keys: Sequence[str | int], *, plan: Plan | None = None
        ) -> list[Match]: ...

    def remove(self, ids: Iterable[str]) -> int:
        """Delete articles by id; returns how many were stored.

        Clusters, learned boilerplate and document frequencies are updated as if the
        articles had never been added.

        Examples
        --------
        >>> import tempfile, os
        >>> from dedup import Index
        >>> from dedup import Article
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Index.open(os.path.join(folder, "news.db")) as index:
        ...         _ = index.add(Article(id="r1", text="انطلاق معرض الكتاب في الرياض"))
        ...         index.remove(["r1", "غير-موجود"]), len(index)
        (1, 0)
        """
        if isinstance(ids, str):
            raise InputError(
                "remove expects a collection of ids, got one string; wrap it in a list"
            )
        wanted = list(dict.fromkeys(ids))

        def work(reader: StoreReader, commit: Callable[[Changes], None]) -> int:
            nums = sorted(reader.nums_of(wanted).values())
            if nums:
                commit(self._planner.plan(reader, [], nums, now=time.time()).changes)
            return len(nums)

        return self._delete(work)

    def evict(self, *, older_than: timedelta | datetime | float) -> int:
        """Delete the articles published before a time; returns how many.

        Articles without a usable ``published_at`` are evicted by the time they were added.

        Parameters
        ----------
        older_than
            A ``timedelta`` (before now minus it), a ``datetime`` (naive means UTC) or a
            POSIX timestamp.

        Examples
        --------
        >>> import tempfile, os
        >>> from dedup import Index
        >>> from datetime import timedelta
        >>> from dedup import Article
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Index.open(os.path.join(folder, "news.db")) as index:
        ...         _ = index.add(Article(id="old", text="خبر قديم عن افتتاح جسر في بغداد",
        ...                               published_at="2001-01-01T00:00:00Z"))
        ...         index.evict(older_than=timedelta(days=30)), len(index)
        (1, 0)
        """
        cutoff = _cutoff(older_than, time.time())

        def work(reader: StoreReader, commit: Callable[[Changes], None]) -> int:
            nums = sorted(reader.evictable(cutoff))
            if nums:
                commit(self._planner.plan(reader, [], nums, now=time.time()).changes)
            return len(nums)

        return self._delete(work)

    def evictable(self, *, older_than: timedelta | datetime | float) -> list[str]:
        """The ids :meth:`evict` would delete now, sorted; nothing is deleted.

        Examples
        --------
        >>> import tempfile, os
        >>> from dedup import Index
        >>> from datetime import timedelta
        >>> from dedup import Article
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Index.open(os.path.join(folder, "news.db")) as index:
        ...         _ = index.add(Article(id="old", text="خبر قديم عن افتتاح جسر في بغداد",
        ...                               published_at="2001-01-01T00:00:00Z"))
        ...         index.evictable(older_than=timedelta(days=30)), len(index)
        (['old'], 1)
        """
        cutoff = _cutoff(older_than, time.time())

        def work(reader: StoreReader) -> list[str]:
            return sorted(r.id for r in reader.records(reader.evictable(cutoff)).values())

        result: list[str] = self._read(work)
        return result

    def _delete(self, work: Callable[[StoreReader, Callable[[Changes], None]], int]) -> int:
        """Run a remove or an evict, then give the storage of what it deleted back."""
        deleted = self._write(work)
        if deleted:
            self._store.reclaim()
        return deleted

    def stats(self) -> IndexStats:
        """Counts and storage size.

        Examples
        --------
        >>> import tempfile, os
        >>> from dedup import Index
        >>> from dedup import Article
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Index.open(os.path.join(folder, "news.db")) as index:
        ...         _ = index.add(Article(id="s1", text="ارتفع مؤشر البورصة المصرية اليوم"))
        ...         index.stats().articles
        1
        """

        def work(reader: StoreReader) -> IndexStats:
            records = reader.all_records()
            sizes = Counter(r.cluster.canonical for r in records)
            duplicates = [n for n in sizes.values() if n > 1]
            return IndexStats(
                backend=self._store.backend,
                location=self.location,
                format_version=FORMAT_VERSION,
                config_fingerprint=self.config.fingerprint,
                articles=len(records),
                clusters=len(sizes),
                duplicate_clusters=len(duplicates),
                articles_in_duplicate_clusters=sum(duplicates),
                pairs=reader.edge_count(),
                storage_bytes=self._store.size_bytes(),
            )

        result: IndexStats = self._read(work)
        return result

    def export(self, *, related: bool = True) -> ScanReport:
        """The index's current clusters, verified pairs and related lists, as a scan's report.

        What :func:`dedup.write_report` writes from it has the scan's format (``rejects`` is
        empty: the index keeps no rejects). Later arrivals can change an article's cluster
        after its :meth:`add`; this is the state now.

        Examples
        --------
        >>> import tempfile, os
        >>> from dedup import Index
        >>> from dedup import Article
        >>> body = "أعلن البنك المركزي اليوم خفض سعر الفائدة الرئيسي بنصف نقطة مئوية"
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Index.open(os.path.join(folder, "news.db")) as index:
        ...         _ = index.add([Article(id="e1", text=body), Article(id="e2", text=body)])
        ...         report = index.export()
        >>> [(c.canonical, c.size) for c in report.clusters], len(report.pairs)
        ([('e1', 2)], 1)
        """

        def work(reader: StoreReader) -> ScanReport:
            records = reader.all_records()
            ids = sorted(r.id for r in records)
            lists = (
                export_related(ids, lambda chunk: [m.related for m in self._matches(reader, chunk)])
                if related and self.config.related.k > 0
                else {}
            )
            clusters = export_clusters(records)
            pairs = export_pairs(reader, records)
            counts = {"accepted": len(records), "clusters": len(clusters), "pairs": len(pairs)}
            stats: dict[str, object] = {
                "index": self.location,
                "config_fingerprint": self.config.fingerprint,
                "counts": counts,
            }
            return ScanReport(clusters, pairs, rejected=(), related=lists, stats=stats)

        result: ScanReport = self._read(work)
        return result

    def check(self) -> list[str]:
        """Consistency problems of the stored index (an empty list when it is sound).

        Checks the backend (SQLite ``integrity_check``), the article count, that every
        cluster's canonical is stored and is its own canonical, and that every article has
        its signature, lines and term vector.

        Examples
        --------
        >>> import tempfile, os
        >>> from dedup import Index
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Index.open(os.path.join(folder, "news.db")) as index:
        ...         index.check()
        []
        """

        def work(reader: StoreReader) -> list[str]:
            problems = list(self._store.integrity_problems())
            records = {r.num: r for r in reader.all_records()}
            next_num, n_docs = reader.counters()
            if n_docs != len(records):
                problems.append(f"n_docs is {n_docs} but {len(records)} articles are stored")
            if records and max(records) >= next_num:
                problems.append(f"article number {max(records)} >= next_num {next_num}")
            for record in records.values():
                canonical = records.get(record.cluster.canonical)
                if canonical is None or canonical.cluster.canonical != canonical.num:
                    problems.append(f"{record.id}: its canonical is not a stored canonical")
            for kind in ("signature", "lines", "vector"):
                found = reader.blobs(kind, list(records))
                missing = sorted(set(records) - set(found))
                if missing:
                    problems.append(f"{len(missing)} article(s) lack their {kind}")
            return problems

        result: list[str] = self._read(work)
        return result
