"""The embedded backend of the index: one SQLite file in WAL mode.

A batch is one ``BEGIN IMMEDIATE`` transaction (readers go on meanwhile; a second writer
waits for the lock, up to ``lock_timeout``), a query one read transaction (a consistent
snapshot). The tables are drawn in :mod:`dedup.index.store`.

Disk space: a new file is made with ``auto_vacuum=INCREMENTAL``, so the pages a remove or an
evict frees are cut off the end of the file right after it (:meth:`SQLiteStore.reclaim`).
A file made before that (``auto_vacuum=NONE``; it cannot be switched without rewriting the
file) is rewritten once by a full ``VACUUM`` when an evict leaves at least half of its pages
free, which also switches it to incremental: the format is the same, older releases read it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any, Final

import numpy as np

from dedup.errors import DedupError, IndexFormatError, IndexNotFoundError, InputError
from dedup.index.store.base import (
    Changes,
    ClusterFields,
    Edge,
    I64Array,
    Record,
    Store,
    StoreReader,
    not_found_message,
)

__all__ = ["SQLiteStore"]

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


# A file made without incremental vacuum is rewritten (VACUUM) once this share of its pages
# is free: rewriting costs a pass over the whole file and as much again in temporary space.
_VACUUM_FREE_SHARE: Final = 0.5


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
        The database file (created when missing, unless ``create`` is false).
    lock_timeout
        Seconds a writer waits for another writer's batch to finish.
    create
        False: a missing file raises :class:`~dedup.errors.IndexNotFoundError`, and a file
        that holds no index is left as it is.
    """

    backend = "sqlite"

    def __init__(
        self, path: str | os.PathLike[str], *, lock_timeout: float = 60.0, create: bool = True
    ) -> None:
        self.location = os.fspath(path)
        self._db = _connect(self.location, lock_timeout=lock_timeout, create=create)
        try:
            # Without create, a file that holds no index is left untouched (meta() is empty).
            if create or _has_meta(self._db):
                _prepare(self._db)
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
        if not _has_meta(self._db):  # opened with create=False: no tables made
            return {}
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
        _write_articles(db, changes)
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
        _write_edges(db, changes)
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

    def reclaim(self) -> None:
        """Cut the free pages off the file (see the module docstring); best effort.

        When another connection holds the lock past ``lock_timeout`` nothing is reclaimed
        now: the pages stay free and are reused by later adds, or reclaimed by a later evict.
        """
        db = self._db
        try:
            if db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2:
                # executescript steps the pragma to the end; execute would free one page.
                db.executescript("PRAGMA incremental_vacuum;")
            else:
                pages = db.execute("PRAGMA page_count").fetchone()[0]
                free = db.execute("PRAGMA freelist_count").fetchone()[0]
                if not pages or free < pages * _VACUUM_FREE_SHARE:
                    return
                db.execute("PRAGMA auto_vacuum=INCREMENTAL")  # applied by the VACUUM
                db.execute("VACUUM")
            # The freed pages leave the main file when the WAL is copied back into it.
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.OperationalError:  # busy: another writer or reader kept the lock
            return

    def integrity_problems(self) -> list[str]:
        rows = [row[0] for row in self._db.execute("PRAGMA integrity_check")]
        return [] if rows == ["ok"] else [f"SQLite integrity_check: {row}" for row in rows]

    def close(self) -> None:
        self._db.close()


def _connect(location: str, *, lock_timeout: float, create: bool) -> sqlite3.Connection:
    """A connection in autocommit mode, or an error that says what is wrong with the path."""
    if os.path.isdir(location):
        raise InputError(
            f"{location} is a folder; give the path of an index file, e.g. "
            f"{os.path.join(location, 'news.db')}"
        )
    if not create and not os.path.exists(location):
        raise IndexNotFoundError(not_found_message(location))
    folder = os.path.dirname(os.path.abspath(location))
    if not os.path.isdir(folder):
        raise InputError(
            f"{location}: the folder {folder} does not exist; create it first, or give another path"
        )
    try:
        # isolation_level=None: every transaction is begun and ended explicitly.
        return sqlite3.connect(location, timeout=lock_timeout, isolation_level=None)
    except sqlite3.OperationalError as error:
        raise InputError(
            f"{location}: cannot open the file ({error}); check that it and its folder "
            "are readable and writable"
        ) from error


def _prepare(db: sqlite3.Connection) -> None:
    """Pragmas of every connection, and the tables when they are missing."""
    # Before the first table, or it has no effect (an older file keeps NONE: see reclaim).
    db.execute("PRAGMA auto_vacuum=INCREMENTAL")
    db.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode: a committed batch survives a killed process (the WAL is in the OS
    # page cache); a power cut may lose the last batches, never corrupt.
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache
    db.execute("PRAGMA temp_store=MEMORY")
    db.execute("PRAGMA wal_autocheckpoint=10000")
    db.execute("BEGIN IMMEDIATE")
    for statement in _SCHEMA:
        db.execute(statement)
    db.execute("COMMIT")


def _has_meta(db: sqlite3.Connection) -> bool:
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
    return found.fetchone() is not None


def _put_counts(db: sqlite3.Connection, table: str, where: str, values: dict[Any, int]) -> None:
    db.executemany(f"DELETE FROM {table} WHERE {where}", [k for k, n in values.items() if n <= 0])
    rows = [(*key, n) for key, n in values.items() if n > 0]
    if rows:
        marks = ", ".join("?" * len(rows[0]))
        db.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", rows)


def _write_articles(db: sqlite3.Connection, changes: Changes) -> None:
    """Deleted articles out, new records in, and the changed cluster fields of stored ones."""
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
        [_article_row(r, lines.get(r.num, b"")) for r in changes.records.values()],
    )
    db.executemany(
        "UPDATE articles SET canonical = ?, similarity = ?, containment = ?, relation = ?, "
        "via = ? WHERE num = ?",
        [
            (c.canonical, c.similarity, c.containment, c.relation, c.via, num)
            for num, c in changes.clusters.items()
        ],
    )


def _article_row(r: Record, lines: bytes) -> tuple[Any, ...]:
    """The ``articles`` row of a record (columns in table order)."""
    return (
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
        lines,
    )


def _write_edges(db: sqlite3.Connection, changes: Changes) -> None:
    """Removed and added verified pairs, each stored in both directions."""
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
