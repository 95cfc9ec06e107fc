"""The shared backend of the index: one Redis database, keys under ``dedup:{name}:``.

The braces are a Redis Cluster hash tag, so one index lives in one slot and ``MULTI/EXEC``
spans it. A writer takes a lock (``SET NX PX`` with a random token), ``WATCH``-es the lock
and the version counter, reads, and commits the whole batch in one ``MULTI/EXEC``; if its
lock expired and another writer committed meanwhile, ``EXEC`` fails and the batch is planned
again. A reader retries when the version counter moved while it read.

Maps live in *hash buckets*: ``2**bits`` small hashes per map rather than one key per entry,
since Redis stores a hash of up to 128 fields of up to 64 bytes as one compact listpack (a few
bytes of overhead per field, against about 70 for a key of its own). Values changed by
read-modify-write (packed ``uint32`` numbers, edge lists) are only written under the writer
lock, from values read under it. Records are JSON, arrays raw little-endian numpy bytes.
The keys are drawn in :mod:`dedup.index.store`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import replace
from typing import Any, Final

import numpy as np

from dedup.errors import DedupError, InputError
from dedup.index.store.base import (
    Changes,
    ClusterFields,
    ConflictError,
    Edge,
    I64Array,
    Record,
    Store,
    StoreReader,
)

__all__ = ["CONNECT_TIMEOUT", "REPLY_TIMEOUT", "RedisStore"]

#: Seconds to wait for a Redis server to accept a connection and answer PING on open.
CONNECT_TIMEOUT: float = 5.0
#: Seconds to wait for any one reply once connected. The slowest single command is a
#: batch's MULTI/EXEC or an export's page of records: milliseconds to a second on a live
#: server; two minutes is a server that is stopped, swapped out or cut off, not a busy one.
REPLY_TIMEOUT: float = 120.0


@contextlib.contextmanager
def _server_errors(url: str) -> Iterator[None]:
    """Turn the client's errors (connection lost, reply timed out) into a DedupError."""
    import redis

    try:
        yield
    except redis.RedisError as error:
        raise DedupError(
            f"{url}: the Redis server stopped answering ({type(error).__name__}: {error}). A "
            "batch is committed whole or not at all (MULTI/EXEC): check the server with "
            "`redis-cli -u URL ping`, then retry the operation."
        ) from error


def _probe(url: str) -> None:
    """Raise a :class:`DedupError` unless ``url`` is valid and its server answers in time."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    try:
        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=CONNECT_TIMEOUT,
            socket_timeout=CONNECT_TIMEOUT,
            retry=Retry(NoBackoff(), 0),  # the default retries would multiply the wait
        )
    except ValueError as error:  # redis-py parses the URL here: port, db, options
        raise InputError(
            f"{url}: not a valid Redis URL ({error}); use redis://HOST:PORT/DB, e.g. "
            "redis://127.0.0.1:6379/0"
        ) from error
    try:
        client.ping()
    except redis.RedisError as error:
        raise DedupError(
            f"cannot reach Redis at {url} within {CONNECT_TIMEOUT:g} s: {error}. Start "
            "redis-server or fix the URL."
        ) from error
    finally:
        client.close()


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
        _probe(url)
        # Timeouts on connecting and on each reply: a server that went away or stopped
        # answering is an error (a DedupError, see _server_errors), not a hang.
        self.client = redis.Redis.from_url(
            url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=REPLY_TIMEOUT
        )
        self._release = self.client.register_script(_LOCK_RELEASE)
        self.hget_script = self.client.register_script(_HGET_MANY)
        self._committed_version = 0

    def meta(self) -> dict[str, str]:
        # redis-py types its replies as a union of sync and async results.
        with _server_errors(self.location):
            raw: dict[bytes, bytes] = self.client.hgetall(self.prefix + b"meta")  # type: ignore[assignment]
        return {k.decode(): v.decode() for k, v in raw.items()}

    def initialize(self, meta: dict[str, str]) -> dict[str, str]:
        # One script: either this process writes the whole meta map, or another one did.
        fields = [item for pair in meta.items() for item in pair]
        with _server_errors(self.location):
            self.client.eval(_CREATE_META, 1, self.prefix + b"meta", *fields)
        return self.meta()

    def version(self) -> int:
        """The write counter (incremented by every committed batch)."""
        with _server_errors(self.location):
            return int(self.client.get(self.prefix + b"version") or 0)

    def data_version(self) -> int:
        return self.version()

    def token_after_commit(self, before: int) -> int:
        return self._committed_version

    @contextlib.contextmanager
    def reading(self) -> Iterator[StoreReader]:
        with _server_errors(self.location):
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
        with _server_errors(self.location), self._locked() as (reader, commit):
            yield reader, commit

    @contextlib.contextmanager
    def _locked(self) -> Iterator[tuple[StoreReader, Callable[[Changes], None]]]:
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
        reader = _RedisReader(self)
        batch = _Batch(self.prefix)
        _delete_articles(batch, changes.deleted)
        _put_records(batch, _records_to_write(changes, reader))
        for kind, values in changes.blobs.items():
            for num, data in values.items():
                batch.put(_BLOB_MAPS[kind], _num4(num), data)
        # Packed-number maps: band buckets and line references.
        bands = _packed_delta(changes.bucket_add, changes.bucket_remove, _bucket_field)
        _put_packed(batch, reader, b"B", bands)
        refs = _packed_delta(changes.ref_add, changes.ref_remove, _ref_field)
        _put_packed(batch, reader, b"R", refs)
        _put_edges(batch, reader, changes)
        _put_counts(batch, changes)
        for term, num in changes.posting_remove:
            batch.command("srem", self.prefix + b"p:%d" % term, num)
        for term, num in changes.posting_add:
            batch.command("sadd", self.prefix + b"p:%d" % term, num)
        counters = {"next_num": changes.next_num, "n_docs": changes.n_docs}
        batch.command("hset", self.prefix + b"meta", None, None, counters)
        return batch.commands()

    def size_bytes(self) -> int | None:
        with _server_errors(self.location):
            return int(self.client.info("memory")["used_memory"])

    def reclaim(self) -> None:
        """Nothing to do: Redis frees the memory of deleted fields and keys itself."""

    def integrity_problems(self) -> list[str]:
        return []

    def close(self) -> None:
        self.client.close()


class _Batch:
    """The commands of one batch: those given in order, then the grouped field writes.

    Field writes are grouped per hash: one HSET / HDEL per hash touched, after the others.
    """

    def __init__(self, prefix: bytes) -> None:
        self.prefix = prefix
        self._commands: list[tuple[str, tuple[Any, ...]]] = []
        self._sets: dict[bytes, dict[bytes, bytes | int]] = defaultdict(dict)
        self._deletes: dict[bytes, set[bytes]] = defaultdict(set)

    def command(self, method: str, *args: Any) -> None:
        """A command of the pipeline, by its redis-py method name."""
        self._commands.append((method, args))

    def put(self, map_name: bytes, name: bytes, value: bytes | int | None) -> None:
        """Set a field of a hash-bucketed map (None deletes it); the last put of a field wins."""
        key = self.prefix + _bucket_of(map_name, name)
        if value is None:
            self._sets[key].pop(name, None)
            self._deletes[key].add(name)
        else:
            self._deletes[key].discard(name)
            self._sets[key][name] = value

    def commands(self) -> list[tuple[str, tuple[Any, ...]]]:
        """Every command: those given, then one HDEL and one HSET per hash touched."""
        writes = list(self._commands)
        writes.extend(
            ("hdel", (key, *sorted(names))) for key, names in self._deletes.items() if names
        )
        writes.extend(
            ("hset", (key, None, None, mapping)) for key, mapping in self._sets.items() if mapping
        )
        return writes


def _delete_articles(batch: _Batch, deleted: dict[int, Record]) -> None:
    for num, record in deleted.items():
        batch.command("zrem", batch.prefix + b"t", num)
        batch.put(b"I", record.id.encode("utf-8"), None)
        for map_name in (b"A", b"T", b"S", b"V", b"E"):
            batch.put(map_name, _num4(num), None)


def _records_to_write(changes: Changes, reader: _RedisReader) -> dict[int, Record]:
    """The new records, and the stored ones whose cluster fields change (read under the lock)."""
    records = dict(changes.records)
    missing = [n for n in changes.clusters if n not in records]
    current = reader.records(missing)
    for num, cluster in changes.clusters.items():
        base = records.get(num) or current.get(num)
        if base is not None:
            records[num] = replace(base, cluster=cluster)
    return records


def _put_records(batch: _Batch, records: dict[int, Record]) -> None:
    for num, record in records.items():
        batch.put(b"A", _num4(num), _record_json(record))
        batch.command("zadd", batch.prefix + b"t", {str(num): record.evict_ts})
        batch.put(b"I", record.id.encode("utf-8"), num)


def _bucket_field(item: tuple[int, ...]) -> bytes:
    """The field of a ``(band, value, num)`` bucket entry."""
    return _band_field(*item[:2])


def _ref_field(item: tuple[int, ...]) -> bytes:
    """The field of a ``(line key, num)`` line reference."""
    return _key8(item[0])


PackedDelta = dict[bytes, tuple[set[int], set[int]]]


def _packed_delta(
    adds: Sequence[tuple[int, ...]],
    removes: Sequence[tuple[int, ...]],
    field_of: Callable[[tuple[int, ...]], bytes],
) -> PackedDelta:
    """Numbers added to and removed from each field of a packed-number map (num comes last)."""
    delta: PackedDelta = defaultdict(lambda: (set(), set()))
    for item in adds:
        delta[field_of(item)][0].add(item[-1])
    for item in removes:
        delta[field_of(item)][1].add(item[-1])
    return delta


def _put_packed(batch: _Batch, reader: _RedisReader, map_name: bytes, delta: PackedDelta) -> None:
    """Read-modify-write of the packed numbers of each field in ``delta``."""
    names = list(delta)
    for name, old in zip(names, reader.hget_many(map_name, names), strict=True):
        added, removed = delta[name]
        nums = (set(_unpack_nums(old)) - removed) | added
        if nums:
            batch.put(map_name, name, _pack_nums(nums))
        elif old is not None:
            batch.put(map_name, name, None)


def _edge_delta(changes: Changes) -> dict[int, dict[int, tuple[float, float, int] | None]]:
    """Each article's changed edges, both directions (None: removed)."""
    edge_delta: dict[int, dict[int, tuple[float, float, int] | None]] = defaultdict(dict)
    for a, b in changes.edge_remove:
        edge_delta[a][b] = None
        edge_delta[b][a] = None
    for e in changes.edge_add:
        edge_delta[e.a][e.b] = (e.jaccard, e.containment, e.relation)
        edge_delta[e.b][e.a] = (e.jaccard, e.containment, e.relation)
    return edge_delta


def _put_edges(batch: _Batch, reader: _RedisReader, changes: Changes) -> None:
    """Edge lists, read-modify-write for every article whose list changes."""
    edge_delta = _edge_delta(changes)
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
            batch.put(b"E", _num4(num), _pack_edges(edges))
        elif old is not None:
            batch.put(b"E", _num4(num), None)


def _put_counts(batch: _Batch, changes: Changes) -> None:
    """Line contexts, line counts and document frequencies (0 deletes the field)."""
    for (key, context), n in changes.line_contexts.items():
        batch.put(b"C", _context_field(key, context), n if n > 0 else None)
    for key, n in changes.line_counts.items():
        batch.put(b"N", _key8(key), n if n > 0 else None)
    for term, n in changes.doc_freqs.items():
        batch.put(b"D", _num4(term), n if n > 0 else None)
