"""Page furniture stripping (the "furniture" stage, dedup.furniture)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.errors import ConfigError
from dedup.furniture import (
    FURNITURE_KINDS,
    date_words,
    markers_version,
    month_number,
    split_lines,
    strip_furniture,
    strip_furniture_lines,
    strip_furniture_pages,
)
from dedup.normalize import NormalizationOptions, normalize_lines, normalize_text

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# A story written for these tests: three paragraphs, about 520 characters.
STORY = (
    "أعلنت وزارة الصحة اليوم افتتاح ثلاثة مستشفيات جديدة في المحافظات الجنوبية بطاقة استيعابية "
    "تبلغ ستمئة سرير، ضمن خطة لتوسيع الخدمات الطبية في المناطق النائية.\n"
    "وقال المتحدث باسم الوزارة إن المستشفيات الجديدة مجهزة بأحدث الأجهزة، وإن الكوادر الطبية "
    "ستباشر عملها مطلع الشهر المقبل بعد استكمال التدريب.\n"
    "وأضاف أن الوزارة تعمل على إنشاء خمسة مراكز صحية أخرى قبل نهاية العام، وأن العمل جار "
    "لربطها بنظام المواعيد الإلكتروني."
)
OTHER_STORY = (
    "زار وزير النقل ميناء المدينة الساحلية اليوم وتفقد سير العمل في مشروع توسعة الأرصفة، "
    "واطلع على خطط زيادة الطاقة الاستيعابية للحاويات خلال السنوات الثلاث المقبلة.\n"
    "وأكد الوزير أن المشروع سيوفر آلاف فرص العمل لأبناء المنطقة، وأن المرحلة الأولى ستنتهي "
    "في موعدها المحدد."
)
HEADLINES = (
    "ارتفاع أسعار الذهب في الأسواق المحلية للأسبوع الثاني",
    "البرلمان يناقش مشروع قانون الموازنة العامة الجديدة",
    "انطلاق معرض الكتاب الدولي بمشاركة مئات دور النشر",
    "المنتخب الوطني يستعد لمواجهة حاسمة في التصفيات",
)


def stripped(kind: str, text: str) -> int:
    return strip_furniture(text).stripped_lines[kind]


# ---------------------------------------------------------------------------
# Trailing sections, one kind at a time, several wordings and spelling variants each

TRAILING = {
    "source": [
        "المصدر: وكالة الأنباء الرسمية",
        "المصدر : وكالة الأنباء الرسمية",
        "المَصْدَر: واس",
        "المـصـدر: صحيفة الحياة",
        "نقلا عن صحيفة الحياة",
        "نقلاً عن موقع العربية",
        "مصدر الخبر: وكالات",
        "*نقلاً عن الرؤية الإماراتية",
    ],
    "tags": [
        "كلمات دلالية: الصحة، المستشفيات، الجنوب",
        "كلمات دلاليه: الصحة، المستشفيات",
        "الكلمات المفتاحية: الصحة، الجنوب",
        "الوسوم: الصحة - المستشفيات",
        "وسوم: صحة، مستشفيات",
        "سمات: صحة مستشفيات",
    ],
    "footer": [
        # The Latin wordings in any case (the case-insensitive flag is scoped to them).
        "Copyright 2023",
        "COPYRIGHT 2023",
        "All Rights Reserved",
        "ALL RIGHTS RESERVED",
        "جميع الحقوق محفوظة © 2023 صوت المدينة",
        "جميع الحقوق محفوظه",
        "حقوق النشر محفوظة لصوت المدينة 2022",
        "© 2023 صوت المدينة",
        "تابعونا على فيسبوك وتويتر",
        "تابعونا علي تويتر",
        "شارك",
        "شارك الخبر",
        "** جميع المقالات المنشورة تمثل رأي كتابها فقط.",
        "// انتهى //",
    ],
}


@pytest.mark.parametrize(
    ("kind", "line"), [(kind, line) for kind, lines in TRAILING.items() for line in lines]
)
def test_trailing_marker_line_is_removed(kind: str, line: str) -> None:
    result = strip_furniture(f"{STORY}\n{line}")
    assert result.body == STORY
    assert result.stripped_lines[kind] == 1
    assert result.stripped_chars[kind] == len(line.strip())
    assert not result.kept_whole


@pytest.mark.parametrize(
    "heading", ["إقرأ أيضاً:", "اقرأ أيضا:", "اقرأ ايضا", "اقرأ المزيد", "شاهد أيضاً:",
                "طالع أيضا:", "يهمك أيضا:"]
)  # fmt: skip
def test_read_also_block_with_another_whole_article(heading: str) -> None:
    page = f"{STORY}\n{heading}\nوزير النقل يزور الميناء\n{OTHER_STORY}\nجميع الحقوق محفوظة"
    result = strip_furniture(page)
    assert result.body == STORY
    assert result.stripped_lines["read_also"] == 2 + OTHER_STORY.count("\n") + 1
    assert result.stripped_lines["footer"] == 1


def test_read_also_longer_than_the_story_is_removed_when_confirmed_by_a_second_marker() -> None:
    # The other article is longer than the story: more than 60% of the page is
    # furniture, but a read-also heading followed by a related list is no accident.
    page = "\n".join(
        [STORY, "اقرأ أيضاً:", OTHER_STORY, OTHER_STORY, OTHER_STORY, "مقالات مشابهة", *HEADLINES]
    )
    result = strip_furniture(page)
    assert result.body == STORY
    assert not result.kept_whole


def test_inline_read_also_link_inside_the_story_removes_only_the_link() -> None:
    first, second, third = STORY.split("\n")
    page = f"{first}\nللمزيد: وزير النقل يزور الميناء ويتفقد مشروع التوسعة\n{second}\n{third}"
    result = strip_furniture(page)
    assert result.body == STORY
    assert result.stripped_lines["read_also"] == 1


def test_read_also_heading_with_links_inside_the_story() -> None:
    # "أقرأ أيضا:", two titles, then the story goes on: only the links go.
    first, second, third = STORY.split("\n")
    page = "\n".join([first, "أقرأ أيضا:", HEADLINES[0], HEADLINES[1], second, third])
    result = strip_furniture(page)
    assert result.body == STORY
    assert result.stripped_lines["read_also"] == 3


@pytest.mark.parametrize(
    "heading", ["مقالات مشابهة", "مقالات مشابهه", "أخبار ذات صلة", "اخبار ذات صله",
                "مواضيع ذات صلة", "الأكثر قراءة", "الاكثر قراءه", "مقالات ذات صلة", "اخترنا لكم",
                "أخبار متعلقة", "مقالات مشابهة:"]
)  # fmt: skip
def test_related_list_heading_and_its_headlines(heading: str) -> None:
    result = strip_furniture("\n".join([STORY, heading, *HEADLINES]))
    assert result.body == STORY
    assert result.stripped_lines["related_list"] == 1 + len(HEADLINES)


@pytest.mark.parametrize("bullet", ["- ", "• ", "* ", "» ", ""])
def test_trailing_headline_list_without_heading(bullet: str) -> None:
    page = "\n".join([STORY, *(bullet + title for title in HEADLINES), "شارك الخبر"])
    result = strip_furniture(page)
    assert result.body == STORY
    assert result.stripped_lines["headline_list"] == len(HEADLINES)


def test_full_page_reports_every_kind() -> None:
    page = "\n".join(
        [
            "آخر تحديث: 4 نونبر 2023 - 10:14 ص",
            "بغداد/شبكة أخبار العراق-" + STORY,
            "المصدر: شبكة أخبار العراق",
            "كلمات دلالية: العراق، الصحة",
            "إقرأ أيضاً:",
            OTHER_STORY,
            "مقالات مشابهة",
            *HEADLINES,
            "شارك",
            "تابعونا على فيسبوك",
            "جميع الحقوق محفوظة © 2023",
        ]
    )
    result = strip_furniture(page)
    assert result.body == STORY
    assert set(result.stripped_chars) == set(FURNITURE_KINDS)
    removed = {kind for kind, chars in result.stripped_chars.items() if chars}
    assert removed == set(FURNITURE_KINDS) - {"headline_list"}


# ---------------------------------------------------------------------------
# Start of the page


@pytest.mark.parametrize(
    "header",
    [
        "آخر تحديث: 4 نونبر 2023 - 10:14 ص",
        "اخر تحديث : 12 كانون الثاني 2024 | 09:30",
        "نشر في: الأحد 5 نوفمبر 2023",
        "تاريخ النشر: 14 تشرين الثاني/نوفمبر 2023",
        "نُشر بتاريخ 3 دجنبر 2022",
        "منذ ساعتين",
        "منذ 5 دقائق",
        "الخميس 14 تشرين الثاني 2023 - 09:30 م",
        "4 نونبر 2023 - 10:14 ص",
        "2023/11/04 10:14",
        "الرئيسية » أخبار » محليات",
    ],
)
def test_header_line(header: str) -> None:
    result = strip_furniture(f"{header}\n{STORY}")
    assert result.body == STORY
    assert result.stripped_lines["header"] == 1


@pytest.mark.parametrize(
    "prefix",
    [
        "بغداد/شبكة أخبار العراق-",
        "الرياض - واس: ",
        "القاهرة (رويترز) - ",
        "(د ب أ) - ",
        "واشنطن - أ ف ب: ",
        "دبي، الإمارات العربية المتحدة (CNN)-- ",
        "بدر الجبل – سبق- تبوك: ",
        "القاهرة – ",
    ],
)
def test_dateline_glued_to_the_first_sentence(prefix: str) -> None:
    result = strip_furniture(prefix + STORY)
    assert result.body == STORY
    assert result.stripped_chars["dateline"] == len(prefix.strip())
    assert result.stripped_lines["dateline"] == 0


@pytest.mark.parametrize(
    "line",
    [
        "عين اليوم – متابعات",
        "رواف الكويكبي _ عين اليوم",
        "الرياض 26 شوال 1436 هـ الموافق 11 أغسطس 2015 م واس",
        "كتب: محمد علي",
    ],
)
def test_dateline_or_byline_line(line: str) -> None:
    result = strip_furniture(f"{line}\n{STORY}")
    assert result.body == STORY
    assert result.stripped_lines["dateline"] == 1


def test_share_widget_glued_to_the_first_sentence() -> None:
    result = strip_furniture("شارك من خلال تويتر فيسبوك جوجل بلس اكتب رأيك " + STORY)
    assert result.body == STORY
    assert result.stripped_chars["header"] > 0


@pytest.mark.parametrize(
    "text",
    [
        # A dash between honorifics is not a dateline.
        "الملك سلمان - حفظه الله - يستقبل ولي العهد في قصر السلام بجدة ويبحث معه عددا من "
        "الملفات الإقليمية والدولية ذات الاهتمام المشترك بين البلدين الشقيقين.",
        # A short prefix and a colon without an agency is a quotation.
        "قال الوزير: إن الحكومة ماضية في تنفيذ خطط الإصلاح الاقتصادي رغم الصعوبات، وإن "
        "المرحلة المقبلة ستشهد إطلاق مشروعات كبرى في قطاعات الطاقة والنقل.",
        # A date opening a sentence, with no clock time and no label.
        "في 4 نوفمبر 2023 أعلنت الحكومة خطة جديدة لدعم المزارعين في المحافظات الشمالية "
        "وتوزيع البذور المحسنة عليهم قبل بدء الموسم الزراعي.",
        # "شارك" as a verb.
        "شارك سفير المملكة أبناءه المبتعثين احتفالهم باليوم الوطني في العاصمة، بحضور عدد "
        "من الدبلوماسيين الخليجيين وأعضاء النادي الطلابي.",
    ],
)
def test_normal_openings_are_kept(text: str) -> None:
    result = strip_furniture(text)
    assert result.body == text
    assert not result.stripped
    assert not result.kept_whole


def test_dateline_does_not_eat_the_sentence() -> None:
    text = (
        "القاهرة - أعلنت الوزارة - في بيان - أن الامتحانات ستبدأ الأسبوع المقبل في جميع "
        "المدارس الحكومية والخاصة وفق الجدول المعلن سابقا."
    )
    result = strip_furniture(text)
    assert result.body == text.removeprefix("القاهرة - ")


# ---------------------------------------------------------------------------
# No damage to normal text


def test_text_without_furniture_is_returned_unchanged() -> None:
    result = strip_furniture(STORY)
    assert result.body == STORY
    assert result.stripped_chars == dict.fromkeys(FURNITURE_KINDS, 0)
    assert result.stripped_lines == dict.fromkeys(FURNITURE_KINDS, 0)
    assert not result.kept_whole


@pytest.mark.parametrize(
    "line",
    [
        "وقال المصدر: إن التحقيقات مستمرة، ولم يستبعد توقيف مشتبه بهم آخرين.",
        "وأوضح أن المصدر الرئيسي للتلوث هو مياه الصرف الصحي غير المعالجة.",
        "وشارك في الحفل عدد من المسؤولين وأعيان المنطقة.",
        "وتابعونا في الحلقة المقبلة قال المذيع مختتما البرنامج.",
    ],
)
def test_marker_word_inside_the_story_is_kept(line: str) -> None:
    first, second, third = STORY.split("\n")
    text = f"{first}\n{line}\n{second}\n{third}"
    assert strip_furniture(text).body == text


def test_marker_line_in_the_middle_followed_by_prose_is_kept() -> None:
    first, second, third = STORY.split("\n")
    text = f"{first}\nالمصدر: بيان الوزارة\n{second}\n{third}"
    assert strip_furniture(text).body == text


def test_list_introduced_by_the_story_is_kept() -> None:
    text = (
        STORY
        + "\nوجاءت المستشفيات الجديدة على النحو التالي:\n"
        + "\n".join(
            f"- مستشفى {name} العام بطاقة مئتي سرير" for name in ("الشفاء", "الأمل", "النور")
        )
    )
    assert strip_furniture(text).body == text


def test_closing_poem_is_kept() -> None:
    verses = (
        "يا دارنا دام عزك والعلا فيك ساري",
        "وانتي لنا نور وضيا في الليالي الساري",
        "نحمي حماك بكل روح وكل قلب جاري",
        "ونفداك يا موطن الخير في كل الصحاري",
    )
    text = STORY + "\n" + "\n".join(verses)
    assert strip_furniture(text).body == text


# ---------------------------------------------------------------------------
# Conservative fallback


def test_fallback_keeps_the_text_when_most_would_go() -> None:
    page = "\n".join(
        [STORY.split("\n")[0], "مقالات مشابهة", *HEADLINES, *HEADLINES, *HEADLINES, *HEADLINES]
    )
    result = strip_furniture(page)
    assert result.kept_whole
    assert result.body == page
    assert not result.stripped


def test_fallback_when_less_than_a_sentence_would_remain() -> None:
    page = "آخر تحديث: 4 نونبر 2023 - 10:14 ص\nبغداد/شبكة أخبار العراق-وصل الوزير إلى بغداد."
    result = strip_furniture(page)
    assert result.kept_whole
    assert result.body == page


def test_max_strip_fraction_is_the_callers_policy() -> None:
    page = "\n".join([STORY.split("\n")[0], "مقالات مشابهة", *HEADLINES])
    assert strip_furniture(page, max_strip_fraction=0.2).kept_whole
    assert not strip_furniture(page, max_strip_fraction=0.9).kept_whole


@pytest.mark.parametrize("fraction", [0.0, -0.1, 1.5])
def test_max_strip_fraction_is_validated(fraction: float) -> None:
    with pytest.raises(ConfigError, match="max_strip_fraction must be in"):
        strip_furniture(STORY, max_strip_fraction=fraction)


# ---------------------------------------------------------------------------
# Single-line pages


def test_single_line_page() -> None:
    story = STORY.replace("\n", " ")
    page = "آخر تحديث: 4 نونبر 2023 - 10:14 ص بغداد/شبكة أخبار العراق-" + story
    page += " المصدر: شبكة أخبار العراق"
    result = strip_furniture(page)
    assert result.body == story
    assert result.stripped_chars["header"] > 0
    assert result.stripped_chars["dateline"] > 0
    assert result.stripped_chars["source"] > 0


def test_tags_glued_after_the_last_sentence() -> None:
    result = strip_furniture(STORY + " سمات الصحة مستشفيات الجنوب")
    assert result.body == STORY
    assert result.stripped_chars["tags"] > 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [STORY, OTHER_STORY, *HEADLINES, "المصدر: واس", "مقالات مشابهة", "شارك", "",
             "آخر تحديث: 4 نونبر 2023", "اقرأ أيضا:", "© 2023", "سمات", "القاهرة - "]
        ),
        max_size=12,
    ).map("\n".join)
)  # fmt: skip
def test_body_keeps_original_characters(page: str) -> None:
    result = strip_furniture(page)
    removed = sum(result.stripped_chars.values())
    assert removed <= len(page)
    if result.kept_whole or not result.stripped:
        assert result.body == page
    else:
        # Every kept line is a piece of a line of the page, characters untouched.
        for line in result.body.split("\n"):
            assert any(line.strip() in original for original in page.split("\n"))


# ---------------------------------------------------------------------------
# Data file and calendar


def test_marker_table_has_a_version_and_every_kind() -> None:
    raw = json.loads(
        (
            Path(__file__).resolve().parents[1] / "dedup" / "data" / "furniture_markers.json"
        ).read_text(encoding="utf-8")
    )
    assert raw["version"] == markers_version() >= 1
    assert {m["kind"] for m in raw["markers"]} == {
        "source", "tags", "read_also", "related_list", "footer"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("name", "month"),
    [("نوفمبر", 11), ("تشرين الثاني", 11), ("نونبر", 11), ("كانون الثاني", 1), ("ماي", 5),
     ("يوليوز", 7), ("غشت", 8), ("شتنبر", 9), ("دجنبر", 12), ("ابريل", 4), ("اب", 8)],
)  # fmt: skip
def test_month_names_of_the_three_systems(name: str, month: int) -> None:
    assert month_number(normalize_text(name)) == month


def test_date_words_are_normalized_tokens() -> None:
    words = date_words()
    assert {"نوفمبر", "تشرين", "شوال", "الاحد", "الجمعه"} <= words
    assert all(word == normalize_text(word) for word in words)


# ---------------------------------------------------------------------------
# Lines


def test_split_lines() -> None:
    assert split_lines(" الرياض \n\n\tجدة\r\nالدمام \u2028 ابها") == [
        "الرياض",
        "جدة",
        "الدمام",
        "ابها",
    ]
    assert split_lines("") == []


# ---------------------------------------------------------------------------
# Real scraped pages (read at run time, never copied)

needs_data = pytest.mark.skipif(
    not (DATA / "saudinewsnet" / "articles.jsonl").exists(), reason="../shared/data not present"
)


@needs_data
def test_real_saudinewsnet_pages() -> None:
    rows = []
    with (DATA / "saudinewsnet" / "articles.jsonl").open(encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if number % 4 == 0:  # a quarter of the corpus keeps this test fast
                rows.append(json.loads(line))
    results = {row["id"]: strip_furniture(row["text"]) for row in rows if row["text"].strip()}
    touched = sum(1 for r in results.values() if r.stripped)
    # Measured on the whole corpus: 20% of the articles lose some furniture.
    assert 0.12 < touched / len(results) < 0.30
    assert all(r.body.strip() for r in results.values())
    # The wire feed's dateline and sign-off are always recognised.
    wire = [r for row in rows if row["source"] == "was" and (r := results.get(row["id"]))]
    assert sum(1 for r in wire if r.stripped_lines["dateline"]) >= 0.95 * len(wire)


# ---------------------------------------------------------------------------
# One normalization pass per page against strip_furniture then normalize_lines

PIECES = [STORY, OTHER_STORY, *HEADLINES, "المصدر: واس", "مقالات مشابهة", "شارك", "", "  ",
          "آخر تحديث: 4 نونبر 2023 - 10:14 ص", "اقرأ أيضا:", "© 2023", "سمات", "(رويترز)",
          "الرياض - واس: " + STORY, "شارك من خلال تويتر فيسبوك " + OTHER_STORY,
          STORY + " سمات الصحة مستشفيات الجنوب", STORY + "\r", "عاجل\u2028خبر", "ﻷ 3.5",
          "الرئيسية » أخبار", "كلمات دلالية: الصحة، المستشفيات", "- " + HEADLINES[0],
          "الرياض 26 شوال 1436 هـ الموافق 11 أغسطس 2015 م واس", "\ue002",
          "&#xe002; ٣٫٥"]  # fmt: skip
_PAGES = st.lists(st.sampled_from(PIECES), max_size=12).map("\n".join)
_OPTIONS = st.sampled_from([NormalizationOptions(), NormalizationOptions(True, True)])


@settings(max_examples=300, deadline=None)
@given(page=_PAGES, options=_OPTIONS, fraction=st.sampled_from([0.6, 0.9, 1.0]))
def test_strip_furniture_lines_is_strip_then_normalize(
    page: str, options: NormalizationOptions, fraction: float
) -> None:
    result, lines = strip_furniture_lines(page, options, max_strip_fraction=fraction)
    expected = strip_furniture(page, max_strip_fraction=fraction)
    assert result == expected
    assert lines == normalize_lines(expected.body, options)


@settings(max_examples=100, deadline=None)
@given(pages=st.lists(_PAGES, max_size=6), options=_OPTIONS)
def test_strip_furniture_pages_is_strip_furniture_lines_per_page(
    pages: list[str], options: NormalizationOptions
) -> None:
    assert strip_furniture_pages(pages, options) == [
        strip_furniture_lines(page, options) for page in pages
    ]


@needs_data
@pytest.mark.parametrize("name", ["saudinewsnet", "ant-multisource-2018", "araplagdet-2015"])
def test_real_pages_stripped_and_normalized_in_one_pass(name: str) -> None:
    with (DATA / name / "articles.jsonl").open(encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] or "" for n, line in enumerate(handle) if n % 8 == 0]
    expected = [strip_furniture(text) for text in texts]
    assert strip_furniture_pages(texts) == [
        (result, normalize_lines(result.body)) for result in expected
    ]
