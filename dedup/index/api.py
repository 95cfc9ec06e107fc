"""The incremental index: add articles as they are crawled, get their matches at once.

:class:`Index` is the persistent driver of the scan's stages: each batch is planned
(:mod:`dedup.index.plan`) against everything stored before (a SQLite file or a Redis
database, :mod:`dedup.index.store`) with the same stage functions :func:`dedup.scan` calls:

1. **prepare** (:mod:`dedup.prepare`): furniture, normalization, admission (a text too short
   to shingle is rejected, not stored);
2. **learned boilerplate** (:mod:`dedup.boilerplate`): each article's line contributions are
   counted per context in the store, so removals can be undone; when a line reaches (or falls
   back under) the bar, every stored article holding it is filtered again and, if its text
   changed, re-shingled and re-verified: the stored state is what the scan would compute;
3. **shingles, signatures, LSH** (:mod:`dedup.shingle`, :mod:`dedup.signature`,
   :mod:`dedup.lsh`): candidates are the stored articles sharing a bucket key and, inside
   the batch, :func:`~dedup.lsh.candidate_pairs`;
4. **verification** (:mod:`dedup.verify`), on shingles recomputed from the stored lines of
   the candidates that pass the MinHash screen;
5. **clusters** (:mod:`dedup.index.components`): the scan's clustering, rerun on the
   connected components the batch affects;
6. **related** (:mod:`dedup.index.related`): the scan's term weighting and list selection
   (:mod:`dedup.related`) over term vectors, document frequencies and rare-term postings
   kept in the store, without refitting.

Clusters do not depend on arrival order: adding a corpus one article at a time, in any
order, gives the clusters, pairs and rejects of ``dedup scan`` on it (``tests/test_drivers.py``
and ``tests/test_index_api.py``). Related scores equal the scan's for the articles that are
found; what differs is candidate generation (an article that shares no rare term with the
query's best rare terms is not found).

Durability and concurrency: a batch is planned from reads only, then written in one
transaction, under the backend's writer lock, so a killed writer leaves every committed
batch and nothing of the one it was in, and concurrent writers serialize. What was read is
cached in the ``Index`` object (:mod:`dedup.index.caches`) while no other connection
commits (the store's data version says when).
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Final, TypeVar, overload

from dedup.config import DedupConfig
from dedup.errors import (
    ConfigError,
    DedupError,
    IndexClosedError,
    IndexFormatError,
    IndexNotFoundError,
    InputError,
)
from dedup.index.maintenance import IndexMaintenance, IndexStats
from dedup.index.matches import (
    Match,
    match_of,
    names_of,
    queries_of,
    read_subjects,
    rejected_match,
)
from dedup.index.plan import BatchPlanner, Plan
from dedup.index.store import (
    FORMAT_VERSION,
    Changes,
    ConflictError,
    Store,
    StoreReader,
    check_format,
    not_found_message,
    open_store,
)
from dedup.readers import unicode_problem
from dedup.records import Article, Rejected

__all__ = ["Index", "IndexStats", "Match"]

# A Redis writer whose lock expired and lost the race plans its batch again; a Redis reader
# that saw a writer commit meanwhile reads again, and at last under the writer lock.
_CONFLICT_RETRIES: Final = 20
_READ_RETRIES: Final = 3

_T = TypeVar("_T")


def _check_articles(articles: object) -> list[Article]:
    if isinstance(articles, str | bytes):
        raise InputError("add expects Article objects, got a string; build dedup.Article(...)")
    items: list[Article] = list(articles)  # type: ignore[call-overload]  # any iterable
    for position, item in enumerate(items):
        if not isinstance(item, Article):
            raise InputError(
                f"item {position} is a {type(item).__name__}, not an Article; build records "
                "with dedup.Article(id=..., text=...)"
            )
    unusable = [a.id for a in items if unicode_problem(a.id, "")]
    if unusable:
        # The id keys the stored article: one that cannot be encoded cannot be stored or
        # rejected by id (the scan rejects it without an id).
        raise InputError(
            f"{len(unusable)} article id(s) are not valid Unicode, e.g. {unusable[:3]!r} "
            "(lone surrogates: undecodable bytes?); decode the input with its real encoding"
        )
    repeated = sorted(i for i, n in Counter(a.id for a in items).items() if n > 1)
    if repeated:
        raise InputError(
            f"{len(repeated)} article id(s) occur more than once in the batch, e.g. "
            f"{repeated[:3]}; ids must be unique"
        )
    return items


class Index(IndexMaintenance):
    """A persistent, incremental duplicate and related-article index.

    Open one with :meth:`open`; it is a context manager. The same parameters hold for the
    index's whole life (stored at creation, checked on open). An ``Index`` object serves one
    thread; several processes or hosts can write to one index at once.

    Examples
    --------
    >>> import tempfile, os
    >>> from dedup import Article
    >>> story = "أعلنت وزارة النفط العراقية اليوم زيادة صادرات الخام عبر موانئ البصرة الجنوبية"
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with Index.open(os.path.join(folder, "news.db")) as index:
    ...         first = index.add(Article(id="a1", text=story, published_at="2024-05-01"))
    ...         copy = index.add(Article(id="a2", text="بغداد - " + story))
    >>> copy.duplicate_of, copy.relation, copy.cluster_id == first.cluster_id
    ('a1', 'near', True)
    """

    def __init__(self, store: Store, config: DedupConfig) -> None:
        unsupported = []
        if config.related.char_ngrams:
            unsupported.append("related.char_ngrams")
        if config.related.mmr_lambda < 1.0:
            unsupported.append("related.mmr_lambda < 1")
        if unsupported:
            raise ConfigError(
                f"the incremental index does not support {', '.join(unsupported)} yet; "
                "use dedup scan for those related-list settings"
            )
        self._store = store
        self.config = config
        self._token: int | None = None  # the store's data version the caches are valid for
        self._planner = BatchPlanner(config)
        self._closed = False

    # ------------------------------------------------------------------ life cycle

    @classmethod
    def open(
        cls,
        target: str | os.PathLike[str],
        *,
        config: DedupConfig | None = None,
        name: str = "default",
        lock_timeout: float = 60.0,
        create: bool = True,
    ) -> Index:
        """Open (or create) an index.

        Parameters
        ----------
        target
            A SQLite file path (created when missing), or a Redis URL
            (``redis://host:port/db``, also ``rediss://`` and ``unix://``).
        config
            Parameters of a new index. For an existing one, None uses the stored
            parameters; a config that differs raises :class:`~dedup.errors.ConfigError`.
        name
            Redis only: the index name (several can share a database).
        lock_timeout
            Seconds a writer waits for another writer; for Redis also the lock's lifetime
            (a killed writer blocks the others at most this long).
        create
            False: refuse a missing index instead of creating one (for readers, so that a
            mistyped path is an error rather than a new empty index). A Redis database
            without this index's meta data counts as missing.

        Raises
        ------
        IndexNotFoundError
            ``create`` is false and there is no index at ``target``.
        IndexFormatError
            The index was written in another format version, or is not an index.
        InputError
            ``target`` is a folder, a path in a folder that does not exist, a URL of an
            unsupported scheme, or a Redis URL that cannot be parsed.
        DedupError
            The Redis server does not answer.

        Examples
        --------
        >>> import tempfile, os
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Index.open(os.path.join(folder, "أخبار.db")) as index:
        ...         len(index)
        0
        """
        store = open_store(os.fspath(target), name=name, lock_timeout=lock_timeout, create=create)
        try:
            meta = store.meta()
            if not meta and not create:
                named = name if store.backend == "redis" else None
                raise IndexNotFoundError(not_found_message(store.location, named))
            if not meta:
                chosen = config or DedupConfig()
                meta = store.initialize(
                    {
                        "format_version": str(FORMAT_VERSION),
                        "config": json.dumps(chosen.to_dict(), sort_keys=True),
                        "config_fingerprint": chosen.fingerprint,
                        "created": datetime.now(UTC).isoformat(timespec="seconds"),
                        "next_num": "0",
                        "n_docs": "0",
                    }
                )
            check_format(meta, store.location)
            stored = _stored_config(meta, store.location)
            if config is not None and config.fingerprint != stored.fingerprint:
                raise ConfigError(
                    f"{store.location} was built with other parameters "
                    f"({_differences(stored, config)}); open it without a config to use its "
                    "own, or build a new index for the new parameters"
                )
            return cls(store, stored)
        except BaseException:
            store.close()
            raise

    def close(self) -> None:
        """Close the connection (the index stays on disk / in Redis); closing again is fine.

        Any later use of this object raises :class:`~dedup.errors.IndexClosedError`.
        """
        if not self._closed:
            self._closed = True
            self._store.close()

    def _check_open(self) -> None:
        if self._closed:
            raise IndexClosedError(
                f"{self.location}: this index is closed; open it again with Index.open, or "
                "use it inside its `with` block"
            )

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def location(self) -> str:
        """The SQLite path or Redis URL."""
        return self._store.location

    def __len__(self) -> int:
        """Number of stored articles."""
        return self._read(lambda reader: reader.counters()[1])

    def __contains__(self, article_id: object) -> bool:
        if not isinstance(article_id, str):
            return False
        return self._read(lambda reader: article_id in reader.nums_of([article_id]))

    def _sync_cache(self) -> int:
        self._planner.begin()
        token = self._store.data_version()
        if token != self._token or self._planner.oversized():
            self._planner.invalidate()
            self._token = token
        return token

    def _read(self, work: Callable[[StoreReader], _T]) -> _T:
        self._check_open()
        for _ in range(_READ_RETRIES):
            try:
                with self._store.reading() as reader:
                    self._sync_cache()
                    return work(reader)
            except ConflictError:  # Redis: a writer committed meanwhile
                continue
        # Writers keep committing: read under the writer lock (nothing is written).
        with self._store.writing() as (reader, _):
            self._sync_cache()
            return work(reader)

    def _write(self, work: Callable[[StoreReader, Callable[[Changes], None]], _T]) -> _T:
        self._check_open()
        for _ in range(_CONFLICT_RETRIES):
            try:
                return self._write_once(work)
            except ConflictError:
                continue
        raise DedupError(f"{self.location}: could not commit after {_CONFLICT_RETRIES} tries")

    def _write_once(self, work: Callable[[StoreReader, Callable[[Changes], None]], _T]) -> _T:
        committed: list[Changes] = []
        try:
            with self._store.writing() as (reader, commit):
                before = self._sync_cache()

                def tracked(changes: Changes) -> None:
                    commit(changes)
                    committed.append(changes)

                result = work(reader, tracked)
        except BaseException:
            self._token = None  # the caches may hold values of the batch that failed
            self._planner.invalidate()
            raise
        if committed:  # the transaction is committed: keep the cache in step with it
            for changes in committed:
                self._planner.update(changes)
            self._planner.committed()
            self._token = self._store.token_after_commit(before)
        return result

    # ------------------------------------------------------------------ public operations

    @overload
    def add(self, articles: Article) -> Match: ...

    @overload
    def add(self, articles: Iterable[Article]) -> list[Match]: ...

    def add(self, articles: Article | Iterable[Article]) -> Match | list[Match]:
        """Store articles and return what each one matches.

        The batch is one transaction: after a crash either all of it is stored or none. An
        id already stored is left as it is (adding is idempotent, so a batch can be retried)
        and its current match is returned.

        Parameters
        ----------
        articles
            One article, or a batch (faster per article).

        Returns
        -------
        Match or list of Match
            One per article, in input order, with the related list.

        Examples
        --------
        >>> import tempfile, os
        >>> from dedup import Article
        >>> body = ("افتتح وزير الصحة اليوم مستشفى جديدا في مدينة الموصل بسعة مئتي سرير "
        ...         "ويضم أقساما للطوارئ والجراحة وطب الأطفال وبلغت كلفته أربعين مليار دينار")
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Index.open(os.path.join(folder, "news.db")) as index:
        ...         matches = index.add([
        ...             Article(id="m1", text=body, published_at="2024-05-01T08:00:00Z"),
        ...             Article(id="m2", text=body + " وعشر غرف عمليات",
        ...                     published_at="2024-05-01T09:30:00Z")])
        >>> [(m.id, m.duplicate_of) for m in matches]
        [('m1', None), ('m2', 'm1')]
        """
        single = isinstance(articles, Article)
        items = _check_articles([articles] if isinstance(articles, Article) else articles)

        def work(reader: StoreReader, commit: Callable[[Changes], None]) -> dict[str, Rejected]:
            stored = reader.nums_of([a.id for a in items])
            fresh = [a for a in items if a.id not in stored]
            if not fresh:
                return {}
            plan = self._planner.plan(reader, fresh, [], now=time.time())
            if len(plan.rejected) < len(fresh):  # something to store
                commit(plan.changes)
            return plan.rejected

        rejected: dict[str, Rejected] = self._write(work)
        admitted = [a.id for a in items if a.id not in rejected]
        found = iter(self._read(lambda reader: self._matches(reader, admitted)))
        matches = [
            rejected_match(rejected[a.id]) if a.id in rejected else next(found) for a in items
        ]
        return matches[0] if single else matches

    def query(self, article: Article) -> Match:
        """What ``article`` would match if it were added; nothing is stored.

        A stored id gets its stored match (as :meth:`get`).

        Examples
        --------
        >>> import tempfile, os
        >>> from dedup import Article
        >>> body = "أعلن البنك المركزي اليوم خفض سعر الفائدة الرئيسي بنصف نقطة مئوية"
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Index.open(os.path.join(folder, "news.db")) as index:
        ...         _ = index.add(Article(id="b1", text=body, published_at="2024-05-01"))
        ...         match = index.query(Article(id="new", text="عاجل: " + body))
        ...         stored = len(index)
        >>> match.duplicate_of, stored
        ('b1', 1)
        """
        if not isinstance(article, Article):
            raise InputError(f"query expects one Article, got {type(article).__name__}")

        def work(reader: StoreReader) -> Match:
            if reader.nums_of([article.id]):
                return self._matches(reader, [article.id])[0]
            plan = self._planner.plan(reader, [article], [], now=time.time())
            if article.id in plan.rejected:
                return rejected_match(plan.rejected[article.id])
            num = plan.changes.next_num - 1
            return self._matches(reader, [num], plan=plan)[0]

        result: Match = self._read(work)
        return result

    def get(self, article_id: str) -> Match | None:
        """The current match of a stored article (None when it is not stored).

        Examples
        --------
        >>> import tempfile, os
        >>> from dedup import Article
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Index.open(os.path.join(folder, "news.db")) as index:
        ...         _ = index.add(Article(id="g1", text="هطلت أمطار غزيرة على جدة صباح اليوم"))
        ...         found, missing = index.get("g1"), index.get("غير-موجود")
        >>> found.duplicate_of, missing
        (None, None)
        """

        def work(reader: StoreReader) -> Match | None:
            if not reader.nums_of([article_id]):
                return None
            return self._matches(reader, [article_id])[0]

        result: Match | None = self._read(work)
        return result

    def stored(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are stored (one read; :meth:`add` leaves those as they are).

        Examples
        --------
        >>> import tempfile, os
        >>> from dedup import Article
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Index.open(os.path.join(folder, "news.db")) as index:
        ...         _ = index.add(Article(id="k1", text="انطلاق معرض الكتاب في الرياض"))
        ...         index.stored(["k1", "k2"])
        {'k1'}
        """
        if isinstance(ids, str):
            raise InputError(
                "stored expects a collection of ids, got one string; wrap it in a list"
            )
        wanted = list(dict.fromkeys(ids))
        return self._read(lambda reader: set(reader.nums_of(wanted)))

    # ------------------------------------------------------------------ matches and related

    def _matches(
        self, reader: StoreReader, keys: Sequence[str | int], *, plan: Plan | None = None
    ) -> list[Match]:
        """Matches of stored ids, or (with a plan) of planned article numbers."""
        subjects = read_subjects(reader, keys, plan)
        names = names_of(reader, subjects)
        df_overlay = plan.changes.doc_freqs if plan else {}
        n_docs = plan.changes.n_docs if plan else None
        related = self._planner.related.lists(
            reader, queries_of(subjects), subjects.overlay, df_overlay, n_docs
        )
        return [
            match_of(subjects.records[num], subjects.edges.get(num, []), names, items)
            for num, items in zip(subjects.nums, related, strict=True)
        ]


def _stored_config(meta: dict[str, str], location: str) -> DedupConfig:
    try:
        config = DedupConfig.from_dict(json.loads(meta["config"]))
    except (KeyError, ValueError, TypeError) as error:
        raise IndexFormatError(
            f"{location}: the stored parameters cannot be read by this dedup release "
            f"({error}); rebuild the index"
        ) from error
    if config.fingerprint != meta.get("config_fingerprint"):
        raise IndexFormatError(
            f"{location}: the stored parameters were written by another dedup release "
            "(their fingerprint differs); rebuild the index"
        )
    return config


def _differences(stored: DedupConfig, given: DedupConfig) -> str:
    old, new = stored.flat_dict(), given.flat_dict()
    changed = [
        f"{k}: index {old[k]!r}, given {new[k]!r}" for k in sorted(old) if old[k] != new.get(k)
    ]
    return "; ".join(changed) or "fingerprints differ"
