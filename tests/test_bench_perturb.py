"""The benchmark perturbation generator: ground truth by construction, determinism by seed.

Runs on the project's own sample corpus (no shared data needed), so it is fast.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from random import Random

import pytest

from benchmarks.perturb import (
    RECIPES,
    SPELLING_KINDS,
    Perturber,
    another_cable,
    another_round,
    apply_spelling,
    list_names,
    mixed_corpus,
    name_template_corpus,
    name_template_pairs,
    recipe_scenarios,
    sentence_edit,
    sentences,
    truncate,
)
from dedup import Article, DedupConfig, RelatedConfig, normalize_text, read_corpus, scan

SAMPLE = Path(__file__).resolve().parents[1] / "sample_corpus" / "articles.jsonl"


@pytest.fixture(scope="module")
def pool() -> list[Article]:
    return [r for r in read_corpus(str(SAMPLE)) if isinstance(r, Article)]


@pytest.mark.parametrize("kind", SPELLING_KINDS)
def test_every_spelling_kind_is_undone_by_the_normalizer(pool: list[Article], kind: str) -> None:
    changed = 0
    for seed, article in enumerate(pool):
        variant = apply_spelling(article.text, Random(seed), kinds=[kind])
        assert normalize_text(variant) == normalize_text(article.text), (kind, article.id)
        changed += variant != article.text
    # Each kind must actually change text that has the letters it varies.
    assert changed >= len(pool) // 4, f"{kind} changed only {changed} of {len(pool)} texts"


def test_spelling_variant_differs_in_raw_shingles(pool: list[Article]) -> None:
    variants = [apply_spelling(a.text, Random(i)) for i, a in enumerate(pool)]
    assert sum(v != a.text for v, a in zip(variants, pool, strict=True)) >= 0.9 * len(pool)


def test_truncation_is_a_prefix_of_half_to_most_of_the_text(pool: list[Article]) -> None:
    for seed, article in enumerate(pool):
        short = truncate(article.text, Random(seed))
        head = short.removesuffix(" ...")
        assert article.text.startswith(head)
        assert 0.4 * len(article.text) <= len(head) <= 0.86 * len(article.text)


def test_sentence_edit_keeps_most_sentences(pool: list[Article]) -> None:
    rng = Random(5)
    for article in pool[:40]:
        edited = sentence_edit(article.text, rng, donor=pool[-1].text)
        assert edited != article.text
        original = {s.strip() for s in sentences(article.text)}
        kept = sum(s.strip() in original for s in sentences(edited))
        # At most one sentence dropped and one rewritten (two if short): most survive.
        assert kept >= len(original) - 3


def test_furniture_page_holds_the_whole_body(pool: list[Article]) -> None:
    perturber = Perturber.from_pool(pool[:30], Random(1), sites=4)
    for article in pool[30:50]:
        page, source = perturber.variant(article.text, "furniture", Random(2))
        body_lines = [line.strip() for line in article.text.splitlines() if line.strip()]
        for line in body_lines[1:]:  # the first line carries the site's dateline
            assert line in page
        assert source in {site.name for site in perturber.sites}
        assert len(page) > len(article.text)


def test_scenarios_ground_truth_by_construction(pool: list[Article]) -> None:
    scenarios = recipe_scenarios(12, seed=3, pool=pool)
    assert set(scenarios) == set(RECIPES)
    originals = {a.id: a for a in pool}
    for recipe, corpus in scenarios.items():
        ids = [a.id for a in corpus.articles]
        assert len(ids) == len(set(ids))
        bases = [a for a in corpus.articles if corpus.recipe[a.id] == "original"]
        variants = [a for a in corpus.articles if corpus.recipe[a.id] == recipe]
        assert len(bases) == len(variants) >= 6
        for base in bases:
            assert corpus.family[base.id] == base.id
            assert base.text == originals[base.id].text
        for variant in variants:
            family = corpus.family[variant.id]
            assert variant.id == f"{family}~{recipe}1"
            assert variant.text != originals[family].text
        # Bases are distinct stories: every family has exactly one original.
        assert len({corpus.family[b.id] for b in bases}) == len(bases)


def test_same_seed_same_corpus_other_seed_other_corpus(pool: list[Article]) -> None:
    first = mixed_corpus(10, seed=4, pool=pool)
    again = mixed_corpus(10, seed=4, pool=pool)
    other = mixed_corpus(10, seed=5, pool=pool)
    assert [(a.id, a.text, a.source) for a in first.articles] == [
        (a.id, a.text, a.source) for a in again.articles
    ]
    assert first.family == again.family
    assert first.recipe == again.recipe
    assert [a.text for a in first.articles] != [a.text for a in other.articles]
    sizes = Counter(first.family.values()).values()
    assert min(sizes) >= 2  # an original and one to three variants
    assert max(sizes) <= 4


# ---------------------------------------------------------------------------
# Name templates: real lists and cables with a sibling of other names.

_FIXTURES = (
    "تدور اليوم مقابلات الجولة الثامنة من البطولة وفق البرنامج التالي : الساعة 14:00 "
    "النجم الساحلي – النادي الإفريقي / يوسف السرايري الترجي الرياضي – الملعب القابسي / "
    "وليد المنصري مستقبل المرسى – اتحاد بن قردان / نعيم حسني"
)
_CABLE_TEXT = (
    "بعث خادم الحرمين الشريفين برقية تهنئة لفخامة الرئيس توني تان كنق يام رئيس جمهورية "
    "سنغافورة بمناسبة ذكرى اليوم الوطني لبلاده، ولحكومة وشعب جمهورية سنغافورة الصديق."
)
_DONOR_CABLE = (
    "بعث خادم الحرمين الشريفين برقية تهنئة للرئيس رفائيل كوريا رئيس جمهورية الإكوادور "
    "بمناسبة ذكرى يوم الاستقلال لبلاده."
)


def test_another_round_pairs_the_names_otherwise_and_changes_the_round() -> None:
    names = list_names(_FIXTURES)
    assert "النادي الإفريقي" in names
    assert len(names) >= 6
    sibling = another_round(_FIXTURES, Random(3), ["الاتحاد المنستيري", "هيثم قيراط"])
    assert sibling is not None
    assert sibling != _FIXTURES
    assert "الجولة الثامنة" not in sibling or "14" not in sibling
    assert another_round(_FIXTURES, Random(3), ["x"]) == another_round(_FIXTURES, Random(3), ["x"])
    assert another_round("خبر بلا قائمة", Random(3)) is None


def test_another_cable_changes_leader_and_country_everywhere() -> None:
    sibling = another_cable(_CABLE_TEXT, _DONOR_CABLE)
    assert sibling is not None
    assert "سنغافورة" not in sibling
    assert "توني تان" not in sibling
    assert sibling.count("الإكوادور") == 2
    assert "رفائيل كوريا" in sibling
    assert another_cable(_CABLE_TEXT, _CABLE_TEXT) is None


def test_the_template_guard_keeps_name_templates_apart() -> None:
    corpus = name_template_corpus(seed=6, limit=60)
    pairs = name_template_pairs(corpus)
    assert len(pairs) >= 30
    merged = {}
    for guard in (True, False):
        config = DedupConfig(related=RelatedConfig(k=0), template_guard=guard)
        report = scan(corpus.articles, config=config)
        cluster_of = {m.id: c.cluster_id for c in report.clusters for m in c.members}
        merged[guard] = sum(cluster_of[a] == cluster_of[b] for a, b in pairs)
    # Without the guard most siblings are merged (they share the formula); with it few are.
    assert merged[False] >= len(pairs) // 2
    assert merged[True] <= len(pairs) // 10
