"""Corpus-learned boilerplate lines (the "boilerplate" stage, dedup.boilerplate)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.boilerplate import LineStatistics, line_contexts
from dedup.config import DedupConfig
from dedup.errors import ConfigError, IndexFormatError
from dedup.normalize import normalize_lines, normalize_text
from dedup.prepare import dropped_lines, prepare_texts, shingle_text
from dedup.records import Article

FOOTER = normalize_text("للتواصل مع الكاتب ارسل رسالة قصيرة")


def story_lines(index: int) -> list[str]:
    """A distinct normalized story of two lines."""
    return [
        normalize_text(f"خبر رقم {index} عن افتتاح مشروع جديد في المدينة رقم {index * 7}"),
        normalize_text(f"وقال المسؤول إن المشروع {index} سيخدم آلاف السكان في الحي {index}"),
    ]


def test_line_recurring_in_one_source_is_boilerplate() -> None:
    stats = LineStatistics(min_articles=4)
    for index in range(3):
        stats.add([*story_lines(index), FOOTER], source="almadina")
    assert not stats.is_boilerplate(FOOTER, "almadina")
    stats.add([*story_lines(3), FOOTER], source="almadina")
    assert stats.is_boilerplate(FOOTER, "almadina")
    assert stats.count(FOOTER, "almadina") == 4
    assert not stats.is_boilerplate(FOOTER, "okaz")
    lines = [*story_lines(9), FOOTER]
    assert stats.filter_lines(lines, "almadina") == story_lines(9)


def test_each_line_counts_once_per_article() -> None:
    stats = LineStatistics(min_articles=2)
    stats.add([*story_lines(0), FOOTER, FOOTER, FOOTER], source="s")
    assert stats.count(FOOTER, "s") == 1


def test_wire_story_republished_by_different_sources_is_not_boilerplate() -> None:
    stats = LineStatistics(min_articles=4)
    wire = story_lines(1)
    for source in ("alriyadh", "okaz", "alyaum", "almadina", "aljazirah", "was"):
        stats.add(wire, source=source)
    assert not any(stats.is_boilerplate(line, source) for line in wire for source in ("okaz", ""))


def test_copies_of_one_story_count_once() -> None:
    # The same text filed twice, or one wire story in the unknown-source pool:
    # the article's main paragraph is the same, so the copies are one article.
    stats = LineStatistics(min_articles=2)
    for _ in range(10):
        stats.add([*story_lines(5), FOOTER], source="")
    assert stats.count(FOOTER, "") == 1
    assert not stats.is_boilerplate(FOOTER, "")


def test_unknown_source_needs_twice_as_many_articles() -> None:
    stats = LineStatistics(min_articles=3)
    assert stats.threshold("") == 6
    assert stats.threshold("okaz") == 3
    for index in range(5):
        stats.add([*story_lines(index), FOOTER], source="")
    assert not stats.is_boilerplate(FOOTER, "")
    stats.add([*story_lines(5), FOOTER], source="")
    assert stats.is_boilerplate(FOOTER, "")


def test_short_lines_are_never_boilerplate() -> None:
    stats = LineStatistics(min_articles=2, min_line_chars=10)
    for index in range(5):
        stats.add([*story_lines(index), "تصريح"], source="s")
    assert not stats.is_boilerplate("تصريح", "s")
    assert stats.count("تصريح", "s") == 0


def test_filter_never_leaves_an_article_empty() -> None:
    stats = LineStatistics(min_articles=2)
    for index in range(3):
        stats.add([*story_lines(index), FOOTER], source="s")
    assert stats.filter_lines([FOOTER], "s") == [FOOTER]
    assert stats.filter_lines([], "s") == []


def test_a_single_string_is_rejected() -> None:
    stats = LineStatistics()
    with pytest.raises(TypeError, match="lines of one article"):
        stats.add("سطر واحد", source="s")
    with pytest.raises(TypeError, match="list of lines"):
        stats.filter_lines("سطر واحد", source="s")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"min_articles": 1}, "min_articles must be at least 2"),
     ({"min_line_chars": 0}, "min_line_chars must be at least 1")],
)  # fmt: skip
def test_parameters_are_validated(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        LineStatistics(**kwargs)


def test_json_round_trip() -> None:
    stats = LineStatistics(min_articles=3, min_line_chars=8)
    for index in range(4):
        stats.add([*story_lines(index), FOOTER], source="almadina")
        stats.add(story_lines(index + 100), source="")
    data = json.loads(json.dumps(stats.to_json(), ensure_ascii=False))
    assert data["version"] == 1
    assert all(len(key) == 16 for key in data["lines"])  # 8-byte blake2b hex
    restored = LineStatistics.from_json(data)
    assert restored.min_articles == 3
    assert restored.min_line_chars == 8
    assert len(restored) == len(stats)
    assert restored.to_json() == stats.to_json()
    assert restored.is_boilerplate(FOOTER, "almadina")
    # Counting goes on from the restored state (an incremental index).
    restored.add([*story_lines(50), FOOTER], source="okaz")
    assert restored.count(FOOTER, "okaz") == 1


def test_from_json_rejects_other_versions_and_damage() -> None:
    data = LineStatistics().to_json()
    with pytest.raises(IndexFormatError, match="version 99 is not supported"):
        LineStatistics.from_json({**data, "version": 99})
    with pytest.raises(IndexFormatError, match="lack the field 'lines'"):
        LineStatistics.from_json({k: v for k, v in data.items() if k != "lines"})
    with pytest.raises(IndexFormatError, match="wrong type"):
        LineStatistics.from_json({**data, "lines": ["not", "a", "dict"]})


def test_add_order_does_not_change_the_state() -> None:
    articles = [([*story_lines(i), FOOTER], "s") for i in range(6)]
    forward, backward = LineStatistics(), LineStatistics()
    for lines, source in articles:
        forward.add(lines, source)
        backward.add(list(reversed(lines)), source)
    assert forward.to_json() == backward.to_json()


# ---------------------------------------------------------------------------
# Lines looked up by the keys of their contexts, against looking them up by text

_LINE_POOL = [FOOTER, *story_lines(1), *story_lines(2), *story_lines(3), "تصريح", "قصير جدا",
              normalize_text("جميع الحقوق محفوظة لصحيفة المدينة")]  # fmt: skip
_CORPUS = st.lists(
    st.tuples(st.lists(st.sampled_from(_LINE_POOL), max_size=6), st.sampled_from(["", "s", "t"])),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(corpus=_CORPUS)
def test_is_boilerplate_key_is_is_boilerplate(corpus: list[tuple[list[str], str]]) -> None:
    stats = LineStatistics(min_articles=2)
    for lines, source in corpus:
        stats.add(lines, source)
    for lines, source in corpus:
        distinct = sorted({line for line in lines if len(line) >= stats.min_line_chars})
        pairs = line_contexts(lines, source)
        assert [stats.is_boilerplate_key(key, source) for key, _ in pairs] == [
            stats.is_boilerplate(line, source) for line in distinct
        ]


@settings(max_examples=100, deadline=None)
@given(corpus=_CORPUS)
def test_prepare_texts_drops_what_dropped_lines_drops(corpus: list[tuple[list[str], str]]) -> None:
    # prepare_texts looks lines up by the keys its chunks hashed; the reference hashes
    # each line again through LineStatistics.is_boilerplate.
    config = DedupConfig(boilerplate_min_articles=2, strip_furniture=False)
    articles = [
        Article(id=str(n), text="\n".join(lines), source=source)
        for n, (lines, source) in enumerate(corpus)
    ]
    stats = LineStatistics(min_articles=2)
    pages = [normalize_lines(article.text) for article in articles]
    for page, article in zip(pages, articles, strict=True):
        stats.add(page, article.source)
    dropped = [
        dropped_lines(stats, page, a.source) for page, a in zip(pages, articles, strict=True)
    ]
    prepared = prepare_texts(articles, config)
    assert prepared.shingle_texts == [
        shingle_text(p, d) for p, d in zip(pages, dropped, strict=True)
    ]
    assert prepared.boilerplate_lines_dropped == sum(map(len, dropped))
