"""Small loaders for the shared evaluation data in ``../shared/data`` (never copied into the repo).

Every benchmark reads the shared folders through these helpers, so a field mapping is written
once: ``date`` becomes :attr:`dedup.records.Article.published_at`, and the duplicate clusters of
a folder come from its silver ``near_dup_pairs_char5_j0.8.jsonl`` list (union-find over the
verified pairs; the canonical member is the earliest, ties by id).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dedup.prepare import published_timestamp
from dedup.records import Article

__all__ = [
    "DATA",
    "NEWS_CORPORA",
    "load_articles",
    "load_jsonl",
    "load_pairs",
    "load_qrels",
    "scale_corpus",
    "silver_clusters",
]

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# The shared folders with real news articles (title, source, date), used to build the
# speed corpora: 7,533 + 6,010 + 6,370 = 19,913 articles.
NEWS_CORPORA = ("ant-multisource-2018", "saudinewsnet", "ant-jawharafm-2017")


def load_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the JSON object on each non-empty line of ``path``."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _require(folder: str) -> Path:
    path = DATA / folder
    if not path.is_dir():
        available = sorted(p.name for p in DATA.iterdir()) if DATA.is_dir() else []
        raise SystemExit(f"{path}: not found. Available folders: {', '.join(available) or 'none'}")
    return path


def load_articles(folder: str) -> tuple[list[Article], dict[str, dict[str, Any]]]:
    """Articles of a shared folder plus every raw record by id (for labels such as ``category``)."""
    records = {row["id"]: row for row in load_jsonl(_require(folder) / "articles.jsonl")}
    articles = [
        Article(
            id=row["id"],
            text=row.get("text", ""),
            title=row.get("title", "") or "",
            source=row.get("source", "") or "",
            published_at=row.get("date", "") or "",
            url=row.get("url", "") or "",
        )
        for row in records.values()
    ]
    return articles, records


def load_pairs(folder: str) -> list[dict[str, Any]]:
    """The labelled pairs of a folder (``id1``, ``id2``, ``score`` and folder-specific fields)."""
    return list(load_jsonl(_require(folder) / "pairs.jsonl"))


def load_qrels() -> list[dict[str, Any]]:
    """The graded judgments of ``judged-related-dev`` (``query``, ``doc``, ``grade``, ``why``)."""
    return list(load_jsonl(_require("judged-related-dev") / "qrels.jsonl"))


def _timestamp(value: str) -> float:
    """As the detector reads ``published_at`` (undated last)."""
    moment = published_timestamp(value)
    return float("inf") if moment is None else moment


def silver_clusters(
    folder: str, articles: Sequence[Article]
) -> tuple[dict[str, str], dict[str, str]]:
    """``cluster_of`` and ``canonical_of`` from a folder's silver near-duplicate pairs.

    Only articles in at least one verified pair get a cluster; the others are their own story.
    """
    known = {article.id: article for article in articles}
    parent = {article_id: article_id for article_id in known}

    def find(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for pair in load_jsonl(_require(folder) / "near_dup_pairs_char5_j0.8.jsonl"):
        a, b = pair["id1"], pair["id2"]
        if a in known and b in known:
            root_a, root_b = find(a), find(b)
            if root_a != root_b:
                parent[max(root_a, root_b)] = min(root_a, root_b)
    groups: dict[str, list[str]] = {}
    for article_id in known:
        groups.setdefault(find(article_id), []).append(article_id)
    cluster_of: dict[str, str] = {}
    canonical_of: dict[str, str] = {}
    for root, members in groups.items():
        if len(members) < 2:
            continue
        cluster_id = f"c-{root}"
        canonical_of[cluster_id] = min(
            members, key=lambda m: (_timestamp(known[m].published_at), m)
        )
        for member in members:
            cluster_of[member] = cluster_id
    return cluster_of, canonical_of


_WORD = re.compile(r"\S+")


def _edit(text: str, rng: random.Random, donor: str) -> str:
    """A small edit: about 3 % of the words dropped, a few replaced by words of another article."""
    words = _WORD.findall(text)
    donor_words = _WORD.findall(donor) or ["خبر"]
    kept: list[str] = []
    for word in words:
        roll = rng.random()
        if roll < 0.03:
            continue
        kept.append(rng.choice(donor_words) if roll < 0.05 else word)
    return " ".join(kept)


def scale_corpus(size: int, *, seed: int = 0) -> list[Article]:
    """``size`` news articles: the shared news corpora, then edited copies of them up to ``size``.

    Copies get a new id (``<id>~r<n>``), a few dropped and swapped words in title and body, and a
    date shifted by whole weeks, so they look like another period's coverage of similar news.
    """
    base: list[Article] = []
    for folder in NEWS_CORPORA:
        base.extend(load_articles(folder)[0])
    if size <= len(base):
        return base[:size]
    rng = random.Random(seed)
    corpus = list(base)
    round_number = 0
    while len(corpus) < size:
        round_number += 1
        for article in base:
            if len(corpus) >= size:
                break
            donor = base[rng.randrange(len(base))]
            shifted = article.published_at
            when = _timestamp(article.published_at)
            if when != float("inf"):
                moved = when + round_number * 7 * 86400
                shifted = datetime.fromtimestamp(moved, tz=UTC).isoformat()
            corpus.append(
                Article(
                    id=f"{article.id}~r{round_number}",
                    text=_edit(article.text, rng, donor.text),
                    title=_edit(article.title, rng, donor.title),
                    source=article.source,
                    published_at=shifted,
                )
            )
    return corpus
