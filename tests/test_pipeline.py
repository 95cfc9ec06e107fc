"""scan + write_report end to end: deterministic outputs, nothing lost, an honest summary."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import planted_corpus, random_sentence

from dedup import (
    Article,
    ConfigError,
    DedupConfig,
    InputError,
    Rejected,
    RelatedConfig,
    __version__,
    pipeline,
    read_corpus,
    scan,
    write_report,
)
from dedup.normalize import normalize_text

STAGES = {"read", "prepare", "shingle", "signature", "candidates", "verify", "cluster", "related"}
DEFAULTS_WITHOUT_RELATED = DedupConfig(related=RelatedConfig(k=0))


def run(records: list[Article | Rejected], out: Path, config: DedupConfig) -> dict[str, bytes]:
    write_report(scan(records, config=config), out)
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def without_seconds(summary: bytes) -> dict[str, object]:
    data = json.loads(summary)
    del data["seconds"]
    return data


@pytest.fixture(scope="module")
def real_records(data_dir: Path) -> list[Article | Rejected]:
    return list(read_corpus(data_dir / "semeval2022-task8-ar-hfl-sample" / "articles.jsonl"))


# ---------------------------------------------------------------------------
# Determinism


def test_same_input_twice_gives_byte_identical_outputs(
    real_records: list[Article | Rejected], tmp_path: Path
) -> None:
    # Default configuration (furniture, boilerplate and template guard on) on real news.
    first = run(real_records, tmp_path / "1", DEFAULTS_WITHOUT_RELATED)
    second = run(real_records, tmp_path / "2", DEFAULTS_WITHOUT_RELATED)
    assert set(first) == {
        "clusters.jsonl",
        "pairs.jsonl",
        "rejects.jsonl",
        "related.jsonl",
        "summary.json",
    }
    for name in ("clusters.jsonl", "pairs.jsonl", "rejects.jsonl"):
        assert first[name] == second[name], name
    assert first["pairs.jsonl"]  # the sample has duplicates, so this compares something
    assert without_seconds(first["summary.json"]) == without_seconds(second["summary.json"])


def test_shuffled_input_gives_identical_clusters_and_pairs(
    real_records: list[Article | Rejected], tmp_path: Path
) -> None:
    shuffled = list(real_records)
    random.Random(7).shuffle(shuffled)
    first = run(real_records, tmp_path / "1", DEFAULTS_WITHOUT_RELATED)
    second = run(shuffled, tmp_path / "2", DEFAULTS_WITHOUT_RELATED)
    assert first["clusters.jsonl"] == second["clusters.jsonl"]
    assert first["pairs.jsonl"] == second["pairs.jsonl"]


def test_shuffled_planted_corpus_gives_identical_outputs(
    tmp_path: Path, oracle_config: DedupConfig
) -> None:
    articles = planted_corpus(40, stories=20)
    shuffled = list(articles)
    random.Random(40).shuffle(shuffled)
    first = run(list(articles), tmp_path / "1", oracle_config)
    second = run(list(shuffled), tmp_path / "2", oracle_config)
    assert first["clusters.jsonl"] == second["clusters.jsonl"]
    assert first["pairs.jsonl"] == second["pairs.jsonl"]
    assert first["rejects.jsonl"] == second["rejects.jsonl"]  # no file/line: same sort


# ---------------------------------------------------------------------------
# Nothing lost

GOOD, SHORT, BAD_JSON, NOT_OBJECT, NO_ID, EMPTY_TEXT, DUPLICATE = (
    "good",
    "short",
    "bad_json",
    "not_object",
    "no_id",
    "empty_text",
    "duplicate",
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kinds=st.lists(
        st.sampled_from(
            [GOOD, GOOD, GOOD, SHORT, BAD_JSON, NOT_OBJECT, NO_ID, EMPTY_TEXT, DUPLICATE]
        ),
        max_size=25,
    ),
    seed=st.integers(0, 10_000),
)
def test_nothing_lost(
    kinds: list[str], seed: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    rng = random.Random(seed)
    folder = tmp_path_factory.mktemp("nothing-lost")
    stories = [random_sentence(rng, 40) for _ in range(3)]
    lines: list[str] = []
    expected_accepted: dict[int, str] = {}  # line number -> id
    ids: list[str] = []
    for number, kind in enumerate(kinds, start=1):
        new_id = f"id-{number}"
        if kind == GOOD:
            # Some copies of a few stories, so clusters of several members appear.
            text = rng.choice(stories) + " " + random_sentence(rng, rng.randint(0, 3))
            record: object = {"id": new_id, "text": text}
            expected_accepted[number] = new_id
            ids.append(new_id)
        elif kind == SHORT:
            record = {"id": new_id, "text": "، بب !"}  # 2 letters after normalization
        elif kind == NO_ID:
            record = {"text": rng.choice(stories)}
        elif kind == EMPTY_TEXT:
            record = {"id": new_id, "text": "   "}
        elif kind == DUPLICATE and ids:
            record = {"id": rng.choice(ids), "text": rng.choice(stories)}
        elif kind == NOT_OBJECT:
            record = [new_id, "نص"]
        else:  # BAD_JSON, or a duplicate with nothing to duplicate yet
            lines.append('{"id": "' + new_id + '", "text": "خبر')
            continue
        lines.append(json.dumps(record, ensure_ascii=False))
    path = folder / "in.jsonl"
    # At least one good record, so the file always has the text field somewhere.
    lines.append(json.dumps({"id": "last", "text": stories[0]}, ensure_ascii=False))
    expected_accepted[len(lines)] = "last"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")

    out = folder / "out"
    write_report(scan(read_corpus(path), config=DEFAULTS_WITHOUT_RELATED), out)

    clusters = [json.loads(x) for x in (out / "clusters.jsonl").read_text("utf-8").splitlines()]
    rejects = [json.loads(x) for x in (out / "rejects.jsonl").read_text("utf-8").splitlines()]
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    member_ids = [m["id"] for c in clusters for m in c["members"]]
    reject_lines = [r["line"] for r in rejects]

    assert len(member_ids) == len(set(member_ids))  # every accepted id exactly once
    assert sorted(member_ids) == sorted(expected_accepted.values())
    assert len(reject_lines) == len(set(reject_lines))
    assert set(reject_lines).isdisjoint(expected_accepted)
    assert sorted([*reject_lines, *expected_accepted]) == list(range(1, len(lines) + 1))
    assert all(r["file"] == str(path) for r in rejects)
    assert all(c["size"] == len(c["members"]) for c in clusters)
    counts = summary["counts"]
    assert counts["input_records"] == len(lines)
    assert counts["accepted"] + counts["rejected"] == len(lines)
    assert counts["accepted"] == len(member_ids)
    assert counts["rejected"] == len(rejects)
    assert counts["clusters"] == len(clusters)


# ---------------------------------------------------------------------------
# The report


def test_summary_contents(oracle_config: DedupConfig) -> None:
    articles = planted_corpus(50, stories=10)
    report = scan(
        [*articles, Rejected("in.jsonl", 4, None, "invalid JSON: x at column 1")],
        config=oracle_config,
    )
    stats = report.stats
    assert stats["version"] == __version__
    assert stats["config_fingerprint"] == oracle_config.fingerprint
    bands, rows = oracle_config.bands_rows
    assert stats["parameters"] == {**oracle_config.to_dict(), "bands": bands, "rows": rows}
    assert set(stats["seconds"]) == STAGES
    assert all(isinstance(v, float) and v >= 0 for v in stats["seconds"].values())
    counts = stats["counts"]
    accepted = sum(c.size for c in report.clusters)
    assert counts["input_records"] == len(articles) + 1
    assert counts["accepted"] == accepted
    assert counts["rejected"] == len(report.rejected)
    assert counts["clusters"] == len(report.clusters)
    assert counts["duplicate_clusters"] == sum(1 for c in report.clusters if c.size > 1)
    assert counts["articles_in_duplicate_clusters"] == sum(
        c.size for c in report.clusters if c.size > 1
    )
    assert counts["pairs"] == len(report.pairs)
    assert counts["pairs_by_relation"] == {
        r: sum(1 for p in report.pairs if p.relation == r)
        for r in sorted({p.relation for p in report.pairs})
    }
    assert sum(counts["rejects_by_reason"].values()) == len(report.rejected)
    assert counts["verified_exactly"] + counts["prefiltered_out"] == counts["candidates"]
    tiny = [
        a
        for a in articles
        if a.id not in {r.id for r in report.rejected}
        and len({a.text[i : i + 5] for i in range(len(a.text) - 4)}) < 20
    ]
    assert counts["too_small_to_match"] == len(tiny)
    json.dumps(stats)  # plain JSON values only


def test_rejects_pass_through_and_are_sorted(oracle_config: DedupConfig) -> None:
    story = random_sentence(random.Random(1), 30)
    records: list[Article | Rejected] = [
        Rejected("b.jsonl", 2, None, "invalid JSON: x at column 1"),
        Article("ok", story, origin_file="a.jsonl", origin_line=5),
        Article("short", "بب", origin_file="a.jsonl", origin_line=9),
        Rejected("a.jsonl", 7, "dup", "duplicate id (first occurrence kept)"),
    ]
    report = scan(records, config=oracle_config)
    assert [(r.file, r.line, r.id) for r in report.rejected] == [
        ("a.jsonl", 7, "dup"),
        ("a.jsonl", 9, "short"),
        ("b.jsonl", 2, None),
    ]
    too_short = report.rejected[1].reason
    assert too_short == (
        "text too short to shingle (2 characters after normalization and "
        "furniture stripping; needs at least 5)"
    )
    assert [c.canonical for c in report.clusters] == ["ok"]


def test_text_that_normalizes_to_nothing_is_rejected(oracle_config: DedupConfig) -> None:
    marks_only = "\u064e\u0651 \u0640\u0640 ، ؟ \u200c"
    assert normalize_text(marks_only) == ""
    report = scan([Article("marks", marks_only)], config=oracle_config)
    assert report.clusters == ()
    assert [r.id for r in report.rejected] == ["marks"]


def test_empty_corpus(oracle_config: DedupConfig) -> None:
    report = scan([], config=oracle_config)
    assert (report.clusters, report.pairs, report.rejected) == ((), (), ())
    assert report.stats["counts"]["input_records"] == 0


def test_progress_reports_every_stage_chunk_by_chunk(
    oracle_config: DedupConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = planted_corpus(60, stories=5)
    unblocked = scan(articles, config=replace(oracle_config, related=RelatedConfig(k=3)))
    monkeypatch.setattr(pipeline, "_SHINGLE_BATCH", 8)
    monkeypatch.setattr(pipeline, "_VERIFY_BLOCK", 5)
    calls: list[tuple[str, int, int]] = []
    report = scan(
        articles,
        config=replace(oracle_config, related=RelatedConfig(k=3)),
        progress=lambda stage, done, total: calls.append((stage, done, total)),
    )
    counts = report.stats["counts"]
    accepted = counts["accepted"]
    final = {stage: (done, total) for stage, done, total in calls}
    bands, _ = oracle_config.bands_rows
    steps = bands + oracle_config.passage_candidates  # one step per band, one for passages
    assert final == {
        "read": (len(articles), len(articles)),
        "prepare": (len(articles), len(articles)),
        "shingle": (accepted, accepted),
        "signature": (accepted, accepted),
        "candidates": (steps, steps),
        "verify": (counts["candidates"], counts["candidates"]),
        "cluster": (accepted, accepted),
        "related": (accepted, accepted),
    }
    # Chunk by chunk: several reports, never going back, for the chunked stages.
    for stage in ("shingle", "signature", "candidates", "verify"):
        done = [d for s, d, _ in calls if s == stage]
        assert len(done) > 2, stage
        assert done == sorted(done), stage
    # Blocks change nothing but the reports.
    assert unblocked.pairs == report.pairs
    assert unblocked.clusters == report.clusters
    assert unblocked.related == report.related


def test_exact_copies_count(oracle_config: DedupConfig) -> None:
    story = random_sentence(random.Random(2), 40)
    other = random_sentence(random.Random(3), 40)
    report = scan(
        [Article("a", story), Article("b", story), Article("c", story), Article("d", other)],
        config=oracle_config,
    )
    counts = report.stats["counts"]
    assert counts["exact_duplicate_articles"] == 2
    assert counts["pairs_by_relation"] == {"exact": 3}
    assert [c.size for c in report.clusters if c.canonical == "a"] == [3]


def test_normalization_options_reach_the_shingles() -> None:
    rng = random.Random(4)
    body = random_sentence(rng, 6)
    egypt = f"{body} المسئول والمسئولة عن رئاسة الهيئة"
    levant = f"{body} المسؤول والمسؤولة عن رئاسة الهيئة"
    base = DedupConfig(
        related=RelatedConfig(k=0),
        strip_furniture=False,
        learn_boilerplate=False,
        template_guard=False,
        jaccard_threshold=0.95,
        containment_threshold=0.95,
        candidate_threshold=0.3,
        min_shingles=5,
    )
    folded = DedupConfig.from_dict(
        {**base.to_dict(), "normalization": {"fold_hamza_carriers": True}}
    )
    articles = [Article("eg", egypt), Article("lv", levant)]
    assert scan(articles, config=base).pairs == ()
    (pair,) = scan(articles, config=folded).pairs
    assert pair.jaccard == 1.0


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([{"id": "a", "text": "نص"}], r"item 0 is a dict, not an Article; build records with"),
        ("نص خبر", r"scan expects a collection of articles, got one str"),
    ],
)
def test_records_that_are_not_articles_are_a_clear_input_error(
    records: object, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        scan(records)  # type: ignore[arg-type]


def test_a_config_that_is_not_a_dedup_config_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"config must be a DedupConfig, got dict"):
        scan([], config={"ngram": 5})  # type: ignore[arg-type]


def test_a_tiny_memory_limit_changes_the_work_not_the_report(oracle_config: DedupConfig) -> None:
    articles = planted_corpus(60, stories=5)
    config = replace(oracle_config, related=RelatedConfig(k=0))
    roomy = scan(articles, config=config)
    tight = scan(articles, config=config, memory_limit=1)  # fingerprints in many spilled parts
    assert tight.pairs == roomy.pairs
    assert tight.clusters == roomy.clusters
    assert tight.stats["counts"] == roomy.stats["counts"]
    assert any(pair.relation == "near" for pair in roomy.pairs)


def test_the_cli_reads_a_memory_limit_and_refuses_a_wrong_one(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from dedup.cli import main

    corpus = tmp_path / "in.jsonl"
    corpus.write_text(
        "".join(
            json.dumps({"id": a.id, "text": a.text}, ensure_ascii=False) + "\n"
            for a in planted_corpus(20, stories=3)
            if isinstance(a, Article)
        ),
        encoding="utf-8",
    )
    runner = CliRunner()
    base = ["scan", str(corpus), "--related-k", "0", "-q"]
    roomy = runner.invoke(main, [*base, "--out", str(tmp_path / "a")])
    tight = runner.invoke(main, [*base, "--out", str(tmp_path / "b"), "--memory-limit", "1K"])
    assert roomy.exit_code == tight.exit_code == 0, tight.output
    assert (tmp_path / "a" / "pairs.jsonl").read_bytes() == (
        tmp_path / "b" / "pairs.jsonl"
    ).read_bytes()
    wrong = runner.invoke(main, [*base, "--out", str(tmp_path / "c"), "--memory-limit", "lots"])
    assert wrong.exit_code == 2
    assert "'lots' is not a size" in wrong.output


def test_the_shingle_cache_answers_a_pair_when_it_fills_up_between_its_two_texts() -> None:
    """Clustering asks for pairs whose first text is cached and whose second is not; when
    that fills the cache, both must be shingled again (a KeyError at 100k articles)."""
    from dedup.pipeline import _ShingleCache
    from dedup.shingle import shingle_texts

    texts = ["خبر عن افتتاح معرض الكتاب", "ارتفاع اسعار النفط اليوم", "فاز الفريق بالمباراة"]
    cache = _ShingleCache(texts, 5, capacity=2)
    cache.pair(0, 1)
    both = cache.pair(1, 2)  # 1 cached, 2 missing, the cache full
    expected = shingle_texts([texts[1], texts[2]], 5)
    assert both.sizes.tolist() == expected.sizes.tolist()
    assert both.hashes.tolist() == expected.hashes.tolist()


def test_texts_kept_on_disk_give_the_same_report_with_related_lists_on_both_cores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # memory_limit=1: the prepared and page texts go to temporary files (dedup.spill) and
    # the pool reads its chunks from there (chunks of 16 texts, so that the sample corpus
    # is many chunks); a roomy limit keeps them in memory.
    monkeypatch.setattr(pipeline, "_POOL_SKETCH_BATCH", 16)
    monkeypatch.setattr(pipeline, "_POOL_STEM_BATCH", 16)
    records = list(read_corpus(Path(__file__).parents[1] / "sample_corpus" / "articles.jsonl"))
    roomy = scan(records, jobs=2)
    tight = scan(records, jobs=2, memory_limit=1)
    assert tight.pairs == roomy.pairs
    assert tight.clusters == roomy.clusters
    assert tight.related == roomy.related
    assert tight.rejected == roomy.rejected
    assert sum(map(len, roomy.related.values())) > 0
    assert any(c.size > 1 for c in roomy.clusters)
    assert all(r.text for r in records if isinstance(r, Article))  # the caller's keep theirs
