"""Duplicate-detection quality of the project and the baselines, side by side, in one run.

Every recipe of :mod:`benchmarks.recipes` (``dedup``, the plain datasketch recipe, rensa when
installed, the datatrove-like word 5-gram configuration) gets the same articles:

(a) ``sample_corpus/``: the 92 articles written for the project and their labels (14
    duplicate families; the template groups and related pairs must stay apart): pair
    precision/recall/F1, false merges, adjusted Rand index (ARI).
(b) the editor-judged pairs of ``../shared/data/judged-duplicates-dev`` (``DUP`` and ``UPDATE``
    positive), scanned inside their whole corpora (``saudinewsnet`` + ``ant-multisource-2018``,
    13,543 articles), and the ``judged-related-dev`` judgments on the same scan: a query merged
    with a document graded 0-2 (related, not the same article) is a false merge.
(c) the silver pairs of every ``../shared/data/*/near_dup_pairs_char5_j0.8.jsonl`` (made by
    a datasketch MinHash method with exact 5-gram Jaccard >= 0.8 on whitespace-collapsed text:
    the datasketch recipe's own rule, so never the only evidence): silver recall, and pairs
    merged beyond the silver clusters (not necessarily wrong: the silver list has no
    containment and no normalization).
(d) perturbations of real articles (:mod:`benchmarks.perturb`): for each recipe of variant,
    distinct real bodies each with one variant (recall of the constructed pairs; false merges
    between different bodies), 60 formulaic template reports (every merge is false), and a
    mixed corpus (one to three variants of random recipes per body: F1 and ARI), and name
    templates (real fixture, results and referee lists and cables, each with a sibling of
    other names: the (base, sibling) pairs merged, every one false). The
    brute-force oracle (exact similarities of every pair) says what each tool's LSH should
    find: for ``dedup`` the pairs its own rule accepts on its prepared text, for the baselines
    the pairs with exact Jaccard >= 0.8 on their own shingles; "LSH recall" is the share of
    those the tool found.

The datasketch row is computed with ``MinHash.bulk``, whose signatures equal the plain
recipe's ``MinHash.update`` ones (``benchmarks.speed`` checks it), so its clusters are the
plain recipe's.

Usage::

    python -m benchmarks.quality [--bases 300] [--seed 6] [--quick] [--recipes dedup rensa]

``--quick`` (under two minutes): 60 bodies per scenario, the judged pairs scanned among their
own articles only, silver pairs of the two small folders.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._data import DATA, load_articles, load_jsonl, load_pairs, load_qrels
from benchmarks._metrics import as_labels, oracle_pairs, pair_scores, recall_of_pairs
from benchmarks._report import Table, print_json, publish, stage
from benchmarks.furniture_pages import make_formulaic_reports
from benchmarks.perturb import RECIPES as VARIANTS
from benchmarks.perturb import (
    Corpus,
    mixed_corpus,
    name_template_corpus,
    name_template_pairs,
    real_articles,
    recipe_scenarios,
)
from benchmarks.recipes import (
    RECIPES,
    Outcome,
    available_recipes,
    char_shingles,
    collapse,
    components,
    datatrove_shingles,
)
from dedup import Article, DedupConfig, RelatedConfig, read_corpus
from dedup.prepare import prepare_texts
from dedup.shingle import shingle_texts
from dedup.verify import SimilarityRule

SAMPLE = Path(__file__).resolve().parents[1] / "sample_corpus"
JUDGED_CORPORA = ("saudinewsnet", "ant-multisource-2018")
SILVER_FOLDERS = (
    "ans-headline-stance",
    "ant-jawharafm-2017",
    "ant-multisource-2018",
    "araplagdet-2015",
    "saudinewsnet",
    "semeval2022-task8-ar-hfl-sample",
    "sts2017-ar-ar",
)
STANCE_FOLDER = "ans-headline-stance"
QUICK_SILVER = ("semeval2022-task8-ar-hfl-sample", "sts2017-ar-ar")
POSITIVE = {"DUP", "UPDATE"}
# In quality runs the datasketch recipe is computed through bulk (identical signatures).
_RUNNER = {"datasketch": "datasketch-bulk"}
DISPLAY = {"datasketch": "datasketch (update ≡ bulk)"}


def run(recipe: str, articles: Sequence[Article]) -> Outcome:
    """One recipe on one corpus (datasketch through bulk: the same signatures, faster)."""
    return RECIPES[_RUNNER.get(recipe, recipe)](articles)


# ------------------------------------------------------------------ (a) sample corpus


def sample_corpus(recipes: Sequence[str]) -> dict[str, Any]:
    articles = [r for r in read_corpus(str(SAMPLE / "articles.jsonl")) if isinstance(r, Article)]
    labels = json.loads((SAMPLE / "labels.json").read_text(encoding="utf-8"))
    family = {m: f"f{i}" for i, members in enumerate(labels["duplicate_families"]) for m in members}
    ids = [a.id for a in articles]
    gold = as_labels(ids, family)
    results = {}
    for recipe in recipes:
        outcome = run(recipe, articles)
        scores = pair_scores(outcome.labels, gold)
        position = {article_id: i for i, article_id in enumerate(ids)}
        template_pairs = [
            (a, b)
            for group in labels["template_groups"]
            for i, a in enumerate(group)
            for b in group[i + 1 :]
        ]
        scores["template_pairs_merged"] = recall_of_pairs(template_pairs, outcome.labels, position)[
            0
        ]
        scores["related_pairs_merged"] = recall_of_pairs(
            [tuple(p) for p in labels["related_pairs"]], outcome.labels, position
        )[0]
        results[recipe] = scores
    return {
        "articles": len(articles),
        "families": len(labels["duplicate_families"]),
        "by_recipe": results,
    }


# ------------------------------------------------------------------ (b) judged pairs


def judged(
    recipes: Sequence[str], *, quick: bool
) -> tuple[dict[str, Any], dict[str, Outcome], list[Article]]:
    pairs = list(load_jsonl(DATA / "judged-duplicates-dev" / "pairs.jsonl"))
    qrels = load_qrels()
    articles: list[Article] = []
    for folder in JUDGED_CORPORA:
        articles.extend(load_articles(folder)[0])
    if quick:
        # Only the judged articles: a different (smaller) corpus than the full run's.
        wanted = {p[k] for p in pairs for k in ("a", "b")} | {
            q[k] for q in qrels for k in ("query", "doc")
        }
        articles = [a for a in articles if a.id in wanted]
    position = {a.id: i for i, a in enumerate(articles)}
    outcomes: dict[str, Outcome] = {}
    results: dict[str, Any] = {"articles_scanned": len(articles)}
    for recipe in recipes:
        with stage(f"judged: {recipe} on {len(articles):,} articles"):
            outcome = outcomes[recipe] = run(recipe, articles)
        table: Counter[str] = Counter()
        for pair in pairs:
            together = outcome.labels[position[pair["a"]]] == outcome.labels[position[pair["b"]]]
            table[f"{pair['label']}:{'merged' if together else 'apart'}"] += 1
        positives = sum(v for k, v in table.items() if k.split(":")[0] in POSITIVE)
        found = sum(table[f"{label}:merged"] for label in POSITIVE)
        false = sum(
            v for k, v in table.items() if k.endswith(":merged") and k.split(":")[0] not in POSITIVE
        )
        grades: Counter[str] = Counter()
        for judgment in qrels:
            if judgment["query"] in position and judgment["doc"] in position:
                together = (
                    outcome.labels[position[judgment["query"]]]
                    == outcome.labels[position[judgment["doc"]]]
                )
                grades[f"grade{judgment['grade']}:{'merged' if together else 'apart'}"] += 1
        results[recipe] = {
            "precision": round(found / max(1, found + false), 4),
            "recall": round(found / max(1, positives), 4),
            "merged_positives": found,
            "false_merges": false,
            "template_merged": table["TEMPLATE:merged"],
            "by_label": dict(sorted(table.items())),
            "related_merged_by_grade": dict(sorted(grades.items())),
            "related_false_merges (grade 0-2 merged)": sum(
                grades[f"grade{g}:merged"] for g in (0, 1, 2)
            ),
            "seconds": round(outcome.seconds, 1),
        }
    return results, outcomes, articles


# ------------------------------------------------------------------ (c) silver pairs


def silver(
    recipes: Sequence[str],
    folders: Sequence[str],
    reuse: dict[str, Outcome],
    reuse_articles: Sequence[Article],
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for folder in folders:
        folder_articles = load_articles(folder)[0]
        pairs = [
            (p["id1"], p["id2"])
            for p in load_jsonl(DATA / folder / "near_dup_pairs_char5_j0.8.jsonl")
        ]
        # Silver clusters: union-find over the silver pairs.
        ids = [a.id for a in folder_articles]
        index = {article_id: i for i, article_id in enumerate(ids)}
        edges = np.array(
            [(index[a], index[b]) for a, b in pairs if a in index and b in index], dtype=np.int64
        ).reshape(-1, 2)
        gold = components(len(ids), edges)
        row: dict[str, Any] = {"articles": len(ids), "silver_pairs": len(pairs)}
        where = {a.id: i for i, a in enumerate(reuse_articles)}
        covered = all(article_id in where for article_id in ids)
        for recipe in recipes:
            if covered and recipe in reuse:
                # The judged scan already covers this folder (inside the two-folder corpus).
                labels = reuse[recipe].labels[[where[i] for i in ids]]
            else:
                with stage(f"silver: {recipe} on {folder} ({len(ids):,})"):
                    labels = run(recipe, folder_articles).labels
            found, known = recall_of_pairs(pairs, labels, index)
            scores = pair_scores(labels, gold)
            row[recipe] = {
                "silver_recall": round(found / max(1, known), 4),
                "merged_beyond_silver": scores["false_merges"],
            }
            if folder == STANCE_FOLDER:
                # Labelled headline pairs: "disagree" is a near-identical headline with a
                # changed fact, which must not be merged.
                row[recipe]["merged_by_stance"] = {
                    stance: recall_of_pairs(
                        [(p["id1"], p["id2"]) for p in load_pairs(folder) if p["stance"] == stance],
                        labels,
                        index,
                    )
                    for stance in ("agree", "disagree", "other")
                }
        results[folder] = row
    return results


# ------------------------------------------------------------------ (d) perturbations


def _oracle_dedup(articles: Sequence[Article], config: DedupConfig) -> set[tuple[str, str]]:
    """Pairs the project's rule accepts on its own prepared text, by brute force."""
    prepared = prepare_texts(articles, config)
    texts = prepared.shingle_texts
    usable = [i for i, text in enumerate(texts) if len(text) >= config.ngram]
    shingles = shingle_texts([texts[i] for i in usable], config.ngram)
    rule = SimilarityRule.of(config)
    found = oracle_pairs([shingles.of(i) for i in range(len(usable))], rule.accepts_many)
    ids = [articles[i].id for i in usable]
    return {tuple(sorted((ids[i], ids[j]))) for i, j in found.tolist()}  # type: ignore[misc]


def _oracle_baseline(articles: Sequence[Article], recipe: str) -> set[tuple[str, str]]:
    """Pairs with exact Jaccard >= 0.8 on the recipe's own shingles, by brute force."""
    if recipe == "datatrove-5w":
        sets = [np.unique(datatrove_shingles(a.text)) for a in articles]
    else:
        vocabulary: dict[str, int] = {}
        sets = [
            np.array(
                sorted(
                    vocabulary.setdefault(s, len(vocabulary))
                    for s in char_shingles(collapse(a.text))
                ),
                dtype=np.int64,
            )
            for a in articles
        ]
    found = oracle_pairs(sets, lambda j, c, a, b: j >= 0.8)
    ids = [a.id for a in articles]
    return {tuple(sorted((ids[i], ids[j]))) for i, j in found.tolist()}  # type: ignore[misc]


def _lsh_recall(recipe: str, corpus: Corpus, outcome: Outcome) -> tuple[int, int]:
    """(oracle pairs the tool found, oracle pairs)."""
    if recipe == "dedup":
        oracle = _oracle_dedup(corpus.articles, DedupConfig(related=RelatedConfig(k=0)))
        found = outcome.found or set()
        return len(oracle & found), len(oracle)
    oracle = _oracle_baseline(corpus.articles, _RUNNER.get(recipe, recipe))
    position = {a.id: i for i, a in enumerate(corpus.articles)}
    together, known = recall_of_pairs(sorted(oracle), outcome.labels, position)
    return together, known


def perturbations(recipes: Sequence[str], *, bases: int, seed: int) -> dict[str, Any]:
    with stage(f"perturbation corpora ({bases} bodies, seed {seed})"):
        pool = real_articles()
        scenarios = recipe_scenarios(bases, seed=seed, pool=pool)
        mixed = mixed_corpus(bases, seed=seed, pool=pool)
        from random import Random

        templates = Corpus([], {}, {})
        for index, text in enumerate(make_formulaic_reports(Random(seed), 60)):
            templates.add(
                Article(id=f"t{index:02d}", text=text, source="wire"), f"t{index}", "template"
            )
    results: dict[str, Any] = {"bases": bases, "seed": seed}
    results["name_templates"] = _name_templates(recipes, seed)
    corpora: dict[str, Corpus] = {**scenarios, "templates": templates, "mixed": mixed}
    for name, corpus in corpora.items():
        ids = [a.id for a in corpus.articles]
        gold = as_labels(ids, corpus.family)
        row: dict[str, Any] = {"articles": len(ids)}
        for recipe in recipes:
            with stage(f"perturbations: {recipe} on {name} ({len(ids)})"):
                outcome = run(recipe, corpus.articles)
                scores = pair_scores(outcome.labels, gold)
                if name in scenarios:
                    found, known = _lsh_recall(recipe, corpus, outcome)
                    scores["oracle_pairs"] = known
                    scores["lsh_recall_vs_oracle"] = round(found / known, 4) if known else None
            row[recipe] = scores
        results[name] = row
    return results


def _name_templates(recipes: Sequence[str], seed: int) -> dict[str, Any]:
    """Formulaic real articles and a sibling with other names each: (base, sibling) pairs
    merged, per recipe (every one is false; :func:`benchmarks.perturb.name_template_corpus`)."""
    with stage("name templates (lists of other rounds, cables to other leaders)"):
        corpus = name_template_corpus(seed=seed)
        pairs = name_template_pairs(corpus)
    position = {a.id: i for i, a in enumerate(corpus.articles)}
    found: dict[str, Any] = {"pairs": len(pairs)}
    for recipe in recipes:
        with stage(f"name templates: {recipe} ({len(corpus.articles)})"):
            merged, _ = recall_of_pairs(pairs, run(recipe, corpus.articles).labels, position)
        found[recipe] = {"merged": merged}
    return found


# ------------------------------------------------------------------ tables


def _cell(scores: dict[str, Any]) -> str:
    return f"{scores['recall']:.3f} / {scores['false_merges']}"


def tables(results: dict[str, Any], recipes: Sequence[str]) -> list[Table]:
    out = []
    perturbed = results["perturbations"]
    wide = Table(
        "quality_perturbations",
        [
            "tool",
            *VARIANTS,
            "templates: false merges",
            "name templates: merged",
            "mixed: F1",
            "mixed: ARI",
        ],
        caption=(
            f"Generated near-duplicates of {perturbed['bases']} distinct real articles "
            f"(seed {perturbed['seed']}). Per recipe of variant: recall of the "
            "(original, variant) pairs / false merges (pairs of different bodies put "
            "together). Templates: 60 formulaic reports with other figures, every merge "
            f"false. Name templates: {perturbed['name_templates']['pairs']} real lists "
            "(fixtures, results, referees) and cables, each with a sibling of other names "
            "(another round, another leader): (base, sibling) pairs merged, every one false. "
            "Mixed: every body with 1-3 variants of random recipes."
        ),
    )
    for recipe in recipes:
        wide.add(
            **{
                "tool": DISPLAY.get(recipe, recipe),
                **{v: _cell(perturbed[v][recipe]) for v in VARIANTS},
                "templates: false merges": perturbed["templates"][recipe]["false_merges"],
                "name templates: merged": perturbed["name_templates"][recipe]["merged"],
                "mixed: F1": perturbed["mixed"][recipe]["f1"],
                "mixed: ARI": perturbed["mixed"][recipe]["ari"],
            }
        )
    out.append(wide)
    oracle = Table(
        "quality_oracle",
        ["tool", "rule", *VARIANTS],
        caption=(
            "What LSH should find, by brute force: pairs whose exact similarities meet the "
            "tool's own rule, in each perturbation scenario; cell = share found (oracle "
            "pairs). dedup: Jaccard >= 0.8, or containment >= 0.7 with Jaccard >= 0.3, on "
            "its normalized, furniture-stripped text; baselines: Jaccard >= 0.8 on their "
            "own shingles."
        ),
    )
    for recipe in recipes:
        rule = (
            "J≥0.8 or (C≥0.7, J≥0.3), 5-char"
            if recipe == "dedup"
            else "J≥0.8, word 5-grams"
            if recipe == "datatrove-5w"
            else "J≥0.8, 5-char"
        )
        cells = {}
        for v in VARIANTS:
            scores = perturbed[v][recipe]
            share = scores["lsh_recall_vs_oracle"]
            cells[v] = f"{share:.3f} ({scores['oracle_pairs']})" if share is not None else "–"
        oracle.add(tool=DISPLAY.get(recipe, recipe), rule=rule, **cells)
    out.append(oracle)

    labelled = Table(
        "quality_labelled",
        [
            "tool",
            "sample: P",
            "sample: R",
            "sample: F1",
            "sample: ARI",
            "sample: false merges",
            "judged: P",
            "judged: R",
            "judged: false merges",
            "judged: TEMPLATE merged",
            "related: grade 0-2 merged",
        ],
        caption=(
            f"sample_corpus/ (92 articles, 14 families) and the editor-judged pairs "
            f"(judged-duplicates-dev, 136 positive of 200) and related judgments "
            f"(judged-related-dev, 317), scanned in "
            f"{results['judged']['articles_scanned']:,} articles."
        ),
    )
    for recipe in recipes:
        sample = results["sample_corpus"]["by_recipe"][recipe]
        judge = results["judged"][recipe]
        labelled.add(
            **{
                "tool": DISPLAY.get(recipe, recipe),
                "sample: P": sample["precision"],
                "sample: R": sample["recall"],
                "sample: F1": sample["f1"],
                "sample: ARI": sample["ari"],
                "sample: false merges": sample["false_merges"],
                "judged: P": judge["precision"],
                "judged: R": judge["recall"],
                "judged: false merges": judge["false_merges"],
                "judged: TEMPLATE merged": judge["template_merged"],
                "related: grade 0-2 merged": judge["related_false_merges (grade 0-2 merged)"],
            }
        )
    out.append(labelled)

    silver_table = Table(
        "quality_silver",
        [
            "folder",
            "articles",
            "silver pairs",
            *[f"{DISPLAY.get(r, r)}: recall / beyond" for r in recipes],
        ],
        caption=(
            "Silver pairs of ../shared/data (datasketch char-5 Jaccard >= 0.8, verified "
            "exactly): share recovered / pairs merged beyond the silver clusters (not "
            "necessarily wrong)."
        ),
    )
    for folder, row in results["silver"].items():
        silver_table.add(
            **{
                "folder": folder,
                "articles": row["articles"],
                "silver pairs": row["silver_pairs"],
                **{
                    f"{DISPLAY.get(r, r)}: recall / beyond": (
                        f"{row[r]['silver_recall']:.3f} / {row[r]['merged_beyond_silver']}"
                    )
                    for r in recipes
                },
            }
        )
    out.append(silver_table)
    stance_rows = results["silver"].get(STANCE_FOLDER)
    if stance_rows:
        stance = Table(
            "quality_headline_stance",
            ["tool", "agree merged", "disagree merged", "other merged"],
            caption=(
                "ans-headline-stance labelled headline pairs (scanned inside its 4,590 "
                "headlines): pairs put in one cluster / pairs. `disagree` = the same "
                "headline with a changed fact (number, place, negation): a false merge; "
                "`agree` = a paraphrase (low surface overlap, rarely a textual copy)."
            ),
        )
        for recipe in recipes:
            merged = stance_rows[recipe]["merged_by_stance"]
            stance.add(
                **{
                    "tool": DISPLAY.get(recipe, recipe),
                    **{f"{k} merged": f"{v[0]} / {v[1]}" for k, v in merged.items()},
                }
            )
        out.append(stance)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bases", type=int, default=300, help="distinct bodies per scenario")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--quick", action="store_true", help="a smaller run, under two minutes")
    parser.add_argument(
        "--recipes",
        nargs="+",
        default=None,
        help=f"subset of {', '.join(r for r in RECIPES if r != 'datasketch-bulk')}",
    )
    args = parser.parse_args(argv)
    names = [r for r in (args.recipes or RECIPES) if r != "datasketch-bulk"]
    recipes = available_recipes(names)
    bases = 60 if args.quick else args.bases
    results: dict[str, Any] = {"recipes": recipes, "quick": args.quick}
    with stage("(a) sample corpus"):
        results["sample_corpus"] = sample_corpus(recipes)
    with stage("(b) judged pairs"):
        results["judged"], outcomes, scanned = judged(recipes, quick=args.quick)
    with stage("(c) silver pairs"):
        results["silver"] = silver(
            recipes, QUICK_SILVER if args.quick else SILVER_FOLDERS, outcomes, scanned
        )
    with stage("(d) perturbations"):
        results["perturbations"] = perturbations(recipes, bases=bases, seed=args.seed)
    publish(
        "quality",
        tables(results, recipes),
        module="benchmarks.quality",
        argv=argv,
        quick=args.quick,
    )
    print_json(results)
    return results


if __name__ == "__main__":
    main()
