"""Storage backends of the incremental index: one logical layout on SQLite and on Redis."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

# The real Redis server (tests/redis_server.py): importing its fixtures registers them.
from redis_server import private_redis_server, redis_index, redis_url  # noqa: F401

from dedup.errors import DedupError, IndexFormatError, IndexNotFoundError, InputError
from dedup.index.store import (
    FORMAT_VERSION,
    Changes,
    ClusterFields,
    ConflictError,
    Edge,
    Record,
    RedisStore,
    SQLiteStore,
    Store,
    check_format,
    open_store,
)


@pytest.fixture
def redis_target(request: pytest.FixtureRequest) -> tuple[str, str]:
    """``(url, name)`` of a fresh Redis index (the ``redis_index`` fixture)."""
    target: tuple[str, str] = request.getfixturevalue("redis_index")
    return target


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        opened: Store = SQLiteStore(tmp_path / "index.db", lock_timeout=0.2)
    else:
        url, name = request.getfixturevalue("redis_index")
        opened = RedisStore(url, name=name, lock_timeout=0.2)
    opened.initialize({"format_version": str(FORMAT_VERSION), "config": "{}"})
    yield opened
    opened.close()


def record(num: int, article_id: str, canonical: int | None = None) -> Record:
    return Record(
        num=num,
        id=article_id,
        published_ts=1_700_000_000.0 + num,
        added_ts=1_700_000_500.0,
        text_len=100 + num,
        source="واس",
        size=40,
        norm=1.5,
        cluster=ClusterFields(num if canonical is None else canonical),
        dropped=np.array([2], dtype="<u4").tobytes(),
    )


def first_batch() -> Changes:
    changes = Changes(next_num=3, n_docs=3)
    for num, article_id in enumerate(["خبر-1", "خبر-2", "خبر-3"]):
        changes.records[num] = record(num, article_id, canonical=0 if num == 1 else None)
        changes.blobs["signature"][num] = np.arange(8, dtype="<u4").tobytes()
        changes.blobs["lines"][num] = f"سطر {num}".encode()
        changes.blobs["vector"][num] = b""
        changes.bucket_add.append((0, -5 + num % 2, num))
    changes.edge_add.append(Edge(0, 1, 0.9, 0.95, 2))
    changes.edge_add.append(Edge(1, 2, 0.4, 0.8, 3))
    changes.line_contexts[-7, 11] = 2
    changes.line_counts[-7] = 1
    changes.ref_add.extend([(-7, 0), (-7, 1)])
    changes.doc_freqs.update({5: 2, 6: 1})
    changes.posting_add.extend([(5, 0), (5, 1), (6, 2)])
    return changes


def test_a_batch_reads_back_as_written(store: Store) -> None:
    with store.writing() as (_, commit):
        commit(first_batch())
    with store.reading() as reader:
        assert reader.counters() == (3, 3)
        assert reader.nums_of(["خبر-2", "غير-موجود"]) == {"خبر-2": 1}
        assert reader.records([0, 1, 9]) == {0: record(0, "خبر-1"), 1: record(1, "خبر-2", 0)}
        assert reader.blobs("lines", [2]) == {2: "سطر 2".encode()}
        assert reader.blobs("vector", [0]) == {0: b""}
        queries, nums = reader.bucket_members(
            np.array([7, 8]), np.array([0, 0]), np.array([-5, -4])
        )
        assert sorted(zip(queries.tolist(), nums.tolist(), strict=True)) == [(7, 0), (7, 2), (8, 1)]
        edges = reader.edges([1])
        assert sorted((e.b, e.relation) for e in edges[1]) == [(0, 2), (2, 3)]
        assert reader.edge_count() == 2
        assert reader.line_contexts([(-7, 11), (-7, 12)]) == {(-7, 11): 2}
        assert reader.line_counts([-7, 3]) == {-7: 1}
        assert sorted(reader.line_refs([-7])[-7]) == [0, 1]
        assert reader.doc_freqs([5, 6, 7]) == {5: 2, 6: 1}
        assert {t: p.tolist() for t, p in reader.postings([5, 6]).items()} == {5: [0, 1], 6: [2]}
        # A limit keeps the latest added (highest numbers) of each term, still ascending.
        limited = reader.postings([5, 6, 7], limit=1)
        assert {t: p.tolist() for t, p in limited.items()} == {5: [1], 6: [2]}
        terms, counts = reader.all_doc_freqs()
        assert (terms.tolist(), counts.tolist()) == ([5, 6], [2, 1])
        assert reader.evictable(1_700_000_001.5) == [0, 1]
        assert [r.id for r in reader.all_records()] == ["خبر-1", "خبر-2", "خبر-3"]


def test_deletes_and_absolute_counts_remove_everything_of_an_article(store: Store) -> None:
    with store.writing() as (_, commit):
        commit(first_batch())
    with store.writing() as (reader, commit):
        gone = reader.records([2])
        changes = Changes(next_num=3, n_docs=2, deleted=gone)
        changes.bucket_remove.append((0, -5, 2))
        changes.edge_remove.append((1, 2))
        changes.ref_remove.append((-7, 1))
        changes.line_contexts[-7, 11] = 0
        changes.line_counts[-7] = 0
        changes.doc_freqs[6] = 0
        changes.posting_remove.append((6, 2))
        changes.clusters[1] = ClusterFields(1)
        commit(changes)
    with store.reading() as reader:
        assert reader.counters() == (3, 2)
        assert sorted(reader.records([0, 1, 2])) == [0, 1]
        assert reader.records([1])[1].cluster == ClusterFields(1)
        assert reader.nums_of(["خبر-3"]) == {}
        assert reader.blobs("signature", [2]) == {}
        assert [e.b for e in reader.edges([1])[1]] == [0]
        assert reader.line_counts([-7]) == {}
        assert reader.line_contexts([(-7, 11)]) == {}
        assert reader.line_refs([-7]) == {-7: [0]}
        assert reader.doc_freqs([6]) == {}
        assert reader.postings([6]) == {}


def test_a_batch_that_is_not_committed_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError, match="crash"), store.writing():
        raise RuntimeError("crash before the commit")
    with store.writing():
        pass  # no commit: rolled back
    with store.reading() as reader:
        assert reader.counters() == (0, 0)


def test_a_second_writer_waits_for_the_first_then_gives_up_with_a_hint(store: Store) -> None:
    if isinstance(store, SQLiteStore):
        first: Store = SQLiteStore(store.location, lock_timeout=5)
        other: Store = SQLiteStore(store.location, lock_timeout=0.2)
    else:
        assert isinstance(store, RedisStore)
        name = store.prefix.decode()[len("dedup:{") : -len("}:")]
        first = RedisStore(store.location, name=name, lock_timeout=5)
        other = RedisStore(store.location, name=name, lock_timeout=0.2)
    try:
        with first.writing(), pytest.raises(DedupError, match="lock_timeout"), other.writing():
            pass
    finally:
        other.close()
        first.close()


def test_a_redis_writer_whose_lock_expired_is_refused_at_commit(
    redis_target: tuple[str, str],
) -> None:
    import redis

    store = RedisStore(redis_target[0], name=redis_target[1], lock_timeout=5)
    client = redis.Redis.from_url(redis_target[0])
    try:
        with store.writing() as (_, commit):
            # Another writer that took over an expired lock commits in the meantime.
            client.incr(store.prefix + b"version")
            with pytest.raises(ConflictError):
                commit(first_batch())
        with store.reading() as reader:
            assert reader.counters() == (0, 0)
    finally:
        client.close()
        store.close()


def test_format_versions_are_checked_with_a_clear_message() -> None:
    check_format({"format_version": str(FORMAT_VERSION)}, "x.db")
    with pytest.raises(IndexFormatError, match=r"x\.db: index format version 0, .* `dedup index"):
        check_format({"format_version": "0"}, "x.db")


def test_targets_choose_the_backend(tmp_path: Path, redis_target: tuple[str, str]) -> None:
    sqlite_store = open_store(str(tmp_path / "a.db"))
    redis_store = open_store(redis_target[0], name=redis_target[1])
    try:
        assert (sqlite_store.backend, redis_store.backend) == ("sqlite", "redis")
    finally:
        sqlite_store.close()
        redis_store.close()
    with pytest.raises(DedupError, match="cannot reach Redis"):
        open_store("redis://127.0.0.1:1/0")
    with pytest.raises(DedupError, match="index name"):
        open_store(redis_target[0], name="a:b")


def test_sqlite_uses_wal_and_stores_no_pickles(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "w.db")
    store.initialize({"format_version": str(FORMAT_VERSION)})
    with store.writing() as (_, commit):
        commit(first_batch())
    store.close()
    with sqlite3.connect(tmp_path / "w.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        blobs = [row[0] for row in db.execute("SELECT sig FROM signatures")]
        blobs += [row[0] for row in db.execute("SELECT lines FROM articles")]
    db.close()
    # Raw little-endian arrays and UTF-8, never a pickle (protocol 2+ starts with 0x80).
    assert all(not blob.startswith(b"\x80") for blob in blobs)


def test_a_new_sqlite_file_frees_pages_incrementally(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "v.db")
    store.close()
    with sqlite3.connect(tmp_path / "v.db") as db:
        assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # INCREMENTAL
    db.close()


def test_a_missing_sqlite_file_is_not_created_without_create(tmp_path: Path) -> None:
    path = tmp_path / "typo.db"
    with pytest.raises(IndexNotFoundError, match=r"typo\.db: no dedup index there"):
        open_store(str(path), create=False)
    assert not path.exists()


def test_unknown_schemes_and_bad_redis_urls_are_input_errors() -> None:
    with pytest.raises(InputError, match=r"mysql://x: unsupported scheme 'mysql'; give a SQLite"):
        open_store("mysql://x")
    with pytest.raises(InputError, match=r"notaport/0: not a valid Redis URL \(Port could"):
        open_store("redis://127.0.0.1:notaport/0")


def test_a_redis_server_that_does_not_answer_is_given_up_in_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dedup.index.store import redis as redis_backend

    monkeypatch.setattr(redis_backend, "CONNECT_TIMEOUT", 0.3)
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        started = time.monotonic()
        with pytest.raises(DedupError, match=r"cannot reach Redis at .*Start redis-server"):
            RedisStore(url)
    assert time.monotonic() - started < 5


def test_a_redis_server_that_stops_answering_mid_use_is_a_dedup_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dedup.index.store import redis as redis_backend

    monkeypatch.setattr(redis_backend, "REPLY_TIMEOUT", 0.5)
    with private_redis_server() as (url, server):
        store = RedisStore(url, name="paused")
        assert store.version() == 0
        server.send_signal(signal.SIGSTOP)  # connected, and no reply ever comes
        started = time.monotonic()
        answer = r"stopped answering \(TimeoutError.*redis-cli"
        with pytest.raises(DedupError, match=answer), store.reading() as reader:
            reader.counters()
        assert time.monotonic() - started < 5
        server.send_signal(signal.SIGCONT)
        store.close()


def test_a_redis_server_that_went_away_is_a_dedup_error_for_writers_too() -> None:
    with private_redis_server() as (url, server):
        store = RedisStore(url, name="gone")
        server.kill()
        server.wait()
        answer = r"stopped answering \(ConnectionError"
        with pytest.raises(DedupError, match=answer), store.writing() as (_, commit):
            commit(Changes())
        store.close()


# ---------------------------------------------------------------------------
# The Redis fixture without a server: skipped on a developer's machine, failed on CI.

NEEDS_REDIS = """
from redis_server import redis_url

def test_needs_redis(redis_url):
    pass
"""


@pytest.mark.parametrize("ci", [None, "1"])
def test_redis_tests_skip_without_a_server_unless_on_ci(tmp_path: Path, ci: str | None) -> None:
    (tmp_path / "test_needs_redis.py").write_text(NEEDS_REDIS, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "DEDUP_TEST_REDIS_URL")}
    env["PATH"] = str(tmp_path)  # no redis-server on it
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parent), *sys.path])
    if ci is not None:
        env["CI"] = ci
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", tmp_path],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if ci is None:
        assert run.returncode == 0, run.stdout
        assert "1 skipped" in run.stdout
        assert "no redis-server is on PATH" in run.stdout
    else:
        assert run.returncode == 1, run.stdout
        assert "1 failed" in run.stdout or "1 error" in run.stdout
        assert "CI is set" in run.stdout
