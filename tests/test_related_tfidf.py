"""Tests of RelatedIndex, the in-memory driver of the related lists (dedup/related/tfidf.py)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from dedup.config import RelatedConfig
from dedup.errors import ConfigError, DedupError, InputError
from dedup.normalize import normalize_text
from dedup.records import Article, RelatedItem
from dedup.related import RelatedIndex
from dedup.related.features import stem

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_corpus"


def _load_sample() -> tuple[list[Article], dict[str, object]]:
    articles = []
    with (SAMPLE / "articles.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            articles.append(
                Article(
                    id=row["id"],
                    text=row["text"],
                    title=row.get("title", ""),
                    source=row.get("source", ""),
                    published_at=row.get("published_at", ""),
                    url=row.get("url", ""),
                )
            )
    labels = json.loads((SAMPLE / "labels.json").read_text(encoding="utf-8"))
    return articles, labels


@pytest.fixture(scope="module")
def sample() -> tuple[list[Article], dict[str, object]]:
    return _load_sample()


def _families(labels: dict[str, object]) -> dict[str, str]:
    families = labels["duplicate_families"]
    assert isinstance(families, list)
    return {member: f"F{n:02d}" for n, family in enumerate(families, 1) for member in family}


@pytest.fixture(scope="module")
def sample_index(sample: tuple[list[Article], dict[str, object]]) -> RelatedIndex:
    articles, labels = sample
    return RelatedIndex().fit(articles, cluster_of=_families(labels))


def _ids(items: tuple[RelatedItem, ...]) -> list[str]:
    return [item.id for item in items]


# ---------------------------------------------------------------- sample corpus


def test_sample_no_article_lists_itself_or_its_duplicates(
    sample: tuple[list[Article], dict[str, object]], sample_index: RelatedIndex
) -> None:
    _, labels = sample
    family = _families(labels)
    lists = sample_index.related()
    assert sorted(lists) == sorted(sample_index.ids_)
    for article_id, items in lists.items():
        listed = _ids(items)
        assert article_id not in listed
        if article_id in family:
            assert not [i for i in listed if family.get(i) == family[article_id]], article_id


def test_sample_related_pairs_in_each_others_top5(
    sample: tuple[list[Article], dict[str, object]], sample_index: RelatedIndex
) -> None:
    _, labels = sample
    family = _families(labels)

    def story(article_id: str) -> str:
        return family.get(article_id, article_id)

    members: dict[str, list[str]] = {}
    for article_id in sample_index.ids_:
        members.setdefault(story(article_id), []).append(article_id)
    lists = sample_index.related()
    pairs = labels["related_pairs"]
    assert isinstance(pairs, list)
    assert pairs
    for a, b in pairs:
        # "When one side is in a family, the pair holds for the whole family."
        for source, target in ((a, b), (b, a)):
            for member in members[story(source)]:
                top5 = {story(i) for i in _ids(lists[member])[:5]}
                assert story(target) in top5, (member, target, _ids(lists[member])[:5])


def test_sample_each_story_takes_one_slot_shown_by_its_canonical(
    sample: tuple[list[Article], dict[str, object]], sample_index: RelatedIndex
) -> None:
    articles, labels = sample
    family = _families(labels)
    moment = {a.id: datetime.fromisoformat(a.published_at) for a in articles}
    # Without canonical_of: the earliest published member, then the smallest id.
    canonical = {
        f: min((m for m in family if family[m] == f), key=lambda m: (moment[m], m))
        for f in set(family.values())
    }
    for items in sample_index.related().values():
        stories = [family.get(i, i) for i in _ids(items)]
        assert len(stories) == len(set(stories))
        for item in items:
            if item.id in family:
                assert item.id == canonical[family[item.id]]


def test_query_of_fitted_article_equals_its_related_list(
    sample: tuple[list[Article], dict[str, object]], sample_index: RelatedIndex
) -> None:
    articles, _ = sample
    lists = sample_index.related()
    for article in articles:
        assert sample_index.query(article) == lists[article.id]


def test_query_new_article_excluding_its_duplicate_leaves_out_the_whole_family(
    sample: tuple[list[Article], dict[str, object]], sample_index: RelatedIndex
) -> None:
    articles, labels = sample
    family = _families(labels)
    original = next(a for a in articles if a.id == "s001")
    copy = replace(original, id="new-copy")
    with_copy = _ids(sample_index.query(copy))
    assert with_copy[0] in {m for m in family if family[m] == family["s001"]}
    listed = _ids(sample_index.query(copy, exclude={"s003"}))
    assert not [i for i in listed if family.get(i) == family["s001"]]
    assert "s062" in listed[:3]  # the follow-up story is still there


def test_lists_are_sorted_rounded_and_above_min_score(sample_index: RelatedIndex) -> None:
    for items in sample_index.related().values():
        assert len(items) <= sample_index.config.k
        keys = [(-item.score, item.id) for item in items]
        assert keys == sorted(keys)
        for item in items:
            assert item.score == round(item.score, 6)
            assert sample_index.config.min_score <= item.score <= 1.0 + 1e-6


def test_deterministic_and_independent_of_input_order(
    sample: tuple[list[Article], dict[str, object]],
) -> None:
    articles, labels = sample
    first = RelatedIndex().fit(articles, cluster_of=_families(labels)).related()
    shuffled = list(articles)
    random.Random(7).shuffle(shuffled)
    second = RelatedIndex().fit(shuffled, cluster_of=_families(labels)).related()
    assert first == second
    assert list(first) == sorted(first)


@pytest.mark.parametrize("char_ngrams", [False, True])
def test_prenormalized_texts_give_the_same_lists(
    sample: tuple[list[Article], dict[str, object]], char_ngrams: bool
) -> None:
    """The scan hands over its normalized page texts (normalized=True): same vectors, same lists."""
    articles, labels = sample
    config = RelatedConfig(char_ngrams=char_ngrams)
    raw = RelatedIndex(config).fit(articles, cluster_of=_families(labels))
    prepared = [replace(a, text=normalize_text(a.text)) for a in articles]
    again = RelatedIndex(config).fit(prepared, cluster_of=_families(labels), normalized=True)
    assert again.related() == raw.related()
    assert (again.vectors_ != raw.vectors_).nnz == 0


class _CountedReadings:
    """Texts made as they are read, counting the readings (the scan's stemmed page texts)."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.readings = 0

    def __len__(self) -> int:
        return len(self.texts)

    def __iter__(self) -> Iterator[str]:
        self.readings += 1
        return (text for text in self.texts)


@pytest.mark.parametrize(
    ("config", "readings"),
    [
        (RelatedConfig(), 1),
        (RelatedConfig(title_weight=2.0), 2),
        (RelatedConfig(char_ngrams=True), 3),
    ],
)
def test_texts_given_apart_are_read_as_often_as_the_config_needs(
    sample: tuple[list[Article], dict[str, object]], config: RelatedConfig, readings: int
) -> None:
    """fit(texts=...) reads the texts in place of the articles' own: the same lists, and the
    default config reads stemmed texts once (the scan makes them as they are read); texts
    still to be stemmed are read once and stemmed into a list."""
    articles, labels = sample
    together = RelatedIndex(config).fit(articles, cluster_of=_families(labels))
    blank = [replace(a, text="") for a in articles]
    raw = _CountedReadings([a.text for a in articles])
    stemmed = _CountedReadings([stem(normalize_text(a.text), config.stemming) for a in articles])
    for texts, is_stemmed, expected in ((raw, False, 1), (stemmed, True, readings)):
        apart = RelatedIndex(config).fit(
            blank, cluster_of=_families(labels), texts=texts, stemmed=is_stemmed
        )
        assert apart.related() == together.related()
        assert (apart.vectors_ != together.vectors_).nnz == 0
        assert texts.readings == expected
    with pytest.raises(InputError, match="one text per article"):
        RelatedIndex(config).fit(articles, texts=texts.texts[1:])


def test_fit_returns_self_with_fitted_attributes(
    sample: tuple[list[Article], dict[str, object]],
) -> None:
    articles, _ = sample
    index = RelatedIndex()
    assert index.fit(articles) is index
    assert index.vectors_.shape[0] == len(articles)
    assert index.ids_ == tuple(a.id for a in articles)
    assert index.n_undated_ == 0


# ---------------------------------------------------------------- news options

_DAY = "2024-03-{:02d}T10:00:00+00:00"


def _toy(sources: list[str], days: list[int | None]) -> list[Article]:
    """A query article and near-synonymous follow-ups, one per (source, day)."""
    body = "فيضانات مدينة تريم وادي حضرموت أمطار غزيرة سيول الدفاع المدني"
    articles = [
        Article(id="q", text=body, title="سيول تريم", source="wakaa", published_at=_DAY.format(10))
    ]
    extra = [
        "قافلة مساعدات",
        "حصيلة الضحايا",
        "زيارة المحافظ",
        "تعويض المزارعين",
        "انقطاع الكهرباء",
        "إعادة فتح الطرق",
        "مخيمات النازحين",
        "تحذير الأرصاد",
    ]
    for n, (source, day) in enumerate(zip(sources, days, strict=True)):
        articles.append(
            Article(
                id=f"d{n}",
                text=f"{body} {extra[n % len(extra)]} {n}",
                source=source,
                published_at="" if day is None else _DAY.format(day),
            )
        )
    return articles


def test_per_source_cap_is_respected() -> None:
    sources = ["a", "a", "a", "a", "b", "b", "c"]
    articles = _toy(sources, [10] * len(sources))
    source_of = {a.id: a.source for a in articles}
    index = RelatedIndex(RelatedConfig(per_source_cap=2)).fit(articles)
    listed = _ids(index.related()["q"])
    counts = {s: sum(1 for i in listed if source_of[i] == s) for s in "abc"}
    assert counts == {"a": 2, "b": 2, "c": 1}
    uncapped = _ids(RelatedIndex().fit(articles).related()["q"])
    assert len(uncapped) == len(sources)


def test_time_window_is_respected_and_undated_articles_stay() -> None:
    days: list[int | None] = [9, 10, 12, 20, 28, None]
    articles = _toy(["s"] * len(days), days)
    index = RelatedIndex(RelatedConfig(time_window_days=3)).fit(articles)
    listed = set(_ids(index.related()["q"]))
    assert listed == {"d0", "d1", "d2", "d5"}
    moment = {a.id: a.published_at for a in articles}
    for item_id in listed - {"d5"}:
        gap = abs(datetime.fromisoformat(moment[item_id]) - datetime.fromisoformat(moment["q"]))
        assert gap.total_seconds() <= 3 * 86400
    assert index.n_undated_ == 1


def test_recency_decay_halves_the_score_per_half_life() -> None:
    articles = _toy(["s", "s"], [10, 17])
    no_decay = RelatedConfig(recency_half_life_days=None)
    plain = {i.id: i.score for i in RelatedIndex(no_decay).fit(articles).related()["q"]}
    decayed = {
        i.id: i.score
        for i in RelatedIndex(RelatedConfig(recency_half_life_days=7)).fit(articles).related()["q"]
    }
    assert decayed["d0"] == plain["d0"]
    assert decayed["d1"] == pytest.approx(plain["d1"] / 2, abs=2e-6)


def test_mmr_prefers_another_angle_over_a_second_near_copy() -> None:
    query = Article(id="q", text="معرض الرياض الدولي للكتاب يفتتح أبوابه بمشاركة ألف دار نشر")
    twin_a = Article(id="a", text="معرض الرياض الدولي للكتاب يفتتح أبوابه اليوم بمشاركة واسعة")
    twin_b = Article(id="b", text="معرض الرياض الدولي للكتاب يفتتح أبوابه اليوم بمشاركة واسعة جدا")
    angle = Article(id="c", text="مبيعات قياسية في معرض الرياض للكتاب ودور النشر تحتفل")
    other = Article(id="z", text="المنتخب يفوز في البصرة")
    corpus = [query, twin_a, twin_b, angle, other]
    plain = _ids(RelatedIndex(RelatedConfig(k=2)).fit(corpus).related()["q"])
    assert set(plain) == {"a", "b"}
    diverse = _ids(RelatedIndex(RelatedConfig(k=2, mmr_lambda=0.5)).fit(corpus).related()["q"])
    assert "c" in diverse
    assert len(diverse) == 2


def test_min_score_and_k_zero() -> None:
    articles = _toy(["s", "s"], [10, 11])
    assert RelatedIndex(RelatedConfig(k=0)).fit(articles).related() == {"d0": (), "d1": (), "q": ()}
    index = RelatedIndex(RelatedConfig(min_score=0.99)).fit(articles)
    assert all(items == () for items in index.related().values())
    assert index.query(articles[0], k=0) == ()


def test_canonical_of_chooses_the_shown_member() -> None:
    articles = _toy(["s", "s", "s"], [10, 11, 12])
    cluster_of = {"d1": "c", "d2": "c"}
    index = RelatedIndex().fit(articles, cluster_of=cluster_of, canonical_of={"c": "d2"})
    listed = _ids(index.related()["q"])
    assert listed.count("d2") == 1
    assert "d1" not in listed


def test_empty_corpus_and_corpus_without_words() -> None:
    assert RelatedIndex().fit([]).related() == {}
    index = RelatedIndex().fit([Article(id="1", text="؟ ! ."), Article(id="2", text="")])
    assert index.related() == {"1": (), "2": ()}
    assert index.query(Article(id="x", text="خبر")) == ()


# ---------------------------------------------------------------- errors


def test_bad_input_errors_say_what_to_do() -> None:
    article = Article(id="1", text="خبر عاجل من بغداد")
    with pytest.raises(InputError, match="got a single Article; wrap it in a list"):
        RelatedIndex().fit(article)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="got a single str"):
        RelatedIndex().fit("خبر")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="item 1 is a dict, not an Article"):
        RelatedIndex().fit([article, {"id": "2"}])  # type: ignore[list-item]
    with pytest.raises(InputError, match=r"occur more than once, e.g. \['1'\]"):
        RelatedIndex().fit([article, article])
    with pytest.raises(InputError, match="cluster_of names 1 id"):
        RelatedIndex().fit([article], cluster_of={"nope": "c"})
    with pytest.raises(InputError, match="is not a member of cluster 'c'"):
        RelatedIndex().fit(
            [article, replace(article, id="2")], cluster_of={"1": "c"}, canonical_of={"c": "2"}
        )
    with pytest.raises(InputError, match="canonical_of names 1 cluster"):
        RelatedIndex().fit([article], canonical_of={"ghost": "1"})
    with pytest.raises(DedupError, match="not fitted yet: call fit"):
        RelatedIndex().related()
    index = RelatedIndex().fit([article, replace(article, id="2")])
    with pytest.raises(ConfigError, match="k must be an integer >= 0, got -1"):
        index.related(-1)
    with pytest.raises(InputError, match="exclude expects a collection of ids"):
        index.query(article, exclude="1")
    with pytest.raises(InputError, match="query expects one Article"):
        index.query([article])  # type: ignore[arg-type]


def test_a_list_stops_where_scores_fall_under_min_score(
    sample: tuple[list[Article], dict[str, object]], sample_index: RelatedIndex
) -> None:
    articles, labels = sample
    floor = RelatedIndex(replace(sample_index.config, min_score=0.0))
    uncut = floor.fit(articles, cluster_of=_families(labels)).related()
    cut = sample_index.related()
    shorter = 0
    for article_id, items in cut.items():
        # The cut list is the uncut one up to its first score under min_score.
        kept = [i for i in uncut[article_id] if i.score >= sample_index.config.min_score]
        assert list(items) == kept
        shorter += len(items) < min(sample_index.config.k, len(uncut[article_id]))
    assert shorter > 0  # the default cut-off does shorten lists on the sample


def test_stemming_joins_inflections_and_none_keeps_words_apart() -> None:
    articles = [
        Article(id="a", text="المعلمون يطالبون بزيادة الرواتب في المدارس"),
        Article(id="b", text="معلمين غاضبون من رواتبهم ومدارسهم"),
        Article(id="c", text="فيضانات تغمر قرى الجنوب"),
    ]
    stemmed = RelatedIndex(RelatedConfig(min_score=0.0)).fit(articles).related()
    plain = RelatedIndex(RelatedConfig(min_score=0.0, stemming="none")).fit(articles).related()
    assert _ids(stemmed["a"]) == ["b"]
    assert plain["a"] == ()  # no surface form in common


def test_stemming_must_be_a_known_stemmer() -> None:
    with pytest.raises(ConfigError, match="related stemming must be one of 'light10', 'none'"):
        RelatedConfig(stemming="porter")


def test_stemming_is_for_related_terms_only_never_the_duplicate_shingles(
    sample: tuple[list[Article], dict[str, object]],
) -> None:
    from dedup import DedupConfig, scan

    articles, _ = sample
    reports = [
        scan(articles, config=DedupConfig(related=RelatedConfig(stemming=stemming)))
        for stemming in ("light10", "none")
    ]
    assert reports[0].clusters == reports[1].clusters
    assert reports[0].pairs == reports[1].pairs
    assert reports[0].related != reports[1].related


@pytest.mark.parametrize("weight", [1.0, 0.5, 2.0])
def test_fitted_vectors_equal_the_vectors_of_a_second_reading(
    sample: tuple[list[Article], dict[str, object]], weight: float
) -> None:
    # With title weight 1 the fit takes its counts from the joined title and body it learns
    # the vocabulary on; transforming the bodies and titles again must give the same rows.
    articles, _ = sample
    index = RelatedIndex(RelatedConfig(title_weight=weight)).fit(articles)
    titles, bodies = index._documents(articles)
    again = index._features(titles, bodies)
    assert again.shape == index.vectors_.shape
    assert (again != index.vectors_).nnz == 0
