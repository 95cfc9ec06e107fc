"""Template-sibling guard: different facts in shared wording vs. copies."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from judged import JUDGED, judged_pairs, judged_texts

from dedup import template
from dedup.normalize import normalize_text
from dedup.template import TemplateVerdict, own_fact_words, template_verdict

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def n(text: str) -> str:
    return normalize_text(text)


# Templates written for these tests.
MARKET = (
    "أغلق المؤشر العام لسوق الأسهم جلسة يوم {day} {trend} {points} نقطة أو ما نسبته {pct} "
    "بالمئة عند مستوى {level} نقطة، بتداولات بلغت قيمتها {value} مليار ريال. وارتفعت أسهم {up} "
    "شركة فيما تراجعت أسهم {down} شركة. وتصدر سهم {best} قائمة الأسهم الأكثر ارتفاعا بنسبة "
    "{best_pct} بالمئة، بينما كان سهم {worst} الأكثر تراجعا بنسبة {worst_pct} بالمئة."
)
GOLD = (
    "ارتفعت أسعار الذهب في المعاملات الفورية يوم {day} لتسجل {price} دولار للأوقية بحلول الساعة "
    "{clock} بتوقيت غرينتش، بعدما أغلقت عند {previous} دولار في الجلسة السابقة. وقال متعاملون إن "
    "تحركات الدولار تظل العامل الأبرز في توجيه المعدن الأصفر. وزادت الفضة {silver_pct} بالمئة إلى "
    "{silver} دولار للأوقية، فيما سجل البلاتين {platinum} دولار للأوقية."
)
WEATHER = (
    "توقعت الهيئة العامة للأرصاد الجوية أن يكون الطقس يوم {day} {date} {month} حارا على معظم "
    "المناطق، مع فرصة لهطول أمطار رعدية على المرتفعات. وتتراوح درجات الحرارة العظمى في الرياض بين "
    "{t1} و{t2} درجة مئوية، وفي جدة بين {t3} و{t4} درجة مئوية. وتكون حركة الرياح السطحية على البحر "
    "الأحمر {wind} بسرعة {w1} إلى {w2} كيلومترا في الساعة، وارتفاع الموج من نصف متر إلى متر ونصف."
)
CABLE = (
    "بعث خادم الحرمين الشريفين برقية تهنئة إلى الرئيس {leader} رئيس جمهورية {country} بمناسبة "
    "ذكرى {occasion} لبلاده. وأعرب في البرقية عن أصدق التهاني وأطيب التمنيات بالصحة والسعادة "
    "للرئيس {leader}، ولحكومة وشعب {country} الشقيق المزيد من التقدم والازدهار. كما بعث ولي العهد "
    "برقية تهنئة مماثلة للرئيس {leader} عبر فيها عن أبلغ التهاني لشعب {country}."
)

TEMPLATE_PAIRS = {
    "market close": (
        MARKET.format(day="الأحد", trend="مرتفعا", points="44.53", pct="0.51", level="8699.17",
                      value="3", up="113", down="34", best="سابك", best_pct="4.2",
                      worst="زين", worst_pct="2.1"),
        MARKET.format(day="الاثنين", trend="مرتفعا", points="135.65", pct="1.56", level="8834.82",
                      value="4", up="143", down="14", best="سابك", best_pct="6.8",
                      worst="زين", worst_pct="1.3"),
    ),
    "gold": (
        GOLD.format(day="الخميس", price="1325.06", clock="07:40", previous="1318.20",
                    silver_pct="0.3", silver="16.54", platinum="960.30"),
        GOLD.format(day="الاثنين", price="1354.62", clock="17:33", previous="1341.10",
                    silver_pct="1.0", silver="16.68", platinum="950.90"),
    ),
    "weather": (
        WEATHER.format(day="الثلاثاء", date="11", month="أغسطس", t1="29", t2="46", t3="30",
                       t4="39", wind="شمالية غربية", w1="18", w2="38"),
        WEATHER.format(day="الأربعاء", date="12", month="أغسطس", t1="31", t2="45", t3="28",
                       t4="37", wind="جنوبية غربية", w1="15", w2="35"),
    ),
    "cables": (
        CABLE.format(leader="رافائيل كوريا", country="الإكوادور", occasion="يوم الاستقلال"),
        CABLE.format(leader="توني تان", country="سنغافورة", occasion="اليوم الوطني"),
    ),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(TEMPLATE_PAIRS))
def test_template_siblings_are_flagged(kind: str) -> None:
    first, second = TEMPLATE_PAIRS[kind]
    verdict = template_verdict(n(first), n(second))
    assert verdict.is_template, verdict.reason
    assert verdict.changed_facts >= 3
    assert verdict.reason.startswith("template: ")


@pytest.mark.parametrize("kind", sorted(TEMPLATE_PAIRS))
def test_copy_that_lost_a_sentence_is_not_a_template(kind: str) -> None:
    text = TEMPLATE_PAIRS[kind][0]
    sentences = text.split(". ")
    shorter = ". ".join(sentences[:-1]) + "."
    verdict = template_verdict(n(text), n(shorter))
    assert not verdict.is_template, verdict.reason


@pytest.mark.parametrize("kind", sorted(TEMPLATE_PAIRS))
def test_copy_that_gained_a_sentence_is_not_a_template(kind: str) -> None:
    text = TEMPLATE_PAIRS[kind][0]
    longer = (
        "نقلت وكالة الأنباء الرسمية اليوم البيان التالي كما ورد من الجهات المختصة دون تعديل. "
        + text
    )
    verdict = template_verdict(n(text), n(longer))
    assert not verdict.is_template, verdict.reason


def test_copy_with_a_few_words_edited_is_not_a_template() -> None:
    text = TEMPLATE_PAIRS["gold"][0]
    edited = (
        text.replace("وقال متعاملون", "وذكر متعاملون")
        .replace("العامل الأبرز", "العامل الرئيسي")
        .replace("الجلسة السابقة", "جلسة أمس")
    )
    assert not template_verdict(n(text), n(edited)).is_template


def test_one_updated_figure_is_not_a_template() -> None:
    text = TEMPLATE_PAIRS["market close"][0]
    corrected = text.replace("8699.17", "8699.71")
    verdict = template_verdict(n(text), n(corrected))
    assert not verdict.is_template
    assert verdict.changed_facts <= 1


@pytest.mark.parametrize(
    ("written", "rewritten"),
    [
        ("بكلفة إجمالية بلغت 665,932,983 ريالا", "بكلفة إجمالية بلغت 665.932.983 ريالا"),
        ("على مساحة 50 ألف متر مربع", "على مساحة 50.000 متر مربع"),
        ("بنسبة 20,5 في المائة", "بنسبة 20.5 في المائة"),
        ("بقيمة 3 مليارات ريال", "بقيمة 3000 مليون ريال"),
    ],
)
def test_number_formats_are_not_substitutions(written: str, rewritten: str) -> None:
    template = "أعلنت الأمانة اليوم ترسية مشروع تطوير الحدائق العامة {} على أن ينتهي العمل قريبا."
    parts = [template.format(written)] * 4
    other = [template.format(rewritten)] * 4
    verdict = template_verdict(n(" ".join(parts)), n(" ".join(other)))
    assert verdict.changed_facts == 0
    assert not verdict.is_template


def test_spelling_variants_of_a_name_are_not_substitutions() -> None:
    text = (
        "قال الأمين العام للأمم المتحدة أنطونيو غوتيريس إن الوضع الإنساني يتدهور، ودعا غوتيريس "
        "إلى تحقيق مستقل في الأحداث الأخيرة التي شهدتها المنطقة الحدودية خلال الأسبوع الماضي."
    )
    variant = text.replace("غوتيريس", "غوتيريش")
    assert template_verdict(n(text), n(variant)).changed_facts == 0


def test_identical_and_empty_texts() -> None:
    text = n(TEMPLATE_PAIRS["gold"][0])
    assert template_verdict(text, text) == TemplateVerdict(False, "identical texts", 0)
    assert not template_verdict("", text).is_template


def test_reason_counts_the_differences() -> None:
    first, second = TEMPLATE_PAIRS["market close"]
    reason = template_verdict(n(first), n(second)).reason
    assert "numbers" in reason
    assert "added/removed sentences" in reason


WORDS = st.sampled_from(
    ["اغلق", "المؤشر", "عند", "مستوي", "نقطه", "يوم", "الاحد", "الاثنين", "نوفمبر", "شوال",
     "سابك", "زين", "الاكوادور", "سنغافوره", "شماليه", "غربيه", "الف", "3", "44.53", "8699.17",
     "50.000", "135", "وارتفعت", "اسهم", "شركه", "في", "الي"]
)  # fmt: skip
TEXTS = st.lists(WORDS, max_size=40).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(TEXTS, TEXTS)
def test_verdict_is_symmetric(first: str, second: str) -> None:
    assert template_verdict(first, second) == template_verdict(second, first)


@settings(max_examples=100, deadline=None)
@given(TEXTS, st.lists(st.tuples(st.integers(0, 39), WORDS), max_size=6))
def test_verdict_is_symmetric_for_near_copies(text: str, edits: list[tuple[int, str]]) -> None:
    words = text.split()
    for position, word in edits:
        if words:
            words[position % len(words)] = word
    edited = " ".join(words)
    assert template_verdict(text, edited) == template_verdict(edited, text)


# ---------------------------------------------------------------------------
# Editor-judged pairs (read at run time, never copied)


def _shingles(text: str) -> set[str]:
    return {text[i : i + 5] for i in range(len(text) - 4)}


@pytest.mark.skipif(not JUDGED.exists(), reason="../shared/data not present")
def test_judged_pairs() -> None:
    pairs = judged_pairs()
    texts = judged_texts(pairs)
    flagged: dict[str, int] = {}
    passing_templates = flagged_passing_templates = 0
    for pair in pairs:
        first, second = texts[pair["a"]], texts[pair["b"]]
        verdict = template_verdict(first, second)
        flagged[pair["label"]] = flagged.get(pair["label"], 0) + verdict.is_template
        a, b = _shingles(first), _shingles(second)
        jaccard = len(a & b) / len(a | b)
        containment = len(a & b) / min(len(a), len(b))
        if pair["label"] == "TEMPLATE" and (
            jaccard >= 0.8 or (containment >= 0.7 and jaccard >= 0.2)
        ):
            passing_templates += 1
            flagged_passing_templates += verdict.is_template
    # Copies are never taken for template siblings; most template pairs are.
    assert flagged.get("DUP", 0) == 0
    assert flagged.get("UPDATE", 0) == 0
    assert flagged["TEMPLATE"] >= 8
    assert flagged_passing_templates >= passing_templates - 1


# ---------------------------------------------------------------------------
# The fast path decides as the plain one: every pair aligned, no bound before aligning.


def _reference_verdict(first: str, second: str) -> TemplateVerdict:
    """The verdict without the pre-alignment bound (every pair aligned)."""
    unbounded = (1 << 30, 1 << 30)
    with patch.object(template, "_most_facts", lambda *_: unbounded):
        return template_verdict(first, second)


def _assert_same_decision(first: str, second: str) -> None:
    fast, reference = template_verdict(first, second), _reference_verdict(first, second)
    assert fast.is_template == reference.is_template, (fast.reason, reference.reason)
    if not fast.reason.startswith("at most"):  # aligned: the very same verdict
        assert fast == reference


# Figures that read differently next to a neighbour: thousands groups
# ("665 932 983"), a multiplier after them ("50 الف"), a clitic ("ب135").
FIGURES = st.sampled_from(
    ["3", "44.53", "8699.17", "50.000", "135", "ب135", "665", "932", "983", "16", "2017", "الف"]
)


@settings(max_examples=200, deadline=None)
@given(TEXTS, st.lists(st.tuples(st.integers(0, 39), st.one_of(WORDS, FIGURES)), max_size=10))
def test_same_decision_as_the_reference(text: str, edits: list[tuple[int, str]]) -> None:
    words = text.split()
    for position, word in edits:
        if words:
            words[position % len(words)] = word
    _assert_same_decision(text, " ".join(words))


@pytest.mark.parametrize("kind", sorted(TEMPLATE_PAIRS))
def test_same_decision_as_the_reference_on_written_pairs(kind: str) -> None:
    first, second = (n(text) for text in TEMPLATE_PAIRS[kind])
    _assert_same_decision(first, second)
    _assert_same_decision(first, second.rsplit(". ", 1)[0])


@pytest.mark.skipif(not JUDGED.exists(), reason="../shared/data not present")
def test_same_decision_as_the_reference_on_judged_pairs() -> None:
    pairs = judged_pairs()
    texts = judged_texts(pairs)
    for pair in pairs:
        _assert_same_decision(texts[pair["a"]], texts[pair["b"]])


FIGURE_TEXTS = st.sampled_from(
    ["3", "44.53", "50.000", "50 ألف", "665 932 983", "ب135", "135", "2017", "3 مليارات", "16"]
)
MARKET_FIGURES = ("points", "pct", "level", "value", "up", "down", "best_pct", "worst_pct")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(FIGURE_TEXTS, min_size=8, max_size=8),
    st.lists(FIGURE_TEXTS, min_size=8, max_size=8),
    st.sampled_from(["الأحد", "الاثنين"]),
    st.integers(0, 3),
)
def test_same_decision_as_the_reference_on_market_reports(
    figures: list[str], other_figures: list[str], day: str, dropped: int
) -> None:
    # Template siblings, copies and everything between: the facts' bound is tight here.
    fixed = {"trend": "مرتفعا", "best": "سابك", "worst": "زين"}
    first = MARKET.format(day="الأحد", **fixed, **dict(zip(MARKET_FIGURES, figures, strict=True)))
    second = MARKET.format(
        day=day, **fixed, **dict(zip(MARKET_FIGURES, other_figures, strict=True))
    )
    sentences = second.split(". ")
    second = ". ".join(sentences[: len(sentences) - dropped] or sentences[:1])
    _assert_same_decision(n(first), n(second))


# ---------------------------------------------------------------------------
# Templates that differ in names: a leader named once, teams of another round.

CABLE_ONCE = (
    "بعث خادم الحرمين الشريفين برقية تهنئة للرئيس {leader} رئيس جمهورية {country} بمناسبة ذكرى "
    "اليوم الوطني لبلاده. وأعرب عن أصدق التهاني وأطيب التمنيات بالصحة والسعادة لفخامته ولحكومة "
    "وشعب جمهورية {country} {friend} اطراد التقدم والازدهار."
)
FIXTURES = (
    "تدور مساء اليوم مقابلات الجولة {round} من بطولة الرابطة المحترفة الأولى لكرة القدم وفق "
    "البرنامج التالي: الساعة الثانية والنصف {a} - {b}، {c} - {d}، {e} - {f}. وتنقل التلفزة "
    "الوطنية مقابلة {a} و{b} مباشرة."
)
NAME_TEMPLATE_PAIRS = {
    "cable, leader named once": (
        CABLE_ONCE.format(leader="الفريق الركن إدريس ديبي إتنو", country="تشاد", friend="الشقيق"),
        CABLE_ONCE.format(leader="توني تان كنق يام", country="سنغافورة", friend="الصديق"),
    ),
    "fixtures of another round": (
        FIXTURES.format(round="الثامنة عشرة", a="النجم الساحلي", b="النادي الإفريقي",
                        c="الترجي الرياضي", d="الملعب القابسي", e="مستقبل المرسى",
                        f="اتحاد بن قردان"),
        FIXTURES.format(round="التاسعة عشرة", a="النادي الصفاقسي", b="شبيبة القيروان",
                        c="الاتحاد المنستيري", d="النادي البنزرتي", e="هلال الشابة",
                        f="أولمبيك مدنين"),
    ),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(NAME_TEMPLATE_PAIRS))
def test_templates_that_differ_in_names_are_flagged(kind: str) -> None:
    first, second = NAME_TEMPLATE_PAIRS[kind]
    verdict = template_verdict(n(first), n(second))
    assert verdict.is_template, verdict.reason
    assert verdict.changed_facts >= 3


def test_one_rewritten_phrase_is_not_a_template() -> None:
    # A copy whose one phrase was reworded (two words for two others) keeps its facts.
    text = NAME_TEMPLATE_PAIRS["fixtures of another round"][0]
    edited = text.replace("وتنقل التلفزة الوطنية", "وتبث القناة الرسمية")
    verdict = template_verdict(n(text), n(edited))
    assert not verdict.is_template, verdict.reason


def test_an_ordinal_replaced_by_another_is_a_fact() -> None:
    first, second = NAME_TEMPLATE_PAIRS["fixtures of another round"]
    verdict = template_verdict(n(first), n(second))
    assert "1 dates" in verdict.reason or "2 dates" in verdict.reason, verdict.reason


# ---------------------------------------------------------------------------
# Own fact words: a formula filled with another day's facts, rewritten clause by clause.

# Two days of a weather bulletin: the regions and winds change in whole clauses of other
# lengths, so the alignment finds too few facts facing each other; each day states compass
# words the other never uses.
FORECAST = (
    "توقعت الرئاسة العامة للأرصاد وحماية البيئة في تقريرها عن حالة الطقس لهذا اليوم هطول "
    "أمطار رعدية مصحوبة بنشاط في الرياح السطحية وتدني في الرؤية الأفقية على مناطق جازان "
    "وعسير والباحة {where}. كما توقعت الأرصاد طقسا معتدل الحرارة على المصايف شديد الحرارة "
    "على شرق ووسط {hot}."
)
MONDAY = FORECAST.format(
    where="ونجران ومكة المكرمة والمدينة المنورة والشرقية والرياض والقصيم وأجزاء من شمال المملكة",
    hot="وأجزاء من غرب المملكة، فيما تكون نسبة الرطوبة عالية على المدن الساحلية الغربية",
)
TUESDAY = FORECAST.format(
    where="تمتد إلى الأجزاء الجنوبية من منطقة مكة المكرمة",
    hot="ومنطقتي مكة المكرمة والمدينة المنورة الأجزاء الداخلية منها وتشمل المدن الساحلية مع "
    "نشاط في الرياح السطحية الشمالية الشرقية مثيرة للأتربة والغبار تحد من الرؤية الأفقية",
)


# The sea paragraph both days' bulletins carry unchanged: with it the Monday bulletin is a
# containment match of Tuesday's (Jaccard 0.43, containment 0.77).
SEA = (
    "وأورد التقرير أن حركة الرياح السطحية على البحر الأحمر ستكون غربية إلى شمالية غربية على "
    "الجزء الشمالي والأوسط بسرعة 18-38 كم/ساعة، وارتفاع الموج من نصف متر إلى متر ونصف، وحالة "
    "البحر متوسط الموج، بينما تكون حركة الرياح السطحية على الخليج العربي شمالية إلى شمالية غربية "
    "بسرعة 15-35 كم/ساعة، وارتفاع الموج من نصف متر إلى متر ونصف، وحالة البحر خفيف إلى متوسط الموج."
)


def test_another_days_bulletin_states_its_own_fact_words() -> None:
    monday, tuesday = n(MONDAY), n(TUESDAY)
    assert not template_verdict(monday, tuesday).is_template
    assert "template: " in template.own_fact_words(monday, tuesday)
    assert template.own_fact_words(monday, tuesday) == template.own_fact_words(tuesday, monday)


def test_a_copy_cut_or_extended_has_no_own_fact_words() -> None:
    monday = n(MONDAY)
    extended = monday + " " + n("وتكون الرياح على البحر الأحمر جنوبية غربية إلى غربية يوم الثلاثاء")
    cut = " ".join(monday.split()[:30])
    assert template.own_fact_words(monday, extended) == ""
    assert template.own_fact_words(monday, cut) == ""


def test_own_fact_words_scattered_in_a_long_text_are_too_sparse() -> None:
    # Each side keeps 3 fact words of its own, but in 300 words of shared text: two outlets'
    # cuts of one long article, each with a background paragraph of its own.
    shared = " ".join(n(MONDAY).split()[:10] * 30)
    first = shared + " " + n("في يناير الماضي وفي شمال البلاد يوم الخميس")
    second = shared + " " + n("في مارس الماضي وفي جنوب البلاد يوم الأحد")
    assert template.own_fact_words(first, second) == ""
    assert template.own_fact_words(first[-120:], second[-120:]) != ""


@pytest.mark.skipif(not JUDGED.exists(), reason="../shared/data not present")
def test_no_judged_copy_states_own_fact_words() -> None:
    pairs = judged_pairs()
    texts = judged_texts(pairs)
    flagged = {
        pair["label"]
        for pair in pairs
        if template.own_fact_words(texts[pair["a"]], texts[pair["b"]])
    }
    assert not flagged & {"DUP", "UPDATE"}


def test_the_scan_reads_another_days_bulletin_as_a_template() -> None:
    from dedup.config import DedupConfig
    from dedup.verify import pair_relation

    monday, tuesday = n(MONDAY), n(TUESDAY)
    assert pair_relation(monday, tuesday, 0.5, DedupConfig()) == "template"
    # Not without the guard, nor at the Jaccard threshold (a copy whatever its words).
    assert pair_relation(monday, tuesday, 0.5, DedupConfig(template_guard=False)) != "template"
    assert pair_relation(monday, tuesday, 0.85, DedupConfig()) == "near"


def test_a_weekday_glued_to_its_day_number_is_a_date() -> None:
    # "الاربعاء14": a space lost in scraping; the digits are the day 14 (not a unit as in "م2",
    # nor the number 4, which the other text holds in "19:04").
    head = "تدور يوم غد منافسات الجولة العشرين من بطولة القسم الوطني لكرة اليد وفق البرنامج التالي"
    teams = (
        "نادي ساقية الزيت - جمعية الحمامات، الترجي الرياضي - نسر طبلبة، "
        "النجم الساحلي - بعث بني خيار"
    )
    first = n(f"{head}: الأربعاء14 مارس 2017 الساعة 17:00 {teams}")
    second = n(f"{head}: الأربعاء16 مارس 2018 الساعة 19:04 {teams}")
    verdict = template_verdict(first, second)
    assert verdict.is_template, verdict.reason
    assert verdict.reason.startswith("template: 4 substituted facts (4 numbers")
    # A unit glued after letters stays a unit.
    assert not template_verdict(n(f"{head} م23 {teams}"), n(f"{head} م24 {teams}")).is_template


def test_the_same_matches_in_another_round_are_another_article() -> None:
    # A round's programme republished as another round's with the very same matches (the
    # perturbation suite's name templates make such pairs): no name changes, the round does.
    teams = {"a": "النجم الساحلي", "b": "النادي الإفريقي", "c": "الترجي الرياضي",
             "d": "الملعب القابسي", "e": "مستقبل المرسى", "f": "اتحاد بن قردان"}  # fmt: skip
    second = n(FIXTURES.format(round="الثانية", **teams))
    seventh = n(FIXTURES.format(round="السابعة", **teams))
    assert "other rounds" in own_fact_words(second, seventh)
    # A copy names the round it copies, cut or not.
    assert own_fact_words(second, second.rsplit(" ", 6)[0]) == ""


def test_a_sentence_put_in_place_of_another_is_no_substitution() -> None:
    # A copy lost its closing sentence (a final's day and ordinal) and gained another
    # article's sentence (weekdays) in its place; the two share "من" by chance, which
    # cuts the replacement into short blocks unless it is read whole.
    report = n(
        "تأهل المنتخب المصري إلى نهائي كأس الأمم الإفريقية بعد فوزه على منتخب بوركينا فاسو "
        "بركلات الترجيح في مباراة نصف النهائي التي جرت مساء أمس على ملعب فرانسفيل وسجل "
        "الحارس عصام الحضري هدف التأهل بعد أن تصدى لركلتين"
    )
    dropped = n(
        "وسيدور النهائي يوم الأحد القادم في الساعة الثامنة ليلا على ملعب ليبروفيل من أجل "
        "اللقب الثامن للمنتخب المصري والخامس للكاميرون"
    )
    inserted = n(
        "وستبدأ سرعة هذه الرياح بالتقلص بداية من يوم الخميس ويعود الطقس تدريجيا إلى "
        "الاستقرار بداية من يوم الجمعة"
    )
    verdict = template_verdict(f"{report} {dropped}", f"{report} {inserted}")
    assert not verdict.is_template, verdict.reason
    assert "1 added/removed sentences" in verdict.reason, verdict.reason


_BULLETIN = (
    "توقعت الهيئة العامة للأرصاد الجوية أن يكون الطقس يوم {day} {date} {sky} على معظم "
    "المناطق. وتتراوح درجات الحرارة العظمى في بغداد بين {a} و{b} درجة مئوية، وفي القاهرة "
    "بين {c} و{d} درجة مئوية. وتكون حركة الرياح السطحية على البحر الأحمر غربية بسرعة "
    "{e} إلى {f} كيلومترا في الساعة."
)


def _bulletin(date: str, figures: tuple[int, int, int, int, int, int]) -> str:
    """One day's bulletin of the formula, normalized: its date and its six figures."""
    a, b, c, d, e, f = figures
    text = _BULLETIN.format(day="الخميس", date=date, sky="غائما", a=a, b=b, c=c, d=d, e=e, f=f)
    return normalize_text(text)


def test_figures_found_elsewhere_in_the_other_bulletin_still_count() -> None:
    # Another day's bulletin of one formula: most of its new figures are stated somewhere
    # in the first one too (25, 38 and 42 in both), only not in the same place.
    first = _bulletin("13 يناير", (25, 38, 25, 38, 25, 42))
    second = _bulletin("15 يناير", (26, 42, 25, 38, 10, 31))
    verdict = template_verdict(first, second)
    assert verdict.is_template, verdict.reason
    assert verdict.changed_facts >= 3


def test_figures_that_only_moved_are_no_substitution() -> None:
    # The same figures, two pairs of them swapped between places: counted alike.
    first = _bulletin("13 يناير", (25, 38, 30, 41, 12, 42))
    moved = _bulletin("13 يناير", (30, 41, 25, 38, 12, 42))
    verdict = template_verdict(first, moved)
    assert not verdict.is_template, verdict.reason
    assert verdict.changed_facts == 0
