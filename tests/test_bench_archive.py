"""The scale benchmark's archive: distinct stories, planted copies, truth by construction.

A chain learned from the project's own sample corpus keeps it fast (no shared data needed).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from benchmarks.archive import (
    COPY_RECIPES,
    MAX_COPIES,
    ArchiveSpec,
    MarkovChain,
    _retop,
    read_truth,
    write_archive,
)
from dedup import Article, read_corpus

SAMPLE = Path(__file__).resolve().parents[1] / "sample_corpus" / "articles.jsonl"


@pytest.fixture(scope="module")
def chain() -> MarkovChain:
    texts = [r.text for r in read_corpus(str(SAMPLE)) if isinstance(r, Article)]
    return MarkovChain(texts * 3)


@pytest.fixture(scope="module")
def archive(chain: MarkovChain, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("archive") / "a.jsonl"
    write_archive(ArchiveSpec(3000, seed=5), path, progress=False, chain=chain)
    return path


def _rows(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_every_article_has_its_family_and_recipe(archive: Path) -> None:
    rows = _rows(archive)
    family, recipe = read_truth(archive.with_name("a.truth.tsv"))
    assert len(rows) == 3000 == len(family)
    assert len({r["id"] for r in rows}) == 3000
    assert {r["id"] for r in rows} == set(family)
    for article_id, story in family.items():
        assert family[story] == story  # every family is named after its original
        kind = recipe[article_id]
        assert (kind in {"original", "template"}) == (article_id == story)
    copies = Counter(family[i] for i in family if family[i] != i)
    originals = sum(1 for i in family if recipe[i] == "original")
    assert set(Counter(recipe.values())) >= {*COPY_RECIPES, "original"}
    assert max(copies.values()) <= MAX_COPIES
    # About 15 % of the stories republished (binomial: well within 10-20 % at 2,000 stories).
    assert 0.10 < len(copies) / originals < 0.20


def test_copies_are_published_within_days_of_their_story(archive: Path) -> None:
    rows = {r["id"]: r for r in _rows(archive)}
    family, _ = read_truth(archive.with_name("a.truth.tsv"))
    for article_id, story in family.items():
        if article_id != story:
            first = np.datetime64(rows[story]["published_at"])
            later = np.datetime64(rows[article_id]["published_at"])
            assert np.timedelta64(0, "s") <= later - first <= np.timedelta64(3, "D")


def test_the_same_seed_writes_the_same_bytes(chain: MarkovChain, tmp_path: Path) -> None:
    first, second, other = tmp_path / "x.jsonl", tmp_path / "y.jsonl", tmp_path / "z.jsonl"
    write_archive(ArchiveSpec(400, seed=9), first, progress=False, chain=chain)
    write_archive(ArchiveSpec(400, seed=9), second, progress=False, chain=chain)
    write_archive(ArchiveSpec(400, seed=10), other, progress=False, chain=chain)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_stories_are_distinct(chain: MarkovChain) -> None:
    texts = chain.sample(200, np.random.default_rng(3))
    assert len(set(texts)) == 200
    assert all(len(t.split()) >= 1 for t in texts)


@pytest.mark.parametrize(
    "text",
    [
        "سطر أول قصير\n" + ". ".join(f"جملة{i} من المتن" for i in range(60)),
        "جملة أولى. " + " ".join(f"كلمة{i}" for i in range(150)),
        " ".join(f"كلمة{i}" for i in range(150)),  # one sentence: the lead goes on top
    ],
)
def test_a_retopped_copy_keeps_most_of_its_story(text: str) -> None:
    copy = _retop(text, "عنوان جديد للخبر المحدث اليوم بعد الاجتماع\nبقية")
    assert copy.startswith("عنوان جديد")
    kept = len(set(text.split()) & set(copy.split()))  # the story's words are distinct
    assert kept >= 0.66 * len(set(text.split()))
    assert len(copy) <= len(text) * 1.25
