"""Both cores: worker processes give the same results as the calling process, in order."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import Article, DedupConfig, RelatedConfig, pipeline, read_corpus, scan, verify
from dedup.cli import main
from dedup.errors import ConfigError, DedupError
from dedup.normalize import normalize_text
from dedup.parallel import Built, WorkerPool, encode_frame, read_frame, run_task
from dedup.prepare import prepare_texts
from dedup.writers import write_report

SAMPLE = Path(__file__).resolve().parents[1] / "sample_corpus" / "articles.jsonl"
REPO = Path(__file__).resolve().parents[1]


def sample_articles() -> list[Article]:
    return [record for record in read_corpus(str(SAMPLE)) if isinstance(record, Article)]


@settings(max_examples=200)
@given(st.recursive(st.text() | st.integers() | st.booleans(), st.lists, max_leaves=20))
def test_a_frame_carries_any_json_value_and_any_string(value: object) -> None:
    """Lone surrogates (the readers' undecodable bytes) included."""
    stream = io.BytesIO(encode_frame(value) + encode_frame("end"))
    assert read_frame(stream) == value
    assert read_frame(stream) == "end"
    assert read_frame(stream) is None


def test_a_worker_answers_as_this_process_does() -> None:
    texts = [a.text for a in sample_articles()[:40]] + ["کوردستانـــ\u2028إقليمٌ ٢٠٢٣\r\nآخر تحديث"]
    payload = {"config": DedupConfig().to_dict(), "texts": texts, "sources": [""] * len(texts)}
    with WorkerPool(2) as pool:
        # Two chunks: one computed here, one by the worker, whichever is free first.
        answers = pool.map("prepare", [payload, payload])
    local = run_task("prepare", payload)
    assert answers == [local, local]
    assert json.loads(json.dumps(local)) == local  # JSON values only: no tuple to lose


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_result_is_converted_as_it_comes_and_kept_in_order(jobs: int) -> None:
    texts = ["ارتفاع اسعار النفط", "هبوط الذهب", "افتتاح المعرض", "خبر عاجل"]
    payloads = Built(
        len(texts),
        lambda i: {"config": {}, "texts": [texts[i]], "sources": [""]},
    )
    converted: list[int] = []

    def first_line(result: dict[str, list[list[str]]]) -> str:
        converted.append(1)
        return result["lines"][0][0]

    with WorkerPool(jobs) as pool:
        found = pool.map("prepare", payloads, convert=first_line)
    assert found == [normalize_text(text) for text in texts]
    assert len(converted) == len(texts)


def test_prepared_texts_are_the_same_for_any_number_of_jobs() -> None:
    articles = sample_articles() * 8  # 736 articles: three chunks
    config = DedupConfig()
    seen = []
    with WorkerPool(3) as pool:
        parallel = prepare_texts(articles, config, pool=pool, progress=lambda d, t: seen.append(d))
    assert parallel == prepare_texts(articles, config)
    assert len(seen) == 3  # one report per chunk, done counts rising to the total
    assert seen == sorted(seen)
    assert seen[-1] == len(articles)


def _written(tmp_path: Path, name: str, jobs: int) -> dict[str, bytes]:
    # Four copies of every article under other ids: 368 articles, two chunks.
    copies = [replace(a, id=f"{n}-{a.id}") for n, a in enumerate(sample_articles() * 4)]
    report = scan(copies, config=DedupConfig(related=RelatedConfig(k=3)), jobs=jobs)
    write_report(report, tmp_path / name)
    return {
        path.name: path.read_bytes()
        for path in sorted((tmp_path / name).iterdir())
        if path.name != "summary.json"
    }


def test_scan_output_is_byte_identical_for_any_jobs(tmp_path: Path) -> None:
    one, two = _written(tmp_path, "one", 1), _written(tmp_path, "two", 2)
    assert one == two
    assert len(one["clusters.jsonl"].splitlines()) > 0


def _tasks_asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The task name of every chunk the pools are asked for from now on (the list grows)."""
    asked: list[str] = []
    original = WorkerPool.map

    def counting(self: WorkerPool, task: str, payloads: list[object], **kwargs: object) -> list:
        asked.extend([task] * len(payloads))
        return original(self, task, payloads, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(WorkerPool, "map", counting)
    return asked


def test_relations_read_by_the_workers_are_the_callers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of accepted pairs go to the pool (small chunks: the sample corpus has ~100
    accepted pairs) and come back as the relations one process reads, in pair order."""
    monkeypatch.setattr(verify, "_RELATION_CHUNK", 4)
    asked = _tasks_asked(monkeypatch)
    config = DedupConfig(related=RelatedConfig(k=0))
    alone = scan(sample_articles(), config=config, jobs=1)
    shared = scan(sample_articles(), config=config, jobs=2)
    assert asked.count("relations") > 10
    assert [(p.a, p.b, p.relation) for p in shared.pairs] == [
        (p.a, p.b, p.relation) for p in alone.pairs
    ]
    assert {p.relation for p in alone.pairs} >= {"exact", "near"}
    assert shared.clusters == alone.clusters


def test_sketches_from_the_workers_are_the_callers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shingle sizes, exact groups, signatures and fingerprints, chunked over a pool (small
    chunks: the sample corpus is 92 articles), equal the one-process batches; exact copies
    in different chunks still share a group."""
    monkeypatch.setattr(pipeline, "_POOL_SKETCH_BATCH", 10)
    config = DedupConfig()
    texts = [*prepare_texts(sample_articles() * 2, config).shingle_texts, ""]
    seen: list[int] = []
    with WorkerPool(2) as pool:
        shared, _ = pipeline._shingle_and_sign(texts, config, lambda s, d, t: seen.append(d), pool)
    alone, _ = pipeline._shingle_and_sign(texts, config, lambda s, d, t: None)
    assert np.array_equal(shared.sizes, alone.sizes)
    assert np.array_equal(shared.groups, alone.groups)
    assert np.array_equal(shared.signatures, alone.signatures)
    assert shared.fingerprints is not None
    assert alone.fingerprints is not None
    assert np.array_equal(shared.fingerprints.hashes, alone.fingerprints.hashes)
    assert np.array_equal(shared.fingerprints.offsets, alone.fingerprints.offsets)
    assert shared.groups[92] == 0, "the copy in a later chunk joins the first text's group"
    assert shared.groups[-1] == len(texts) - 1, "an empty text is never grouped"
    assert max(seen) == len(texts)


def test_related_lists_stemmed_by_the_workers_are_the_callers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The related lists' stemming, chunked over a pool (small chunks: the sample corpus is
    92 articles) and stemmed a window of chunks at a time as the fit reads it, gives the
    lists of one process."""
    monkeypatch.setattr(pipeline, "_POOL_STEM_BATCH", 10)
    monkeypatch.setattr(pipeline, "_STEM_WINDOW_CHUNKS", 3)
    asked = _tasks_asked(monkeypatch)
    alone = scan(sample_articles(), jobs=1)
    shared = scan(sample_articles(), jobs=2)
    assert asked.count("stem") >= 9
    assert shared.related == alone.related
    assert sum(len(items) for items in alone.related.values()) > 50


def test_a_worker_killed_mid_run_is_a_dedup_error_with_a_hint() -> None:
    payload = {"config": {}, "texts": ["خبر"], "sources": [""]}
    with WorkerPool(2) as pool:
        pool.map("prepare", [payload, payload])
        worker = pool._workers[0]
        worker.process.kill()
        worker.process.wait()
        with pytest.raises(DedupError, match=r"exited with code -9 .*--jobs 1"):
            pool.map("prepare", [payload] * 6)


def test_a_failing_task_raises_the_earliest_chunks_error() -> None:
    good = {"config": {}, "texts": ["خبر"], "sources": [""]}
    bad = {"config": {"ngram": 0}, "texts": ["خبر"], "sources": [""]}
    with WorkerPool(2) as pool, pytest.raises(DedupError, match="ngram"):
        pool.map("prepare", [good, bad, good, good])
    known = "known: prepare, relations, sketch"
    with pytest.raises(ConfigError, match=f"unknown worker task 'nope'; {known}"):
        run_task("nope", {})


def test_jobs_must_be_a_whole_number_of_one_or_more() -> None:
    for jobs in (0, -1, 1.5, True):
        with pytest.raises(ConfigError, match="jobs must be a whole number >= 1"):
            WorkerPool(jobs)  # type: ignore[arg-type]
    result = CliRunner().invoke(main, ["scan", str(SAMPLE), "--out", "x", "--jobs", "0"])
    assert result.exit_code == 2
    assert "--jobs" in result.output


def test_an_unguarded_script_is_not_run_again_by_the_workers(tmp_path: Path) -> None:
    """multiprocessing's spawn would re-run this script's top level in every child."""
    runs = tmp_path / "runs.txt"
    script = tmp_path / "ingest.py"
    script.write_text(
        "import dedup\n"
        f"with open({str(runs)!r}, 'a') as log:\n"
        "    log.write('run\\n')\n"
        f"articles = [a for a in dedup.read_corpus({str(SAMPLE)!r})] * 6\n"
        "articles = [dedup.Article(id=f'{n}', text=a.text) for n, a in enumerate(articles)]\n"
        "report = dedup.scan(articles, config=dedup.DedupConfig("
        "related=dedup.RelatedConfig(k=0)), jobs=2)\n"
        "print(len(report.clusters))\n"
    )
    finished = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert finished.returncode == 0, finished.stderr
    assert runs.read_text() == "run\n"
    assert int(finished.stdout) < 6 * 92
