"""One contract, every driver: the same properties over each way of running the stages.

The drivers: ``dedup scan`` (all in memory, the reference), the persistent index one article
at a time and in batches (SQLite), in batches on Redis, and the scan on a Dask cluster
(``engine="dask"``, on the session's local cluster). Each is given the same records in
its own way (the index in a shuffled order) and must

- account for every input id exactly once, in a cluster or in the rejects;
- reject the same records for the same reasons as the scan;
- give the scan's clusters and verified pairs, byte for byte as the scan's writers write them;
- give related lists that never show the story's own copies, with the scan's scores for the
  items both list. The index finds candidates through capped rare-term postings, so its lists
  may hold other items, and a story's slot may be scored by a member other than the scan's
  best one: never higher than the scan's score, and equal for nearly every item.

A new driver is done when it passes: add it to ``DRIVERS``.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The real Redis server (tests/redis_server.py): importing its fixtures registers them.
from redis_server import redis_url  # noqa: F401

from dedup import Article, DedupConfig, Rejected, ScanReport, read_corpus, scan
from dedup.index.api import Index
from dedup.writers import cluster_record, pair_record

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_corpus" / "articles.jsonl"
ANT = ROOT.parent / "shared" / "data" / "ant-multisource-2018" / "articles.jsonl"

# Records no driver may store: empty after normalization, one word, too short, a tatweel and
# diacritics only; and a reader reject that must pass through with its file and line. Then
# articles of one source sharing a notice that becomes learned boilerplate: the last is short
# without it, and is admitted all the same (admission depends on the article alone).
_NOTICE = "تابعونا على حساباتنا في مواقع التواصل الاجتماعي"
EDGE_CASES: list[Article | Rejected] = [
    Article(id="notice-1", text=f"ارتفع المؤشر العام للسوق\n{_NOTICE}", source="edge"),
    Article(id="notice-2", text=f"هبط سعر الذهب في التعاملات\n{_NOTICE}", source="edge"),
    Article(id="notice-3", text=f"افتتاح معرض الكتاب في الرياض\n{_NOTICE}", source="edge"),
    Article(id="notice-4", text=f"أمطار غزيرة على مدينة جدة اليوم\n{_NOTICE}", source="edge"),
    Article(id="notice-5", text=f"لا\n{_NOTICE}", source="edge"),
    Article(id="blank", text="   \n\t "),
    Article(id="one-word", text="كلمة"),
    Article(id="too-short", text="لا"),
    Article(id="marks-only", text="ـــــ ًٌٍَُِّْ"),
    Rejected("feed.jsonl", 7, "broken", "invalid JSON (Expecting value at column 1)"),
]


@dataclass(frozen=True)
class DriverRun:
    """What a driver gave: the final state as a report, and the rejected records."""

    report: ScanReport
    rejected: tuple[Rejected, ...]


# The last argument: the Redis URL of the index on Redis, the Dask client of the dask engine.
Driver = Callable[[list[Article | Rejected], DedupConfig, Path, Any], DriverRun]


def run_scan(records: list[Article | Rejected], config: DedupConfig, _: Path, __: str) -> DriverRun:
    report = scan(records, config=config)
    return DriverRun(report, report.rejected)


def _run_index(
    records: list[Article | Rejected], config: DedupConfig, target: str, name: str, batch: int
) -> DriverRun:
    articles = [r for r in records if isinstance(r, Article)]
    rejected = [r for r in records if isinstance(r, Rejected)]
    random.Random(7).shuffle(articles)
    with Index.open(target, config=config, name=name) as index:
        for start in range(0, len(articles), batch):
            chunk = articles[start : start + batch]
            for article, match in zip(chunk, index.add(chunk), strict=True):
                if match.rejected is not None:
                    file, line = article.origin_file, article.origin_line
                    rejected.append(Rejected(file, line, article.id, match.rejected))
        report = index.export()
    rejected.sort(key=lambda r: (r.file, r.line, r.id or ""))
    return DriverRun(report, tuple(rejected))


def run_index_one_at_a_time(
    records: list[Article | Rejected], config: DedupConfig, folder: Path, _: str
) -> DriverRun:
    return _run_index(records, config, str(folder / "one.db"), "default", batch=1)


def run_index_in_batches(
    records: list[Article | Rejected], config: DedupConfig, folder: Path, _: str
) -> DriverRun:
    return _run_index(records, config, str(folder / "batches.db"), "default", batch=13)


def run_index_on_redis(
    records: list[Article | Rejected], config: DedupConfig, _: Path, url: str
) -> DriverRun:
    return _run_index(records, config, url, "contract-" + uuid.uuid4().hex[:12], batch=13)


def run_dask(
    records: list[Article | Rejected], config: DedupConfig, _: Path, client: Any
) -> DriverRun:
    from dedup.engines.dask import scan_with_client

    report = scan_with_client(records, client=client, config=config)
    return DriverRun(report, report.rejected)


DRIVERS: dict[str, Driver] = {
    "dask": run_dask,
    "scan": run_scan,
    "index-one-at-a-time": run_index_one_at_a_time,
    "index-in-batches": run_index_in_batches,
    "index-on-redis": run_index_on_redis,
}


def _corpus(name: str) -> list[Article | Rejected]:
    if name == "sample":
        return [*read_corpus(SAMPLE), *EDGE_CASES]
    # ant-multisource: several outlets, furniture, learned boilerplate lines, templates.
    return list(read_corpus(ANT))[:400]


_RUNS: dict[tuple[str, str], DriverRun] = {}


@pytest.fixture(scope="module", params=["sample", "ant-multisource"])
def corpus(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(params=sorted(DRIVERS))
def driver(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def run(
    driver: str,
    corpus: str,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> DriverRun:
    """The driver's run on the corpus (each pair runs once per test session)."""
    key = (driver, corpus)
    if key not in _RUNS:
        resources = {"index-on-redis": "redis_url", "dask": "dask_client"}
        url = request.getfixturevalue(resources[driver]) if driver in resources else ""
        folder = tmp_path_factory.mktemp(f"{driver}-{corpus}")
        _RUNS[key] = DRIVERS[driver](_corpus(corpus), DedupConfig(), folder, url)
    return _RUNS[key]


@pytest.fixture
def reference(corpus: str, tmp_path_factory: pytest.TempPathFactory) -> DriverRun:
    key = ("scan", corpus)
    if key not in _RUNS:
        _RUNS[key] = run_scan(_corpus(corpus), DedupConfig(), tmp_path_factory.getbasetemp(), "")
    return _RUNS[key]


def _lines(records: Iterator[dict[str, object]]) -> list[str]:
    return [json.dumps(record, ensure_ascii=False, sort_keys=True) for record in records]


def test_every_input_id_is_in_exactly_one_cluster_or_reject(run: DriverRun, corpus: str) -> None:
    expected = sorted(r.id or "" for r in _corpus(corpus))
    clustered = [m.id for c in run.report.clusters for m in c.members]
    rejected = [r.id or "" for r in run.rejected]
    assert sorted(clustered + rejected) == expected
    assert not set(clustered) & set(rejected)


def test_the_same_records_are_rejected_for_the_same_reasons(
    run: DriverRun, reference: DriverRun
) -> None:
    assert run.rejected == reference.rejected


def test_the_same_clusters_byte_for_byte(run: DriverRun, reference: DriverRun) -> None:
    got = _lines(cluster_record(c) for c in run.report.clusters)
    expected = _lines(cluster_record(c) for c in reference.report.clusters)
    assert len(got) == len(expected)
    different = [(a, b) for a, b in zip(got, expected, strict=True) if a != b]
    assert not different, f"{len(different)} clusters differ, e.g. {different[:2]}"


def test_the_same_pairs_byte_for_byte(run: DriverRun, reference: DriverRun) -> None:
    got = _lines(pair_record(p) for p in run.report.pairs)
    expected = _lines(pair_record(p) for p in reference.report.pairs)
    assert got == expected


def test_related_lists_never_show_the_own_story_and_agree_where_both_list(
    run: DriverRun, reference: DriverRun
) -> None:
    cluster_of = {m.id: c.cluster_id for c in run.report.clusters for m in c.members}
    canonicals = {c.canonical for c in run.report.clusters}
    assert set(run.report.related) == set(cluster_of)
    shared, equal = 0, 0
    for article_id, items in run.report.related.items():
        ids = [item.id for item in items]
        assert all(cluster_of[i] != cluster_of[article_id] for i in ids), article_id
        assert set(ids) <= canonicals  # a story is shown by its canonical
        assert len(set(ids)) == len(ids)
        scores = [item.score for item in items]
        assert scores == sorted(scores, reverse=True)
        expected = {item.id: item.score for item in reference.report.related[article_id]}
        for item in items:
            if item.id in expected:
                shared += 1
                # Scores are rounded to 6 decimals; float32 (scan) and float64 (index).
                assert item.score <= expected[item.id] + 2e-6, article_id
                equal += abs(item.score - expected[item.id]) <= 2e-6
    assert shared > 0
    assert equal >= 0.99 * shared, (equal, shared)
