"""The incremental index: parity with ``dedup scan``, durability, concurrency, related lists.

Every behaviour is checked on both backends: a SQLite file in a temporary folder and a real
Redis server (``tests/redis_server.py``).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

# The real Redis server (tests/redis_server.py): importing its fixtures registers them.
from redis_server import redis_index, redis_url  # noqa: F401

from dedup import Article, DedupConfig, RelatedConfig, ScanReport, read_corpus, scan
from dedup.cli import main
from dedup.errors import (
    ConfigError,
    IndexClosedError,
    IndexFormatError,
    IndexNotFoundError,
    InputError,
)
from dedup.index import caches, codec, components
from dedup.index.api import Index, Match

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_corpus" / "articles.jsonl"
SAUDI = ROOT.parent / "shared" / "data" / "saudinewsnet" / "articles.jsonl"
NO_RELATED = DedupConfig(related=RelatedConfig(k=0))

Target = tuple[str, str]  # (SQLite path or Redis URL, index name)


@pytest.fixture
def redis_target(request: pytest.FixtureRequest) -> tuple[str, str]:
    """``(url, name)`` of a fresh Redis index (the ``redis_index`` fixture)."""
    target: tuple[str, str] = request.getfixturevalue("redis_index")
    return target


@pytest.fixture(params=["sqlite", "redis"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    """An empty index location on each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "news.db"), "default"
    else:
        yield request.getfixturevalue("redis_index")


def open_index(target: Target, config: DedupConfig | None = None) -> Index:
    return Index.open(target[0], name=target[1], config=config)


def articles_of(path: Path) -> list[Article]:
    return [r for r in read_corpus(path) if isinstance(r, Article)]


def scan_view(report: ScanReport) -> dict[str, tuple[object, ...]]:
    """What the index's Match must say about each article, from a scan report."""
    templates: dict[str, list[tuple[float, str, float]]] = {}
    for pair in report.pairs:
        if pair.relation == "template":
            templates.setdefault(pair.a, []).append((-pair.jaccard, pair.b, pair.containment))
            templates.setdefault(pair.b, []).append((-pair.jaccard, pair.a, pair.containment))
    view: dict[str, tuple[object, ...]] = {}
    for cluster in report.clusters:
        for member in cluster.members:
            if member.relation == "canonical":
                best = min(templates.get(member.id, [(0.0, None, 0.0)]))
                view[member.id] = (cluster.cluster_id, None, -best[0], None, best[1])
            else:
                view[member.id] = (
                    cluster.cluster_id,
                    cluster.canonical,
                    member.similarity,
                    member.via,
                    None,
                )
    return view


def match_view(match: Match) -> tuple[object, ...]:
    return (match.cluster_id, match.duplicate_of, match.similarity, match.via, match.template_of)


def index_view(index: Index, ids: list[str]) -> dict[str, tuple[object, ...]]:
    found = {}
    for article_id in ids:
        match = index.get(article_id)
        assert match is not None, article_id
        found[article_id] = match_view(match)
    return found


def assert_same_as_scan(index: Index, articles: list[Article], config: DedupConfig) -> None:
    report = scan(articles, config=config)
    assert_same_view(index, scan_view(report), len(report.pairs))


def assert_same_view(index: Index, expected: dict[str, tuple[object, ...]], pairs: int) -> None:
    got = index_view(index, sorted(expected))
    different = {i: (expected[i], got[i]) for i in expected if expected[i] != got[i]}
    assert not different, f"{len(different)} articles differ, e.g. {list(different.items())[:3]}"
    assert index.stats().pairs == pairs
    # Articles the scan rejects (too short after furniture stripping) are not stored either.
    assert len(index) == len(expected)
    assert index.check() == []


# The reference scan of a big corpus runs in a child process while the test adds articles.
SCAN_CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from test_index_api import NO_RELATED, articles_of, scan_view
from dedup import scan
from pathlib import Path
report = scan(articles_of(Path(sys.argv[2])), config=NO_RELATED)
json.dump({"pairs": len(report.pairs), "view": scan_view(report)}, sys.stdout)
"""


def scan_in_child(path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", SCAN_CHILD, str(Path(__file__).parent), str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )


def child_result(child: subprocess.Popen[str]) -> tuple[dict[str, tuple[object, ...]], int]:
    output, _ = child.communicate(timeout=600)
    assert child.returncode == 0
    data = json.loads(output)
    return {k: tuple(v) for k, v in data["view"].items()}, data["pairs"]


# ---------------------------------------------------------------------------
# Parity with the scan


def test_sample_corpus_one_at_a_time_in_shuffled_order_gives_the_scan_clusters(
    target: Target,
) -> None:
    articles = articles_of(SAMPLE)
    shuffled = list(articles)
    random.Random(11).shuffle(shuffled)
    with open_index(target, NO_RELATED) as index:
        for article in shuffled:
            index.add(article)
        assert_same_as_scan(index, articles, NO_RELATED)


@pytest.mark.slow  # 6,010 adds: about 60 s alone on a 2-core machine, 80 s under load
def test_saudinewsnet_one_at_a_time_in_shuffled_order_gives_the_scan_clusters(
    tmp_path: Path,
) -> None:
    # 6,010 real articles with learned boilerplate lines (32 lines dropped by the scan), exact
    # and near copies across outlets, template siblings and linked stars. The reference scan
    # runs in a child process meanwhile.
    reference = scan_in_child(SAUDI)
    articles = articles_of(SAUDI)
    shuffled = list(articles)
    random.Random(5).shuffle(shuffled)
    with Index.open(tmp_path / "saudi.db", config=NO_RELATED) as index:
        for article in shuffled:
            index.add(article)
        expected, pairs = child_result(reference)
        assert_same_view(index, expected, pairs)


def test_saudinewsnet_in_shuffled_batches_on_redis_gives_the_scan_clusters(
    redis_target: Target,
) -> None:
    articles = articles_of(SAUDI)[:800]
    shuffled = list(articles)
    random.Random(9).shuffle(shuffled)
    with open_index(redis_target, NO_RELATED) as index:
        for start in range(0, len(shuffled), 37):
            index.add(shuffled[start : start + 37])
        assert_same_as_scan(index, articles, NO_RELATED)


def test_parity_holds_without_learned_boilerplate(target: Target) -> None:
    config = DedupConfig(related=RelatedConfig(k=0), learn_boilerplate=False)
    articles = articles_of(SAMPLE)
    with open_index(target, config) as index:
        for start in range(0, len(articles), 10):
            index.add(list(reversed(articles))[start : start + 10])
        assert_same_as_scan(index, articles, config)


# A background paragraph an outlet appends to its stories (not page furniture).
BACKGROUND = (
    "وكانت الحكومة قد أعلنت في وقت سابق من هذا العام خطة شاملة لتطوير البنية التحتية في جميع "
    "المحافظات خلال السنوات الخمس المقبلة بكلفة إجمالية تتجاوز عشرة مليارات دولار بتمويل من "
    "الموازنة العامة والقطاع الخاص والصناديق الدولية"
)
STORIES = [
    "افتتح وزير النقل اليوم الطريق السريع الجديد بين المدينتين بطول مئة وعشرين كيلومترا",
    "أعلنت وزارة الزراعة بدء موسم حصاد القمح في المحافظات الشمالية بمساحة قياسية هذا العام",
    "فاز المنتخب الوطني للشباب على نظيره بثلاثة أهداف مقابل هدف في بطولة غرب آسيا الودية",
    "قررت الجامعة تأجيل امتحانات الفصل الثاني أسبوعا بسبب الأحوال الجوية في المنطقة الجنوبية",
    "استقبل المتحف الوطني أكثر من عشرة آلاف زائر خلال عطلة العيد بحسب إدارة المتحف اليوم",
]


def test_a_line_that_becomes_boilerplate_reshingles_the_stored_articles(target: Target) -> None:
    # Short stories over a long shared paragraph: while it is counted the articles look
    # alike; once it is boilerplate of the source (4 articles), they must not.
    articles = [
        Article(
            id=f"f{i}",
            text=f"{story}\n{BACKGROUND}",
            source="wakaa",
            published_at=f"2024-05-0{i + 1}T08:00:00Z",
        )
        for i, story in enumerate(STORIES)
    ]
    config = NO_RELATED
    with open_index(target, config) as index:
        first, second = index.add(articles[0]), index.add(articles[1])
        assert (first.duplicate_of, second.duplicate_of) == (None, "f0")
        for article in articles[2:]:
            index.add(article)
        assert index.get("f1").duplicate_of is None  # type: ignore[union-attr]
        assert_same_as_scan(index, articles, config)
        # ... and back when the articles carrying it go away.
        assert index.remove(["f2", "f3", "f4"]) == 3
        assert index.get("f1").duplicate_of == "f0"  # type: ignore[union-attr]
        assert_same_as_scan(index, articles[:2], config)


# ---------------------------------------------------------------------------
# Operations


def test_an_earlier_copy_arriving_later_becomes_the_canonical(target: Target) -> None:
    body = STORIES[0] + " وأكد الوزير أن المشروع سيخفض زمن الرحلة إلى النصف تقريبا"
    later = Article(id="late", text=body, published_at="2024-05-02T10:00:00Z")
    earlier = Article(
        id="early", text=body + " وبدأ العمل فيه قبل عامين", published_at="2024-05-01T10:00:00Z"
    )
    with open_index(target, NO_RELATED) as index:
        alone = index.add(later)
        copy = index.add(earlier)
        now = index.get("late")
    assert alone.duplicate_of is None
    assert copy.duplicate_of is None
    assert now is not None
    assert now.duplicate_of == "early"
    assert now.cluster_id == copy.cluster_id != alone.cluster_id
    assert now.relation == "near"
    assert 0.8 <= now.similarity < 1.0
    assert now.containment == 1.0


def test_dates_and_passages_decide_as_in_the_scan(target: Target) -> None:
    """A contained copy weeks later is no duplicate; a re-topped copy is; both as the scan says."""
    rng = random.Random(5)

    def words(n: int) -> str:
        return " ".join(
            "".join(rng.choice("بتثجحخدذرزسشصضطظعغفقكلمنهوي") for _ in range(rng.randint(3, 7)))
            for _ in range(n)
        )

    body, shared = words(120), words(100)
    articles = [
        Article(id="old", text=body, published_at="2024-03-01T08:00:00Z"),
        Article(id="weeks", text=body + " " + words(110), published_at="2024-03-30T08:00:00Z"),
        Article(id="days", text=body + " " + words(110), published_at="2024-03-03T08:00:00Z"),
        Article(id="lead1", text=words(45) + " " + shared, published_at="2024-03-01T09:00:00Z"),
        Article(id="lead2", text=words(50) + " " + shared, published_at="2024-03-01T10:00:00Z"),
    ]
    report = scan(articles, config=NO_RELATED)
    pairs = {(p.a, p.b) for p in report.pairs}
    assert ("days", "old") in pairs
    assert ("old", "weeks") not in pairs
    assert ("lead1", "lead2") in pairs
    with open_index(target, NO_RELATED) as index:
        for article in articles:
            index.add(article)
        assert_same_as_scan(index, articles, NO_RELATED)
        weeks = index.get("weeks")
    assert weeks is not None
    assert weeks.duplicate_of != "old"


def test_the_document_frequency_table_gives_the_lists_the_dict_gives(
    target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Related lists read through the in-memory table equal those read term by term."""
    articles = articles_of(SAMPLE)
    lists = {}
    for after, suffix in ((10**12, "dict"), (0, "table")):
        monkeypatch.setattr(caches, "_DF_TABLE_AFTER", after)
        where = (target[0] + suffix if target[0].endswith(".db") else target[0], target[1] + suffix)
        with open_index(where) as index:
            index.add(articles[:40])
            for article in articles[40:]:  # single adds: the table follows every commit
                index.add(article)
            lists[suffix] = [index.query(replace(a, id=a.id + "?")).related for a in articles]
            assert index._planner.related._df_table.valid is (suffix == "table")
    assert lists["dict"] == lists["table"]
    assert sum(len(items) for items in lists["table"]) > len(articles)


def test_the_in_memory_buckets_and_caches_give_what_the_store_gives(
    target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LSH buckets, postings, vectors and similarities from memory change no match or list.

    The in-memory side follows its own commits (new, re-shingled and removed articles);
    the other index reads everything from the store.
    """
    articles = articles_of(SAMPLE)
    results = {}
    for label, after, limit in (("store", 10**12, 0), ("memory", 0, 10**9)):
        # Memory: the signatures load at the first one read (with the scan's candidates a
        # small corpus never reads a quarter of the index one by one).
        monkeypatch.setattr(caches, "_SIGNATURES_AFTER", after)
        monkeypatch.setattr(caches, "_SIGNATURES_SHARE_DIVISOR", 10**9 if after == 0 else 4)
        monkeypatch.setattr(caches, "_POSTINGS_CACHE_LIMIT", limit)
        monkeypatch.setattr(caches, "_VECTOR_CACHE_LIMIT", limit)
        monkeypatch.setattr(components, "_SIMILARITY_LIMIT", limit - 1)
        where = (target[0] + label if target[0].endswith(".db") else target[0], target[1] + label)
        with open_index(where) as index:
            index.add(articles[:30])
            for start in range(30, len(articles), 7):
                index.add(articles[start : start + 7])
            removed = articles[::9]
            index.remove([a.id for a in removed])
            index.add(removed)
            results[label] = [index.get(a.id) for a in articles]
            assert index._planner._band_index.valid is (label == "memory")
            assert (len(index._planner.related._postings.lists) > 0) is (label == "memory")
    assert results["store"] == results["memory"]
    assert sum(m is not None and m.duplicate_of is not None for m in results["memory"]) > 10


class _CountingReader:
    """A store reader with fixed postings and vectors that counts what it is asked for."""

    def __init__(self) -> None:
        self.asked: list[int] = []
        self.vector = codec.pack_vector(
            np.array([3, 7], dtype=np.uint32), np.array([1.0, 2.0]), np.array([True, False])
        )

    def postings(self, terms: list[int], limit: int | None = None) -> dict[int, np.ndarray]:
        self.asked += terms
        return {t: np.arange(t, dtype=np.int64)[-limit if limit else 0 :] for t in terms if t}

    def blobs(self, kind: str, nums: list[int]) -> dict[int, bytes]:
        self.asked += nums
        return dict.fromkeys(nums, self.vector)


def test_the_caches_answer_whole_when_they_overflow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past its size limit a cache starts over, but the lookup that got it there still
    answers for every term and article, the ones read before it included."""
    reader: Any = _CountingReader()
    postings = caches.PostingsCache()
    monkeypatch.setattr(caches, "_POSTINGS_CACHE_LIMIT", 15)  # 14 after the first
    assert set(postings.lookup(reader, [0, 5, 6], limit=None)) == {5, 6}
    found = postings.lookup(reader, [5, 6, 20], limit=4)  # 5 and 6 cached, 20 overflows
    assert {t: a.tolist() for t, a in found.items()} == {
        5: [1, 2, 3, 4],
        6: [2, 3, 4, 5],
        20: [16, 17, 18, 19],
    }
    assert reader.asked == [0, 5, 6, 20]
    assert not postings.lists
    vectors = caches.VectorCache()
    monkeypatch.setattr(caches, "_VECTOR_CACHE_LIMIT", 3)
    assert set(vectors.lookup(reader, [1, 2])) == {1, 2}
    assert set(vectors.lookup(reader, [1, 2, 3, 4])) == {1, 2, 3, 4}
    assert vectors.lookup(reader, [9])[9][0].tolist() == [3, 7]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.dictionaries(st.integers(0, 60), st.integers(0, 9), max_size=12), max_size=8))
def test_the_document_frequency_table_follows_its_updates(updates: list[dict[int, int]]) -> None:
    table = caches.DocFreqTable()
    table.valid = True
    reference: dict[int, int] = {}
    for changed in updates:
        table.update(changed)
        reference.update(changed)
        assert list(table.terms) == sorted(table.terms.tolist())
    probe = np.arange(0, 61, dtype=np.int64)
    found = table.lookup(None, probe)  # type: ignore[arg-type]  # a loaded table reads nothing
    assert found is not None
    assert found.tolist() == [reference.get(t, 0) for t in range(61)]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 2**32 - 1), max_size=600, unique=True),
    st.lists(st.integers(-(2**33), 2**33), max_size=50),
    st.integers(0, 2**32 - 1),
)
def test_the_hash_buckets_search_as_searchsorted(
    terms: list[int], others: list[int], spread: int
) -> None:
    """Hash-like terms (spread by a multiplier) and clustered ones, with keys that hit,
    miss, fall between buckets and lie outside 32 bits."""
    for values in (terms, [(t * (spread | 1)) % 2**32 for t in terms], [t % 97 for t in terms]):
        table = np.array(sorted(set(values)), dtype=np.int64)
        keys = np.array(values[::2] + others + [t + 1 for t in values[:20]], dtype=np.int64)
        buckets = caches.HashBuckets(table)
        assert buckets.search(keys).tolist() == np.searchsorted(table, keys).tolist()
        with pytest.MonkeyPatch.context() as patch:  # long key arrays go in blocks
            patch.setattr(caches, "_SEARCH_BLOCK", 7)
            assert buckets.search(keys).tolist() == np.searchsorted(table, keys).tolist()


def test_query_stores_nothing_and_says_what_add_says(target: Target) -> None:
    articles = articles_of(SAMPLE)
    queried, added = [], []
    with open_index(target) as index:
        index.add(articles[:60])
        for article in articles[60:]:
            queried.append(index.query(article))
            assert article.id not in index
            added.append(index.add(article))
    assert [match_view(m) for m in queried] == [match_view(m) for m in added]
    assert [m.related for m in queried] == [m.related for m in added]


def test_adding_is_idempotent_and_single_articles_give_one_match(target: Target) -> None:
    articles = articles_of(SAMPLE)[:5]
    with open_index(target) as index:
        first = index.add(articles)
        again = index.add(articles)
        one = index.add(articles[0])
        assert len(index) == 5
    assert first == again
    assert isinstance(one, Match)
    assert one == first[0]


def test_bad_batches_raise_input_errors(target: Target) -> None:
    article = Article(id="x", text=STORIES[0])
    with open_index(target) as index:
        with pytest.raises(InputError, match="occur more than once in the batch"):
            index.add([article, article])
        with pytest.raises(InputError, match="got a string"):
            index.add("نص")  # type: ignore[arg-type]
        with pytest.raises(InputError, match="wrap it in a list"):
            index.remove("x")
        assert len(index) == 0


def test_remove_and_evict_leave_what_a_scan_of_the_rest_gives(target: Target) -> None:
    articles = articles_of(SAMPLE)
    with open_index(target, NO_RELATED) as index:
        index.add(articles)
        removed = [a.id for a in articles[::3]]
        assert index.remove([*removed, "missing"]) == len(removed)
        rest = [a for a in articles if a.id not in set(removed)]
        assert_same_as_scan(index, rest, NO_RELATED)
        old = Article(id="old", text=STORIES[1], published_at="2001-01-01T00:00:00Z")
        undated = Article(id="undated", text=STORIES[2])
        index.add([old, undated])
        assert index.evict(older_than=datetime(2010, 1, 1, tzinfo=UTC)) == 1
        assert "old" not in index
        assert "undated" in index
        # Undated articles go by the time they were added.
        assert index.evict(older_than=timedelta(days=-1)) == len(rest) + 1
        assert len(index) == 0
        assert index.check() == []


# ---------------------------------------------------------------------------
# Related lists


def test_related_lists_are_close_to_the_scan_and_never_list_the_own_story(target: Target) -> None:
    articles = articles_of(SAMPLE)
    config = DedupConfig()
    report = scan(articles, config=config)
    cluster_of = {m.id: c.cluster_id for c in report.clusters for m in c.members}
    shuffled = list(articles)
    random.Random(2).shuffle(shuffled)
    with open_index(target, config) as index:
        for start in range(0, len(shuffled), 10):
            index.add(shuffled[start : start + 10])
        got = {a.id: index.get(a.id) for a in articles}
    overlap, total = 0, 0
    for article in articles:
        match = got[article.id]
        assert match is not None
        assert all(cluster_of[item.id] != cluster_of[article.id] for item in match.related)
        expected = {item.id for item in report.related[article.id][:3]}
        overlap += len(expected & {item.id for item in match.related[:3]})
        total += len(expected)
    # Scores are the scan's; only candidate generation differs (stored articles sharing a rare
    # term with the query). On the sample corpus 90 % of the scan's top-3 items are found.
    assert overlap >= 0.85 * total, (overlap, total)


# ---------------------------------------------------------------------------
# Format and parameters


def test_an_index_of_another_format_version_is_refused_with_a_clear_message(
    target: Target,
) -> None:
    with open_index(target):
        pass
    if target[0].startswith("redis://"):
        import redis

        client = redis.Redis.from_url(target[0])
        client.hset(f"dedup:{{{target[1]}}}:meta", "format_version", "999")
        client.close()
    else:
        import sqlite3

        with sqlite3.connect(target[0]) as db:
            db.execute("UPDATE meta SET value = '999' WHERE key = 'format_version'")
        db.close()
    with pytest.raises(IndexFormatError, match=r"index format version 999, but this dedup reads"):
        open_index(target)


def test_other_parameters_are_refused_and_none_means_the_stored_ones(target: Target) -> None:
    with open_index(target, DedupConfig(jaccard_threshold=0.9)):
        pass
    with pytest.raises(ConfigError, match=r"jaccard_threshold: index 0.9, given 0.8"):
        open_index(target, DedupConfig())
    with open_index(target) as index:
        assert index.config.jaccard_threshold == 0.9


def test_a_file_that_is_not_an_index_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("ليس قاعدة بيانات " * 200, encoding="utf-8")
    with pytest.raises(IndexFormatError, match="not a dedup index"):
        Index.open(path)


def test_an_index_opened_without_create_must_exist(target: Target, tmp_path: Path) -> None:
    message = r"no dedup index .*; `dedup index add` creates one"
    with pytest.raises(IndexNotFoundError, match=message):
        Index.open(target[0], name=target[1], create=False)
    if target[0].startswith("redis://"):
        import redis

        client = redis.Redis.from_url(target[0])
        assert not list(client.scan_iter(match=f"dedup:{{{target[1]}}}:*"))
        client.close()
    else:
        assert not os.path.exists(target[0])
    with open_index(target):
        pass  # created (create=True is the default)
    with Index.open(target[0], name=target[1], create=False) as index:
        assert len(index) == 0


def test_an_empty_sqlite_file_is_not_an_index_to_read(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(IndexNotFoundError, match=r"empty\.db: no dedup index there"):
        Index.open(empty, create=False)
    assert empty.stat().st_size == 0


def test_folders_and_unknown_schemes_are_refused_with_what_works(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"is a folder; give the path of an index file"):
        Index.open(tmp_path)
    with pytest.raises(InputError, match=r"the folder .* does not exist"):
        Index.open(tmp_path / "nowhere" / "news.db")
    with pytest.raises(InputError, match=r"unsupported scheme 'mysql'.*redis://, rediss://"):
        Index.open("mysql://x")
    with pytest.raises(InputError, match=r"not a valid Redis URL .*redis://HOST:PORT/DB"):
        Index.open("redis://127.0.0.1:notaport/0")


def test_a_closed_index_says_so(target: Target) -> None:
    index = open_index(target)
    index.close()
    index.close()  # closing twice is harmless
    for use in (len, lambda i: i.add(Article(id="c", text=STORIES[0])), lambda i: i.stats()):
        with pytest.raises(IndexClosedError, match=r"this index is closed; open it again"):
            use(index)


def test_evict_and_remove_give_the_disk_space_back(tmp_path: Path) -> None:
    articles = articles_of(SAUDI)[:300]
    old = [replace(a, published_at="2001-01-01T00:00:00Z") for a in articles[:270]]
    path = tmp_path / "news.db"
    with Index.open(path, config=NO_RELATED) as index:
        index.add([*old, *articles[270:]])
    full = path.stat().st_size
    with Index.open(path, create=False) as index:
        assert index.evictable(older_than=datetime(2010, 1, 1)) == sorted(a.id for a in old)
        assert index.evict(older_than=datetime(2010, 1, 1)) == 270
        assert index.remove([a.id for a in articles[270:285]]) == 15
        assert index.check() == []
    shrunk = path.stat().st_size
    print(f"evict: {full} bytes before, {shrunk} after")  # shown with pytest -s
    assert shrunk < full * 0.25, (full, shrunk)


def test_an_index_file_made_without_incremental_vacuum_shrinks_too(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # as releases before incremental vacuum made it
        db.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
    db.close()
    articles = articles_of(SAUDI)[:300]
    with Index.open(path, config=NO_RELATED) as index:
        index.add([replace(a, published_at="2001-01-01T00:00:00Z") for a in articles])
    full = path.stat().st_size
    with Index.open(path) as index:
        assert index.evict(older_than=datetime(2010, 1, 1)) == 300
        assert len(index) == 0
    assert path.stat().st_size < full * 0.25
    with sqlite3.connect(path) as db:  # converted: later evicts free pages incrementally
        assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
    db.close()


# ---------------------------------------------------------------------------
# Durability and concurrency (real processes)

WRITER = """
import sys, json
from dedup import Article, DedupConfig, RelatedConfig
from dedup.index.api import Index
target, name, path, first, step, sizes = sys.argv[1:7]
rows = [json.loads(line) for line in open(path, encoding="utf-8")]
articles = [Article(id=r["id"], text=r["text"], title=r.get("title", ""),
                    source=r.get("source", ""), published_at=r.get("published_at", ""))
            for r in rows][int(first)::int(step)]
sizes = [int(n) for n in sizes.split(",")]
with Index.open(target, name=name, config=DedupConfig(related=RelatedConfig(k=0))) as index:
    start, number = 0, 0
    while start < len(articles):
        size = sizes[min(number, len(sizes) - 1)]
        print("start", number, flush=True)
        index.add(articles[start:start + size])
        print("committed", number, flush=True)
        start, number = start + size, number + 1
"""


def _corpus_file(tmp_path: Path, articles: list[Article]) -> Path:
    path = tmp_path / "corpus.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for a in articles:
            row = {
                "id": a.id,
                "text": a.text,
                "title": a.title,
                "source": a.source,
                "published_at": a.published_at,
            }
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def _writer(target: Target, path: Path, first: int, step: int, sizes: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            WRITER,
            target[0],
            target[1],
            str(path),
            str(first),
            str(step),
            sizes,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )


def test_a_writer_killed_mid_batch_leaves_every_committed_batch_and_nothing_else(
    target: Target, tmp_path: Path
) -> None:
    articles = articles_of(SAUDI)[:700]
    path = _corpus_file(tmp_path, articles)
    # Three batches of 100, then one of 400 that takes far longer than the wait before the
    # kill (at least a millisecond an article on any machine).
    process = _writer(target, path, 0, 1, "100,100,100,400")
    assert process.stdout is not None
    committed = -1
    for line in process.stdout:
        word, number = line.split()
        if word == "committed":
            committed = int(number)
        elif int(number) == 3:  # the big batch has started: kill the writer in its middle
            time.sleep(random.Random(1).uniform(0.05, 0.15))
            os.kill(process.pid, signal.SIGKILL)
            break
    process.stdout.close()
    assert process.wait() == -signal.SIGKILL
    assert committed == 2
    with open_index(target) as index:
        assert index.check() == []
        stored = {a.id for a in articles if a.id in index}
        assert len(index) == len(stored)
    assert stored == {a.id for a in articles[:300]}, (len(stored), "of 300")


def test_two_writers_at_once_lose_no_article(target: Target, tmp_path: Path) -> None:
    articles = articles_of(SAMPLE) + articles_of(SAUDI)[:160]
    path = _corpus_file(tmp_path, articles)
    with open_index(target, NO_RELATED):
        pass  # create it first, so both writers open the same index
    writers = [_writer(target, path, first, 2, "15") for first in (0, 1)]
    outputs = [w.communicate(timeout=300)[0] for w in writers]
    assert [w.returncode for w in writers] == [0, 0], outputs
    with open_index(target) as index:
        assert len(index) == len(articles)
        assert_same_as_scan(index, articles, NO_RELATED)


# ---------------------------------------------------------------------------
# Command line


def _cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_adds_queries_reports_and_evicts(tmp_path: Path) -> None:
    db = str(tmp_path / "news.db")
    out = tmp_path / "matches.jsonl"
    added = _cli("index", "add", db, str(SAMPLE), "--out", str(out), "--batch-size", "25")
    assert added.exit_code == 0, added.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 92
    assert set(lines[0]) == {
        "id", "cluster_id", "duplicate_of", "similarity", "containment", "relation", "via",
        "template_of", "related", "rejected",
    }  # fmt: skip
    assert sum(1 for line in lines if line["duplicate_of"]) == 30
    assert "92 added, 0 already stored, 30 duplicates, 0 rejected" in added.stderr
    queried = _cli("index", "query", db, str(SAMPLE))
    assert queried.exit_code == 0
    # Stored ids get their current match (related lists now cover the whole index).
    current = [json.loads(line) for line in queried.stdout.splitlines()]
    assert [m["id"] for m in current] == [m["id"] for m in lines]
    assert sum(1 for m in current if m["duplicate_of"]) == 30
    assert "92 articles queried" in queried.stderr
    stats = json.loads(_cli("index", "stats", db).stdout)
    assert (stats["articles"], stats["format_version"], stats["backend"]) == (92, 1, "sqlite")
    evicted = _cli("index", "evict", db, "--older-than", "30d")
    assert json.loads(evicted.stdout) == {"evicted": 92, "remaining": 0}


def test_cli_writes_rejects_and_exports_what_the_scan_writes(tmp_path: Path) -> None:
    corpus = tmp_path / "feed.jsonl"
    extra = [
        {"id": "blank", "text": "   "},
        {"id": "one-word", "text": "كلمة"},
    ]
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    rows = [*lines, *(json.dumps(r, ensure_ascii=False) for r in extra), "{not json"]
    corpus.write_text("\n".join(rows) + "\n", encoding="utf-8")
    db, rejects = str(tmp_path / "news.db"), tmp_path / "rejects.jsonl"
    added = _cli("index", "add", db, str(corpus), "--rejects", str(rejects), "--out", os.devnull)
    assert added.exit_code == 0, added.output
    assert "92 added, 0 already stored, 30 duplicates, 3 rejected" in added.stderr
    rejected = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["line"]) for r in rejected] == [("blank", 93), ("one-word", 94), (None, 95)]
    assert rejected[1]["reason"].startswith("text too short to shingle")  # blank: the reader
    assert _cli("index", "export", db, "--out", str(tmp_path / "index")).exit_code == 0
    assert _cli("scan", str(corpus), "--out", str(tmp_path / "scan")).exit_code == 0
    for name in ("clusters.jsonl", "pairs.jsonl"):
        exported = (tmp_path / "index" / name).read_bytes()
        assert exported == (tmp_path / "scan" / name).read_bytes(), name
    scanned = (tmp_path / "scan" / "rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in scanned] == rejected


def test_cli_errors_are_clean(tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_text("ليس فهرسا " * 500, encoding="utf-8")
    result = _cli("index", "stats", str(bad))
    assert result.exit_code == 1
    assert "not a dedup index" in result.stderr
    assert "Traceback" not in result.output
    result = _cli("index", "evict", str(tmp_path / "x.db"), "--older-than", "soon")
    assert result.exit_code == 2
    assert "give an age such as 30d" in result.stderr


def test_cli_reports_articles_already_stored(tmp_path: Path) -> None:
    db = str(tmp_path / "news.db")
    first = _cli("index", "add", db, str(SAMPLE), "--out", os.devnull)
    assert "92 added, 0 already stored, 30 duplicates, 0 rejected" in first.stderr
    again = _cli("index", "add", db, str(SAMPLE), "--out", os.devnull)
    assert again.exit_code == 0
    assert "0 added, 92 already stored, 30 duplicates, 0 rejected" in again.stderr


def test_cli_removes_and_dry_runs_an_evict(tmp_path: Path) -> None:
    db = str(tmp_path / "news.db")
    assert _cli("index", "add", db, str(SAMPLE), "--out", os.devnull).exit_code == 0
    dry = _cli("index", "evict", db, "--older-than", "30d", "--dry-run")
    assert dry.exit_code == 0
    assert json.loads(dry.stdout) == {"would_evict": 92, "stored": 92}
    removed = _cli("index", "remove", db, "s001", "s002", "s002", "missing")
    assert removed.exit_code == 0, removed.output
    assert json.loads(removed.stdout) == {"removed": 2, "not_stored": 1, "remaining": 90}
    assert json.loads(_cli("index", "stats", db).stdout)["articles"] == 90


@pytest.mark.parametrize(
    "args",
    [
        ["stats"],
        ["query", str(SAMPLE)],
        ["evict", "--older-than", "30d"],
        ["evict", "--older-than", "30d", "--dry-run"],
        ["export", "--out", "OUT"],
        ["remove", "s001"],
    ],
)
def test_cli_reading_commands_refuse_a_missing_index(tmp_path: Path, args: list[str]) -> None:
    db = tmp_path / "typo.db"
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    result = _cli("index", args[0], str(db), *args[1:])
    assert result.exit_code == 1, result.output
    assert f"{db}: no dedup index there" in result.stderr
    assert "`dedup index add` creates one" in result.stderr
    assert "Traceback" not in result.output
    assert not db.exists()


def test_cli_location_errors_are_clean(tmp_path: Path) -> None:
    for target, message in [
        (str(tmp_path), "is a folder"),
        ("mysql://x", "unsupported scheme 'mysql'"),
        ("redis://127.0.0.1:notaport/0", "not a valid Redis URL"),
    ]:
        result = _cli("index", "add", target, str(SAMPLE))
        assert result.exit_code == 1, (target, result.output)
        assert message in result.stderr
        assert "Traceback" not in result.output


INDEX_COMMANDS = ["add", "query", "stats", "evict", "export", "remove"]


@pytest.mark.parametrize("command", INDEX_COMMANDS)
def test_every_index_command_has_help(command: str) -> None:
    result = _cli("index", command, "--help")
    assert result.exit_code == 0
    assert "DB" in result.output
    from dedup.cli import index_group

    obj = index_group.commands[command]
    assert obj.help  # a description, shown in the help text
    assert obj.help.splitlines()[0].split(" (")[0] in " ".join(result.output.split())


def test_the_index_group_lists_every_command() -> None:
    result = _cli("index", "--help")
    assert result.exit_code == 0
    for command in INDEX_COMMANDS:
        assert command in result.output


def test_another_days_bulletin_is_a_template_in_the_index_as_in_the_scan(target: Target) -> None:
    from test_template import MONDAY, SEA, TUESDAY

    articles = [
        Article(id="mon", text=MONDAY, published_at="2015-08-10T19:30:00Z"),
        Article(id="tue", text=f"{TUESDAY} {SEA}", published_at="2015-08-11T13:25:00Z"),
        Article(id="tue2", text=f"الرياض - {TUESDAY} {SEA}", published_at="2015-08-11T13:40:00Z"),
    ]
    report = scan(articles, config=NO_RELATED)
    assert {(p.a, p.b): p.relation for p in report.pairs}[("mon", "tue")] == "template"
    assert sorted(c.size for c in report.clusters) == [1, 2]
    with open_index(target, NO_RELATED) as index:
        for article in reversed(articles):
            index.add(article)
        assert_same_as_scan(index, articles, NO_RELATED)
