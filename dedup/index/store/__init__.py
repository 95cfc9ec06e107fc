"""Persistence of the incremental index: one logical layout, two backends.

:class:`dedup.index.api.Index` holds the logic (what an added article matches, which clusters
change); this package only stores and fetches. Every write of a batch goes through one
:class:`Changes` object applied atomically, so a process killed in the middle of a batch
leaves the previous state intact:

* :class:`SQLiteStore` (:mod:`~dedup.index.store.sqlite`), the embedded default: one file in
  WAL mode. A batch is one ``BEGIN IMMEDIATE`` transaction (readers go on meanwhile; a second
  writer waits for the lock, up to ``lock_timeout``), a query one read transaction (a
  consistent snapshot).
* :class:`RedisStore` (:mod:`~dedup.index.store.redis`), shared between hosts: every key
  starts with ``dedup:{name}:`` (the braces are a Redis Cluster hash tag, so one index lives
  in one slot and ``MULTI/EXEC`` spans it). A writer takes a lock (``SET NX PX`` with a random
  token), ``WATCH``-es the lock and the version counter, reads, and commits the whole batch in
  one ``MULTI/EXEC``; if its lock expired and another writer committed meanwhile, ``EXEC``
  fails and the batch is planned again. A reader retries when the version counter moved while
  it read.

The records, :class:`Changes` and the abstract :class:`Store` / :class:`StoreReader` that both
implement are in :mod:`~dedup.index.store.base`.

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

Redis keeps each map in hash buckets, small hashes of many fields each (why, and the bucket
sizes: :mod:`~dedup.index.store.redis`).

Nothing is pickled: records are JSON, arrays raw little-endian numpy bytes, and the format
version is checked on open (:class:`~dedup.errors.IndexFormatError`).
"""

from __future__ import annotations

from dedup.index.store.base import (
    BLOB_KINDS,
    FORMAT_VERSION,
    REDIS_SCHEMES,
    Changes,
    ClusterFields,
    ConflictError,
    Edge,
    Record,
    Store,
    StoreReader,
    check_format,
    not_found_message,
    open_store,
)
from dedup.index.store.redis import RedisStore
from dedup.index.store.sqlite import SQLiteStore

__all__ = [
    "BLOB_KINDS",
    "FORMAT_VERSION",
    "REDIS_SCHEMES",
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
    "not_found_message",
    "open_store",
]
