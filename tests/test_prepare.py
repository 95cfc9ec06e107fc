"""Fast per-article preparation against slow, obviously correct references.

The index stores what preparation computes (line keys and contexts, term ids,
normalized lines), so the fast paths must give exactly the old values: each is
checked here against a reference written the straightforward way, with
Hypothesis and on the first articles of real corpora.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import normalizer_text

from dedup import Article, DedupConfig, Index
from dedup.boilerplate import LineStatistics, strip_furniture
from dedup.ingest import _term_counts
from dedup.normalize import normalize_lines, normalize_text
from dedup.pipeline import sort_key_for

# Source, at most this many articles from the start of each corpus.
REAL_CORPORA = [
    ("saudinewsnet", 2000),
    ("ant-multisource-2018", 2000),
    ("ant-jawharafm-2017", 1000),
]


def _real_texts(data_dir: Path, name: str, count: int) -> list[tuple[str, str]]:
    """(text, source) of the first ``count`` articles of a shared corpus."""
    path = data_dir / name / "articles.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is not available")
    with path.open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in islice(lines, count)]
    return [(row["text"], row.get("source") or "") for row in rows]


# ---------------------------------------------------------------------------
# Term counts (dedup.ingest)

_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def reference_term_counts(text: str) -> Counter[int]:
    """The former code: every token of the regex hashed, then counted."""
    return Counter(
        int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=4).digest(), "little")
        for t in _TOKEN.findall(text)
    )


@settings(max_examples=300, deadline=None)
@given(text=normalizer_text(max_size=60))
def test_term_counts_equal_the_reference_on_raw_text(text: str) -> None:
    assert _term_counts(text) == reference_term_counts(text)


@settings(max_examples=300, deadline=None)
@given(text=normalizer_text(max_size=60))
def test_term_counts_equal_the_reference_on_normalized_lines(text: str) -> None:
    joined = " ".join(normalize_lines(text))
    assert _term_counts(joined) == reference_term_counts(joined)


@pytest.mark.parametrize(
    "text",
    ["", " ", "و", "و ب", "وزير النفط", "a_b cd", "3.5 مليون 12%", "كلمة\u0301 اخرى", "ab\u0660c"],
)
def test_term_counts_edge_cases(text: str) -> None:
    assert _term_counts(text) == reference_term_counts(text)


# ---------------------------------------------------------------------------
# Line contributions (dedup.ingest.Index._contributions)


def reference_contributions(lines: list[str], source: str, min_articles: int) -> dict[int, int]:
    """The former code: a LineStatistics of one article, read back through to_json."""
    own = LineStatistics(min_articles=min_articles)
    own.add(lines, source)
    entries: dict[str, list[int]] = own.to_json()["lines"]  # type: ignore[assignment]
    keys = {int(k, 16): v[0] for k, v in entries.items()}
    return {k - (1 << 64) if k >= 1 << 63 else k: context for k, context in keys.items()}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    with Index.open(tmp_path_factory.mktemp("prepare") / "index.db", config=DedupConfig()) as index:
        yield index


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(st.sampled_from(["جميع الحقوق محفوظة", "قصير", "ارتفع المؤشر العام للسوق",
                                    "تراجعت أسعار النفط اليوم", "بب", "a" * 61, "a" * 62]),
                   max_size=6),
    source=st.sampled_from(["", "ina", "واس"]),
)  # fmt: skip
def test_contributions_equal_line_statistics(index: Index, lines: list[str], source: str) -> None:
    expected = reference_contributions(lines, source, index.config.boilerplate_min_articles)
    got = index._contributions(lines, source)
    assert list(got.items()) == list(expected.items())  # the order too


# ---------------------------------------------------------------------------
# Real articles: every stage of Index._prepare


@pytest.mark.parametrize(("name", "count"), REAL_CORPORA)
def test_real_articles_prepare_as_the_references(
    data_dir: Path, index: Index, name: str, count: int
) -> None:
    min_articles = index.config.boilerplate_min_articles
    for text, source in _real_texts(data_dir, name, count):
        body = strip_furniture(text).body
        lines = normalize_lines(body)
        assert lines == [line for line in map(normalize_text, body.splitlines()) if line]
        assert list(index._contributions(lines, source).items()) == list(
            reference_contributions(lines, source, min_articles).items()
        )
        joined = " ".join(lines)
        assert _term_counts(joined) == reference_term_counts(joined)


def test_real_articles_term_vectors_as_the_reference(data_dir: Path, index: Index) -> None:
    rows = _real_texts(data_dir, "ant-multisource-2018", 300)
    articles = [
        Article(id=str(n), text=text, source=source, title=text[:60])
        for n, (text, source) in enumerate(rows)
    ]
    weight = index.config.related.title_weight
    order = sort_key_for(articles)
    for num, article in enumerate(articles):
        new = index._prepare(article, num, order)
        counts: Counter[int] = reference_term_counts("\n".join(new.lines))
        for term in reference_term_counts(normalize_text(article.title)).elements():
            counts[term] += weight  # type: ignore[assignment]  # float counts, as before
        assert new.terms.tolist() == sorted(counts)
        assert new.counts.tolist() == [counts[t] for t in sorted(counts)]
