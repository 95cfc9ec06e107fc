"""Persistence of the incremental index: one logical layout, two backends.

:class:`dedup.index.api.Index` holds the logic (what an added article matches, which clusters
change); this module only stores and fetches. Every write of a batch goes through one
:class:`Changes` object applied atomically, so a process killed in the middle of a batch
leaves the previous state intact:

* :class:`SQLiteStore`, the embedded default: one file in WAL mode. A batch is one
  ``BEGIN IMMEDIATE`` transaction (readers go on meanwhile; a second writer waits for the
  lock, up to ``lock_timeout``), a query one read transaction (a consistent snapshot).
* :class:`RedisStore`, shared between hosts: every key starts with ``dedup:{name}:`` (the
  braces are a Redis Cluster hash tag, so one index lives in one slot and ``MULTI/EXEC``
  spans it). A writer takes a lock (``SET NX PX`` with a random token), ``WATCH``-es the lock
  and the version counter, reads, and commits the whole batch in one ``MULTI/EXEC``; if its
  lock expired and another writer committed meanwhile, ``EXEC`` fails and the batch is
  planned again. A reader retries when the version counter moved while it read.

Logical layout (SQLite table / Redis structure under the prefix):

=============  ===============================================  ===============================
what           SQLite                                           Redis
=============  ===============================================  ===============================
meta           ``meta(key, value)``                             hash ``meta``; ``version``
article        ``articles`` row (scalars first, lines last)     buckets ``A``: num → JSON
id → num       unique index on ``articles.id``                  buckets ``I``: id → num
lines          ``articles.lines`` (zlib)                        buckets ``T``: num → zlib
signature      ``signatures(num, sig)``                         buckets ``S``: num → uint32s
term vector    ``vectors(num, terms)``                          buckets ``V``: num → bytes
LSH bucket     ``buckets(band, value, num)``                    buckets ``B``: band+value →
                                                                packed nums
verified pair  ``edges(a, b, jaccard, containment, relation)``  buckets ``E``: num → packed
               (both directions)                                edges
line context   ``line_contexts(key, context, n)``               buckets ``C``
line count     ``line_counts(key, n)``                          buckets ``N``
line → nums    ``line_refs(key, num)``                          buckets ``R``: key → packed
document freq  ``doc_freqs(term, n)``                           buckets ``D``
postings       ``postings(term, num)``                          set ``p:<term>``
eviction time  ``articles.evict_ts`` (indexed)                  sorted set ``t``
=============  ===============================================  ===============================

Redis keeps maps in *hash buckets*: ``2**bits`` small hashes per map rather than one key
per entry, since Redis stores a hash of up to 128 fields of up to 64 bytes as one compact
listpack (a few bytes of overhead per field, against about 70 for a key of its own). Values
changed by read-modify-write (packed ``uint32`` numbers, edge lists) are only written under
the writer lock, from values read under it.

Nothing is pickled: records are JSON, arrays raw little-endian numpy bytes, and the format
version is checked on open (:class:`~dedup.errors.IndexFormatError`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import time
import uuid
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from dedup.errors import DedupError, IndexFormatError

__all__ = [
    "BLOB_KINDS",
    "FORMAT_VERSION",
    "Changes",
    "ClusterFields",
    "ConflictError",
    "Edge",
    "Record",
    "RedisStore",
    "SQLiteStore",
    "Store",
    "StoreReader",
    "check_format",
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
    def integrity_problems(self) -> list[str]:
        """Backend-level damage (empty when none)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""


def open_store(target: str, *, name: str = "default", lock_timeout: float = 60.0) -> Store:
    """A SQLite file path, or a ``redis://``, ``rediss://`` or ``unix://`` URL."""
    if target.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(target, name=name, lock_timeout=lock_timeout)
    return SQLiteStore(target, lock_timeout=lock_timeout)


def check_format(meta: dict[str, str], location: str) -> None:
    """Raise :class:`IndexFormatError` unless ``meta`` was written in this format version."""
    found = meta.get("format_version")
    if found != str(FORMAT_VERSION):
        raise IndexFormatError(
            f"{location}: index format version {found}, but this dedup reads version "
            f"{FORMAT_VERSION}. Rebuild the index from the articles with `dedup index add`, "
            "or open it with the dedup release that wrote it."
        )


def _record_json(record: Record) -> bytes:
    c = record.cluster
    return json.dumps(
        [
            record.num,
            record.id,
            record.published_ts,
            record.added_ts,
            record.text_len,
            record.source,
            record.size,
            record.norm,
            [c.canonical, c.similarity, c.containment, c.relation, c.via],
            record.dropped.hex(),
        ],
        ensure_ascii=False,
    ).encode("utf-8")


def _record_from_json(data: bytes) -> Record:
    num, article_id, published, added, text_len, source, size, norm, cluster, dropped = json.loads(
        data
    )
    return Record(
        num,
        article_id,
        published,
        added,
        text_len,
        source,
        size,
        norm,
        ClusterFields(*cluster),
        bytes.fromhex(dropped),
    )


def _pack_nums(nums: Collection[int]) -> bytes:
    return np.array(sorted(nums), dtype="<u4").tobytes()


def _unpack_nums(data: bytes | None) -> list[int]:
    return np.frombuffer(data, dtype="<u4").tolist() if data else []


_EDGE_DTYPE = np.dtype([("b", "<u4"), ("jaccard", "<f8"), ("containment", "<f8"), ("rel", "u1")])
EdgeMap = dict[int, tuple[float, float, int]]


def _pack_edges(edges: EdgeMap) -> bytes:
    rows = [(other, *value) for other, value in sorted(edges.items())]
    return np.array(rows, dtype=_EDGE_DTYPE).tobytes()


def _unpack_edges(data: bytes | None) -> EdgeMap:
    if not data:
        return {}
    array = np.frombuffer(data, dtype=_EDGE_DTYPE)
    return {
        b: (j, c, r)
        for b, j, c, r in zip(
            array["b"].tolist(),
            array["jaccard"].tolist(),
            array["containment"].tolist(),
            array["rel"].tolist(),
            strict=True,
        )
    }


# ---------------------------------------------------------------------------
# SQLite

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    # Small columns first: a read of them never touches the overflow pages of ``lines``.
    "CREATE TABLE IF NOT EXISTS articles(num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
    "published_ts REAL, added_ts REAL NOT NULL, evict_ts REAL NOT NULL, "
    "text_len INTEGER NOT NULL, source TEXT NOT NULL, size INTEGER NOT NULL, "
    "norm REAL NOT NULL, canonical INTEGER NOT NULL, similarity REAL NOT NULL, "
    "containment REAL NOT NULL, relation INTEGER NOT NULL, via INTEGER NOT NULL, "
    "dropped BLOB NOT NULL, lines BLOB NOT NULL)",
    "CREATE INDEX IF NOT EXISTS articles_evict ON articles(evict_ts)",
    "CREATE TABLE IF NOT EXISTS signatures(num INTEGER PRIMARY KEY, sig BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS vectors(num INTEGER PRIMARY KEY, terms BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS buckets(band INTEGER, value INTEGER, num INTEGER, "
    "PRIMARY KEY(band, value, num)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS edges(a INTEGER, b INTEGER, jaccard REAL NOT NULL, "
    "containment REAL NOT NULL, relation INTEGER NOT NULL, PRIMARY KEY(a, b)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS line_contexts(key INTEGER, context INTEGER, "
    "n INTEGER NOT NULL, PRIMARY KEY(key, context)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS line_counts(key INTEGER PRIMARY KEY, n INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS line_refs(key INTEGER, num INTEGER, PRIMARY KEY(key, num)) "
    "WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS doc_freqs(term INTEGER PRIMARY KEY, n INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS postings(term INTEGER, num INTEGER, PRIMARY KEY(term, num)) "
    "WITHOUT ROWID",
)
_RECORD_COLUMNS = (
    "num, id, published_ts, added_ts, text_len, source, size, norm, canonical, similarity, "
    "containment, relation, via, dropped"
)
_BLOB_SQL = {
    "signature": ("signatures", "sig"),
    "lines": ("articles", "lines"),
    "vector": ("vectors", "terms"),
}
# SQLite allows 32,766 bound parameters (since 3.32); stay well under it.
_CHUNK = 4096


def _record_from_row(row: Sequence[Any]) -> Record:
    return Record(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        row[7],
        ClusterFields(row[8], row[9], row[10], row[11], row[12]),
        row[13],
    )


# Sub-selects per compound SELECT (SQLite's SQLITE_MAX_COMPOUND_SELECT is 500).
_COMPOUND: Final = 400


class _SQLiteReader(StoreReader):
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def _in(self, sql: str, values: Collection[Any]) -> list[Any]:
        items = list(values)
        rows: list[Any] = []
        for start in range(0, len(items), _CHUNK):
            chunk = items[start : start + _CHUNK]
            rows.extend(self._db.execute(sql.format(",".join("?" * len(chunk))), chunk))
        return rows

    def counters(self) -> tuple[int, int]:
        values = dict(
            self._db.execute("SELECT key, value FROM meta WHERE key IN ('next_num', 'n_docs')")
        )
        return int(values.get("next_num", 0)), int(values.get("n_docs", 0))

    def nums_of(self, ids: Collection[str]) -> dict[str, int]:
        return dict(self._in("SELECT id, num FROM articles WHERE id IN ({})", ids))

    def records(self, nums: Collection[int]) -> dict[int, Record]:
        rows = self._in(f"SELECT {_RECORD_COLUMNS} FROM articles WHERE num IN ({{}})", nums)
        return {row[0]: _record_from_row(row) for row in rows}

    def blobs(self, kind: str, nums: Collection[int]) -> dict[int, bytes]:
        table, column = _BLOB_SQL[kind]
        return dict(self._in(f"SELECT num, {column} FROM {table} WHERE num IN ({{}})", nums))

    def bucket_members(
        self, queries: I64Array, bands: I64Array, values: I64Array
    ) -> tuple[I64Array, I64Array]:
        db = self._db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS probe(q INTEGER, band INTEGER, value INTEGER)")
        db.executemany(
            "INSERT INTO probe VALUES (?, ?, ?)",
            zip(queries.tolist(), bands.tolist(), values.tolist(), strict=True),
        )
        rows = db.execute(
            "SELECT probe.q, buckets.num FROM probe JOIN buckets "
            "ON buckets.band = probe.band AND buckets.value = probe.value"
        ).fetchall()
        db.execute("DELETE FROM probe")
        array = np.array(rows, dtype=np.int64).reshape(-1, 2)
        return array[:, 0], array[:, 1]

    def edges(self, nums: Collection[int]) -> dict[int, list[Edge]]:
        found: dict[int, list[Edge]] = defaultdict(list)
        for row in self._in(
            "SELECT a, b, jaccard, containment, relation FROM edges WHERE a IN ({})", nums
        ):
            found[row[0]].append(Edge(*row))
        return dict(found)

    def line_contexts(self, pairs: Collection[tuple[int, int]]) -> dict[tuple[int, int], int]:
        wanted = set(pairs)
        keys = {key for key, _ in wanted}
        rows = self._in("SELECT key, context, n FROM line_contexts WHERE key IN ({})", keys)
        return {(k, c): n for k, c, n in rows if (k, c) in wanted}

    def line_counts(self, keys: Collection[int]) -> dict[int, int]:
        return dict(self._in("SELECT key, n FROM line_counts WHERE key IN ({})", keys))

    def line_refs(self, keys: Collection[int]) -> dict[int, list[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        for key, num in self._in("SELECT key, num FROM line_refs WHERE key IN ({})", keys):
            found[key].append(num)
        return dict(found)

    def doc_freqs(self, terms: Collection[int]) -> dict[int, int]:
        return dict(self._in("SELECT term, n FROM doc_freqs WHERE term IN ({})", terms))

    def all_doc_freqs(self) -> tuple[I64Array, I64Array]:
        rows = self._db.execute("SELECT term, n FROM doc_freqs ORDER BY term").fetchall()
        table = np.array(rows, dtype=np.int64).reshape(-1, 2)
        return table[:, 0].copy(), table[:, 1].copy()

    def postings(self, terms: Collection[int], limit: int | None = None) -> dict[int, I64Array]:
        if limit is not None:
            # One range scan of the (term, num) key per term, from its end; up to
            # _COMPOUND terms per statement (SQLite's limit on a compound SELECT is 500).
            items = list(terms)
            part = (
                "SELECT * FROM (SELECT term, num FROM postings WHERE term = ? "
                "ORDER BY num DESC LIMIT ?)"
            )
            rows: list[Any] = []
            for start in range(0, len(items), _COMPOUND):
                chunk = items[start : start + _COMPOUND]
                sql = " UNION ALL ".join([part] * len(chunk))
                rows.extend(self._db.execute(sql, [v for t in chunk for v in (t, limit)]))
        else:
            rows = self._in(
                "SELECT term, num FROM postings WHERE term IN ({}) ORDER BY term, num", terms
            )
        if not rows:
            return {}
        array = np.array(rows, dtype=np.int64)
        if limit is not None:
            array = array[np.lexsort((array[:, 1], array[:, 0]))]
        starts = np.flatnonzero(np.r_[True, array[1:, 0] != array[:-1, 0]])
        return {
            int(array[s, 0]): array[s:e, 1]
            for s, e in zip(starts.tolist(), [*starts[1:].tolist(), len(array)], strict=True)
        }

    def evictable(self, before: float) -> list[int]:
        rows = self._db.execute("SELECT num FROM articles WHERE evict_ts < ?", (before,))
        return [row[0] for row in rows]

    def all_records(self) -> list[Record]:
        rows = self._db.execute(f"SELECT {_RECORD_COLUMNS} FROM articles ORDER BY num")
        return [_record_from_row(row) for row in rows]

    def all_signatures(self) -> dict[int, bytes]:
        return dict(self._db.execute("SELECT num, sig FROM signatures"))

    def edge_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM edges").fetchone()[0]) // 2


class SQLiteStore(Store):
    """The embedded backend: one SQLite file in WAL mode.

    Parameters
    ----------
    path
        The database file (created when missing).
    lock_timeout
        Seconds a writer waits for another writer's batch to finish.
    """

    backend = "sqlite"

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float = 60.0) -> None:
        self.location = os.fspath(path)
        # isolation_level=None: every transaction below is begun and ended explicitly.
        self._db = sqlite3.connect(self.location, timeout=lock_timeout, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a committed batch survives a killed process (the WAL is in
            # the OS page cache); a power cut may lose the last batches, never corrupt.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache
            self._db.execute("PRAGMA temp_store=MEMORY")
            self._db.execute("PRAGMA wal_autocheckpoint=10000")
            self._db.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA:
                self._db.execute(statement)
            self._db.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise IndexFormatError(
                f"{self.location}: not a dedup index (SQLite: {error}). Give the path of an "
                "index file, or a new path to create one."
            ) from error
        except BaseException:
            self._db.close()
            raise

    def meta(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM meta"))

    def initialize(self, meta: dict[str, str]) -> dict[str, str]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if not self._db.execute("SELECT 1 FROM meta LIMIT 1").fetchone():
                self._db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return self.meta()

    @contextlib.contextmanager
    def reading(self) -> Iterator[StoreReader]:
        self._db.execute("BEGIN")
        try:
            yield _SQLiteReader(self._db)
        finally:
            self._db.execute("COMMIT")

    @contextlib.contextmanager
    def writing(self) -> Iterator[tuple[StoreReader, Callable[[Changes], None]]]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise DedupError(
                f"{self.location}: another writer held the index too long ({error}); retry, "
                "or open it with a longer lock_timeout"
            ) from error
        committed = False

        def commit(changes: Changes) -> None:
            nonlocal committed
            self._apply(changes)
            committed = True

        try:
            yield _SQLiteReader(self._db), commit
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT" if committed else "ROLLBACK")

    def _apply(self, changes: Changes) -> None:
        db = self._db
        gone = [(num,) for num in changes.deleted]
        for table in ("articles", "signatures", "vectors"):
            db.executemany(f"DELETE FROM {table} WHERE num = ?", gone)
        lines = changes.blobs["lines"]
        db.executemany(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(num) DO UPDATE SET size = excluded.size, dropped = excluded.dropped, "
            "canonical = excluded.canonical, similarity = excluded.similarity, "
            "containment = excluded.containment, relation = excluded.relation, "
            "via = excluded.via",
            [
                (
                    r.num,
                    r.id,
                    r.published_ts,
                    r.added_ts,
                    r.evict_ts,
                    r.text_len,
                    r.source,
                    r.size,
                    r.norm,
                    r.cluster.canonical,
                    r.cluster.similarity,
                    r.cluster.containment,
                    r.cluster.relation,
                    r.cluster.via,
                    r.dropped,
                    lines.get(r.num, b""),
                )
                for r in changes.records.values()
            ],
        )
        db.executemany(
            "UPDATE articles SET canonical = ?, similarity = ?, containment = ?, relation = ?, "
            "via = ? WHERE num = ?",
            [
                (c.canonical, c.similarity, c.containment, c.relation, c.via, num)
                for num, c in changes.clusters.items()
            ],
        )
        db.executemany(
            "INSERT OR REPLACE INTO signatures VALUES (?, ?)", changes.blobs["signature"].items()
        )
        db.executemany(
            "INSERT OR REPLACE INTO vectors VALUES (?, ?)", changes.blobs["vector"].items()
        )
        db.executemany(
            "DELETE FROM buckets WHERE band = ? AND value = ? AND num = ?", changes.bucket_remove
        )
        db.executemany("INSERT OR IGNORE INTO buckets VALUES (?, ?, ?)", changes.bucket_add)
        db.executemany(
            "DELETE FROM edges WHERE a = ? AND b = ?",
            [pair for a, b in changes.edge_remove for pair in ((a, b), (b, a))],
        )
        db.executemany(
            "INSERT OR REPLACE INTO edges VALUES (?, ?, ?, ?, ?)",
            [
                row
                for e in changes.edge_add
                for row in (
                    (e.a, e.b, e.jaccard, e.containment, e.relation),
                    (e.b, e.a, e.jaccard, e.containment, e.relation),
                )
            ],
        )
        _put_counts(db, "line_contexts", "key = ? AND context = ?", changes.line_contexts)
        _put_counts(db, "line_counts", "key = ?", {(k,): n for k, n in changes.line_counts.items()})
        _put_counts(db, "doc_freqs", "term = ?", {(t,): n for t, n in changes.doc_freqs.items()})
        db.executemany("DELETE FROM line_refs WHERE key = ? AND num = ?", changes.ref_remove)
        db.executemany("INSERT OR IGNORE INTO line_refs VALUES (?, ?)", changes.ref_add)
        db.executemany("DELETE FROM postings WHERE term = ? AND num = ?", changes.posting_remove)
        db.executemany("INSERT OR IGNORE INTO postings VALUES (?, ?)", changes.posting_add)
        db.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [("next_num", str(changes.next_num)), ("n_docs", str(changes.n_docs))],
        )

    def data_version(self) -> int:
        # Changes when another connection commits; this connection's own commits leave it.
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def token_after_commit(self, before: int) -> int:
        return before

    def size_bytes(self) -> int | None:
        # The pages in use: the file's size once the WAL is checkpointed, without free pages.
        pages = self._db.execute("PRAGMA page_count").fetchone()[0]
        free = self._db.execute("PRAGMA freelist_count").fetchone()[0]
        return int((pages - free) * self._db.execute("PRAGMA page_size").fetchone()[0])

    def integrity_problems(self) -> list[str]:
        rows = [row[0] for row in self._db.execute("PRAGMA integrity_check")]
        return [] if rows == ["ok"] else [f"SQLite integrity_check: {row}" for row in rows]

    def close(self) -> None:
        self._db.close()


def _put_counts(db: sqlite3.Connection, table: str, where: str, values: dict[Any, int]) -> None:
    db.executemany(f"DELETE FROM {table} WHERE {where}", [k for k, n in values.items() if n <= 0])
    rows = [(*key, n) for key, n in values.items() if n > 0]
    if rows:
        marks = ", ".join("?" * len(rows[0]))
        db.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", rows)


# ---------------------------------------------------------------------------
# Redis

# Maps keyed by article number keep 64 consecutive numbers per hash (a batch of new articles
# writes few hashes). Maps keyed by a hash of the field use 2**bits buckets, so that at about
# 100k articles a bucket holds some tens of fields (32 band keys and ~15 lines an article),
# under the 128 fields up to which Redis keeps a hash as one compact listpack.
_NUM_MAPS: Final = frozenset({b"A", b"T", b"S", b"V", b"E"})
_NUM_SHIFT: Final = 6
_BUCKET_BITS: Final = {b"I": 12, b"B": 15, b"C": 14, b"N": 14, b"R": 14, b"D": 14}
_BLOB_MAPS: Final = {"signature": b"S", "lines": b"T", "vector": b"V"}
_LOCK_RELEASE: Final = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
)
_CREATE_META: Final = (
    "if redis.call('exists', KEYS[1]) == 0 then redis.call('hset', KEYS[1], unpack(ARGV)) "
    "return 1 end return 0"
)
# One call reads fields spread over many hashes (one command instead of one per hash).
_HGET_MANY: Final = (
    "local out = {} for i, key in ipairs(KEYS) do out[i] = redis.call('hget', key, ARGV[i]) end "
    "return out"
)
# Fields per _HGET_MANY call: bounds the time one call holds the server.
_HGET_CHUNK: Final = 20_000


def _bucket_of(map_name: bytes, name: bytes) -> bytes:
    if map_name in _NUM_MAPS:
        bucket = int.from_bytes(name, "little") >> _NUM_SHIFT
        return map_name + bucket.to_bytes(4, "little")
    digest = hashlib.blake2b(name, digest_size=4).digest()
    bucket = int.from_bytes(digest, "little") & ((1 << _BUCKET_BITS[map_name]) - 1)
    return map_name + bucket.to_bytes(2, "little")


def _num4(num: int) -> bytes:
    return int(num).to_bytes(4, "little")


def _key8(key: int) -> bytes:
    return int(key).to_bytes(8, "little", signed=True)


def _band_field(band: int, value: int) -> bytes:
    return int(band).to_bytes(2, "little") + _key8(value)


def _context_field(key: int, context: int) -> bytes:
    return _key8(key) + int(context).to_bytes(4, "little")


class _RedisReader(StoreReader):
    def __init__(self, store: RedisStore) -> None:
        self._store = store
        self._redis = store.client
        self._prefix = store.prefix

    def hget_many(self, map_name: bytes, names: Sequence[bytes]) -> list[bytes | None]:
        """Values of hash-bucketed fields, in order, in one round trip."""
        found: list[bytes | None] = []
        for start in range(0, len(names), _HGET_CHUNK):
            chunk = names[start : start + _HGET_CHUNK]
            keys = [self._prefix + _bucket_of(map_name, name) for name in chunk]
            values = self._store.hget_script(keys=keys, args=list(chunk))
            found.extend(values)
        return found

    def _by_num(self, map_name: bytes, nums: Collection[int]) -> dict[int, bytes]:
        items = list(nums)
        values = self.hget_many(map_name, [_num4(n) for n in items])
        return {n: v for n, v in zip(items, values, strict=True) if v is not None}

    def _counts(self, map_name: bytes, items: list[Any], names: list[bytes]) -> dict[Any, int]:
        values = self.hget_many(map_name, names)
        return {item: int(v) for item, v in zip(items, values, strict=True) if v is not None}

    def counters(self) -> tuple[int, int]:
        values: list[Any] = self._redis.hmget(self._prefix + b"meta", ["next_num", "n_docs"])
        return int(values[0] or 0), int(values[1] or 0)

    def nums_of(self, ids: Collection[str]) -> dict[str, int]:
        items = list(ids)
        return self._counts(b"I", items, [i.encode("utf-8") for i in items])

    def records(self, nums: Collection[int]) -> dict[int, Record]:
        return {n: _record_from_json(v) for n, v in self._by_num(b"A", nums).items()}

    def blobs(self, kind: str, nums: Collection[int]) -> dict[int, bytes]:
        return self._by_num(_BLOB_MAPS[kind], nums)

    def bucket_members(
        self, queries: I64Array, bands: I64Array, values: I64Array
    ) -> tuple[I64Array, I64Array]:
        names = [_band_field(b, v) for b, v in zip(bands.tolist(), values.tolist(), strict=True)]
        labels: list[I64Array] = [np.empty(0, dtype=np.int64)]
        members: list[I64Array] = [np.empty(0, dtype=np.int64)]
        for query, data in zip(queries.tolist(), self.hget_many(b"B", names), strict=True):
            if data:
                nums = np.frombuffer(data, dtype="<u4").astype(np.int64)
                members.append(nums)
                labels.append(np.full(len(nums), query, dtype=np.int64))
        return np.concatenate(labels), np.concatenate(members)

    def edges(self, nums: Collection[int]) -> dict[int, list[Edge]]:
        return {
            num: [Edge(num, b, *value) for b, value in _unpack_edges(data).items()]
            for num, data in self._by_num(b"E", nums).items()
            if data
        }

    def line_contexts(self, pairs: Collection[tuple[int, int]]) -> dict[tuple[int, int], int]:
        items = list(pairs)
        return self._counts(b"C", items, [_context_field(k, c) for k, c in items])

    def line_counts(self, keys: Collection[int]) -> dict[int, int]:
        items = list(keys)
        return self._counts(b"N", items, [_key8(k) for k in items])

    def line_refs(self, keys: Collection[int]) -> dict[int, list[int]]:
        items = list(keys)
        values = self.hget_many(b"R", [_key8(k) for k in items])
        return {k: _unpack_nums(v) for k, v in zip(items, values, strict=True) if v}

    def doc_freqs(self, terms: Collection[int]) -> dict[int, int]:
        items = list(terms)
        return self._counts(b"D", items, [_num4(t) for t in items])

    def all_doc_freqs(self) -> tuple[I64Array, I64Array]:
        found = self._all_buckets(b"D")
        terms = np.array([int.from_bytes(k, "little") for b in found for k in b], dtype=np.int64)
        counts = np.array([int(v) for b in found for v in b.values()], dtype=np.int64)
        order = np.argsort(terms, kind="stable")
        return terms[order], counts[order]

    def postings(self, terms: Collection[int], limit: int | None = None) -> dict[int, I64Array]:
        items = list(terms)
        pipe = self._redis.pipeline(transaction=False)
        for term in items:
            pipe.smembers(self._prefix + b"p:%d" % term)
        first = -limit if limit else 0  # the latest added: the highest numbers
        return {
            term: np.array(sorted(int(n) for n in members), dtype=np.int64)[first:]
            for term, members in zip(items, pipe.execute(), strict=True)
            if members
        }

    def evictable(self, before: float) -> list[int]:
        # redis-py types its replies as a union of sync and async results.
        found: list[bytes] = self._redis.zrangebyscore(  # type: ignore[assignment]
            self._prefix + b"t", "-inf", f"({before!r}"
        )
        return [int(n) for n in found]

    def _all_buckets(self, map_name: bytes) -> list[dict[bytes, bytes]]:
        """Every hash bucket of a map (the key layout of :func:`_bucket_of`)."""
        if map_name in _NUM_MAPS:
            names = [b.to_bytes(4, "little") for b in range((self.counters()[0] >> _NUM_SHIFT) + 1)]
        else:
            names = [b.to_bytes(2, "little") for b in range(1 << _BUCKET_BITS[map_name])]
        pipe = self._redis.pipeline(transaction=False)
        for name in names:
            pipe.hgetall(self._prefix + map_name + name)
        result: list[dict[bytes, bytes]] = pipe.execute()
        return result

    def all_records(self) -> list[Record]:
        records = [_record_from_json(v) for b in self._all_buckets(b"A") for v in b.values()]
        return sorted(records, key=lambda r: r.num)

    def all_signatures(self) -> dict[int, bytes]:
        return {
            int.from_bytes(k, "little"): v for b in self._all_buckets(b"S") for k, v in b.items()
        }

    def edge_count(self) -> int:
        size = _EDGE_DTYPE.itemsize
        return sum(len(v) // size for b in self._all_buckets(b"E") for v in b.values()) // 2


class RedisStore(Store):
    """The shared backend: one Redis database, keys under ``dedup:{name}:``.

    Parameters
    ----------
    url
        ``redis://host:port/db`` (also ``rediss://`` and ``unix://``).
    name
        Several indexes can share a database under different names.
    lock_timeout
        Seconds a writer waits for the lock, and the lock's time to live: a writer killed
        while holding it blocks the others for at most this long.
    """

    backend = "redis"

    def __init__(self, url: str, *, name: str = "default", lock_timeout: float = 60.0) -> None:
        import redis

        if not name or any(char in name for char in "{}: "):
            raise DedupError(
                f"index name {name!r}: use a non-empty name without braces, colons or spaces"
            )
        self.location = url
        self.prefix = f"dedup:{{{name}}}:".encode()
        self.lock_timeout = lock_timeout
        self._watch_error = redis.WatchError
        self.client = redis.Redis.from_url(url)
        try:
            self.client.ping()
        except redis.RedisError as error:
            self.client.close()
            raise DedupError(
                f"cannot reach Redis at {url}: {error}. Start redis-server or fix the URL."
            ) from error
        self._release = self.client.register_script(_LOCK_RELEASE)
        self.hget_script = self.client.register_script(_HGET_MANY)
        self._committed_version = 0

    def meta(self) -> dict[str, str]:
        # redis-py types its replies as a union of sync and async results.
        raw: dict[bytes, bytes] = self.client.hgetall(self.prefix + b"meta")  # type: ignore[assignment]
        return {k.decode(): v.decode() for k, v in raw.items()}

    def initialize(self, meta: dict[str, str]) -> dict[str, str]:
        # One script: either this process writes the whole meta map, or another one did.
        fields = [item for pair in meta.items() for item in pair]
        self.client.eval(_CREATE_META, 1, self.prefix + b"meta", *fields)
        return self.meta()

    def version(self) -> int:
        """The write counter (incremented by every committed batch)."""
        return int(self.client.get(self.prefix + b"version") or 0)

    def data_version(self) -> int:
        return self.version()

    def token_after_commit(self, before: int) -> int:
        return self._committed_version

    @contextlib.contextmanager
    def reading(self) -> Iterator[StoreReader]:
        before = self.version()
        yield _RedisReader(self)
        if self.version() != before:
            raise ConflictError("the index changed while it was read")

    def _acquire(self) -> bytes:
        token = uuid.uuid4().hex.encode()
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.001
        while not self.client.set(
            self.prefix + b"lock", token, nx=True, px=max(1, int(self.lock_timeout * 1000))
        ):
            if time.monotonic() > deadline:
                raise DedupError(
                    f"{self.location}: the writer lock was held for more than "
                    f"{self.lock_timeout:g} s; another writer is busy or was killed (its lock "
                    "expires by itself). Retry, or open the index with a longer lock_timeout."
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        return token

    @contextlib.contextmanager
    def writing(self) -> Iterator[tuple[StoreReader, Callable[[Changes], None]]]:
        token = self._acquire()
        try:
            with self.client.pipeline(transaction=True) as pipe:
                # redis-py leaves Pipeline.watch unannotated.
                pipe.watch(self.prefix + b"lock", self.prefix + b"version")  # type: ignore[no-untyped-call]

                def commit(changes: Changes) -> None:
                    writes = self._writes(changes)
                    pipe.multi()
                    for method, args in writes:
                        getattr(pipe, method)(*args)
                    pipe.incr(self.prefix + b"version")
                    try:
                        self._committed_version = int(pipe.execute()[-1])
                    except self._watch_error as error:
                        raise ConflictError("another writer committed meanwhile") from error

                yield _RedisReader(self), commit
        finally:
            self._release(keys=[self.prefix + b"lock"], args=[token])

    def _writes(self, changes: Changes) -> list[tuple[str, tuple[Any, ...]]]:
        """The commands of one batch; read-modify-write values are read here, under the lock."""
        p = self.prefix
        reader = _RedisReader(self)
        writes: list[tuple[str, tuple[Any, ...]]] = []
        # Field writes are grouped per hash: one HSET / HDEL per hash touched.
        sets: dict[bytes, dict[bytes, bytes | int]] = defaultdict(dict)
        deletes: dict[bytes, set[bytes]] = defaultdict(set)

        def put(map_name: bytes, name: bytes, value: bytes | int | None) -> None:
            key = p + _bucket_of(map_name, name)
            if value is None:
                sets[key].pop(name, None)
                deletes[key].add(name)
            else:
                deletes[key].discard(name)
                sets[key][name] = value

        for num, record in changes.deleted.items():
            writes.append(("zrem", (p + b"t", num)))
            put(b"I", record.id.encode("utf-8"), None)
            for map_name in (b"A", b"T", b"S", b"V", b"E"):
                put(map_name, _num4(num), None)
        records = dict(changes.records)
        missing = [n for n in changes.clusters if n not in records]
        current = reader.records(missing)
        for num, cluster in changes.clusters.items():
            base = records.get(num) or current.get(num)
            if base is not None:
                records[num] = replace(base, cluster=cluster)
        for num, record in records.items():
            put(b"A", _num4(num), _record_json(record))
            writes.append(("zadd", (p + b"t", {str(num): record.evict_ts})))
            put(b"I", record.id.encode("utf-8"), num)
        for kind, values in changes.blobs.items():
            for num, data in values.items():
                put(_BLOB_MAPS[kind], _num4(num), data)

        # Packed-number maps: band buckets and line references.
        for map_name, adds, removes in (
            (b"B", changes.bucket_add, changes.bucket_remove),
            (b"R", changes.ref_add, changes.ref_remove),
        ):
            delta: dict[bytes, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
            for item in adds:
                delta[_band_field(*item[:2]) if map_name == b"B" else _key8(item[0])][0].add(
                    item[-1]
                )
            for item in removes:
                delta[_band_field(*item[:2]) if map_name == b"B" else _key8(item[0])][1].add(
                    item[-1]
                )
            names = list(delta)
            for name, old in zip(names, reader.hget_many(map_name, names), strict=True):
                added, removed = delta[name]
                nums = (set(_unpack_nums(old)) - removed) | added
                if nums:
                    put(map_name, name, _pack_nums(nums))
                elif old is not None:
                    put(map_name, name, None)

        # Edge lists, read-modify-write for every article whose list changes.
        edge_delta: dict[int, dict[int, tuple[float, float, int] | None]] = defaultdict(dict)
        for a, b in changes.edge_remove:
            edge_delta[a][b] = None
            edge_delta[b][a] = None
        for e in changes.edge_add:
            edge_delta[e.a][e.b] = (e.jaccard, e.containment, e.relation)
            edge_delta[e.b][e.a] = (e.jaccard, e.containment, e.relation)
        owners = [n for n in edge_delta if n not in changes.deleted]
        old_lists = reader.hget_many(b"E", [_num4(n) for n in owners])
        for num, old in zip(owners, old_lists, strict=True):
            edges = _unpack_edges(old)
            for other, value in edge_delta[num].items():
                if value is None or other in changes.deleted:
                    edges.pop(other, None)
                else:
                    edges[other] = value
            if edges:
                put(b"E", _num4(num), _pack_edges(edges))
            elif old is not None:
                put(b"E", _num4(num), None)

        for (key, context), n in changes.line_contexts.items():
            put(b"C", _context_field(key, context), n if n > 0 else None)
        for key, n in changes.line_counts.items():
            put(b"N", _key8(key), n if n > 0 else None)
        for term, n in changes.doc_freqs.items():
            put(b"D", _num4(term), n if n > 0 else None)
        for term, num in changes.posting_remove:
            writes.append(("srem", (p + b"p:%d" % term, num)))
        for term, num in changes.posting_add:
            writes.append(("sadd", (p + b"p:%d" % term, num)))
        counters = {"next_num": changes.next_num, "n_docs": changes.n_docs}
        writes.append(("hset", (p + b"meta", None, None, counters)))
        writes.extend(("hdel", (key, *sorted(names))) for key, names in deletes.items() if names)
        writes.extend(
            ("hset", (key, None, None, mapping)) for key, mapping in sets.items() if mapping
        )
        return writes

    def size_bytes(self) -> int | None:
        return int(self.client.info("memory")["used_memory"])

    def integrity_problems(self) -> list[str]:
        return []

    def close(self) -> None:
        self.client.close()
