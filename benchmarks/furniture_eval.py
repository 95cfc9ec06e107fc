"""Scraped pages: copies missed and false merges, with and without the furniture features.

Real article bodies from ``../shared/data`` are wrapped in generated page furniture
(:mod:`benchmarks.furniture_pages`: header dates in the three Arabic month systems,
datelines, source and tag lines, a read-also block holding another whole article, a
headline list, footers). Ground truth is by construction:

- ``wrapped_copies``: each body wrapped in two pages of two different sites; the two
  pages must share a cluster (target: recall >= 0.98);
- ``short_stories_one_site``: different short stories (100-400 characters) wrapped in
  one site's page template with its long read-also block and headline list; no two
  may share a cluster (target: 0 merges);
- ``formulaic_reports``: reports from one template with other figures, dates, names
  (gold, oil, weather, market close, cables to different countries); target 0 merges;
- ``same_recipient_cables`` (informational): four senders' cables to one leader, which
  differ in the sender's name alone (a known limit of the template guard);
- ``unwrapped_copies``: bodies and lightly edited copies without furniture (a
  sentence dropped, a dateline added); recall must not drop with the features on.

Bodies are chosen so that no two are alike (5-gram Jaccard < 0.2 and containment
< 0.4), so a merge between different bodies is a false merge.

Usage::

    python -m benchmarks.furniture_eval [--seed 11] [--copies 300]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import replace
from itertools import combinations
from random import Random
from typing import Any

import numpy as np

from benchmarks.furniture_pages import (
    load_real_articles,
    make_formulaic_reports,
    make_same_recipient_cables,
    make_site_templates,
    wrap_page,
)
from dedup import Article, DedupConfig, RelatedConfig, scan
from dedup.normalize import normalize_text
from dedup.shingle import shingle_texts

_SENTENCE_END = re.compile(r"(?<=[.!؟?])\s+")


def distinct_bodies(pool: Sequence[tuple[str, str]], count: int) -> list[str]:
    """Up to ``count`` bodies, none alike another (so any merge between them is false)."""
    chosen: list[str] = []
    chosen_sets: list[np.ndarray] = []
    for _, text in pool:
        sets = shingle_texts([normalize_text(text)], 5)
        candidate = sets.of(0)
        alike = False
        for other in chosen_sets:
            overlap = np.intersect1d(candidate, other, assume_unique=True).size
            union = candidate.size + other.size - overlap
            smaller = min(candidate.size, other.size)
            if union and (overlap / union >= 0.2 or overlap / max(smaller, 1) >= 0.4):
                alike = True
                break
        if not alike:
            chosen.append(text)
            chosen_sets.append(candidate)
        if len(chosen) >= count:
            break
    return chosen


def short_story(text: str, rng: Random) -> str:
    """The leading sentences of ``text``, 100-400 characters."""
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    story = ""
    for sentence in sentences:
        if len(story) + len(sentence) > 400:
            break
        story = f"{story} {sentence}".strip()
    if len(story) < 100:
        story = text[: rng.randint(150, 400)]
    return story


def light_copy(text: str, rng: Random) -> str:
    """A republished copy: a dateline added and one sentence dropped."""
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    if len(sentences) > 3:
        sentences.pop(rng.randrange(1, len(sentences)))
    dateline = rng.choice(("الرياض - واس: ", "بغداد/شبكة أخبار العراق- ", "القاهرة (خاص) - "))
    return dateline + " ".join(sentences)


def clusters_of(articles: Sequence[Article], config: DedupConfig) -> dict[str, str]:
    report = scan(articles, config=config)
    return {m.id: c.cluster_id for c in report.clusters for m in c.members}


def evaluate(
    articles: Sequence[Article], positives: Sequence[tuple[str, str]], config: DedupConfig
) -> dict[str, int]:
    """Copies missed (positive pairs apart) and false merges (other pairs together)."""
    cluster_of = clusters_of(articles, config)
    positive_set = {tuple(sorted(p)) for p in positives}
    missed = sum(cluster_of[a] != cluster_of[b] for a, b in positive_set)
    groups: dict[str, list[str]] = {}
    for article_id, cluster_id in cluster_of.items():
        groups.setdefault(cluster_id, []).append(article_id)
    false_merges = sum(
        1
        for members in groups.values()
        for a, b in combinations(sorted(members), 2)
        if (a, b) not in positive_set
    )
    return {"positive_pairs": len(positive_set), "missed": missed, "false_merges": false_merges}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--copies", type=int, default=300)
    args = parser.parse_args(argv)
    rng = Random(args.seed)
    pool = load_real_articles(limit=6000)
    rng.shuffle(pool)
    bodies = distinct_bodies(pool, args.copies + 100)
    copy_bodies, story_bodies = bodies[: args.copies], bodies[args.copies :]
    sites = make_site_templates(rng, 12, articles=pool)

    scenarios: dict[str, tuple[list[Article], list[tuple[str, str]]]] = {}
    articles, positives = [], []
    for index, body in enumerate(copy_bodies):
        first, second = rng.sample(sites, 2)
        articles.append(
            Article(id=f"w{index}a", text=wrap_page(body, rng=rng, site=first), source=first.name)
        )
        articles.append(
            Article(id=f"w{index}b", text=wrap_page(body, rng=rng, site=second), source=second.name)
        )
        positives.append((f"w{index}a", f"w{index}b"))
    scenarios["wrapped_copies"] = (articles, positives)

    site = sites[0]
    scenarios["short_stories_one_site"] = (
        [
            Article(
                id=f"s{index}",
                text=wrap_page(short_story(body, rng), rng=rng, site=site),
                source=site.name,
            )
            for index, body in enumerate(story_bodies)
        ],
        [],
    )
    scenarios["formulaic_reports"] = (
        [
            Article(id=f"f{index}", text=text, source="wire")
            for index, text in enumerate(make_formulaic_reports(rng, 60))
        ],
        [],
    )
    # Informational: cables of several senders to one leader differ in one name only,
    # which a text diff cannot tell from a copy whose official was renamed.
    scenarios["same_recipient_cables (informational)"] = (
        [
            Article(id=f"c{index}", text=text, source="wire")
            for index, text in enumerate(make_same_recipient_cables(rng))
        ],
        [],
    )
    articles, positives = [], []
    for index, body in enumerate(copy_bodies):
        articles.append(Article(id=f"u{index}a", text=body, source="a"))
        articles.append(Article(id=f"u{index}b", text=light_copy(body, rng), source="b"))
        positives.append((f"u{index}a", f"u{index}b"))
    scenarios["unwrapped_copies"] = (articles, positives)

    with_features = DedupConfig(related=RelatedConfig(k=0))
    without = replace(
        with_features, strip_furniture=False, learn_boilerplate=False, template_guard=False
    )
    results: dict[str, Any] = {
        "seed": args.seed,
        "copies": len(copy_bodies),
        "short_stories": len(story_bodies),
    }
    for name, (scenario_articles, scenario_positives) in scenarios.items():
        print(f"{name} ...", file=sys.stderr)
        on = evaluate(scenario_articles, scenario_positives, with_features)
        off = evaluate(scenario_articles, scenario_positives, without)
        row: dict[str, Any] = {
            "articles": len(scenario_articles),
            "with_features": on,
            "without_features": off,
        }
        if scenario_positives:
            for label, counts in (("with_features", on), ("without_features", off)):
                row[label]["recall"] = round(
                    1 - counts["missed"] / max(1, counts["positive_pairs"]), 4
                )
        results[name] = row
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return results


if __name__ == "__main__":
    main()
