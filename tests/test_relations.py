"""Relations beyond copy: update, follow-up and roundup read from where shared passages lie."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.cluster import LinkRule, build_clusters
from dedup.config import DedupConfig
from dedup.normalize import normalize_text
from dedup.records import Pair
from dedup.relations import passage_layout, relation_of, word_order
from dedup.verify import pair_relation

_OLD = normalize_text(
    "أعلنت وزارة الصحة اليوم افتتاح مستشفى جديد في مدينة أبها بسعة مئتي سرير ويضم المستشفى "
    "أقساما للطوارئ والعناية المركزة والأطفال وقال المتحدث باسم الوزارة إن المستشفى سيخدم "
    "سكان المنطقة الجنوبية وإن العمل بدأ فيه منذ ثلاث سنوات بتكلفة بلغت خمسمئة مليون ريال"
)
_OTHER_ITEM = normalize_text(
    "ضبطت فرق الرقابة في بلدية جدة مخبزا يعمل دون ترخيص في حي الصفا وأغلقته وصادرت كميات من "
    "الدقيق الفاسد وأحالت العاملين فيه إلى الجهات المختصة لاستكمال الإجراءات النظامية بحقهم"
)
_NEW_LEAD = normalize_text(
    "استقبل المستشفى الجديد في أبها أول مرضاه صباح اليوم بعد يومين من افتتاحه وأجرى الفريق "
    "الطبي عمليتين جراحيتين عاجلتين لمصابين في حادث سير على طريق الجنوب وقال مدير المستشفى "
    "إن الأقسام كلها تعمل بكامل طاقتها وإن المواعيد متاحة عبر التطبيق الإلكتروني للوزارة "
    "وأضاف أن المستشفى سيستقبل الحالات المحولة من المراكز الصحية في القرى المجاورة "
    "ورحب أهالي المنطقة بتشغيل المستشفى مؤكدين أنه سيغنيهم عن السفر إلى المدن الكبرى للعلاج "
    "وطالب عدد منهم بتوسيع قسم الولادة وزيادة عدد الأطباء المتخصصين في أمراض القلب والكلى"
)
_MORE = normalize_text(
    "وأضاف المتحدث أن الوزارة ستفتتح مستشفيين آخرين في المنطقة خلال العام المقبل وأن التوظيف "
    "في المستشفى الجديد سيبدأ الشهر المقبل عبر بوابة الوظائف الصحية"
)


def test_a_new_lead_on_top_of_the_old_report_is_a_follow_up() -> None:
    found = relation_of(passage_layout(_OLD, f"{_NEW_LEAD} {_OLD}"))
    assert found.relation == "follow_up", found.reason


def test_new_paragraphs_under_the_same_lead_are_an_update() -> None:
    found = relation_of(passage_layout(_OLD, f"{_OLD} {_MORE}"))
    assert found.relation == "update", found.reason


def test_a_bulletin_turning_to_another_item_is_a_roundup() -> None:
    bulletin = f"{_OLD} {normalize_text('من جهة أخرى')} {_OTHER_ITEM}"
    assert relation_of(passage_layout(_OLD, bulletin)).relation == "roundup"
    # The same two texts joined without a next-item phrase: read by their layout alone.
    joined = f"{_OLD} {_OTHER_ITEM}"
    assert relation_of(passage_layout(_OLD, joined)).relation != "roundup"


def test_an_edited_copy_stays_near() -> None:
    copy = _OLD.replace("ثلاث سنوات", "ثلاثة أعوام")
    assert relation_of(passage_layout(_OLD, copy)).relation == "near"


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 40), st.integers(0, 40))
def test_the_layout_does_not_depend_on_argument_order(cut_a: int, cut_b: int) -> None:
    words = f"{_NEW_LEAD} {_OLD} {_MORE}".split()
    first, second = " ".join(words[cut_a:]), " ".join(words[: len(words) - cut_b])
    one, other = passage_layout(first, second), passage_layout(second, first)
    assert (one.long_words, one.short_words, one.shared_words) == (
        other.long_words,
        other.short_words,
        other.shared_words,
    )
    assert (one.long_lead, one.long_tail, one.next_item) == (
        other.long_lead,
        other.long_tail,
        other.next_item,
    )
    assert one.long_first != other.long_first or first == second


def test_the_scan_relation_is_the_layouts_below_the_jaccard_threshold() -> None:
    config = DedupConfig()
    follow_up = f"{_NEW_LEAD} {_OLD}"
    assert pair_relation(_OLD, follow_up, 0.4, config) == "follow_up"
    # At the Jaccard threshold a pair is a copy whatever its layout.
    assert pair_relation(_OLD, follow_up, 0.85, config) == "near"
    assert pair_relation(_OLD, _OLD, 1.0, config) == "exact"


def test_follow_ups_and_roundups_never_merge() -> None:
    pairs = [Pair("a", "b", 0.4, 0.9, "follow_up"), Pair("a", "c", 0.4, 0.9, "roundup")]
    clusters = build_clusters(["a", "b", "c"], pairs, lambda i: (i,))
    assert sorted(c.size for c in clusters) == [1, 1, 1]


def test_a_member_joining_through_via_must_be_the_same_story_as_the_canonical() -> None:
    # a - b copies; b - c a containment match; c shares nothing with a (the same-story
    # rule fails): c joined only through b and leaves a's cluster (the link rule).
    pairs = [Pair("a", "b", 0.9, 0.95, "near"), Pair("b", "c", 0.85, 0.9, "near")]
    unlike = {("a", "c"): (0.02, 0.05)}

    def similarity(first: str, second: str) -> tuple[float, float]:
        return unlike.get(tuple(sorted((first, second))), (0.9, 0.95))  # type: ignore[arg-type]

    found = build_clusters(
        ["a", "b", "c"],
        pairs,
        lambda i: (i,),
        similarity=similarity,
        link_rule=LinkRule(0.5, 0.7),
        strong_jaccard=0.8,
        same_story_rule=LinkRule(0.1, 0.5),
    )
    members = sorted(tuple(sorted(m.id for m in c.members)) for c in found)
    assert members == [("a", "b"), ("c",)]
    # Alike, c stays through b.
    unlike.clear()
    found = build_clusters(
        ["a", "b", "c"],
        pairs,
        lambda i: (i,),
        similarity=similarity,
        link_rule=LinkRule(0.5, 0.7),
        strong_jaccard=0.8,
        same_story_rule=LinkRule(0.1, 0.5),
    )
    assert [c.size for c in found] == [3]


_TEAMS = [
    "النجم الساحلي", "النادي الإفريقي", "الترجي الرياضي", "الملعب القابسي", "مستقبل المرسى",
    "اتحاد بن قردان", "النادي الصفاقسي", "شبيبة القيروان", "الاتحاد المنستيري", "هلال الشابة",
]  # fmt: skip


def _fixtures(order: list[int], round_name: str) -> str:
    pairs = "، ".join(
        f"{_TEAMS[a]} - {_TEAMS[b]}" for a, b in zip(order[::2], order[1::2], strict=True)
    )
    return normalize_text(
        f"تدور مساء اليوم مقابلات الجولة {round_name} من بطولة الرابطة المحترفة الأولى لكرة "
        f"القدم وفق البرنامج التالي: الساعة الثالثة بعد الظهر {pairs}."
    )


def test_the_same_teams_paired_otherwise_are_a_template() -> None:
    first = _fixtures(list(range(10)), "الرابعة")
    second = _fixtures([0, 3, 2, 5, 4, 7, 6, 9, 8, 1], "الخامسة")
    assert word_order(first, second) < 0.5
    assert pair_relation(first, second, 0.5, DedupConfig()) == "template"
    # Without the guard the pair is read by its layout alone.
    assert pair_relation(first, second, 0.5, DedupConfig(template_guard=False)) != "template"


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 60), st.integers(0, 60))
def test_a_cut_or_extended_copy_keeps_its_word_order(cut_start: int, cut_end: int) -> None:
    words = f"{_NEW_LEAD} {_OLD} {_MORE}".split()
    part = " ".join(words[cut_start : len(words) - cut_end])
    assert word_order(" ".join(words), part) == 1.0


def test_a_next_item_phrase_inside_the_shared_story_is_no_roundup() -> None:
    # An edited copy that gained a sentence opening with "من جهة أخرى" between two shared
    # passages: both texts tell one story around it.
    inserted = normalize_text("من جهة أخرى قال مدير المستشفى إن الزيارات مسموحة مساء كل يوم")
    words = _OLD.split()
    edited = " ".join([*words[:20], *inserted.split(), *words[20:]])
    assert relation_of(passage_layout(_OLD, edited)).relation != "roundup"


def test_a_member_verified_as_another_story_of_the_canonical_leaves() -> None:
    # c is a copy of b (merged) but a follow-up of a: it joined a's cluster through b and
    # leaves it, whatever the same-story rule says of a and c.
    pairs = [
        Pair("a", "b", 0.9, 0.95, "near"),
        Pair("b", "c", 0.85, 0.9, "near"),
        Pair("a", "c", 0.4, 0.8, "follow_up"),
    ]
    found = build_clusters(
        ["a", "b", "c"],
        pairs,
        lambda i: (i,),
        similarity=lambda first, second: (0.4, 0.8),
        link_rule=LinkRule(0.5, 0.7),
        strong_jaccard=0.8,
        same_story_rule=LinkRule(0.1, 0.5),
    )
    assert sorted(tuple(sorted(m.id for m in c.members)) for c in found) == [("a", "b"), ("c",)]


def test_a_copy_cut_inside_the_next_item_phrase_is_no_roundup() -> None:
    # A teaser cut at a word that happens to open "من جهة أخرى" ("... the minister also,
    # on the other hand, ordered ..."): the shorter text holds the phrase's first word, so
    # the turn is no seam between its story and another item.
    whole = f"{_OLD} {normalize_text('من جهة أخرى')} {_OTHER_ITEM}"
    cut = f"{_OLD} {normalize_text('من')}"
    assert relation_of(passage_layout(cut, whole)).relation != "roundup"
    assert relation_of(passage_layout(_OLD, whole)).relation == "roundup"


def test_a_wrap_up_moving_on_to_another_place_is_a_roundup() -> None:
    # "وفي العاصمة ...": after the shared story the longer text reports from elsewhere.
    wrap = f"{_OLD} {normalize_text('وفي العاصمة')} {_OTHER_ITEM}"
    found = relation_of(passage_layout(_OLD, wrap))
    assert found.relation == "roundup", found.reason
    # "وفي تصريح ..." (in a statement) continues the story: not a turn to another item.
    statement = f"{_OLD} {normalize_text('وفي تصريح')} {_OTHER_ITEM}"
    assert relation_of(passage_layout(_OLD, statement)).relation != "roundup"
