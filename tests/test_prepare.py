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
import unicodedata
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import normalizer_text

import dedup.related.features as features
from dedup import Article, DedupConfig, Index, InputError, Rejected, RelatedConfig, scan
from dedup.boilerplate import LineStatistics
from dedup.furniture import strip_furniture
from dedup.normalize import (
    _FULL_PATH,
    NormalizationOptions,
    _nfkc_free_lookup,
    collapse_spaces,
    decode_entities,
    fold_letters,
    lowercase_latin,
    normalize_lines,
    normalize_text,
    premap,
    unicode_nfkc,
)
from dedup.parallel import WorkerPool
from dedup.prepare import (
    CorpusPreparation,
    dropped_lines,
    prepare_page,
    prepare_texts,
    published_timestamp,
    shingle_text,
    too_short,
)
from dedup.related.features import term_counts

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
# Term counts (dedup.related.features)

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
    assert term_counts(text) == reference_term_counts(text)


@settings(max_examples=300, deadline=None)
@given(text=normalizer_text(max_size=60))
def test_term_counts_equal_the_reference_on_normalized_lines(text: str) -> None:
    joined = " ".join(normalize_lines(text))
    assert term_counts(joined) == reference_term_counts(joined)


@pytest.mark.parametrize(
    "text",
    ["", " ", "و", "و ب", "وزير النفط", "a_b cd", "3.5 مليون 12%", "كلمة\u0301 اخرى", "ab\u0660c"],
)
def test_term_counts_edge_cases(text: str) -> None:
    assert term_counts(text) == reference_term_counts(text)


def test_term_ids_sharing_a_value_add_up(monkeypatch: pytest.MonkeyPatch) -> None:
    # 32-bit collisions are too rare to meet in real text: a hash of three values forces them.
    monkeypatch.setattr(features, "hash_term", lambda token: len(token) % 3)
    monkeypatch.setattr(features, "_TERM_IDS", {})
    text = "وزير النفط يزور البصرة اليوم مع وزير المالية 12 و 3"
    expected = Counter(len(t) % 3 for t in _TOKEN.findall(text))
    assert term_counts(text) == expected


def test_term_id_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # Cleared when an article's new words would pass the limit: at most the limit plus
    # one article's words.
    monkeypatch.setattr(features, "_TERM_IDS_LIMIT", 4)
    monkeypatch.setattr(features, "_TERM_IDS", {})
    text = "وزير النفط يزور البصرة اليوم مع وزير المالية"
    assert term_counts(text) == reference_term_counts(text)
    assert len(features._TERM_IDS) == 7
    assert term_counts("اليوم مع") == reference_term_counts("اليوم مع")
    assert term_counts("كلمة جديدة و") == reference_term_counts("كلمة جديدة و")
    assert sorted(features._TERM_IDS) == ["جديدة", "كلمة", "و"]


# ---------------------------------------------------------------------------
# Line contributions (dedup.index.api.Index._contributions)


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
    got = index._planner._contributions(lines, source)
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
        assert lines == reference_lines(body)
        assert list(index._planner._contributions(lines, source).items()) == list(
            reference_contributions(lines, source, min_articles).items()
        )
        joined = " ".join(lines)
        assert term_counts(joined) == reference_term_counts(joined)


def test_real_articles_term_vectors_as_the_reference(data_dir: Path, index: Index) -> None:
    rows = _real_texts(data_dir, "ant-multisource-2018", 300)
    articles = [
        Article(id=str(n), text=text, source=source, title=text[:60])
        for n, (text, source) in enumerate(rows)
    ]
    weight = index.config.related.title_weight
    for num, article in enumerate(articles):
        new = index._planner._prepare(article, num)
        assert not isinstance(new, Rejected)
        # The related terms are light-stemmed (features.stem, checked against Lucene's rules
        # in tests/test_related_features.py) in the index as in the scan.
        counts: Counter[int] = reference_term_counts(features.stem("\n".join(new.lines)))
        title = features.stem(normalize_text(article.title))
        for term in reference_term_counts(title).elements():
            counts[term] += weight  # type: ignore[assignment]  # float counts, as before
        assert new.vector.terms.tolist() == sorted(counts)
        assert new.vector.counts.tolist() == [counts[t] for t in sorted(counts)]


# ---------------------------------------------------------------------------
# Normalization (dedup.normalize): the fast lookup against the named steps


DEFAULTS = NormalizationOptions()


def reference_normalize(text: str, options: NormalizationOptions = DEFAULTS) -> str:
    """The steps of the reference table one after the other, as normalize_text documents."""
    text = premap(text)
    decoded = decode_entities(text)
    if decoded != text:
        text = premap(decoded)
    text = fold_letters(unicode_nfkc(text), options)
    return collapse_spaces(lowercase_latin(unicodedata.normalize("NFC", text)))


def reference_lines(text: str, options: NormalizationOptions = DEFAULTS) -> list[str]:
    return [line for line in (reference_normalize(x, options) for x in text.splitlines()) if line]


_ANY_BMP = st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",))
_TRICKY = st.sampled_from(
    ["\u00a0", "\ufef7", "\ufe8e", "\u2026", "&", "&amp;", "\ufdfc", "\ufdfd", "\u0654", "e\u0301",
     "\u1100\u1161", "\uac00\u11a8", "\u0b47\u0b3e", "\u09c7\u09be", ".", "\u066b", "3",
     "\r\n", "\u2028", "\ue001", "İ", "ﬁ"]
)  # fmt: skip


def _texts(pieces: st.SearchStrategy[str], max_size: int = 30) -> st.SearchStrategy[str]:
    return st.lists(pieces, max_size=max_size).map("".join)


@settings(max_examples=400, deadline=None)
@given(
    text=st.one_of(
        normalizer_text(max_size=60),
        _texts(st.one_of(_ANY_BMP, _TRICKY)),
        _texts(st.one_of(st.sampled_from("ابت 12"), _TRICKY)),
    ),
    options=st.sampled_from([NormalizationOptions(), NormalizationOptions(True, True)]),
)
def test_normalization_equals_the_named_steps(text: str, options: NormalizationOptions) -> None:
    assert normalize_text(text, options) == reference_normalize(text, options)
    assert normalize_lines(text, options) == reference_lines(text, options)


def test_every_bmp_character_normalizes_as_the_named_steps() -> None:
    # Each character in the contexts where the fast lookup could go wrong: after a letter
    # it might compose with, between digits, before a combining mark, alone on a line. The
    # characters the lookup leaves to the full path (the named steps themselves) are
    # checked in bulk; the others eight to a text, so that one of them cannot send the
    # text down the full path for the rest.
    fast = _nfkc_free_lookup(line_marks=True) != _FULL_PATH
    surrogates = range(0xD800, 0xE000)
    chars = [chr(c) for c in range(0x10000) if c not in surrogates]
    fast_chars = [c for c in chars if fast[ord(c)]]
    groups = [fast_chars[i : i + 8] for i in range(0, len(fast_chars), 8)]
    groups += [[c] for c in chars if not fast[ord(c)]][::16]
    for group in groups:
        text = "".join(f"3{c}5 ا{c}e{c}\u0654 {c}\n{c}." for c in group)
        assert normalize_lines(text) == reference_lines(text), [hex(ord(c)) for c in group]


# ---------------------------------------------------------------------------
# The prepare stage (dedup.prepare), as every driver calls it

_LINES = st.lists(
    st.sampled_from(
        ["جميع الحقوق محفوظة", "تابعونا على تويتر", "ارتفع المؤشر العام للسوق", "", "قصير"]
    ),
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(corpus=st.lists(st.tuples(_LINES, st.sampled_from(["", "واس"])), min_size=1, max_size=8))
def test_dropped_lines_keep_what_filter_lines_keeps(corpus: list[tuple[list[str], str]]) -> None:
    statistics = LineStatistics(min_articles=2)
    for lines, source in corpus:
        statistics.add(lines, source)
    for lines, source in corpus:
        dropped = dropped_lines(statistics, lines, source)
        kept = [line for i, line in enumerate(lines) if i not in dropped]
        assert kept == statistics.filter_lines(lines, source)
        expected = " ".join(line for line in statistics.filter_lines(lines, source) if line)
        assert shingle_text(lines, dropped) == expected


class _Listed:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def extend(self, texts: list[str]) -> None:
        self.texts.extend(texts)


def _learned_one_by_one(
    articles: list[Article], config: DedupConfig
) -> tuple[list[str], list[str], int]:
    """Steps 1-4 by the plain reference: every article's lines counted with
    LineStatistics.add, then each article's dropped_lines (texts, pages, lines dropped)."""
    pages = [prepare_page(a.text, config).lines for a in articles]
    statistics = LineStatistics(min_articles=config.boilerplate_min_articles)
    for lines, article in zip(pages, articles, strict=True):
        statistics.add(lines, article.source)
    dropped = [
        dropped_lines(statistics, lines, a.source) for lines, a in zip(pages, articles, strict=True)
    ]
    texts = [shingle_text(lines, d) for lines, d in zip(pages, dropped, strict=True)]
    return texts, [shingle_text(lines) for lines in pages], sum(map(len, dropped))


@settings(max_examples=100, deadline=None)
@given(
    corpus=st.lists(st.tuples(_LINES, st.sampled_from(["", "واس"])), min_size=1, max_size=10),
    window=st.integers(min_value=1, max_value=4),
)
def test_a_corpus_prepared_in_windows_is_prepared_as_at_once(
    corpus: list[tuple[list[str], str]], window: int
) -> None:
    config = DedupConfig(boilerplate_min_articles=2)
    articles = [
        Article(id=str(i), text="\n".join(lines), source=source)
        for i, (lines, source) in enumerate(corpus)
    ]
    whole = prepare_texts(articles, config)
    assert (whole.shingle_texts, whole.page_texts, whole.boilerplate_lines_dropped) == (
        _learned_one_by_one(articles, config)
    )
    preparation = CorpusPreparation(config, WorkerPool(1), store=_Listed)
    for start in range(0, len(articles), window):
        preparation.add(articles[start : start + window])
    streamed = preparation.finish(articles.__getitem__)
    admitted = [
        i for i, a in enumerate(articles) if too_short(a, len(whole.page_texts[i]), config) is None
    ]
    assert streamed.admitted == admitted
    assert list(streamed.shingle_texts) == [whole.shingle_texts[i] for i in admitted]
    assert list(streamed.page_texts) == [whole.page_texts[i] for i in admitted]
    assert [r.id for r in streamed.rejected] == [
        str(i) for i in range(len(articles)) if i not in admitted
    ]
    counts = streamed.counts
    assert counts.boilerplate_lines_dropped == whole.boilerplate_lines_dropped
    assert (counts.stripped_chars, counts.stripped_lines, counts.kept_whole) == (
        whole.stripped_chars,
        whole.stripped_lines,
        whole.kept_whole,
    )


def test_lines_learned_across_windows_are_dropped_as_at_once() -> None:
    config = DedupConfig(boilerplate_min_articles=2)
    notice = "تابعونا على حساباتنا في مواقع التواصل الاجتماعي"
    stories = ["ارتفع المؤشر العام للسوق", "هبط سعر الذهب في التعاملات", "افتتح الوزير المعرض"]
    articles = [
        Article(id=str(i), text=f"{story}\n{notice}", source="واس")
        for i, story in enumerate(stories)
    ]
    whole = prepare_texts(articles, config)
    preparation = CorpusPreparation(config, WorkerPool(1), store=_Listed)
    for article in articles:  # one article a window: the notice recurs across windows
        preparation.add([article])
    streamed = preparation.finish(articles.__getitem__)
    assert whole.boilerplate_lines_dropped == 3
    assert streamed.counts.boilerplate_lines_dropped == 3
    assert list(streamed.shingle_texts) == whole.shingle_texts == stories


def test_admission_depends_on_the_article_alone() -> None:
    """A page long enough to shingle is admitted even when learned lines leave it short."""
    config = DedupConfig(boilerplate_min_articles=2)
    notice = "تابعونا على حساباتنا في مواقع التواصل الاجتماعي"
    articles = [
        Article(id="a", text=f"ارتفع المؤشر العام للسوق\n{notice}", source="واس"),
        Article(id="b", text=f"هبط سعر الذهب في التعاملات\n{notice}", source="واس"),
        Article(id="c", text=f"لا\n{notice}", source="واس"),
    ]
    prepared = prepare_texts(articles, config)
    assert prepared.shingle_texts[2] == "لا"  # the notice is learned boilerplate
    assert too_short(articles[2], len(prepared.page_texts[2]), config) is None
    assert scan(articles, config=config).rejected == ()
    alone = too_short(Article(id="d", text="لا"), len(shingle_text(["لا"])), config)
    assert alone is not None
    assert alone.reason.startswith("text too short to shingle (2 characters")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T08:00:00Z", 1714550400.0),
        ("2024-05-01T08:00:00+00:00", 1714550400.0),
        ("2024-05-01T11:00:00+03:00", 1714550400.0),
        ("2024-05-01T08:00:00", 1714550400.0),  # no zone: UTC
        ("  2024-05-01T08:00:00Z \n", 1714550400.0),
        ("", None),
        ("   ", None),
        ("4 نونبر 2023", None),
    ],
)
def test_published_timestamp(value: str, expected: float | None) -> None:
    assert published_timestamp(value) == expected


STORY = "وصل وزير الخارجية إلى بغداد اليوم في زيارة رسمية تستمر يومين لبحث العلاقات الثنائية"


def test_articles_built_with_invalid_unicode_are_rejected_alike_by_scan_and_index(
    tmp_path: Path,
) -> None:
    """Readers reject such records; a caller's own Article objects must not crash a stage."""
    config = DedupConfig(related=RelatedConfig(k=0))
    articles = [
        Article(id="bytes", text=STORY + " \udcff"),
        Article(id="title", text=STORY, title="\ud801"),
        Article(id="fine", text=STORY),
    ]
    report = scan([*articles, Article(id="bad\ud800", text=STORY)], config=config)
    assert [(r.id, r.reason) for r in report.rejected] == [
        (None, "lone surrogate U+D800 (not valid Unicode)"),
        ("bytes", "undecodable bytes (check --encoding)"),
        ("title", "lone surrogate U+D801 (not valid Unicode)"),
    ]
    assert [c.canonical for c in report.clusters] == ["fine"]
    with Index.open(tmp_path / "index.db", config=config) as index:
        matches = index.add(articles)
        assert [m.rejected for m in matches[:2]] == [r.reason for r in report.rejected[1:]]
        assert matches[2].rejected is None
        with pytest.raises(InputError, match=r"not valid Unicode, e.g. \['bad\\ud800'\]"):
            index.add([Article(id="bad\ud800", text=STORY)])
