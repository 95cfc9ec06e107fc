"""dedup explain: the verdict of one pair is the scan's, and it says which step decided."""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_template import MONDAY, SEA, TUESDAY

from dedup import Article, DedupConfig, InputError, RelatedConfig, read_corpus, scan
from dedup.cli import main
from dedup.explain import explain_pair, explain_pairs
from dedup.records import MERGED_RELATIONS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_corpus" / "articles.jsonl"
ANT = ROOT.parent / "shared" / "data" / "ant-multisource-2018" / "articles.jsonl"
NO_RELATED = DedupConfig(related=RelatedConfig(k=0))


def _articles(path: Path, limit: int | None = None) -> list[Article]:
    found = [r for r in read_corpus(path) if isinstance(r, Article)]
    return found[:limit] if limit else found


@pytest.mark.parametrize(("path", "limit"), [(SAMPLE, None), (ANT, 600)])
def test_every_verdict_is_the_scans(path: Path, limit: int | None) -> None:
    """Every pair the scan reports, and a sample of the rest, get the scan's relation."""
    articles = _articles(path, limit)
    report = scan(articles, config=NO_RELATED)
    relation = {(p.a, p.b): p.relation for p in report.pairs}
    assert relation, "the corpus has pairs"
    others = [
        pair
        for pair in itertools.combinations(sorted(a.id for a in articles), 2)
        if pair not in relation
    ]
    checked = [*relation, *random.Random(3).sample(others, 150)]
    for (a, b), found in zip(
        checked, explain_pairs(articles, checked, config=NO_RELATED), strict=True
    ):
        assert found.relation == relation.get((a, b)), (a, b, found.decided_by)
        assert found.duplicate is (relation.get((a, b)) in MERGED_RELATIONS), (a, b)
        assert found.decided_by


def test_the_deciding_step_is_named() -> None:
    rng = random.Random(5)
    words = [
        *("وزارة", "النفط", "صادرات", "الخام", "موانئ", "البصرة"),
        *("مليون", "برميل", "يوميا", "الشهر", "الجاري", "اعلنت"),
    ]
    body = " ".join(rng.choice(words) for _ in range(120))
    other = " ".join(rng.choice(words[::-1]) for _ in range(120))
    pairs = [
        (Article("a", body), Article("b", body), "the same text"),
        (Article("a", body), Article("b", body + " ومليون برميل اضافي"), "Jaccard at or above"),
        (Article("a", "قصير جدا"), Article("b", "قصير جدا"), "too few shingles"),
        (
            Article("a", body, published_at="2024-01-01"),
            Article("b", body[: len(body) // 2] + " " + other, published_at="2024-03-01"),
            "",
        ),
    ]
    for left, right, expected in pairs:
        found = explain_pair([left, right], "a", "b", config=NO_RELATED)
        assert found.decided_by.startswith(expected) or not expected, found.decided_by
        assert 0.0 <= found.jaccard <= found.containment <= 1.0
    with pytest.raises(InputError, match="no article with the id 'z'"):
        explain_pair([Article("a", body)], "a", "z")


def test_cli_explain_prints_the_figures_and_json(tmp_path: Path) -> None:
    report = scan(_articles(SAMPLE), config=NO_RELATED)
    pair = next(p for p in report.pairs if p.relation == "near")
    text = CliRunner().invoke(main, ["explain", str(SAMPLE), "--ids", pair.a, pair.b])
    assert text.exit_code == 0, text.output
    assert "duplicate: yes (near)" in text.output
    assert f"Jaccard {pair.jaccard:.3f}" in text.output
    as_json = CliRunner().invoke(main, ["explain", str(SAMPLE), "--ids", pair.a, pair.b, "--json"])
    assert as_json.exit_code == 0
    found = json.loads(as_json.output)
    assert (found["a"], found["b"], found["relation"], found["duplicate"]) == (
        pair.a,
        pair.b,
        "near",
        True,
    )
    assert found["jaccard"] == pytest.approx(pair.jaccard, abs=1e-6)
    unknown = CliRunner().invoke(main, ["explain", str(SAMPLE), "--ids", pair.a, "nope"])
    assert unknown.exit_code == 1
    assert "no article with the id 'nope'" in unknown.stderr


def test_a_pair_only_shared_passages_propose_is_named() -> None:
    """A story inside a longer article (Jaccard ~0.3): LSH at 0.6 rarely proposes it, the
    passage branch does; with that branch off the candidate stage is what decides."""
    rng = random.Random(11)
    vocabulary = [f"{stem}{i}" for stem in ("وزارة", "صادرات", "ميناء", "مجلس") for i in range(400)]
    story = " ".join(rng.choice(vocabulary) for _ in range(90))
    longer = story + " " + " ".join(rng.choice(vocabulary) for _ in range(180))
    articles = [Article("a", story), Article("b", longer)]
    found = explain_pair(articles, "a", "b", config=NO_RELATED)
    assert not found.shares_a_band
    assert found.shares_passages
    assert found.containment > 0.9
    assert found.jaccard < 0.5
    assert "candidate stage" not in found.decided_by
    alone = explain_pair(articles, "a", "b", config=replace(NO_RELATED, passage_candidates=False))
    assert not alone.shares_passages
    assert not alone.duplicate
    assert alone.relation is None
    assert alone.decided_by.startswith("the candidate stage never proposes the pair")


def test_another_days_bulletin_is_a_template_and_explain_says_why() -> None:
    articles = [Article("mon", MONDAY), Article("tue", f"{TUESDAY} {SEA}")]
    found = explain_pair(articles, "mon", "tue", config=NO_RELATED)
    # A containment match: under the Jaccard threshold, above the containment one.
    assert found.jaccard < 0.8
    assert found.containment >= 0.7
    assert (found.duplicate, found.relation) == (False, "template")
    assert "date, compass or ordinal words the other lacks" in found.decided_by
    assert [p.relation for p in scan(articles, config=NO_RELATED).pairs] == ["template"]
